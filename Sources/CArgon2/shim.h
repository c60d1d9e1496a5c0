#ifndef SPOOL_CARGON2_SHIM_H
#define SPOOL_CARGON2_SHIM_H

// Debian's libargon2-dev (the reference implementation, 20171227): argon2_ctx and the error texts.
#include <argon2.h>

// argon2.h defines its flags with UINT32_C(), which Swift does not import.
static const uint32_t spool_argon2_default_flags = ARGON2_DEFAULT_FLAGS;

#endif
