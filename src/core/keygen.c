/*
 * keygen.c — key material (plaintext, start, digest) and time-ordered ids.
 */
#include "core/keygen.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base58.h"
#include "util/xalloc.h"

#define KD_ID_TIME_BYTES 6
#define KD_ID_RAND_BYTES 10
#define KD_ID_CHARS 22 /* 58^22 > 2^128, so 16 bytes always fit */

/* sodium_init is idempotent and thread-safe; failing means no usable RNG, and
 * nothing in keydeck can continue safely without one. */
static void sodium_ready(void)
{
    if (sodium_init() < 0) {
        fputs("keydeck: libsodium failed to initialise\n", stderr);
        abort();
    }
}

int kd_keygen_new(const char *prefix, int byte_length, struct kd_new_key *out,
                  struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    if (byte_length < KD_BYTE_LENGTH_MIN || byte_length > KD_BYTE_LENGTH_MAX)
        return kd_error_set(err, KD_ERR_INVALID, "byteLength",
                            "byteLength must be between %d and %d, got %d",
                            KD_BYTE_LENGTH_MIN, KD_BYTE_LENGTH_MAX, byte_length);
    sodium_ready();

    uint8_t raw[KD_BYTE_LENGTH_MAX];
    randombytes_buf(raw, (size_t)byte_length);

    size_t plen = prefix ? strlen(prefix) : 0;
    size_t b58cap = kd_base58_encoded_max((size_t)byte_length) + 1;
    size_t cap = plen + 1 + b58cap;
    char *plain = kd_xmalloc(cap);
    size_t off = 0;
    if (plen) {
        memcpy(plain, prefix, plen);
        plain[plen] = '_';
        off = plen + 1;
    }
    size_t n = kd_base58_encode(raw, (size_t)byte_length, plain + off, cap - off);
    sodium_memzero(raw, sizeof raw);
    if (n == 0) { /* cannot happen: the buffer is sized by kd_base58_encoded_max */
        sodium_memzero(plain, cap);
        free(plain);
        return kd_error_set(err, KD_ERR_INTERNAL, NULL, "base58 encoding of a new key failed");
    }
    out->plaintext = plain;
    out->start = kd_key_start(plain, prefix);
    kd_key_digest(plain, out->digest);
    return 0;
}

void kd_new_key_wipe(struct kd_new_key *k)
{
    if (!k)
        return;
    kd_secret_free(k->plaintext);
    free(k->start);
    sodium_memzero(k->digest, sizeof k->digest);
    k->plaintext = NULL;
    k->start = NULL;
}

void kd_key_digest(const char *plaintext, uint8_t digest[KD_DIGEST_LEN])
{
    sodium_ready();
    crypto_hash_sha256(digest, (const unsigned char *)plaintext, strlen(plaintext));
}

char *kd_key_start(const char *plaintext, const char *prefix)
{
    size_t plen = prefix ? strlen(prefix) : 0;
    size_t skip = 0;
    /* Only count the prefix when the key really carries it (imported keys may
     * not), so the start is always a true prefix of the key. */
    if (plen && strncmp(plaintext, prefix, plen) == 0 && plaintext[plen] == '_')
        skip = plen + 1;
    size_t rest = strlen(plaintext + skip);
    if (rest > KD_START_CHARS)
        rest = KD_START_CHARS;
    return kd_xstrndup(plaintext, skip + rest);
}

static int decode_b64(const char *s, size_t len, int variant, uint8_t out[KD_DIGEST_LEN])
{
    size_t bin_len = 0;
    const char *end = NULL;
    if (sodium_base642bin(out, KD_DIGEST_LEN, s, len, NULL, &bin_len, &end, variant) != 0)
        return -1;
    return bin_len == KD_DIGEST_LEN && end == s + len ? 0 : -1;
}

