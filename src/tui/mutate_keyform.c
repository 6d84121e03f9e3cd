/*
 * mutate_keyform.c — reading and checking the create/edit key form: its text
 * fields parsed into a key, each field checked by validate.h's rules as it is
 * typed, and the live preview of the key's shape.
 */
#include "tui/mutate_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/validate.h"
#include "util/clock.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

/* ---- parsing the form's text fields ---- */

bool kd_keyform_parse_int(const char *s, int64_t *out)
{
    if (!*s)
        return false;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || end == s)
        return false;
    *out = v;
    return true;
}

/* "req 100/1m auto, burst 10/1s" -> rate limits.  Returns -1 with msg. */
int kd_keyform_parse_ratelimits(const char *s, struct kd_key *k, char *msg, size_t len)
{
    char *copy = kd_xstrdup(s);
    int rc = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char name[160], rate[64], flag[16] = "";
        int n = sscanf(item, " %159s %63s %15s", name, rate, flag);
        if (n < 2) {
            snprintf(msg, len, "write rate limits as NAME LIMIT/DURATION [auto], …");
            rc = -1;
            break;
        }
        char *slash = strchr(rate, '/');
        int64_t limit, dur;
        struct kd_error err;
        kd_error_clear(&err);
        if (!slash || (*slash = '\0', !kd_keyform_parse_int(rate, &limit))) {
            snprintf(msg, len, "rate limit %s: write LIMIT/DURATION, e.g. 100/1m", name);
            rc = -1;
            break;
        }
        if (kd_duration_parse(slash + 1, &dur, &err) != 0) {
            snprintf(msg, len, "rate limit %s: %s", name, err.message);
            rc = -1;
            break;
        }
        if (n == 3 && strcmp(flag, "auto") != 0) {
            snprintf(msg, len, "rate limit %s: only \"auto\" may follow the rate", name);
            rc = -1;
            break;
        }
        kd_key_add_ratelimit(k, name, limit, dur, n == 3);
    }
    free(copy);
    if (rc == 0) {
        struct kd_error err;
        kd_error_clear(&err);
        if (kd_validate_ratelimits(k->ratelimits, k->n_ratelimits, &err) != 0) {
            snprintf(msg, len, "%s", err.message);
            rc = -1;
        }
    }
    return rc;
}

/* The credits text: "" or "unlimited" is unlimited, else a whole number. */
static bool parse_remaining(const char *s, struct kd_credits *c)
{
    c->limited = false;
    c->remaining = 0;
    if (!*s || strcmp(s, "unlimited") == 0)
        return true;
    c->limited = kd_keyform_parse_int(s, &c->remaining);
    return c->limited;
}

/* Narrowed to int, a huge value stays out of range instead of wrapping into it. */
int kd_keyform_narrow(int64_t v)
{
    return (int)(v > 100000 ? 100000 : v < -1 ? -1 : v);
}

/* A refill of interval iv that passes every rule: the base a probe changes one value of. */
static struct kd_refill passing_refill(enum kd_refill_interval iv)
{
    struct kd_refill r = {.interval = iv, .amount = 1};
    if (iv == KD_REFILL_MONTHLY)
        r.refill_day = 1;
    if (iv == KD_REFILL_EVERY)
        r.every_ms = KD_REFILL_EVERY_MIN;
    return r;
}

/* The form's credits and refill -> c (values that do not parse are left 0). */
void kd_keyform_credits(const struct kd_form *f, struct kd_credits *c)
{
    memset(c, 0, sizeof *c);
    parse_remaining(kd_form_text(f, F_CREDITS), c);
    c->refill.interval = (enum kd_refill_interval)f->fields[F_REFILL].choice;
    if (c->refill.interval == KD_REFILL_NONE)
        return;
    int64_t v = 0;
    struct kd_error err;
    kd_keyform_parse_int(kd_form_text(f, F_REFILL_AMOUNT), &c->refill.amount);
    if (c->refill.interval == KD_REFILL_MONTHLY && kd_keyform_parse_int(kd_form_text(f, F_REFILL_DAY), &v))
        c->refill.refill_day = kd_keyform_narrow(v);
    if (c->refill.interval == KD_REFILL_EVERY &&
        kd_duration_parse(kd_form_text(f, F_REFILL_EVERY), &v, &err) == 0)
        c->refill.every_ms = v;
}

