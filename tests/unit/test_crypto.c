/*
 * test_crypto.c — base58, key material, digests, ids and the vault.
 */
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <sys/stat.h>
#include <dirent.h>

#include "core/base58.h"
#include "core/keygen.h"
#include "core/vault.h"
#include "util/clock.h"
#include "util/xalloc.h"

#include "test.h"

static const char B58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static void hex_to(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void check_encode(const uint8_t *in, size_t n, const char *want)
{
    char out[256];
    size_t len = kd_base58_encode(in, n, out, sizeof out);
    ck_assert_str_eq(out, want);
    ck_assert_uint_eq(len, strlen(want));
    uint8_t back[256];
    long m = kd_base58_decode(want, back, sizeof back);
    ck_assert_int_eq(m, (long)n);
    ck_assert(n == 0 || memcmp(back, in, n) == 0);
}

START_TEST(base58_known_vectors)
{
    check_encode((const uint8_t *)"Hello World!", 12, "2NEpo7TZRRrLZSi2U");
    const char *fox = "The quick brown fox jumps over the lazy dog";
    check_encode((const uint8_t *)fox, strlen(fox),
                 "7DdiPPYtxLjCD3wA1po2rvZHTDYjkZYiEtazrfiwJcwnKCizhGFhBGHeRdx");
    uint8_t addr[25];
    hex_to("00eb15231dfceb60925886b67d065299925915aeb172c06647", addr, sizeof addr);
    check_encode(addr, sizeof addr, "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L");
    uint8_t one = 57;
    check_encode(&one, 1, "z");
    uint8_t b58 = 58;
    check_encode(&b58, 1, "21");
}
END_TEST

START_TEST(base58_leading_zeros)
{
    const uint8_t z3[] = {0, 0, 0, 1};
    check_encode(z3, sizeof z3, "1112");
    const uint8_t z2[] = {0, 0};
    check_encode(z2, sizeof z2, "11");
    check_encode(z2, 0, "");
}
END_TEST

START_TEST(base58_round_trip_random)
{
    ck_assert_int_ge(sodium_init(), 0);
    uint8_t in[301], back[301];
    char enc[512];
    for (size_t n = 0; n <= 300; n++) {
        randombytes_buf(in, n);
        if (n > 2 && n % 7 == 0)
            in[0] = in[1] = 0; /* exercise leading zeros at many lengths */
        size_t len = kd_base58_encode(in, n, enc, sizeof enc);
        ck_assert_uint_le(len, kd_base58_encoded_max(n));
        ck_assert_uint_eq(strlen(enc), len);
        ck_assert_uint_eq(strspn(enc, B58), len);
        long m = kd_base58_decode(enc, back, sizeof back);
        ck_assert_int_eq(m, (long)n);
        ck_assert(n == 0 || memcmp(in, back, n) == 0);
    }
}
END_TEST

START_TEST(base58_rejects_bad_input)
{
    uint8_t out[64];
    const char *bad[] = {"0", "O", "I", "l", "2NEpo7T0RRrLZSi2U", "abc+", "ab c", "abc\n", "-"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(kd_base58_decode(bad[i], out, sizeof out) == -1, "accepted %s", bad[i]);
    /* too small an output buffer, for both directions */
    ck_assert_int_eq(kd_base58_decode("2NEpo7TZRRrLZSi2U", out, 11), -1);
    ck_assert_int_eq(kd_base58_decode("2NEpo7TZRRrLZSi2U", out, 12), 12);
    char small[17];
    ck_assert_uint_eq(kd_base58_encode((const uint8_t *)"Hello World!", 12, small, sizeof small),
                      0);
}
END_TEST

START_TEST(base58_fixed_width_orders_like_numbers)
{
    ck_assert_int_ge(sodium_init(), 0);
    enum { N = 400 };
    static uint8_t nums[N][16];
    static char enc[N][23];
    for (int i = 0; i < N; i++) {
        randombytes_buf(nums[i], 16);
        /* small numbers too, so padding with '1' is exercised */
        if (i % 4 == 1)
            memset(nums[i], 0, 1 + (size_t)(i % 15));
        ck_assert_uint_eq(kd_base58_encode_fixed(nums[i], 16, 22, enc[i], sizeof enc[i]), 22);
        ck_assert_uint_eq(strlen(enc[i]), 22);
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            int a = memcmp(nums[i], nums[j], 16);
            int b = strcmp(enc[i], enc[j]);
            ck_assert_int_eq((a > 0) - (a < 0), (b > 0) - (b < 0));
        }
    uint8_t zero[16] = {0};
    char out[23];
    kd_base58_encode_fixed(zero, 16, 22, out, sizeof out);
    ck_assert_str_eq(out, "1111111111111111111111");
    uint8_t max[16];
    memset(max, 0xff, sizeof max);
    ck_assert_uint_eq(kd_base58_encode_fixed(max, 16, 21, out, sizeof out), 0); /* too narrow */
    ck_assert_uint_eq(kd_base58_encode_fixed(max, 16, 22, out, 22), 0);         /* no room for NUL */
}
END_TEST

static void check_key_shape(const char *prefix, int bytes, size_t min_len, size_t max_len)
{
    struct kd_error err;
    struct kd_new_key k;
    ck_assert_int_eq(kd_keygen_new(prefix, bytes, &k, &err), 0);
    const char *b58 = k.plaintext;
    size_t plen = prefix ? strlen(prefix) : 0;
    if (plen) {
        ck_assert(strncmp(k.plaintext, prefix, plen) == 0);
        ck_assert_int_eq(k.plaintext[plen], '_');
        b58 += plen + 1;
    }
    size_t n = strlen(b58);
    ck_assert_uint_ge(n, min_len);
    ck_assert_uint_le(n, max_len);
    ck_assert_uint_eq(strspn(b58, B58), n);
    uint8_t raw[KD_BYTE_LENGTH_MAX + 8];
    ck_assert_int_eq(kd_base58_decode(b58, raw, sizeof raw), bytes);

    ck_assert_uint_eq(strlen(k.start), (plen ? plen + 1 : 0) + KD_START_CHARS);
    ck_assert(strncmp(k.plaintext, k.start, strlen(k.start)) == 0);

    uint8_t d[KD_DIGEST_LEN];
    crypto_hash_sha256(d, (const unsigned char *)k.plaintext, strlen(k.plaintext));
    ck_assert(memcmp(d, k.digest, KD_DIGEST_LEN) == 0);

    kd_new_key_wipe(&k);
    ck_assert_ptr_null(k.plaintext);
    ck_assert_ptr_null(k.start);
}

START_TEST(key_shape)
{
    ck_assert_int_ge(sodium_init(), 0);
    for (int i = 0; i < 50; i++) {
        /* 16 random bytes: at most 22 chars; shorter only with leading zero bytes,
         * which still keep it above 16 characters */
        check_key_shape("sk_live", 16, 17, 22);
        check_key_shape(NULL, 16, 17, 22);
        check_key_shape("", 16, 17, 22);
        /* 255 bytes: ceil(255 * log(256)/log(58)) = 349 */
        check_key_shape("p", 255, 330, 349);
    }
    struct kd_new_key a, b;
    ck_assert_int_eq(kd_keygen_new("x", 16, &a, NULL), 0);
    ck_assert_int_eq(kd_keygen_new("x", 16, &b, NULL), 0);
    ck_assert_str_ne(a.plaintext, b.plaintext);
    kd_new_key_wipe(&a);
    kd_new_key_wipe(&b);
    struct kd_new_key zero;
    memset(&zero, 0, sizeof zero);
    kd_new_key_wipe(&zero); /* a never-filled key wipes safely */
}
END_TEST

START_TEST(key_byte_length_bounds)
{
    struct kd_error err;
    struct kd_new_key k;
    ck_assert_int_eq(kd_keygen_new("p", 15, &k, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.field, "byteLength");
    ck_assert_ptr_null(k.plaintext);
    ck_assert_int_eq(kd_keygen_new("p", 256, &k, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_int_eq(kd_keygen_new("p", -1, &k, &err), -1);
}
END_TEST

START_TEST(key_start_cases)
{
    char *s = kd_key_start("sk_abcdefgh", "sk");
    ck_assert_str_eq(s, "sk_abcd");
    free(s);
    s = kd_key_start("abcdefgh", NULL);
    ck_assert_str_eq(s, "abcd");
    free(s);
    s = kd_key_start("abcdefgh", "");
    ck_assert_str_eq(s, "abcd");
    free(s);
    /* an imported key that lacks the prefix: still a true prefix of the key */
    s = kd_key_start("other_abcdefgh", "sk");
    ck_assert_str_eq(s, "othe");
    free(s);
    s = kd_key_start("sk_ab", "sk");
    ck_assert_str_eq(s, "sk_ab");
    free(s);
}
END_TEST

static const char ABC_HEX[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

START_TEST(digest_known_vector)
{
    uint8_t want[KD_DIGEST_LEN], got[KD_DIGEST_LEN];
    hex_to(ABC_HEX, want, sizeof want);
    kd_key_digest("abc", got);
    ck_assert(memcmp(want, got, KD_DIGEST_LEN) == 0);
    char b64[45];
    kd_digest_to_base64(got, b64);
    ck_assert_str_eq(b64, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    kd_key_digest("", got);
    hex_to("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want, sizeof want);
    ck_assert(memcmp(want, got, KD_DIGEST_LEN) == 0);
}
END_TEST

static void check_decodes(const char *enc, const uint8_t want[KD_DIGEST_LEN])
{
    struct kd_error err;
    uint8_t got[KD_DIGEST_LEN];
    memset(got, 0, sizeof got);
    ck_assert_msg(kd_digest_decode(enc, got, &err) == 0, "rejected %s: %s", enc, err.message);
    ck_assert_msg(memcmp(got, want, KD_DIGEST_LEN) == 0, "wrong bytes for %s", enc);
}

static void check_rejects(const char *enc)
{
    struct kd_error err;
    uint8_t got[KD_DIGEST_LEN];
    memset(got, 0xaa, sizeof got);
    ck_assert_msg(kd_digest_decode(enc, got, &err) == -1, "accepted %s", enc ? enc : "NULL");
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.field, "hash");
    ck_assert(strstr(err.message, "base64") != NULL);
    for (size_t i = 0; i < sizeof got; i++)
        ck_assert_int_eq(got[i], 0xaa); /* untouched on failure */
}

START_TEST(digest_decode_encodings)
{
    uint8_t abc[KD_DIGEST_LEN];
    hex_to(ABC_HEX, abc, sizeof abc);
    check_decodes("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", abc); /* Unkey */
    check_decodes("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0", abc);  /* better-auth */
    check_decodes(ABC_HEX, abc);
    check_decodes("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", abc);

    uint8_t fb[KD_DIGEST_LEN];
    for (size_t i = 0; i < sizeof fb; i++)
        fb[i] = i % 2 ? 0xff : 0xfb;
    char b64[45];
    kd_digest_to_base64(fb, b64);
    ck_assert_str_eq(b64, "+//7//v/+//7//v/+//7//v/+//7//v/+//7//v/+/8=");
    check_decodes(b64, fb);
    check_decodes("-__7__v_-__7__v_-__7__v_-__7__v_-__7__v_-_8", fb);

    check_rejects(NULL);
    check_rejects("");
    check_rejects("not a digest at all");
    check_rejects("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==");   /* 31 bytes */
    check_rejects("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0");    /* mixed alphabets */
    /* standard alphabet with the '=' stripped is a common mangling: accepted */
    check_decodes("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0", abc);
}
END_TEST

START_TEST(digest_decode_rejects_wrong_shapes)
{
    check_rejects("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0=");  /* url alphabet, padded */
    check_rejects("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0==");  /* 45 chars */
    check_rejects("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa");     /* 42 chars */
    check_rejects("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAF!0=");   /* bad character */
    check_rejects("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa1=");   /* stray low bits */
    check_rejects("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a");   /* 63 */
    check_rejects("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015az");  /* not hex */
    check_rejects("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad00");
}
END_TEST

/* Decode a 22-character fixed-width id body back into its 16 bytes. */
static void id_bytes(const char *id, uint8_t out[16])
{
    const char *body = strchr(id, '_');
    ck_assert_ptr_nonnull(body);
    body++;
    ck_assert_uint_eq(strlen(body), 22);
    memset(out, 0, 16);
    for (const char *c = body; *c; c++) {
        const char *p = strchr(B58, *c);
        ck_assert_ptr_nonnull(p);
        unsigned carry = (unsigned)(p - B58);
        for (int i = 15; i >= 0; i--) {
            carry += out[i] * 58u;
            out[i] = (uint8_t)carry;
            carry >>= 8;
        }
        ck_assert_uint_eq(carry, 0);
    }
}

static int64_t id_time(const char *id)
{
    uint8_t b[16];
    id_bytes(id, b);
    int64_t ms = 0;
    for (int i = 0; i < 6; i++)
        ms = ms << 8 | b[i];
    return ms;
}

START_TEST(ids_sort_by_pinned_time)
{
    kd_clock_pin(1735689600000); /* 2025-01-01T00:00:00Z */
    char *prev = NULL;
    for (int i = 0; i < 300; i++) {
        char *id = kd_id_new("key", kd_now_ms());
        ck_assert(strncmp(id, "key_", 4) == 0);
        ck_assert_uint_eq(strlen(id), 4 + 22);
        ck_assert_int_eq(id_time(id), kd_now_ms()); /* the time really is in the id */
        if (prev)
            ck_assert_msg(strcmp(prev, id) < 0, "%s !< %s", prev, id);
        free(prev);
        prev = id;
        kd_clock_advance(1 + i % 3);
    }
    free(prev);
    /* a big jump: still ordered, still exact */
    char *a = kd_id_new("api", 1000);
    char *b = kd_id_new("api", 281474976710655LL); /* 2^48 - 1, the last representable ms */
    ck_assert_int_eq(id_time(b), 281474976710655LL);
    ck_assert_str_lt(a, b);
    free(a);
    free(b);
    kd_clock_unpin();
}
END_TEST

START_TEST(ids_increase_within_one_ms)
{
    kd_clock_pin(1750000000000);
    enum { N = 2000 };
    char *prev = kd_id_new("rl", kd_now_ms());
    for (int i = 0; i < N; i++) {
        char *id = kd_id_new("rl", kd_now_ms());
        ck_assert_msg(strcmp(prev, id) < 0, "%s !< %s", prev, id);
        ck_assert_int_eq(id_time(id), 1750000000000);
        free(prev);
        prev = id;
    }
    /* the clock stepping back must not break the order either */
    char *back = kd_id_new("rl", 1740000000000);
    ck_assert_str_lt(prev, back);
    free(prev);
    free(back);
    /* and once time moves on, the id carries the new time */
    char *later = kd_id_new("rl", 1750000000005);
    ck_assert_int_eq(id_time(later), 1750000000005);
    free(later);
    kd_clock_unpin();
}
END_TEST

static char *vault_path(const char *name)
{
    return kd_xasprintf("%s/%s", kd_test_tmpdir(), name);
}

static void write_file(const char *path, const uint8_t *data, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
    close(fd);
    ck_assert_int_eq(chmod(path, mode), 0);
}

START_TEST(vault_round_trip)
{
    char *path = vault_path("ks.vault");
    struct kd_error err;
    struct kd_vault *v = kd_vault_open(path, true, &err);
    ck_assert_msg(v != NULL, "%s", err.message);
    const char *secret = "sk_live_3ZxkVxQmFv2b8Ce";
    uint8_t nonce[KD_VAULT_NONCE_LEN];
    uint8_t *ct = NULL;
    size_t ct_len = 0;
    ck_assert_int_eq(kd_vault_seal(v, "key_abc", secret, nonce, &ct, &ct_len, &err), 0);
    ck_assert_uint_eq(ct_len, strlen(secret) + KD_VAULT_TAG_LEN);
    ck_assert(memmem(ct, ct_len, "sk_live", 7) == NULL);
    char *plain = NULL;
    ck_assert_int_eq(kd_vault_unseal(v, "key_abc", nonce, ct, ct_len, &plain, &err), 0);
    ck_assert_str_eq(plain, secret);
    kd_secret_free(plain);

    /* sealing twice uses fresh nonces */
    uint8_t nonce2[KD_VAULT_NONCE_LEN];
    uint8_t *ct2 = NULL;
    size_t ct2_len = 0;
    ck_assert_int_eq(kd_vault_seal(v, "key_abc", secret, nonce2, &ct2, &ct2_len, &err), 0);
    ck_assert(memcmp(nonce, nonce2, sizeof nonce) != 0);
    free(ct2);

    /* an empty plaintext round-trips too */
    ck_assert_int_eq(kd_vault_seal(v, "key_e", "", nonce2, &ct2, &ct2_len, &err), 0);
    ck_assert_uint_eq(ct2_len, KD_VAULT_TAG_LEN);
    ck_assert_int_eq(kd_vault_unseal(v, "key_e", nonce2, ct2, ct2_len, &plain, &err), 0);
    ck_assert_str_eq(plain, "");
    kd_secret_free(plain);
    free(ct2);
    kd_vault_close(v);

    /* reopening the file recovers the same seal key */
    v = kd_vault_open(path, false, &err);
    ck_assert_msg(v != NULL, "%s", err.message);
    ck_assert_int_eq(kd_vault_unseal(v, "key_abc", nonce, ct, ct_len, &plain, &err), 0);
    ck_assert_str_eq(plain, secret);
    kd_secret_free(plain);
    kd_vault_close(v);
    free(ct);
    free(path);
}
END_TEST

static void expect_corrupt(struct kd_vault *v, const char *key_id, const uint8_t *nonce,
                           const uint8_t *ct, size_t ct_len)
{
    struct kd_error err;
    char *plain = (char *)"sentinel";
    ck_assert_int_eq(kd_vault_unseal(v, key_id, nonce, ct, ct_len, &plain, &err), -1);
    ck_assert_ptr_null(plain);
    ck_assert_int_eq(err.code, KD_ERR_CORRUPT);
    ck_assert(strstr(err.message, key_id) != NULL);
    ck_assert(strstr(err.message, "sk_") == NULL); /* no secret in the message */
}

START_TEST(vault_refuses_tampering)
{
    char *path = vault_path("ks.vault");
    struct kd_error err;
    struct kd_vault *v = kd_vault_open(path, true, &err);
    ck_assert_ptr_nonnull(v);
    uint8_t nonce[KD_VAULT_NONCE_LEN];
    uint8_t *ct = NULL;
    size_t ct_len = 0;
    ck_assert_int_eq(kd_vault_seal(v, "key_1", "sk_secretvalue", nonce, &ct, &ct_len, &err), 0);

    for (size_t i = 0; i < ct_len; i++) {
        ct[i] ^= 0x01;
        expect_corrupt(v, "key_1", nonce, ct, ct_len);
        ct[i] ^= 0x01;
    }
    char *plain = NULL;
    nonce[3] ^= 0x80;
    expect_corrupt(v, "key_1", nonce, ct, ct_len);
    nonce[3] ^= 0x80;
    expect_corrupt(v, "key_1", nonce, ct, ct_len - 1); /* truncated */
    expect_corrupt(v, "key_1", nonce, ct, 3);          /* shorter than the tag */

    /* the untouched ciphertext still opens: the loop above restored it */
    ck_assert_int_eq(kd_vault_unseal(v, "key_1", nonce, ct, ct_len, &plain, &err), 0);
    ck_assert_str_eq(plain, "sk_secretvalue");
    kd_secret_free(plain);
    kd_vault_close(v);
    free(ct);
    free(path);
}
END_TEST

START_TEST(vault_refuses_other_key_id_and_other_vault)
{
    char *path = vault_path("a.vault");
    char *path2 = vault_path("b.vault");
    struct kd_error err;
    struct kd_vault *v = kd_vault_open(path, true, &err);
    struct kd_vault *w = kd_vault_open(path2, true, &err);
    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_nonnull(w);
    uint8_t nonce[KD_VAULT_NONCE_LEN];
    uint8_t *ct = NULL;
    size_t ct_len = 0;
    ck_assert_int_eq(kd_vault_seal(v, "key_A", "sk_movable", nonce, &ct, &ct_len, &err), 0);
    expect_corrupt(v, "key_B", nonce, ct, ct_len);
    char *plain = NULL;
    ck_assert_int_eq(kd_vault_unseal(v, "key_B", nonce, ct, ct_len, &plain, &err), -1);
    ck_assert_str_eq(err.message, "sealed key for key_B failed authentication: the keystore or "
                                  "vault was altered");
    expect_corrupt(w, "key_A", nonce, ct, ct_len); /* another vault's key */
    ck_assert(memcmp(kd_vault_audit_key(v), kd_vault_audit_key(w), KD_AUDIT_KEY_LEN) != 0);
    kd_vault_close(v);
    kd_vault_close(w);
    free(ct);
    free(path);
    free(path2);
}
END_TEST

START_TEST(vault_created_0600)
{
    umask(0); /* the mode must not depend on a permissive umask */
    char *path = vault_path("ks.vault");
    struct kd_error err;
    struct kd_vault *v = kd_vault_open(path, true, &err);
    ck_assert_msg(v != NULL, "%s", err.message);
    kd_vault_close(v);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    ck_assert_int_eq(st.st_size, 32);
    ck_assert(S_ISREG(st.st_mode));

    /* nothing but the vault is left in the directory (no temp files) */
    char *dir = kd_xstrndup(path, strrchr(path, '/') - path);
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int entries = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            entries++;
    closedir(d);
    ck_assert_int_eq(entries, 1);
    free(dir);

    /* a missing vault without create is an error and creates nothing */
    char *missing = vault_path("none.vault");
    ck_assert_ptr_null(kd_vault_open(missing, false, &err));
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert(strstr(err.message, missing) != NULL);
    ck_assert_int_eq(access(missing, F_OK), -1);
    free(missing);

    /* creating in a directory that does not exist names the file */
    char *nodir = kd_xasprintf("%s/no/such/dir.vault", kd_test_tmpdir());
    ck_assert_ptr_null(kd_vault_open(nodir, true, &err));
    ck_assert(strstr(err.message, nodir) != NULL);
    free(nodir);
    free(path);
}
END_TEST

START_TEST(vault_refuses_readable_file)
{
    char *path = vault_path("ks.vault");
    uint8_t key[32];
    memset(key, 7, sizeof key);
    write_file(path, key, sizeof key, 0644);
    struct kd_error err;
    ck_assert_ptr_null(kd_vault_open(path, true, &err));
    ck_assert(strstr(err.message, path) != NULL);
    ck_assert(strstr(err.message, "chmod 600") != NULL);
    ck_assert(err.code != KD_OK);
    ck_assert_int_eq(chmod(path, 0640), 0);
    ck_assert_ptr_null(kd_vault_open(path, false, &err));
    ck_assert(strstr(err.message, "chmod 600") != NULL);

    /* after chmod 600 as told, it opens */
    ck_assert_int_eq(chmod(path, 0600), 0);
    struct kd_vault *v = kd_vault_open(path, false, &err);
    ck_assert_msg(v != NULL, "%s", err.message);
    kd_vault_close(v);
    free(path);
}
END_TEST

START_TEST(vault_refuses_wrong_size)
{
    uint8_t key[64];
    memset(key, 9, sizeof key);
    size_t sizes[] = {0, 31, 33, 64};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char *path = vault_path("ks.vault");
        write_file(path, key, sizes[i], 0600);
        struct kd_error err;
        ck_assert_ptr_null(kd_vault_open(path, true, &err));
        ck_assert_int_eq(err.code, KD_ERR_CORRUPT);
        ck_assert(strstr(err.message, path) != NULL);
        ck_assert(strstr(err.message, "corrupt") != NULL);
        /* and it was left alone, not replaced by a fresh key */
        struct stat st;
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_int_eq(st.st_size, (off_t)sizes[i]);
        free(path);
    }
}
END_TEST

START_TEST(vault_same_audit_key_across_opens)
{
    char *path = vault_path("ks.vault");
    struct kd_error err;
    struct kd_vault *a = kd_vault_open(path, true, &err);
    struct kd_vault *b = kd_vault_open(path, true, &err); /* exists: must not be replaced */
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert(memcmp(kd_vault_audit_key(a), kd_vault_audit_key(b), KD_AUDIT_KEY_LEN) == 0);

    /* a known master key gives the subkey the KDF defines, distinct from the seal key */
    kd_vault_close(a);
    kd_vault_close(b);
    uint8_t master[32];
    for (int i = 0; i < 32; i++)
        master[i] = (uint8_t)i;
    char *known = vault_path("known.vault");
    write_file(known, master, sizeof master, 0600);
    a = kd_vault_open(known, false, &err);
    ck_assert_msg(a != NULL, "%s", err.message);
    uint8_t want[KD_AUDIT_KEY_LEN];
    crypto_kdf_derive_from_key(want, sizeof want, 2, "keydeck1", master);
    ck_assert(memcmp(kd_vault_audit_key(a), want, sizeof want) == 0);
    ck_assert(memcmp(kd_vault_audit_key(a), master, sizeof master) != 0);

    /* and sealing uses subkey 1: decrypt by hand with it */
    uint8_t seal[32];
    crypto_kdf_derive_from_key(seal, sizeof seal, 1, "keydeck1", master);
    uint8_t nonce[KD_VAULT_NONCE_LEN];
    uint8_t *ct = NULL;
    size_t ct_len = 0;
    ck_assert_int_eq(kd_vault_seal(a, "key_k", "sk_hand", nonce, &ct, &ct_len, &err), 0);
    unsigned char out[64];
    unsigned long long mlen = 0;
    ck_assert_int_eq(crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL, ct, ct_len,
                                                                (const unsigned char *)"key_k", 5,
                                                                nonce, seal),
                     0);
    ck_assert_uint_eq(mlen, 7);
    ck_assert(memcmp(out, "sk_hand", 7) == 0);
    free(ct);
    kd_vault_close(a);
    free(known);
    free(path);
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, base58_known_vectors);
    tcase_add_test(tc, base58_leading_zeros);
    tcase_add_test(tc, base58_round_trip_random);
    tcase_add_test(tc, base58_rejects_bad_input);
    tcase_add_test(tc, base58_fixed_width_orders_like_numbers);
    tcase_add_test(tc, key_shape);
    tcase_add_test(tc, key_byte_length_bounds);
    tcase_add_test(tc, key_start_cases);
    tcase_add_test(tc, digest_known_vector);
    tcase_add_test(tc, digest_decode_encodings);
    tcase_add_test(tc, digest_decode_rejects_wrong_shapes);
    tcase_add_test(tc, ids_sort_by_pinned_time);
    tcase_add_test(tc, ids_increase_within_one_ms);
    tcase_add_test(tc, vault_round_trip);
    tcase_add_test(tc, vault_refuses_tampering);
    tcase_add_test(tc, vault_refuses_other_key_id_and_other_vault);
    tcase_add_test(tc, vault_created_0600);
    tcase_add_test(tc, vault_refuses_readable_file);
    tcase_add_test(tc, vault_refuses_wrong_size);
    tcase_add_test(tc, vault_same_audit_key_across_opens);
}

KD_TEST_MAIN(add_cases)
