/*
 * keycache.h — the key rows verification has read recently, by digest.
 *
 * Verifying the same keys over and over re-reads the same rows.  An entry holds
 * what verification needs of a row and the key token (kd_store_key_token) it was
 * read under; its row is trusted only while that token is unchanged, i.e. while
 * nobody, in this process or another, has committed anything but this
 * connection's own verification counters.  So a disable, delete or any other
 * change made anywhere is seen by the very next verification.  The credits in a
 * row move without moving the token, but then only by this connection's own
 * verifications, which copy each committed charge into the entry
 * (kd_keycache_set_credits) or drop it: a row whose token is current is exact,
 * credits included.  Rate-limit windows are not cached.  An entry of any token
 * still tells which way (plain or counters transaction) to try first.
 * Set-associative (KD_KEYCACHE_WAYS entries a set, least recently used out),
 * sized to about KD_KEYCACHE_BYTES a connection; digests are uniformly
 * distributed, so their bytes index the sets directly.
 * Internal to the engine (verify.c; store.c frees it; the bench reads its size).
 */
#ifndef KD_CORE_KEYCACHE_H
#define KD_CORE_KEYCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/keygen.h"
#include "core/store.h"
#include "model/key.h"

#define KD_KEYCACHE_WAYS 8
#define KD_KEYCACHE_BYTES (8u << 20) /* entries and their strings, per connection */

struct kd_keycache_row {
    int64_t rid;
    bool gone;        /* the key or its API is deleted */
    bool auto_limits; /* an auto-apply rate limit exists */
    struct kd_key key; /* the columns verification reads; no lists */
};

/** The row cached for digest, whatever its token (stored in *token), or NULL. */
const struct kd_keycache_row *kd_keycache_find(struct kd_store *s,
                                               const uint8_t digest[KD_DIGEST_LEN],
                                               uint64_t *token);
/** Cache a copy of row, read under token (replacing any entry for digest). */
void kd_keycache_put(struct kd_store *s, const uint8_t digest[KD_DIGEST_LEN], uint64_t token,
                     const struct kd_keycache_row *row);
/** After a committed charge: the entry's credits, if it is still the one of token. */
void kd_keycache_set_credits(struct kd_store *s, const uint8_t digest[KD_DIGEST_LEN],
                             uint64_t token, const struct kd_credits *credits);
/** Drop the entry for digest, if any. */
void kd_keycache_forget(struct kd_store *s, const uint8_t digest[KD_DIGEST_LEN]);
/** How many rows the cache holds at most. */
size_t kd_keycache_capacity(void);
/** Free the cache.  NULL store or no cache is fine. */
void kd_keycache_free(struct kd_store *s);

#endif
