/*
 * verify.c — kd_engine_verify, in Unkey v2's order (model/verify.h):
 *   NOT_FOUND, DISABLED, EXPIRED, INSUFFICIENT_PERMISSIONS, RATE_LIMITED,
 *   USAGE_EXCEEDED, VALID.
 *
 * Two paths.  A key with no credits and no rate limits in play is verified with
 * one indexed read (or a key cache hit, keycache.h) and a buffered log record: no
 * write transaction.  When credits, a refill or rate-limit windows are involved,
 * every counter is checked and written inside one IMMEDIATE transaction, so
 * processes sharing the keystore never spend the same credit or window slot
 * twice; under its lock the key token decides whether the cached row still holds
 * or the key is read again.
 */
#include "core/engine.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/keycache.h"
#include "core/keygen.h"
#include "core/permquery.h"
#include "core/ratelimit.h"
#include "core/refill.h"
#include "core/verifylog.h"
#include "util/clock.h"
#include "util/xalloc.h"

#define KEY_MAX 512

/* What the lookup learns besides the fields copied into out->key. */
struct found {
    int64_t rid;
    int64_t created_at;
    bool gone;          /* key or its API deleted */
    bool has_auto;      /* an auto-apply rate limit exists */
    bool credits_done;  /* the credits step ran: out->key.credits is what it left stored */
    bool token_known;   /* token: the key token the counters transaction runs under */
    uint64_t token;
};

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? kd_xstrdup((const char *)t) : NULL;
}

/* Only what verification needs; "has an auto-apply limit" is kept on the row by
 * triggers (schema_v2.sql), so no subquery.  Credits live in their own narrow
 * table (schema_v5.sql), so a charge rewrites a small row of a small table. */
static const char lookup_sql[] =
    "SELECT k.rid, k.id, k.api_id, k.name, k.meta, k.expires, k.enabled, k.external_id, "
    "kc.remaining, k.refill_interval, k.refill_amount, k.refill_day, k.refill_every_ms, "
    "kc.last_refill_at, k.created_at, "
    "k.deleted_at IS NOT NULL OR a.deleted_at IS NOT NULL, k.auto_limits "
    "FROM keys k JOIN apis a ON a.id = k.api_id "
    "LEFT JOIN key_credits kc ON kc.key_rid = k.rid WHERE k.hash = ?1";

/* Read the row from the database: 1 found, 0 not found, -1 error. */
static int read_row(struct kd_store *s, const uint8_t digest[KD_DIGEST_LEN],
                    struct kd_keycache_row *row, struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(s, lookup_sql, err);
    if (!st)
        return -1;
    sqlite3_bind_blob(st, 1, digest, KD_DIGEST_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        if (rc != SQLITE_DONE)
            kd_store_fail(s, err, "looking up the key");
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : -1;
    }
    memset(row, 0, sizeof *row);
    struct kd_key *key = &row->key;
    row->rid = sqlite3_column_int64(st, 0);
    key->id = col_text(st, 1);
    key->api_id = col_text(st, 2);
    key->name = col_text(st, 3);
    key->meta_json = col_text(st, 4);
    key->expires = sqlite3_column_int64(st, 5);
    key->enabled = sqlite3_column_int(st, 6) != 0;
    key->external_id = col_text(st, 7);
    key->credits.limited = sqlite3_column_type(st, 8) != SQLITE_NULL;
    key->credits.remaining = sqlite3_column_int64(st, 8);
    key->credits.refill.interval = (enum kd_refill_interval)sqlite3_column_int(st, 9);
    key->credits.refill.amount = sqlite3_column_int64(st, 10);
    key->credits.refill.refill_day = sqlite3_column_int(st, 11);
    key->credits.refill.every_ms = sqlite3_column_int64(st, 12);
    key->credits.last_refill_at = sqlite3_column_int64(st, 13);
    key->created_at = sqlite3_column_int64(st, 14);
    row->gone = sqlite3_column_int(st, 15) != 0;
    row->auto_limits = sqlite3_column_int(st, 16) != 0;
    sqlite3_reset(st);
    return 1;
}

/* Hand a row over to the caller's key and found (takes the row's strings). */
static void take_row(struct kd_keycache_row *row, struct kd_key *key, struct found *f)
{
    memset(f, 0, sizeof *f);
    *key = row->key;
    memset(&row->key, 0, sizeof row->key);
    f->rid = row->rid;
    f->created_at = key->created_at;
    f->gone = row->gone;
    f->has_auto = row->auto_limits;
}

