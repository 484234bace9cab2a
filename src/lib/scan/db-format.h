/* db-format.h - the on-disk layout of the vulnerability index (osv.idx).
 *
 * One file, written under a temporary name and renamed into place, read
 * with mmap. All integers are little-endian (the byte-order field tells a
 * foreign file apart). Layout after the header:
 *
 *   keys[n_keys]         sorted by the bytes "ecosystem\0package"
 *   entries[n_entries]   uint32 record numbers, grouped by key
 *   records[n_records]   where each record's compact JSON text lies
 *   text[text_len]       key strings, record JSON, the metadata JSON
 *
 * A lookup is a binary search over keys, then a JSON parse of only the
 * records that key lists. */
#ifndef HULL_SCAN_DB_FORMAT_H
#define HULL_SCAN_DB_FORMAT_H

#include <stdint.h>

#define DB_MAGIC "HULLOSV\0"
#define DB_VERSION 1
#define DB_BYTE_ORDER 0x01020304u

struct db_header {
	char magic[8];
	uint32_t version;
	uint32_t byte_order;
	uint64_t n_keys, n_entries, n_records;
	uint64_t keys_off, entries_off, records_off, text_off, text_len;
	uint64_t meta_off; /* inside text: {"built":..,"ecosystems":{..}} */
	uint64_t meta_len;
	uint64_t file_size;
};

struct db_key {
	uint64_t name_off; /* in text: "ecosystem\0package" */
	uint32_t name_len;
	uint32_t n_entries;
	uint64_t first_entry;
};

struct db_record {
	uint64_t off; /* in text */
	uint64_t len;
};

#endif
