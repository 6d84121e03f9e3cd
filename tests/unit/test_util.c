/* test_util — time parsing/formatting, civil dates, string lists, errors, clock. */
#include <stdint.h>

#include "test.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/strlist.h"
#include "util/timefmt.h"

#define JAN1_2025 1735689600000LL
#define DAY 86400000LL

static int64_t parse_ok(const char *s, int64_t base)
{
    struct kd_error err;
    int64_t out = -42;
    kd_error_clear(&err);
    ck_assert_msg(kd_time_parse(s, base, &out, &err) == 0, "parse \"%s\": %s", s, err.message);
    return out;
}

static void parse_bad(const char *s, int64_t base)
{
    struct kd_error err;
    int64_t out = -42;
    kd_error_clear(&err);
    ck_assert_msg(kd_time_parse(s, base, &out, &err) == -1, "\"%s\" should not parse", s);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_int_eq(out, -42);
}

static int64_t dur_ok(const char *s)
{
    struct kd_error err;
    int64_t out = -42;
    ck_assert_msg(kd_duration_parse(s, &out, &err) == 0, "duration \"%s\": %s", s, err.message);
    return out;
}

static void dur_bad(const char *s)
{
    struct kd_error err;
    int64_t out = -42;
    kd_error_clear(&err);
    ck_assert_msg(kd_duration_parse(s, &out, &err) == -1, "\"%s\" should not parse", s);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_int_eq(out, -42);
}

START_TEST(time_parse_absolute)
{
    ck_assert_int_eq(parse_ok("1735689600000", 0), JAN1_2025);
    ck_assert_int_eq(parse_ok("0", 0), 0);
    ck_assert_int_eq(parse_ok("2025-01-01", 0), JAN1_2025);
    ck_assert_int_eq(parse_ok("2025-01-01T00:00:00Z", 0), JAN1_2025);
    ck_assert_int_eq(parse_ok("2025-01-01T12:00", 0), JAN1_2025 + 12 * 3600000LL);
    ck_assert_int_eq(parse_ok("2025-01-01T12:34:56.789Z", 0),
                     JAN1_2025 + ((12 * 60 + 34) * 60 + 56) * 1000LL + 789);
    ck_assert_int_eq(parse_ok("2025-01-01T12:00:00.5Z", 0), JAN1_2025 + 12 * 3600000LL + 500);
    /* An offset ahead of UTC means an earlier UTC instant. */
    ck_assert_int_eq(parse_ok("2025-01-01T02:00:00+02:00", 0), JAN1_2025);
    ck_assert_int_eq(parse_ok("2024-12-31T19:00:00-05:00", 0), JAN1_2025);
    ck_assert_int_eq(parse_ok("2024-12-31T19:00:00-0500", 0), JAN1_2025);
    ck_assert_int_eq(parse_ok("1970-01-01T00:00:00Z", 0), 0);
    ck_assert_int_eq(parse_ok("2024-02-29", 0), 1709164800000LL);
}
END_TEST

START_TEST(time_parse_errors)
{
    parse_bad("", 0);
    parse_bad("yesterday", 0);
    parse_bad("2025-13-01", 0);
    parse_bad("2025-02-29", 0); /* not a leap year */
    parse_bad("1900-02-29", 0);
    parse_bad("2025-01-01T24:00:00Z", 0);
    parse_bad("2025-01-01T12:60Z", 0);
    parse_bad("2025-01-01T12:00:00Zjunk", 0);
    parse_bad("2025-1-1", 0);
    parse_bad("99999999999999999999", 0); /* overflows int64 */
    parse_bad("30d", 0);                  /* relative needs a base */
    struct kd_error err;
    int64_t out;
    kd_time_parse("nonsense", 0, &out, &err);
    ck_assert_ptr_nonnull(strstr(err.message, "\"nonsense\""));
    ck_assert_ptr_nonnull(strstr(err.message, "ISO-8601"));
    kd_time_parse("nonsense", JAN1_2025, &out, &err);
    ck_assert_ptr_nonnull(strstr(err.message, "30d"));
}
END_TEST

