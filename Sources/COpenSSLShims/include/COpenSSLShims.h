#ifndef EMQXCTL_COPENSSL_SHIMS_H
#define EMQXCTL_COPENSSL_SHIMS_H

// Importer gaps only: OpenSSL function-like macros and macro constants that Swift cannot see.
// One line of C each, no logic, no error handling, no allocation policy (STYLE.md, convention 3).

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

// MARK: Macro constants

extern const unsigned long COpenSSLShims_XN_FLAG_RFC2253;
extern const unsigned long COpenSSLShims_XN_FLAG_ONELINE;

// MARK: Macro wrappers

long COpenSSLShims_BIO_get_mem_data(BIO *bio, char **data);
void COpenSSLShims_OPENSSL_free(void *pointer);
void COpenSSLShims_sk_X509_pop_free(STACK_OF(X509) *stack);

#endif
