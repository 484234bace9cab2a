/* initramfs.c - the guest's initramfs, written by hull: a cpio (newc)
 * archive (the kernel's initramfs-buffer-format) holding
 *   /init                      the hull binary (the agent, guest.c)
 *   its shared libraries       at the paths the dynamic loader found them
 *   /lib/modules/hull/NAME.ko  the modules the agent needs, with their
 *   /lib/modules/hull/order    dependencies, in load order
 *   /dev/console               so the kernel can give init its stdio
 * No shell and no busybox: hull is the guest's only program. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hull/agent.h"
#include "hull/cleanup.h"
#include "hull/digest.h"
#include "hull/fs.h"
#include "hull/spawn.h"

/* What the agent mounts and talks through: virtio over PCI, the root disk,
 * ext4 (which asks the crypto API for crc32c), overlay, vsock, and the
 * network device of a container on a network, and the container's volumes
 * (virtiofs, with fuse under it). */
static const char *const wanted_modules[] = {
    "virtio_pci", "virtio_blk", "virtio_net", "vmw_vsock_virtio_transport", "crc32c_generic", "ext4",
    "overlay",	  "virtiofs",	NULL};

#define MAX_FILE (256u << 20) /* a kernel, binary, library or module larger than this is not one */

char *hull_agent_kernel_version(const char *kernel, struct hull_error **err)
{
	_cleanup_close_ int fd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		hull_error_set(err, errno, "open kernel `%s`", kernel);
		return NULL;
	}
	unsigned char buf[65536];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	/* Linux boot protocol (Documentation/x86/boot.rst): "HdrS" at 0x202,
	 * kernel_version at 0x20E, the string at that offset + 0x200 */
	if (n < 0x210 || memcmp(buf + 0x202, "HdrS", 4)) {
		hull_error_msg(err, EINVAL,
			       "kernel `%s` is not a bzImage (no HdrS setup header): pass a bzImage with --vm-kernel",
			       kernel);
		return NULL;
	}
	size_t off = (size_t)(buf[0x20E] | buf[0x20F] << 8) + 0x200;
	if (off >= (size_t)n) {
		hull_error_msg(err, EINVAL, "kernel `%s`: its version string lies outside the first %zu bytes", kernel,
			       sizeof(buf));
		return NULL;
	}
	buf[n] = '\0';
	char *v = (char *)buf + off;
	size_t len = strcspn(v, " ");
	if (len == 0 || len > 64) {
		hull_error_msg(err, EINVAL, "kernel `%s` carries no version string", kernel);
		return NULL;
	}
	return strndup(v, len);
}

struct writer {
	struct archive *a;
	char **dirs; /* emitted already */
	size_t n_dirs, cap_dirs;
};

static int archive_fail(struct writer *w, const char *what, struct hull_error **err)
{
	return hull_error_msg(err, EIO, "initramfs: %s: %s", what, archive_error_string(w->a));
}

static int add_entry(struct writer *w, const char *path, mode_t type, mode_t perm, const void *data, size_t len,
		     dev_t rdev, struct hull_error **err);

/* Parent directories first: the kernel's unpacker makes none. */
static int add_parents(struct writer *w, const char *path, struct hull_error **err)
{
	_cleanup_free_ char *dir = hull_xstrdup(path);
	for (char *s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		bool seen = false;
		for (size_t i = 0; i < w->n_dirs && !seen; i++)
			seen = !strcmp(w->dirs[i], dir);
		if (!seen) {
			w->dirs = hull_array_grow(w->dirs, w->n_dirs, &w->cap_dirs, sizeof(char *), 16);
			w->dirs[w->n_dirs++] = hull_xstrdup(dir);
			int r = add_entry(w, dir, AE_IFDIR, 0755, NULL, 0, 0, err);
			if (r < 0)
				return r;
		}
		*s = '/';
	}
	return 0;
}

static int add_entry(struct writer *w, const char *path, mode_t type, mode_t perm, const void *data, size_t len,
		     dev_t rdev, struct hull_error **err)
{
	int r = type == AE_IFDIR ? 0 : add_parents(w, path, err);
	if (r < 0)
		return r;
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path + 1); /* "init", "lib/...": relative, as cpio(1) writes them */
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, 0, 0); /* the same inputs give the same bytes */
	if (type == AE_IFCHR) {
		archive_entry_set_rdevmajor(e, major(rdev));
		archive_entry_set_rdevminor(e, minor(rdev));
	}
	r = archive_write_header(w->a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return archive_fail(w, path, err);
	if (len && archive_write_data(w->a, data, len) != (la_ssize_t)len)
		return archive_fail(w, path, err);
	return 0;
}

/* A host file (a symlink followed: the loader's paths often are) as a
 * regular file at the same path. */
