/*
 * list.c — the virtual list (see list.h).
 */
#include "tui/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void kd_vlist_init(struct kd_vlist *l, const struct kd_vlist_source *src, int page_size,
                   int max_pages)
{
    memset(l, 0, sizeof *l);
    l->src = *src;
    l->page_size = page_size > 0 ? page_size : 100;
    l->max_pages = max_pages >= 2 ? max_pages : 2;
    kd_vlist_reset(l);
}

static void drop_page(struct kd_vlist *l, size_t p)
{
    struct kd_vlist_page *pg = &l->pages[p];
    if (pg->loaded && l->src.free_rows)
        l->src.free_rows(pg->rows, pg->n);
    pg->rows = NULL;
    pg->n = 0;
    pg->loaded = false;
}

void kd_vlist_reset(struct kd_vlist *l)
{
    for (size_t p = 0; p < l->n_pages; p++) {
        drop_page(l, p);
        free(l->cursors[p]);
    }
    free(l->pages);
    free(l->cursors);
    l->cap_pages = 4;
    l->pages = kd_xcalloc(l->cap_pages, sizeof *l->pages);
    l->cursors = kd_xcalloc(l->cap_pages, sizeof *l->cursors);
    l->n_pages = 1; /* page 0 always starts at the NULL cursor */
    l->end_known = false;
    l->end_rows = 0;
    l->total = -1;
    l->failed = false;
    kd_error_clear(&l->err);
}

void kd_vlist_free(struct kd_vlist *l)
{
    for (size_t p = 0; p < l->n_pages; p++) {
        drop_page(l, p);
        free(l->cursors[p]);
    }
    free(l->pages);
    free(l->cursors);
    l->pages = NULL;
    l->cursors = NULL;
    l->n_pages = 0;
}

static void add_page_slot(struct kd_vlist *l, char *cursor)
{
    if (l->n_pages == l->cap_pages) {
        size_t ncap = l->cap_pages * 2;
        l->pages = kd_xrealloc(l->pages, ncap * sizeof *l->pages);
        l->cursors = kd_xrealloc(l->cursors, ncap * sizeof *l->cursors);
        memset(l->pages + l->cap_pages, 0, (ncap - l->cap_pages) * sizeof *l->pages);
        memset(l->cursors + l->cap_pages, 0, (ncap - l->cap_pages) * sizeof *l->cursors);
        l->cap_pages = ncap;
    }
    l->cursors[l->n_pages++] = cursor;
}

/* Keep memory bounded: drop the least recently used pages beyond max_pages. */
static void evict(struct kd_vlist *l, size_t keep)
{
    for (;;) {
        size_t loaded = 0, victim = (size_t)-1;
        uint64_t oldest = UINT64_MAX;
        for (size_t p = 0; p < l->n_pages; p++) {
            if (!l->pages[p].loaded)
                continue;
            loaded++;
            if (p != keep && l->pages[p].last_used < oldest) {
                oldest = l->pages[p].last_used;
                victim = p;
            }
        }
        if (loaded <= (size_t)l->max_pages || victim == (size_t)-1)
            return;
        drop_page(l, victim);
    }
}

/* Fetch page p, whose cursor is known. */
static int load_page(struct kd_vlist *l, size_t p)
{
    void *rows = NULL;
    size_t n = 0;
    char *next = NULL;
    int64_t total = -1;
    struct kd_error err;
    kd_error_clear(&err);
    l->fetches++;
    if (l->src.fetch(l->src.ctx, l->cursors[p], l->page_size, p == 0, &rows, &n, &next, &total,
                     &err) != 0) {
        l->failed = true;
        l->err = err;
        return -1;
    }
    struct kd_vlist_page *pg = &l->pages[p];
    pg->rows = rows;
    pg->n = n;
    pg->loaded = true;
    pg->last_used = ++l->clock;
    if (p == 0 && total >= 0)
        l->total = total;
    /* A short page ends the list even if a cursor came back: indexing assumes
     * full pages, and a backend only returns fewer rows at the end. */
    if (!next || n < (size_t)l->page_size) {
        free(next);
        l->end_known = true;
        l->end_rows = p * (size_t)l->page_size + n;
    } else if (p + 1 == l->n_pages) {
        add_page_slot(l, next);
    } else {
        free(next); /* already known from an earlier visit */
    }
    evict(l, p);
    return 0;
}

