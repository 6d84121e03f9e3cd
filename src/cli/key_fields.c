#include "cli/key_fields.h"

#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

const char kd_key_fields_help[] =
    "field options:\n"
    "  --name N               display name\n"
    "  --prefix P             1-16 of A-Z, a-z, 0-9, _ (the key is P_random)\n"
    "  --byte-length N        16-255 random bytes (default: the API's)\n"
    "  --owner EXTID          the external id that owns the key\n"
    "  --meta JSON            a JSON object\n"
    "  --env E                environment label (live, test, ...)\n"
    "  --roles a,b            existing roles\n"
    "  --perms x,y            existing permission slugs\n"
    "  --expires TIME         ISO-8601 UTC, Unix ms, or from now: 30d, 12h\n"
    "  --credits N|unlimited  remaining uses\n"
    "  --refill daily:AMOUNT | monthly:DAY:AMOUNT | every:DURATION:AMOUNT\n"
    "                         refilling sets the credits to AMOUNT\n"
    "  --ratelimit NAME:LIMIT:DURATION[:auto]   repeatable; auto applies it always\n"
    "  --disabled             create it disabled\n"
    "  --recoverable          keep the plaintext sealed so it can be revealed\n";

void kd_key_fields_init(struct kd_key_fields *f)
{
    memset(f, 0, sizeof *f);
    kd_key_init(&f->key);
}

void kd_key_fields_free(struct kd_key_fields *f)
{
    kd_key_free(&f->key);
    memset(f, 0, sizeof *f);
}

/* Replace a string member (options may repeat: the last one wins). */
static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = kd_xstrdup(v);
}

/* Re-file a parser's error under the option's name. */
static int fail_as(struct kd_error *err, const char *opt, const struct kd_error *inner)
{
    return kd_error_set(err, KD_ERR_INVALID, opt, "%s", inner->message);
}

static int parse_refill(const char *opt, const char *v, struct kd_refill *r, bool update,
                        struct kd_error *err)
{
    struct kd_error e;
    kd_error_clear(&e);
    memset(r, 0, sizeof *r);
    if (strcmp(v, "none") == 0) {
        if (!update)
            return kd_error_set(err, KD_ERR_INVALID, opt, "'none' is only for keys update");
        return 0;
    }
    char *copy = kd_xstrdup(v);
    char *parts[4] = {0};
    int n = 0;
    for (char *s = copy, *tok; n < 4 && (tok = strsep(&s, ":")) != NULL;)
        parts[n++] = tok;
    int rc = 0;
    if (strcmp(parts[0], "daily") == 0 && n == 2) {
        r->interval = KD_REFILL_DAILY;
        rc = kd_parse_int(opt, parts[1], 1, INT64_MAX, &r->amount, err);
    } else if (strcmp(parts[0], "monthly") == 0 && n == 3) {
        int64_t day = 0;
        r->interval = KD_REFILL_MONTHLY;
        rc = kd_parse_int(opt, parts[1], 1, 31, &day, err);
        r->refill_day = (int)day;
        if (rc == 0)
            rc = kd_parse_int(opt, parts[2], 1, INT64_MAX, &r->amount, err);
    } else if (strcmp(parts[0], "every") == 0 && n == 3) {
        r->interval = KD_REFILL_EVERY;
        if (kd_duration_parse(parts[1], &r->every_ms, &e) < 0)
            rc = fail_as(err, opt, &e);
        if (rc == 0)
            rc = kd_parse_int(opt, parts[2], 1, INT64_MAX, &r->amount, err);
    } else {
        rc = kd_error_set(err, KD_ERR_INVALID, opt,
                          "'%s' is not daily:AMOUNT, monthly:DAY:AMOUNT or "
                          "every:DURATION:AMOUNT", v);
    }
    free(copy);
    return rc;
}

static int parse_ratelimit(const char *opt, const char *v, struct kd_key *k,
                           struct kd_error *err)
{
    char *copy = kd_xstrdup(v);
    char *parts[5] = {0};
    int n = 0;
    for (char *s = copy, *tok; n < 5 && (tok = strsep(&s, ":")) != NULL;)
        parts[n++] = tok;
    int64_t limit = 0, duration = 0;
    bool autoapply = false;
    struct kd_error e;
    kd_error_clear(&e);
    int rc = 0;
    if (n < 3 || n > 4 || !*parts[0] || (n == 4 && strcmp(parts[3], "auto") != 0))
        rc = kd_error_set(err, KD_ERR_INVALID, opt, "'%s' is not NAME:LIMIT:DURATION[:auto]", v);
    if (rc == 0)
        rc = kd_parse_int(opt, parts[1], 1, INT64_MAX, &limit, err);
    if (rc == 0 && kd_duration_parse(parts[2], &duration, &e) < 0)
        rc = fail_as(err, opt, &e);
    autoapply = n == 4;
    if (rc == 0)
        kd_key_add_ratelimit(k, parts[0], limit, duration, autoapply);
    free(copy);
    return rc;
}

static int refuse_on_update(struct kd_argp *p, struct kd_error *err)
{
    return kd_error_set(err, KD_ERR_INVALID, p->opt, "%s cannot be changed after creation",
                        p->opt);
}

int kd_key_fields_option(struct kd_argp *p, struct kd_key_fields *f, bool update,
                         struct kd_error *err)
{
    const char *o = p->opt;
    struct kd_key *k = &f->key;
    const char *v = NULL;
    struct kd_error e;
    kd_error_clear(&e);

