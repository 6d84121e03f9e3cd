#include "cli/output.h"

#include <stdlib.h>
#include <string.h>

#include "util/timefmt.h"
#include "util/xalloc.h"

/* ---- text tables ---- */

struct kd_table {
    size_t ncols;
    char **cells; /* rows * ncols, row 0 = headers */
    size_t nrows; /* including the header row */
    size_t cap;
};

static void table_push_row(struct kd_table *t, const char *const *cells)
{
    t->cells = kd_xgrow(t->cells, &t->cap, (t->nrows + 1) * t->ncols, sizeof *t->cells);
    for (size_t i = 0; i < t->ncols; i++) {
        const char *c = cells[i];
        t->cells[t->nrows * t->ncols + i] = kd_xstrdup(c && *c ? c : "-");
    }
    t->nrows++;
}

struct kd_table *kd_table_new(size_t ncols, const char *const *headers)
{
    struct kd_table *t = kd_xcalloc(1, sizeof *t);
    t->ncols = ncols;
    table_push_row(t, headers);
    return t;
}

void kd_table_add(struct kd_table *t, const char *const *cells)
{
    table_push_row(t, cells);
}

size_t kd_table_rows(const struct kd_table *t)
{
    return t->nrows - 1;
}

/* Characters, not bytes: names may be UTF-8. */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

void kd_table_print(const struct kd_table *t, FILE *f)
{
    size_t *width = kd_xcalloc(t->ncols, sizeof *width);
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t w = text_width(t->cells[r * t->ncols + c]);
            if (w > width[c])
                width[c] = w;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            fputs(cell, f);
            if (c + 1 < t->ncols)
                for (size_t pad = text_width(cell); pad < width[c] + 2; pad++)
                    fputc(' ', f);
        }
        fputc('\n', f);
    }
    free(width);
}

void kd_table_free(struct kd_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}

/* ---- formatters ---- */

void kd_fmt_credits(const struct kd_credits *c, char *buf, size_t len)
{
    if (!c->limited) {
        snprintf(buf, len, "unlimited");
        return;
    }
    const struct kd_refill *r = &c->refill;
    char every[32];
    switch (r->interval) {
    case KD_REFILL_NONE:
        snprintf(buf, len, "%lld", (long long)c->remaining);
        break;
    case KD_REFILL_DAILY:
        snprintf(buf, len, "%lld/%lld daily", (long long)c->remaining, (long long)r->amount);
        break;
    case KD_REFILL_MONTHLY:
        snprintf(buf, len, "%lld/%lld monthly(%d)", (long long)c->remaining,
                 (long long)r->amount, r->refill_day);
        break;
    case KD_REFILL_EVERY:
        kd_duration_format(r->every_ms, every, sizeof every);
        snprintf(buf, len, "%lld/%lld every %s", (long long)c->remaining, (long long)r->amount,
                 every);
        break;
    }
}

void kd_fmt_when(int64_t ms, int64_t now_ms, const char *zero_word, char *buf, size_t len)
{
    if (ms == 0)
        snprintf(buf, len, "%s", zero_word);
    else
        kd_time_format_relative(ms, now_ms, buf, len);
}

void kd_fmt_ratelimit(const struct kd_ratelimit *rl, char *buf, size_t len)
{
    char d[32];
    kd_duration_format(rl->duration_ms, d, sizeof d);
    snprintf(buf, len, "%s %lld/%s%s", rl->name ? rl->name : "?", (long long)rl->limit, d,
             rl->auto_apply ? " auto" : "");
}

/* ---- JSON ---- */

json_t *kd_json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *kd_json_time(int64_t ms)
{
    return ms ? json_integer(ms) : json_null();
}

static json_t *json_strlist(const struct kd_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->len; i++)
        json_array_append_new(a, json_string(l->items[i]));
    return a;
}

/* Meta is stored as text; show it as the object it is. */
static json_t *json_meta(const char *meta)
{
    if (!meta)
        return json_null();
    json_t *v = json_loads(meta, JSON_DECODE_ANY, NULL);
    return v ? v : json_string(meta);
}

json_t *kd_json_api(const struct kd_api *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "apiId", kd_json_str(a->id));
    json_object_set_new(o, "name", kd_json_str(a->name));
    json_object_set_new(o, "prefix", kd_json_str(a->default_prefix));
    json_object_set_new(o, "byteLength", json_integer(a->default_byte_length));
    json_object_set_new(o, "keyCount", a->key_count >= 0 ? json_integer(a->key_count) : json_null());
    json_object_set_new(o, "createdAt", kd_json_time(a->created_at));
    return o;
}

