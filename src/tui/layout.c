/*
 * layout.c — the main screen's geometry (see layout.h).
 */
#include "tui/layout.h"

#include <string.h>

static const struct kd_layout_spec default_spec = {
    .apis_min = 16,
    .apis_max = 30,
    .detail_min_rows = 6,
};

const struct kd_layout_spec *kd_layout_default_spec(void)
{
    return &default_spec;
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

enum kd_layout_result kd_layout_compute(int cols, int rows, const struct kd_layout_spec *spec,
                                        struct kd_rect r[KD_AREA_COUNT], bool *stacked)
{
    memset(r, 0, sizeof(struct kd_rect) * KD_AREA_COUNT);
    if (stacked)
        *stacked = false;
    if (!spec)
        spec = &default_spec;
    if (cols < KD_LAYOUT_MIN_COLS || rows < KD_LAYOUT_MIN_ROWS)
        return KD_LAYOUT_TOO_SMALL;

    r[KD_AREA_STATUS] = (struct kd_rect){0, 0, cols, 1};
    r[KD_AREA_HINT] = (struct kd_rect){0, rows - 1, cols, 1};
    int body_y = 1, body_h = rows - 2;

    /* The APIs column: a fifth of the width within the spec's bounds. */
    int apis_w = clamp(cols / 5, spec->apis_min, spec->apis_max);
    r[KD_AREA_APIS] = (struct kd_rect){0, body_y, apis_w, body_h};
    int rest_x = apis_w, rest_w = cols - apis_w;

    if (cols >= KD_LAYOUT_WIDE_COLS) {
        /* keys gets the larger share (its table needs ~62 columns for all but
         * one column); detail a third of the rest, at least 32 columns so field
         * names and values fit side by side. */
        int detail_w = clamp(rest_w / 3, 32, rest_w - 40);
        r[KD_AREA_KEYS] = (struct kd_rect){rest_x, body_y, rest_w - detail_w, body_h};
        r[KD_AREA_DETAIL] = (struct kd_rect){rest_x + rest_w - detail_w, body_y, detail_w, body_h};
    } else {
        /* Stacked: keys on top (a little more than half), detail below. */
        int detail_h = body_h * 9 / 20;
        if (detail_h < spec->detail_min_rows)
            detail_h = spec->detail_min_rows;
        if (detail_h > body_h - 5)
            detail_h = body_h - 5;
        r[KD_AREA_KEYS] = (struct kd_rect){rest_x, body_y, rest_w, body_h - detail_h};
        r[KD_AREA_DETAIL] = (struct kd_rect){rest_x, body_y + body_h - detail_h, rest_w, detail_h};
        if (stacked)
            *stacked = true;
    }
    return KD_LAYOUT_OK;
}
