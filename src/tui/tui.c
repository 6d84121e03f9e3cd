/*
 * tui.c — kd_tui_run: open the terminal, load the theme, run the loop (or a
 * script), and restore the terminal on the way out (see tui.h).
 */
#include "tui/tui.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "tui/app.h"
#include "tui/busy.h"
#include "tui/crt.h"
#include "tui/draw.h"
#include "tui/keyname.h"
#include "tui/script.h"
#include "util/clock.h"

/* Input poll interval: how soon a signal or an auto-refresh is noticed. */
#define POLL_MS 250

static void load_theme(struct kd_app *app, const struct kd_tui_options *opt)
{
    const char *name = opt->theme;
    if (!name || !*name)
        name = getenv("KEYDECK_THEME");
    if (!name || !*name)
        name = "default";
    struct kd_error err;
    char warnings[512] = "";
    if (kd_theme_load(name, &app->theme, warnings, sizeof warnings, &err) != 0) {
        app->theme = *kd_theme_builtin_default();
        kd_app_message(app, KD_TE_MSG_ERROR, "%s (using the default theme)", err.message);
    } else if (warnings[0]) {
        warnings[strcspn(warnings, "\n")] = '\0';
        kd_app_message(app, KD_TE_MSG_WARNING, "%s", warnings);
    }
    const char *nc = getenv("NO_COLOR");
    kd_theme_apply(&app->theme, opt->force_mono || (nc && *nc));
}

static void interactive_loop(struct kd_app *app)
{
    while (!app->quit && !kd_crt_quit_requested()) {
        if (kd_busy_take_drawn())
            kd_app_dirty_all(app); /* the waiting line covered the hint bar */
        kd_render(app);
        int queued;
        if (kd_busy_next_key(&queued)) { /* typed while a call was waiting */
            kd_app_key(app, queued);
            continue;
        }
        /* Wait for a key, but no longer than until the next refresh is due, so
         * the refresh happens on time rather than up to a poll late.  The wait
         * stays short anyway so a signal is noticed promptly. */
        int64_t wait = kd_app_timer_wait(app);
        wtimeout(stdscr, wait < 0 || wait > POLL_MS ? POLL_MS : (int)wait);
        wint_t ch;
        int r = wget_wch(stdscr, &ch);
        if (r == ERR) {
            /* Timeout (or a signal): the only time-driven work is auto-refresh. */
            kd_app_timer(app, false);
            continue;
        }
        kd_app_key(app, r == KEY_CODE_YES ? KD_KEY_FN((int)ch) : (int)ch);
    }
}

int kd_tui_run(struct kd_backend *b, const struct kd_tui_options *opt, struct kd_error *err)
{
    struct kd_tui_options defaults;
    memset(&defaults, 0, sizeof defaults);
    if (!opt)
        opt = &defaults;
    if (!b)
        return kd_error_set(err, KD_ERR_INVALID, "backend", "no backend to show");
    unsigned caps = kd_backend_capabilities(b);
    /* Monitoring is for watching production: the backend itself must refuse
     * writes, not just the UI (the CLI wraps it for --monitor). */
    if (opt->monitor && !(caps & KD_CAP_READONLY))
        return kd_error_set(err, KD_ERR_INVALID, "monitor",
                            "monitor mode needs a read-only backend "
                            "(wrap it with kd_backend_readonly_wrap)");
    if (opt->monitor && !(caps & KD_CAP_STATS))
        return kd_error_set(err, KD_ERR_UNSUPPORTED, "monitor",
                            "monitor mode needs a backend with verification statistics");

    struct kd_crt_options co = {
        .headless = opt->script_path != NULL,
        .cols = opt->cols > 0 ? opt->cols : 80,
        .rows = opt->rows > 0 ? opt->rows : 24,
        .ascii = opt->ascii,
        .mouse = opt->mouse,
        .force_mono = opt->force_mono,
    };
    if (kd_crt_init(&co, err) != 0)
        return -1;

    struct kd_app *app = calloc(1, sizeof *app);
    if (!app) {
        kd_crt_done();
        return kd_error_set(err, KD_ERR_INTERNAL, NULL, "out of memory");
    }
    /* A person may wait on the very first load already (a slow server). */
    if (!opt->script_path)
        kd_busy_install(b, kd_backend_describe(b));
    kd_app_init(app, b, opt);
    load_theme(app, opt);
    if (!kd_crt_utf8() && !opt->ascii && !opt->script_path)
        kd_app_message(app, KD_TE_MSG_INFO,
                       "locale is not UTF-8; using ASCII (set LANG=C.UTF-8)");

    int rc = 0;
    if (opt->script_path)
        rc = kd_script_run(opt->script_path, app, err);
    else
        interactive_loop(app);

    int sig = kd_crt_quit_signal();
    if (!opt->script_path)
        kd_busy_uninstall(b);
    kd_app_free(app);
    free(app);
    kd_draw_free();
    kd_crt_done();
    if (rc != 0)
        return -1;
    return sig ? 128 + sig : 0;
}
