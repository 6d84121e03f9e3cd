/* test_tui_chart.c — sparkline levels and bars (tui/chart.h). */
#include "tui/chart.h"

#include <string.h>

#include "test.h"

START_TEST(test_levels)
{
    ck_assert_int_eq(kd_chart_levels(true), 8);
    ck_assert_int_eq(kd_chart_levels(false), 5);
    ck_assert_int_eq(kd_chart_level(0, 10, 8), 0);
    ck_assert_int_eq(kd_chart_level(-3, 10, 8), 0);
    ck_assert_int_eq(kd_chart_level(1, 1000, 8), 1); /* tiny but not nothing */
    ck_assert_int_eq(kd_chart_level(10, 10, 8), 8);
    ck_assert_int_eq(kd_chart_level(50, 10, 8), 8);
    ck_assert_int_eq(kd_chart_level(5, 10, 8), 4);
    ck_assert_int_eq(kd_chart_level(6, 10, 8), 5); /* rounds up */
    ck_assert_int_eq(kd_chart_level(3, 0, 8), 0);
}
END_TEST

START_TEST(test_sparkline_utf8)
{
    int64_t v[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    char out[64];
    int n = kd_chart_sparkline(v, 9, 80, true, out, sizeof out);
    ck_assert_int_eq(n, 9);
    ck_assert_str_eq(out, " \u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
}
END_TEST

START_TEST(test_sparkline_ascii_and_width)
{
    int64_t v[] = {100, 0, 1, 2, 3, 4, 5};
    char out[64];
    /* Width 6 keeps the newest six: the 100 falls off and 5 becomes the top. */
    int n = kd_chart_sparkline(v, 7, 6, false, out, sizeof out);
    ck_assert_int_eq(n, 6);
    ck_assert_str_eq(out, " _.-=#");
    /* All zero: blanks, not a floor of "_". */
    int64_t z[4] = {0, 0, 0, 0};
    ck_assert_int_eq(kd_chart_sparkline(z, 4, 10, false, out, sizeof out), 4);
    ck_assert_str_eq(out, "    ");
    /* A buffer too small for every cell stops at a whole glyph. */
    char tiny[7];
    n = kd_chart_sparkline(v, 7, 6, true, tiny, sizeof tiny);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(tiny, " \u2582"); /* 1 of 5 on eight levels: two steps */
    ck_assert_int_eq(kd_chart_sparkline(v, 7, 0, true, out, sizeof out), 0);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_bars)
{
    ck_assert_int_eq(kd_chart_bar_cells(0, 100, 20), 0);
    ck_assert_int_eq(kd_chart_bar_cells(1, 1000, 20), 1); /* rare, still visible */
    ck_assert_int_eq(kd_chart_bar_cells(100, 100, 20), 20);
    ck_assert_int_eq(kd_chart_bar_cells(50, 100, 20), 10);
    ck_assert_int_eq(kd_chart_bar_cells(53, 100, 10), 5);
    ck_assert_int_eq(kd_chart_bar_cells(55, 100, 10), 6); /* rounded */
    ck_assert_int_eq(kd_chart_bar_cells(5, 100, 0), 0);
    char out[32];
    kd_chart_bar(3, false, out, sizeof out);
    ck_assert_str_eq(out, "###");
    kd_chart_bar(2, true, out, sizeof out);
    ck_assert_str_eq(out, "\u2588\u2588");
    kd_chart_bar(20, true, out, 8); /* room for two glyphs of three bytes */
    ck_assert_str_eq(out, "\u2588\u2588");
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, test_levels);
    tcase_add_test(tc, test_sparkline_utf8);
    tcase_add_test(tc, test_sparkline_ascii_and_width);
    tcase_add_test(tc, test_bars);
}

KD_TEST_MAIN(add_cases)
