/* lazy_microhttpd.c - the libmicrohttpd functions hull calls (the Docker
 * API server of `hull system service`), loading libmicrohttpd (and gnutls
 * behind it) on first use (see lazy.h). */
#include <microhttpd.h>
#include <stdarg.h>
#include <stddef.h>

#include "lazy.h"

HULL_LAZY_FN(HULL_LIB_MICROHTTPD, MHD_start_daemon_va, ())
struct MHD_Daemon *MHD_start_daemon_va(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
				       MHD_AccessHandlerCallback dh, void *dh_cls, va_list ap)
{
	return lazy_MHD_start_daemon_va()(flags, port, apc, apc_cls, dh, dh_cls, ap);
}

/* The variadic entry point, through its va_list twin. */
struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
				    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	va_list ap;
	va_start(ap, dh_cls);
	struct MHD_Daemon *d = MHD_start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}

HULL_LAZY_VOID(HULL_LIB_MICROHTTPD, MHD_stop_daemon, (struct MHD_Daemon * d), (d))
HULL_LAZY(HULL_LIB_MICROHTTPD, struct MHD_Response *, MHD_create_response_from_buffer,
	  (size_t size, void *buffer, enum MHD_ResponseMemoryMode mode), (size, buffer, mode))
HULL_LAZY(HULL_LIB_MICROHTTPD, struct MHD_Response *, MHD_create_response_from_callback,
	  (uint64_t size, size_t block_size, MHD_ContentReaderCallback crc, void *crc_cls,
	   MHD_ContentReaderFreeCallback crfc),
	  (size, block_size, crc, crc_cls, crfc))
HULL_LAZY(HULL_LIB_MICROHTTPD, enum MHD_Result, MHD_add_response_header,
	  (struct MHD_Response * r, const char *header, const char *content), (r, header, content))
HULL_LAZY(HULL_LIB_MICROHTTPD, enum MHD_Result, MHD_queue_response,
	  (struct MHD_Connection * c, unsigned int status_code, struct MHD_Response *r), (c, status_code, r))
HULL_LAZY_VOID(HULL_LIB_MICROHTTPD, MHD_destroy_response, (struct MHD_Response * r), (r))
HULL_LAZY(HULL_LIB_MICROHTTPD, const char *, MHD_lookup_connection_value,
	  (struct MHD_Connection * c, enum MHD_ValueKind kind, const char *key), (c, kind, key))
HULL_LAZY(HULL_LIB_MICROHTTPD, int, MHD_get_connection_values,
	  (struct MHD_Connection * c, enum MHD_ValueKind kind, MHD_KeyValueIterator it, void *it_cls),
	  (c, kind, it, it_cls))
HULL_LAZY(HULL_LIB_MICROHTTPD, struct MHD_Response *, MHD_create_response_for_upgrade,
	  (MHD_UpgradeHandler upgrade_handler, void *upgrade_handler_cls), (upgrade_handler, upgrade_handler_cls))

HULL_LAZY_FN(HULL_LIB_MICROHTTPD, MHD_upgrade_action, ())
/* Only MHD_UPGRADE_ACTION_CLOSE exists, which takes no further arguments. */
enum MHD_Result MHD_upgrade_action(struct MHD_UpgradeResponseHandle *urh, enum MHD_UpgradeAction action, ...)
{
	return lazy_MHD_upgrade_action()(urh, action);
}

HULL_LAZY_FN(HULL_LIB_MICROHTTPD, MHD_get_connection_info, ())
/* Only the kinds that take no further arguments are asked for (the socket). */
const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *c, enum MHD_ConnectionInfoType kind,
							 ...)
{
	return lazy_MHD_get_connection_info()(c, kind);
}
