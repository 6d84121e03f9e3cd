/* test_tui_list.c — the virtual list's paging, window and selection. */
#include "tui/list.h"

#include <stdlib.h>

#include "test.h"

/* A data source of `rows` integers 0..rows-1, cursor = decimal offset. */
struct fake {
    int rows;
    bool count;      /* report a total */
    int fail_at;     /* fail when asked for this offset (-1: never) */
    int live_rows;   /* rows allocated and not yet freed */
};

static int fake_fetch(void *ctx, const char *cursor, int limit, bool want_total, void **rows,
                      size_t *n, char **next, int64_t *total, struct kd_error *err)
{
    struct fake *f = ctx;
    int start = cursor ? atoi(cursor) : 0;
    if (start == f->fail_at)
        return kd_error_set(err, KD_ERR_NETWORK, NULL, "timed out");
    int end = start + limit < f->rows ? start + limit : f->rows;
    int *r = malloc(sizeof(int) * (size_t)(end > start ? end - start : 1));
    for (int i = start; i < end; i++)
        r[i - start] = i;
    *rows = r;
    *n = (size_t)(end > start ? end - start : 0);
    f->live_rows += (int)*n;
    *next = NULL;
    if (end < f->rows) {
        *next = malloc(16);
        snprintf(*next, 16, "%d", end);
    }
    *total = f->count && want_total ? f->rows : -1;
    return 0;
}

static struct fake *freeing_fake;
static void fake_free(void *rows, size_t n)
{
    freeing_fake->live_rows -= (int)n;
    free(rows);
}

static void make(struct kd_vlist *l, struct fake *f, int page, int max_pages)
{
    freeing_fake = f;
    struct kd_vlist_source src = {fake_fetch, fake_free, sizeof(int), f};
    kd_vlist_init(l, &src, page, max_pages);
}

START_TEST(test_pages_on_demand)
{
    struct fake f = {.rows = 340, .count = true, .fail_at = -1};
    struct kd_vlist l;
    make(&l, &f, 10, 3);
    ck_assert_uint_eq(kd_vlist_count(&l), 340); /* counted: known before scrolling */
    ck_assert_uint_eq(l.fetches, 1);
    ck_assert_int_eq(*(const int *)kd_vlist_row(&l, 5), 5);
    ck_assert_uint_eq(l.fetches, 1);
    kd_vlist_move(&l, 11, 8); /* past the first page */
    ck_assert_int_eq(*(const int *)kd_vlist_selected(&l), 11);
    ck_assert_uint_eq(l.fetches, 2);
    char foot[32];
    kd_vlist_footer(&l, foot, sizeof foot);
    ck_assert_str_eq(foot, "12 of 340");
    ck_assert_uint_eq(l.top, 4); /* selection kept visible in 8 rows */
    kd_vlist_free(&l);
    ck_assert_int_eq(f.live_rows, 0);
}
END_TEST

START_TEST(test_window_of_pages)
{
    struct fake f = {.rows = 1000, .count = false, .fail_at = -1};
    struct kd_vlist l;
    make(&l, &f, 10, 3);
    kd_vlist_last(&l, 10);
    ck_assert_uint_eq(l.selected, 999);
    ck_assert(kd_vlist_count_exact(&l));
    ck_assert_int_le(f.live_rows, 30); /* at most 3 pages resident */
    /* going back refetches the dropped first page through its kept cursor */
    unsigned before = l.fetches;
    kd_vlist_first(&l, 10);
    ck_assert_int_eq(*(const int *)kd_vlist_selected(&l), 0);
    ck_assert_uint_eq(l.fetches, before + 1);
    ck_assert_int_eq(*(const int *)kd_vlist_row(&l, 555), 555);
    kd_vlist_free(&l);
    ck_assert_int_eq(f.live_rows, 0);
}
END_TEST

START_TEST(test_uncounted_footer_and_growth)
{
    struct fake f = {.rows = 25, .count = false, .fail_at = -1};
    struct kd_vlist l;
    make(&l, &f, 10, 4);
    char foot[32];
    kd_vlist_footer(&l, foot, sizeof foot);
    ck_assert_str_eq(foot, "1 of 10+");
    kd_vlist_move(&l, 100, 5);
    ck_assert_uint_eq(l.selected, 24);
    kd_vlist_footer(&l, foot, sizeof foot);
    ck_assert_str_eq(foot, "25 of 25");
    kd_vlist_move(&l, -3, 5);
    ck_assert_uint_eq(l.selected, 21);
    kd_vlist_move(&l, -100, 5);
    ck_assert_uint_eq(l.selected, 0);
    ck_assert_uint_eq(l.top, 0);
    kd_vlist_free(&l);
}
END_TEST

START_TEST(test_empty_and_failure)
{
    struct fake f = {.rows = 0, .count = true, .fail_at = -1};
    struct kd_vlist l;
    make(&l, &f, 10, 3);
    char foot[32];
    kd_vlist_footer(&l, foot, sizeof foot);
    ck_assert_str_eq(foot, "0 of 0");
    ck_assert_ptr_null(kd_vlist_selected(&l));
    kd_vlist_move(&l, 1, 5);
    ck_assert_uint_eq(l.selected, 0);
    kd_vlist_free(&l);

    struct fake g = {.rows = 50, .count = false, .fail_at = 20};
    make(&l, &g, 10, 3);
    kd_vlist_move(&l, 30, 5);
    ck_assert(l.failed);
    ck_assert_str_eq(l.err.message, "timed out");
    ck_assert_uint_eq(l.selected, 19); /* stays on what could be fetched */
    unsigned fetches = l.fetches;
    kd_vlist_row(&l, 25); /* no retry storm on every repaint */
    ck_assert_uint_eq(l.fetches, fetches);
    kd_vlist_reset(&l); /* refresh retries */
    g.fail_at = -1;
    kd_vlist_clamp(&l, 5);
    ck_assert_int_eq(*(const int *)kd_vlist_row(&l, 25), 25);
    kd_vlist_free(&l);
}
END_TEST

START_TEST(test_reset_keeps_selection_clamped)
{
    struct fake f = {.rows = 30, .count = true, .fail_at = -1};
    struct kd_vlist l;
    make(&l, &f, 10, 3);
    kd_vlist_move(&l, 25, 5);
    f.rows = 12;
    kd_vlist_reset(&l);
    kd_vlist_clamp(&l, 5);
    ck_assert_uint_eq(l.selected, 11);
    ck_assert_uint_eq(l.top, 7);
    kd_vlist_free(&l);
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, test_pages_on_demand);
    tcase_add_test(tc, test_window_of_pages);
    tcase_add_test(tc, test_uncounted_footer_and_growth);
    tcase_add_test(tc, test_empty_and_failure);
    tcase_add_test(tc, test_reset_keeps_selection_clamped);
}

KD_TEST_MAIN(add_cases)
