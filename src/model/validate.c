#include "model/validate.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/timefmt.h"

/* User input is echoed in messages; keep it short and free of control bytes so
 * an error line never garbles a terminal or a log. */
static const char *quoted(const char *s, char *buf, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; s[i] && o + 5 < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i >= 48) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    buf[o] = '\0';
    return buf;
}

/* Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF).  Counts code
 * points into *chars so "characters" limits mean characters, not bytes. */
static bool utf8_valid(const char *str, size_t *chars)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = 0;
    while (*s) {
        unsigned c = *s;
        int extra;
        unsigned min, cp;
        if (c < 0x80) {
            s++;
            n++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            extra = 1, min = 0x80, cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            extra = 2, min = 0x800, cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            extra = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return false;
        }
        for (int i = 1; i <= extra; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        s += extra + 1;
        n++;
    }
    if (chars)
        *chars = n;
    return true;
}

static bool has_control(const char *s, bool allow_newline)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (allow_newline && (c == '\n' || c == '\t'))
            continue;
        if (c < 0x20 || c == 0x7f)
            return true;
    }
    return false;
}

/* Free text with a character range: valid UTF-8, no control characters. */
static int check_text(const char *s, const char *field, const char *what, size_t min,
                      size_t max, bool allow_newline, struct kd_error *err)
{
    char q[64];
    size_t chars;
    if (!utf8_valid(s, &chars))
        return kd_error_set(err, KD_ERR_INVALID, field, "%s is not valid UTF-8", what);
    if (has_control(s, allow_newline))
        return kd_error_set(err, KD_ERR_INVALID, field,
                            "%s \"%s\" may not contain control characters", what,
                            quoted(s, q, sizeof q));
    if (chars < min || chars > max) {
        if (min == 0)
            return kd_error_set(err, KD_ERR_INVALID, field,
                                "%s is too long (%zu characters): at most %zu", what, chars,
                                max);
        return kd_error_set(err, KD_ERR_INVALID, field,
                            "%s \"%s\" must be %zu to %zu characters long (it has %zu)", what,
                            quoted(s, q, sizeof q), min, max, chars);
    }
    return 0;
}

int kd_validate_prefix(const char *prefix, struct kd_error *err)
{
    char q[64];
    if (!prefix || !*prefix)
        return 0;
    for (const char *p = prefix; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return kd_error_set(err, KD_ERR_INVALID, "prefix",
                                "prefix \"%s\" may only contain A-Z, a-z, 0-9 and _",
                                quoted(prefix, q, sizeof q));
    }
    if (strlen(prefix) > KD_PREFIX_MAX)
        return kd_error_set(err, KD_ERR_INVALID, "prefix",
                            "prefix \"%s\" is too long: at most %d characters",
                            quoted(prefix, q, sizeof q), KD_PREFIX_MAX);
    return 0;
}

int kd_validate_byte_length(int n, struct kd_error *err)
{
    if (n < 16 || n > 255)
        return kd_error_set(err, KD_ERR_INVALID, "byteLength",
                            "byteLength %d is out of range: it must be 16 to 255", n);
    return 0;
}

int kd_validate_key_name(const char *name, struct kd_error *err)
{
    char q[64];
    if (!name)
        return 0;
    size_t len = strlen(name);
    if (len > KD_NAME_MAX)
        return kd_error_set(err, KD_ERR_INVALID, "name",
                            "name is too long (%zu bytes): at most %d", len, KD_NAME_MAX);
    if (!utf8_valid(name, NULL))
        return kd_error_set(err, KD_ERR_INVALID, "name", "name is not valid UTF-8");
    if (has_control(name, false))
        return kd_error_set(err, KD_ERR_INVALID, "name",
                            "name \"%s\" may not contain control characters",
                            quoted(name, q, sizeof q));
    return 0;
}

int kd_validate_api_name(const char *name, struct kd_error *err)
{
    if (!name || !*name)
        return kd_error_set(err, KD_ERR_INVALID, "name",
                            "name is required: an API name has %d to %d characters",
                            KD_API_NAME_MIN, KD_API_NAME_MAX);
    return check_text(name, "name", "API name", KD_API_NAME_MIN, KD_API_NAME_MAX, false, err);
}

