/* fuzz_tar.c - fuzz target for layer extraction (src/lib/image/unpack.c):
 * where a tar member lands (unpack_clean_path, whiteouts, opaque markers,
 * hardlinks and symlinks planted by earlier members). Each input becomes a
 * small layer unpacked into a fresh directory on tmpfs; nothing may appear
 * outside it, whatever the members say.
 *
 * Input: either a raw tar (ustar magic at offset 257), or a script, one
 * member a line, that this target turns into a tar with libarchive:
 *     f NAME        regular file (a few bytes)      F NAME  1.5 MiB file
 *     M NAME        256 KiB file (written by an unpack worker, slowly)
 *     d NAME        directory                        l NAME TARGET  symlink
 *     h NAME TARGET hardlink                         c/b/p NAME  char/block/fifo
 * Names are used verbatim: `../x`, `/etc/x`, `a/.wh..wh..opq`, `.wh.x`.
 * The layer root sits at <tmp>/a/root beside a canary file; after every
 * input <tmp> must hold only a/, and a/ only root and the unchanged canary.
 * Corpus: tests/fuzz/corpus/tar. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "hull/ctx.h"
#include "hull/fs.h"
#include "unpack.h"

#define BIG_FILE (3 << 19)  /* written by the reader itself */
#define POOL_FILE (256 << 10) /* a worker writes it, slowly */
#define CANARY "do not touch\n"

static char base[64], mid[80], root[96], canary[96];

static void die(const char *what)
{
	perror(what);
	abort();
}

static void teardown(void)
{
	hull_rm_rf(base, NULL);
}

static void setup(void)
{
	if (base[0])
		return;
	/* tmpfs: creating files on / costs a millisecond each here */
	snprintf(base, sizeof(base), "/dev/shm/hull-fuzz-tar.%d", (int)getpid());
	snprintf(mid, sizeof(mid), "%s/a", base);
	snprintf(root, sizeof(root), "%s/root", mid);
	snprintf(canary, sizeof(canary), "%s/canary", mid);
	hull_rm_rf(base, NULL);
	if (mkdir(base, 0755) < 0 || mkdir(mid, 0755) < 0)
		die(base);
	if (hull_write_file(canary, CANARY, strlen(CANARY), NULL) < 0)
		die(canary);
	atexit(teardown);
}

/* The directory holds exactly the names given. */
static void expect_only(const char *dir, const char *a, const char *b)
{
	DIR *d = opendir(dir);
	if (!d)
		die(dir);
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, a) || (b && !strcmp(n, b)))
			continue;
		fprintf(stderr, "`%s/%s` appeared outside the layer root\n", dir, n);
		abort();
	}
	closedir(d);
}

