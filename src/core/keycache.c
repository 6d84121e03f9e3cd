#include "core/keycache.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* What an entry's strings (id, API id, name, meta...) take besides the slot. */
#define STRINGS_ESTIMATE 128

struct slot {
    uint64_t used_at; /* the cache's clock at the last use; 0: empty */
    uint64_t token;
    uint8_t digest[KD_DIGEST_LEN];
    char *strings; /* the row's strings, in one block */
    struct kd_keycache_row row;
};

/* The ways' tags side by side: a miss reads one cache line, not eight slots. */
struct set {
    uint32_t tag[KD_KEYCACHE_WAYS];
    struct slot way[KD_KEYCACHE_WAYS];
};

struct kd_keycache {
    uint64_t clock;
    size_t set_mask;
    struct set sets[]; /* set_mask + 1 */
};

/* The largest power of two of sets that fits the budget. */
static size_t n_sets(void)
{
    size_t fit = KD_KEYCACHE_BYTES / (sizeof(struct set) + KD_KEYCACHE_WAYS * STRINGS_ESTIMATE);
    size_t sets = 1;
    while (sets * 2 <= fit)
        sets *= 2;
    return sets;
}

size_t kd_keycache_capacity(void)
{
    return n_sets() * KD_KEYCACHE_WAYS;
}

/* SHA-256 output: any of its bytes are as good as a hash. */
static uint32_t bytes32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static struct set *set_for(struct kd_keycache *c, const uint8_t *digest)
{
    return &c->sets[bytes32(digest) & c->set_mask];
}

static struct slot *find_slot(struct kd_keycache *c, const uint8_t *digest)
{
    struct set *set = set_for(c, digest);
    uint32_t tag = bytes32(digest + 4);
    for (int w = 0; w < KD_KEYCACHE_WAYS; w++)
        if (set->tag[w] == tag && set->way[w].used_at &&
            memcmp(set->way[w].digest, digest, KD_DIGEST_LEN) == 0)
            return &set->way[w];
    return NULL;
}

const struct kd_keycache_row *kd_keycache_find(struct kd_store *s,
                                               const uint8_t digest[KD_DIGEST_LEN],
                                               uint64_t *token)
{
    if (!s->keycache)
        return NULL;
    struct slot *sl = find_slot(s->keycache, digest);
    if (!sl)
        return NULL;
    sl->used_at = ++s->keycache->clock;
    *token = sl->token;
    return &sl->row;
}

/* Copy key's strings into one block (one malloc and one free an entry, not
 * eight of each) and point dst's fields at it.  The row has no lists. */
static char *pack_key(struct kd_key *dst, const struct kd_key *src)
{
    *dst = *src;
    char **field[] = {&dst->id,    &dst->api_id,      &dst->name,      &dst->prefix,
                      &dst->start, &dst->external_id, &dst->meta_json, &dst->environment};
    size_t need = 1;
    for (size_t i = 0; i < sizeof field / sizeof *field; i++)
        if (*field[i])
            need += strlen(*field[i]) + 1;
    char *block = kd_xmalloc(need), *p = block;
    for (size_t i = 0; i < sizeof field / sizeof *field; i++) {
        if (!*field[i])
            continue;
        size_t n = strlen(*field[i]) + 1;
        memcpy(p, *field[i], n);
        *field[i] = p;
        p += n;
    }
    dst->ratelimits = NULL;
    dst->n_ratelimits = 0;
    memset(&dst->roles, 0, sizeof dst->roles);
    memset(&dst->permissions, 0, sizeof dst->permissions);
    dst->grants = NULL;
    dst->n_grants = 0;
    return block;
}

static void empty_slot(struct slot *sl)
{
    free(sl->strings);
    memset(sl, 0, sizeof *sl);
}

void kd_keycache_put(struct kd_store *s, const uint8_t digest[KD_DIGEST_LEN], uint64_t token,
                     const struct kd_keycache_row *row)
{
    if (!s->keycache) {
        size_t sets = n_sets();
        /* calloc: the pages of sets never used are never touched */
        s->keycache = kd_xcalloc(1, sizeof *s->keycache + sets * sizeof(struct set));
        s->keycache->set_mask = sets - 1;
    }
    struct kd_keycache *c = s->keycache;
    struct set *set = set_for(c, digest);
    struct slot *sl = find_slot(c, digest);
    if (!sl) {
        sl = &set->way[0];
        for (int w = 1; w < KD_KEYCACHE_WAYS && sl->used_at; w++)
            if (set->way[w].used_at < sl->used_at)
                sl = &set->way[w];
    }
    empty_slot(sl);
    set->tag[sl - set->way] = bytes32(digest + 4);
    sl->used_at = ++c->clock;
    memcpy(sl->digest, digest, KD_DIGEST_LEN);
    sl->token = token;
    sl->row = *row;
    sl->strings = pack_key(&sl->row.key, &row->key);
}

void kd_keycache_set_credits(struct kd_store *s, const uint8_t digest[KD_DIGEST_LEN],
                             uint64_t token, const struct kd_credits *credits)
{
    struct slot *sl = s->keycache ? find_slot(s->keycache, digest) : NULL;
    if (sl && sl->token == token) {
        sl->row.key.credits.remaining = credits->remaining;
        sl->row.key.credits.last_refill_at = credits->last_refill_at;
    }
}

void kd_keycache_forget(struct kd_store *s, const uint8_t digest[KD_DIGEST_LEN])
{
    struct slot *sl = s->keycache ? find_slot(s->keycache, digest) : NULL;
    if (sl)
        empty_slot(sl);
}

void kd_keycache_free(struct kd_store *s)
{
    if (!s || !s->keycache)
        return;
    for (size_t i = 0; i <= s->keycache->set_mask; i++)
        for (int w = 0; w < KD_KEYCACHE_WAYS; w++)
            free(s->keycache->sets[i].way[w].strings);
    free(s->keycache);
    s->keycache = NULL;
}
