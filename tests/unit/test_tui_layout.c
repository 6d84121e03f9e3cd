/* test_tui_layout.c — the main screen's geometry, without a terminal. */
#include "tui/layout.h"

#include "test.h"

static void check_inside(int cols, int rows, const struct kd_rect *r)
{
    for (int a = 0; a < KD_AREA_COUNT; a++) {
        ck_assert_int_ge(r[a].x, 0);
        ck_assert_int_ge(r[a].y, 0);
        ck_assert_int_ge(r[a].w, 0);
        ck_assert_int_ge(r[a].h, 0);
        ck_assert_int_le(r[a].x + r[a].w, cols);
        ck_assert_int_le(r[a].y + r[a].h, rows);
    }
}

/* Two rects overlap when they share a cell. */
static bool overlap(struct kd_rect a, struct kd_rect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

START_TEST(test_80x24_three_panes_fit)
{
    struct kd_rect r[KD_AREA_COUNT];
    bool stacked = false;
    ck_assert_int_eq(kd_layout_compute(80, 24, NULL, r, &stacked), KD_LAYOUT_OK);
    check_inside(80, 24, r);
    ck_assert(stacked); /* below 100 columns the detail goes under the keys */
    ck_assert_int_eq(r[KD_AREA_STATUS].y, 0);
    ck_assert_int_eq(r[KD_AREA_STATUS].w, 80);
    ck_assert_int_eq(r[KD_AREA_HINT].y, 23);
    ck_assert_int_lt(r[KD_AREA_APIS].w, r[KD_AREA_KEYS].w);
    ck_assert_int_ge(r[KD_AREA_KEYS].w, 60);
    ck_assert_int_ge(r[KD_AREA_DETAIL].h, 6);
    ck_assert_int_ge(r[KD_AREA_KEYS].h, 5);
    for (int a = 0; a < KD_AREA_COUNT; a++)
        for (int b = a + 1; b < KD_AREA_COUNT; b++)
            ck_assert_msg(!overlap(r[a], r[b]), "areas %d and %d overlap", a, b);
}
END_TEST

START_TEST(test_wide_three_columns)
{
    struct kd_rect r[KD_AREA_COUNT];
    bool stacked = true;
    ck_assert_int_eq(kd_layout_compute(120, 40, NULL, r, &stacked), KD_LAYOUT_OK);
    check_inside(120, 40, r);
    ck_assert(!stacked);
    ck_assert_int_eq(r[KD_AREA_APIS].x, 0);
    ck_assert_int_eq(r[KD_AREA_KEYS].x, r[KD_AREA_APIS].w);
    ck_assert_int_eq(r[KD_AREA_DETAIL].x, r[KD_AREA_KEYS].x + r[KD_AREA_KEYS].w);
    ck_assert_int_eq(r[KD_AREA_DETAIL].x + r[KD_AREA_DETAIL].w, 120);
    ck_assert_int_gt(r[KD_AREA_KEYS].w, r[KD_AREA_DETAIL].w);
    ck_assert_int_gt(r[KD_AREA_KEYS].w, r[KD_AREA_APIS].w);
    ck_assert_int_eq(r[KD_AREA_KEYS].h, 38);
}
END_TEST

START_TEST(test_too_small)
{
    struct kd_rect r[KD_AREA_COUNT];
    ck_assert_int_eq(kd_layout_compute(50, 12, NULL, r, NULL), KD_LAYOUT_TOO_SMALL);
    for (int a = 0; a < KD_AREA_COUNT; a++)
        ck_assert_int_eq(r[a].w, 0);
    ck_assert_int_eq(kd_layout_compute(59, 40, NULL, r, NULL), KD_LAYOUT_TOO_SMALL);
    ck_assert_int_eq(kd_layout_compute(200, 14, NULL, r, NULL), KD_LAYOUT_TOO_SMALL);
    ck_assert_int_eq(kd_layout_compute(0, 0, NULL, r, NULL), KD_LAYOUT_TOO_SMALL);
    ck_assert_int_eq(kd_layout_compute(-5, -5, NULL, r, NULL), KD_LAYOUT_TOO_SMALL);
    ck_assert_int_eq(kd_layout_compute(60, 15, NULL, r, NULL), KD_LAYOUT_OK);
}
END_TEST

/* Every size from the minimum up: rects inside the screen, panes not empty. */
START_TEST(test_every_size_is_sane)
{
    struct kd_rect r[KD_AREA_COUNT];
    for (int c = KD_LAYOUT_MIN_COLS; c <= 260; c += 3) {
        for (int rows = KD_LAYOUT_MIN_ROWS; rows <= 80; rows += 5) {
            ck_assert_int_eq(kd_layout_compute(c, rows, NULL, r, NULL), KD_LAYOUT_OK);
            check_inside(c, rows, r);
            ck_assert_int_ge(r[KD_AREA_KEYS].w, 30);
            ck_assert_int_ge(r[KD_AREA_KEYS].h, 5);
            ck_assert_int_ge(r[KD_AREA_DETAIL].h, 5);
            ck_assert_int_ge(r[KD_AREA_APIS].w, 16);
        }
    }
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, test_80x24_three_panes_fit);
    tcase_add_test(tc, test_wide_three_columns);
    tcase_add_test(tc, test_too_small);
    tcase_add_test(tc, test_every_size_is_sane);
}

KD_TEST_MAIN(add_cases)