static void check_outside(void)
{
	expect_only(base, "a", NULL);
	expect_only(mid, "root", "canary");
	char buf[64];
	int fd = open(canary, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (n != (ssize_t)strlen(CANARY) || memcmp(buf, CANARY, strlen(CANARY))) {
		fprintf(stderr, "the canary beside the layer root changed\n");
		abort();
	}
	close(fd);
}

/* unpack_clean_path's promise: no leading or doubled `/`, no `.` or `..`
 * component, no trailing `/`; or a refusal with a message. */
static void check_clean(const char *name)
{
	char *p = strdup(name);
	struct hull_error *err = NULL;
	int ret = unpack_clean_path(p, &err);
	fuzz_check_error(ret, err);
	if (ret == 0 && *p) {
		size_t n = strlen(p);
		if (p[0] == '/' || p[n - 1] == '/' || strstr(p, "//") || !strcmp(p, ".") || !strncmp(p, "./", 2) ||
		    strstr(p, "/./") || (n >= 2 && !strcmp(p + n - 2, "/.")) || !strcmp(p, "..") ||
		    !strncmp(p, "../", 3) || strstr(p, "/../") || (n >= 3 && !strcmp(p + n - 3, "/..")))
			abort();
	}
	free(p);
}

static void add_member(struct archive *w, char type, const char *name, const char *target)
{
	static char big[BIG_FILE];
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_mtime(e, 1700000000, 0);
	const char *data = NULL;
	size_t size = 0;
	switch (type) {
	case 'F':
	case 'M':
	case 'f':
		data = type == 'f' ? name : big;
		size = type == 'F' ? BIG_FILE : type == 'M' ? POOL_FILE : strlen(name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)size);
		break;
	case 'd': archive_entry_set_filetype(e, AE_IFDIR), archive_entry_set_perm(e, 0755); break;
	case 'l': archive_entry_set_filetype(e, AE_IFLNK), archive_entry_set_symlink(e, target ? target : ""); break;
	case 'h':
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_hardlink(e, target ? target : "");
		break;
	case 'c': archive_entry_set_filetype(e, AE_IFCHR), archive_entry_set_rdev(e, makedev(1, 3)); break;
	case 'b': archive_entry_set_filetype(e, AE_IFBLK), archive_entry_set_rdev(e, makedev(7, 0)); break;
	case 'p': archive_entry_set_filetype(e, AE_IFIFO), archive_entry_set_perm(e, 0600); break;
	default: archive_entry_free(e); return;
	}
	if (archive_write_header(w, e) == ARCHIVE_OK && size)
		archive_write_data(w, data, size);
	archive_entry_free(e);
}

/* The script, as a tar in memory (malloc'd; *len its size). */
static void *script_to_tar(const char *script, size_t *len)
{
	size_t cap = 1 << 16;
	for (const char *p = script; (p = strstr(p, "F ")); p += 2)
		cap += BIG_FILE + 4096;
	for (const char *p = script; (p = strstr(p, "M ")); p += 2)
		cap += POOL_FILE + 4096;
	char *out = malloc(cap);
	struct archive *w = archive_write_new();
	archive_write_set_format_pax_restricted(w);
	archive_write_set_bytes_in_last_block(w, 1);
	if (archive_write_open_memory(w, out, cap, len) != ARCHIVE_OK)
		abort();
	char *copy = strdup(script);
	for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strlen(line) < 3 || line[1] != ' ')
			continue;
		char *name = line + 2, *target = strchr(name, ' ');
		if (target)
			*target++ = '\0';
		check_clean(name);
		if (target)
			check_clean(target);
		add_member(w, line[0], name, target);
	}
	free(copy);
	archive_write_close(w);
	archive_write_free(w);
	return out;
}

/* An oracle for scripts of plain files and directories (f, F, d with
 * names of [a-z0-9] components): tar semantics say what the layer holds.
 * A later member replaces an earlier one (a file replaces a directory and
 * everything in it; a directory replaces a file, and keeps a directory);
 * missing parents are created; a member below a file is an error. */
#define MODEL_MAX 64

struct model {
	char *path[MODEL_MAX * 8];
	char type[MODEL_MAX * 8]; /* 'f' or 'd' */
	size_t n;
};

static bool plain_name(const char *s)
{
	if (!*s || *s == '/' || s[strlen(s) - 1] == '/' || strstr(s, "//"))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789/") == strlen(s);
}

static ssize_t model_find(const struct model *m, const char *path, size_t len)
{
	for (size_t i = 0; i < m->n; i++)
		if (strlen(m->path[i]) == len && !strncmp(m->path[i], path, len))
			return (ssize_t)i;
	return -1;
}

static void model_remove_tree(struct model *m, const char *path)
{
	size_t len = strlen(path), k = 0;
	for (size_t i = 0; i < m->n; i++) {
		const char *p = m->path[i];
		if (!strncmp(p, path, len) && (!p[len] || p[len] == '/')) {
			free(m->path[i]);
			continue;
		}
		m->path[k] = m->path[i], m->type[k++] = m->type[i];
	}
	m->n = k;
}

static void model_free(struct model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->path[i]);
	free(m);
}

static void model_add(struct model *m, const char *path, size_t len, char type)
{
	m->path[m->n] = strndup(path, len);
	m->type[m->n++] = type;
}

