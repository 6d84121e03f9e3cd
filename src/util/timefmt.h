/*
 * timefmt.h — parsing and printing times and durations, all in UTC milliseconds.
 *
 * Accepted absolute times: Unix milliseconds ("1735689600000"), ISO-8601 UTC
 * ("2025-01-01", "2025-01-01T12:00", "2025-01-01T12:00:00Z", with optional ".mmm"
 * and a "+HH:MM"/"-HH:MM" offset).  With a base time, relative forms "30d", "12h",
 * "+90m" mean base + duration.
 * Durations: "1500" or "1500ms" (ms), "30s", "5m", "12h", "7d", "2w", and
 * sums such as "1h30m".
 */
#ifndef KD_UTIL_TIMEFMT_H
#define KD_UTIL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/**
 * Parse an absolute or (when base_ms > 0) relative time into *out_ms.
 * Errors name the problem; the caller sets the field name if it knows it.
 */
int kd_time_parse(const char *s, int64_t base_ms, int64_t *out_ms, struct kd_error *err);

/** Parse a duration into milliseconds (>= 0). */
int kd_duration_parse(const char *s, int64_t *out_ms, struct kd_error *err);

/** "2025-01-01T00:00:00Z" (ms dropped when zero, else ".123"). */
void kd_time_format_iso(int64_t ms, char *buf, size_t len);

/** Compact duration: "90s" -> "1m30s", "86400000" -> "1d"; 0 -> "0s"; ms kept when not whole seconds. */
void kd_duration_format(int64_t ms, char *buf, size_t len);

/**
 * Human relative time from now: "in 3d", "5m ago", "just now".  Coarse (largest
 * unit only, like "2h" not "2h13m") because it is for list columns.
 */
void kd_time_format_relative(int64_t ms, int64_t now_ms, char *buf, size_t len);

/** Days since the epoch and civil date conversion (proleptic Gregorian, UTC). */
int64_t kd_days_from_civil(int y, unsigned m, unsigned d);
void kd_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);
/** Number of days in month m (1-12) of year y. */
unsigned kd_days_in_month(int y, unsigned m);

#endif
