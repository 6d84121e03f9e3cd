/*
 * base58.h — Base58 with Unkey's (Bitcoin's) alphabet:
 *   123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz
 * The alphabet is in ASCII order, so fixed-width encodings of big-endian numbers
 * sort like the numbers (ids use this to sort by creation time).
 */
#ifndef KD_CORE_BASE58_H
#define KD_CORE_BASE58_H

#include <stddef.h>
#include <stdint.h>

/** Characters needed to encode n bytes (upper bound, without the NUL). */
size_t kd_base58_encoded_max(size_t n);

/**
 * Encode n bytes (leading zero bytes become '1's, as Bitcoin does).  Writes a
 * NUL-terminated string into out; returns its length, or 0 when outlen is too small.
 */
size_t kd_base58_encode(const uint8_t *in, size_t n, char *out, size_t outlen);

/** Encode to exactly width characters, left-padded with '1'; 0 if it does not fit. */
size_t kd_base58_encode_fixed(const uint8_t *in, size_t n, size_t width, char *out,
                              size_t outlen);

/**
 * Decode; returns the number of bytes written to out, or -1 for a character
 * outside the alphabet or an output that does not fit.
 */
long kd_base58_decode(const char *in, uint8_t *out, size_t outlen);

#endif
