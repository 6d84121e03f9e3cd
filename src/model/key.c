#include "model/key.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void kd_key_init(struct kd_key *k)
{
    memset(k, 0, sizeof *k);
    k->enabled = true;
}

void kd_ratelimit_free(struct kd_ratelimit *rl)
{
    if (!rl)
        return;
    free(rl->id);
    free(rl->name);
    memset(rl, 0, sizeof *rl);
}

void kd_key_free(struct kd_key *k)
{
    if (!k)
        return;
    free(k->id);
    free(k->api_id);
    free(k->name);
    free(k->prefix);
    free(k->start);
    free(k->external_id);
    free(k->meta_json);
    free(k->environment);
    for (size_t i = 0; i < k->n_ratelimits; i++)
        kd_ratelimit_free(&k->ratelimits[i]);
    free(k->ratelimits);
    kd_strlist_clear(&k->roles);
    kd_strlist_clear(&k->permissions);
    for (size_t i = 0; i < k->n_grants; i++) {
        free(k->grants[i].slug);
        free(k->grants[i].via_role);
    }
    free(k->grants);
    memset(k, 0, sizeof *k);
}

void kd_key_copy(struct kd_key *dst, const struct kd_key *src)
{
    *dst = *src;
    dst->id = kd_xstrdup(src->id);
    dst->api_id = kd_xstrdup(src->api_id);
    dst->name = kd_xstrdup(src->name);
    dst->prefix = kd_xstrdup(src->prefix);
    dst->start = kd_xstrdup(src->start);
    dst->external_id = kd_xstrdup(src->external_id);
    dst->meta_json = kd_xstrdup(src->meta_json);
    dst->environment = kd_xstrdup(src->environment);
    dst->ratelimits = NULL;
    if (src->n_ratelimits) {
        dst->ratelimits = kd_xcalloc(src->n_ratelimits, sizeof *dst->ratelimits);
        for (size_t i = 0; i < src->n_ratelimits; i++) {
            dst->ratelimits[i] = src->ratelimits[i];
            dst->ratelimits[i].id = kd_xstrdup(src->ratelimits[i].id);
            dst->ratelimits[i].name = kd_xstrdup(src->ratelimits[i].name);
        }
    }
    memset(&dst->roles, 0, sizeof dst->roles);
    memset(&dst->permissions, 0, sizeof dst->permissions);
    kd_strlist_copy(&dst->roles, &src->roles);
    kd_strlist_copy(&dst->permissions, &src->permissions);
    dst->grants = NULL;
    if (src->n_grants) {
        dst->grants = kd_xcalloc(src->n_grants, sizeof *dst->grants);
        for (size_t i = 0; i < src->n_grants; i++) {
            dst->grants[i].slug = kd_xstrdup(src->grants[i].slug);
            dst->grants[i].via_role = kd_xstrdup(src->grants[i].via_role);
        }
    }
}

void kd_key_add_ratelimit(struct kd_key *k, const char *name, int64_t limit,
                          int64_t duration_ms, bool auto_apply)
{
    k->ratelimits = kd_xrealloc(k->ratelimits, (k->n_ratelimits + 1) * sizeof *k->ratelimits);
    struct kd_ratelimit *rl = &k->ratelimits[k->n_ratelimits++];
    memset(rl, 0, sizeof *rl);
    rl->name = kd_xstrdup(name);
    rl->limit = limit;
    rl->duration_ms = duration_ms;
    rl->auto_apply = auto_apply;
}

void kd_key_secret_free(struct kd_key_secret *s)
{
    if (!s)
        return;
    free(s->key_id);
    kd_secret_free(s->plaintext);
    s->key_id = NULL;
    s->plaintext = NULL;
}

enum kd_key_state kd_key_state(const struct kd_key *k, int64_t now_ms)
{
    /* The same order as verification: what a verify would answer first. */
    if (!k->enabled)
        return KD_KEY_DISABLED;
    if (k->expires && k->expires <= now_ms)
        return KD_KEY_EXPIRED;
    if (k->rate_limited_now)
        return KD_KEY_RATE_LIMITED;
    if (k->credits.limited && k->credits.remaining <= 0)
        return KD_KEY_EXHAUSTED;
    return KD_KEY_ACTIVE;
}

const char *kd_key_state_word(enum kd_key_state s)
{
    switch (s) {
    case KD_KEY_ACTIVE:
        return "active";
    case KD_KEY_DISABLED:
        return "disabled";
    case KD_KEY_EXPIRED:
        return "expired";
    case KD_KEY_EXHAUSTED:
        return "exhausted";
    case KD_KEY_RATE_LIMITED:
        return "rate-limited";
    }
    return "unknown";
}

const char *kd_refill_interval_name(enum kd_refill_interval i)
{
    switch (i) {
    case KD_REFILL_NONE:
        return "none";
    case KD_REFILL_DAILY:
        return "daily";
    case KD_REFILL_MONTHLY:
        return "monthly";
    case KD_REFILL_EVERY:
        return "every";
    }
    return "none";
}
