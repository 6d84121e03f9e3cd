#include "core/verifylog.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct kd_verifylog_rec {
    int64_t at;
    int64_t key_rid; /* 0: NOT_FOUND */
    char *api_id;
    enum kd_verify_code code;
};

struct kd_verifylog {
    struct kd_verifylog_rec *recs;
    size_t n, cap;
};

/* When flushing keeps failing (a long-held lock), stop growing: drop the oldest. */
#define KD_VERIFYLOG_HARD_CAP (KD_VERIFYLOG_BATCH * 8)

static void drop_front(struct kd_verifylog *vl, size_t k)
{
    for (size_t i = 0; i < k; i++)
        free(vl->recs[i].api_id);
    memmove(vl->recs, vl->recs + k, (vl->n - k) * sizeof *vl->recs);
    vl->n -= k;
}

int kd_verifylog_record(struct kd_store *s, int64_t key_rid, const char *api_id,
                        enum kd_verify_code code, int64_t at, struct kd_error *err)
{
    if (!s->verifylog)
        s->verifylog = kd_xcalloc(1, sizeof *s->verifylog);
    struct kd_verifylog *vl = s->verifylog;
    if (vl->n >= KD_VERIFYLOG_HARD_CAP)
        drop_front(vl, KD_VERIFYLOG_BATCH);
    vl->recs = kd_xgrow(vl->recs, &vl->cap, vl->n + 1, sizeof *vl->recs);
    struct kd_verifylog_rec *r = &vl->recs[vl->n++];
    r->at = at;
    r->key_rid = key_rid;
    r->api_id = kd_xstrdup(api_id);
    r->code = code;
    if (vl->n >= KD_VERIFYLOG_BATCH || at - vl->recs[0].at >= KD_VERIFYLOG_MAX_AGE_MS)
        return kd_verifylog_flush(s, err);
    return 0;
}

struct key_bump {
    int64_t rid, count, last;
};

static int cmp_str_null(const char *a, const char *b)
{
    if (a == b)
        return 0;
    if (!a || !b)
        return a ? 1 : -1;
    return strcmp(a, b);
}

/* Key, then API, then time: a key's VALID records of one second end up side by side. */
static int cmp_key_time(const void *pa, const void *pb)
{
    const struct kd_verifylog_rec *a = pa, *b = pb;
    if (a->key_rid != b->key_rid)
        return (a->key_rid > b->key_rid) - (a->key_rid < b->key_rid);
    int c = cmp_str_null(a->api_id, b->api_id);
    if (c)
        return c;
    return (a->at > b->at) - (a->at < b->at);
}

/* VALID records of one key and API in one second share a row; failures stay
 * one row each (the monitor lists them one by one). */
static bool same_row(const struct kd_verifylog_rec *a, const struct kd_verifylog_rec *b)
{
    return a->code == KD_VERIFY_VALID && b->code == KD_VERIFY_VALID &&
           a->at / 1000 == b->at / 1000 && a->key_rid == b->key_rid &&
           cmp_str_null(a->api_id, b->api_id) == 0;
}

static int step_done(struct kd_store *s, sqlite3_stmt *st, struct kd_error *err,
                     const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : kd_store_fail(s, err, what);
}

