#ifndef EMQXCTL_CSQLITE_H
#define EMQXCTL_CSQLITE_H

#include <sqlite3.h>

#endif
