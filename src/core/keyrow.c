#include "core/keyrow.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit_log.h"
#include "core/keygen.h"
#include "core/ratelimit.h"
#include "core/refill.h"
#include "util/xalloc.h"

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? kd_xstrdup((const char *)t) : NULL;
}

static int64_t col_int(sqlite3_stmt *st, int i)
{
    return sqlite3_column_int64(st, i); /* NULL reads as 0, which is "never"/"none" */
}

int64_t kd_keyrow_read(sqlite3_stmt *st, int col, struct kd_key *k)
{
    int64_t rid = col_int(st, col);
    k->id = col_text(st, col + 1);
    k->api_id = col_text(st, col + 2);
    k->start = col_text(st, col + 3);
    k->prefix = col_text(st, col + 4);
    k->byte_length = (int)col_int(st, col + 5);
    k->name = col_text(st, col + 6);
    k->external_id = col_text(st, col + 7);
    k->meta_json = col_text(st, col + 8);
    k->environment = col_text(st, col + 9);
    k->enabled = col_int(st, col + 10) != 0;
    k->recoverable = col_int(st, col + 11) != 0;
    k->expires = col_int(st, col + 12);
    k->credits.limited = sqlite3_column_type(st, col + 13) != SQLITE_NULL;
    k->credits.remaining = col_int(st, col + 13);
    k->credits.refill.interval = (enum kd_refill_interval)col_int(st, col + 14);
    k->credits.refill.amount = col_int(st, col + 15);
    k->credits.refill.refill_day = (int)col_int(st, col + 16);
    k->credits.refill.every_ms = col_int(st, col + 17);
    k->credits.last_refill_at = col_int(st, col + 18);
    k->request_count = col_int(st, col + 19);
    k->last_used_at = col_int(st, col + 20);
    k->created_at = col_int(st, col + 21);
    k->updated_at = col_int(st, col + 22);
    return rid;
}

