#include "core/paging.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void kd_bind_named(sqlite3_stmt *st, const char *name, const char *value)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_text(st, i, value, -1, SQLITE_STATIC);
}

static int count_rows(struct kd_store *s, const struct kd_id_paging *p, bool filtered,
                      const struct kd_list_query *q, int64_t *total, struct kd_error *err)
{
    char *sql = kd_xasprintf("%s%s", p->count, filtered ? p->filter : "");
    sqlite3_stmt *st = kd_store_stmt(s, sql, err);
    free(sql);
    if (!st)
        return -1;
    kd_bind_named(st, ":filter", q->filter);
    int rc = sqlite3_step(st);
    *total = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : kd_store_fail(s, err, "counting");
}

int kd_page_by_id(struct kd_store *s, const struct kd_id_paging *p, const struct kd_list_query *q,
                  void **items, size_t *len, char **next_cursor, int64_t *total,
                  struct kd_error *err)
{
    static const struct kd_list_query none;
    if (!q)
        q = &none;
    bool filtered = q->filter && *q->filter;
    int limit = kd_page_limit(q);
    char *sql = kd_xasprintf("%s%s%s%s%s ORDER BY %s LIMIT :limit", p->select,
                             q->cursor ? " AND " : "", q->cursor ? p->id_column : "",
                             q->cursor ? " > :cursor" : "", filtered ? p->filter : "",
                             p->id_column);
    sqlite3_stmt *st = kd_store_stmt(s, sql, err);
    free(sql);
    if (!st)
        return -1;
    kd_bind_named(st, ":cursor", q->cursor);
    kd_bind_named(st, ":filter", q->filter);
    /* One row more than the page tells whether another page follows. */
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":limit"), limit + 1);
    size_t cap = 0;
    bool more = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*len == (size_t)limit) {
            more = true;
            break;
        }
        *items = kd_xgrow(*items, &cap, *len + 1, p->item_size);
        void *item = (char *)*items + *len * p->item_size;
        memset(item, 0, p->item_size);
        p->read_row(st, item);
        ++*len;
        if (*len == (size_t)limit) {
            free(*next_cursor);
            *next_cursor = kd_xstrdup((const char *)sqlite3_column_text(st, 0));
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return kd_store_fail(s, err, p->what);
    if (!more) {
        free(*next_cursor);
        *next_cursor = NULL;
    }
    if (q->want_total)
        return count_rows(s, p, filtered, q, total, err);
    return 0;
}