    /* Flags first. */
    if (strcmp(o, "--disabled") == 0 || (update && strcmp(o, "--disable") == 0) ||
        (update && strcmp(o, "--enable") == 0)) {
        if (kd_argp_flag(p, err) < 0)
            return -1;
        k->enabled = strcmp(o, "--enable") == 0;
        f->fields |= KD_KF_ENABLED;
        return 1;
    }
    if (strcmp(o, "--recoverable") == 0) {
        if (update)
            return refuse_on_update(p, err);
        if (kd_argp_flag(p, err) < 0)
            return -1;
        k->recoverable = true;
        return 1;
    }
    if (update && strcmp(o, "--no-ratelimits") == 0) {
        if (kd_argp_flag(p, err) < 0)
            return -1;
        for (size_t i = 0; i < k->n_ratelimits; i++)
            kd_ratelimit_free(&k->ratelimits[i]);
        k->n_ratelimits = 0;
        f->fields |= KD_KF_RATELIMITS;
        return 1;
    }

    static const char *const valued[] = {"--name", "--prefix", "--byte-length", "--owner",
                                         "--meta", "--env", "--roles", "--perms", "--expires",
                                         "--credits", "--refill", "--ratelimit", NULL};
    size_t which = 0;
    while (valued[which] && strcmp(valued[which], o) != 0)
        which++;
    if (!valued[which])
        return 0;
    if (update && (strcmp(o, "--prefix") == 0 || strcmp(o, "--byte-length") == 0))
        return refuse_on_update(p, err);
    if (kd_argp_value(p, &v, err) < 0)
        return -1;

    if (strcmp(o, "--name") == 0) {
        set_str(&k->name, v);
        f->fields |= KD_KF_NAME;
    } else if (strcmp(o, "--prefix") == 0) {
        set_str(&k->prefix, v);
    } else if (strcmp(o, "--byte-length") == 0) {
        int64_t n;
        if (kd_parse_int(o, v, 0, 100000, &n, err) < 0)
            return -1;
        k->byte_length = (int)n;
    } else if (strcmp(o, "--owner") == 0) {
        set_str(&k->external_id, *v ? v : NULL);
        f->fields |= KD_KF_EXTERNAL_ID;
    } else if (strcmp(o, "--meta") == 0) {
        set_str(&k->meta_json, *v ? v : NULL);
        f->fields |= KD_KF_META;
    } else if (strcmp(o, "--env") == 0) {
        set_str(&k->environment, *v ? v : NULL);
        f->fields |= KD_KF_ENVIRONMENT;
    } else if (strcmp(o, "--roles") == 0) {
        kd_strlist_clear(&k->roles);
        kd_strlist_split(&k->roles, v);
        f->fields |= KD_KF_ROLES;
    } else if (strcmp(o, "--perms") == 0) {
        kd_strlist_clear(&k->permissions);
        kd_strlist_split(&k->permissions, v);
        f->fields |= KD_KF_PERMISSIONS;
    } else if (strcmp(o, "--expires") == 0) {
        if (update && strcmp(v, "never") == 0) {
            k->expires = 0;
        } else if (kd_time_parse(v, kd_now_ms(), &k->expires, &e) < 0) {
            return fail_as(err, o, &e);
        }
        f->fields |= KD_KF_EXPIRES;
    } else if (strcmp(o, "--credits") == 0) {
        if (strcmp(v, "unlimited") == 0) {
            k->credits.limited = false;
            k->credits.remaining = 0;
            memset(&k->credits.refill, 0, sizeof k->credits.refill);
        } else {
            if (kd_parse_int(o, v, 0, INT64_MAX, &k->credits.remaining, err) < 0)
                return -1;
            k->credits.limited = true;
        }
        f->credits_given = true;
        f->fields |= KD_KF_CREDITS;
    } else if (strcmp(o, "--refill") == 0) {
        if (parse_refill(o, v, &k->credits.refill, update, err) < 0)
            return -1;
        f->refill_given = true;
        f->fields |= KD_KF_CREDITS;
    } else if (strcmp(o, "--ratelimit") == 0) {
        if (parse_ratelimit(o, v, k, err) < 0)
            return -1;
        f->fields |= KD_KF_RATELIMITS;
    }
    return 1;
}

void kd_key_fields_finish_create(struct kd_key_fields *f)
{
    struct kd_credits *c = &f->key.credits;
    if (f->refill_given && !f->credits_given && c->refill.interval != KD_REFILL_NONE) {
        c->limited = true;
        c->remaining = c->refill.amount;
    }
}

void kd_key_fields_merge_credits(struct kd_key_fields *f, const struct kd_credits *current)
{
    struct kd_credits *c = &f->key.credits;
    if (!(f->fields & KD_KF_CREDITS))
        return;
    struct kd_refill refill = c->refill;
    if (!f->credits_given) {
        /* Only --refill: keep the remaining credits (a refill on an unlimited key
         * starts it full). */
        bool was_limited = current->limited;
        *c = *current;
        c->refill = refill;
        if (!was_limited && refill.interval != KD_REFILL_NONE) {
            c->limited = true;
            c->remaining = refill.amount;
        }
    } else if (!f->refill_given && c->limited) {
        /* Only --credits N: keep the schedule. */
        c->refill = current->refill;
        c->last_refill_at = current->last_refill_at;
    }
}
