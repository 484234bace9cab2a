/* config_internal.h - helpers shared by the config*.c files (not public). */
#ifndef HULL_OCI_CONFIG_INTERNAL_H
#define HULL_OCI_CONFIG_INTERNAL_H

#include "hull/cleanup.h"
#include "hull/oci.h"

/* oci_field: "prefix.name", or "name" when prefix is NULL/empty (malloc'd). */
char *oci_field(const char *prefix, const char *name);

/* oci_strdup_or_null: strdup that passes NULL through. */
char *oci_strdup_or_null(const char *s);

/* oci_propagation_parse: "rslave" -> MS_SLAVE|MS_REC...; 0 when unknown. */
unsigned long oci_propagation_parse(const char *name);

/* oci_parse_linux: the linux object of config-linux.md into cfg. */
int oci_parse_linux(struct hull_oci_config *cfg, const char *where, struct hull_error **err);

#endif
