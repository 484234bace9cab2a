/* test_proto.c - the agent's frames and base64 (docs/vm-agent.md). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hull/agent.h"

static void pair(int sv[2])
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

Test(agent_proto, frame_round_trip)
{
	int sv[2];
	pair(sv);
	json_t *m = json_pack("{s:s,s:i}", "type", "exit", "status", 7);
	cr_assert_eq(hull_agent_send(sv[0], m, NULL), 0);
	json_decref(m);
	close(sv[0]);
	json_t *got = NULL;
	cr_assert_eq(hull_agent_recv(sv[1], &got, NULL), 0);
	cr_assert_not_null(got);
	cr_assert_str_eq(json_string_value(json_object_get(got, "type")), "exit");
	cr_assert_eq(json_integer_value(json_object_get(got, "status")), 7);
	json_decref(got);
	/* then the end of the stream: no frame, no error */
	cr_assert_eq(hull_agent_recv(sv[1], &got, NULL), 0);
	cr_assert_null(got);
	close(sv[1]);
}

static int recv_raw(const void *bytes, size_t len, struct hull_error **err)
{
	int sv[2];
	pair(sv);
	cr_assert_eq(write(sv[0], bytes, len), (ssize_t)len);
	close(sv[0]);
	json_t *got = NULL;
	int r = hull_agent_recv(sv[1], &got, err);
	cr_assert_null(got);
	close(sv[1]);
	return r;
}

Test(agent_proto, hostile_frames_are_refused)
{
	struct hull_error *err = NULL;
	uint32_t huge = htonl(HULL_AGENT_FRAME_MAX + 1);
	cr_assert_lt(recv_raw(&huge, sizeof(huge), &err), 0);
	cr_assert_not_null(strstr(err->msg, "out of range"), "%s", err->msg);
	hull_error_free(err);
	err = NULL;

	uint32_t zero = 0;
	cr_assert_lt(recv_raw(&zero, sizeof(zero), &err), 0);
	hull_error_free(err);
	err = NULL;

	/* a length promising more than comes */
	unsigned char truncated[4 + 3] = {0, 0, 0, 10, '{', '}', ' '};
	cr_assert_lt(recv_raw(truncated, sizeof(truncated), &err), 0);
	hull_error_free(err);
	err = NULL;

	/* JSON, but not an object */
	unsigned char array[4 + 2] = {0, 0, 0, 2, '[', ']'};
	cr_assert_lt(recv_raw(array, sizeof(array), &err), 0);
	cr_assert_not_null(strstr(err->msg, "not a JSON object"), "%s", err->msg);
	hull_error_free(err);
}

Test(agent_proto, base64_round_trip_and_rejects)
{
	const char *cases[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	const char *expect[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *e = hull_agent_b64_encode(cases[i], strlen(cases[i]));
		cr_assert_str_eq(e, expect[i]);
		size_t len = 99;
		char *d = hull_agent_b64_decode(e, &len);
		cr_assert_not_null(d);
		cr_assert_eq(len, strlen(cases[i]));
		cr_assert_eq(memcmp(d, cases[i], len), 0);
		free(d);
		free(e);
	}
	unsigned char bin[256];
	for (int i = 0; i < 256; i++)
		bin[i] = (unsigned char)i;
	char *e = hull_agent_b64_encode(bin, sizeof(bin));
	size_t len = 0;
	unsigned char *d = hull_agent_b64_decode(e, &len);
	cr_assert_eq(len, sizeof(bin));
	cr_assert_eq(memcmp(d, bin, len), 0);
	free(d);
	free(e);
	const char *bad[] = {"Zg=", "Z===", "Zm=v", "Zm9v\n", "Zm9$", "=Zm9"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_null(hull_agent_b64_decode(bad[i], &len), "accepted `%s`", bad[i]);
}
