/*
 * keyrow.h — reading and writing rows of the keys table and its child tables.
 *
 * Internal to the engine (keys.c, key_list.c, verify.c share it): one place knows
 * the column list, how NULLs map onto struct kd_key, and how roles, permissions
 * and rate limits are attached to a key row.
 */
#ifndef KD_CORE_KEYROW_H
#define KD_CORE_KEYROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/store.h"
#include "model/key.h"
#include "util/error.h"
#include "util/strlist.h"

/* The columns kd_keyrow_read expects, in order, from KD_KEYROW_FROM: the key row
 * "k", its credits "kc" (schema_v5.sql) and its usage counters "u" (schema_v2.sql). */
#define KD_KEYROW_COLS                                                              \
    "k.rid, k.id, k.api_id, k.start, k.prefix, k.byte_length, k.name, k.external_id, " \
    "k.meta, k.environment, k.enabled, k.recoverable, k.expires, kc.remaining, "   \
    "k.refill_interval, k.refill_amount, k.refill_day, k.refill_every_ms, "        \
    "kc.last_refill_at, u.request_count, u.last_used_at, k.created_at, k.updated_at"
#define KD_KEYROW_JOINS                                                             \
    " LEFT JOIN key_credits kc ON kc.key_rid = k.rid"                              \
    " LEFT JOIN key_usage u ON u.key_rid = k.rid"
#define KD_KEYROW_FROM "keys k" KD_KEYROW_JOINS
#define KD_KEYROW_NCOLS 23

/** Fill k (initialised by the caller) from the columns at col..col+22; returns rid. */
int64_t kd_keyrow_read(sqlite3_stmt *st, int col, struct kd_key *k);

/**
 * Find a key by id.  Deleted keys are NOT_FOUND unless include_deleted.  Fills
 * the row's own columns only (no children).
 */
int kd_keyrow_find(struct kd_store *s, const char *key_id, bool include_deleted,
                   struct kd_key *out, int64_t *rid, struct kd_error *err);

/**
 * Attach rate limits, direct roles and permissions (and grants when asked) to n
 * keys in one query per table.  Also applies a due refill to credits in memory
 * and sets rate_limited_now from the auto-apply windows at now_ms.
 */
int kd_keyrow_load_children(struct kd_store *s, struct kd_key *keys, const int64_t *rids,
                            size_t n, bool grants, int64_t now_ms, struct kd_error *err);

/** Resolve role names / permission slugs to ids; NOT_FOUND names the first missing. */
int kd_keyrow_role_ids(struct kd_store *s, const struct kd_strlist *names,
                       struct kd_strlist *ids, struct kd_error *err);
int kd_keyrow_perm_ids(struct kd_store *s, const struct kd_strlist *slugs,
                       struct kd_strlist *ids, struct kd_error *err);

/** Replace a key's direct roles / permissions with these ids (already resolved). */
int kd_keyrow_set_role_ids(struct kd_store *s, int64_t rid, const struct kd_strlist *ids,
                           bool replace, struct kd_error *err);
int kd_keyrow_set_perm_ids(struct kd_store *s, int64_t rid, const struct kd_strlist *ids,
                           bool replace, struct kd_error *err);

/** Insert rate limits for a key, giving each a new "rl_" id. */
int kd_keyrow_insert_ratelimits(struct kd_store *s, int64_t rid, const struct kd_ratelimit *rl,
                                size_t n, int64_t now_ms, struct kd_error *err);

/** Bind the refill schedule of credits to refill_interval, refill_amount,
 *  refill_day, refill_every_ms at parameters first..first+3. */
void kd_keyrow_bind_refill(sqlite3_stmt *st, int first, const struct kd_credits *c);

/** Store a key's credits: its key_credits row when limited, none when unlimited.
 *  last_refill_at is kept only for a refill schedule. */
int kd_keyrow_write_credits(struct kd_store *s, int64_t rid, const struct kd_credits *c,
                            struct kd_error *err);

/** Bind text or NULL (NULL for a NULL pointer, or for "" when empty_is_null). */
void kd_keyrow_bind_text(sqlite3_stmt *st, int i, const char *v, bool empty_is_null);

/* ---- shared by the mutations (keys.c, key_access.c) ---- */

/** A JSON string, or null for NULL. */
json_t *kd_keyrow_json_str(const char *s);
/** {"remaining": n|null, "refill": {...}|null} — for audit entries. */
json_t *kd_keyrow_credits_json(const struct kd_credits *c);
json_t *kd_keyrow_strlist_json(const struct kd_strlist *l);
/** Append an audit entry with changes o (released here; never a secret). */
int kd_keyrow_audit(struct kd_store *s, const char *action, const char *target, json_t *o,
                    struct kd_error *err);
/** Roll back and return rc. */
int kd_keyrow_fail(struct kd_store *s, int rc);
/** Run sql with ?1 = rid, ?2 = v, ?3 = w (parameters the SQL lacks are ignored). */
int kd_keyrow_exec(struct kd_store *s, const char *sql, int64_t rid, int64_t v, int64_t w,
                   struct kd_error *err);
/** Write the row's settable scalar columns (name … refill schedule) and updated_at = now;
 *  the credits are kd_keyrow_write_credits. */
int kd_keyrow_write_settings(struct kd_store *s, int64_t rid, const struct kd_key *k,
                             int64_t now, struct kd_error *err);

#endif
