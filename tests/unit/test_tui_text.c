/* test_tui_text.c — display widths and fitting text into columns. */
#include "tui/text.h"

#include <locale.h>

#include "test.h"

START_TEST(test_widths)
{
    ck_assert_int_eq(kd_text_width("abc"), 3);
    ck_assert_int_eq(kd_text_width(""), 0);
    ck_assert_int_eq(kd_text_width("\xc3\xa9t\xc3\xa9"), 3);  /* été */
    ck_assert_int_eq(kd_text_width("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* 日本: wide */
    ck_assert_int_eq(kd_text_width("a\x1b[2Jb"), 6);           /* ESC shown as '?' */
    ck_assert_int_eq(kd_text_width("\xff\xfe"), 2);            /* invalid bytes */
}
END_TEST

START_TEST(test_wrap)
{
    ck_assert_uint_eq(kd_text_wrap("", 5), 0);
    ck_assert_uint_eq(kd_text_wrap("short", 10), 5);          /* all of it */
    ck_assert_uint_eq(kd_text_wrap("no answer within", 10), 9); /* at the last blank */
    ck_assert_uint_eq(kd_text_wrap("abcdefghijkl", 5), 5);    /* no blank: cut */
    ck_assert_uint_eq(kd_text_wrap("x", 0), 1);               /* always progress */
    /* widths, not bytes: two wide characters take the 4 columns */
    ck_assert_uint_eq(kd_text_wrap("\xe6\x97\xa5\xe6\x9c\xac\xe6\x97\xa5", 4), 6);
}
END_TEST

START_TEST(test_fit)
{
    char out[64];
    ck_assert_int_eq(kd_text_fit("hello", 10, "\xe2\x80\xa6", out, sizeof out), 5);
    ck_assert_str_eq(out, "hello");
    ck_assert_int_eq(kd_text_fit("hello world", 8, "\xe2\x80\xa6", out, sizeof out), 8);
    ck_assert_str_eq(out, "hello w\xe2\x80\xa6");
    ck_assert_int_eq(kd_text_fit("hello world", 8, "~", out, sizeof out), 8);
    ck_assert_str_eq(out, "hello w~");
    /* a wide character never straddles the cut */
    ck_assert_int_eq(kd_text_fit("ab\xe6\x97\xa5\xe6\x9c\xac", 4, "~", out, sizeof out), 3);
    ck_assert_str_eq(out, "ab~");
    ck_assert_int_eq(kd_text_fit("a\x1b" "b", 5, "~", out, sizeof out), 3);
    ck_assert_str_eq(out, "a?b");
    ck_assert_int_eq(kd_text_fit("abc", 0, "~", out, sizeof out), 0);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(kd_text_fit("abcdef", 1, "~", out, sizeof out), 1);
    ck_assert_str_eq(out, "~");
    /* a tiny buffer is never overrun */
    char tiny[4];
    kd_text_fit("abcdefgh", 20, "~", tiny, sizeof tiny);
    ck_assert_str_eq(tiny, "abc");
}
END_TEST

static void add_cases(TCase *tc)
{
    if (!setlocale(LC_ALL, "C.UTF-8")) {
        fprintf(stderr, "the C.UTF-8 locale is missing\n");
        exit(99);
    }
    tcase_add_test(tc, test_widths);
    tcase_add_test(tc, test_fit);
    tcase_add_test(tc, test_wrap);
}

KD_TEST_MAIN(add_cases)
