/* lazy_archive.c - the libarchive functions hull calls, loading libarchive
 * (and xml2/icu behind it) on first use (see lazy.h). */
#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "lazy.h"

typedef struct archive_entry entry_t;
typedef struct archive_entry_linkresolver resolver_t;

HULL_LAZY(HULL_LIB_ARCHIVE, struct archive *, archive_read_new, (void), ())
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_free, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_support_filter_all, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_support_filter_none, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_support_filter_bzip2, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_support_filter_gzip, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_support_filter_xz, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_support_filter_zstd, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_support_format_gnutar, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_support_format_tar, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_support_format_zip, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_open,
	  (struct archive *a, void *d, archive_open_callback *o, archive_read_callback *r, archive_close_callback *c),
	  (a, d, o, r, c))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_open_fd, (struct archive *a, int fd, size_t bs), (a, fd, bs))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_open_filename, (struct archive *a, const char *f, size_t bs), (a, f, bs))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_next_header, (struct archive *a, entry_t **e), (a, e))
HULL_LAZY(HULL_LIB_ARCHIVE, la_ssize_t, archive_read_data, (struct archive *a, void *b, size_t n), (a, b, n))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_data_block, (struct archive *a, const void **b, size_t *n, la_int64_t *o),
	  (a, b, n, o))
HULL_LAZY(HULL_LIB_ARCHIVE, const char *, archive_error_string, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, struct archive *, archive_write_new, (void), ())
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_write_free, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_write_close, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_write_open_fd, (struct archive *a, int fd), (a, fd))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_write_open_filename, (struct archive *a, const char *f), (a, f))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_write_set_format_pax_restricted, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_write_set_format_cpio_newc, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_write_header, (struct archive *a, entry_t *e), (a, e))
HULL_LAZY(HULL_LIB_ARCHIVE, la_ssize_t, archive_write_data, (struct archive *a, const void *b, size_t n), (a, b, n))
HULL_LAZY(HULL_LIB_ARCHIVE, entry_t *, archive_entry_new, (void), ())
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_free, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, time_t, archive_entry_atime, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_entry_atime_is_set, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, long, archive_entry_atime_nsec, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, time_t, archive_entry_mtime, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, long, archive_entry_mtime_nsec, (entry_t *e), (e))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_copy_stat, (entry_t *e, const struct stat *st), (e, st))
HULL_LAZY(HULL_LIB_ARCHIVE, __LA_MODE_T, archive_entry_filetype, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, __LA_MODE_T, archive_entry_perm, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, la_int64_t, archive_entry_uid, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, la_int64_t, archive_entry_gid, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, la_int64_t, archive_entry_size, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, dev_t, archive_entry_rdev, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, const char *, archive_entry_pathname, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, const char *, archive_entry_hardlink, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, const char *, archive_entry_symlink, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_entry_sparse_count, (entry_t *e), (e))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_set_filetype, (entry_t *e, unsigned int t), (e, t))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_set_perm, (entry_t *e, __LA_MODE_T m), (e, m))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_set_size, (entry_t *e, la_int64_t s), (e, s))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_set_mtime, (entry_t *e, time_t t, long ns), (e, t, ns))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_set_pathname, (entry_t *e, const char *p), (e, p))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_set_symlink, (entry_t *e, const char *p), (e, p))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_set_rdevmajor, (entry_t *e, dev_t d), (e, d))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_set_rdevminor, (entry_t *e, dev_t d), (e, d))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_set_uname, (entry_t *e, const char *p), (e, p))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_set_gname, (entry_t *e, const char *p), (e, p))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_entry_xattr_reset, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_entry_xattr_next, (entry_t *e, const char **n, const void **v, size_t *s),
	  (e, n, v, s))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_xattr_add_entry, (entry_t *e, const char *n, const void *v, size_t s),
	       (e, n, v, s))
HULL_LAZY(HULL_LIB_ARCHIVE, resolver_t *, archive_entry_linkresolver_new, (void), ())
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_linkresolver_free, (resolver_t *r), (r))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_linkresolver_set_strategy, (resolver_t *r, int f), (r, f))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_linkify, (resolver_t *r, entry_t **a, entry_t **b), (r, a, b))

HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_close, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_next_header2, (struct archive *a, entry_t *e), (a, e))
HULL_LAZY(HULL_LIB_ARCHIVE, struct archive *, archive_read_disk_new, (void), ())
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_disk_open, (struct archive *a, const char *p), (a, p))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_disk_descend, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_disk_set_standard_lookup, (struct archive *a), (a))
HULL_LAZY(HULL_LIB_ARCHIVE, int, archive_read_disk_set_symlink_physical, (struct archive *a), (a))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_copy_pathname, (entry_t *e, const char *p), (e, p))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_copy_hardlink, (entry_t *e, const char *p), (e, p))
HULL_LAZY_VOID(HULL_LIB_ARCHIVE, archive_entry_copy_symlink, (entry_t *e, const char *p), (e, p))
HULL_LAZY(HULL_LIB_ARCHIVE, const struct stat *, archive_entry_stat, (entry_t *e), (e))
HULL_LAZY(HULL_LIB_ARCHIVE, const char *, archive_entry_sourcepath, (entry_t *e), (e))

HULL_LAZY_FN(HULL_LIB_ARCHIVE, archive_set_error, (struct archive * a, int e, const char *fmt, ...))
void archive_set_error(struct archive *a, int e, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lazy_archive_set_error()(a, e, "%s", buf);
}
