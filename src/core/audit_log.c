/*
 * audit_log.c — the hash-chained mutation log: append, list, verify.
 *
 * Entry n's hash is BLAKE2b-256 keyed with the vault's audit key over:
 *   hash_{n-1} (32 bytes; 32 zero bytes before entry 1)
 *   seq, at                        each 8 bytes, big-endian two's complement
 *   actor, host, action, target, changes
 *                                  each as an 8-byte big-endian byte length,
 *                                  then the UTF-8 bytes (no terminator)
 * Length prefixes keep field boundaries unambiguous ("ab"+"c" != "a"+"bc").
 *
 * What verification can and cannot see: an edited entry no longer matches its
 * hash, and a deleted entry leaves a gap in seq.  Deleting the newest entries
 * (truncating the tail) leaves a shorter chain that is still perfectly valid;
 * only a head hash kept outside the keystore (kd_audit_check.head_hex, noted
 * somewhere the attacker cannot write) reveals it.
 */
#include "core/audit_log.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine.h"
#include "core/vault.h"
#include "util/clock.h"
#include "util/xalloc.h"

#define HASH_LEN 32

static void put_u64(crypto_generichash_state *h, uint64_t v)
{
    uint8_t b[8];
    for (int i = 7; i >= 0; i--) {
        b[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
    crypto_generichash_update(h, b, sizeof b);
}

static void put_field(crypto_generichash_state *h, const char *s, size_t len)
{
    put_u64(h, (uint64_t)len);
    if (len)
        crypto_generichash_update(h, (const unsigned char *)s, len);
}

struct entry_fields {
    int64_t seq, at;
    const char *actor, *host, *action, *target, *changes;
    size_t actor_len, host_len, action_len, target_len, changes_len;
};

static void chain_hash(const uint8_t *key, const uint8_t prev[HASH_LEN],
                       const struct entry_fields *f, uint8_t out[HASH_LEN])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, key, KD_AUDIT_KEY_LEN, HASH_LEN);
    crypto_generichash_update(&h, prev, HASH_LEN);
    put_u64(&h, (uint64_t)f->seq);
    put_u64(&h, (uint64_t)f->at);
    put_field(&h, f->actor, f->actor_len);
    put_field(&h, f->host, f->host_len);
    put_field(&h, f->action, f->action_len);
    put_field(&h, f->target, f->target_len);
    put_field(&h, f->changes, f->changes_len);
    crypto_generichash_final(&h, out, HASH_LEN);
    sodium_memzero(&h, sizeof h);
}

