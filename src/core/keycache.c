#include "core/keycache.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct slot {
    bool used;
    uint8_t digest[KD_DIGEST_LEN];
    uint64_t token;
    struct kd_keycache_row row;
};

struct kd_keycache {
    struct slot slots[KD_KEYCACHE_SLOTS];
};

static struct slot *slot_for(struct kd_store *s, const uint8_t *digest, bool create)
{
    if (!s->keycache) {
        if (!create)
            return NULL;
        s->keycache = kd_xcalloc(1, sizeof *s->keycache);
    }
    /* SHA-256 output: any two bytes are as good as a hash of it. */
    unsigned i = ((unsigned)digest[0] << 8 | digest[1]) % KD_KEYCACHE_SLOTS;
    return &s->keycache->slots[i];
}

bool kd_keycache_has(struct kd_store *s, const uint8_t digest[KD_DIGEST_LEN])
{
    const struct slot *sl = slot_for(s, digest, false);
    return sl && sl->used && memcmp(sl->digest, digest, KD_DIGEST_LEN) == 0;
}

const struct kd_keycache_row *kd_keycache_get(struct kd_store *s,
                                              const uint8_t digest[KD_DIGEST_LEN],
                                              uint64_t token)
{
    const struct slot *sl = slot_for(s, digest, false);
    if (!sl || !sl->used || sl->token != token || memcmp(sl->digest, digest, KD_DIGEST_LEN) != 0)
        return NULL;
    return &sl->row;
}

void kd_keycache_put(struct kd_store *s, const uint8_t digest[KD_DIGEST_LEN], uint64_t token,
                     const struct kd_keycache_row *row)
{
    struct slot *sl = slot_for(s, digest, true);
    if (sl->used)
        kd_key_free(&sl->row.key);
    sl->used = true;
    memcpy(sl->digest, digest, KD_DIGEST_LEN);
    sl->token = token;
    sl->row = *row;
    kd_key_copy(&sl->row.key, &row->key);
}

void kd_keycache_free(struct kd_store *s)
{
    if (!s || !s->keycache)
        return;
    for (size_t i = 0; i < KD_KEYCACHE_SLOTS; i++)
        if (s->keycache->slots[i].used)
            kd_key_free(&s->keycache->slots[i].row.key);
    free(s->keycache);
    s->keycache = NULL;
}
