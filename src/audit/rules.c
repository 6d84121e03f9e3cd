/*
 * rules.c — the audit rule table and the checks that need only one key.
 */
#include "audit/rules.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DAY_MS ((int64_t)86400000)

static const struct kd_audit_rule_info kd_rules[KD_RULE_COUNT] = {
#define KD_X(sym, id, name, sev, fix, threshold, text) {id, name, sev, fix, threshold, text},
    KD_AUDIT_RULES(KD_X)
#undef KD_X
};

static const char *const kd_sev_names[KD_SEV_COUNT] = {"info", "low", "medium", "high",
                                                        "critical"};

const struct kd_audit_rule_info *kd_audit_rule_info(enum kd_audit_rule r)
{
    if ((int)r < 0 || r >= KD_RULE_COUNT)
        return NULL;
    return &kd_rules[r];
}

int kd_audit_rule_find(const char *id_or_name)
{
    if (!id_or_name)
        return -1;
    for (int i = 0; i < KD_RULE_COUNT; i++)
        if (strcasecmp(kd_rules[i].id, id_or_name) == 0 ||
            strcmp(kd_rules[i].name, id_or_name) == 0)
            return i;
    return -1;
}

const char *kd_audit_severity_name(enum kd_audit_severity s)
{
    if ((int)s < 0 || s >= KD_SEV_COUNT)
        return "?";
    return kd_sev_names[s];
}

int kd_audit_severity_parse(const char *field, const char *s, enum kd_audit_severity *out,
                            struct kd_error *err)
{
    for (int i = 0; s && i < KD_SEV_COUNT; i++) {
        if (strcasecmp(s, kd_sev_names[i]) == 0) {
            *out = (enum kd_audit_severity)i;
            return 0;
        }
    }
    return kd_error_set(err, KD_ERR_INVALID, field,
                        "\"%s\" is not a severity (info, low, medium, high or critical)",
                        s ? s : "");
}

const char *kd_audit_fix_name(enum kd_audit_fix f)
{
    switch (f) {
    case KD_FIX_DISABLE: return "disable";
    case KD_FIX_SET_EXPIRY: return "set-expiry";
    case KD_FIX_ADD_RATELIMIT: return "add-ratelimit";
    case KD_FIX_DELETE: return "delete";
    case KD_FIX_NONE: break;
    }
    return "none";
}

/* "12d", "5h", "3m": coarse on purpose, a report reads better that way. */
static void fmt_span(int64_t ms, char *buf, size_t len)
{
    if (ms < 0)
        ms = 0;
    if (ms >= DAY_MS)
        snprintf(buf, len, "%lldd", (long long)(ms / DAY_MS));
    else if (ms >= 3600000)
        snprintf(buf, len, "%lldh", (long long)(ms / 3600000));
    else
        snprintf(buf, len, "%lldm", (long long)(ms / 60000));
}

static struct kd_audit_hit *hit(struct kd_audit_hit *hits, size_t *n, enum kd_audit_rule r)
{
    struct kd_audit_hit *h = &hits[(*n)++];
    h->rule = r;
    h->message[0] = '\0';
    return h;
}

/* Distinct effective permissions: grants when filled, else the direct slugs. */
static size_t permission_count(const struct kd_key *k)
{
    if (!k->grants)
        return k->permissions.len;
    size_t n = 0;
    for (size_t i = 0; i < k->n_grants; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(k->grants[i].slug, k->grants[j].slug) == 0;
        n += !seen;
    }
    return n;
}

/* The first slug with a '*', and the role it comes through (NULL: direct). */
static const char *wildcard_slug(const struct kd_key *k, const char **via)
{
    *via = NULL;
    for (size_t i = 0; i < k->n_grants; i++) {
        if (k->grants[i].slug && strchr(k->grants[i].slug, '*')) {
            *via = k->grants[i].via_role;
            return k->grants[i].slug;
        }
    }
    for (size_t i = 0; i < k->permissions.len; i++)
        if (strchr(k->permissions.items[i], '*'))
            return k->permissions.items[i];
    return NULL;
}

