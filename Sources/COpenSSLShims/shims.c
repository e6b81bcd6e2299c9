#include "COpenSSLShims.h"

const unsigned long COpenSSLShims_XN_FLAG_RFC2253 = XN_FLAG_RFC2253;
const unsigned long COpenSSLShims_XN_FLAG_ONELINE = XN_FLAG_ONELINE;

long COpenSSLShims_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }

void COpenSSLShims_OPENSSL_free(void *pointer) { OPENSSL_free(pointer); }

void COpenSSLShims_sk_X509_pop_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }
