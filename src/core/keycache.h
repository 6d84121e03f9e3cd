/*
 * keycache.h — the key rows verification has read recently, by digest.
 *
 * Verifying the same keys over and over re-reads the same rows.  An entry holds
 * what verification needs of a row and the key token (kd_store_key_token) it was
 * read under; it is used only while that token is unchanged, i.e. while nobody,
 * in this process or another, has committed anything but this connection's own
 * verification counters.  So a disable, delete or any other change made anywhere
 * is seen by the very next verification.  Entries of keys with credits or rate
 * limits serve only to route the verification straight to its transaction,
 * which re-reads the row (their counters change without moving the token).
 * Direct-mapped, KD_KEYCACHE_SLOTS entries; digests are uniformly distributed.
 * Internal to the engine (verify.c; store.c frees it).
 */
#ifndef KD_CORE_KEYCACHE_H
#define KD_CORE_KEYCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/keygen.h"
#include "core/store.h"
#include "model/key.h"

#define KD_KEYCACHE_SLOTS 1024

struct kd_keycache_row {
    int64_t rid;
    bool gone;        /* the key or its API is deleted */
    bool auto_limits; /* an auto-apply rate limit exists */
    struct kd_key key; /* the columns verification reads; no lists */
};

/** The row cached for digest under token, or NULL. */
const struct kd_keycache_row *kd_keycache_get(struct kd_store *s,
                                              const uint8_t digest[KD_DIGEST_LEN],
                                              uint64_t token);
/** Whether any entry (of any token) is cached for digest. */
bool kd_keycache_has(struct kd_store *s, const uint8_t digest[KD_DIGEST_LEN]);
/** Cache a copy of row, read under token. */
void kd_keycache_put(struct kd_store *s, const uint8_t digest[KD_DIGEST_LEN], uint64_t token,
                     const struct kd_keycache_row *row);
/** Free the cache.  NULL store or no cache is fine. */
void kd_keycache_free(struct kd_store *s);

#endif