/*
 * One field of the credits group on its own.  The engine's rules
 * (kd_validate_credits) run on a probe holding this field's value, the other
 * fields at values known to pass: so each invalid field gets its own message,
 * and a problem in one neither hides nor is blamed on another.
 */
static int credits_field_check(const struct kd_form *f, size_t i, char *msg, size_t len)
{
    const char *s = kd_form_text(f, i);
    enum kd_refill_interval iv = (enum kd_refill_interval)f->fields[F_REFILL].choice;
    struct kd_credits probe = {.limited = true, .refill = passing_refill(KD_REFILL_NONE)};
    struct kd_error err;
    kd_error_clear(&err);
    int64_t v;
    switch (i) {
    case F_CREDITS:
        if (!parse_remaining(s, &probe)) {
            snprintf(msg, len, "a whole number, or \"unlimited\"");
            return -1;
        }
        break;
    case F_REFILL: {
        /* The cross-field rule: a refill needs limited credits.  Credits that
         * do not parse say so beside themselves, not here. */
        struct kd_credits c;
        if (!parse_remaining(kd_form_text(f, F_CREDITS), &c))
            return 0;
        probe.limited = c.limited;
        probe.refill = passing_refill(iv);
        break;
    }
    case F_REFILL_DAY:
        if (!kd_keyform_parse_int(s, &v)) {
            snprintf(msg, len, "a day of the month, 1-31");
            return -1;
        }
        probe.refill = passing_refill(KD_REFILL_MONTHLY);
        probe.refill.refill_day = kd_keyform_narrow(v);
        break;
    case F_REFILL_EVERY:
        if (kd_duration_parse(s, &v, &err) != 0) {
            snprintf(msg, len, "%.150s", err.message);
            return -1;
        }
        probe.refill = passing_refill(KD_REFILL_EVERY);
        probe.refill.every_ms = v;
        break;
    case F_REFILL_AMOUNT:
        if (!kd_keyform_parse_int(s, &v)) {
            snprintf(msg, len, "a whole number >= 1");
            return -1;
        }
        probe.refill = passing_refill(iv);
        probe.refill.amount = v;
        break;
    default: return 0;
    }
    if (kd_validate_credits(&probe, &err) != 0) {
        snprintf(msg, len, "%.150s", err.message);
        return -1;
    }
    return 0;
}

/*
 * The group as a whole, once each visible field passed on its own: a rule the
 * probes do not cover (one the engine may add) still refuses the submit, shown
 * beside the refill choice.
 */
static int credits_group_check(const struct kd_form *f, char *msg, size_t len)
{
    static const size_t group[] = {F_CREDITS, F_REFILL_DAY, F_REFILL_EVERY, F_REFILL_AMOUNT};
    char ignored[KD_FORM_MSG_MAX];
    for (size_t g = 0; g < sizeof group / sizeof group[0]; g++)
        if (!f->fields[group[g]].hidden &&
            credits_field_check(f, group[g], ignored, sizeof ignored) != 0)
            return 0;
    struct kd_credits c;
    kd_keyform_credits(f, &c);
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_validate_credits(&c, &err) != 0) {
        snprintf(msg, len, "%.150s", err.message);
        return -1;
    }
    return 0;
}