static int append_locked(struct kd_store *s, const char *action, const char *target,
                         const char *changes, struct kd_error *err)
{
    struct kd_vault *v = kd_store_vault(s, err);
    if (!v)
        return -1;
    sqlite3_stmt *st =
        kd_store_stmt(s, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", err);
    if (!st)
        return -1;
    uint8_t prev[HASH_LEN] = {0};
    int64_t seq = 1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        seq = sqlite3_column_int64(st, 0) + 1;
        if (sqlite3_column_bytes(st, 1) == HASH_LEN)
            memcpy(prev, sqlite3_column_blob(st, 1), HASH_LEN);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return kd_store_fail(s, err, "reading the audit log");

    struct entry_fields f = {
        .seq = seq, .at = kd_now_ms(),
        .actor = s->actor, .actor_len = strlen(s->actor),
        .host = s->host, .host_len = strlen(s->host),
        .action = action, .action_len = strlen(action),
        .target = target, .target_len = strlen(target),
        .changes = changes, .changes_len = strlen(changes),
    };
    uint8_t hash[HASH_LEN];
    chain_hash(kd_vault_audit_key(v), prev, &f, hash);

    st = kd_store_stmt(s,
                       "INSERT INTO audit_log(seq, at, actor, host, action, target, changes, "
                       "hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                       err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, f.seq);
    sqlite3_bind_int64(st, 2, f.at);
    sqlite3_bind_text(st, 3, f.actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, f.host, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, f.action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, f.target, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, f.changes, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 8, hash, HASH_LEN, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : kd_store_fail(s, err, "writing the audit log");
}

int kd_audit_append(struct kd_store *s, const char *action, const char *target,
                    const char *changes_json, struct kd_error *err)
{
    if (!action || !*action || !target)
        return kd_error_set(err, KD_ERR_INTERNAL, NULL, "audit entry without action or target");
    if (!changes_json)
        changes_json = "{}";
    /* Normally inside the caller's transaction; alone, it gets its own. */
    if (kd_store_begin(s, err) < 0)
        return -1;
    if (append_locked(s, action, target, changes_json, err) < 0) {
        kd_store_rollback(s);
        return -1;
    }
    return kd_store_commit(s, err);
}

int kd_audit_append_json(struct kd_store *s, const char *action, const char *target,
                         struct json_t *changes, struct kd_error *err)
{
    char *text = changes ? json_dumps(changes, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(changes);
    if (!text)
        return kd_error_set(err, KD_ERR_INTERNAL, NULL, "could not encode the audit entry");
    int rc = kd_audit_append(s, action, target, text, err);
    free(text);
    return rc;
}

/* ---- list ---- */

static void bind_opt_text(sqlite3_stmt *st, const char *name, const char *value)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_text(st, i, value, -1, SQLITE_STATIC);
}

static char *audit_where(bool cursor, const struct kd_audit_query *q)
{
    const char *filter = q->page.filter;
    return kd_xasprintf(
        "WHERE 1%s%s%s%s", cursor ? " AND seq < :cursor" : "",
        q->target ? " AND target = :target" : "", q->action ? " AND action = :action" : "",
        filter && *filter ? " AND (instr(lower(action), lower(:filter)) > 0"
                            " OR instr(lower(target), lower(:filter)) > 0"
                            " OR instr(lower(actor), lower(:filter)) > 0"
                            " OR instr(lower(changes), lower(:filter)) > 0)"
                          : "");
}

static void bind_audit(sqlite3_stmt *st, const struct kd_audit_query *q, int64_t cursor)
{
    int i = sqlite3_bind_parameter_index(st, ":cursor");
    if (i > 0)
        sqlite3_bind_int64(st, i, cursor);
    bind_opt_text(st, ":target", q->target);
    bind_opt_text(st, ":action", q->action);
    bind_opt_text(st, ":filter", q->page.filter);
}

static void hex32(const void *blob, int len, char out[65])
{
    if (blob && len == HASH_LEN)
        sodium_bin2hex(out, 65, blob, HASH_LEN);
    else
        out[0] = '\0';
}

int kd_engine_audit_list(struct kd_store *s, const struct kd_audit_query *q,
                         struct kd_audit_page *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    out->total = -1;
    static const struct kd_audit_query none;
    if (!q)
        q = &none;
    int64_t cursor = 0;
    if (q->page.cursor) {
        char *end = NULL;
        cursor = strtoll(q->page.cursor, &end, 10);
        if (!*q->page.cursor || *end || cursor <= 0)
            return kd_error_set(err, KD_ERR_INVALID, "cursor",
                                "cursor \"%.40s\" is not an audit log position",
                                q->page.cursor);
    }
    int limit = kd_page_limit(&q->page);

    char *where = audit_where(q->page.cursor != NULL, q);
    char *sql = kd_xasprintf("SELECT seq, at, actor, host, action, target, changes, hash "
                             "FROM audit_log %s ORDER BY seq DESC LIMIT :limit",
                             where);
    sqlite3_stmt *st = kd_store_stmt(s, sql, err);
    free(sql);
    int ret = -1;
    if (!st)
        goto done;
    bind_audit(st, q, cursor);
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":limit"), limit + 1);
    size_t cap = 0;
    int rc;
    bool more = false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->len == (size_t)limit) {
            more = true;
            break;
        }
        out->items = kd_xgrow(out->items, &cap, out->len + 1, sizeof *out->items);
        struct kd_audit_entry *e = &out->items[out->len++];
        memset(e, 0, sizeof *e);
        e->seq = sqlite3_column_int64(st, 0);
        e->at = sqlite3_column_int64(st, 1);
        e->actor = kd_xstrdup((const char *)sqlite3_column_text(st, 2));
        e->host = kd_xstrdup((const char *)sqlite3_column_text(st, 3));
        e->action = kd_xstrdup((const char *)sqlite3_column_text(st, 4));
        e->target = kd_xstrdup((const char *)sqlite3_column_text(st, 5));
        e->changes_json = kd_xstrdup((const char *)sqlite3_column_text(st, 6));
        hex32(sqlite3_column_blob(st, 7), sqlite3_column_bytes(st, 7), e->hash_hex);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        kd_store_fail(s, err, "reading the audit log");
        goto done;
    }
    if (more)
        out->next_cursor = kd_xasprintf("%lld", (long long)out->items[out->len - 1].seq);

    if (q->page.want_total) {
        free(where);
        where = audit_where(false, q);
        sql = kd_xasprintf("SELECT count(*) FROM audit_log %s", where);
        st = kd_store_stmt(s, sql, err);
        free(sql);
        if (!st)
            goto done;
        bind_audit(st, q, 0);
        if (sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_reset(st);
            kd_store_fail(s, err, "counting audit entries");
            goto done;
        }
        out->total = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    ret = 0;
done:
    free(where);
    if (ret < 0)
        kd_audit_page_free(out);
    return ret;
}