void kd_keyrow_bind_text(sqlite3_stmt *st, int i, const char *v, bool empty_is_null)
{
    if (!v || (empty_is_null && !*v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

void kd_keyrow_bind_refill(sqlite3_stmt *st, int first, const struct kd_credits *c)
{
    /* Unlimited credits carry no refill. */
    bool refill = c->limited && c->refill.interval != KD_REFILL_NONE;
    sqlite3_bind_int(st, first, refill ? (int)c->refill.interval : KD_REFILL_NONE);
    if (refill)
        sqlite3_bind_int64(st, first + 1, c->refill.amount);
    else
        sqlite3_bind_null(st, first + 1);
    if (refill && c->refill.interval == KD_REFILL_MONTHLY)
        sqlite3_bind_int(st, first + 2, c->refill.refill_day);
    else
        sqlite3_bind_null(st, first + 2);
    if (refill && c->refill.interval == KD_REFILL_EVERY)
        sqlite3_bind_int64(st, first + 3, c->refill.every_ms);
    else
        sqlite3_bind_null(st, first + 3);
}

int kd_keyrow_write_credits(struct kd_store *s, int64_t rid, const struct kd_credits *c,
                            struct kd_error *err)
{
    if (!c->limited)
        return kd_keyrow_exec(s, "DELETE FROM key_credits WHERE key_rid = ?1", rid, 0, 0, err);
    sqlite3_stmt *st = kd_store_stmt(
        s,
        "INSERT INTO key_credits(key_rid, remaining, last_refill_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT(key_rid) DO UPDATE SET remaining = excluded.remaining, "
        "last_refill_at = excluded.last_refill_at",
        err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, rid);
    sqlite3_bind_int64(st, 2, c->remaining);
    if (c->refill.interval != KD_REFILL_NONE && c->last_refill_at)
        sqlite3_bind_int64(st, 3, c->last_refill_at);
    else
        sqlite3_bind_null(st, 3);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : kd_store_fail(s, err, "saving the key's credits");
}

int kd_keyrow_find(struct kd_store *s, const char *key_id, bool include_deleted,
                   struct kd_key *out, int64_t *rid, struct kd_error *err)
{
    if (!key_id || !*key_id)
        return kd_error_set(err, KD_ERR_INVALID, "keyId", "keyId is required");
    sqlite3_stmt *st = kd_store_stmt(
        s, "SELECT " KD_KEYROW_COLS ", k.deleted_at FROM " KD_KEYROW_FROM " WHERE k.id = ?1", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW &&
        (include_deleted || sqlite3_column_type(st, KD_KEYROW_NCOLS) == SQLITE_NULL)) {
        kd_key_init(out);
        int64_t r = kd_keyrow_read(st, 0, out);
        if (rid)
            *rid = r;
        sqlite3_reset(st);
        return 0;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        kd_store_fail(s, err, "reading a key");
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return kd_error_set(err, KD_ERR_NOT_FOUND, "keyId", "key %s does not exist", key_id);
}

/* ---- children, batched per page ---- */

struct rid_index {
    int64_t rid;
    size_t pos;
};

static int cmp_rid(const void *a, const void *b)
{
    int64_t x = ((const struct rid_index *)a)->rid, y = ((const struct rid_index *)b)->rid;
    return (x > y) - (x < y);
}

static struct kd_key *lookup_key(struct rid_index *idx, size_t n, struct kd_key *keys,
                                 int64_t rid)
{
    struct rid_index probe = {rid, 0};
    struct rid_index *hit = bsearch(&probe, idx, n, sizeof *idx, cmp_rid);
    return hit ? &keys[hit->pos] : NULL;
}

static void push_grant(struct kd_key *k, const char *slug, const char *via)
{
    k->grants = kd_xrealloc(k->grants, (k->n_grants + 1) * sizeof *k->grants);
    k->grants[k->n_grants].slug = kd_xstrdup(slug);
    k->grants[k->n_grants].via_role = kd_xstrdup(via);
    k->n_grants++;
}

/* The rids as a JSON array, bound to ?1 of "... IN (SELECT value FROM json_each(?1))",
 * so one prepared statement serves a page of any size. */
static char *rid_json(const int64_t *rids, size_t n)
{
    size_t cap = 2 + n * 21, len = 0;
    char *buf = kd_xmalloc(cap + 1);
    buf[len++] = '[';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap + 1 - len, "%s%lld", i ? "," : "",
                                (long long)rids[i]);
    buf[len++] = ']';
    buf[len] = '\0';
    return buf;
}

static int step_rows(struct kd_store *s, sqlite3_stmt *st, struct kd_error *err, int rc)
{
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return kd_store_fail(s, err, "reading key details");
    return 0;
}

int kd_keyrow_load_children(struct kd_store *s, struct kd_key *keys, const int64_t *rids,
                            size_t n, bool grants, int64_t now_ms, struct kd_error *err)
{
    if (n == 0)
        return 0;
    struct rid_index *idx = kd_xcalloc(n, sizeof *idx);
    for (size_t i = 0; i < n; i++) {
        idx[i].rid = rids[i];
        idx[i].pos = i;
    }
    qsort(idx, n, sizeof *idx, cmp_rid);
    char *json = rid_json(rids, n);
    int ret = -1, rc;
    sqlite3_stmt *st;

    st = kd_store_stmt(s,
                       "SELECT key_rid, id, name, lim, duration_ms, auto_apply, window_start, "
                       "current, previous FROM ratelimits "
                       "WHERE key_rid IN (SELECT value FROM json_each(?1)) ORDER BY key_rid, name",
                       err);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct kd_key *k = lookup_key(idx, n, keys, sqlite3_column_int64(st, 0));
        if (!k)
            continue;
        kd_key_add_ratelimit(k, (const char *)sqlite3_column_text(st, 2),
                             sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
                             sqlite3_column_int(st, 5) != 0);
        struct kd_ratelimit *rl = &k->ratelimits[k->n_ratelimits - 1];
        rl->id = col_text(st, 1);
        struct kd_window w = {sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7),
                              sqlite3_column_int64(st, 8)};
        if (rl->auto_apply && !kd_window_allows(&w, rl->limit, rl->duration_ms, now_ms, 1))
            k->rate_limited_now = true;
    }
    if (step_rows(s, st, err, rc) < 0)
        goto out;

    st = kd_store_stmt(s,
                       "SELECT kr.key_rid, r.name FROM key_roles kr JOIN roles r ON r.id = kr.role_id "
                       "WHERE kr.key_rid IN (SELECT value FROM json_each(?1)) ORDER BY r.name",
                       err);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct kd_key *k = lookup_key(idx, n, keys, sqlite3_column_int64(st, 0));
        if (k)
            kd_strlist_push(&k->roles, (const char *)sqlite3_column_text(st, 1));
    }
    if (step_rows(s, st, err, rc) < 0)
        goto out;

    st = kd_store_stmt(s,
                       "SELECT kp.key_rid, p.slug FROM key_permissions kp "
                       "JOIN permissions p ON p.id = kp.perm_id "
                       "WHERE kp.key_rid IN (SELECT value FROM json_each(?1)) ORDER BY p.slug",
                       err);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct kd_key *k = lookup_key(idx, n, keys, sqlite3_column_int64(st, 0));
        if (k) {
            const char *slug = (const char *)sqlite3_column_text(st, 1);
            kd_strlist_push(&k->permissions, slug);
            if (grants)
                push_grant(k, slug, NULL);
        }
    }
    if (step_rows(s, st, err, rc) < 0)
        goto out;

    if (grants) {
        st = kd_store_stmt(s,
                           "SELECT kr.key_rid, p.slug, r.name FROM key_roles kr "
                           "JOIN roles r ON r.id = kr.role_id "
                           "JOIN role_permissions rp ON rp.role_id = r.id "
                           "JOIN permissions p ON p.id = rp.perm_id "
                           "WHERE kr.key_rid IN (SELECT value FROM json_each(?1)) "
                           "ORDER BY p.slug, r.name",
                           err);
        if (!st)
            goto out;
        sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct kd_key *k = lookup_key(idx, n, keys, sqlite3_column_int64(st, 0));
            if (k)
                push_grant(k, (const char *)sqlite3_column_text(st, 1),
                           (const char *)sqlite3_column_text(st, 2));
        }
        if (step_rows(s, st, err, rc) < 0)
            goto out;
    }

    /* Lists show what a verification would see now, without writing anything. */
    for (size_t i = 0; i < n; i++)
        kd_refill_apply(&keys[i].credits, keys[i].created_at, now_ms);
    ret = 0;
