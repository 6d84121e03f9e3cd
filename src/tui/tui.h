/*
 * tui.h — keydeck's terminal dashboard: the one entry point the CLI calls.
 *
 * `keydeck` with no command runs kd_tui_run on the configured backend.  Tests
 * run the same code on a headless screen: opt->script_path names a key script
 * (see script.h), and the screen is opt->cols x opt->rows.
 */
#ifndef KD_TUI_TUI_H
#define KD_TUI_TUI_H

#include <stdbool.h>

#include "backend/backend.h"
#include "util/error.h"

struct kd_audit_thresholds;
struct kd_strlist;

struct kd_tui_options {
    const char *theme;        /* name or path; NULL: $KEYDECK_THEME or "default" */
    bool force_mono;          /* --color=never (NO_COLOR is honoured as well) */
    bool ascii;               /* --ascii: ASCII borders even in a UTF-8 locale */
    bool mouse;               /* --mouse: off by default so copy/paste works over ssh */
    const char *script_path;  /* --script FILE: headless run driven by a key script */
    int cols, rows;           /* --size CxR for scripts; 0: 80x24 */
    int refresh_seconds;      /* -d: auto-refresh interval; 0: the monitor refreshes
                                 every 2 s, the other views never */
    bool monitor;             /* --monitor: start in the monitor view; the backend
                                 must be read-only (see kd_tui_run) */
    const char *profile_name; /* shown in the status bar; NULL: the backend kind */
    int page_size;            /* rows per backend request; 0: 100 */
    /* The [audit] thresholds of the config (NULL: the built-in defaults) and
     * the profile's APIs, for backends that cannot list them (may be NULL). */
    const struct kd_audit_thresholds *audit;
    const struct kd_strlist *apis;
    /* Tests only: a script's ":NAME ARG" line that the runner does not know is
     * handed here (screen_driver's fixture commands); NULL: it is an error.
     * Returns 0, or -1 with err filled. */
    int (*script_command)(void *ctx, const char *name, const char *arg,
                          struct kd_error *err);
    void *script_ctx;
};

/**
 * Run the TUI until the user quits.  b stays owned by the caller.  The read-only
 * badge and refusals follow kd_backend_capabilities(b) & KD_CAP_READONLY — wrap
 * the backend with kd_backend_readonly_wrap for --readonly/--monitor.  The TUI
 * does not own b, so it does not wrap it itself: opt->monitor on a backend
 * without KD_CAP_READONLY (or without KD_CAP_STATS) is refused with an error.
 * Returns 0 on a normal quit, 128+signal when a signal ended it, or -1 with err
 * filled (unknown TERM, unreadable script, a failed script expectation).
 */
int kd_tui_run(struct kd_backend *b, const struct kd_tui_options *opt, struct kd_error *err);

#endif
