/* proto.c - the agent's framing (docs/vm-agent.md): a u32 big-endian
 * length, then that many bytes of one JSON object; and the base64 that
 * carries stdio bytes inside JSON strings (RFC 4648 section 4). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hull/agent.h"
#include "hull/cleanup.h"
#include "hull/fs.h"

int hull_agent_send(int fd, json_t *msg, struct hull_error **err)
{
	_cleanup_free_ char *text = json_dumps(msg, JSON_COMPACT);
	if (!text)
		return hull_error_msg(err, ENOMEM, "agent frame: cannot encode the message");
	size_t len = strlen(text);
	if (len > HULL_AGENT_FRAME_MAX)
		return hull_error_msg(err, E2BIG, "agent frame: %zu bytes is over the %u-byte limit", len,
				      HULL_AGENT_FRAME_MAX);
	uint32_t be = htonl((uint32_t)len);
	if (hull_write_all(fd, &be, sizeof(be)) < 0 || hull_write_all(fd, text, len) < 0)
		return hull_error_set(err, errno, "agent frame: write");
	return 0;
}

/* Read exactly n bytes; 0 = done, 1 = end of stream before the first byte. */
static int read_exact(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return got == 0 ? 1 : -EPIPE;
		got += (size_t)r;
	}
	return 0;
}

int hull_agent_recv(int fd, json_t **out, struct hull_error **err)
{
	*out = NULL;
	uint32_t be;
	int r = read_exact(fd, &be, sizeof(be));
	if (r == 1)
		return 0;
	if (r < 0)
		return hull_error_set(err, -r, "agent frame: read the length");
	uint32_t len = ntohl(be);
	if (len == 0 || len > HULL_AGENT_FRAME_MAX)
		return hull_error_msg(err, EPROTO, "agent frame: length %u is out of range (1..%u)", len,
				      HULL_AGENT_FRAME_MAX);
	_cleanup_free_ char *buf = hull_xmalloc(len);
	r = read_exact(fd, buf, len);
	if (r != 0)
		return hull_error_set(err, r < 0 ? -r : EPIPE, "agent frame: read %u bytes", len);
	json_error_t je;
	json_t *msg = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!msg || !json_is_object(msg)) {
		json_decref(msg);
		return hull_error_msg(err, EPROTO, "agent frame: not a JSON object: %s", msg ? "" : je.text);
	}
	*out = msg;
	return 0;
}

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *hull_agent_b64_encode(const void *data, size_t len)
{
	const unsigned char *in = data;
	char *out = hull_xmalloc((len + 2) / 3 * 4 + 1);
	char *o = out;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		*o++ = b64_alphabet[(v >> 18) & 63];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? b64_alphabet[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64_alphabet, c) : NULL;
	return p ? (int)(p - b64_alphabet) : -1;
}

void *hull_agent_b64_decode(const char *text, size_t *len)
{
	size_t n = strlen(text);
	if (n % 4)
		return NULL;
	unsigned char *out = hull_xmalloc(n / 4 * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			char c = text[i + k];
			/* '=' only as the last one or two characters of the text */
			if (c == '=' && i + 4 == n && k >= 2 && (k == 3 || text[i + 3] == '=')) {
				v[k] = 0;
				pad++;
				continue;
			}
			if ((v[k] = b64_value(c)) < 0 || pad) {
				free(out);
				return NULL;
			}
		}
		unsigned bits = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
		out[o++] = (unsigned char)(bits >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(bits >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)bits;
	}
	*len = o;
	return out;
}
