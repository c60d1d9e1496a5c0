#ifndef SPOOL_CLIBSSL_SHIM_H
#define SPOOL_CLIBSSL_SHIM_H

// OpenSSL's libssl, for the domain's one TLS client: the webhook's HTTPS POST (SpoolCore's
// HTTPPost). Kept apart from CLibEvent so the domain links no libevent, and from COpenSSL so
// SpoolAuth links no libssl.
#include <sys/socket.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

// Macros Swift cannot call.
static inline int spool_ssl_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

// TLS 1.2 at least; a peer that closes without close_notify ends the stream like one that
// sent it (the client reads only up to the end of the answer's headers, so a cut cannot
// change what it learns; OpenSSL 3 would report it as an error instead).
static inline int spool_ssl_ctx_configure_client(SSL_CTX *context) {
    SSL_CTX_set_options(context, SSL_OP_IGNORE_UNEXPECTED_EOF);
    return (int)SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}

#endif
