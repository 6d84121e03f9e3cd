/*
 * list.h — a virtual list: rows come from a data source page by page as the
 * user scrolls, and only a window of pages stays in memory.
 *
 * The list knows nothing of keys or drawing: it holds the selection and the
 * scroll position, fetches what the visible rows need, and says how many rows
 * there are ("12 of 340" — or "12 of 300+" while the end is unknown and the
 * backend does not count).  Pages are reached through cursors, as the backend
 * pages: page i's cursor is the next_cursor of page i-1, so cursors are kept for
 * every page seen even when the page's rows have been dropped.
 */
#ifndef KD_TUI_LIST_H
#define KD_TUI_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct kd_vlist_source {
    /**
     * Fetch up to limit rows starting at cursor (NULL: the first page).  On
     * success *rows is a malloc'd array of *n rows of row_size bytes (now owned by
     * the list), *next_cursor a malloc'd cursor or NULL at the end, and *total
     * the count of all rows or -1 (asked for only when want_total).
     */
    int (*fetch)(void *ctx, const char *cursor, int limit, bool want_total, void **rows,
                 size_t *n, char **next_cursor, int64_t *total, struct kd_error *err);
    /** Free the members of n rows and the array itself. */
    void (*free_rows)(void *rows, size_t n);
    size_t row_size;
    void *ctx;
};

struct kd_vlist_page {
    void *rows;
    size_t n;
    bool loaded;
    uint64_t last_used; /* for evicting the least recently used page */
};

struct kd_vlist {
    struct kd_vlist_source src;
    int page_size;
    int max_pages;          /* pages kept in memory */
    struct kd_vlist_page *pages;
    char **cursors;         /* cursors[i]: where page i starts (cursors[0] = NULL) */
    size_t n_pages;         /* pages known to exist (cursor known) */
    size_t cap_pages;
    bool end_known;         /* a page came back without a next cursor */
    size_t end_rows;        /* rows in all pages, when end_known */
    int64_t total;          /* the backend's count; -1 unknown */
    size_t selected, top;
    uint64_t clock;         /* LRU tick */
    bool failed;            /* the last fetch failed: err says why */
    struct kd_error err;
    unsigned fetches;       /* pages fetched so far (tests watch the paging) */
};

void kd_vlist_init(struct kd_vlist *l, const struct kd_vlist_source *src, int page_size,
                   int max_pages);
/** Drop every row and cursor (keeps the selection index, clamped later). */
void kd_vlist_reset(struct kd_vlist *l);
void kd_vlist_free(struct kd_vlist *l);

/** Row i, fetching its page (and the cursors before it) when needed; NULL past
 *  the end or on a failed fetch. */
const void *kd_vlist_row(struct kd_vlist *l, size_t i);
/** The selected row, or NULL. */
const void *kd_vlist_selected(struct kd_vlist *l);

/** Rows known to exist: the total when known, else rows seen so far. */
size_t kd_vlist_count(struct kd_vlist *l);
/** True when the count is exact (counted by the backend or end reached). */
bool kd_vlist_count_exact(const struct kd_vlist *l);

/** Move the selection by delta rows (clamped), keeping it visible in height rows. */
void kd_vlist_move(struct kd_vlist *l, long delta, int height);
void kd_vlist_first(struct kd_vlist *l, int height);
void kd_vlist_last(struct kd_vlist *l, int height);
/** Clamp selection and scroll after a reset or a resize. */
void kd_vlist_clamp(struct kd_vlist *l, int height);

/** The "12 of 340" footer text ("0 of 0" when empty; "12 of 300+" when open). */
void kd_vlist_footer(struct kd_vlist *l, char *buf, size_t len);

#endif