START_TEST(time_parse_relative)
{
    ck_assert_int_eq(parse_ok("30d", JAN1_2025), JAN1_2025 + 30 * DAY);
    ck_assert_int_eq(parse_ok("12h", JAN1_2025), JAN1_2025 + 12 * 3600000LL);
    ck_assert_int_eq(parse_ok("+90m", JAN1_2025), JAN1_2025 + 90 * 60000LL);
    ck_assert_int_eq(parse_ok("-1h", JAN1_2025), JAN1_2025 - 3600000LL);
    ck_assert_int_eq(parse_ok("now", JAN1_2025), JAN1_2025);
    /* Digits alone stay absolute even with a base. */
    ck_assert_int_eq(parse_ok("1500", JAN1_2025), 1500);
    ck_assert_int_eq(parse_ok("2025-01-02", JAN1_2025), JAN1_2025 + DAY);
    parse_bad("+", JAN1_2025);
    parse_bad("+5x", JAN1_2025);
    parse_bad("+9999999999999w", JAN1_2025); /* overflow */
    parse_bad("+1000000000000d", JAN1_2025);
}
END_TEST

START_TEST(duration_parse)
{
    ck_assert_int_eq(dur_ok("1500"), 1500);
    ck_assert_int_eq(dur_ok("1500ms"), 1500);
    ck_assert_int_eq(dur_ok("30s"), 30000);
    ck_assert_int_eq(dur_ok("5m"), 300000);
    ck_assert_int_eq(dur_ok("12h"), 12 * 3600000LL);
    ck_assert_int_eq(dur_ok("7d"), 7 * DAY);
    ck_assert_int_eq(dur_ok("2w"), 14 * DAY);
    ck_assert_int_eq(dur_ok("1h30m"), 90 * 60000LL);
    ck_assert_int_eq(dur_ok("1d2h3m4s5ms"), DAY + 2 * 3600000LL + 3 * 60000LL + 4005);
    ck_assert_int_eq(dur_ok("0"), 0);
    ck_assert_int_eq(dur_ok("0s"), 0);
    dur_bad("");
    dur_bad("abc");
    dur_bad("5x");
    dur_bad("h");
    dur_bad("1h30");
    dur_bad("-5m");
    dur_bad("1.5h");
    dur_bad("5 m");
    dur_bad("99999999999999999999");
    dur_bad("9223372036854775807w");
    dur_bad("9223372036854775000ms9223372036854775000ms");
    struct kd_error err;
    int64_t out;
    kd_duration_parse("5x", &out, &err);
    ck_assert_ptr_nonnull(strstr(err.message, "\"5x\""));
    ck_assert_ptr_nonnull(strstr(err.message, "1h30m"));
}
END_TEST

START_TEST(format_iso)
{
    char buf[64];
    kd_time_format_iso(JAN1_2025, buf, sizeof buf);
    ck_assert_str_eq(buf, "2025-01-01T00:00:00Z");
    kd_time_format_iso(JAN1_2025 + 45296789, buf, sizeof buf);
    ck_assert_str_eq(buf, "2025-01-01T12:34:56.789Z");
    kd_time_format_iso(0, buf, sizeof buf);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
    kd_time_format_iso(-1, buf, sizeof buf);
    ck_assert_str_eq(buf, "1969-12-31T23:59:59.999Z");
    kd_time_format_iso(4102444800000LL, buf, sizeof buf);
    ck_assert_str_eq(buf, "2100-01-01T00:00:00Z");
    /* Tiny buffers truncate instead of overflowing. */
    char small[5] = "xxxx";
    kd_time_format_iso(JAN1_2025, small, sizeof small);
    ck_assert_str_eq(small, "2025");
}
END_TEST