/* A copy of a cached row (of the current token: exact) for the caller. */
static void take_cached(const struct kd_keycache_row *hit, struct kd_key *key, struct found *f)
{
    struct kd_keycache_row row = *hit;
    kd_key_copy(&row.key, &hit->key);
    take_row(&row, key, f);
}

/* 1 found, 0 not found, -1 error.  Fills key on 1.  Always reads the database. */
static int lookup(struct kd_store *s, const uint8_t digest[KD_DIGEST_LEN], struct kd_key *key,
                  struct found *f, struct kd_error *err)
{
    struct kd_keycache_row row;
    int rc = read_row(s, digest, &row, err);
    if (rc == 1)
        take_row(&row, key, f);
    return rc;
}

static int step_plain(struct kd_store *s, const char *sql, struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(s, sql, err);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        kd_store_fail(s, err, "reading the key");
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

/*
 * The lookup before any transaction, through the key cache (keycache.h).  A row
 * is cached with the key token read in the same read transaction, so the entry
 * never claims a newer state than the one it holds.  Only outside a caller's
 * transaction: inside one the caller's uncommitted writes must be seen.
 */
static int lookup_cached(struct kd_store *s, const uint8_t digest[KD_DIGEST_LEN],
                         struct kd_key *key, struct found *f, struct kd_error *err)
{
    if (s->txn_depth > 0)
        return lookup(s, digest, key, f, err);
    uint64_t token, cached_token;
    const struct kd_keycache_row *hit = kd_keycache_find(s, digest, &cached_token);
    if (hit) {
        if (kd_store_key_token(s, &token, err) < 0)
            return -1;
        if (token == cached_token) {
            take_cached(hit, key, f);
            return 1;
        }
    }
    /* One read transaction for the token and the row. */
    if (step_plain(s, "BEGIN", err) < 0)
        return -1;
    struct kd_keycache_row row;
    int rc = kd_store_key_token(s, &token, err);
    if (rc == 0)
        rc = read_row(s, digest, &row, err);
    if (rc >= 0 && step_plain(s, "COMMIT", err) < 0) {
        if (rc == 1)
            kd_key_free(&row.key);
        rc = -1;
    }
    if (rc < 0) {
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (rc == 1) {
        kd_keycache_put(s, digest, token, &row);
        take_row(&row, key, f);
    }
    return rc;
}

/*
 * The lookup under the counters transaction's write lock.  In a transaction of
 * our own, nothing written yet, what is read is committed state: a cached row
 * whose token is current is exact, and a row read here may be cached.  The
 * token is kept in f, for the credits charged under it (kd_keycache_set_credits).
 * In a caller's transaction: the database only.
 */
static int lookup_locked(struct kd_store *s, bool own_txn, const uint8_t digest[KD_DIGEST_LEN],
                         struct kd_key *key, struct found *f, struct kd_error *err)
{
    if (!own_txn)
        return lookup(s, digest, key, f, err);
    uint64_t token, cached_token;
    if (kd_store_key_token(s, &token, err) < 0)
        return -1;
    const struct kd_keycache_row *hit = kd_keycache_find(s, digest, &cached_token);
    int rc = 1;
    if (hit && cached_token == token) {
        take_cached(hit, key, f);
    } else {
        struct kd_keycache_row row;
        rc = read_row(s, digest, &row, err);
        if (rc == 1) {
            kd_keycache_put(s, digest, token, &row);
            take_row(&row, key, f);
        }
    }
    if (rc == 1) {
        f->token_known = true;
        f->token = token;
    }
    return rc;
}

/* Direct roles, and every permission held directly or through a role. */
static int load_rbac(struct kd_store *s, int64_t rid, struct kd_key *key, struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(
        s,
        "SELECT r.name FROM key_roles kr JOIN roles r ON r.id = kr.role_id "
        "WHERE kr.key_rid = ?1 ORDER BY r.name",
        err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, rid);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        kd_strlist_push(&key->roles, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return kd_store_fail(s, err, "reading the key's roles");
    st = kd_store_stmt(
        s,
        "SELECT p.slug FROM key_permissions kp JOIN permissions p ON p.id = kp.perm_id "
        "WHERE kp.key_rid = ?1 "
        "UNION SELECT p.slug FROM key_roles kr "
        "JOIN role_permissions rp ON rp.role_id = kr.role_id "
        "JOIN permissions p ON p.id = rp.perm_id WHERE kr.key_rid = ?1 ORDER BY 1",
        err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, rid);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        kd_strlist_push(&key->permissions, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return kd_store_fail(s, err, "reading the key's permissions");
    return 0;
}

/* ---- rate limits ---- */

struct check {
    char *id;   /* the key's limit id; NULL for an inline limit */
    int64_t rowid; /* its row in ratelimits: the UPDATE needs no index */
    char *name;
    char *inline_slot; /* meta-table name holding an inline limit's window */
    int64_t limit, duration_ms, cost;
    bool auto_apply, allowed;
    struct kd_window w;
};

struct checks {
    struct check *v;
    size_t n, cap;
};

static void checks_free(struct checks *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].id);
        free(c->v[i].name);
        free(c->v[i].inline_slot);
    }
    free(c->v);
}

static struct check *checks_push(struct checks *c)
{
    c->v = kd_xgrow(c->v, &c->cap, c->n + 1, sizeof *c->v);
    struct check *k = &c->v[c->n++];
    memset(k, 0, sizeof *k);
    return k;
}

static int64_t req_cost(int64_t cost)
{
    return cost == KD_COST_DEFAULT ? 1 : cost;
}

/*
 * Inline limits (limit + duration in the request, no such name on the key) are
 * keyed on the key, like Unkey's; their windows live in the meta table so every
 * process shares them without a schema change.
 */
static int load_inline(struct kd_store *s, struct check *c, struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(s, "SELECT value FROM meta WHERE name = ?1", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, c->inline_slot, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        long long a = 0, b = 0, d = 0;
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (v && sscanf(v, "%lld,%lld,%lld", &a, &b, &d) == 3) {
            c->w.window_start = a;
            c->w.current = b;
            c->w.previous = d;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return kd_store_fail(s, err, "reading an inline rate limit");
    return 0;
}

static int save_window(struct kd_store *s, const struct check *c, struct kd_error *err)
{
    sqlite3_stmt *st;
    if (c->inline_slot) {
        char v[80];
        snprintf(v, sizeof v, "%" PRId64 ",%" PRId64 ",%" PRId64, c->w.window_start,
                 c->w.current, c->w.previous);
        st = kd_store_stmt(s, "INSERT OR REPLACE INTO meta(name, value) VALUES (?1, ?2)", err);
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, c->inline_slot, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, v, -1, SQLITE_TRANSIENT);
    } else {
        st = kd_store_stmt(s,
                           "UPDATE ratelimits SET window_start = ?2, current = ?3, previous = ?4 "
                           "WHERE rowid = ?1",
                           err);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, c->rowid);
        sqlite3_bind_int64(st, 2, c->w.window_start);
        sqlite3_bind_int64(st, 3, c->w.current);
        sqlite3_bind_int64(st, 4, c->w.previous);
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : kd_store_fail(s, err, "saving a rate-limit window");
}

/* Collect the limits this verification is subject to.  -1: a request error. */
static int gather_checks(struct kd_store *s, const struct kd_verify_request *req,
                         const struct kd_key *key, int64_t rid, struct checks *cs,
                         struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(
        s,
        "SELECT id, name, lim, duration_ms, auto_apply, window_start, current, previous, rowid "
        "FROM ratelimits WHERE key_rid = ?1 ORDER BY name",
        err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, rid);
    struct checks all = {NULL, 0, 0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct check *c = checks_push(&all);
        c->id = col_text(st, 0);
        c->name = col_text(st, 1);
        c->limit = sqlite3_column_int64(st, 2);
        c->duration_ms = sqlite3_column_int64(st, 3);
        c->auto_apply = sqlite3_column_int(st, 4) != 0;
        c->w.window_start = sqlite3_column_int64(st, 5);
        c->w.current = sqlite3_column_int64(st, 6);
        c->w.previous = sqlite3_column_int64(st, 7);
        c->rowid = sqlite3_column_int64(st, 8);
        c->cost = c->auto_apply ? 1 : -1; /* -1: not applied unless requested */
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        checks_free(&all);
        return kd_store_fail(s, err, "reading rate limits");
    }
    for (size_t i = 0; i < req->n_ratelimits; i++) {
        const struct kd_verify_ratelimit_req *r = &req->ratelimits[i];
        struct check *c = NULL;
        for (size_t j = 0; j < all.n && !c; j++)
            if (strcmp(all.v[j].name, r->name) == 0)
                c = &all.v[j];
        if (c) {
            /* A requested name replaces the auto-apply cost of 1 with its own. */
            c->cost = req_cost(r->cost);
            if (r->limit > 0)
                c->limit = r->limit;
            if (r->duration_ms > 0 && r->duration_ms != c->duration_ms) {
                c->duration_ms = r->duration_ms;
                memset(&c->w, 0, sizeof c->w);
                c->inline_slot = kd_xasprintf("ratelimit:%s:%s:%" PRId64, key->id, r->name,
                                              r->duration_ms);
                free(c->id);
                c->id = NULL;
                if (load_inline(s, c, err) < 0)
                    goto fail;
            }
            continue;
        }
        if (r->limit <= 0 || r->duration_ms <= 0) {
            kd_error_set(err, KD_ERR_INVALID, "ratelimits",
                         "the key has no rate limit named \"%s\" (give limit and duration "
                         "for an inline limit)",
                         r->name);
            goto fail;
        }
        c = checks_push(&all);
        c->name = kd_xstrdup(r->name);
        c->limit = r->limit;
        c->duration_ms = r->duration_ms;
        c->cost = req_cost(r->cost);
        c->inline_slot =
            kd_xasprintf("ratelimit:%s:%s:%" PRId64, key->id, r->name, r->duration_ms);
        if (load_inline(s, c, err) < 0)
            goto fail;
    }
    /* Keep only the limits that apply. */
    for (size_t j = 0; j < all.n; j++) {
        if (all.v[j].cost >= 0) {
            *checks_push(cs) = all.v[j];
        } else {
            free(all.v[j].id);
            free(all.v[j].name);
            free(all.v[j].inline_slot);
        }
    }
    free(all.v);
    return 0;
fail:
    checks_free(&all);
    return -1;
}

/* All-or-nothing: take from every window only when every window allows. */
static int apply_ratelimits(struct kd_store *s, struct checks *cs, int64_t now, bool *ok,
                            const char **denied, struct kd_verify_result *out,
                            struct kd_error *err)
{
    *ok = true;
    for (size_t i = 0; i < cs->n; i++) {
        struct check *c = &cs->v[i];
        c->allowed = kd_window_allows(&c->w, c->limit, c->duration_ms, now, c->cost);
        if (!c->allowed && *ok) {
            *ok = false;
            *denied = c->name;
        }
    }
    if (*ok) {
        for (size_t i = 0; i < cs->n; i++) {
            kd_window_take(&cs->v[i].w, cs->v[i].duration_ms, now, cs->v[i].cost);
            if (save_window(s, &cs->v[i], err) < 0)
                return -1;
        }
    }
    out->ratelimits = kd_xcalloc(cs->n, sizeof *out->ratelimits);
    out->n_ratelimits = cs->n;
    for (size_t i = 0; i < cs->n; i++) {
        const struct check *c = &cs->v[i];
        struct kd_verify_ratelimit *r = &out->ratelimits[i];
        r->id = kd_xstrdup(c->id ? c->id : c->name);
        r->name = kd_xstrdup(c->name);
        r->limit = c->limit;
        r->duration_ms = c->duration_ms;
        r->remaining = kd_window_remaining(&c->w, c->limit, c->duration_ms, now);
        r->reset_at = kd_window_reset_at(c->duration_ms, now);
        r->exceeded = !c->allowed;
        r->auto_apply = c->auto_apply;
    }
    return 0;
}

static int save_credits(struct kd_store *s, int64_t rid, const struct kd_credits *c,
                        struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(
        s, "UPDATE key_credits SET remaining = ?2, last_refill_at = ?3 WHERE key_rid = ?1", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, rid);
    sqlite3_bind_int64(st, 2, c->remaining);
    if (c->last_refill_at)
        sqlite3_bind_int64(st, 3, c->last_refill_at);
    else
        sqlite3_bind_null(st, 3);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return kd_store_fail(s, err, "charging credits");
    /* Read under this lock, so the row is there unless someone bypassed keydeck;
     * a charge that changed nothing must not answer VALID. */
    if (sqlite3_changes(s->db) != 1)
        return kd_error_set(err, KD_ERR_STORE, NULL,
                            "keystore %s: the key's credits row vanished while charging it",
                            s->path);
    return 0;
}

/* Take cost credits, or find them exceeded; a due refill first.  Leaves
 * key->credits as stored. */
static int charge_credits(struct kd_store *s, struct found *f, struct kd_credits *c,
                          int64_t cost, int64_t now, bool *exceeded, struct kd_error *err)
{
    f->credits_done = true;
    bool changed = kd_refill_apply(c, f->created_at, now);
    *exceeded = c->remaining < cost;
    if (!*exceeded && cost > 0) {
        c->remaining -= cost;
        changed = true;
    }
    return changed ? save_credits(s, f->rid, c, err) : 0;
}

/* The checks after the lookup.  Returns 0 with out->code set, or -1. */
static int evaluate(struct kd_store *s, const struct kd_verify_request *req,
                    const struct kd_permquery *pq, struct found *f, int64_t now,
                    struct kd_verify_result *out, struct kd_error *err)
{
    struct kd_key *key = &out->key;
    if (!key->enabled) {
        out->code = KD_VERIFY_DISABLED;
        out->message = kd_xstrdup("the key is disabled");
        return 0;
    }
    if (key->expires && key->expires <= now) {
        out->code = KD_VERIFY_EXPIRED;
        out->message = kd_xstrdup("the key has expired");
        return 0;
    }
    if (pq) {
        if (load_rbac(s, f->rid, key, err) < 0)
            return -1;
        if (!kd_permquery_eval(pq, &key->permissions)) {
            const char *miss = kd_permquery_first_missing(pq, &key->permissions);
            out->code = KD_VERIFY_INSUFFICIENT_PERMISSIONS;
            out->message = miss ? kd_xasprintf("missing permission: %s", miss)
                                : kd_xstrdup("the key's permissions do not satisfy the query");
            return 0;
        }
    }
    if (f->has_auto || req->n_ratelimits) {
        struct checks cs = {NULL, 0, 0};
        bool ok = true;
        const char *denied = NULL;
        int rc = gather_checks(s, req, key, f->rid, &cs, err);
        if (rc == 0)
            rc = apply_ratelimits(s, &cs, now, &ok, &denied, out, err);
        if (rc == 0 && !ok) {
            out->code = KD_VERIFY_RATE_LIMITED;
            out->message = kd_xasprintf("rate limit \"%s\" exceeded", denied);
        }
        checks_free(&cs);
        if (rc < 0 || !ok)
            return rc;
    }
    if (key->credits.limited) {
        bool exceeded = false;
        if (charge_credits(s, f, &key->credits, req_cost(req->credit_cost), now, &exceeded,
                           err) < 0)
            return -1;
        if (exceeded) {
            out->code = KD_VERIFY_USAGE_EXCEEDED;
            out->message = kd_xstrdup("the key has no credits left");
            return 0;
        }
    }
    out->code = KD_VERIFY_VALID;
    return 0;
}

static int check_request(const struct kd_verify_request *req, struct kd_error *err)
{
    if (!req || !req->key || !*req->key)
        return kd_error_set(err, KD_ERR_INVALID, "key", "key is required");
    if (strlen(req->key) > KEY_MAX)
        return kd_error_set(err, KD_ERR_INVALID, "key", "key must be at most %d characters",
                            KEY_MAX);
    if (req->credit_cost < KD_COST_DEFAULT)
        return kd_error_set(err, KD_ERR_INVALID, "credits.cost", "cost must be >= 0");
    if (req->n_ratelimits && !req->ratelimits)
        return kd_error_set(err, KD_ERR_INVALID, "ratelimits", "rate limits are missing");
    for (size_t i = 0; i < req->n_ratelimits; i++) {
        const struct kd_verify_ratelimit_req *r = &req->ratelimits[i];
        if (!r->name || !*r->name)
            return kd_error_set(err, KD_ERR_INVALID, "ratelimits",
                                "ratelimits[%zu].name is required", i);
        if (r->cost < KD_COST_DEFAULT || r->limit < 0 || r->duration_ms < 0)
            return kd_error_set(err, KD_ERR_INVALID, "ratelimits",
                                "ratelimits[%zu]: cost, limit and duration must be >= 0", i);
    }
    return 0;
}

/* Whether the checks before the counters pass: the key is found, of the API
 * asked for, enabled and unexpired. */
static bool reaches_counters(const struct kd_key *key, bool gone,
                             const struct kd_verify_request *req, int64_t now)
{
    return !gone && (!req->api_id || strcmp(req->api_id, key->api_id) == 0) && key->enabled &&
           !(key->expires && key->expires <= now);
}

/* Whether verifying the key may write credits or rate-limit windows. */
static bool writes_counters(const struct kd_key *key, bool auto_limits,
                            const struct kd_verify_request *req)
{
    return key->credits.limited || auto_limits || req->n_ratelimits;
}

int kd_engine_verify(struct kd_store *s, const struct kd_verify_request *req,
                     struct kd_verify_result *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    if (check_request(req, err) < 0)
        return -1;
    struct kd_permquery *pq = NULL;
    if (req->permissions && *req->permissions) {
        struct kd_error perr;
        kd_error_clear(&perr);
        pq = kd_permquery_parse(req->permissions, &perr);
        if (!pq)
            return kd_error_set(err, KD_ERR_INVALID, "permissions", "%s", perr.message);
    }
    int64_t now = kd_now_ms();
    uint8_t digest[KD_DIGEST_LEN];
    kd_key_digest(req->key, digest);

    struct found f;
    memset(&f, 0, sizeof f);
    bool own_txn = s->txn_depth == 0, in_txn = false;
    int ret = -1, rc = 1;
    /* A cached row of any token picks the way: a key that writes counters goes
     * straight to the counters transaction, which trusts the row only if its token
     * is still current.  A stale pick costs time, never a wrong answer. */
    uint64_t seen_token;
    const struct kd_keycache_row *seen = own_txn ? kd_keycache_find(s, digest, &seen_token) : NULL;
    bool counters = seen && reaches_counters(&seen->key, seen->gone, req, now) &&
                    writes_counters(&seen->key, seen->auto_limits, req);
    if (!counters) {
        rc = lookup_cached(s, digest, &out->key, &f, err);
        if (rc < 0)
            goto out;
        counters = rc == 1 && reaches_counters(&out->key, f.gone, req, now) &&
                   writes_counters(&out->key, f.has_auto, req);
        if (counters)
            kd_key_free(&out->key);
    }
    if (counters) {
        /* Decide under the write lock.  Only counters are written, so this
         * commits with synchronous=NORMAL. */
        if (kd_store_begin_counters(s, err) < 0)
            goto out;
        in_txn = true;
        rc = lookup_locked(s, own_txn, digest, &out->key, &f, err);
        if (rc < 0)
            goto out;
    }
    if (rc == 0 || f.gone || (req->api_id && strcmp(req->api_id, out->key.api_id) != 0)) {
        kd_key_free(&out->key);
        out->code = KD_VERIFY_NOT_FOUND;
        out->message = kd_xstrdup("key not found");
        f.rid = 0;
    } else if (evaluate(s, req, pq, &f, now, out, err) < 0) {
        goto out;
    } else if (out->key.credits.limited && !f.credits_done) {
        /* Not charged: show a due refill (it is stored with the next charge). */
        kd_refill_apply(&out->key.credits, f.created_at, now);
    }
    if (in_txn) {
        in_txn = false;
        int crc = kd_store_commit(s, err);
        /* Credits move without moving the key token: the cached row follows what
         * was committed, or goes (a caller's transaction may yet roll back). */
        if (f.credits_done) {
            if (crc == 0 && f.token_known)
                kd_keycache_set_credits(s, digest, f.token, &out->key.credits);
            else
                kd_keycache_forget(s, digest);
        }
        if (crc < 0)
            goto out;
    }
    out->valid = out->code == KD_VERIFY_VALID;
    /* Statistics only: a failed flush must not turn a verification into an error. */
    struct kd_error lerr;
    kd_verifylog_record(s, f.rid, out->code == KD_VERIFY_NOT_FOUND ? req->api_id : out->key.api_id,
                        out->code, now, &lerr);
    ret = 0;
out:
    if (in_txn)
        kd_store_rollback(s);
    kd_permquery_free(pq);
    if (ret < 0)
        kd_verify_result_free(out);
    return ret;
}