/* ---- verify ---- */

static size_t col_len(sqlite3_stmt *st, int i)
{
    return (size_t)sqlite3_column_bytes(st, i);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? t : "";
}

int kd_engine_audit_verify(struct kd_store *s, struct kd_audit_check *out,
                           struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    struct kd_vault *v = kd_store_vault(s, err);
    if (!v)
        return -1;
    const uint8_t *key = kd_vault_audit_key(v);

    /* A private statement: the walk can be long and must not be reset under us. */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT seq, at, actor, host, action, target, changes, hash "
                           "FROM audit_log ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return kd_store_fail(s, err, "reading the audit log");

    uint8_t prev[HASH_LEN] = {0};
    int64_t expect = 1;
    int rc;
    out->ok = 1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct entry_fields f;
        f.seq = sqlite3_column_int64(st, 0);
        f.at = sqlite3_column_int64(st, 1);
        /* text first, then its byte count (sqlite's documented order) */
        f.actor = col_text(st, 2), f.actor_len = col_len(st, 2);
        f.host = col_text(st, 3), f.host_len = col_len(st, 3);
        f.action = col_text(st, 4), f.action_len = col_len(st, 4);
        f.target = col_text(st, 5), f.target_len = col_len(st, 5);
        f.changes = col_text(st, 6), f.changes_len = col_len(st, 6);
        const void *stored = sqlite3_column_blob(st, 7);
        int stored_len = sqlite3_column_bytes(st, 7);

        if (f.seq != expect) {
            out->ok = 0;
            out->first_bad_seq = expect;
            if (f.seq == expect + 1)
                snprintf(out->message, sizeof out->message, "entry %lld is missing",
                         (long long)expect);
            else if (f.seq > expect)
                snprintf(out->message, sizeof out->message, "entries %lld to %lld are missing",
                         (long long)expect, (long long)(f.seq - 1));
            else
                snprintf(out->message, sizeof out->message,
                         "entry %lld is out of sequence", (long long)f.seq);
            break;
        }
        uint8_t want[HASH_LEN];
        chain_hash(key, prev, &f, want);
        if (stored_len != HASH_LEN || sodium_memcmp(want, stored, HASH_LEN) != 0) {
            out->ok = 0;
            out->first_bad_seq = f.seq;
            snprintf(out->message, sizeof out->message, "entry %lld was altered",
                     (long long)f.seq);
            break;
        }
        memcpy(prev, want, HASH_LEN);
        out->entries++;
        expect++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        memset(out, 0, sizeof *out);
        return kd_store_fail(s, err, "reading the audit log");
    }
    sodium_bin2hex(out->head_hex, sizeof out->head_hex, prev, HASH_LEN);
    if (out->ok)
        snprintf(out->message, sizeof out->message, "%lld entries verified",
                 (long long)out->entries);
    return 0;
}