START_TEST(iso_round_trip)
{
    const int64_t samples[] = {0, 1, 999, JAN1_2025, JAN1_2025 + 123, 951782400000LL,
                               4102444799999LL, 1709164800000LL + 86399999};
    char buf[64];
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        kd_time_format_iso(samples[i], buf, sizeof buf);
        ck_assert_int_eq(parse_ok(buf, 0), samples[i]);
    }
    /* Every day over several years, including 2000 and the 2100 bound. */
    for (int64_t d = 10900; d < 10900 + 4 * 366; d += 7) {
        kd_time_format_iso(d * DAY + 3723000, buf, sizeof buf);
        ck_assert_int_eq(parse_ok(buf, 0), d * DAY + 3723000);
    }
}
END_TEST

START_TEST(format_duration)
{
    char buf[64];
    kd_duration_format(0, buf, sizeof buf);
    ck_assert_str_eq(buf, "0s");
    kd_duration_format(90000, buf, sizeof buf);
    ck_assert_str_eq(buf, "1m30s");
    kd_duration_format(DAY, buf, sizeof buf);
    ck_assert_str_eq(buf, "1d");
    kd_duration_format(1500, buf, sizeof buf);
    ck_assert_str_eq(buf, "1s500ms");
    kd_duration_format(250, buf, sizeof buf);
    ck_assert_str_eq(buf, "250ms");
    kd_duration_format(DAY + 3600000 + 60000 + 1000, buf, sizeof buf);
    ck_assert_str_eq(buf, "1d1h1m1s");
    kd_duration_format(-60000, buf, sizeof buf);
    ck_assert_str_eq(buf, "-1m");
    kd_duration_format(INT64_MIN, buf, sizeof buf); /* must not overflow */
    ck_assert(buf[0] == '-');
    /* Formatting then parsing gives the same duration back. */
    const int64_t ds[] = {1, 999, 1000, 61000, 5400000, 7 * DAY + 1, 2592000000LL};
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        kd_duration_format(ds[i], buf, sizeof buf);
        ck_assert_int_eq(dur_ok(buf), ds[i]);
    }
}
END_TEST

START_TEST(format_relative)
{
    char buf[64];
    int64_t now = JAN1_2025;
    kd_time_format_relative(now + 3 * DAY + 5000, now, buf, sizeof buf);
    ck_assert_str_eq(buf, "in 3d");
    kd_time_format_relative(now - 5 * 60000 - 30000, now, buf, sizeof buf);
    ck_assert_str_eq(buf, "5m ago");
    kd_time_format_relative(now, now, buf, sizeof buf);
    ck_assert_str_eq(buf, "just now");
    kd_time_format_relative(now - 2000, now, buf, sizeof buf);
    ck_assert_str_eq(buf, "just now");
    kd_time_format_relative(now - 2 * 3600000 - 13 * 60000, now, buf, sizeof buf);
    ck_assert_str_eq(buf, "2h ago");
    kd_time_format_relative(now + 45000, now, buf, sizeof buf);
    ck_assert_str_eq(buf, "in 45s");
    kd_time_format_relative(now + 800 * DAY, now, buf, sizeof buf);
    ck_assert_str_eq(buf, "in 2y");
    kd_time_format_relative(INT64_MIN, INT64_MAX, buf, sizeof buf); /* no overflow */
    ck_assert_ptr_nonnull(strstr(buf, "ago"));
}
END_TEST

