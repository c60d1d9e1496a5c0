#ifndef SPOOL_CLIBEVENT_SHIM_H
#define SPOOL_CLIBEVENT_SHIM_H

// These must come before any event2/ header: Debian's event-config.h defines _GNU_SOURCE,
// and without the early includes fd_set loses its __fds_bits member.
#include <sys/types.h>
#include <sys/time.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/evp.h>

#endif
