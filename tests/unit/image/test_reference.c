/* References normalise as docker's distribution/reference does. */
#include <criterion/criterion.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/oci_image.h"

static char *full(const char *in)
{
	struct hull_reference *r = NULL;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_reference_parse(in, &r, &err), 0, "%s: %s", in, err ? err->msg : "");
	char *s = hull_reference_string(r);
	hull_reference_free(r);
	return s;
}

Test(reference, short_names_as_docker)
{
	static const char *cases[][2] = {
		{ "busybox", "docker.io/library/busybox:latest" },
		{ "busybox:1.36", "docker.io/library/busybox:1.36" },
		{ "library/busybox", "docker.io/library/busybox:latest" },
		{ "user/app", "docker.io/user/app:latest" },
		{ "index.docker.io/user/app:v1", "docker.io/user/app:v1" },
		{ "quay.io/org/app", "quay.io/org/app:latest" },
		{ "localhost/app", "localhost/app:latest" },
		{ "127.0.0.1:5100/a/b/c:tag", "127.0.0.1:5100/a/b/c:tag" },
		{ "localhost:5000/app", "localhost:5000/app:latest" },
	};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *s = full(cases[i][0]);
		cr_expect_str_eq(s, cases[i][1], "%s", cases[i][0]);
	}
}

Test(reference, digest_without_and_with_tag)
{
	const char *d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	_cleanup_free_ char *in = hull_strdup_printf("alpine@%s", d);
	_cleanup_free_ char *s = full(in);
	_cleanup_free_ char *want = hull_strdup_printf("docker.io/library/alpine@%s", d);
	cr_expect_str_eq(s, want);
	_cleanup_free_ char *in2 = hull_strdup_printf("alpine:3.19@%s", d);
	_cleanup_free_ char *s2 = full(in2);
	_cleanup_free_ char *want2 = hull_strdup_printf("docker.io/library/alpine:3.19@%s", d);
	cr_expect_str_eq(s2, want2);
}

static void refused(const char *in, const char *text)
{
	struct hull_reference *r = NULL;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_lt(hull_reference_parse(in, &r, &err), 0, "%s accepted", in);
	cr_assert_null(r);
	cr_expect(strstr(err->msg, text) != NULL, "%s: %s", in, err->msg);
}

Test(reference, bad_names_say_why)
{
	refused("", "empty");
	refused("Busybox", "lowercase");
	refused("busy box", "invalid character");
	refused("busybox:", "1 to 128");
	refused("busybox:-x", "starts with");
	refused("a/-b", "start and end");
	refused("busybox@sha256:abc", "sha256:<64 hex digits>");
	refused("busybox@md5:0123", "unsupported algorithm");
	refused("a//b", "start and end");
}

Test(reference, familiar_names)
{
	char *a = hull_reference_familiar("docker.io/library/busybox:latest");
	char *b = hull_reference_familiar("docker.io/user/app:1");
	char *c = hull_reference_familiar("quay.io/x/y:2");
	cr_expect_str_eq(a, "busybox:latest");
	cr_expect_str_eq(b, "user/app:1");
	cr_expect_str_eq(c, "quay.io/x/y:2");
	free(a);
	free(b);
	free(c);
}

Test(reference, api_host_of_docker_hub)
{
	struct hull_reference *r = NULL;
	cr_assert_eq(hull_reference_parse("busybox", &r, NULL), 0);
	cr_expect_str_eq(hull_reference_api_host(r), "registry-1.docker.io");
	hull_reference_free(r);
}