out:
    free(json);
    free(idx);
    return ret;
}

/* ---- names to ids ---- */

static int resolve(struct kd_store *s, const char *sql, const char *field, const char *what,
                   const struct kd_strlist *names, struct kd_strlist *ids, struct kd_error *err)
{
    for (size_t i = 0; names && i < names->len; i++) {
        sqlite3_stmt *st = kd_store_stmt(s, sql, err);
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, names->items[i], -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            kd_strlist_add_unique(ids, (const char *)sqlite3_column_text(st, 0));
            sqlite3_reset(st);
            continue;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return kd_store_fail(s, err, "looking up a name");
        return kd_error_set(err, KD_ERR_NOT_FOUND, field, "%s \"%s\" does not exist", what,
                            names->items[i]);
    }
    return 0;
}

int kd_keyrow_role_ids(struct kd_store *s, const struct kd_strlist *names,
                       struct kd_strlist *ids, struct kd_error *err)
{
    return resolve(s, "SELECT id FROM roles WHERE name = ?1", "roles", "role", names, ids, err);
}

int kd_keyrow_perm_ids(struct kd_store *s, const struct kd_strlist *slugs,
                       struct kd_strlist *ids, struct kd_error *err)
{
    return resolve(s, "SELECT id FROM permissions WHERE slug = ?1", "permissions",
                   "permission", slugs, ids, err);
}

static int run_simple(struct kd_store *s, sqlite3_stmt *st, struct kd_error *err,
                      const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return kd_store_fail(s, err, what);
    return 0;
}

static int set_links(struct kd_store *s, const char *del_sql, const char *ins_sql, int64_t rid,
                     const struct kd_strlist *ids, bool replace, struct kd_error *err)
{
    sqlite3_stmt *st;
    if (replace) {
        if (!(st = kd_store_stmt(s, del_sql, err)))
            return -1;
        sqlite3_bind_int64(st, 1, rid);
        if (run_simple(s, st, err, "clearing key links") < 0)
            return -1;
    }
    for (size_t i = 0; ids && i < ids->len; i++) {
        if (!(st = kd_store_stmt(s, ins_sql, err)))
            return -1;
        sqlite3_bind_int64(st, 1, rid);
        sqlite3_bind_text(st, 2, ids->items[i], -1, SQLITE_STATIC);
        if (run_simple(s, st, err, "linking a key") < 0)
            return -1;
    }
    return 0;
}

int kd_keyrow_set_role_ids(struct kd_store *s, int64_t rid, const struct kd_strlist *ids,
                           bool replace, struct kd_error *err)
{
    return set_links(s, "DELETE FROM key_roles WHERE key_rid = ?1",
                     "INSERT OR IGNORE INTO key_roles(key_rid, role_id) VALUES (?1, ?2)", rid,
                     ids, replace, err);
}

int kd_keyrow_set_perm_ids(struct kd_store *s, int64_t rid, const struct kd_strlist *ids,
                           bool replace, struct kd_error *err)
{
    return set_links(s, "DELETE FROM key_permissions WHERE key_rid = ?1",
                     "INSERT OR IGNORE INTO key_permissions(key_rid, perm_id) VALUES (?1, ?2)",
                     rid, ids, replace, err);
}

