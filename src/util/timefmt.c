#include "util/timefmt.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MS_PER_SEC 1000LL
#define MS_PER_MIN (60 * MS_PER_SEC)
#define MS_PER_HOUR (60 * MS_PER_MIN)
#define MS_PER_DAY (24 * MS_PER_HOUR)
#define MS_PER_WEEK (7 * MS_PER_DAY)

/* Inputs are quoted back in messages; keep the quote short and printable so a
 * hostile string cannot flood or garble a terminal. */
static void quote_input(const char *s, char *buf, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; s[i] && o + 5 < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i >= 64) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    buf[o] = '\0';
}

/* ---- civil dates (proleptic Gregorian) ----------------------------------- */

/* Eras of 400 years repeat exactly (146097 days), so shifting the year to start
 * in March puts the leap day last and makes the day-of-year formula linear. */
int64_t kd_days_from_civil(int y, unsigned m, unsigned d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;                               /* [0, 399] */
    int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;       /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;          /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;        /* [0, 146096] */
    return era * 146097 + doe - 719468;                         /* 1970-03-01 offset */
}

void kd_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                        /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;   /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                 /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                      /* [0, 11] */
    unsigned dd = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    unsigned mm = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    int64_t yy = yoe + era * 400 + (mm <= 2);
    if (y)
        *y = (int)yy;
    if (m)
        *m = mm;
    if (d)
        *d = dd;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned kd_days_in_month(int y, unsigned m)
{
    static const unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    if (m == 2 && is_leap(y))
        return 29;
    return days[m - 1];
}

/* ---- parsing helpers ------------------------------------------------------ */

/* Exactly n digits at *p; advances. */
static bool take_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

/* A non-negative decimal integer that fits int64; false on overflow. */
static bool parse_u63(const char *s, size_t n, int64_t *out)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s[i] - '0', &v))
            return false;
    }
    *out = v;
    return true;
}

/* ISO-8601: YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|±HH:MM|±HHMM].  Returns false when
 * the text is not of that shape or a field is out of range. */
static bool parse_iso(const char *s, int64_t *out)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t frac_ms = 0;
    if (!take_digits(&p, 4, &y) || *p++ != '-' || !take_digits(&p, 2, &mo) || *p++ != '-' ||
        !take_digits(&p, 2, &d))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > kd_days_in_month(y, (unsigned)mo))
        return false;
    int64_t offset_ms = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!take_digits(&p, 2, &h) || *p++ != ':' || !take_digits(&p, 2, &mi))
            return false;
        if (*p == ':') {
            p++;
            if (!take_digits(&p, 2, &sec))
                return false;
            if (*p == '.' || *p == ',') {
                p++;
                if (!isdigit((unsigned char)*p))
                    return false;
                /* Keep milliseconds; finer digits are dropped, not rounded. */
                int64_t scale = 100;
                for (; isdigit((unsigned char)*p); p++) {
                    frac_ms += (*p - '0') * scale;
                    scale /= 10;
                }
            }
        }
        if (h > 23 || mi > 59 || sec > 59)
            return false;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, oh, om;
            if (!take_digits(&p, 2, &oh))
                return false;
            if (*p == ':')
                p++;
            if (!take_digits(&p, 2, &om) || oh > 23 || om > 59)
                return false;
            offset_ms = sign * (oh * MS_PER_HOUR + om * MS_PER_MIN);
        }
    }
    if (*p != '\0')
        return false;
    int64_t days = kd_days_from_civil(y, (unsigned)mo, (unsigned)d);
    /* "+01:00" means local time is ahead of UTC, so subtract it. */
    *out = days * MS_PER_DAY + h * MS_PER_HOUR + mi * MS_PER_MIN + sec * MS_PER_SEC +
           frac_ms - offset_ms;
    return true;
}

static const char duration_help[] =
    "use a number of milliseconds or units ms, s, m, h, d, w, e.g. 1500, 30s, 5m, 12h, 7d, 1h30m";

int kd_duration_parse(const char *s, int64_t *out_ms, struct kd_error *err)
{
    char q[80];
    if (!s)
        s = "";
    quote_input(s, q, sizeof q);
    if (!*s)
        return kd_error_set(err, KD_ERR_INVALID, NULL, "empty duration: %s", duration_help);
    if (all_digits(s)) {
        int64_t v;
        if (!parse_u63(s, strlen(s), &v))
            return kd_error_set(err, KD_ERR_INVALID, NULL, "duration \"%s\" is too large", q);
        *out_ms = v;
        return 0;
    }
    int64_t total = 0;
    const char *p = s;
    while (*p) {
        const char *num = p;
        while (isdigit((unsigned char)*p))
            p++;
        if (p == num)
            return kd_error_set(err, KD_ERR_INVALID, NULL, "\"%s\" is not a duration: %s", q,
                                duration_help);
        size_t ndig = (size_t)(p - num);
        int64_t unit;
        if (p[0] == 'm' && p[1] == 's') {
            unit = 1;
            p += 2;
        } else {
            switch (*p) {
            case 's': unit = MS_PER_SEC; break;
            case 'm': unit = MS_PER_MIN; break;
            case 'h': unit = MS_PER_HOUR; break;
            case 'd': unit = MS_PER_DAY; break;
            case 'w': unit = MS_PER_WEEK; break;
            default:
                return kd_error_set(err, KD_ERR_INVALID, NULL, "\"%s\" is not a duration: %s",
                                    q, duration_help);
            }
            p++;
        }
        int64_t v, part;
        if (!parse_u63(num, ndig, &v) || __builtin_mul_overflow(v, unit, &part) ||
            __builtin_add_overflow(total, part, &total))
            return kd_error_set(err, KD_ERR_INVALID, NULL, "duration \"%s\" is too large", q);
    }
    *out_ms = total;
    return 0;
}