size_t kd_audit_check_key(const struct kd_key *k, const struct kd_audit_thresholds *t,
                          int64_t now_ms, struct kd_audit_hit *hits)
{
    size_t n = 0;
    char span[32];
    struct kd_audit_hit *h;

    if (!k->enabled) {
        /* updated_at is the best "disabled since" the model has: any later
         * edit moves it, so this can only under-report. */
        int64_t since = k->updated_at ? k->updated_at : k->created_at;
        if (t->disabled_days > 0 && since > 0 &&
            now_ms - since > (int64_t)t->disabled_days * DAY_MS) {
            fmt_span(now_ms - since, span, sizeof span);
            h = hit(hits, &n, KD_RULE_DISABLED_STALE);
            snprintf(h->message, sizeof h->message,
                     "disabled, last %s %s ago (more than %d days)",
                     k->updated_at ? "updated" : "created", span, t->disabled_days);
        }
        return n;
    }
    if (k->expires > 0 && k->expires <= now_ms) {
        fmt_span(now_ms - k->expires, span, sizeof span);
        h = hit(hits, &n, KD_RULE_EXPIRED_ENABLED);
        snprintf(h->message, sizeof h->message, "expired %s ago but still enabled", span);
        return n;
    }

    if (t->unused_days > 0) {
        int64_t limit = (int64_t)t->unused_days * DAY_MS;
        if (k->last_used_at == 0) {
            if (k->created_at > 0 && now_ms - k->created_at > limit) {
                fmt_span(now_ms - k->created_at, span, sizeof span);
                h = hit(hits, &n, KD_RULE_NEVER_USED);
                snprintf(h->message, sizeof h->message, "created %s ago and never verified",
                         span);
            }
        } else if (now_ms - k->last_used_at > limit) {
            fmt_span(now_ms - k->last_used_at, span, sizeof span);
            h = hit(hits, &n, KD_RULE_UNUSED);
            snprintf(h->message, sizeof h->message,
                     "last verified %s ago (more than %d days)", span, t->unused_days);
        }
    }
    if (k->expires == 0) {
        h = hit(hits, &n, KD_RULE_NO_EXPIRY);
        snprintf(h->message, sizeof h->message, "never expires");
    }
    bool limited_rate = false;
    for (size_t i = 0; i < k->n_ratelimits; i++)
        limited_rate = limited_rate || k->ratelimits[i].auto_apply;
    if (!limited_rate) {
        h = hit(hits, &n, KD_RULE_NO_RATELIMIT);
        snprintf(h->message, sizeof h->message,
                 k->n_ratelimits ? "has %zu rate limit(s), none applied automatically"
                                 : "has no rate limit",
                 k->n_ratelimits);
    }
    bool refill = k->credits.refill.interval != KD_REFILL_NONE;
    if (!k->credits.limited) {
        h = hit(hits, &n, KD_RULE_UNLIMITED_CREDITS);
        snprintf(h->message, sizeof h->message, "unlimited credits");
        if (refill) {
            h = hit(hits, &n, KD_RULE_REFILL_NO_CREDITS);
            snprintf(h->message, sizeof h->message,
                     "refill %s of %lld configured but credits are unlimited",
                     kd_refill_interval_name(k->credits.refill.interval),
                     (long long)k->credits.refill.amount);
        }
    } else if (!refill && t->credits_low > 0 && k->credits.remaining <= t->credits_low) {
        h = hit(hits, &n, KD_RULE_CREDITS_LOW);
        snprintf(h->message, sizeof h->message, "%lld credit(s) left (at most %d) and no refill",
                 (long long)k->credits.remaining, t->credits_low);
    }
    const char *via;
    const char *wild = wildcard_slug(k, &via);
    if (wild) {
        h = hit(hits, &n, KD_RULE_WILDCARD_PERMISSION);
        if (via)
            snprintf(h->message, sizeof h->message, "holds \"%.100s\" through role \"%.100s\"",
                     wild, via);
        else
            snprintf(h->message, sizeof h->message, "holds \"%.100s\" directly", wild);
    }
    size_t nperm = permission_count(k);
    if (t->max_permissions > 0 && nperm > (size_t)t->max_permissions) {
        h = hit(hits, &n, KD_RULE_MANY_PERMISSIONS);
        snprintf(h->message, sizeof h->message, "holds %zu permissions (more than %d)", nperm,
                 t->max_permissions);
    }
    for (size_t i = 0; i < k->roles.len; i++) {
        if (kd_strlist_contains(&t->admin_roles, k->roles.items[i])) {
            h = hit(hits, &n, KD_RULE_ADMIN_ROLE);
            snprintf(h->message, sizeof h->message, "holds the admin-like role \"%.100s\"",
                     k->roles.items[i]);
            break;
        }
    }
    if (k->recoverable) {
        h = hit(hits, &n, KD_RULE_RECOVERABLE);
        snprintf(h->message, sizeof h->message, "recoverable: the plaintext can be revealed");
    }
    return n;
}
