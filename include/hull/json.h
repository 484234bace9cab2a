/* hull/json.h - jansson with errors that name the file and the field.
 *
 * Messages follow the shape `config.json: process.args: must be a non-empty
 * array`: the caller passes the file's display name and the
 * dotted path of the field it checks.
 */
#ifndef HULL_JSON_H
#define HULL_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "hull/cleanup.h"
#include "hull/error.h"

static inline void hull_json_decrefp(json_t **j)
{
	if (*j)
		json_decref(*j);
	*j = NULL;
}
#define _cleanup_json_ _cleanup_(hull_json_decrefp)

/* hull_json_load_file: parse a file; the error names the display name, line
 * and column: "config.json: line 3 column 5: invalid JSON (...)". The
 * caller owns the returned reference. */
json_t *hull_json_load_file(const char *path, const char *display, struct hull_error **err);

/* hull_json_load_str: as above for a buffer. */
json_t *hull_json_load_str(const char *buf, size_t len, const char *display, struct hull_error **err);

/* hull_json_dump_file: serialise (compact) and write atomically. */
int hull_json_dump_file(json_t *j, const char *path, mode_t mode, struct hull_error **err);

/* Typed getters. `where` is the display name (file), `field` the dotted path.
 * Missing optional members leave *out untouched and return 0; a present
 * member of the wrong type is an error. Required variants fail when absent. */
int hull_json_get_string(json_t *obj, const char *key, const char **out, bool required, const char *where,
			 const char *field, struct hull_error **err);
int hull_json_get_bool(json_t *obj, const char *key, bool *out, bool required, const char *where, const char *field,
		       struct hull_error **err);
int hull_json_get_int(json_t *obj, const char *key, long long *out, bool required, const char *where,
		      const char *field, struct hull_error **err);
/* Object / array getters return a borrowed reference in *out (NULL if absent). */
int hull_json_get_object(json_t *obj, const char *key, json_t **out, bool required, const char *where,
			 const char *field, struct hull_error **err);
int hull_json_get_array(json_t *obj, const char *key, json_t **out, bool required, const char *where,
			const char *field, struct hull_error **err);

/* hull_json_strv: array of strings -> malloc'd NULL-terminated char**. */
int hull_json_strv(json_t *arr, char ***out, const char *where, const char *field, struct hull_error **err);

#endif
