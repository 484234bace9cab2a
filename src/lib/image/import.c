/* import.c - images made locally: `hull import ROOTFS.tar`, the offline
 * busybox image, and the shared step that turns a tar file into a stored,
 * unpacked layer. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/timefmt.h"
#include "import.h"
#include "store.h"

static const char *media_type_of(int fd)
{
	unsigned char m[4] = { 0 };
	ssize_t n = pread(fd, m, sizeof(m), 0);
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return HULL_MT_OCI_LAYER_GZIP;
	if (n == 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return HULL_MT_OCI_LAYER_ZSTD;
	return HULL_MT_OCI_LAYER;
}

int import_layer_file(struct hull_image_store *s, const char *tmp_path, struct store_layer *out,
		      struct hull_error **err)
{
	_cleanup_close_ int fd = open(tmp_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "open `%s`", tmp_path);
	int ret = hull_sha256_fd(fd, out->digest, &out->size, err);
	if (ret < 0)
		return ret;
	out->media_type = media_type_of(fd);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return hull_error_set(err, errno, "seek `%s`", tmp_path);
	ret = store_unpack_layer_fd(s, fd, -1, NULL, out->diff_id, &out->unpacked, err);
	if (ret < 0)
		return ret;
	return store_commit_file(s, tmp_path, out->digest, err);
}

/* Copy src (a path or "-" for stdin) to a temp file in the store. */
static int copy_in(struct hull_image_store *s, const char *src, char **tmp_out, struct hull_error **err)
{
	_cleanup_close_ int in = strcmp(src, "-") ? open(src, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
	if (in < 0)
		return hull_error_set(err, errno, "open `%s`", src);
	/* a tar file, or a stream (stdin, a pipe); a device such as /dev/zero
	 * would be copied into the store until the disk is full */
	struct stat st;
	if (fstat(in, &st) < 0)
		return hull_error_set(err, errno, "stat `%s`", src);
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISDIR(st.st_mode))
		return hull_error_msg(err, EINVAL, "`%s` is a %s; import a tar file, or - for standard input", src,
				      S_ISDIR(st.st_mode) ? "directory" : "device");
	_cleanup_free_ char *tmp = store_tmp_name(s, "import");
	_cleanup_close_ int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0)
		return hull_error_set(err, errno, "create `%s`", tmp);
	_cleanup_free_ char *buf = hull_xmalloc(1 << 20);
	for (;;) {
		ssize_t n = read(in, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		int ret = n < 0 ? -errno : n > 0 ? hull_write_all(out, buf, (size_t)n) : 0;
		if (ret < 0) {
			unlink(tmp);
			return hull_error_set(err, -ret, "copy `%s` into the store", src);
		}
		if (n == 0)
			break;
	}
	*tmp_out = steal_ptr(tmp);
	return 0;
}

static char *now_rfc3339(time_t t)
{
	char buf[HULL_TIME_BUF_LEN];
	return hull_xstrdup(hull_time_format_rfc3339(&(struct timespec){ .tv_sec = t }, buf));
}

json_t *import_base_config(time_t created, const char *created_by)
{
	struct hull_platform p;
	hull_platform_host(&p);
	_cleanup_free_ char *when = now_rfc3339(created);
	json_t *c = json_pack("{s:s, s:s, s:s, s:{s:[s]}, s:[{s:s, s:s}]}", "architecture", p.architecture, "os", p.os,
			      "created", when, "config", "Env",
			      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "history", "created",
			      when, "created_by", created_by);
	hull_platform_clear(&p);
	return c;
}

static char **one_name(const char *name, struct hull_error **err, int *ret)
{
	*ret = 0;
	if (!name)
		return NULL;
	_cleanup_(hull_reference_freep) struct hull_reference *ref = NULL;
	if ((*ret = hull_reference_parse(name, &ref, err)) < 0)
		return NULL;
	if (ref->digest) {
		*ret = hull_error_msg(err, EINVAL, "name `%s`: a new image cannot be named by digest", name);
		return NULL;
	}
	char **v = hull_xcalloc(2, sizeof(char *));
	v[0] = hull_reference_string(ref);
	return v;
}

int import_tar_as_image(struct hull_image_store *s, const char *tmp_path, const char *name, json_t *config,
			struct hull_image **out, struct hull_error **err)
{
	int ret;
	_cleanup_strv_ char **names = one_name(name, err, &ret);
	if (ret < 0) {
		unlink(tmp_path);
		return ret;
	}
	_cleanup_close_ int gc_lock = store_lock(s, "gc", false, err);
	if (gc_lock < 0)
		return gc_lock;
	struct store_layer layer = { 0 };
	if ((ret = import_layer_file(s, tmp_path, &layer, err)) < 0) {
		unlink(tmp_path);
		return ret;
	}
	return store_make_image(s, config, &layer, 1, names, out, err);
}

int hull_image_import(struct hull_image_store *s, const char *tar_path, const char *name, char *const *cmd,
		      struct hull_image **out, struct hull_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	int ret = copy_in(s, tar_path, &tmp, err);
	if (ret < 0)
		return hull_error_wrap(err, ret, "import `%s`", tar_path);
	_cleanup_json_ json_t *config = import_base_config(time(NULL), "hull import");
	if (cmd && *cmd) {
		json_t *arr = json_array();
		for (char *const *c = cmd; *c; c++)
			json_array_append_new(arr, json_string(*c));
		json_object_set_new(json_object_get(config, "config"), "Cmd", arr);
	}
	ret = import_tar_as_image(s, tmp, name, config, out, err);
	return ret < 0 ? hull_error_wrap(err, ret, "import `%s`", tar_path) : 0;
}