/* Apply one member; false when unpacking must fail here. */
static bool model_apply(struct model *m, char type, const char *path)
{
	for (const char *slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		ssize_t i = model_find(m, path, (size_t)(slash - path));
		if (i >= 0 && m->type[i] == 'f')
			return false;
		if (i < 0)
			model_add(m, path, (size_t)(slash - path), 'd');
	}
	ssize_t i = model_find(m, path, strlen(path));
	if (i >= 0 && m->type[i] == 'd' && type == 'd')
		return true;
	if (i >= 0)
		model_remove_tree(m, path);
	model_add(m, path, strlen(path), type);
	return true;
}

/* The model of the script, or NULL when the script has other members. */
static struct model *model_build(const char *script, bool *ok)
{
	struct model *m = calloc(1, sizeof(*m));
	char *copy = strdup(script);
	size_t members = 0;
	*ok = true;
	for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strlen(line) < 3 || line[1] != ' ')
			continue; /* script_to_tar skips it too */
		char type = line[0] == 'F' || line[0] == 'M' ? 'f' : line[0];
		if ((type != 'f' && type != 'd') || !plain_name(line + 2) || ++members > MODEL_MAX) {
			model_free(m);
			m = NULL;
			break;
		}
		if (*ok && !model_apply(m, type, line + 2))
			*ok = false;
	}
	free(copy);
	return m;
}

static size_t count_tree(int dfd)
{
	DIR *d = fdopendir(dfd);
	if (!d)
		die("fdopendir");
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n++;
		int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			n += count_tree(sub);
	}
	closedir(d);
	return n;
}

/* The layer holds exactly what the model says. */
static void model_check(const struct model *m, bool expect_ok, int ret, const char *why)
{
	if (expect_ok != (ret >= 0)) {
		fprintf(stderr, "unpack %s, but tar semantics say it %s%s%s\n", ret >= 0 ? "succeeded" : "failed",
			expect_ok ? "succeeds" : "fails", why ? ": " : "", why ? why : "");
		abort();
	}
	if (!expect_ok)
		return;
	for (size_t i = 0; i < m->n; i++) {
		char p[512];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", root, m->path[i]);
		if (lstat(p, &st) < 0 || (m->type[i] == 'd') != !!S_ISDIR(st.st_mode) ||
		    (m->type[i] == 'f') != !!S_ISREG(st.st_mode)) {
			fprintf(stderr, "`%s` should be a %s\n", m->path[i], m->type[i] == 'd' ? "directory" : "file");
			abort();
		}
	}
	size_t n = count_tree(open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (n != m->n) {
		fprintf(stderr, "the layer holds %zu entries, tar semantics say %zu\n", n, m->n);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	void *tar;
	size_t len;
	struct model *model = NULL;
	bool expect_ok = true;
	if (size >= 512 && !memcmp(data + 257, "ustar", 5)) {
		tar = malloc(size);
		memcpy(tar, data, size);
		len = size;
	} else {
		char *script = strndup((const char *)data, size);
		tar = script_to_tar(script, &len);
		model = model_build(script, &expect_ok);
		free(script);
	}
	if (mkdir(root, 0755) < 0)
		die(root);
	int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		die(root);
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_filter_none(a);
	struct hull_ctx ctx;
	hull_ctx_init(&ctx);
	ctx.log.fd = -1;
	struct hull_error *err = NULL;
	long long bytes = 0;
	int ret = archive_read_open_memory(a, tar, len) == ARCHIVE_OK ? unpack_archive(&ctx, a, root_fd, &bytes, &err)
								      : 0;
	if (model)
		model_check(model, expect_ok, ret, err ? err->msg : NULL);
	model_free(model);
	fuzz_check_error(ret, err);
	archive_read_free(a);
	close(root_fd);
	free(tar);
	check_outside();
	if (hull_rm_rf(root, NULL) < 0)
		die("remove the layer root");
	return 0;
}
