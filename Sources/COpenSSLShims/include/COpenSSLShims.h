#ifndef EMQXCTL_COPENSSL_SHIMS_H
#define EMQXCTL_COPENSSL_SHIMS_H

// Importer gaps only: OpenSSL function-like macros and macro constants that Swift cannot see.
// One line of C each, no logic, no error handling, no allocation policy (docs/conventions.md, 3).

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

// MARK: Macro constants

extern const unsigned long COpenSSLShims_XN_FLAG_RFC2253;
extern const unsigned long COpenSSLShims_XN_FLAG_ONELINE;
extern const uint64_t COpenSSLShims_SSL_OP_NO_TICKET;
extern const uint64_t COpenSSLShims_SSL_OP_CIPHER_SERVER_PREFERENCE;
extern const uint64_t COpenSSLShims_SSL_OP_NO_RENEGOTIATION;
extern const uint64_t COpenSSLShims_SSL_OP_ALLOW_CLIENT_RENEGOTIATION;
extern const long COpenSSLShims_SSL_SESS_CACHE_SERVER;
extern const long COpenSSLShims_SSL_SESS_CACHE_OFF;

// MARK: Macro wrappers

long COpenSSLShims_BIO_get_mem_data(BIO *bio, char **data);
void COpenSSLShims_OPENSSL_free(void *pointer);
void COpenSSLShims_sk_X509_pop_free(STACK_OF(X509) *stack);
int COpenSSLShims_SSL_CTX_set_min_proto_version(SSL_CTX *context, int version);
int COpenSSLShims_SSL_CTX_set_max_proto_version(SSL_CTX *context, int version);
long COpenSSLShims_SSL_CTX_set_session_cache_mode(SSL_CTX *context, long mode);
long COpenSSLShims_SSL_CTX_add_extra_chain_cert(SSL_CTX *context, X509 *certificate);
long COpenSSLShims_SSL_CTX_set_dh_auto(SSL_CTX *context, int onoff);
int COpenSSLShims_SSL_CTX_get_ex_new_index(void);
int COpenSSLShims_SSL_get_ex_new_index(void);
int COpenSSLShims_sk_SSL_CIPHER_num(const STACK_OF(SSL_CIPHER) *stack);
const SSL_CIPHER *COpenSSLShims_sk_SSL_CIPHER_value(const STACK_OF(SSL_CIPHER) *stack, int index);

#endif
