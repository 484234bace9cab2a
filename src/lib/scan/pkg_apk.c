/* pkg_apk.c - installed Alpine packages: lib/apk/db/installed.
 *
 * apk's database is blocks of "X:value" lines separated by blank lines
 * (wiki.alpinelinux.org/wiki/Apk_spec#Installed_Database): P: name, V:
 * version, A: arch, o: origin, the source package whose name Alpine's
 * secdb and OSV records use. Subpackages share their origin's version. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "scan-internal.h"

#define APK_DB_MAX (256u << 20)

struct apk_block {
	char *name, *version, *origin, *arch;
	size_t line; /* where the block starts, for errors */
};

static void block_clear(struct apk_block *b)
{
	free(b->name);
	free(b->version);
	free(b->origin);
	free(b->arch);
	memset(b, 0, sizeof(*b));
}

static int block_emit(struct apk_block *b, const char *where, struct scan_packages *out, struct hull_error **err)
{
	if (!b->name && !b->version)
		return 0;
	if (!b->name || !b->version)
		return hull_error_msg(err, EINVAL, "%s: line %zu: package block without %s", where, b->line,
				      b->name ? "V: (version)" : "P: (name)");
	scan_packages_add(out, b->name, b->version, b->origin, b->version, b->arch);
	return 0;
}

int scan_apk_parse(const char *buf, const char *where, struct scan_packages *out, struct hull_error **err)
{
	struct apk_block b = { 0 };
	size_t lineno = 0;
	int ret = 0;
	for (const char *p = buf; *p && ret >= 0;) {
		size_t len = strcspn(p, "\n");
		lineno++;
		if (len == 0) {
			ret = block_emit(&b, where, out, err);
			block_clear(&b);
		} else if (len >= 2 && p[1] == ':') {
			char **slot = NULL;
			switch (p[0]) {
			case 'P': slot = &b.name; break;
			case 'V': slot = &b.version; break;
			case 'o': slot = &b.origin; break;
			case 'A': slot = &b.arch; break;
			}
			if (!b.line)
				b.line = lineno;
			if (slot) {
				free(*slot);
				*slot = hull_strdup_printf("%.*s", (int)(len - 2), p + 2);
			}
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	if (ret >= 0)
		ret = block_emit(&b, where, out, err);
	block_clear(&b);
	return ret;
}

int scan_apk_read(const struct hull_scan_root *root, const char *path, struct scan_packages *out,
		  struct hull_error **err)
{
	_cleanup_free_ char *buf = NULL;
	int ret = scan_root_read_file(root, path, APK_DB_MAX, &buf, NULL, err);
	if (ret < 0)
		return ret;
	_cleanup_free_ char *where = hull_strdup_printf("/%s", path);
	return scan_apk_parse(buf, where, out, err);
}
