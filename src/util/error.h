/*
 * error.h — the one error type every layer speaks.
 *
 * An error is a code (what kind of failure, so callers can branch), the field it
 * concerns (so a form or CLI can point at the culprit; empty when none) and a
 * human sentence.  Functions that can fail return 0 on success or -1 after filling
 * the caller's struct kd_error; a NULL err is allowed and means "don't care".
 */
#ifndef KD_UTIL_ERROR_H
#define KD_UTIL_ERROR_H

#include <stdarg.h>

/* X(name, exit status for the CLI, short word) */
#define KD_ERROR_CODES(X)                                      \
    X(KD_OK, 0, "ok")                                          \
    X(KD_ERR_INVALID, 2, "invalid input")                      \
    X(KD_ERR_NOT_FOUND, 3, "not found")                        \
    X(KD_ERR_CONFLICT, 4, "conflict")                          \
    X(KD_ERR_READONLY, 5, "read-only")                         \
    X(KD_ERR_FORBIDDEN, 6, "forbidden")                        \
    X(KD_ERR_UNSUPPORTED, 7, "unsupported")                    \
    X(KD_ERR_STORE, 8, "keystore error")                       \
    X(KD_ERR_CORRUPT, 9, "corrupt data")                       \
    X(KD_ERR_VERSION, 10, "incompatible version")              \
    X(KD_ERR_NETWORK, 11, "network error")                     \
    X(KD_ERR_PROTOCOL, 12, "protocol error")                   \
    X(KD_ERR_CANCELLED, 13, "cancelled")                       \
    X(KD_ERR_IO, 14, "I/O error")                              \
    X(KD_ERR_BUSY, 15, "busy")                                 \
    X(KD_ERR_INTERNAL, 70, "internal error")

enum kd_errcode {
#define KD_X(name, exit_status, word) name,
    KD_ERROR_CODES(KD_X)
#undef KD_X
};

struct kd_error {
    enum kd_errcode code;
    char field[64];    /* e.g. "prefix", "credits.refill.refillDay"; "" when none */
    char message[512]; /* a full sentence naming what was wrong */
};

/** Clear err (code KD_OK, empty strings). NULL is allowed. */
void kd_error_clear(struct kd_error *err);

/**
 * Fill err and return -1, so a failing function can `return kd_error_set(...)`.
 * field may be NULL.  NULL err is allowed.
 */
int kd_error_set(struct kd_error *err, enum kd_errcode code, const char *field,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int kd_error_vset(struct kd_error *err, enum kd_errcode code, const char *field,
                  const char *fmt, va_list ap);

/** Short word for a code ("not found"). */
const char *kd_errcode_word(enum kd_errcode code);
/** Symbolic name ("KD_ERR_NOT_FOUND" -> "NOT_FOUND") for JSON output. */
const char *kd_errcode_name(enum kd_errcode code);
/** The CLI exit status documented in keydeck(1) for this code. */
int kd_errcode_exit_status(enum kd_errcode code);

#endif