int kd_keyrow_insert_ratelimits(struct kd_store *s, int64_t rid, const struct kd_ratelimit *rl,
                                size_t n, int64_t now_ms, struct kd_error *err)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = kd_store_stmt(
            s,
            "INSERT INTO ratelimits(id, key_rid, name, lim, duration_ms, auto_apply) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            err);
        if (!st)
            return -1;
        char *id = kd_id_new("rl", now_ms);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        free(id);
        sqlite3_bind_int64(st, 2, rid);
        sqlite3_bind_text(st, 3, rl[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, rl[i].limit);
        sqlite3_bind_int64(st, 5, rl[i].duration_ms);
        sqlite3_bind_int(st, 6, rl[i].auto_apply);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if ((rc & 0xff) == SQLITE_CONSTRAINT)
            return kd_error_set(err, KD_ERR_CONFLICT, "ratelimits",
                                "rate limit name \"%s\" is used twice", rl[i].name);
        if (rc != SQLITE_DONE)
            return kd_store_fail(s, err, "saving rate limits");
    }
    return 0;
}

/* ---- shared by the mutations: audit JSON, small writes ---- */

json_t *kd_keyrow_json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *kd_keyrow_credits_json(const struct kd_credits *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "remaining", c->limited ? json_integer(c->remaining) : json_null());
    if (c->limited && c->refill.interval != KD_REFILL_NONE) {
        json_t *r = json_object();
        json_object_set_new(r, "interval", json_string(kd_refill_interval_name(c->refill.interval)));
        json_object_set_new(r, "amount", json_integer(c->refill.amount));
        if (c->refill.interval == KD_REFILL_MONTHLY)
            json_object_set_new(r, "refillDay", json_integer(c->refill.refill_day));
        if (c->refill.interval == KD_REFILL_EVERY)
            json_object_set_new(r, "everyMs", json_integer(c->refill.every_ms));
        json_object_set_new(o, "refill", r);
    } else {
        json_object_set_new(o, "refill", json_null());
    }
    return o;
}

json_t *kd_keyrow_strlist_json(const struct kd_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->len; i++)
        json_array_append_new(a, json_string(l->items[i]));
    return a;
}

/* Append an audit entry and release o. */
int kd_keyrow_audit(struct kd_store *s, const char *action, const char *target, json_t *o,
                 struct kd_error *err)
{
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!text)
        return kd_error_set(err, KD_ERR_INTERNAL, NULL, "could not encode the audit entry");
    int rc = kd_audit_append(s, action, target, text, err);
    free(text);
    return rc;
}

int kd_keyrow_fail(struct kd_store *s, int rc)
{
    kd_store_rollback(s);
    return rc;
}

/* Run sql with ?1 = rid, ?2 = v, ?3 = w (parameters the SQL lacks are ignored). */
int kd_keyrow_exec(struct kd_store *s, const char *sql, int64_t rid, int64_t v, int64_t w,
                    struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(s, sql, err);
    if (!st)
        return -1;
    int np = sqlite3_bind_parameter_count(st);
    sqlite3_bind_int64(st, 1, rid);
    if (np >= 2)
        sqlite3_bind_int64(st, 2, v);
    if (np >= 3)
        sqlite3_bind_int64(st, 3, w);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : kd_store_fail(s, err, "updating a key");
}

/* Write the row's scalar settings back (the fields update and credits can change);
 * the credits themselves are kd_keyrow_write_credits, for callers that change them. */
int kd_keyrow_write_settings(struct kd_store *s, int64_t rid, const struct kd_key *k, int64_t now,
                          struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(
        s,
        "UPDATE keys SET name = ?2, external_id = ?3, meta = ?4, environment = ?5, "
        "enabled = ?6, expires = ?7, refill_interval = ?8, refill_amount = ?9, "
        "refill_day = ?10, refill_every_ms = ?11, updated_at = ?12 WHERE rid = ?1",
        err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, rid);
    kd_keyrow_bind_text(st, 2, k->name, true);
    kd_keyrow_bind_text(st, 3, k->external_id, true);
    kd_keyrow_bind_text(st, 4, k->meta_json, true);
    kd_keyrow_bind_text(st, 5, k->environment, true);
    sqlite3_bind_int(st, 6, k->enabled);
    if (k->expires)
        sqlite3_bind_int64(st, 7, k->expires);
    else
        sqlite3_bind_null(st, 7);
    kd_keyrow_bind_refill(st, 8, &k->credits);
    sqlite3_bind_int64(st, 12, now);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : kd_store_fail(s, err, "updating the key");
}
