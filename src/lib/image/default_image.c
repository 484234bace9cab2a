/* default_image.c - the offline image: Debian's busybox-static as a
 * one-layer OCI image, so `hull run busybox` works with no registry. */
#include <archive.h>
#include <archive_entry.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/lazy.h"
#include "import.h"
#include "store.h"

extern char **environ;

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "nobody:x:65534:65534:nobody:/home:/bin/false\n";
static const char group[] = "root:x:0:\n"
			    "nobody:x:65534:\n";

/* `busybox --list-full`: one "usr/bin/awk" line per applet. */
static int list_applets(const char *busybox, char **out, struct hull_error **err)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return hull_error_set(err, errno, "pipe");
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	char *argv[] = { (char *)busybox, (char *)"--list-full", NULL };
	pid_t pid;
	int r = posix_spawn(&pid, busybox, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		return hull_error_set(err, r, "run `%s --list-full` (install busybox-static)", busybox);
	}
	size_t len;
	int ret = hull_read_all(pipefd[0], out, &len);
	close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ret < 0)
		return hull_error_set(err, -ret, "read `%s --list-full`", busybox);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || len == 0)
		return hull_error_msg(err, EINVAL, "`%s --list-full` failed: is it Debian's busybox-static?", busybox);
	return 0;
}

/* A dynamically linked busybox (Debian's `busybox` package) would find no
 * libc in the image: insist on a static ELF (no PT_INTERP). */
static int check_static(const char *path, const char *bin, size_t len, struct hull_error **err)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)bin;
	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return hull_error_msg(err, EINVAL, "`%s` is not a 64-bit ELF program (install busybox-static)", path);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		size_t off = eh->e_phoff + (size_t)i * eh->e_phentsize;
		if (off + sizeof(Elf64_Phdr) > len)
			break;
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(bin + off);
		if (ph->p_type == PT_INTERP)
			return hull_error_msg(err, EINVAL,
					      "`%s` is dynamically linked and would not run alone in an image; "
					      "install busybox-static",
					      path);
	}
	return 0;
}

static int add(struct archive *a, const char *path, mode_t type, mode_t perm, time_t mtime, const void *data,
	       size_t size, const char *link, struct hull_error **err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_mtime(e, mtime, 0);
	archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)size : 0);
	if (link)
		archive_entry_set_symlink(e, link);
	int r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return hull_error_msg(err, EIO, "write `%s` into the image layer: %s", path, archive_error_string(a));
	if (size && archive_write_data(a, data, size) != (la_ssize_t)size)
		return hull_error_msg(err, EIO, "write `%s` into the image layer: %s", path, archive_error_string(a));
	return 0;
}

static int add_dirs(struct archive *a, time_t t, struct hull_error **err)
{
	static const struct {
		const char *path;
		mode_t perm;
	} dirs[] = { { "bin", 0755 },  { "dev", 0755 },  { "etc", 0755 },  { "home", 0755 },    { "proc", 0555 },
		     { "root", 0700 }, { "sbin", 0755 }, { "sys", 0555 },  { "tmp", 01777 },    { "usr", 0755 },
		     { "usr/bin", 0755 }, { "usr/sbin", 0755 }, { "var", 0755 }, { "var/tmp", 01777 } };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(dirs); i++) {
		int ret = add(a, dirs[i].path, AE_IFDIR, dirs[i].perm, t, NULL, 0, NULL, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int add_applets(struct archive *a, const char *list, time_t t, struct hull_error **err)
{
	_cleanup_free_ char *copy = hull_xstrdup(list);
	for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (*line == '/')
			line++;
		if (!*line || !strcmp(line, "bin/busybox") || strstr(line, ".."))
			continue;
		/* Only into the directories made above: the list is data, not trusted paths. */
		if (strncmp(line, "bin/", 4) && strncmp(line, "sbin/", 5) && strncmp(line, "usr/bin/", 8) &&
		    strncmp(line, "usr/sbin/", 9))
			continue;
		int ret = add(a, line, AE_IFLNK, 0777, t, NULL, 0, "/bin/busybox", err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int write_layer(const char *busybox, const char *dst, time_t *mtime, struct hull_error **err)
{
	_cleanup_free_ char *bin = NULL, *applets = NULL;
	size_t bin_len = 0;
	struct stat st;
	if (stat(busybox, &st) < 0)
		return hull_error_set(err, errno, "`%s` (install Debian's busybox-static)", busybox);
	int ret = hull_read_file(busybox, &bin, &bin_len, err);
	if (ret < 0 || (ret = check_static(busybox, bin, bin_len, err)) < 0 ||
	    (ret = list_applets(busybox, &applets, err)) < 0)
		return ret;
	/* Same busybox, same bytes, same image id: every timestamp is its mtime. */
	time_t t = st.st_mtime;
	*mtime = t;
	int lr = hull_lazy_require(HULL_LIB_ARCHIVE, err);
	if (lr < 0)
		return lr;
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_filename(a, dst) != ARCHIVE_OK) {
		ret = hull_error_msg(err, EIO, "create `%s`: %s", dst, archive_error_string(a));
		archive_write_free(a);
		return ret;
	}
	ret = add_dirs(a, t, err);
	if (ret >= 0)
		ret = add(a, "bin/busybox", AE_IFREG, 0755, t, bin, bin_len, NULL, err);
	if (ret >= 0)
		ret = add_applets(a, applets, t, err);
	if (ret >= 0)
		ret = add(a, "etc/passwd", AE_IFREG, 0644, t, passwd, strlen(passwd), NULL, err);
	if (ret >= 0)
		ret = add(a, "etc/group", AE_IFREG, 0644, t, group, strlen(group), NULL, err);
	if (archive_write_close(a) != ARCHIVE_OK && ret >= 0)
		ret = hull_error_msg(err, EIO, "write `%s`: %s", dst, archive_error_string(a));
	archive_write_free(a);
	return ret;
}

int hull_image_build_default(struct hull_image_store *s, const char *busybox_path, const char *name,
			     struct hull_image **out, struct hull_error **err)
{
	const char *busybox = busybox_path ? busybox_path : "/bin/busybox";
	const char *tag = name ? name : "docker.io/library/busybox:latest";
	_cleanup_free_ char *tmp = store_tmp_name(s, "default");
	time_t mtime = 0;
	int ret = write_layer(busybox, tmp, &mtime, err);
	if (ret < 0) {
		unlink(tmp);
		return hull_error_wrap(err, ret, "build the default image");
	}
	_cleanup_json_ json_t *config = import_base_config(mtime, "hull image build-default (Debian busybox-static)");
	json_object_set_new(json_object_get(config, "config"), "Cmd", json_pack("[s]", "sh"));
	ret = import_tar_as_image(s, tmp, tag, config, out, err);
	return ret < 0 ? hull_error_wrap(err, ret, "build the default image") : 0;
}
