/* db_import.c - build the vulnerability index from OSV exports.
 *
 * Sources: a zip (OSV publishes one per ecosystem, e.g. Debian/all.zip) or
 * tar of .json records, a directory tree of them, or one .json file (a
 * record or an array of records). Every record is validated before anything
 * is written; the index is written to a temporary file in the database
 * directory, fsync'd and renamed over the old one, so an import that fails
 * at any point (corrupt archive, bad record, full disk) leaves the previous
 * database exactly as it was. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db-format.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/lazy.h"
#include "scan-internal.h"

#define RECORD_MAX (64u << 20) /* one OSV record; the largest real ones are a few MB */

struct rec {
	char *id;
	char *json; /* compact text */
	size_t len;
	size_t seq; /* import order: the later record with an id wins */
	bool dead;
};

struct keyref {
	char *bytes; /* "ecosystem\0package" */
	size_t len;
	uint32_t rec;
};

struct import {
	struct rec *recs;
	size_t n, cap;
	struct keyref *keys;
	size_t nk, capk;
	json_t *ecosystems; /* ecosystem -> record count */
};

static void import_clear(struct import *im)
{
	for (size_t i = 0; i < im->n; i++) {
		free(im->recs[i].id);
		free(im->recs[i].json);
	}
	for (size_t i = 0; i < im->nk; i++)
		free(im->keys[i].bytes);
	free(im->recs);
	free(im->keys);
	if (im->ecosystems)
		json_decref(im->ecosystems);
}

static void add_key(struct import *im, const char *eco, const char *name, uint32_t rec)
{
	size_t el = strlen(eco), nl = strlen(name);
	/* a record lists a package once per affected entry: keep one key */
	for (size_t i = im->nk; i > 0 && im->keys[i - 1].rec == rec; i--)
		if (im->keys[i - 1].len == el + 1 + nl && !memcmp(im->keys[i - 1].bytes, eco, el + 1) &&
		    !memcmp(im->keys[i - 1].bytes + el + 1, name, nl))
			return;
	im->keys = hull_array_grow(im->keys, im->nk, &im->capk, sizeof(*im->keys), 1024);
	struct keyref *k = &im->keys[im->nk++];
	k->len = el + 1 + nl;
	k->bytes = hull_xmalloc(k->len);
	memcpy(k->bytes, eco, el + 1);
	memcpy(k->bytes + el + 1, name, nl);
	k->rec = rec;
}

/* The record under its id, aliases and upstream ids too, with an empty
 * ecosystem (never a real one): scan_db_lookup(db, "", "CVE-...") finds the
 * records about one vulnerability, to borrow a severity from. */
static void add_id_keys(struct import *im, json_t *record)
{
	add_key(im, "", json_string_value(json_object_get(record, "id")), (uint32_t)im->n);
	static const char *const lists[] = { "aliases", "upstream" };
	for (size_t l = 0; l < HULL_ARRAY_SIZE(lists); l++) {
		json_t *a = json_object_get(record, lists[l]);
		for (size_t i = 0; i < json_array_size(a); i++) {
			const char *id = json_string_value(json_array_get(a, i));
			if (id && *id)
				add_key(im, "", id, (uint32_t)im->n);
		}
	}
}

static int add_record(struct import *im, json_t *record, const char *where, struct hull_error **err)
{
	int ret = scan_osv_validate(record, where, err);
	if (ret < 0)
		return ret;
	im->recs = hull_array_grow(im->recs, im->n, &im->cap, sizeof(*im->recs), 1024);
	struct rec *r = &im->recs[im->n];
	r->json = json_dumps(record, JSON_COMPACT);
	if (!r->json)
		abort();
	r->len = strlen(r->json);
	r->id = hull_xstrdup(json_string_value(json_object_get(record, "id")));
	r->seq = im->n;
	r->dead = false;
	json_t *affected = json_object_get(record, "affected");
	for (size_t i = 0; i < json_array_size(affected); i++) {
		json_t *pkg = json_object_get(json_array_get(affected, i), "package");
		const char *eco = json_string_value(json_object_get(pkg, "ecosystem"));
		const char *name = json_string_value(json_object_get(pkg, "name"));
		if (eco && name && *eco)
			add_key(im, eco, name, (uint32_t)im->n);
	}
	add_id_keys(im, record);
	im->n++;
	return 0;
}