int kd_digest_decode(const char *encoded, uint8_t digest[KD_DIGEST_LEN], struct kd_error *err)
{
    sodium_ready();
    size_t len = encoded ? strlen(encoded) : 0;
    uint8_t tmp[KD_DIGEST_LEN];
    int ok = -1;
    if (len == 44) {
        /* Unkey: standard alphabet, padded. */
        ok = decode_b64(encoded, len, sodium_base64_VARIANT_ORIGINAL, tmp);
    } else if (len == 43) {
        /* better-auth: base64url, unpadded; also take the standard alphabet
         * unpadded, since stripping '=' is a common mangling. */
        ok = decode_b64(encoded, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING, tmp);
        if (ok < 0)
            ok = decode_b64(encoded, len, sodium_base64_VARIANT_ORIGINAL_NO_PADDING, tmp);
    } else if (len == 2 * KD_DIGEST_LEN) {
        size_t bin_len = 0;
        const char *end = NULL;
        if (sodium_hex2bin(tmp, sizeof tmp, encoded, len, NULL, &bin_len, &end) == 0 &&
            bin_len == KD_DIGEST_LEN && end == encoded + len)
            ok = 0;
    }
    if (ok < 0)
        return kd_error_set(err, KD_ERR_INVALID, "hash",
                            "hash must be a SHA-256 digest as standard base64 (44 characters), "
                            "base64url without padding (43 characters) or 64 hex digits; "
                            "got %zu characters that are none of these",
                            len);
    memcpy(digest, tmp, KD_DIGEST_LEN);
    return 0;
}

void kd_digest_to_base64(const uint8_t digest[KD_DIGEST_LEN], char out[45])
{
    sodium_ready();
    sodium_bin2base64(out, 45, digest, KD_DIGEST_LEN, sodium_base64_VARIANT_ORIGINAL);
}

/* The last id's 16 bytes, so ids made in one process strictly increase even
 * when the clock stands still or steps back. */
static atomic_flag kd_id_lock = ATOMIC_FLAG_INIT;
static uint8_t kd_id_last[KD_ID_TIME_BYTES + KD_ID_RAND_BYTES];
static int kd_id_have_last;

/* Add a small random step to the big-endian number b; returns the carry out. */
static int add_be(uint8_t *b, size_t n, uint32_t step)
{
    uint32_t carry = step;
    for (size_t i = n; i-- > 0 && carry;) {
        uint32_t sum = b[i] + (carry & 0xff);
        b[i] = (uint8_t)sum;
        carry = (carry >> 8) + (sum >> 8);
    }
    return carry != 0;
}

char *kd_id_new(const char *kind, int64_t now_ms)
{
    sodium_ready();
    uint8_t raw[KD_ID_TIME_BYTES + KD_ID_RAND_BYTES];
    uint64_t ms = now_ms < 0 ? 0 : (uint64_t)now_ms & 0xffffffffffffULL;
    for (int i = 0; i < KD_ID_TIME_BYTES; i++)
        raw[i] = (uint8_t)(ms >> (8 * (KD_ID_TIME_BYTES - 1 - i)));
    randombytes_buf(raw + KD_ID_TIME_BYTES, KD_ID_RAND_BYTES);

    while (atomic_flag_test_and_set_explicit(&kd_id_lock, memory_order_acquire))
        ; /* held for a few instructions only */
    if (kd_id_have_last && memcmp(raw, kd_id_last, KD_ID_TIME_BYTES) <= 0) {
        /* Time did not advance: continue from the last id with a random step,
         * which keeps order and leaves the next id hard to guess. */
        memcpy(raw, kd_id_last, sizeof raw);
        uint32_t step = 1 + (randombytes_random() & 0xffffff);
        if (add_be(raw + KD_ID_TIME_BYTES, KD_ID_RAND_BYTES, step))
            add_be(raw, KD_ID_TIME_BYTES, 1); /* 2^80 ids in one ms: borrow the next ms */
    }
    memcpy(kd_id_last, raw, sizeof raw);
    kd_id_have_last = 1;
    atomic_flag_clear_explicit(&kd_id_lock, memory_order_release);

    char enc[KD_ID_CHARS + 1];
    kd_base58_encode_fixed(raw, sizeof raw, KD_ID_CHARS, enc, sizeof enc);
    return kd_xasprintf("%s_%s", kind, enc);
}