int kd_validate_external_id(const char *id, struct kd_error *err)
{
    char q[64];
    if (!id)
        return 0; /* no owner */
    size_t len = strlen(id);
    if (len == 0 || len > KD_EXTERNAL_ID_MAX)
        return kd_error_set(err, KD_ERR_INVALID, "externalId",
                            "externalId must be 1 to %d characters long (it has %zu)",
                            KD_EXTERNAL_ID_MAX, len);
    for (const char *p = id; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return kd_error_set(err, KD_ERR_INVALID, "externalId",
                                "externalId \"%s\" may only contain A-Z, a-z, 0-9, _, . and -",
                                quoted(id, q, sizeof q));
    }
    return 0;
}

int kd_validate_environment(const char *env, struct kd_error *err)
{
    if (!env)
        return 0;
    return check_text(env, "environment", "environment", 0, KD_ENVIRONMENT_MAX, false, err);
}

int kd_validate_meta(const char *json, int *line, int *column, struct kd_error *err)
{
    if (line)
        *line = 0;
    if (column)
        *column = 0;
    if (!json)
        return 0;
    size_t len = strlen(json);
    if (len > KD_META_MAX)
        return kd_error_set(err, KD_ERR_INVALID, "meta",
                            "meta is too large (%zu bytes): at most %d", len, KD_META_MAX);
    json_error_t jerr;
    /* DECODE_ANY so a bare "text" or 42 gets the clearer "must be an object" message. */
    json_t *root = json_loads(json, JSON_DECODE_ANY, &jerr);
    if (!root) {
        /* jansson reports the column of the last character read; 0 before any. */
        int l = jerr.line > 0 ? jerr.line : 1;
        int c = jerr.column > 0 ? jerr.column : 1;
        if (line)
            *line = l;
        if (column)
            *column = c;
        return kd_error_set(err, KD_ERR_INVALID, "meta",
                            "meta is not valid JSON: line %d, column %d: %s", l, c, jerr.text);
    }
    bool object = json_is_object(root);
    const char *kind = json_is_array(root)    ? "an array"
                       : json_is_string(root) ? "a string"
                       : json_is_number(root) ? "a number"
                       : json_is_null(root)   ? "null"
                                              : "a boolean";
    json_decref(root);
    if (!object)
        return kd_error_set(err, KD_ERR_INVALID, "meta",
                            "meta must be a JSON object ({...}), but it is %s", kind);
    return 0;
}

int kd_validate_expires(int64_t expires, int64_t now_ms, struct kd_error *err)
{
    char iso[40];
    if (expires == 0)
        return 0;
    if (expires < 0)
        return kd_error_set(err, KD_ERR_INVALID, "expires",
                            "expires %lld is negative: use Unix milliseconds, or 0 for never",
                            (long long)expires);
    kd_time_format_iso(expires, iso, sizeof iso);
    if (expires > KD_EXPIRES_MAX)
        return kd_error_set(err, KD_ERR_INVALID, "expires",
                            "expires %s is too far away: at most 2100-01-01T00:00:00Z", iso);
    if (expires <= now_ms)
        return kd_error_set(err, KD_ERR_INVALID, "expires", "expires %s is in the past", iso);
    return 0;
}