/* A buffer holding one record or an array of records. */
static int add_json(struct import *im, const char *buf, size_t len, const char *where, struct hull_error **err)
{
	_cleanup_json_ json_t *j = hull_json_load_str(buf, len, where, err);
	if (!j)
		return -EINVAL;
	if (!json_is_array(j))
		return add_record(im, j, where, err);
	for (size_t i = 0; i < json_array_size(j); i++) {
		_cleanup_free_ char *w = hull_strdup_printf("%s[%zu]", where, i);
		int ret = add_record(im, json_array_get(j, i), w, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static bool is_json_name(const char *name)
{
	size_t l = strlen(name);
	return l > 5 && !strcmp(name + l - 5, ".json");
}

static void archive_freep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

static int add_archive(struct import *im, const char *path, struct hull_error **err)
{
	int lr = hull_lazy_require(HULL_LIB_ARCHIVE, err);
	if (lr < 0)
		return hull_error_wrap(err, lr, "read `%s`", path);
	_cleanup_(archive_freep) struct archive *a = archive_read_new();
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK)
		return hull_error_msg(err, EINVAL, "`%s` is not a zip or tar of OSV records (%s)", path,
				      archive_error_string(a));
	struct archive_entry *e;
	int r;
	size_t records = 0;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		if (archive_entry_filetype(e) != AE_IFREG || !name || !is_json_name(name))
			continue;
		int64_t size = archive_entry_size(e);
		if (size < 0 || size > RECORD_MAX)
			return hull_error_msg(err, EFBIG, "`%s`: %s: record larger than %u bytes", path, name, RECORD_MAX);
		_cleanup_free_ char *buf = hull_xmalloc((size_t)size + 1);
		la_ssize_t got = archive_read_data(a, buf, (size_t)size);
		if (got != size)
			return hull_error_msg(err, EIO, "`%s`: %s: %s", path, name,
					      got < 0 ? archive_error_string(a) : "truncated entry");
		_cleanup_free_ char *where = hull_strdup_printf("%s: %s", path, name);
		int ret = add_json(im, buf, (size_t)size, where, err);
		if (ret < 0)
			return ret;
		records++;
	}
	if (r != ARCHIVE_EOF)
		return hull_error_msg(err, EINVAL, "`%s`: corrupt archive: %s", path, archive_error_string(a));
	if (records == 0)
		return hull_error_msg(err, EINVAL, "`%s`: no .json OSV records in the archive", path);
	return 0;
}

static int add_file(struct import *im, const char *path, struct hull_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int ret = hull_read_file(path, &buf, &len, err);
	if (ret < 0)
		return ret;
	return add_json(im, buf, len, path, err);
}

static int name_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every .json file under dir, in name order (so duplicate ids resolve
 * the same way on every run). */
static int add_dir(struct import *im, const char *dir, struct hull_error **err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return hull_error_set(err, errno, "open directory `%s`", dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		names = hull_array_grow(names, n, &cap, sizeof(*names), 256);
		names[n++] = hull_xstrdup(de->d_name);
	}
	qsort(names, n, sizeof(*names), name_order);
	int ret = 0;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = hull_path_join(dir, names[i]);
		struct stat st;
		/* symlinked directories are not followed: a link to an
		 * ancestor would never end; symlinked files are read */
		if (ret >= 0 && lstat(p, &st) == 0 && (!S_ISLNK(st.st_mode) || (stat(p, &st) == 0 && S_ISREG(st.st_mode)))) {
			if (S_ISDIR(st.st_mode))
				ret = add_dir(im, p, err);
			else if (S_ISREG(st.st_mode) && is_json_name(names[i]))
				ret = add_file(im, p, err);
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

static int add_source(struct import *im, const char *src, struct hull_error **err)
{
	struct stat st;
	if (stat(src, &st) < 0)
		return hull_error_set(err, errno, "`%s`", src);
	if (S_ISDIR(st.st_mode))
		return add_dir(im, src, err);
	if (is_json_name(src))
		return add_file(im, src, err);
	return add_archive(im, src, err);
}

static int add_existing(void *data, const char *json, size_t len, struct hull_error **err)
{
	return add_json(data, json, len, "existing database", err);
}

static int rec_id_order(const void *a, const void *b)
{
	const struct rec *const *x = a, *const *y = b;
	int r = strcmp((*x)->id, (*y)->id);
	if (r)
		return r;
	return (*x)->seq < (*y)->seq ? -1 : (*x)->seq > (*y)->seq;
}

/* Mark all but the last record of each id dead; count ecosystems. */
static size_t dedupe(struct import *im)
{
	_cleanup_free_ struct rec **by_id = hull_xcalloc(im->n ? im->n : 1, sizeof(*by_id));
	for (size_t i = 0; i < im->n; i++)
		by_id[i] = &im->recs[i];
	qsort(by_id, im->n, sizeof(*by_id), rec_id_order);
	size_t live = 0;
	for (size_t i = 0; i < im->n; i++) {
		if (i + 1 < im->n && !strcmp(by_id[i]->id, by_id[i + 1]->id))
			by_id[i]->dead = true;
		else
			live++;
	}
	return live;
}

static int keyref_order(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int r = memcmp(x->bytes, y->bytes, x->len < y->len ? x->len : y->len);
	if (r)
		return r;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

struct writer {
	FILE *f;
	const char *path;
	int error;
};

static void put(struct writer *w, const void *data, size_t len)
{
	if (!w->error && len && fwrite(data, 1, len, w->f) != len)
		w->error = errno ? errno : EIO;
}

static void pad_to(struct writer *w, uint64_t *pos, unsigned align)
{
	static const char zeros[8];
	size_t n = (size_t)((align - *pos % align) % align);
	put(w, zeros, n);
	*pos += n;
}

static void count_ecosystem(json_t *ecos, const char *key)
{
	json_t *c = json_object_get(ecos, key);
	json_object_set_new(ecos, key, json_integer(json_integer_value(c) + 1));
}

static bool same_key(const struct keyref *a, const struct keyref *b)
{
	return a->len == b->len && !memcmp(a->bytes, b->bytes, a->len);
}

/* Drop the keys of dead records, so every key left is live. */
static void drop_dead_keys(struct import *im)
{
	size_t m = 0;
	for (size_t i = 0; i < im->nk; i++) {
		if (im->recs[im->keys[i].rec].dead)
			free(im->keys[i].bytes);
		else
			im->keys[m++] = im->keys[i];
	}
	im->nk = m;
}

/* Lay out and write the index (db-format.h) to w. keys are sorted and
 * live; newnum maps a record to its number among the live ones. */
static void write_index(struct import *im, struct writer *w, size_t live, const uint32_t *newnum)
{
	struct db_header h = { .version = DB_VERSION, .byte_order = DB_BYTE_ORDER };
	memcpy(h.magic, DB_MAGIC, 8);
	size_t nk = 0;
	uint64_t names_len = 0;
	for (size_t i = 0; i < im->nk; i++)
		if (i == 0 || !same_key(&im->keys[i], &im->keys[i - 1])) {
			nk++;
			names_len += im->keys[i].len;
		}
	h.n_keys = nk;
	h.n_entries = im->nk;
	h.n_records = live;
	h.keys_off = sizeof(h);
	h.entries_off = h.keys_off + nk * sizeof(struct db_key);
	h.records_off = (h.entries_off + im->nk * sizeof(uint32_t) + 7) / 8 * 8;
	h.text_off = h.records_off + live * sizeof(struct db_record);
	json_t *meta = json_object();
	json_object_set_new(meta, "built", json_integer((json_int_t)time(NULL)));
	json_object_set(meta, "ecosystems", im->ecosystems);
	_cleanup_free_ char *meta_text = json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(meta);
	uint64_t text = names_len;
	for (size_t i = 0; i < im->n; i++)
		if (!im->recs[i].dead)
			text += im->recs[i].len;
	h.meta_off = text;
	h.meta_len = strlen(meta_text);
	h.text_len = text + h.meta_len;
	h.file_size = h.text_off + h.text_len;
	put(w, &h, sizeof(h));

	uint64_t name_off = 0;
	for (size_t i = 0; i < im->nk;) {
		size_t j = i + 1;
		while (j < im->nk && same_key(&im->keys[j], &im->keys[i]))
			j++;
		struct db_key k = { .name_off = name_off, .name_len = (uint32_t)im->keys[i].len,
				    .n_entries = (uint32_t)(j - i), .first_entry = i };
		put(w, &k, sizeof(k));
		name_off += im->keys[i].len;
		i = j;
	}
	for (size_t i = 0; i < im->nk; i++)
		put(w, &newnum[im->keys[i].rec], sizeof(uint32_t));
	uint64_t pos = h.entries_off + im->nk * sizeof(uint32_t);
	pad_to(w, &pos, 8);
	uint64_t off = names_len;
	for (size_t i = 0; i < im->n; i++) {
		if (im->recs[i].dead)
			continue;
		struct db_record r = { .off = off, .len = im->recs[i].len };
		put(w, &r, sizeof(r));
		off += im->recs[i].len;
	}
	for (size_t i = 0; i < im->nk; i++)
		if (i == 0 || !same_key(&im->keys[i], &im->keys[i - 1]))
			put(w, im->keys[i].bytes, im->keys[i].len);
	for (size_t i = 0; i < im->n; i++)
		if (!im->recs[i].dead)
			put(w, im->recs[i].json, im->recs[i].len);
	put(w, meta_text, h.meta_len);
}

/* Write the index to a temporary file beside the final one, make it
 * durable, then rename it into place. */
static int write_atomically(struct import *im, const char *db_dir, size_t live, struct hull_error **err)
{
	int ret = hull_mkdir_p(db_dir, 0755, err);
	if (ret < 0)
		return ret;
	_cleanup_free_ char *final = hull_path_join(db_dir, SCAN_DB_FILE);
	_cleanup_free_ char *tmp = hull_strdup_printf("%s/.%s.XXXXXX", db_dir, SCAN_DB_FILE);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "create a temporary file in `%s`", db_dir);
	fchmod(fd, 0644);
	FILE *f = fdopen(fd, "w");
	if (!f) {
		ret = hull_error_set(err, errno, "fdopen `%s`", tmp);
		close(fd);
		unlink(tmp);
		return ret;
	}
	_cleanup_free_ uint32_t *newnum = hull_xcalloc(im->n ? im->n : 1, sizeof(uint32_t));
	uint32_t next = 0;
	for (size_t i = 0; i < im->n; i++)
		if (!im->recs[i].dead)
			newnum[i] = next++;
	struct writer w = { .f = f, .path = tmp };
	write_index(im, &w, live, newnum);
	if (!w.error && fflush(f) != 0)
		w.error = errno;
	if (!w.error && fsync(fileno(f)) != 0)
		w.error = errno;
	if (fclose(f) != 0 && !w.error)
		w.error = errno;
	if (!w.error && rename(tmp, final) != 0)
		w.error = errno;
	if (w.error) {
		unlink(tmp);
		return hull_error_set(err, w.error, "write `%s`", final);
	}
	_cleanup_close_ int dfd = open(db_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	return 0;
}

int hull_scan_db_import(const char *db_dir, const char *const *sources, size_t n, bool add,
			struct hull_scan_db_info *info, struct hull_error **err)
{
	struct import im = { .ecosystems = json_object() };
	int ret = 0;
	if (n == 0) {
		ret = hull_error_msg(err, EINVAL, "nothing to import: give a zip, tar, directory or .json file");
		goto out;
	}
	if (add) {
		_cleanup_(scan_db_closep) struct scan_db *old = NULL;
		_cleanup_free_ char *path = hull_path_join(db_dir, SCAN_DB_FILE);
		if (access(path, F_OK) == 0) {
			ret = scan_db_open(db_dir, &old, err);
			if (ret >= 0)
				ret = scan_db_each(old, add_existing, &im, err);
			if (ret < 0)
				goto out;
		}
	}
	for (size_t i = 0; i < n && ret >= 0; i++)
		ret = add_source(&im, sources[i], err);
	if (ret < 0)
		goto out;
	size_t live = dedupe(&im);
	drop_dead_keys(&im);
	/* records per ecosystem: a record's keys are consecutive here */
	for (size_t i = 0; i < im.nk; i++) {
		bool seen = !im.keys[i].bytes[0];
		for (size_t j = i; !seen && j > 0 && im.keys[j - 1].rec == im.keys[i].rec; j--)
			seen = !strcmp(im.keys[j - 1].bytes, im.keys[i].bytes);
		if (!seen)
			count_ecosystem(im.ecosystems, im.keys[i].bytes);
	}
	if (im.nk > 1)
		qsort(im.keys, im.nk, sizeof(*im.keys), keyref_order);
	ret = write_atomically(&im, db_dir, live, err);
	if (ret >= 0 && info)
		ret = hull_scan_db_stat(db_dir, info, err);
out:
	import_clear(&im);
	if (ret < 0)
		return hull_error_wrap(err, ret, "import into `%s` (the previous database is unchanged)", db_dir);
	return 0;
}
