/*
 * chart.h — sparklines and bars as text, for the monitor view.
 *
 * Pure functions, no curses, so they are unit-tested.  UTF-8 uses the eighth
 * blocks ▁▂▃▄▅▆▇█; the ASCII fallback has five levels `_.-=#`.  A zero is a
 * blank in both, so "nothing happened" never looks like "a little".
 */
#ifndef KD_TUI_CHART_H
#define KD_TUI_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Levels a sparkline cell can show (0 excluded): 8 for UTF-8, 5 for ASCII. */
int kd_chart_levels(bool utf8);

/**
 * The level (0..levels) of v on a scale whose top is max: 0 only for v <= 0,
 * otherwise at least 1, and levels for v >= max.
 */
int kd_chart_level(int64_t v, int64_t max, int levels);

/**
 * A sparkline of the last min(n, width) values of v (the newest at the right),
 * scaled to the largest of them, into out (always terminated).  Returns the
 * number of cells written.
 */
int kd_chart_sparkline(const int64_t *v, size_t n, int width, bool utf8, char *out,
                       size_t outlen);

/**
 * How many cells a bar of value gets when max fills width: rounded, and at
 * least one for any value > 0 so a rare outcome stays visible.
 */
int kd_chart_bar_cells(int64_t value, int64_t max, int width);

/** A bar of cells full blocks (█, or # in ASCII) into out (always terminated). */
void kd_chart_bar(int cells, bool utf8, char *out, size_t outlen);

#endif
