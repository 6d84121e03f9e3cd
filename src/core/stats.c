/*
 * stats.c — kd_engine_stats: what the monitoring view shows, from the
 * verifications table (after flushing the buffer) and the keys table.
 */
#include "core/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/verifylog.h"
#include "util/clock.h"
#include "util/xalloc.h"

#define TOP_N_DEFAULT 10
#define TOP_N_MAX 1000

/* Parameters shared by every query: ?1 since, ?2 until, ?3 api, ?4 key id, ?5 top n,
 * ?6 now.  A key id that is unknown matches nothing.
 *
 * Each query's filter names only what the query asks about, so that SQLite can
 * use an index (verifications_by_key, the keys' primary key, keys_by_api): an
 * "(?4 IS NULL OR k.id = ?4)" form looks shorter but makes every query a scan
 * of the whole table, which the detail pane paid on every cursor move. */
static const char *v_filter(const struct kd_stats_query *q)
{
    if (q->key_id && *q->key_id)
        return "v.key_rid = (SELECT rid FROM keys WHERE id = ?4) AND v.at >= ?1 AND v.at < ?2 "
               "AND (?3 IS NULL OR v.api_id = ?3)";
    if (q->api_id && *q->api_id)
        return "v.at >= ?1 AND v.at < ?2 AND v.api_id = ?3";
    return "v.at >= ?1 AND v.at < ?2";
}

static const char *k_filter(const struct kd_stats_query *q)
{
    if (q->key_id && *q->key_id)
        return "k.id = ?4 AND (?3 IS NULL OR k.api_id = ?3) AND k.deleted_at IS NULL "
               "AND a.deleted_at IS NULL";
    if (q->api_id && *q->api_id)
        return "k.api_id = ?3 AND k.deleted_at IS NULL AND a.deleted_at IS NULL";
    return "k.deleted_at IS NULL AND a.deleted_at IS NULL";
}

static sqlite3_stmt *prep(struct kd_store *s, const char *sql, const struct kd_stats_query *q,
                          int64_t since, int64_t until, int top_n, struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(s, sql, err);
    if (!st)
        return NULL;
    int np = sqlite3_bind_parameter_count(st);
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int64(st, 2, until);
    if (q->api_id && *q->api_id)
        sqlite3_bind_text(st, 3, q->api_id, -1, SQLITE_STATIC);
    if (q->key_id && *q->key_id)
        sqlite3_bind_text(st, 4, q->key_id, -1, SQLITE_STATIC);
    if (np >= 5)
        sqlite3_bind_int(st, 5, top_n);
    if (np >= 6)
        sqlite3_bind_int64(st, 6, kd_now_ms());
    return st;
}

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? kd_xstrdup((const char *)t) : NULL;
}

/* Rows of (key id, api id, name, value[, outcome]) into a list. */
static int read_list(struct kd_store *s, sqlite3_stmt *st, bool with_code,
                     struct kd_stats_key **list, size_t *n, struct kd_error *err)
{
    int rc;
    size_t cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *list = kd_xgrow(*list, &cap, *n + 1, sizeof **list);
        struct kd_stats_key *e = &(*list)[(*n)++];
        memset(e, 0, sizeof *e);
        e->key_id = col_text(st, 0);
        e->api_id = col_text(st, 1);
        e->name = col_text(st, 2);
        e->value = sqlite3_column_int64(st, 3);
        if (with_code)
            e->code = kd_verify_code_name((enum kd_verify_code)sqlite3_column_int(st, 4));
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : kd_store_fail(s, err, "reading statistics");
}

int kd_engine_stats(struct kd_store *s, const struct kd_stats_query *q, struct kd_stats *out,
                    struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    struct kd_stats_query none;
    memset(&none, 0, sizeof none);
    if (!q)
        q = &none;
    int64_t until = q->until > 0 ? q->until : kd_now_ms();
    int64_t since = q->since > 0 ? q->since : until - 3600 * 1000LL;
    if (since >= until)
        return kd_error_set(err, KD_ERR_INVALID, "since", "since must be before until");
    int top_n = q->top_n > 0 ? (q->top_n > TOP_N_MAX ? TOP_N_MAX : q->top_n) : TOP_N_DEFAULT;
    if (kd_verifylog_flush(s, err) < 0)
        return -1;

    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT outcome, sum(v.n) FROM verifications v WHERE %s GROUP BY outcome",
             v_filter(q));
    sqlite3_stmt *st = prep(s, sql, q, since, until, top_n, err);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int code = sqlite3_column_int(st, 0);
        int64_t c = sqlite3_column_int64(st, 1);
        if (code >= 0 && code < KD_VERIFY_CODE_COUNT)
            out->by_code[code] += c;
        out->total += c;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        goto fail_store;

    snprintf(sql, sizeof sql,
             "SELECT (v.at - ?1) * 60 / (?2 - ?1), sum(v.n) FROM verifications v WHERE %s "
             "GROUP BY 1",
             v_filter(q));
    st = prep(s, sql, q, since, until, top_n, err);
    if (!st)
        goto fail;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t b = sqlite3_column_int64(st, 0);
        if (b >= 0 && b < KD_STATS_BUCKETS)
            out->buckets[b] += sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        goto fail_store;

    snprintf(sql, sizeof sql,
             "SELECT k.id, k.api_id, k.name, sum(v.n) AS c FROM verifications v "
             "JOIN keys k ON k.rid = v.key_rid WHERE %s "
             "GROUP BY v.key_rid ORDER BY c DESC, k.id LIMIT ?5",
             v_filter(q));
    st = prep(s, sql, q, since, until, top_n, err);
    if (!st || read_list(s, st, false, &out->busiest, &out->n_busiest, err) < 0)
        goto fail;

    snprintf(sql, sizeof sql,
             "SELECT k.id, k.api_id, k.name, kc.remaining FROM key_credits kc "
             "JOIN keys k ON k.rid = kc.key_rid JOIN apis a ON a.id = k.api_id "
             "WHERE %s AND kc.remaining > 0 ORDER BY kc.remaining, k.id LIMIT ?5",
             k_filter(q));
    st = prep(s, sql, q, since, until, top_n, err);
    if (!st || read_list(s, st, false, &out->low_credits, &out->n_low_credits, err) < 0)
        goto fail;

    snprintf(sql, sizeof sql,
             "SELECT k.id, k.api_id, k.name, k.expires FROM keys k "
             "JOIN apis a ON a.id = k.api_id WHERE %s AND k.expires > ?6 "
             "ORDER BY k.expires, k.id LIMIT ?5",
             k_filter(q));
    st = prep(s, sql, q, since, until, top_n, err);
    if (!st || read_list(s, st, false, &out->expiring, &out->n_expiring, err) < 0)
        goto fail;

    snprintf(sql, sizeof sql,
             "SELECT k.id, v.api_id, k.name, v.at, v.outcome FROM verifications v "
             "LEFT JOIN keys k ON k.rid = v.key_rid WHERE %s AND v.outcome <> 0 "
             "ORDER BY v.seq DESC LIMIT ?5",
             v_filter(q));
    st = prep(s, sql, q, since, until, top_n, err);
    if (!st || read_list(s, st, true, &out->failures, &out->n_failures, err) < 0)
        goto fail;
    return 0;

fail_store:
    kd_store_fail(s, err, "reading statistics");
fail:
    kd_stats_free(out);
    return -1;
}
