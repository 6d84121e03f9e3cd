#include "core/refill.h"

#include "util/timefmt.h"

#define MS_PER_DAY 86400000LL

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* 00:00 UTC on the refill day of month (y, m), clamped to the month's last day. */
static int64_t monthly_moment(int y, unsigned m, int refill_day)
{
    unsigned day = refill_day < 1 ? 1u : (unsigned)refill_day;
    unsigned dim = kd_days_in_month(y, m);
    if (day > dim)
        day = dim;
    return kd_days_from_civil(y, m, day) * MS_PER_DAY;
}

static void month_of(int64_t ms, int *y, unsigned *m)
{
    kd_civil_from_days(floor_div(ms, MS_PER_DAY), y, m, NULL);
}

static void prev_month(int *y, unsigned *m)
{
    if (*m == 1) {
        *m = 12;
        (*y)--;
    } else {
        (*m)--;
    }
}

static void next_month(int *y, unsigned *m)
{
    if (*m == 12) {
        *m = 1;
        (*y)++;
    } else {
        (*m)++;
    }
}

int64_t kd_refill_last_due(const struct kd_refill *r, int64_t last_refill_at, int64_t now_ms)
{
    switch (r->interval) {
    case KD_REFILL_NONE:
        return 0;
    case KD_REFILL_DAILY:
        return floor_div(now_ms, MS_PER_DAY) * MS_PER_DAY;
    case KD_REFILL_MONTHLY: {
        int y;
        unsigned m;
        month_of(now_ms, &y, &m);
        int64_t t = monthly_moment(y, m, r->refill_day);
        if (t > now_ms) {
            prev_month(&y, &m);
            t = monthly_moment(y, m, r->refill_day);
        }
        return t;
    }
    case KD_REFILL_EVERY: {
        /* Moments are last_refill_at + k * every_ms for k >= 1. */
        if (r->every_ms <= 0 || now_ms - last_refill_at < r->every_ms)
            return 0;
        int64_t k = (now_ms - last_refill_at) / r->every_ms;
        return last_refill_at + k * r->every_ms;
    }
    }
    return 0;
}

int64_t kd_refill_next(const struct kd_refill *r, int64_t last_refill_at, int64_t now_ms)
{
    switch (r->interval) {
    case KD_REFILL_NONE:
        return 0;
    case KD_REFILL_DAILY:
        return (floor_div(now_ms, MS_PER_DAY) + 1) * MS_PER_DAY;
    case KD_REFILL_MONTHLY: {
        int y;
        unsigned m;
        month_of(now_ms, &y, &m);
        int64_t t = monthly_moment(y, m, r->refill_day);
        if (t <= now_ms) {
            next_month(&y, &m);
            t = monthly_moment(y, m, r->refill_day);
        }
        return t;
    }
    case KD_REFILL_EVERY: {
        if (r->every_ms <= 0)
            return 0;
        if (now_ms < last_refill_at)
            return last_refill_at + r->every_ms;
        int64_t k = (now_ms - last_refill_at) / r->every_ms + 1, t;
        if (__builtin_mul_overflow(k, r->every_ms, &t) ||
            __builtin_add_overflow(t, last_refill_at, &t))
            return INT64_MAX;
        return t;
    }
    }
    return 0;
}

bool kd_refill_is_due(const struct kd_credits *c, int64_t created_at, int64_t now_ms)
{
    if (!c->limited || c->refill.interval == KD_REFILL_NONE)
        return false;
    int64_t since = c->last_refill_at ? c->last_refill_at : created_at;
    int64_t m = kd_refill_last_due(&c->refill, since, now_ms);
    return m != 0 && m > since && m <= now_ms;
}

bool kd_refill_apply(struct kd_credits *c, int64_t created_at, int64_t now_ms)
{
    if (!kd_refill_is_due(c, created_at, now_ms))
        return false;
    /* Refilling sets, never adds, and never takes credits away. */
    if (c->remaining < c->refill.amount)
        c->remaining = c->refill.amount;
    c->last_refill_at = now_ms;
    return true;
}
