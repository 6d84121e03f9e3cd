/*
 * ratelimit.h — the sliding-window counter (Unkey's algorithm).
 *
 * Time is cut into fixed windows of duration_ms.  The estimate of requests in the
 * last duration is  current + previous * (1 - elapsed/duration),  where elapsed is
 * how far now is into the current window.  A request of cost c is allowed when
 * estimate + c <= limit.  Pure functions: the caller loads and stores the state
 * (in the keystore, so every process shares it).
 */
#ifndef KD_CORE_RATELIMIT_H
#define KD_CORE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct kd_window {
    int64_t window_start; /* start of the current window (multiple of duration) */
    int64_t current;      /* cost counted in the current window */
    int64_t previous;     /* cost counted in the window before it */
};

/** Roll the state forward to the window containing now. */
void kd_window_roll(struct kd_window *w, int64_t duration_ms, int64_t now_ms);

/** Estimated cost in the last duration (rounded down), after rolling to now. */
int64_t kd_window_estimate(const struct kd_window *w, int64_t duration_ms, int64_t now_ms);

/**
 * Would cost fit?  Does not change w (all-or-nothing callers check every limit
 * first, then commit with kd_window_take).
 */
bool kd_window_allows(const struct kd_window *w, int64_t limit, int64_t duration_ms,
                      int64_t now_ms, int64_t cost);

/** Count cost (after rolling). */
void kd_window_take(struct kd_window *w, int64_t duration_ms, int64_t now_ms, int64_t cost);

/** Remaining allowance now (>= 0) and when the current window ends. */
int64_t kd_window_remaining(const struct kd_window *w, int64_t limit, int64_t duration_ms,
                            int64_t now_ms);
int64_t kd_window_reset_at(int64_t duration_ms, int64_t now_ms);

#endif