int kd_time_parse(const char *s, int64_t base_ms, int64_t *out_ms, struct kd_error *err)
{
    char q[80];
    if (!s)
        s = "";
    quote_input(s, q, sizeof q);
    const char *accepted =
        base_ms > 0 ? "use Unix milliseconds, an ISO-8601 UTC time such as "
                      "2025-01-01T00:00:00Z, or a time relative to now such as 30d, +12h or -90m"
                    : "use Unix milliseconds or an ISO-8601 UTC time such as 2025-01-01T00:00:00Z";
    if (!*s)
        return kd_error_set(err, KD_ERR_INVALID, NULL, "empty time: %s", accepted);
    if (all_digits(s)) {
        int64_t v;
        if (!parse_u63(s, strlen(s), &v))
            return kd_error_set(err, KD_ERR_INVALID, NULL, "time \"%s\" is too large", q);
        *out_ms = v;
        return 0;
    }
    if (isdigit((unsigned char)s[0]) && strlen(s) >= 5 && s[4] == '-') {
        if (!parse_iso(s, out_ms))
            return kd_error_set(err, KD_ERR_INVALID, NULL,
                                "\"%s\" is not a valid date/time: %s", q, accepted);
        return 0;
    }
    if (base_ms > 0) {
        if (strcmp(s, "now") == 0) {
            *out_ms = base_ms;
            return 0;
        }
        int sign = 1;
        const char *d = s;
        if (*d == '+' || *d == '-')
            sign = *d++ == '-' ? -1 : 1;
        int64_t delta, t;
        struct kd_error derr;
        if (kd_duration_parse(d, &delta, &derr) != 0) {
            if (strstr(derr.message, "too large"))
                return kd_error_set(err, KD_ERR_INVALID, NULL, "time \"%s\" is too far away", q);
            return kd_error_set(err, KD_ERR_INVALID, NULL, "\"%s\" is not a time: %s", q,
                                accepted);
        }
        if (__builtin_add_overflow(base_ms, sign * delta, &t))
            return kd_error_set(err, KD_ERR_INVALID, NULL, "time \"%s\" is too far away", q);
        *out_ms = t;
        return 0;
    }
    return kd_error_set(err, KD_ERR_INVALID, NULL, "\"%s\" is not a time: %s", q, accepted);
}

/* ---- formatting ----------------------------------------------------------- */

void kd_time_format_iso(int64_t ms, char *buf, size_t len)
{
    if (!buf || len == 0)
        return;
    /* Floor division so times before 1970 still print the right calendar day. */
    int64_t days = ms / MS_PER_DAY, rem = ms % MS_PER_DAY;
    if (rem < 0) {
        rem += MS_PER_DAY;
        days--;
    }
    int y;
    unsigned m, d;
    kd_civil_from_days(days, &y, &m, &d);
    int h = (int)(rem / MS_PER_HOUR), mi = (int)(rem / MS_PER_MIN % 60),
        s = (int)(rem / MS_PER_SEC % 60), milli = (int)(rem % 1000);
    if (milli)
        snprintf(buf, len, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d, h, mi, s, milli);
    else
        snprintf(buf, len, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, h, mi, s);
}

void kd_duration_format(int64_t ms, char *buf, size_t len)
{
    if (!buf || len == 0)
        return;
    static const struct {
        int64_t ms;
        const char *unit;
    } units[] = {{MS_PER_DAY, "d"}, {MS_PER_HOUR, "h"}, {MS_PER_MIN, "m"},
                 {MS_PER_SEC, "s"}, {1, "ms"}};
    if (ms == 0) {
        snprintf(buf, len, "0s");
        return;
    }
    size_t o = 0;
    buf[0] = '\0';
    /* Work on the magnitude as unsigned so INT64_MIN does not overflow. */
    uint64_t v = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    if (ms < 0 && o + 1 < len) {
        buf[o++] = '-';
        buf[o] = '\0';
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        uint64_t n = v / (uint64_t)units[i].ms;
        if (n == 0)
            continue;
        v -= n * (uint64_t)units[i].ms;
        if (o < len) {
            int w = snprintf(buf + o, len - o, "%" PRIu64 "%s", n, units[i].unit);
            if (w < 0)
                return;
            o += (size_t)w;
        }
    }
}

void kd_time_format_relative(int64_t ms, int64_t now_ms, char *buf, size_t len)
{
    if (!buf || len == 0)
        return;
    static const struct {
        int64_t ms;
        const char *unit;
    } units[] = {{365 * MS_PER_DAY, "y"}, {MS_PER_DAY, "d"}, {MS_PER_HOUR, "h"},
                 {MS_PER_MIN, "m"},       {MS_PER_SEC, "s"}};
    int64_t diff;
    if (__builtin_sub_overflow(ms, now_ms, &diff))
        diff = ms > now_ms ? INT64_MAX : INT64_MIN + 1;
    bool future = diff > 0;
    uint64_t mag = diff < 0 ? (uint64_t)0 - (uint64_t)diff : (uint64_t)diff;
    if (mag < 10 * (uint64_t)MS_PER_SEC) {
        snprintf(buf, len, "just now");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        uint64_t n = mag / (uint64_t)units[i].ms;
        if (n == 0)
            continue;
        if (future)
            snprintf(buf, len, "in %" PRIu64 "%s", n, units[i].unit);
        else
            snprintf(buf, len, "%" PRIu64 "%s ago", n, units[i].unit);
        return;
    }
}
