#ifndef EMQXCTL_CCRYPT_H
#define EMQXCTL_CCRYPT_H

// libxcrypt: bcrypt ($2a$, $2b$, $2y$) for EMQX's built-in user database. crypt_rn keeps
// its state in the caller's buffer, so hashes run on many threads at once.
#include <crypt.h>

#endif
