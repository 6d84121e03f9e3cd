/*
 * key_list.c — listing an API's keys, page by page.
 *
 * Paging is keyset-based: the cursor carries the last row's sort value and id, and
 * the next page starts strictly after that pair, so page 10,000 costs what page 1
 * costs (no OFFSET).  NULLs sort as "never" / "unlimited" (last ascending) for
 * expiry and credits, as 0 for last-used, and as "" for names.
 *
 * A filter that the search index narrows to a few candidate rows reads just
 * those (core/search.h); any other filter scans the API's keys in sort order,
 * which for a common filter fills a page at once.  Both apply the same exact
 * filter, so they return the same rows.
 */
#include "core/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/keyrow.h"
#include "core/search.h"
#include "util/clock.h"
#include "util/xalloc.h"

#define N_SORTS 5

static const char *sort_expr(enum kd_key_sort sort)
{
    switch (sort) {
    case KD_SORT_NAME:
        return "coalesce(k.name, '')";
    case KD_SORT_EXPIRES:
        return "coalesce(k.expires, 9223372036854775807)";
    case KD_SORT_CREDITS:
        return "coalesce(kc.remaining, 9223372036854775807)";
    case KD_SORT_LAST_USED:
        return "coalesce(u.last_used_at, 0)";
    case KD_SORT_CREATED:
        break;
    }
    return "k.id";
}

#define LIKE(col) col " LIKE ?3 ESCAPE '\\'"
#define WHERE_FILTERS                                                                    \
    "k.api_id = ?1 AND k.deleted_at IS NULL AND (?2 IS NULL OR k.external_id = ?2) "     \
    "AND (?3 IS NULL OR " LIKE("k.name") " OR " LIKE("k.start")                          \
    " OR substr(k.id, 1, length(?7)) = ?7 OR " LIKE("k.external_id") " OR " LIKE("k.meta") ")"

/* The rows an indexed filter reads: the index's candidates by text (?8) and
 * the keys whose id starts with the filter (?7 up to ?9). */
#define FROM_CANDIDATES                                                                  \
    "(SELECT rowid AS rid FROM key_search WHERE key_search MATCH ?8 "                    \
    "UNION SELECT rid FROM keys WHERE id >= ?7 AND id < ?9) c CROSS JOIN keys k ON k.rid = c.rid" \
    KD_KEYROW_JOINS
#define FROM_ALL KD_KEYROW_FROM

/*
 * The statement for one sort, direction, "has a cursor" and "reads the
 * index's candidates".  Built once per process and kept, so the store's
 * statement cache sees a stable pointer.
 */
static const char *list_sql(enum kd_key_sort sort, bool desc, bool after, bool indexed)
{
    static char *cache[N_SORTS][2][2][2];
    char **slot = &cache[sort][desc][after][indexed];
    if (*slot)
        return *slot;
    const char *expr = sort_expr(sort);
    const char *dir = desc ? "DESC" : "ASC";
    const char *cmp = desc ? "<" : ">";
    char keyset[256] = "";
    if (after && sort == KD_SORT_CREATED)
        snprintf(keyset, sizeof keyset, " AND k.id %s ?5", cmp);
    else if (after)
        snprintf(keyset, sizeof keyset, " AND (%s, k.id) %s (?4, ?5)", expr, cmp);
    if (indexed) /* sort the candidates' rids, then read just the page's rows */
        *slot = kd_xasprintf("SELECT " KD_KEYROW_COLS ", %s FROM " KD_KEYROW_FROM " WHERE k.rid IN ("
                             "SELECT k.rid FROM " FROM_CANDIDATES " WHERE " WHERE_FILTERS
                             "%s ORDER BY %s %s, k.id %s LIMIT ?6) ORDER BY %s %s, k.id %s",
                             expr, keyset, expr, dir, dir, expr, dir, dir);
    else
        *slot = kd_xasprintf("SELECT " KD_KEYROW_COLS ", %s FROM " FROM_ALL " WHERE " WHERE_FILTERS
                             "%s ORDER BY %s %s, k.id %s LIMIT ?6",
                             expr, keyset, expr, dir, dir);
    return *slot;
}

/* ---- cursors: "<sort><a|d>.<hex of the sort value>.<id>" ---- */