int kd_validate_credits(const struct kd_credits *c, struct kd_error *err)
{
    if (!c)
        return 0;
    const struct kd_refill *r = &c->refill;
    if (r->interval != KD_REFILL_NONE && r->interval != KD_REFILL_DAILY &&
        r->interval != KD_REFILL_MONTHLY && r->interval != KD_REFILL_EVERY)
        return kd_error_set(err, KD_ERR_INVALID, "credits.refill.interval",
                            "credits.refill.interval must be daily, monthly or every");
    if (!c->limited) {
        if (r->interval != KD_REFILL_NONE)
            return kd_error_set(err, KD_ERR_INVALID, "credits.refill",
                                "credits.refill requires limited credits: set "
                                "credits.remaining too");
        return 0;
    }
    if (c->remaining < 0)
        return kd_error_set(err, KD_ERR_INVALID, "credits.remaining",
                            "credits.remaining %lld is negative: it must be 0 or more",
                            (long long)c->remaining);
    if (r->interval == KD_REFILL_NONE)
        return 0;
    if (r->amount < 1)
        return kd_error_set(err, KD_ERR_INVALID, "credits.refill.amount",
                            "credits.refill.amount %lld must be at least 1",
                            (long long)r->amount);
    if (r->interval == KD_REFILL_MONTHLY) {
        if (r->refill_day < 1 || r->refill_day > 31)
            return kd_error_set(err, KD_ERR_INVALID, "credits.refill.refillDay",
                                "credits.refill.refillDay %d is out of range: a monthly refill "
                                "needs a day from 1 to 31",
                                r->refill_day);
    } else if (r->refill_day != 0) {
        return kd_error_set(err, KD_ERR_INVALID, "credits.refill.refillDay",
                            "credits.refill.refillDay only applies to monthly refills, not %s",
                            r->interval == KD_REFILL_DAILY ? "daily" : "every");
    }
    if (r->interval == KD_REFILL_EVERY && r->every_ms < KD_REFILL_EVERY_MIN)
        return kd_error_set(err, KD_ERR_INVALID, "credits.refill.interval",
                            "credits.refill.interval of %lld ms is too short: at least %d ms",
                            (long long)r->every_ms, KD_REFILL_EVERY_MIN);
    return 0;
}

int kd_validate_ratelimits(const struct kd_ratelimit *rl, size_t n, struct kd_error *err)
{
    char field[64], q[64];
    if (n > KD_RATELIMITS_MAX)
        return kd_error_set(err, KD_ERR_INVALID, "ratelimits",
                            "too many ratelimits (%zu): at most %d per key", n,
                            KD_RATELIMITS_MAX);
    if (n > 0 && !rl)
        return kd_error_set(err, KD_ERR_INVALID, "ratelimits", "ratelimits are missing");
    for (size_t i = 0; i < n; i++) {
        snprintf(field, sizeof field, "ratelimits[%zu].name", i);
        if (!rl[i].name || !*rl[i].name)
            return kd_error_set(err, KD_ERR_INVALID, field, "%s is required", field);
        if (check_text(rl[i].name, field, field, 1, KD_RATELIMIT_NAME_MAX, false, err) != 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(rl[j].name, rl[i].name) == 0)
                return kd_error_set(err, KD_ERR_INVALID, field,
                                    "ratelimit name \"%s\" is used twice (also ratelimits[%zu]); "
                                    "names must be unique within a key",
                                    quoted(rl[i].name, q, sizeof q), j);
        snprintf(field, sizeof field, "ratelimits[%zu].limit", i);
        if (rl[i].limit < 1)
            return kd_error_set(err, KD_ERR_INVALID, field, "%s %lld must be at least 1", field,
                                (long long)rl[i].limit);
        snprintf(field, sizeof field, "ratelimits[%zu].duration", i);
        if (rl[i].duration_ms < KD_RATELIMIT_DURATION_MIN ||
            rl[i].duration_ms > KD_RATELIMIT_DURATION_MAX)
            return kd_error_set(err, KD_ERR_INVALID, field,
                                "%s %lld ms is out of range: it must be %d to %lld ms "
                                "(1 second to 30 days)",
                                field, (long long)rl[i].duration_ms, KD_RATELIMIT_DURATION_MIN,
                                KD_RATELIMIT_DURATION_MAX);
    }
    return 0;
}

int kd_validate_slug(const char *slug, struct kd_error *err)
{
    char q[64];
    if (!slug || !*slug)
        return kd_error_set(err, KD_ERR_INVALID, "slug",
                            "slug is required: 1 to %d of A-Z, a-z, 0-9, _, :, ., * and -",
                            KD_SLUG_MAX);
    for (const char *p = slug; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == ':' || c == '.' || c == '*' || c == '-'))
            return kd_error_set(err, KD_ERR_INVALID, "slug",
                                "slug \"%s\" may only contain A-Z, a-z, 0-9, _, :, ., * and -",
                                quoted(slug, q, sizeof q));
    }
    size_t len = strlen(slug);
    if (len > KD_SLUG_MAX)
        return kd_error_set(err, KD_ERR_INVALID, "slug",
                            "slug \"%s\" is too long (%zu characters): at most %d",
                            quoted(slug, q, sizeof q), len, KD_SLUG_MAX);
    return 0;
}

