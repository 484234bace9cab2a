/* db.c - opening and querying the vulnerability index (db-format.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db-format.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "scan-internal.h"

struct scan_db {
	const unsigned char *map;
	size_t size;
	const struct db_header *h;
	const struct db_key *keys;
	const uint32_t *entries;
	const struct db_record *records;
	const char *text;
	char *path;
};

void scan_db_close(struct scan_db *db)
{
	if (!db)
		return;
	if (db->map)
		munmap((void *)db->map, db->size);
	free(db->path);
	free(db);
}

void scan_db_closep(struct scan_db **db)
{
	scan_db_close(*db);
	*db = NULL;
}

static bool within(uint64_t off, uint64_t count, uint64_t size, uint64_t limit)
{
	return off <= limit && (size == 0 || count <= (limit - off) / size);
}

/* Every offset is checked once here, so lookups can trust them. */
static int db_check(struct scan_db *db, struct hull_error **err)
{
	const struct db_header *h = db->h;
	uint64_t size = db->size;
	if (size < sizeof(*h) || memcmp(h->magic, DB_MAGIC, 8) || h->byte_order != DB_BYTE_ORDER)
		return hull_error_msg(err, EINVAL, "`%s` is not a hull vulnerability database", db->path);
	if (h->version != DB_VERSION)
		return hull_error_msg(err, EINVAL, "`%s` has format version %u, this hull reads %u; import again",
				      db->path, h->version, DB_VERSION);
	if (h->file_size != size || !within(h->keys_off, h->n_keys, sizeof(struct db_key), size) ||
	    !within(h->entries_off, h->n_entries, sizeof(uint32_t), size) ||
	    !within(h->records_off, h->n_records, sizeof(struct db_record), size) ||
	    !within(h->text_off, h->text_len, 1, size) || !within(h->meta_off, h->meta_len, 1, h->text_len) ||
	    h->keys_off % 8 || h->records_off % 8 || h->entries_off % 4)
		return hull_error_msg(err, EINVAL, "`%s` is truncated or corrupt; import the database again", db->path);
	db->keys = (const void *)(db->map + h->keys_off);
	db->entries = (const void *)(db->map + h->entries_off);
	db->records = (const void *)(db->map + h->records_off);
	db->text = (const char *)db->map + h->text_off;
	for (uint64_t i = 0; i < h->n_keys; i++) {
		const struct db_key *k = &db->keys[i];
		if (!within(k->name_off, k->name_len, 1, h->text_len) ||
		    !within(k->first_entry, k->n_entries, 1, h->n_entries))
			return hull_error_msg(err, EINVAL, "`%s`: key %lu is corrupt; import again", db->path,
					      (unsigned long)i);
	}
	for (uint64_t i = 0; i < h->n_entries; i++)
		if (db->entries[i] >= h->n_records)
			return hull_error_msg(err, EINVAL, "`%s`: entry %lu is corrupt; import again", db->path,
					      (unsigned long)i);
	for (uint64_t i = 0; i < h->n_records; i++)
		if (!within(db->records[i].off, db->records[i].len, 1, h->text_len))
			return hull_error_msg(err, EINVAL, "`%s`: record %lu is corrupt; import again", db->path,
					      (unsigned long)i);
	return 0;
}

int scan_db_open(const char *db_dir, struct scan_db **out, struct hull_error **err)
{
	_cleanup_(scan_db_closep) struct scan_db *db = hull_xcalloc(1, sizeof(*db));
	db->path = hull_path_join(db_dir, SCAN_DB_FILE);
	_cleanup_close_ int fd = open(db->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return hull_error_msg(err, ENOENT,
					      "no vulnerability database in `%s`: import OSV records first with "
					      "`hull scan db import FILE.zip|DIR`%s",
					      db_dir, " (or scan configuration only with --skip-vulns)");
		return hull_error_set(err, errno, "open `%s`", db->path);
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return hull_error_set(err, errno, "stat `%s`", db->path);
	db->size = (size_t)st.st_size;
	if (db->size < sizeof(struct db_header))
		return hull_error_msg(err, EINVAL, "`%s` is truncated; import the database again", db->path);
	void *map = mmap(NULL, db->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return hull_error_set(err, errno, "mmap `%s`", db->path);
	db->map = map;
	db->h = map;
	int ret = db_check(db, err);
	if (ret < 0)
		return ret;
	*out = steal_ptr(db);
	return 0;
}

uint64_t scan_db_records(const struct scan_db *db)
{
	return db->h->n_records;
}

static int key_order(const char *a, size_t al, const char *b, size_t bl)
{
	int r = memcmp(a, b, al < bl ? al : bl);
	if (r)
		return r;
	return al < bl ? -1 : al > bl ? 1 : 0;
}

int scan_db_lookup(const struct scan_db *db, const char *ecosystem, const char *package, scan_db_fn fn, void *data,
		   struct hull_error **err)
{
	size_t el = strlen(ecosystem), pl = strlen(package), kl = el + 1 + pl;
	_cleanup_free_ char *key = hull_xmalloc(kl);
	memcpy(key, ecosystem, el + 1);
	memcpy(key + el + 1, package, pl);
	size_t lo = 0, hi = db->h->n_keys;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct db_key *k = &db->keys[mid];
		int r = key_order(db->text + k->name_off, k->name_len, key, kl);
		if (r == 0) {
			for (uint32_t i = 0; i < k->n_entries; i++) {
				const struct db_record *rec = &db->records[db->entries[k->first_entry + i]];
				int ret = fn(data, db->text + rec->off, rec->len, err);
				if (ret)
					return ret < 0 ? ret : 0;
			}
			return 0;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int scan_db_each(const struct scan_db *db, scan_db_fn fn, void *data, struct hull_error **err)
{
	for (uint64_t i = 0; i < db->h->n_records; i++) {
		int ret = fn(data, db->text + db->records[i].off, db->records[i].len, err);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	return 0;
}

void hull_scan_db_info_clear(struct hull_scan_db_info *info)
{
	free(info->ecosystems);
	free(info->path);
	memset(info, 0, sizeof(*info));
}

char *hull_scan_db_default_dir(const struct hull_ctx *ctx)
{
	const char *env = getenv("HULL_SCAN_DB");
	if (env && *env)
		return hull_xstrdup(env);
	return hull_path_join(ctx->data_root ? ctx->data_root : "/var/lib/hull", "scan/db");
}

int hull_scan_db_stat(const char *db_dir, struct hull_scan_db_info *info, struct hull_error **err)
{
	_cleanup_(scan_db_closep) struct scan_db *db = NULL;
	int ret = scan_db_open(db_dir, &db, err);
	if (ret < 0)
		return ret;
	memset(info, 0, sizeof(*info));
	info->records = db->h->n_records;
	/* package keys only: the ids under the empty ecosystem sort first */
	info->keys = 0;
	for (uint64_t i = 0; i < db->h->n_keys; i++)
		info->keys += db->text[db->keys[i].name_off] != '\0';
	info->path = hull_xstrdup(db->path);
	_cleanup_json_ json_t *meta = json_loadb(db->text + db->h->meta_off, db->h->meta_len, 0, NULL);
	info->built = json_integer_value(json_object_get(meta, "built"));
	json_t *ecos = json_object_get(meta, "ecosystems");
	const char *name;
	json_t *count;
	size_t len = 0;
	char *s = hull_xstrdup("");
	json_object_foreach(ecos, name, count)
	{
		char *n = hull_strdup_printf("%s%s%s (%lld)", s, len ? ", " : "", name, json_integer_value(count));
		free(s);
		s = n;
		len++;
	}
	info->ecosystems = s;
	return 0;
}
