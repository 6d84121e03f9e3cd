/*
 * clock.h — the one source of "now" in keydeck.
 *
 * Every timestamp is Unix milliseconds (int64_t), as in Unkey's API.  Setting
 * KEYDECK_NOW (an integer of milliseconds or an ISO-8601 UTC time such as
 * 2025-01-01T00:00:00Z) pins the clock so tests are deterministic; tests may also
 * pin and advance it directly.
 */
#ifndef KD_UTIL_CLOCK_H
#define KD_UTIL_CLOCK_H

#include <stdint.h>

#include "util/error.h"

/** Current time in Unix ms: the pinned time when pinned, else the real clock. */
int64_t kd_now_ms(void);

/**
 * Read KEYDECK_NOW once (call at start-up).  Returns -1 with a message naming
 * the variable when it is set but unparsable.
 */
int kd_clock_init_from_env(struct kd_error *err);

/** Pin the clock to ms (tests, --now). */
void kd_clock_pin(int64_t ms);
/** Move a pinned clock forward by delta ms (tests' ":tick"). No-op when not pinned. */
void kd_clock_advance(int64_t delta_ms);
/** Go back to the real clock. */
void kd_clock_unpin(void);
int kd_clock_is_pinned(void);

#endif
