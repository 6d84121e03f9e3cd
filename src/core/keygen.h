/*
 * keygen.h — key material and ids.
 *
 * A key is prefix + "_" + base58(byte_length random bytes), or just the base58
 * part without a prefix (Unkey v2).  Only its SHA-256 digest is stored; Unkey's
 * standard-base64 hash and better-auth's base64url hash are both encodings of
 * that digest, so imported keys keep verifying.
 */
#ifndef KD_CORE_KEYGEN_H
#define KD_CORE_KEYGEN_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define KD_DIGEST_LEN 32
#define KD_BYTE_LENGTH_MIN 16
#define KD_BYTE_LENGTH_MAX 255
#define KD_BYTE_LENGTH_DEFAULT 16
#define KD_START_CHARS 4 /* base58 characters shown after the prefix */

struct kd_new_key {
    char *plaintext; /* secret: wipe with kd_secret_free */
    char *start;     /* prefix + "_" + first 4 characters */
    uint8_t digest[KD_DIGEST_LEN];
};

/**
 * Make a new key.  prefix may be NULL or "" (no prefix); byte_length 16–255.
 * Randomness from libsodium.
 */
int kd_keygen_new(const char *prefix, int byte_length, struct kd_new_key *out,
                  struct kd_error *err);
void kd_new_key_wipe(struct kd_new_key *k);

/** SHA-256 of the key string, the lookup key for verification. */
void kd_key_digest(const char *plaintext, uint8_t digest[KD_DIGEST_LEN]);

/** The start of a key given its prefix: prefix_ + 4 chars (or 4 chars). New string. */
char *kd_key_start(const char *plaintext, const char *prefix);

/**
 * Decode a stored hash from either peer: standard base64 (Unkey, 44 chars with
 * padding) or base64url without padding (better-auth, 43 chars), or 64 hex digits.
 */
int kd_digest_decode(const char *encoded, uint8_t digest[KD_DIGEST_LEN], struct kd_error *err);
/** Encode as Unkey does: standard base64 with padding (45 bytes with NUL). */
void kd_digest_to_base64(const uint8_t digest[KD_DIGEST_LEN], char out[45]);

/**
 * A new prefixed id: kind + "_" + 22 base58 characters encoding 6 bytes of
 * millisecond time and 10 random bytes, so ids sort by creation time.  kind is
 * "api", "key", "role", "perm", "rl".  New string.
 */
char *kd_id_new(const char *kind, int64_t now_ms);

#endif