static char *cursor_encode(enum kd_key_sort sort, bool desc, const char *value, const char *id)
{
    size_t vl = strlen(value);
    char *hex = kd_xmalloc(vl * 2 + 1);
    for (size_t i = 0; i < vl; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned char)value[i]);
    hex[vl * 2] = '\0';
    char *c = kd_xasprintf("%d%c.%s.%s", (int)sort, desc ? 'd' : 'a', hex, id);
    free(hex);
    return c;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Split a cursor into its value and id (new strings); -1 when it is not ours. */
static int cursor_decode(const char *cursor, enum kd_key_sort sort, bool desc, char **value,
                         char **id, struct kd_error *err)
{
    const char *dot1 = strchr(cursor, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    char want[8];
    snprintf(want, sizeof want, "%d%c", (int)sort, desc ? 'd' : 'a');
    if (!dot2 || (size_t)(dot1 - cursor) != strlen(want) ||
        strncmp(cursor, want, strlen(want)) != 0 || (dot2 - dot1 - 1) % 2 != 0 || !dot2[1])
        return kd_error_set(err, KD_ERR_INVALID, "cursor",
                            "the cursor does not belong to this list or sort order");
    size_t n = (size_t)(dot2 - dot1 - 1) / 2;
    char *v = kd_xmalloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(dot1[1 + 2 * i]), lo = hexval(dot1[2 + 2 * i]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            free(v);
            return kd_error_set(err, KD_ERR_INVALID, "cursor", "the cursor is malformed");
        }
        v[i] = (char)(hi * 16 + lo);
    }
    v[n] = '\0';
    *value = v;
    *id = kd_xstrdup(dot2 + 1);
    return 0;
}

static char *like_pattern(const char *filter)
{
    size_t n = strlen(filter);
    char *p = kd_xmalloc(n * 2 + 3), *o = p;
    *o++ = '%';
    for (const char *c = filter; *c; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            *o++ = '\\';
        *o++ = *c;
    }
    *o++ = '%';
    *o = '\0';
    return p;
}

/* The API's live key count (kept by triggers), or NOT_FOUND when it is gone. */
static int api_live_keys(struct kd_store *s, const char *api_id, int64_t *live,
                         struct kd_error *err)
{
    sqlite3_stmt *st =
        kd_store_stmt(s, "SELECT live_keys FROM apis WHERE id = ?1 AND deleted_at IS NULL", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *live = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc != SQLITE_DONE)
        return kd_store_fail(s, err, "reading the API");
    return kd_error_set(err, KD_ERR_NOT_FOUND, "apiId", "API %s does not exist", api_id);
}

static void bind_filters(sqlite3_stmt *st, const struct kd_key_query *q, const char *pattern,
                         const struct kd_search_plan *plan)
{
    sqlite3_bind_text(st, 1, q->api_id, -1, SQLITE_STATIC);
    kd_keyrow_bind_text(st, 2, q->external_id, true);
    /* ?3: the LIKE pattern for text columns; ?7: the raw filter, which ids match
     * only from their start (short patterns would match random id letters).
     * Not ?4: the list statement's keyset takes ?4 and ?5 for the cursor, and
     * sharing it made pages after the first of a sorted, filtered list lose the
     * keys that matched by id. */
    if (pattern) {
        sqlite3_bind_text(st, 3, pattern, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, q->page.filter, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 3);
        sqlite3_bind_null(st, 7);
    }
    if (plan->use_index) {
        sqlite3_bind_text(st, 8, plan->match, -1, SQLITE_STATIC);
        kd_keyrow_bind_text(st, 9, plan->id_below, true);
    }
}

/* A filtered count stops here: past it the total is shown as "at least". */
#define KD_FILTER_COUNT_CAP 10000
/* A filter the index cannot narrow (a common one) is counted only in an API of
 * at most this many keys: scanning them takes a few ms, a million 150 ms. */
#define KD_FILTER_SCAN_COUNT_MAX 20000

/*
 * out->total for a query that wants it.  Unfiltered: the API's live count
 * (live, read when the API was looked up).  Filtered: a first page that is not full is the whole
 * answer (the rare pattern, which scanned every key already, pays nothing
 * more).  Otherwise an indexed filter counts its candidates; a scanned one
 * is counted only in an API small enough (else -1, "at least"); and every
 * count stops at KD_FILTER_COUNT_CAP matches.
 */
