#include <criterion/criterion.h>
#include <string.h>

#include "hull/json.h"

Test(json, invalid_json_names_file_line_and_column)
{
	_cleanup_error_ struct hull_error *err = NULL;
	const char *bad = "{\n  \"a\": ,\n}";
	json_t *j = hull_json_load_str(bad, strlen(bad), "config.json", &err);
	cr_assert_null(j);
	cr_assert_not_null(strstr(err->msg, "config.json: line 2"), "%s", err->msg);
}

Test(json, wrong_type_names_field)
{
	_cleanup_error_ struct hull_error *err = NULL;
	const char *s = "{\"process\":{\"args\":\"sh\"}}";
	_cleanup_json_ json_t *j = hull_json_load_str(s, strlen(s), "config.json", &err);
	json_t *proc = NULL, *args = NULL;
	cr_assert_eq(hull_json_get_object(j, "process", &proc, true, "config.json", "process", &err), 0);
	cr_assert_lt(hull_json_get_array(proc, "args", &args, true, "config.json", "process.args", &err), 0);
	cr_assert_str_eq(err->msg, "config.json: process.args: must be an array, not a string");
}

Test(json, missing_required_field)
{
	_cleanup_error_ struct hull_error *err = NULL;
	const char *s = "{}";
	_cleanup_json_ json_t *j = hull_json_load_str(s, strlen(s), "config.json", &err);
	const char *v = NULL;
	cr_assert_lt(hull_json_get_string(j, "ociVersion", &v, true, "config.json", "ociVersion", &err), 0);
	cr_assert_str_eq(err->msg, "config.json: ociVersion: required field is missing");
}

Test(json, strv_rejects_non_strings)
{
	_cleanup_error_ struct hull_error *err = NULL;
	const char *s = "[\"a\", 1]";
	_cleanup_json_ json_t *j = hull_json_load_str(s, strlen(s), "x", &err);
	char **v = NULL;
	cr_assert_lt(hull_json_strv(j, &v, "config.json", "process.env", &err), 0);
	cr_assert_str_eq(err->msg, "config.json: process.env[1]: must be a string");
}
