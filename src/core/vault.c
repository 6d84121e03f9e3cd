/*
 * vault.c — the master key file and the two subkeys derived from it.
 *
 * The master key lives only long enough to derive the subkeys; the subkeys
 * live in sodium_malloc'd memory (guard pages, locked, wiped on free).
 */
#include "core/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"

#define KD_VAULT_MASTER_LEN 32
#define KD_VAULT_KDF_CONTEXT "keydeck1" /* exactly crypto_kdf_CONTEXTBYTES */
#define KD_VAULT_SUBKEY_SEAL 1
#define KD_VAULT_SUBKEY_AUDIT 2

struct kd_vault {
    uint8_t *seal_key;  /* sodium_malloc'd, crypto_aead_xchacha20poly1305_ietf_KEYBYTES */
    uint8_t *audit_key; /* sodium_malloc'd, KD_AUDIT_KEY_LEN */
};

static int sodium_ready(struct kd_error *err)
{
    if (sodium_init() < 0)
        return kd_error_set(err, KD_ERR_INTERNAL, NULL, "libsodium failed to initialise");
    return 0;
}

/* Write all of buf, retrying short writes and EINTR. */
static int write_all(int fd, const uint8_t *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* fsync the directory holding path, so the new name survives a crash. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? kd_xstrndup(path, slash == path ? 1 : (size_t)(slash - path))
                      : kd_xstrdup(".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd); /* best effort: some file systems refuse fsync on dirs */
        close(dfd);
    }
    free(dir);
}

/*
 * Create the vault file: write a temp file made 0600 from the start, fsync,
 * then link it into place.  link() fails with EEXIST when another process won
 * the race, and then we use its vault rather than overwrite a key in use.
 * Returns 0 when the path exists afterwards (ours or the winner's).
 */
