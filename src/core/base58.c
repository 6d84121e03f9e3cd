/*
 * base58.c — Base58 with the Bitcoin/Unkey alphabet.
 *
 * Plain schoolbook base conversion: key material is at most 255 bytes, so the
 * quadratic loop costs nothing worth optimising.  Scratch buffers may hold
 * digits of secret keys, so they are wiped before they go out of scope.
 */
#include "core/base58.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char kd_b58_alphabet[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Digit value for each byte, -1 for bytes outside the alphabet. */
static int b58_value(unsigned char c)
{
    const char *p = c ? strchr(kd_b58_alphabet, c) : NULL;
    return p ? (int)(p - kd_b58_alphabet) : -1;
}

size_t kd_base58_encoded_max(size_t n)
{
    /* log(256)/log(58) = 1.3657...; 138/100 rounds up, +1 for the remainder. */
    return n * 138 / 100 + 1;
}

/*
 * Convert the big-endian number in[0..n) into base-58 digits (values 0..57),
 * most significant first, into digits[0..cap).  Returns how many digits the
 * number needs (0 for the number zero); leading zero bytes are not special here.
 */
static size_t b58_digits(const uint8_t *in, size_t n, uint8_t *digits, size_t cap)
{
    size_t used = 0; /* digits in use, stored least significant at digits[cap-1] */
    for (size_t i = 0; i < n; i++) {
        unsigned carry = in[i];
        size_t j = 0;
        for (; j < used || carry; j++) {
            size_t k = cap - 1 - j;
            carry += (unsigned)(j < used ? digits[k] : 0) * 256u;
            digits[k] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        used = j;
    }
    memmove(digits, digits + cap - used, used);
    return used;
}

size_t kd_base58_encode(const uint8_t *in, size_t n, char *out, size_t outlen)
{
    size_t zeros = 0;
    while (zeros < n && in[zeros] == 0)
        zeros++;
    size_t cap = kd_base58_encoded_max(n);
    uint8_t *digits = malloc(cap ? cap : 1);
    if (!digits)
        return 0;
    size_t nd = b58_digits(in + zeros, n - zeros, digits, cap);
    size_t len = zeros + nd;
    size_t ret = 0;
    if (out && len + 1 <= outlen) {
        memset(out, '1', zeros);
        for (size_t i = 0; i < nd; i++)
            out[zeros + i] = kd_b58_alphabet[digits[i]];
        out[len] = '\0';
        ret = len;
    }
    sodium_memzero(digits, cap);
    free(digits);
    return ret;
}

size_t kd_base58_encode_fixed(const uint8_t *in, size_t n, size_t width, char *out,
                              size_t outlen)
{
    if (!out || width == 0 || width + 1 > outlen)
        return 0;
    size_t cap = kd_base58_encoded_max(n);
    uint8_t *digits = malloc(cap ? cap : 1);
    if (!digits)
        return 0;
    /* '1' is digit zero, so padding on the left keeps the numeric value and
     * equal-width strings compare like the numbers they encode. */
    size_t nd = b58_digits(in, n, digits, cap);
    size_t ret = 0;
    if (nd <= width) {
        memset(out, '1', width - nd);
        for (size_t i = 0; i < nd; i++)
            out[width - nd + i] = kd_b58_alphabet[digits[i]];
        out[width] = '\0';
        ret = width;
    }
    sodium_memzero(digits, cap);
    free(digits);
    return ret;
}

long kd_base58_decode(const char *in, uint8_t *out, size_t outlen)
{
    if (!in)
        return -1;
    size_t len = strlen(in);
    size_t zeros = 0;
    while (zeros < len && in[zeros] == '1')
        zeros++;
    /* Bytes needed: log(58)/log(256) = 0.7322...; 733/1000 rounds up. */
    size_t cap = (len - zeros) * 733 / 1000 + 1;
    uint8_t *bytes = malloc(cap);
    if (!bytes)
        return -1;
    size_t used = 0; /* bytes in use, least significant at bytes[cap-1] */
    long ret = -1;
    for (size_t i = zeros; i < len; i++) {
        int v = b58_value((unsigned char)in[i]);
        if (v < 0)
            goto out;
        unsigned carry = (unsigned)v;
        size_t j = 0;
        for (; j < used || carry; j++) {
            size_t k = cap - 1 - j;
            carry += (unsigned)(j < used ? bytes[k] : 0) * 58u;
            bytes[k] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
        used = j;
    }
    if (zeros + used > outlen)
        goto out;
    if (zeros + used > 0) {
        memset(out, 0, zeros);
        memcpy(out + zeros, bytes + cap - used, used);
    }
    ret = (long)(zeros + used);
out:
    sodium_memzero(bytes, cap);
    free(bytes);
    return ret;
}
