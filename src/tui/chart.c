/*
 * chart.c — sparklines and bars as text (see chart.h).
 */
#include "tui/chart.h"

#include <string.h>

static const char *const spark_utf8[] = {" ", "\u2581", "\u2582", "\u2583", "\u2584",
                                         "\u2585", "\u2586", "\u2587", "\u2588"};
static const char *const spark_ascii[] = {" ", "_", ".", "-", "=", "#"};

int kd_chart_levels(bool utf8)
{
    return utf8 ? 8 : 5;
}

int kd_chart_level(int64_t v, int64_t max, int levels)
{
    if (v <= 0 || max <= 0 || levels <= 0)
        return 0;
    if (v >= max)
        return levels;
    /* Round up: the smallest non-zero value still shows one step. */
    int64_t l = (v * levels + max - 1) / max;
    return l < 1 ? 1 : l > levels ? levels : (int)l;
}

/* Append s to out[*used..]; false when it does not fit. */
static bool append(char *out, size_t outlen, size_t *used, const char *s)
{
    size_t n = strlen(s);
    if (*used + n + 1 > outlen)
        return false;
    memcpy(out + *used, s, n + 1);
    *used += n;
    return true;
}

int kd_chart_sparkline(const int64_t *v, size_t n, int width, bool utf8, char *out,
                       size_t outlen)
{
    if (!out || !outlen)
        return 0;
    out[0] = '\0';
    if (!v || width <= 0 || n == 0)
        return 0;
    size_t shown = n < (size_t)width ? n : (size_t)width;
    size_t first = n - shown;
    int64_t max = 0;
    for (size_t i = first; i < n; i++)
        if (v[i] > max)
            max = v[i];
    int levels = kd_chart_levels(utf8);
    const char *const *glyphs = utf8 ? spark_utf8 : spark_ascii;
    size_t used = 0;
    int cells = 0;
    for (size_t i = first; i < n; i++) {
        if (!append(out, outlen, &used, glyphs[kd_chart_level(v[i], max, levels)]))
            break;
        cells++;
    }
    return cells;
}

int kd_chart_bar_cells(int64_t value, int64_t max, int width)
{
    if (value <= 0 || max <= 0 || width <= 0)
        return 0;
    if (value >= max)
        return width;
    int64_t c = (value * width * 2 + max) / (max * 2); /* rounded */
    return c < 1 ? 1 : (int)c;
}

void kd_chart_bar(int cells, bool utf8, char *out, size_t outlen)
{
    if (!out || !outlen)
        return;
    out[0] = '\0';
    size_t used = 0;
    for (int i = 0; i < cells; i++)
        if (!append(out, outlen, &used, utf8 ? "\u2588" : "#"))
            break;
}