json_t *kd_json_credits(const struct kd_credits *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "remaining", c->limited ? json_integer(c->remaining) : json_null());
    if (c->refill.interval == KD_REFILL_NONE) {
        json_object_set_new(o, "refill", json_null());
    } else {
        json_t *r = json_object();
        json_object_set_new(r, "interval", json_string(kd_refill_interval_name(c->refill.interval)));
        json_object_set_new(r, "amount", json_integer(c->refill.amount));
        json_object_set_new(r, "refillDay", c->refill.interval == KD_REFILL_MONTHLY
                                                ? json_integer(c->refill.refill_day)
                                                : json_null());
        json_object_set_new(r, "everyMs", c->refill.interval == KD_REFILL_EVERY
                                              ? json_integer(c->refill.every_ms)
                                              : json_null());
        json_object_set_new(o, "refill", r);
    }
    json_object_set_new(o, "lastRefillAt", kd_json_time(c->last_refill_at));
    return o;
}

static json_t *json_ratelimit(const struct kd_ratelimit *rl)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", kd_json_str(rl->id));
    json_object_set_new(o, "name", kd_json_str(rl->name));
    json_object_set_new(o, "limit", json_integer(rl->limit));
    json_object_set_new(o, "duration", json_integer(rl->duration_ms));
    json_object_set_new(o, "autoApply", json_boolean(rl->auto_apply));
    return o;
}

json_t *kd_json_key(const struct kd_key *k, int64_t now_ms)
{
    json_t *o = json_object();
    json_object_set_new(o, "keyId", kd_json_str(k->id));
    json_object_set_new(o, "apiId", kd_json_str(k->api_id));
    json_object_set_new(o, "name", kd_json_str(k->name));
    json_object_set_new(o, "start", kd_json_str(k->start));
    json_object_set_new(o, "prefix", kd_json_str(k->prefix));
    json_object_set_new(o, "byteLength", json_integer(k->byte_length));
    json_object_set_new(o, "externalId", kd_json_str(k->external_id));
    json_object_set_new(o, "meta", json_meta(k->meta_json));
    json_object_set_new(o, "environment", kd_json_str(k->environment));
    json_object_set_new(o, "enabled", json_boolean(k->enabled));
    json_object_set_new(o, "recoverable", json_boolean(k->recoverable));
    json_object_set_new(o, "expires", kd_json_time(k->expires));
    json_object_set_new(o, "credits", kd_json_credits(&k->credits));
    json_t *rls = json_array();
    for (size_t i = 0; i < k->n_ratelimits; i++)
        json_array_append_new(rls, json_ratelimit(&k->ratelimits[i]));
    json_object_set_new(o, "ratelimits", rls);
    json_object_set_new(o, "roles", json_strlist(&k->roles));
    json_object_set_new(o, "permissions", json_strlist(&k->permissions));
    if (k->n_grants) {
        json_t *g = json_array();
        for (size_t i = 0; i < k->n_grants; i++) {
            json_t *e = json_object();
            json_object_set_new(e, "permission", kd_json_str(k->grants[i].slug));
            json_object_set_new(e, "viaRole", kd_json_str(k->grants[i].via_role));
            json_array_append_new(g, e);
        }
        json_object_set_new(o, "grants", g);
    }
    json_object_set_new(o, "requestCount", json_integer(k->request_count));
    json_object_set_new(o, "lastUsedAt", kd_json_time(k->last_used_at));
    json_object_set_new(o, "createdAt", kd_json_time(k->created_at));
    json_object_set_new(o, "updatedAt", kd_json_time(k->updated_at));
    json_object_set_new(o, "state", json_string(kd_key_state_word(kd_key_state(k, now_ms))));
    return o;
}

json_t *kd_json_role(const struct kd_role *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "roleId", kd_json_str(r->id));
    json_object_set_new(o, "name", kd_json_str(r->name));
    json_object_set_new(o, "description", kd_json_str(r->description));
    json_object_set_new(o, "permissions", json_strlist(&r->permissions));
    json_object_set_new(o, "keyCount", r->key_count >= 0 ? json_integer(r->key_count) : json_null());
    json_object_set_new(o, "createdAt", kd_json_time(r->created_at));
    return o;
}

json_t *kd_json_permission(const struct kd_permission *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "permissionId", kd_json_str(p->id));
    json_object_set_new(o, "slug", kd_json_str(p->slug));
    json_object_set_new(o, "name", kd_json_str(p->name));
    json_object_set_new(o, "description", kd_json_str(p->description));
    json_object_set_new(o, "keyCount", p->key_count >= 0 ? json_integer(p->key_count) : json_null());
    json_object_set_new(o, "roleCount",
                        p->role_count >= 0 ? json_integer(p->role_count) : json_null());
    json_object_set_new(o, "createdAt", kd_json_time(p->created_at));
    return o;
}

json_t *kd_json_audit_entry(const struct kd_audit_entry *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "seq", json_integer(e->seq));
    json_object_set_new(o, "at", json_integer(e->at));
    json_object_set_new(o, "actor", kd_json_str(e->actor));
    json_object_set_new(o, "host", kd_json_str(e->host));
    json_object_set_new(o, "action", kd_json_str(e->action));
    json_object_set_new(o, "target", kd_json_str(e->target));
    json_object_set_new(o, "changes", json_meta(e->changes_json));
    json_object_set_new(o, "hash", json_string(e->hash_hex));
    return o;
}