int kd_validate_role_name(const char *name, struct kd_error *err)
{
    if (!name || !*name)
        return kd_error_set(err, KD_ERR_INVALID, "name",
                            "role name is required: 1 to %d printable characters",
                            KD_ROLE_NAME_MAX);
    return check_text(name, "name", "role name", 1, KD_ROLE_NAME_MAX, false, err);
}

int kd_validate_description(const char *d, struct kd_error *err)
{
    if (!d)
        return 0;
    return check_text(d, "description", "description", 0, KD_DESCRIPTION_MAX, true, err);
}

/* Re-point an element validator's error at its place in a list ("roles[3]"). */
static int list_error(struct kd_error *err, const char *list, size_t i)
{
    if (err)
        snprintf(err->field, sizeof err->field, "%s[%zu]", list, i);
    return -1;
}

static int validate_roles(const struct kd_strlist *roles, struct kd_error *err)
{
    if (roles->len > KD_ROLES_MAX)
        return kd_error_set(err, KD_ERR_INVALID, "roles", "too many roles (%zu): at most %d",
                            roles->len, KD_ROLES_MAX);
    for (size_t i = 0; i < roles->len; i++)
        if (kd_validate_role_name(roles->items[i], err) != 0)
            return list_error(err, "roles", i);
    return 0;
}

static int validate_permissions(const struct kd_strlist *perms, struct kd_error *err)
{
    if (perms->len > KD_PERMISSIONS_MAX)
        return kd_error_set(err, KD_ERR_INVALID, "permissions",
                            "too many permissions (%zu): at most %d", perms->len,
                            KD_PERMISSIONS_MAX);
    for (size_t i = 0; i < perms->len; i++)
        if (kd_validate_slug(perms->items[i], err) != 0)
            return list_error(err, "permissions", i);
    return 0;
}

int kd_validate_key_spec(const struct kd_key *k, int64_t now_ms, struct kd_error *err)
{
    if (kd_validate_prefix(k->prefix, err) != 0)
        return -1;
    /* 0 means "the API's default", filled in by the engine. */
    if (k->byte_length != 0 && kd_validate_byte_length(k->byte_length, err) != 0)
        return -1;
    if (kd_validate_key_name(k->name, err) != 0 || kd_validate_external_id(k->external_id, err) != 0 ||
        kd_validate_meta(k->meta_json, NULL, NULL, err) != 0 ||
        kd_validate_environment(k->environment, err) != 0 ||
        kd_validate_expires(k->expires, now_ms, err) != 0 ||
        kd_validate_credits(&k->credits, err) != 0 ||
        kd_validate_ratelimits(k->ratelimits, k->n_ratelimits, err) != 0 ||
        validate_roles(&k->roles, err) != 0 || validate_permissions(&k->permissions, err) != 0)
        return -1;
    return 0;
}

int kd_validate_key_update(const struct kd_key_update *u, int64_t now_ms, struct kd_error *err)
{
    const struct kd_key *k = &u->values;
    unsigned f = u->fields;
    if ((f & KD_KF_NAME) && kd_validate_key_name(k->name, err) != 0)
        return -1;
    if ((f & KD_KF_EXTERNAL_ID) && kd_validate_external_id(k->external_id, err) != 0)
        return -1;
    if ((f & KD_KF_META) && kd_validate_meta(k->meta_json, NULL, NULL, err) != 0)
        return -1;
    if ((f & KD_KF_ENVIRONMENT) && kd_validate_environment(k->environment, err) != 0)
        return -1;
    if ((f & KD_KF_EXPIRES) && kd_validate_expires(k->expires, now_ms, err) != 0)
        return -1;
    if ((f & KD_KF_CREDITS) && kd_validate_credits(&k->credits, err) != 0)
        return -1;
    if ((f & KD_KF_RATELIMITS) &&
        kd_validate_ratelimits(k->ratelimits, k->n_ratelimits, err) != 0)
        return -1;
    if ((f & KD_KF_ROLES) && validate_roles(&k->roles, err) != 0)
        return -1;
    if ((f & KD_KF_PERMISSIONS) && validate_permissions(&k->permissions, err) != 0)
        return -1;
    return 0;
}
