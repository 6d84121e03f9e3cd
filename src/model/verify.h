/*
 * verify.h — a verification request and its outcome, in Unkey v2's terms.
 *
 * Outcomes are checked in this order (the first failure wins, later checks are
 * skipped; credits are charged last so a refused call spends nothing):
 *   NOT_FOUND, DISABLED, EXPIRED, INSUFFICIENT_PERMISSIONS, RATE_LIMITED,
 *   USAGE_EXCEEDED, VALID.
 */
#ifndef KD_MODEL_VERIFY_H
#define KD_MODEL_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/key.h"

/* X(enum, wire name) — the order of this list is not the check order. */
#define KD_VERIFY_CODES(X)                                    \
    X(KD_VERIFY_VALID, "VALID")                               \
    X(KD_VERIFY_NOT_FOUND, "NOT_FOUND")                       \
    X(KD_VERIFY_FORBIDDEN, "FORBIDDEN")                       \
    X(KD_VERIFY_DISABLED, "DISABLED")                         \
    X(KD_VERIFY_EXPIRED, "EXPIRED")                           \
    X(KD_VERIFY_INSUFFICIENT_PERMISSIONS, "INSUFFICIENT_PERMISSIONS") \
    X(KD_VERIFY_RATE_LIMITED, "RATE_LIMITED")                 \
    X(KD_VERIFY_USAGE_EXCEEDED, "USAGE_EXCEEDED")

enum kd_verify_code {
#define KD_X(e, s) e,
    KD_VERIFY_CODES(KD_X)
#undef KD_X
        KD_VERIFY_CODE_COUNT
};

const char *kd_verify_code_name(enum kd_verify_code c);
/** Parse a wire name; returns -1 when unknown. */
int kd_verify_code_parse(const char *s, enum kd_verify_code *out);

/* A rate limit named in the request (Unkey's verifyKey.ratelimits[]). */
struct kd_verify_ratelimit_req {
    const char *name;    /* must match one of the key's limits unless limit/duration given */
    int64_t cost;        /* >= 0; 1 when not set (use KD_COST_DEFAULT) */
    int64_t limit;       /* 0: use the key's limit of that name */
    int64_t duration_ms; /* 0: use the key's limit of that name */
};

#define KD_COST_DEFAULT (-1)

struct kd_verify_request {
    const char *key;          /* the plaintext key (never logged) */
    const char *api_id;       /* optional: a key of another API is NOT_FOUND */
    const char *permissions;  /* optional query: "a AND (b OR c)" */
    int64_t credit_cost;      /* KD_COST_DEFAULT = 1; 0 allowed */
    const struct kd_verify_ratelimit_req *ratelimits;
    size_t n_ratelimits;
    const char *tags;         /* optional, recorded with the verification */
};

/* The state of one rate limit after the verification. */
struct kd_verify_ratelimit {
    char *id;
    char *name;
    int64_t limit;
    int64_t duration_ms;
    int64_t remaining;
    int64_t reset_at; /* Unix ms when the window rolls over */
    bool exceeded;
    bool auto_apply;
};

struct kd_verify_result {
    bool valid;
    enum kd_verify_code code;
    struct kd_key key; /* filled (id, name, meta, expires, credits, roles, permissions,
                          enabled, external_id) unless NOT_FOUND */
    struct kd_verify_ratelimit *ratelimits;
    size_t n_ratelimits;
    char *message; /* optional explanation ("missing permission: documents.write") */
};

void kd_verify_result_free(struct kd_verify_result *r);

#endif