/* Make page p resident, walking the cursor chain from the last known page. */
static struct kd_vlist_page *ensure_page(struct kd_vlist *l, size_t p)
{
    if (l->failed)
        return NULL;
    while (p >= l->n_pages) {
        if (l->end_known)
            return NULL;
        size_t last = l->n_pages - 1;
        if (l->pages[last].loaded) {
            /* Loaded but no next slot: it was the end. */
            return NULL;
        }
        if (load_page(l, last) != 0)
            return NULL;
    }
    /* Loading may grow l->pages (a new cursor slot): index it only after. */
    if (!l->pages[p].loaded && load_page(l, p) != 0)
        return NULL;
    struct kd_vlist_page *pg = &l->pages[p];
    pg->last_used = ++l->clock;
    return pg;
}

const void *kd_vlist_row(struct kd_vlist *l, size_t i)
{
    size_t p = i / (size_t)l->page_size, off = i % (size_t)l->page_size;
    if (l->end_known && i >= l->end_rows)
        return NULL;
    struct kd_vlist_page *pg = ensure_page(l, p);
    if (!pg || off >= pg->n)
        return NULL;
    return (const char *)pg->rows + off * l->src.row_size;
}

const void *kd_vlist_selected(struct kd_vlist *l)
{
    return kd_vlist_row(l, l->selected);
}

size_t kd_vlist_count(struct kd_vlist *l)
{
    /* Nothing fetched since the last reset: the first page tells the count. */
    if (!l->failed && l->n_pages == 1 && !l->pages[0].loaded && !l->end_known)
        ensure_page(l, 0);
    if (l->end_known)
        return l->end_rows;
    if (l->total >= 0)
        return (size_t)l->total;
    /* Open-ended: everything up to the last page seen. */
    size_t seen = 0;
    for (size_t p = 0; p < l->n_pages; p++)
        if (l->pages[p].loaded)
            seen = p * (size_t)l->page_size + l->pages[p].n;
    if (l->n_pages > 1 && seen < (l->n_pages - 1) * (size_t)l->page_size)
        seen = (l->n_pages - 1) * (size_t)l->page_size;
    return seen;
}

bool kd_vlist_count_exact(const struct kd_vlist *l)
{
    return l->end_known || l->total >= 0;
}

static void keep_visible(struct kd_vlist *l, int height)
{
    if (height < 1)
        height = 1;
    if (l->selected < l->top)
        l->top = l->selected;
    if (l->selected >= l->top + (size_t)height)
        l->top = l->selected - (size_t)height + 1;
}

void kd_vlist_clamp(struct kd_vlist *l, int height)
{
    size_t n = kd_vlist_count(l);
    if (n == 0) {
        l->selected = l->top = 0;
        return;
    }
    if (l->selected >= n)
        l->selected = n - 1;
    if (height < 1)
        height = 1;
    /* No blank space below the last row when rows above could fill it. */
    if (l->top + (size_t)height > n)
        l->top = n > (size_t)height ? n - (size_t)height : 0;
    keep_visible(l, height);
}

void kd_vlist_move(struct kd_vlist *l, long delta, int height)
{
    size_t n = kd_vlist_count(l);
    if (delta > 0) {
        size_t target = l->selected + (size_t)delta;
        /* Past the rows seen so far: fetch on until the target or the end. */
        if (target >= n && !kd_vlist_count_exact(l)) {
            kd_vlist_row(l, target);
            n = kd_vlist_count(l);
        }
        if (n == 0)
            target = 0;
        else if (target >= n)
            target = n - 1;
        l->selected = target;
    } else if (delta < 0) {
        size_t back = (size_t)(-delta);
        l->selected = back > l->selected ? 0 : l->selected - back;
    }
    keep_visible(l, height);
}

void kd_vlist_first(struct kd_vlist *l, int height)
{
    l->selected = 0;
    l->top = 0;
    keep_visible(l, height);
}

void kd_vlist_last(struct kd_vlist *l, int height)
{
    /* The end may be pages away: walk until the list knows where it is. */
    while (!l->end_known && !l->failed) {
        size_t last = l->n_pages - 1;
        if (!ensure_page(l, last))
            break;
        if (l->n_pages - 1 == last)
            break;
    }
    size_t n = kd_vlist_count(l);
    l->selected = n ? n - 1 : 0;
    keep_visible(l, height);
}

void kd_vlist_footer(struct kd_vlist *l, char *buf, size_t len)
{
    size_t n = kd_vlist_count(l);
    snprintf(buf, len, "%zu of %zu%s", n ? l->selected + 1 : 0, n,
             kd_vlist_count_exact(l) ? "" : "+");
}
