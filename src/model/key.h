/*
 * key.h — an API key: the union of Unkey's and better-auth's key models.
 *
 * Field mapping to the peers (see doc/keystore.md):
 *   external_id  = Unkey externalId / better-auth userId (the owner)
 *   meta_json    = Unkey meta / better-auth metadata (a JSON object, as text)
 *   credits      = Unkey credits{remaining, refill} / better-auth remaining,
 *                  refillAmount, refillInterval, lastRefillAt
 *   ratelimits   = Unkey named ratelimits; better-auth's single rateLimitMax /
 *                  rateLimitTimeWindow / rateLimitEnabled is the limit named "default"
 *                  with auto_apply set
 * The plaintext key is never part of this struct: it exists only in
 * struct kd_key_secret, returned once by create/reroll/reveal.
 */
#ifndef KD_MODEL_KEY_H
#define KD_MODEL_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strlist.h"

enum kd_refill_interval {
    KD_REFILL_NONE = 0,
    KD_REFILL_DAILY,   /* every day at 00:00 UTC */
    KD_REFILL_MONTHLY, /* on refill_day (1–31; past the month's end = its last day) */
    KD_REFILL_EVERY,   /* every every_ms milliseconds since the last refill (better-auth) */
};

struct kd_refill {
    enum kd_refill_interval interval;
    int64_t amount;    /* >= 1; refilling SETS remaining to this (not additive) */
    int refill_day;    /* MONTHLY only: 1–31 */
    int64_t every_ms;  /* EVERY only: >= 1000 */
};

struct kd_credits {
    bool limited;            /* false: unlimited (Unkey remaining = null) */
    int64_t remaining;       /* >= 0 when limited */
    struct kd_refill refill; /* interval NONE: no refill */
    int64_t last_refill_at;  /* Unix ms, 0 = never */
};

struct kd_ratelimit {
    char *id;       /* "rl_…"; NULL in a create spec */
    char *name;     /* 1–128 characters, unique per key */
    int64_t limit;  /* >= 1 requests per window */
    int64_t duration_ms; /* >= 1000 */
    bool auto_apply;     /* checked on every verification */
};

/* A permission the key holds, and where it comes from. */
struct kd_grant {
    char *slug;
    char *via_role; /* NULL: granted directly */
};

/* The derived state shown in lists; computed, never stored. */
enum kd_key_state {
    KD_KEY_ACTIVE = 0,
    KD_KEY_DISABLED,
    KD_KEY_EXPIRED,
    KD_KEY_EXHAUSTED,    /* limited credits at 0 with no refill due */
    KD_KEY_RATE_LIMITED, /* an auto-apply limit is currently exceeded */
};

struct kd_key {
    char *id;      /* "key_…" */
    char *api_id;  /* "api_…" */
    char *name;    /* may be NULL */
    char *prefix;  /* may be NULL */
    char *start;   /* prefix + "_" + first 4 characters (shown, never secret) */
    int byte_length;      /* 16–255 random bytes behind the key */
    char *external_id;    /* owner; may be NULL */
    char *meta_json;      /* a JSON object as text; NULL = none */
    char *environment;    /* free text ("live", "test"); may be NULL */
    bool enabled;
    bool recoverable;     /* plaintext kept sealed in the vault */
    int64_t expires;      /* Unix ms; 0 = never */
    struct kd_credits credits;
    struct kd_ratelimit *ratelimits;
    size_t n_ratelimits;
    struct kd_strlist roles;       /* role names assigned directly */
    struct kd_strlist permissions; /* permission slugs assigned directly */
    struct kd_grant *grants;       /* effective permissions (direct and via roles); filled by get */
    size_t n_grants;
    int64_t request_count;
    int64_t last_used_at; /* Unix ms; 0 = never */
    int64_t created_at;
    int64_t updated_at;   /* 0 = never updated */
    bool rate_limited_now; /* filled by list/get: an auto-apply window is full */
};

/* Returned exactly once by create, reroll and reveal.  Wipe with kd_key_secret_free. */
struct kd_key_secret {
    char *key_id;
    char *plaintext;
};

/* Receives each key a bulk creation made, once it is committed; the secret is
 * wiped after the call.  Returning -1 stops the run. */
typedef int (*kd_key_sink)(const struct kd_key_secret *s, void *ctx);

/* Which fields an update changes (bit set = change it to the value in struct kd_key). */
enum kd_key_field {
    KD_KF_NAME = 1u << 0,
    KD_KF_EXTERNAL_ID = 1u << 1,
    KD_KF_META = 1u << 2,
    KD_KF_ENVIRONMENT = 1u << 3,
    KD_KF_ENABLED = 1u << 4,
    KD_KF_EXPIRES = 1u << 5,
    KD_KF_CREDITS = 1u << 6, /* remaining + refill together */
    KD_KF_RATELIMITS = 1u << 7, /* replaces the whole list */
    KD_KF_ROLES = 1u << 8,      /* replaces direct roles */
    KD_KF_PERMISSIONS = 1u << 9, /* replaces direct permissions */
};

struct kd_key_update {
    unsigned fields;      /* enum kd_key_field bits */
    struct kd_key values; /* only the fields named above are read */
};

void kd_key_init(struct kd_key *k); /* zero + enabled = true */
void kd_key_free(struct kd_key *k); /* frees members, not k */
void kd_key_copy(struct kd_key *dst, const struct kd_key *src);
void kd_key_add_ratelimit(struct kd_key *k, const char *name, int64_t limit,
                          int64_t duration_ms, bool auto_apply);
void kd_key_secret_free(struct kd_key_secret *s); /* wipes the plaintext */
void kd_ratelimit_free(struct kd_ratelimit *rl);

/** State of a key at time now (refill due counts as not exhausted). */
enum kd_key_state kd_key_state(const struct kd_key *k, int64_t now_ms);
const char *kd_key_state_word(enum kd_key_state s); /* "active", "expired", … */

const char *kd_refill_interval_name(enum kd_refill_interval i); /* "none" "daily" "monthly" "every" */

#endif
