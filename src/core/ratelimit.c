#include "core/ratelimit.h"

/* A zero or negative duration would divide by zero; such limits are refused by
 * validation, so treating them as 1 ms only keeps bad stored data harmless. */
static int64_t safe_duration(int64_t duration_ms)
{
    return duration_ms > 0 ? duration_ms : 1;
}

static int64_t window_start_of(int64_t duration_ms, int64_t now_ms)
{
    int64_t d = safe_duration(duration_ms);
    int64_t start = now_ms / d * d;
    if (now_ms < 0 && start != now_ms)
        start -= d; /* floor, not truncation, for times before the epoch */
    return start;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

void kd_window_roll(struct kd_window *w, int64_t duration_ms, int64_t now_ms)
{
    int64_t d = safe_duration(duration_ms);
    int64_t start = window_start_of(d, now_ms);
    /* A clock that went backwards keeps the newer state rather than losing counts. */
    if (start <= w->window_start)
        return;
    if (start - w->window_start == d) {
        w->previous = w->current;
    } else {
        w->previous = 0;
    }
    w->current = 0;
    w->window_start = start;
}

int64_t kd_window_estimate(const struct kd_window *w, int64_t duration_ms, int64_t now_ms)
{
    int64_t d = safe_duration(duration_ms);
    struct kd_window r = *w;
    kd_window_roll(&r, d, now_ms);
    int64_t elapsed = now_ms - r.window_start;
    if (elapsed < 0)
        elapsed = 0; /* clock behind the stored window: count all of previous */
    if (elapsed > d)
        elapsed = d;
    int64_t rest = d - elapsed;
    int64_t prev = r.previous > 0 ? r.previous : 0;
    /* floor(prev * rest / d) without overflowing: prev = q*d + s, so the product
     * is q*rest + s*rest/d, and s*rest < d*d stays in range for any sane d. */
    int64_t q = prev / d, s = prev % d, weighted;
    if (__builtin_mul_overflow(q, rest, &weighted))
        return INT64_MAX;
    int64_t part;
    if (__builtin_mul_overflow(s, rest, &part))
        part = (int64_t)((long double)s * (long double)rest / (long double)d);
    else
        part /= d;
    weighted = sat_add(weighted, part);
    return sat_add(r.current, weighted);
}

bool kd_window_allows(const struct kd_window *w, int64_t limit, int64_t duration_ms,
                      int64_t now_ms, int64_t cost)
{
    if (cost < 0)
        cost = 0;
    int64_t est = kd_window_estimate(w, duration_ms, now_ms);
    return sat_add(est, cost) <= limit;
}

void kd_window_take(struct kd_window *w, int64_t duration_ms, int64_t now_ms, int64_t cost)
{
    kd_window_roll(w, duration_ms, now_ms);
    if (cost > 0)
        w->current = sat_add(w->current, cost);
}

int64_t kd_window_remaining(const struct kd_window *w, int64_t limit, int64_t duration_ms,
                            int64_t now_ms)
{
    int64_t est = kd_window_estimate(w, duration_ms, now_ms);
    if (est >= limit)
        return 0;
    return limit - est;
}

int64_t kd_window_reset_at(int64_t duration_ms, int64_t now_ms)
{
    return sat_add(window_start_of(duration_ms, now_ms), safe_duration(duration_ms));
}
