#include "COpenSSLShims.h"

const unsigned long COpenSSLShims_XN_FLAG_RFC2253 = XN_FLAG_RFC2253;
const unsigned long COpenSSLShims_XN_FLAG_ONELINE = XN_FLAG_ONELINE;
const uint64_t COpenSSLShims_SSL_OP_NO_TICKET = SSL_OP_NO_TICKET;
const uint64_t COpenSSLShims_SSL_OP_CIPHER_SERVER_PREFERENCE = SSL_OP_CIPHER_SERVER_PREFERENCE;
const uint64_t COpenSSLShims_SSL_OP_NO_RENEGOTIATION = SSL_OP_NO_RENEGOTIATION;
const uint64_t COpenSSLShims_SSL_OP_ALLOW_CLIENT_RENEGOTIATION = SSL_OP_ALLOW_CLIENT_RENEGOTIATION;
const long COpenSSLShims_SSL_SESS_CACHE_SERVER = SSL_SESS_CACHE_SERVER;
const long COpenSSLShims_SSL_SESS_CACHE_OFF = SSL_SESS_CACHE_OFF;

long COpenSSLShims_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }

void COpenSSLShims_OPENSSL_free(void *pointer) { OPENSSL_free(pointer); }

void COpenSSLShims_sk_X509_pop_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }

int COpenSSLShims_SSL_CTX_set_min_proto_version(SSL_CTX *context, int version) { return (int)SSL_CTX_set_min_proto_version(context, version); }

int COpenSSLShims_SSL_CTX_set_max_proto_version(SSL_CTX *context, int version) { return (int)SSL_CTX_set_max_proto_version(context, version); }

long COpenSSLShims_SSL_CTX_set_session_cache_mode(SSL_CTX *context, long mode) { return SSL_CTX_set_session_cache_mode(context, mode); }

long COpenSSLShims_SSL_CTX_add_extra_chain_cert(SSL_CTX *context, X509 *certificate) { return SSL_CTX_add_extra_chain_cert(context, certificate); }

long COpenSSLShims_SSL_CTX_set_dh_auto(SSL_CTX *context, int onoff) { return SSL_CTX_set_dh_auto(context, onoff); }

int COpenSSLShims_SSL_CTX_get_ex_new_index(void) { return SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL); }
int COpenSSLShims_SSL_get_ex_new_index(void) { return SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL); }

int COpenSSLShims_sk_SSL_CIPHER_num(const STACK_OF(SSL_CIPHER) *stack) { return sk_SSL_CIPHER_num(stack); }

const SSL_CIPHER *COpenSSLShims_sk_SSL_CIPHER_value(const STACK_OF(SSL_CIPHER) *stack, int index) { return sk_SSL_CIPHER_value(stack, index); }