json_t *kd_json_verify_result(const struct kd_verify_result *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "valid", json_boolean(r->valid));
    json_object_set_new(o, "code", json_string(kd_verify_code_name(r->code)));
    const struct kd_key *k = &r->key;
    if (k->id) {
        json_object_set_new(o, "keyId", kd_json_str(k->id));
        json_object_set_new(o, "name", kd_json_str(k->name));
        json_object_set_new(o, "externalId", kd_json_str(k->external_id));
        json_object_set_new(o, "meta", json_meta(k->meta_json));
        json_object_set_new(o, "enabled", json_boolean(k->enabled));
        json_object_set_new(o, "expires", kd_json_time(k->expires));
        json_object_set_new(o, "credits", k->credits.limited ? json_integer(k->credits.remaining)
                                                             : json_null());
        json_object_set_new(o, "roles", json_strlist(&k->roles));
        json_object_set_new(o, "permissions", json_strlist(&k->permissions));
    }
    json_t *rls = json_array();
    for (size_t i = 0; i < r->n_ratelimits; i++) {
        const struct kd_verify_ratelimit *rl = &r->ratelimits[i];
        json_t *e = json_object();
        json_object_set_new(e, "id", kd_json_str(rl->id));
        json_object_set_new(e, "name", kd_json_str(rl->name));
        json_object_set_new(e, "limit", json_integer(rl->limit));
        json_object_set_new(e, "duration", json_integer(rl->duration_ms));
        json_object_set_new(e, "remaining", json_integer(rl->remaining));
        json_object_set_new(e, "reset", json_integer(rl->reset_at));
        json_object_set_new(e, "exceeded", json_boolean(rl->exceeded));
        json_object_set_new(e, "autoApply", json_boolean(rl->auto_apply));
        json_array_append_new(rls, e);
    }
    json_object_set_new(o, "ratelimits", rls);
    json_object_set_new(o, "message", kd_json_str(r->message));
    return o;
}

static json_t *json_stats_keys(const struct kd_stats_key *keys, size_t n, const char *value_name)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "keyId", kd_json_str(keys[i].key_id));
        json_object_set_new(o, "apiId", kd_json_str(keys[i].api_id));
        json_object_set_new(o, "name", kd_json_str(keys[i].name));
        json_object_set_new(o, value_name, json_integer(keys[i].value));
        if (keys[i].code)
            json_object_set_new(o, "code", json_string(keys[i].code));
        json_array_append_new(a, o);
    }
    return a;
}

json_t *kd_json_stats(const struct kd_stats *s, int64_t since, int64_t until)
{
    json_t *o = json_object();
    json_object_set_new(o, "since", json_integer(since));
    json_object_set_new(o, "until", json_integer(until));
    json_object_set_new(o, "total", json_integer(s->total));
    json_t *codes = json_object();
    for (int c = 0; c < KD_VERIFY_CODE_COUNT; c++)
        json_object_set_new(codes, kd_verify_code_name((enum kd_verify_code)c),
                            json_integer(s->by_code[c]));
    json_object_set_new(o, "byCode", codes);
    json_t *b = json_array();
    for (int i = 0; i < KD_STATS_BUCKETS; i++)
        json_array_append_new(b, json_integer(s->buckets[i]));
    json_object_set_new(o, "buckets", b);
    json_object_set_new(o, "busiest", json_stats_keys(s->busiest, s->n_busiest, "requests"));
    json_object_set_new(o, "lowCredits",
                        json_stats_keys(s->low_credits, s->n_low_credits, "remaining"));
    json_object_set_new(o, "expiring", json_stats_keys(s->expiring, s->n_expiring, "expires"));
    json_object_set_new(o, "failures", json_stats_keys(s->failures, s->n_failures, "at"));
    return o;
}

json_t *kd_json_list(json_t *items, const char *cursor, int64_t total)
{
    json_t *o = json_object();
    json_object_set_new(o, "items", items);
    json_object_set_new(o, "cursor", kd_json_str(cursor));
    json_object_set_new(o, "total", total >= 0 ? json_integer(total) : json_null());
    return o;
}

void kd_list_finish(bool json, json_t *items, struct kd_table *t, char *cursor, int64_t total,
                    const char *empty_message)
{
    if (json) {
        kd_json_print(kd_json_list(items, cursor, total));
    } else {
        json_decref(items);
        size_t shown = kd_table_rows(t);
        if (shown == 0)
            printf("%s\n", empty_message);
        else
            kd_table_print(t, stdout);
        if (shown > 0 && total >= 0 && (size_t)total != shown)
            printf("%zu of %lld\n", shown, (long long)total);
        if (cursor)
            printf("next page: add --cursor %s\n", cursor);
    }
    kd_table_free(t);
    free(cursor);
}

int kd_json_print(json_t *doc)
{
    int rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (rc == 0)
        rc = fputc('\n', stdout) == EOF ? -1 : 0;
    return rc;
}