static int insert_row(struct kd_store *s, const struct kd_verifylog_rec *r, int64_t at,
                      int64_t count, struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(
        s, "INSERT INTO verifications(at, key_rid, api_id, outcome, n) VALUES (?1, ?2, ?3, ?4, ?5)",
        err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, at);
    if (r->key_rid)
        sqlite3_bind_int64(st, 2, r->key_rid);
    else
        sqlite3_bind_null(st, 2);
    if (r->api_id)
        sqlite3_bind_text(st, 3, r->api_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int(st, 4, (int)r->code);
    sqlite3_bind_int64(st, 5, count);
    return step_done(s, st, err, "recording verifications");
}

/*
 * Every row a flush writes lands at a random place in verifications_by_key
 * and key_usage, a page each when the keys are many; so the rows are made
 * few.  VALID records are grouped by key, API and second (the row carries the
 * group's latest time and its count), and key_usage is bumped once a key.
 * Failures are written after, one row each in the order they happened, which
 * the monitor's "recent failures" (by seq) relies on.
 */
static int write_all(struct kd_store *s, struct kd_verifylog *vl, int64_t newest,
                     struct kd_error *err)
{
    struct kd_verifylog_rec *sorted = kd_xmalloc(vl->n * sizeof *sorted);
    memcpy(sorted, vl->recs, vl->n * sizeof *sorted);
    qsort(sorted, vl->n, sizeof *sorted, cmp_key_time);
    int ret = 0;
    for (size_t i = 0; i < vl->n && ret == 0;) {
        const struct kd_verifylog_rec *first = &sorted[i];
        if (first->code != KD_VERIFY_VALID) {
            i++;
            continue;
        }
        int64_t count = 0, last = 0;
        for (; i < vl->n && same_row(first, &sorted[i]); i++, count++)
            last = sorted[i].at;
        ret = insert_row(s, first, last, count, err);
    }
    for (size_t i = 0; i < vl->n && ret == 0; i++)
        if (vl->recs[i].code != KD_VERIFY_VALID)
            ret = insert_row(s, &vl->recs[i], vl->recs[i].at, 1, err);

    /* One UPDATE per key per flush, however many verifications it had. */
    for (size_t i = 0; i < vl->n && ret == 0;) {
        struct key_bump b = {sorted[i].key_rid, 0, 0};
        for (; i < vl->n && sorted[i].key_rid == b.rid; i++) {
            b.count++;
            if (sorted[i].at > b.last)
                b.last = sorted[i].at;
        }
        if (!b.rid)
            continue;
        sqlite3_stmt *st = kd_store_stmt(
            s,
            /* key_usage, not keys: a narrow table of used keys only, so a flush
             * dirties few pages however large the keys table is. */
            "INSERT INTO key_usage(key_rid, request_count, last_used_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT(key_rid) DO UPDATE SET "
            "request_count = request_count + excluded.request_count, "
            "last_used_at = max(coalesce(last_used_at, 0), excluded.last_used_at)",
            err);
        if (!st) {
            ret = -1;
            break;
        }
        sqlite3_bind_int64(st, 1, b.rid);
        sqlite3_bind_int64(st, 2, b.count);
        sqlite3_bind_int64(st, 3, b.last);
        ret = step_done(s, st, err, "counting key usage");
    }
    free(sorted);
    if (ret < 0)
        return -1;

    sqlite3_stmt *st = kd_store_stmt(s, "DELETE FROM verifications WHERE at < ?1", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, newest - KD_VERIFYLOG_RETAIN_MS);
    if (step_done(s, st, err, "pruning verifications") < 0)
        return -1;
    st = kd_store_stmt(s,
                       "DELETE FROM verifications WHERE seq <= "
                       "(SELECT max(seq) FROM verifications) - ?1",
                       err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, KD_VERIFYLOG_RETAIN_ROWS);
    return step_done(s, st, err, "pruning verifications");
}

int kd_verifylog_flush(struct kd_store *s, struct kd_error *err)
{
    struct kd_verifylog *vl = s->verifylog;
    if (!vl || vl->n == 0)
        return 0;
    int64_t newest = 0;
    for (size_t i = 0; i < vl->n; i++)
        if (vl->recs[i].at > newest)
            newest = vl->recs[i].at;
    /* Inside a caller's transaction this nests and commits with it.  Counters
     * only: synchronous=NORMAL (store.c). */
    if (kd_store_begin_counters(s, err) < 0)
        return -1;
    if (write_all(s, vl, newest, err) < 0) {
        kd_store_rollback(s);
        return -1; /* keep the buffer: the next flush retries */
    }
    if (kd_store_commit(s, err) < 0)
        return -1;
    drop_front(vl, vl->n);
    return 0;
}

void kd_verifylog_free(struct kd_store *s)
{
    struct kd_verifylog *vl = s ? s->verifylog : NULL;
    if (!vl)
        return;
    drop_front(vl, vl->n);
    free(vl->recs);
    free(vl);
    s->verifylog = NULL;
}
