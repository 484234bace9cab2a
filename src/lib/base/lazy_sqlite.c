/* lazy_sqlite.c - the sqlite3 functions hull calls (the scanner's
 * vulnerability database), loading libsqlite3 on first use (see lazy.h). */
#include <sqlite3.h>

#include <stddef.h>

#include "lazy.h"

HULL_LAZY(HULL_LIB_SQLITE, int, sqlite3_open_v2, (const char *f, sqlite3 **db, int flags, const char *vfs), (f, db, flags, vfs))
HULL_LAZY(HULL_LIB_SQLITE, int, sqlite3_close, (sqlite3 *db), (db))
HULL_LAZY(HULL_LIB_SQLITE, int, sqlite3_prepare_v2,
	  (sqlite3 *db, const char *sql, int n, sqlite3_stmt **st, const char **tail), (db, sql, n, st, tail))
HULL_LAZY(HULL_LIB_SQLITE, int, sqlite3_step, (sqlite3_stmt *st), (st))
HULL_LAZY(HULL_LIB_SQLITE, int, sqlite3_finalize, (sqlite3_stmt *st), (st))
HULL_LAZY(HULL_LIB_SQLITE, const void *, sqlite3_column_blob, (sqlite3_stmt *st, int col), (st, col))
HULL_LAZY(HULL_LIB_SQLITE, int, sqlite3_column_bytes, (sqlite3_stmt *st, int col), (st, col))
HULL_LAZY(HULL_LIB_SQLITE, const char *, sqlite3_errmsg, (sqlite3 *db), (db))
HULL_LAZY(HULL_LIB_SQLITE, const char *, sqlite3_errstr, (int rc), (rc))
