#ifndef SPOOL_COPENSSL_SHIM_H
#define SPOOL_COPENSSL_SHIM_H

// OpenSSL's libcrypto only (no libssl, no libevent): digests, HMAC, AES-GCM, the CSPRNG and
// CRYPTO_memcmp, for SpoolAuth.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/err.h>

#endif