static int add_file(struct writer *w, const char *path, const char *source, mode_t perm, struct hull_error **err)
{
	_cleanup_close_ int fd = open(source, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return hull_error_set(err, errno, "initramfs: open `%s`", source);
	if (!S_ISREG(st.st_mode) || (unsigned long long)st.st_size > MAX_FILE)
		return hull_error_msg(err, EINVAL, "initramfs: `%s` is not a regular file of at most %u MiB", source,
				      MAX_FILE >> 20);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (hull_read_all(fd, &data, &len) < 0)
		return hull_error_set(err, errno, "initramfs: read `%s`", source);
	return add_entry(w, path, AE_IFREG, perm, data, len, 0, err);
}

/* The shared objects the binary needs, the program interpreter among
 * them, as ldd(1) lists them ("name => /path (addr)", "/path (addr)"). */
static char **needed_libraries(const char *binary, struct hull_error **err)
{
	/* ldd's own /proc/self/exe would be ldd's */
	_cleanup_free_ char *real = realpath(binary, NULL);
	char *argv[] = {"ldd", real ? real : (char *)binary, NULL};
	_cleanup_free_ char *out = NULL;
	if (hull_spawn_output(argv, false, &out, NULL, err) < 0 || !out) {
		hull_error_wrap(err, out ? -EIO : -ENOEXEC, "initramfs: is `%s` a dynamically linked hull?", binary);
		return NULL;
	}
	char **libs = hull_xcalloc(1, sizeof(char *));
	size_t n = 0;
	for (char *save = NULL, *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *arrow = strstr(line, "=> ");
		char *p = arrow ? arrow + 3 : line + strspn(line, " \t");
		if (*p != '/')
			continue; /* the vDSO, or "not found" (ldd then fails) */
		libs = hull_xrealloc(libs, (n + 2) * sizeof(char *));
		libs[n++] = strndup(p, strcspn(p, " \t("));
		libs[n] = NULL;
	}
	return libs;
}

struct modules {
	char **order; /* paths relative to the modules dir, dependencies first */
	size_t n, cap;
};

static bool in_order(const struct modules *m, const char *rel)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->order[i], rel))
			return true;
	return false;
}

/* The modules.dep line of the module at rel (or named name), or NULL. */
static const char *dep_line(const char *dep, const char *rel, const char *name, size_t *line_len)
{
	for (const char *line = dep; *line;) {
		size_t len = strcspn(line, "\n");
		size_t key = strcspn(line, ":");
		if (key < len) {
			bool match = false;
			if (rel)
				match = key == strlen(rel) && !strncmp(line, rel, key);
			else {
				const char *slash = memrchr(line, '/', key);
				const char *base = slash ? slash + 1 : line;
				size_t blen = (size_t)(line + key - base);
				size_t nlen = strlen(name);
				match = blen == nlen + 3 && !strncmp(base + nlen, ".ko", 3);
				for (size_t i = 0; match && i < nlen; i++)
					/* module names treat - and _ alike */
					match = base[i] == name[i] || (base[i] == '-' && name[i] == '_') ||
						(base[i] == '_' && name[i] == '-');
			}
			if (match) {
				*line_len = len;
				return line;
			}
		}
		line += len + (line[len] == '\n');
	}
	return NULL;
}

static int add_module(struct modules *m, const char *dep, const char *rel, int depth, struct hull_error **err)
{
	if (in_order(m, rel))
		return 0;
	if (depth > 32)
		return hull_error_msg(err, ELOOP, "initramfs: module dependencies of `%s` loop", rel);
	size_t len;
	const char *line = dep_line(dep, rel, NULL, &len);
	if (!line)
		return hull_error_msg(err, ENOENT, "initramfs: modules.dep has no line for `%s`", rel);
	_cleanup_free_ char *deps = strndup(line + strlen(rel) + 1, len - strlen(rel) - 1);
	/* modules.dep lists every dependency, the ones to load first last */
	_cleanup_strv_ char **list = hull_xcalloc(1, sizeof(char *));
	size_t n = 0;
	for (char *save = NULL, *tok = strtok_r(deps, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		list = hull_xrealloc(list, (n + 2) * sizeof(char *));
		list[n++] = hull_xstrdup(tok);
		list[n] = NULL;
	}
	for (size_t i = n; i-- > 0;) {
		int r = add_module(m, dep, list[i], depth + 1, err);
		if (r < 0)
			return r;
	}
	if (!strstr(rel, ".ko") || strcmp(rel + strlen(rel) - 3, ".ko"))
		return hull_error_msg(
		    err, EINVAL, "initramfs: module `%s` is compressed; the agent loads plain .ko files only", rel);
	m->order = hull_array_grow(m->order, m->n, &m->cap, sizeof(char *), 16);
	m->order[m->n++] = hull_xstrdup(rel);
	return 0;
}

static void modules_clear(struct modules *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->order[i]);
	free(m->order);
}