int kd_keyform_validate(void *ctx, struct kd_form *f, size_t i, char *msg, size_t len)
{
    const struct kd_mutate *m = ctx;
    const char *s = kd_form_text(f, i);
    struct kd_error err;
    kd_error_clear(&err);
    int rc = 0;
    int64_t v;
    switch (i) {
    case F_NAME: rc = *s ? kd_validate_key_name(s, &err) : 0; break;
    case F_PREFIX: rc = kd_validate_prefix(s, &err); break;
    case F_BYTES:
        if (!kd_keyform_parse_int(s, &v)) {
            snprintf(msg, len, "byte length: a number 16-255");
            return -1;
        }
        rc = kd_validate_byte_length(kd_keyform_narrow(v), &err);
        break;
    case F_EXTID: rc = *s ? kd_validate_external_id(s, &err) : 0; break;
    case F_ENV: rc = *s ? kd_validate_environment(s, &err) : 0; break;
    case F_META: rc = *s ? kd_validate_meta(s, NULL, NULL, &err) : 0; break;
    case F_EXPIRES:
        if (!*s)
            return 0;
        if (kd_time_parse(s, kd_now_ms(), &v, &err) == 0)
            /* Editing other fields of an expired key keeps its expiry as it is. */
            rc = m->kind == K_EDIT && v == m->orig.expires
                     ? 0
                     : kd_validate_expires(v, kd_now_ms(), &err);
        else
            rc = -1;
        break;
    case F_CREDITS:
    case F_REFILL_DAY:
    case F_REFILL_EVERY:
    case F_REFILL_AMOUNT: return credits_field_check(f, i, msg, len);
    case F_REFILL:
        if (credits_field_check(f, i, msg, len) != 0)
            return -1;
        return credits_group_check(f, msg, len);
    case F_RATELIMITS: {
        if (!*s)
            return 0;
        struct kd_key k;
        kd_key_init(&k);
        rc = kd_keyform_parse_ratelimits(s, &k, msg, len);
        kd_key_free(&k);
        return rc;
    }
    default: return 0;
    }
    if (rc != 0)
        snprintf(msg, len, "%s", err.message[0] ? err.message : "invalid");
    return rc;
}

void kd_keyform_changed(void *ctx, struct kd_form *f, size_t i)
{
    (void)ctx;
    (void)i;
    int iv = f->fields[F_REFILL].choice;
    f->fields[F_REFILL_DAY].hidden = iv != KD_REFILL_MONTHLY;
    f->fields[F_REFILL_EVERY].hidden = iv != KD_REFILL_EVERY;
    f->fields[F_REFILL_AMOUNT].hidden = iv == KD_REFILL_NONE;
    /* The shape of the key the prefix gives (the random part is made up). */
    const char *p = kd_form_text(f, F_PREFIX);
    snprintf(f->fields[F_PREFIX].note, KD_FORM_MSG_MAX, "key: %s%s3xYq\u2026", p, *p ? "_" : "");
    /* Expires shown back as both forms. */
    const char *e = kd_form_text(f, F_EXPIRES);
    int64_t ms;
    struct kd_error err;
    f->fields[F_EXPIRES].note[0] = '\0';
    if (*e && kd_time_parse(e, kd_now_ms(), &ms, &err) == 0) {
        char iso[40], rel[40];
        kd_time_format_iso(ms, iso, sizeof iso);
        kd_time_format_relative(ms, kd_now_ms(), rel, sizeof rel);
        snprintf(f->fields[F_EXPIRES].note, KD_FORM_MSG_MAX, "%s (%s)", iso, rel);
    } else if (!*e) {
        snprintf(f->fields[F_EXPIRES].note, KD_FORM_MSG_MAX, "never; ISO time or 30d/12h");
    }
    snprintf(f->fields[F_RATELIMITS].note, KD_FORM_MSG_MAX, "%s",
             "Enter edits rows; or NAME LIMIT/DUR [auto], …");
}

/* Rate limits -> the field's text ("req 100/1m auto, burst 10/1s"). */
void kd_keyform_ratelimits_text(const struct kd_key *k, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < k->n_ratelimits; i++) {
        char d[32];
        kd_duration_format(k->ratelimits[i].duration_ms, d, sizeof d);
        size_t u = strlen(buf);
        snprintf(buf + u, len - u, "%s%s %lld/%s%s", i ? ", " : "", k->ratelimits[i].name,
                 (long long)k->ratelimits[i].limit, d, k->ratelimits[i].auto_apply ? " auto" : "");
    }
}