START_TEST(civil_dates)
{
    ck_assert_int_eq(kd_days_from_civil(1970, 1, 1), 0);
    ck_assert_int_eq(kd_days_from_civil(1969, 12, 31), -1);
    ck_assert_int_eq(kd_days_from_civil(2000, 3, 1), 11017);
    ck_assert_int_eq(kd_days_from_civil(2025, 1, 1) * DAY, JAN1_2025);
    ck_assert_int_eq(kd_days_from_civil(2100, 1, 1) * DAY, 4102444800000LL);
    /* Leap years: 2000 and 2024 are, 1900 and 2100 are not. */
    ck_assert_uint_eq(kd_days_in_month(2000, 2), 29);
    ck_assert_uint_eq(kd_days_in_month(2024, 2), 29);
    ck_assert_uint_eq(kd_days_in_month(1900, 2), 28);
    ck_assert_uint_eq(kd_days_in_month(2100, 2), 28);
    ck_assert_uint_eq(kd_days_in_month(2025, 2), 28);
    ck_assert_uint_eq(kd_days_in_month(2025, 4), 30);
    ck_assert_uint_eq(kd_days_in_month(2025, 12), 31);
    ck_assert_uint_eq(kd_days_in_month(2025, 0), 0);
    ck_assert_uint_eq(kd_days_in_month(2025, 13), 0);
    ck_assert_int_eq(kd_days_from_civil(2000, 3, 1) - kd_days_from_civil(2000, 2, 28), 2);
    ck_assert_int_eq(kd_days_from_civil(1900, 3, 1) - kd_days_from_civil(1900, 2, 28), 1);
    ck_assert_int_eq(kd_days_from_civil(2024, 3, 1) - kd_days_from_civil(2024, 2, 28), 2);
    int y;
    unsigned m, d;
    kd_civil_from_days(kd_days_from_civil(2024, 2, 29), &y, &m, &d);
    ck_assert(y == 2024 && m == 2 && d == 29);
    kd_civil_from_days(-1, &y, &m, &d);
    ck_assert(y == 1969 && m == 12 && d == 31);
    kd_civil_from_days(kd_days_from_civil(1600, 1, 1), &y, &m, &d);
    ck_assert(y == 1600 && m == 1 && d == 1);
    /* Consecutive days map to consecutive dates across many years. */
    int64_t prev = kd_days_from_civil(1896, 1, 1) - 1;
    for (int yy = 1896; yy <= 2104; yy++)
        for (unsigned mm = 1; mm <= 12; mm++)
            for (unsigned dd = 1; dd <= kd_days_in_month(yy, mm); dd++) {
                int64_t days = kd_days_from_civil(yy, mm, dd);
                ck_assert_int_eq(days, prev + 1);
                prev = days;
                kd_civil_from_days(days, &y, &m, &d);
                ck_assert(y == yy && m == mm && d == dd);
            }
}
END_TEST

START_TEST(strlist_functions)
{
    struct kd_strlist l = KD_STRLIST_INIT;
    kd_strlist_split(&l, " b, a ,, c ,");
    ck_assert_uint_eq(l.len, 3);
    ck_assert_str_eq(l.items[0], "b");
    ck_assert_str_eq(l.items[1], "a");
    ck_assert_str_eq(l.items[2], "c");
    ck_assert(kd_strlist_contains(&l, "a"));
    ck_assert(!kd_strlist_contains(&l, "A"));
    ck_assert(!kd_strlist_add_unique(&l, "a"));
    ck_assert(kd_strlist_add_unique(&l, "d"));
    kd_strlist_push(&l, "a");
    ck_assert_uint_eq(l.len, 5);
    ck_assert_uint_eq(kd_strlist_remove(&l, "a"), 2);
    ck_assert_uint_eq(kd_strlist_remove(&l, "zzz"), 0);
    kd_strlist_sort(&l);
    char *j = kd_strlist_join(&l, ", ");
    ck_assert_str_eq(j, "b, c, d");
    free(j);
    struct kd_strlist c = KD_STRLIST_INIT;
    kd_strlist_copy(&c, &l);
    kd_strlist_clear(&l);
    ck_assert_uint_eq(l.len, 0);
    ck_assert_ptr_null(l.items);
    ck_assert_uint_eq(c.len, 3);
    ck_assert_str_eq(c.items[2], "d");
    kd_strlist_clear(&c);
    j = kd_strlist_join(&c, ",");
    ck_assert_str_eq(j, "");
    free(j);
    kd_strlist_split(&c, "");
    ck_assert_uint_eq(c.len, 0);
    kd_strlist_clear(&c);
}
END_TEST