static int resolve_modules(const char *dir, struct modules *m, struct hull_error **err)
{
	_cleanup_free_ char *dep_path = hull_path_join(dir, "modules.dep");
	_cleanup_free_ char *builtin_path = hull_path_join(dir, "modules.builtin");
	_cleanup_free_ char *dep = NULL, *builtin = NULL;
	if (hull_read_file(dep_path, &dep, NULL, err) < 0)
		return hull_error_wrap(err, -ENOENT, "initramfs: the kernel's modules");
	hull_read_file(builtin_path, &builtin, NULL, NULL);
	for (const char *const *w = wanted_modules; *w; w++) {
		size_t len;
		const char *line = dep_line(dep, NULL, *w, &len);
		if (!line) {
			_cleanup_free_ char *ko = hull_strdup_printf("/%s.ko\n", *w);
			if (builtin && strstr(builtin, ko))
				continue; /* built into the kernel */
			return hull_error_msg(
			    err, ENOENT, "initramfs: the kernel has no module `%s` (in %s) and does not build it in",
			    *w, dep_path);
		}
		_cleanup_free_ char *rel = strndup(line, strcspn(line, ":"));
		int r = add_module(m, dep, rel, 0, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int write_archive(struct writer *w, const struct hull_agent_initramfs_opts *opts, const char *modules_dir,
			 const struct modules *mods, char **libs, struct hull_error **err)
{
	int r;
	if ((r = add_entry(w, "/dev/console", AE_IFCHR, 0600, NULL, 0, makedev(5, 1), err)) < 0 ||
	    (r = add_file(w, "/init", opts->hull_binary, 0755, err)) < 0)
		return r;
	for (char **l = libs; *l; l++)
		if ((r = add_file(w, *l, *l, 0755, err)) < 0)
			return r;
	_cleanup_free_ char *order = hull_xstrdup("");
	for (size_t i = 0; i < mods->n; i++) {
		const char *base = strrchr(mods->order[i], '/');
		base = base ? base + 1 : mods->order[i];
		_cleanup_free_ char *src = hull_path_join(modules_dir, mods->order[i]);
		_cleanup_free_ char *dst = hull_strdup_printf("/lib/modules/hull/%s", base);
		if ((r = add_file(w, dst, src, 0644, err)) < 0)
			return r;
		char *more = hull_strdup_printf("%s%s\n", order, dst);
		free(order);
		order = more;
	}
	return add_entry(w, "/lib/modules/hull/order", AE_IFREG, 0644, order, strlen(order), 0, err);
}

int hull_agent_initramfs_write(const struct hull_agent_initramfs_opts *opts, const char *path, struct hull_error **err)
{
	_cleanup_free_ char *version = hull_agent_kernel_version(opts->kernel, err);
	if (!version)
		return -EINVAL;
	_cleanup_free_ char *modules_dir =
	    opts->modules_dir ? hull_xstrdup(opts->modules_dir) : hull_strdup_printf("/lib/modules/%s", version);
	_cleanup_strv_ char **libs = needed_libraries(opts->hull_binary, err);
	if (!libs)
		return -EIO;
	struct modules mods = {0};
	int r = resolve_modules(modules_dir, &mods, err);
	if (r < 0) {
		modules_clear(&mods);
		return r;
	}
	_cleanup_free_ char *tmp = hull_strdup_printf("%s.tmp.%d", path, (int)getpid());
	struct writer w = {.a = archive_write_new()};
	if (archive_write_set_format_cpio_newc(w.a) != ARCHIVE_OK ||
	    archive_write_open_filename(w.a, tmp) != ARCHIVE_OK)
		r = archive_fail(&w, tmp, err);
	else
		r = write_archive(&w, opts, modules_dir, &mods, libs, err);
	if (r == 0 && archive_write_close(w.a) != ARCHIVE_OK)
		r = archive_fail(&w, tmp, err);
	archive_write_free(w.a);
	for (size_t i = 0; i < w.n_dirs; i++)
		free(w.dirs[i]);
	free(w.dirs);
	modules_clear(&mods);
	if (r == 0 && rename(tmp, path) < 0)
		r = hull_error_set(err, errno, "initramfs: rename to `%s`", path);
	if (r < 0)
		unlink(tmp);
	return r;
}

char *hull_agent_initramfs_cached(const struct hull_agent_initramfs_opts *opts, const char *cache_dir,
				  struct hull_error **err)
{
	_cleanup_free_ char *version = hull_agent_kernel_version(opts->kernel, err);
	if (!version)
		return NULL;
	_cleanup_close_ int fd = open(opts->hull_binary, O_RDONLY | O_CLOEXEC);
	char bin[HULL_DIGEST_BUF_LEN];
	if (fd < 0 || hull_sha256_fd(fd, bin, NULL, err) < 0) {
		hull_error_set(err, errno, "initramfs: read `%s`", opts->hull_binary);
		return NULL;
	}
	/* the binary and the kernel it is for; the libraries travel inside the
	 * archive, so one made with older ones still runs as it was made */
	_cleanup_free_ char *key =
	    hull_strdup_printf("initramfs-v1\n%s\n%s\n%s\n", bin, version, opts->modules_dir ? opts->modules_dir : "");
	char digest[HULL_DIGEST_BUF_LEN];
	hull_sha256_buffer(key, strlen(key), digest);
	if (hull_mkdir_p(cache_dir, 0700, err) < 0)
		return NULL;
	_cleanup_free_ char *name = hull_strdup_printf("initramfs-%s-%.16s.cpio", version, hull_digest_hex(digest));
	char *path = hull_path_join(cache_dir, name);
	if (access(path, F_OK) == 0 || hull_agent_initramfs_write(opts, path, err) == 0)
		return path;
	free(path);
	return NULL;
}