static int vault_create(const char *path, struct kd_error *err)
{
    uint8_t rnd[8];
    randombytes_buf(rnd, sizeof rnd);
    char *tmp = kd_xasprintf("%s.tmp.%ld.%02x%02x%02x%02x%02x%02x%02x%02x", path, (long)getpid(),
                             rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return kd_error_set(err, KD_ERR_IO, "vault", "cannot create vault file %s: %s", path,
                            strerror(e));
    }
    uint8_t *master = sodium_malloc(KD_VAULT_MASTER_LEN);
    if (!master) {
        close(fd);
        unlink(tmp);
        free(tmp);
        return kd_error_set(err, KD_ERR_INTERNAL, "vault", "cannot allocate secure memory");
    }
    randombytes_buf(master, KD_VAULT_MASTER_LEN);
    int ok = fchmod(fd, 0600) == 0 && write_all(fd, master, KD_VAULT_MASTER_LEN) == 0 &&
             fsync(fd) == 0;
    int e = errno;
    sodium_free(master);
    if (close(fd) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (ok) {
        if (link(tmp, path) != 0) {
            if (errno == EEXIST) {
                ok = 1; /* another process made it first; use theirs */
            } else if (rename(tmp, path) != 0) {
                /* file systems without hard links: fall back to rename */
                ok = 0;
                e = errno;
            }
        }
    }
    unlink(tmp); /* no-op after a successful rename */
    free(tmp);
    if (!ok)
        return kd_error_set(err, KD_ERR_IO, "vault", "cannot create vault file %s: %s", path,
                            strerror(e));
    sync_parent_dir(path);
    return 0;
}

/* Read the master key from an open vault file after checking mode and size. */
static int vault_read(const char *path, int fd, uint8_t *master, struct kd_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return kd_error_set(err, KD_ERR_IO, "vault", "cannot stat vault file %s: %s", path,
                            strerror(errno));
    if (!S_ISREG(st.st_mode))
        return kd_error_set(err, KD_ERR_INVALID, "vault", "vault file %s is not a regular file",
                            path);
    if (st.st_mode & 077)
        return kd_error_set(err, KD_ERR_FORBIDDEN, "vault",
                            "vault file %s is accessible by group or others (mode %04o); "
                            "run chmod 600 %s",
                            path, (unsigned)(st.st_mode & 07777), path);
    if (st.st_size != KD_VAULT_MASTER_LEN)
        return kd_error_set(err, KD_ERR_CORRUPT, "vault",
                            "vault file %s is %lld bytes, expected %d: it is corrupt", path,
                            (long long)st.st_size, KD_VAULT_MASTER_LEN);
    size_t got = 0;
    while (got < KD_VAULT_MASTER_LEN) {
        ssize_t r = read(fd, master + got, KD_VAULT_MASTER_LEN - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return kd_error_set(err, KD_ERR_IO, "vault", "cannot read vault file %s: %s", path,
                                strerror(errno));
        if (r == 0)
            return kd_error_set(err, KD_ERR_CORRUPT, "vault",
                                "vault file %s is shorter than %d bytes: it is corrupt", path,
                                KD_VAULT_MASTER_LEN);
        got += (size_t)r;
    }
    return 0;
}

struct kd_vault *kd_vault_open(const char *path, bool create, struct kd_error *err)
{
    if (sodium_ready(err) < 0)
        return NULL;
    if (!path || !*path) {
        kd_error_set(err, KD_ERR_INVALID, "vault", "vault path must not be empty");
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT && create) {
        if (vault_create(path, err) < 0)
            return NULL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    }
    if (fd < 0) {
        kd_error_set(err, errno == ENOENT ? KD_ERR_NOT_FOUND : KD_ERR_IO, "vault",
                     "cannot open vault file %s: %s", path, strerror(errno));
        return NULL;
    }

    struct kd_vault *v = kd_xcalloc(1, sizeof *v);
    uint8_t *master = sodium_malloc(KD_VAULT_MASTER_LEN);
    v->seal_key = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
    v->audit_key = sodium_malloc(KD_AUDIT_KEY_LEN);
    if (!master || !v->seal_key || !v->audit_key) {
        kd_error_set(err, KD_ERR_INTERNAL, "vault", "cannot allocate secure memory");
        goto fail;
    }
    if (vault_read(path, fd, master, err) < 0)
        goto fail;
    crypto_kdf_derive_from_key(v->seal_key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
                               KD_VAULT_SUBKEY_SEAL, KD_VAULT_KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(v->audit_key, KD_AUDIT_KEY_LEN, KD_VAULT_SUBKEY_AUDIT,
                               KD_VAULT_KDF_CONTEXT, master);
    sodium_free(master);
    close(fd);
    return v;
fail:
    if (master)
        sodium_free(master);
    close(fd);
    kd_vault_close(v);
    return NULL;
}

void kd_vault_close(struct kd_vault *v)
{
    if (!v)
        return;
    if (v->seal_key)
        sodium_free(v->seal_key); /* sodium_free wipes before unmapping */
    if (v->audit_key)
        sodium_free(v->audit_key);
    free(v);
}

int kd_vault_seal(struct kd_vault *v, const char *key_id, const char *plaintext,
                  uint8_t nonce[KD_VAULT_NONCE_LEN], uint8_t **ciphertext, size_t *ct_len,
                  struct kd_error *err)
{
    *ciphertext = NULL;
    *ct_len = 0;
    if (!v || !key_id || !plaintext)
        return kd_error_set(err, KD_ERR_INTERNAL, NULL, "sealing needs a vault, key id and key");
    size_t plen = strlen(plaintext);
    uint8_t *ct = kd_xmalloc(plen + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    unsigned long long clen = 0;
    randombytes_buf(nonce, KD_VAULT_NONCE_LEN);
    crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &clen, (const unsigned char *)plaintext, plen,
                                               (const unsigned char *)key_id, strlen(key_id),
                                               NULL, nonce, v->seal_key);
    *ciphertext = ct;
    *ct_len = (size_t)clen;
    return 0;
}

int kd_vault_unseal(struct kd_vault *v, const char *key_id,
                    const uint8_t nonce[KD_VAULT_NONCE_LEN], const uint8_t *ciphertext,
                    size_t ct_len, char **plaintext, struct kd_error *err)
{
    *plaintext = NULL;
    if (!v || !key_id)
        return kd_error_set(err, KD_ERR_INTERNAL, NULL, "unsealing needs a vault and a key id");
    if (!nonce || !ciphertext || ct_len < crypto_aead_xchacha20poly1305_ietf_ABYTES)
        return kd_error_set(err, KD_ERR_CORRUPT, NULL,
                            "sealed key for %s is truncated: the keystore was altered", key_id);
    size_t cap = ct_len - crypto_aead_xchacha20poly1305_ietf_ABYTES;
    char *out = kd_xmalloc(cap + 1);
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            (unsigned char *)out, &mlen, NULL, ciphertext, ct_len,
            (const unsigned char *)key_id, strlen(key_id), nonce, v->seal_key) != 0) {
        sodium_memzero(out, cap + 1);
        free(out);
        return kd_error_set(err, KD_ERR_CORRUPT, NULL,
                            "sealed key for %s failed authentication: the keystore or vault "
                            "was altered",
                            key_id);
    }
    out[mlen] = '\0';
    if (memchr(out, '\0', (size_t)mlen)) {
        /* authentic but not a C string: never sealed by us */
        sodium_memzero(out, cap + 1);
        free(out);
        return kd_error_set(err, KD_ERR_CORRUPT, NULL,
                            "sealed key for %s holds a NUL byte: the keystore was altered",
                            key_id);
    }
    *plaintext = out;
    return 0;
}

const uint8_t *kd_vault_audit_key(struct kd_vault *v)
{
    return v ? v->audit_key : NULL;
}
