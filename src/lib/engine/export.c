/* export.c - a container's filesystem as one tar (docker export): the
 * merged view of its layers and its changes, walked with libarchive's
 * disk reader (no symlink is followed; a directory swapped for one while
 * it walks is refused by it) and each file's data read through
 * hull_open_in_root, so nothing outside the rootfs is read.
 * Volumes and the /etc files hull binds in are not part of it, as with
 * docker. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/commit_export.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/inroot.h"
#include "hull/json.h"
#include "hull/lazy.h"
#include "hull/proc.h"
#include "engine_internal.h"

/* The data of the regular file `rel`, opened again beneath the root fd
 * (hull_open_in_root), never by the walker's full path: a running
 * container can turn a directory on that path into a symlink to a host
 * directory between the walker's stat and this open, and the host file
 * would be read into the tar. What is not a regular file by now (a FIFO
 * would block the read) gives no data: the tar pads the entry. */
static void copy_data(int rootfd, const char *rel, struct archive *out)
{
	_cleanup_close_ int fd = hull_open_in_root(rootfd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(out, buf, (size_t)n) < 0)
			break;
}

static int copy_tree(const char *root, struct archive *out, struct hull_error **err)
{
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return hull_error_set(err, errno, "export: open `%s`", root);
	struct archive *disk = archive_read_disk_new();
	archive_read_disk_set_standard_lookup(disk);
	archive_read_disk_set_symlink_physical(disk);
	if (archive_read_disk_open(disk, root) != ARCHIVE_OK) {
		int r = hull_error_msg(err, EIO, "export: open `%s`: %s", root, archive_error_string(disk));
		archive_read_free(disk);
		return r;
	}
	size_t rootlen = strlen(root);
	int r = 0;
	for (;;) {
		struct archive_entry *e = archive_entry_new();
		int s = archive_read_next_header2(disk, e);
		if (s == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		if (s < ARCHIVE_WARN) {
			r = hull_error_msg(err, EIO, "export: read `%s`: %s", root, archive_error_string(disk));
			archive_entry_free(e);
			break;
		}
		archive_read_disk_descend(disk);
		const char *path = archive_entry_pathname(e);
		const char *rel = path + (strncmp(path, root, rootlen) ? 0 : rootlen);
		while (*rel == '/')
			rel++;
		if (!*rel) {
			archive_entry_free(e);
			continue;
		}
		archive_entry_copy_pathname(e, rel);
		if (archive_write_header(out, e) < ARCHIVE_WARN) {
			r = hull_error_msg(err, EIO, "export: write `%s`: %s", rel, archive_error_string(out));
			archive_entry_free(e);
			break;
		}
		if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0)
			copy_data(rootfd, rel, out);
		archive_entry_free(e);
	}
	archive_read_close(disk);
	archive_read_free(disk);
	return r;
}

int hull_engine_export(struct hull_ctx *ctx, struct hull_container *c, int fd, struct hull_error **err)
{
	/* a running container: read its overlay where its monitor mounted it
	 * (in the monitor's mount namespace, without the /proc, /sys, /dev and
	 * volumes the container's own namespace adds: docker exports the root
	 * file system only); "/." because libarchive reads a magic /proc link
	 * as a symlink of size 0. Otherwise mount the overlay in a mount
	 * namespace of our own. */
	_cleanup_free_ char *root = NULL;
	if (c->state.status == HULL_ENGINE_RUNNING && hull_proc_alive(c->state.pid, c->state.pid_start) &&
	    hull_proc_alive(c->state.monitor_pid, c->state.monitor_start)) {
		root = hull_strdup_printf("/proc/%d/root%s/rootfs/.", (int)c->state.monitor_pid, c->dir);
	} else {
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
			return hull_error_set(err, errno, "export: private mount namespace");
		int r = engine_rootfs_mount(c, err);
		if (r < 0)
			return r;
		root = hull_path_join(c->dir, "rootfs");
	}
	int lr = hull_lazy_require(HULL_LIB_ARCHIVE, err);
	if (lr < 0)
		return hull_error_wrap(err, lr, "export");
	struct archive *out = archive_write_new();
	archive_write_set_format_pax_restricted(out);
	if (archive_write_open_fd(out, fd) != ARCHIVE_OK) {
		int r = hull_error_msg(err, EIO, "export: %s", archive_error_string(out));
		archive_write_free(out);
		return r;
	}
	int r = copy_tree(root, out, err);
	if (archive_write_close(out) != ARCHIVE_OK && r == 0)
		r = hull_error_msg(err, EIO, "export: %s", archive_error_string(out));
	archive_write_free(out);
	return r;
}
