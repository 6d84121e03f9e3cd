/*
 * vault.h — sealing recoverable keys, and the keystore's secret key material.
 *
 * The vault file (0600) holds 32 random bytes, the master key.  Two subkeys are
 * derived from it with libsodium's KDF: one seals plaintexts (XChaCha20-Poly1305,
 * the key id as associated data, so a ciphertext moved to another key is refused),
 * one keys the audit chain's BLAKE2b.  A vault file that is not 0600, has the wrong
 * size, or cannot be created is an error naming the file.
 */
#ifndef KD_CORE_VAULT_H
#define KD_CORE_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define KD_VAULT_NONCE_LEN 24
#define KD_VAULT_TAG_LEN 16
#define KD_AUDIT_KEY_LEN 32

struct kd_vault;

/** Open path; when missing and create is true, make a new 0600 file atomically. */
struct kd_vault *kd_vault_open(const char *path, bool create, struct kd_error *err);
/** Wipe keys and free. NULL is allowed. */
void kd_vault_close(struct kd_vault *v);

/**
 * Seal plaintext for key_id.  *ciphertext (malloc'd, *ct_len bytes = strlen + tag)
 * and nonce are written.
 */
int kd_vault_seal(struct kd_vault *v, const char *key_id, const char *plaintext,
                  uint8_t nonce[KD_VAULT_NONCE_LEN], uint8_t **ciphertext, size_t *ct_len,
                  struct kd_error *err);

/** Open a sealed key; KD_ERR_CORRUPT when it was tampered with or belongs elsewhere. */
int kd_vault_unseal(struct kd_vault *v, const char *key_id,
                    const uint8_t nonce[KD_VAULT_NONCE_LEN], const uint8_t *ciphertext,
                    size_t ct_len, char **plaintext, struct kd_error *err);

/** The audit chain key (KD_AUDIT_KEY_LEN bytes, owned by the vault). */
const uint8_t *kd_vault_audit_key(struct kd_vault *v);

#endif
