#ifndef EMQXCTL_CSQLITE_SHIMS_H
#define EMQXCTL_CSQLITE_SHIMS_H

// Importer gaps only: SQLITE_TRANSIENT is a cast macro that Swift cannot import.

#include <sqlite3.h>

int CSQLiteShims_bind_text_transient(sqlite3_stmt *statement, int index, const char *text, int length);
int CSQLiteShims_bind_blob_transient(sqlite3_stmt *statement, int index, const void *bytes, int length);

#endif