START_TEST(error_helpers)
{
    ck_assert_str_eq(kd_errcode_name(KD_OK), "OK");
    ck_assert_str_eq(kd_errcode_name(KD_ERR_NOT_FOUND), "NOT_FOUND");
    ck_assert_str_eq(kd_errcode_word(KD_ERR_NOT_FOUND), "not found");
    ck_assert_int_eq(kd_errcode_exit_status(KD_ERR_INVALID), 2);
    ck_assert_int_eq(kd_errcode_exit_status(KD_OK), 0);
    struct kd_error err;
    ck_assert_int_eq(kd_error_set(&err, KD_ERR_INVALID, "prefix", "bad %s", "thing"), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.field, "prefix");
    ck_assert_str_eq(err.message, "bad thing");
    ck_assert_int_eq(kd_error_set(NULL, KD_ERR_INVALID, NULL, "ignored"), -1);
    /* Over-long field and message are cut, always NUL-terminated. */
    char longs[2000];
    memset(longs, 'x', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    kd_error_set(&err, KD_ERR_STORE, longs, "%s", longs);
    ck_assert_uint_eq(strlen(err.field), sizeof err.field - 1);
    ck_assert_uint_eq(strlen(err.message), sizeof err.message - 1);
    kd_error_set(&err, KD_ERR_STORE, NULL, "x");
    ck_assert_str_eq(err.field, "");
    kd_error_clear(&err);
    ck_assert_int_eq(err.code, KD_OK);
    ck_assert_str_eq(err.message, "");
    kd_error_clear(NULL);
}
END_TEST

START_TEST(clock_pin_and_env)
{
    kd_clock_pin(JAN1_2025);
    ck_assert(kd_clock_is_pinned());
    ck_assert_int_eq(kd_now_ms(), JAN1_2025);
    kd_clock_advance(1500);
    ck_assert_int_eq(kd_now_ms(), JAN1_2025 + 1500);
    kd_clock_unpin();
    ck_assert(!kd_clock_is_pinned());
    kd_clock_advance(1000); /* no-op unpinned */
    kd_clock_pin(5);
    ck_assert_int_eq(kd_now_ms(), 5);
    kd_clock_unpin();

    struct kd_error err;
    setenv("KEYDECK_NOW", "2025-01-01T00:00:00Z", 1);
    ck_assert_int_eq(kd_clock_init_from_env(&err), 0);
    ck_assert(kd_clock_is_pinned());
    ck_assert_int_eq(kd_now_ms(), JAN1_2025);
    kd_clock_unpin();

    setenv("KEYDECK_NOW", "1700000000123", 1);
    ck_assert_int_eq(kd_clock_init_from_env(&err), 0);
    ck_assert_int_eq(kd_now_ms(), 1700000000123LL);
    kd_clock_unpin();

    setenv("KEYDECK_NOW", "not-a-time", 1);
    kd_error_clear(&err);
    ck_assert_int_eq(kd_clock_init_from_env(&err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.field, "KEYDECK_NOW");
    ck_assert_ptr_nonnull(strstr(err.message, "KEYDECK_NOW"));
    ck_assert(!kd_clock_is_pinned());

    unsetenv("KEYDECK_NOW");
    ck_assert_int_eq(kd_clock_init_from_env(&err), 0);
    ck_assert(!kd_clock_is_pinned());
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, time_parse_absolute);
    tcase_add_test(tc, time_parse_errors);
    tcase_add_test(tc, time_parse_relative);
    tcase_add_test(tc, duration_parse);
    tcase_add_test(tc, format_iso);
    tcase_add_test(tc, iso_round_trip);
    tcase_add_test(tc, format_duration);
    tcase_add_test(tc, format_relative);
    tcase_add_test(tc, civil_dates);
    tcase_add_test(tc, strlist_functions);
    tcase_add_test(tc, error_helpers);
    tcase_add_test(tc, clock_pin_and_env);
}

KD_TEST_MAIN(add_cases)
