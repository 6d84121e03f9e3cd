/*
 * refill.h — when credits refill.
 *
 * Refilling SETS remaining to the amount (Unkey's rule; a key already holding at
 * least the amount is left alone).  Schedules, all in UTC:
 *   daily   — at 00:00 every day;
 *   monthly — at 00:00 on refill_day; a day past the month's end means its last day;
 *   every   — every_ms after the last refill (better-auth's refillInterval).
 * The last refill time starts at the key's creation.
 */
#ifndef KD_CORE_REFILL_H
#define KD_CORE_REFILL_H

#include <stdbool.h>
#include <stdint.h>

#include "model/key.h"

/** The most recent scheduled refill moment at or before now (0 when none). */
int64_t kd_refill_last_due(const struct kd_refill *r, int64_t last_refill_at, int64_t now_ms);

/** The next scheduled refill moment strictly after now (0 when no refill). */
int64_t kd_refill_next(const struct kd_refill *r, int64_t last_refill_at, int64_t now_ms);

/** True when a refill is due: a scheduled moment passed since last_refill_at. */
bool kd_refill_is_due(const struct kd_credits *c, int64_t created_at, int64_t now_ms);

/**
 * Apply a due refill to c (remaining = max(remaining, amount), last_refill_at = now).
 * Returns true when c changed.
 */
bool kd_refill_apply(struct kd_credits *c, int64_t created_at, int64_t now_ms);

#endif
