/*
 * crt.h — all terminal state in one place: opening the screen, its modes,
 * signals, teardown, and the glyphs used for borders.
 *
 * Nothing else in the TUI calls newterm/endwin or installs signal handlers.
 * The caller has already called setlocale(LC_ALL, "").  Teardown is idempotent
 * and runs from every exit path: kd_crt_done, atexit, and the crash handler
 * (which then re-raises so the process still dies with the right signal).
 */
#ifndef KD_TUI_CRT_H
#define KD_TUI_CRT_H

#include <stdbool.h>
#include <stdio.h>

#include "util/error.h"

struct kd_crt_options {
    bool headless;      /* tests: a screen on /dev/null of cols x rows */
    int cols, rows;     /* headless size */
    bool ascii;         /* force ASCII borders even in a UTF-8 locale */
    bool mouse;         /* report mouse events (off by default: copy/paste over ssh) */
    bool force_mono;    /* --color=never; NO_COLOR is read here too */
};

/* Border and marker glyphs; UTF-8 or ASCII variants chosen at init. */
enum kd_glyph {
    KD_G_HLINE, KD_G_VLINE, KD_G_ULCORNER, KD_G_URCORNER, KD_G_LLCORNER, KD_G_LRCORNER,
    /* the focused pane's border: heavy lines (UTF-8) or '=' and '#' (ASCII), so focus
     * shows without colour */
    KD_G_HLINE_FOCUS, KD_G_VLINE_FOCUS, KD_G_ULCORNER_FOCUS, KD_G_URCORNER_FOCUS,
    KD_G_LLCORNER_FOCUS, KD_G_LRCORNER_FOCUS,
    KD_G_ELLIPSIS, KD_G_SORT_UP, KD_G_SORT_DOWN, KD_G_SEPARATOR, KD_G_INFINITY,
    KD_G_COUNT
};

/**
 * Open the screen.  Returns -1 with a helpful message when TERM is unknown
 * (naming it and suggesting TERM=xterm-256color) or the screen cannot be made.
 */
int kd_crt_init(const struct kd_crt_options *opt, struct kd_error *err);
/** Restore the terminal and free the screen.  Safe to call twice, or before init. */
void kd_crt_done(void);

/** True when the locale's codeset is UTF-8 and --ascii was not given. */
bool kd_crt_utf8(void);
/** True for the headless test screen. */
bool kd_crt_headless(void);
/** The glyph as a UTF-8 (or ASCII) string. */
const char *kd_crt_glyph(enum kd_glyph g);
/** Whether the locale's character set is UTF-8 (pure helper, no screen needed). */
bool kd_crt_locale_is_utf8(void);

/** Set by SIGINT/SIGTERM/SIGHUP; the main loop checks it and quits cleanly. */
bool kd_crt_quit_requested(void);
/** The signal that asked to quit (0: none), so the caller can exit 128+sig. */
int kd_crt_quit_signal(void);

/** Resize the headless screen (tests' :resize); a real terminal resizes itself. */
void kd_crt_resize(int cols, int rows);

/** The stream the terminal writes to (for OSC 52 and other raw sequences). */
FILE *kd_crt_output(void);

#endif
