/*
 * layout.h — where each part of the main screen goes, as a pure function of
 * the terminal size (no curses), so it is unit-tested without a terminal.
 *
 *   row 0            status bar
 *   rows 1..rows-2   panes: APIs | keys | detail
 *   row rows-1       hint bar
 *
 * Wide terminals (>= KD_LAYOUT_WIDE_COLS) get three columns: APIs narrow, keys
 * widest, detail a third.  Narrower ones keep APIs on the left and stack the
 * detail pane under the keys pane, because the key table needs ~60 columns to
 * show its columns at all and a squeezed detail pane would show nothing useful.
 * Below KD_LAYOUT_MIN_COLS x KD_LAYOUT_MIN_ROWS the caller shows "terminal too small".
 */
#ifndef KD_TUI_LAYOUT_H
#define KD_TUI_LAYOUT_H

#include <stdbool.h>

#define KD_LAYOUT_MIN_COLS 60
#define KD_LAYOUT_MIN_ROWS 15
#define KD_LAYOUT_WIDE_COLS 100

struct kd_rect {
    int x, y, w, h;
};

enum kd_layout_area {
    KD_AREA_STATUS,
    KD_AREA_APIS,
    KD_AREA_KEYS,
    KD_AREA_DETAIL,
    KD_AREA_HINT,
    KD_AREA_COUNT
};

enum kd_layout_result {
    KD_LAYOUT_OK = 0,
    KD_LAYOUT_TOO_SMALL = 1,
};

struct kd_layout_spec {
    int apis_min, apis_max;  /* width of the APIs column */
    int detail_min_rows;     /* stacked mode: the detail pane's minimum height */
};

/** The defaults used by the TUI. */
const struct kd_layout_spec *kd_layout_default_spec(void);

/**
 * Fill rects[KD_AREA_COUNT] for a cols x rows terminal.  Every rect is inside the
 * screen and has w, h >= 0.  Returns KD_LAYOUT_TOO_SMALL (rects all zero) below
 * the minimum.  stacked (may be NULL) tells whether detail sits under keys.
 */
enum kd_layout_result kd_layout_compute(int cols, int rows, const struct kd_layout_spec *spec,
                                        struct kd_rect rects[KD_AREA_COUNT], bool *stacked);

#endif
