/* fuzz_image.c - libFuzzer target for the image room's parsers: the first
 * byte picks one; the rest is its input.
 *   0 image reference      1 manifest        2 index + platform choice
 *   3 image config         4 tar member name 5 a whole layer tar, unpacked
 * For 5 the layer is unpacked into box/root; anything appearing in box/
 * besides root means an escape, and aborts. Built by ./run with clang. */
#include <archive.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/oci_image.h"
#include "unpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *box;

static void fuzz_unpack(const uint8_t *data, size_t size)
{
	if (!box) {
		box = strdup("/tmp/hull-fuzz-box-XXXXXX");
		if (!mkdtemp(box))
			abort();
	}
	_cleanup_free_ char *root = hull_path_join(box, "root");
	hull_rm_rf(root, NULL);
	if (mkdir(root, 0755) < 0)
		abort();
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_open_memory(a, data, size);
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct hull_ctx ctx;
	hull_ctx_init(&ctx);
	ctx.log.fd = -1;
	struct hull_error *err = NULL;
	unpack_archive(&ctx, a, fd, NULL, &err);
	hull_error_free(err);
	close(fd);
	archive_read_free(a);
	DIR *d = opendir(box);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "root")) {
			fprintf(stderr, "escape: %s/%s\n", box, de->d_name);
			abort();
		}
	if (d)
		closedir(d);
}

/* absolute, or a `..` component */
static bool climbs(const char *s)
{
	if (s[0] == '/')
		return true;
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n;
		while (*p == '/')
			p++;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t which = data[0] % 6;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	_cleanup_free_ char *s = strndup(text, len);
	struct hull_error *err = NULL;
	switch (which) {
	case 0: {
		struct hull_reference *r = NULL;
		if (hull_reference_parse(s, &r, &err) == 0) {
			free(hull_reference_string(r));
			char *n = hull_reference_name(r);
			free(hull_reference_familiar(n));
			free(n);
			hull_reference_free(r);
		}
		break;
	}
	case 1: {
		struct hull_manifest *m = NULL;
		hull_manifest_kind(text, len, NULL, &err);
		hull_error_release(&err);
		if (hull_manifest_parse(text, len, "m", &m, &err) == 0)
			hull_manifest_free(m);
		break;
	}
	case 2: {
		struct hull_index *ix = NULL;
		if (hull_index_parse(text, len, "ix", &ix, &err) == 0) {
			struct hull_platform p = { 0 };
			hull_platform_host(&p);
			hull_index_select(ix, &p, &err);
			hull_platform_clear(&p);
			hull_error_release(&err);
			if (hull_platform_parse("linux/arm64", &p, NULL) == 0) {
				hull_index_select(ix, &p, &err);
				hull_platform_clear(&p);
			}
			hull_index_free(ix);
		}
		break;
	}
	case 3: {
		struct hull_image_config *c = NULL;
		if (hull_image_config_parse(text, len, "c", &c, &err) == 0)
			hull_image_config_free(c);
		break;
	}
	case 4:
		if (unpack_clean_path(s, &err) == 0 && climbs(s))
			abort(); /* a cleaned name never climbs */
		break;
	case 5:
		fuzz_unpack(data + 1, len);
		break;
	}
	hull_error_free(err);
	return 0;
}