static int count_keys(struct kd_store *s, const struct kd_key_query *q, const char *pattern,
                      const struct kd_search_plan *plan, int64_t live, bool first_page,
                      bool more, struct kd_key_page *out, struct kd_error *err)
{
    bool filtered = (q->external_id && *q->external_id) || pattern;
    if (filtered && first_page && !more) {
        out->total = (int64_t)out->len;
        return 0;
    }
    if (!filtered || (pattern && !plan->use_index && live > KD_FILTER_SCAN_COUNT_MAX)) {
        out->total = filtered ? -1 : live;
        return 0;
    }
    const char *sql = plan->use_index ? "SELECT count(*) FROM (SELECT 1 FROM " FROM_CANDIDATES
                                        " WHERE " WHERE_FILTERS " LIMIT ?5)"
                                      : "SELECT count(*) FROM (SELECT 1 FROM " FROM_ALL
                                        " WHERE " WHERE_FILTERS " LIMIT ?5)";
    sqlite3_stmt *st = kd_store_stmt(s, sql, err);
    if (!st)
        return -1;
    bind_filters(st, q, pattern, plan);
    sqlite3_bind_int(st, 5, KD_FILTER_COUNT_CAP + 1);
    int rc = sqlite3_step(st);
    int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return kd_store_fail(s, err, "counting keys");
    out->total = n > KD_FILTER_COUNT_CAP ? -1 : n;
    return 0;
}

int kd_engine_key_list(struct kd_store *s, const struct kd_key_query *q,
                       struct kd_key_page *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    out->total = -1;
    if (!q || !q->api_id || !*q->api_id)
        return kd_error_set(err, KD_ERR_INVALID, "apiId", "apiId is required to list keys");
    if ((int)q->sort < 0 || (int)q->sort >= N_SORTS)
        return kd_error_set(err, KD_ERR_INVALID, "sort", "unknown sort column");
    int64_t live = 0;
    if (api_live_keys(s, q->api_id, &live, err) < 0)
        return -1;
    int64_t now = kd_now_ms();
    int limit = kd_page_limit(&q->page);
    bool desc = q->descending;
    char *pattern = q->page.filter && *q->page.filter ? like_pattern(q->page.filter) : NULL;
    char *cur_value = NULL, *cur_id = NULL;
    int64_t *rids = NULL;
    struct kd_search_plan plan = {0};
    int ret = -1, rc;

    if (q->page.cursor && *q->page.cursor &&
        cursor_decode(q->page.cursor, q->sort, desc, &cur_value, &cur_id, err) < 0)
        goto out;

    if (pattern && kd_search_plan(s, q->page.filter, &plan, err) < 0)
        goto out;
    sqlite3_stmt *st =
        kd_store_stmt(s, list_sql(q->sort, desc, cur_id != NULL, plan.use_index), err);
    if (!st)
        goto out;
    bind_filters(st, q, pattern, &plan);
    if (cur_id) {
        if (q->sort == KD_SORT_NAME)
            sqlite3_bind_text(st, 4, cur_value, -1, SQLITE_STATIC);
        else if (q->sort != KD_SORT_CREATED)
            sqlite3_bind_int64(st, 4, strtoll(cur_value, NULL, 10));
        sqlite3_bind_text(st, 5, cur_id, -1, SQLITE_STATIC);
    }
    sqlite3_bind_int(st, 6, limit + 1); /* one more tells whether a next page exists */
    out->items = kd_xcalloc((size_t)limit, sizeof *out->items);
    rids = kd_xcalloc((size_t)limit, sizeof *rids);
    bool more = false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->len == (size_t)limit) {
            more = true;
            break;
        }
        struct kd_key *k = &out->items[out->len];
        kd_key_init(k);
        rids[out->len] = kd_keyrow_read(st, 0, k);
        out->len++;
        if (out->len == (size_t)limit) {
            free(out->next_cursor);
            const unsigned char *v = sqlite3_column_text(st, KD_KEYROW_NCOLS);
            out->next_cursor = cursor_encode(q->sort, desc, v ? (const char *)v : "", k->id);
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        kd_store_fail(s, err, "listing keys");
        goto out;
    }
    if (!more) {
        free(out->next_cursor);
        out->next_cursor = NULL;
    }
    if (q->page.want_total && count_keys(s, q, pattern, &plan, live, cur_id == NULL, more, out, err) < 0)
        goto out;
    if (kd_keyrow_load_children(s, out->items, rids, out->len, q->include_grants, now, err) < 0)
        goto out;
    ret = 0;
out:
    kd_search_plan_free(&plan);
    free(pattern);
    free(cur_value);
    free(cur_id);
    free(rids);
    if (ret < 0)
        kd_key_page_free(out);
    return ret;
}
