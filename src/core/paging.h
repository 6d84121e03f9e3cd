/*
 * paging.h — keyset paging by id for the small tables (APIs, roles,
 * permissions): ids sort by creation time, so "id > cursor ORDER BY id" pages
 * in creation order without OFFSET.  Keys page on their own (key_list.c),
 * because they also sort by other columns.
 */
#ifndef KD_CORE_PAGING_H
#define KD_CORE_PAGING_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "core/store.h"
#include "model/page.h"

struct kd_id_paging {
    const char *select;    /* "SELECT x.id, … FROM t x WHERE <condition>": column 0 is the id */
    const char *filter;    /* " AND (…)" using :filter; applied when the query has a filter */
    const char *count;     /* "SELECT count(*) FROM t x WHERE <condition>" */
    const char *id_column; /* "x.id" */
    size_t item_size;
    void (*read_row)(sqlite3_stmt *st, void *item);
    const char *what;      /* "APIs", for error messages */
};

/**
 * Read one page into *items / *len (grown with kd_xgrow), set *next_cursor when
 * more rows follow and *total when q->want_total.  On failure the items read so
 * far stay in *items for the caller's page-free function.
 */
int kd_page_by_id(struct kd_store *s, const struct kd_id_paging *p, const struct kd_list_query *q,
                  void **items, size_t *len, char **next_cursor, int64_t *total,
                  struct kd_error *err);

/** Bind text to a named parameter when the statement has it. */
void kd_bind_named(sqlite3_stmt *st, const char *name, const char *value);

#endif
