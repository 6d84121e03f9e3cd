/*
 * app.h — the TUI's state and the functions the views, the dispatcher and the
 * loop share.  Internal to src/tui.
 *
 * Data flow: a key becomes an action (action.h) and the dispatcher (app.c)
 * changes state and sets dirty flags; once per loop iteration render.c repaints
 * the dirty areas from the cached data and calls doupdate() once.  Views own
 * their data sources (view_*.c) and fetch only through the backend.
 */
#ifndef KD_TUI_APP_H
#define KD_TUI_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/backend.h"
#include "tui/action.h"
#include "tui/layout.h"
#include "tui/list.h"
#include "tui/prompt.h"
#include "tui/theme.h"
#include "tui/tui.h"

enum kd_pane {
    KD_PANE_APIS,   /* or, in the roles/perms/log views, their list */
    KD_PANE_KEYS,   /* unused outside the main view */
    KD_PANE_DETAIL,
    KD_PANE_COUNT
};

enum kd_view {
    KD_VIEW_MAIN,  /* APIs | keys | detail */
    KD_VIEW_ROLES, /* roles | permissions of the role */
    KD_VIEW_PERMS, /* permissions | roles that grant it */
    KD_VIEW_LOG,   /* audit log | entry */
    KD_VIEW_MONITOR, /* live verification statistics (view_monitor.c) */
    KD_VIEW_AUDIT,   /* audit findings | finding (view_audit.c; rows in app->side) */
    KD_VIEW_ROLE_PERMS, /* drill-down: the permissions of one role | permission */
    KD_VIEW_PERM_KEYS,  /* drill-down: the keys holding one permission | key */
};

/*
 * Enter's drill-down (Roles › admin › keys.write › pay-key-01), one step per
 * Enter; Esc pops a step and puts back the list, filter and selection it left.
 */
#define KD_DRILL_MAX 4
struct kd_drill_step {
    enum kd_view view;     /* the level Enter left */
    char *subject;         /* what that level listed for (role id, slug); NULL at the top */
    char *label;           /* the row Enter opened: its breadcrumb */
    size_t selected, top;  /* that level's selection, restored by Esc */
    char filter[128];      /* and its filter with the unfiltered count */
    int64_t unfiltered;
};

struct kd_drill {
    struct kd_drill_step steps[KD_DRILL_MAX];
    int depth;
    char *subject;         /* what the current level lists for (role id, slug) */
    struct kd_strlist scan_api_ids; /* KD_VIEW_PERM_KEYS: the APIs whose keys are walked */
    bool scan_stopped;     /* the walk gave up after scan_keys keys (see view_side.c) */
    int64_t scan_keys;
};

/* The monitor's sliding window: KD_STATS_BUCKETS buckets of one second. */
#define KD_MONITOR_WINDOW_MS 60000
#define KD_MONITOR_BUCKET_MS (KD_MONITOR_WINDOW_MS / KD_STATS_BUCKETS)
#define KD_MONITOR_MAX_APIS 8  /* per-API rates: one stats query each */
#define KD_MONITOR_TOP_N 10
#define KD_MONITOR_DEFAULT_REFRESH_MS 2000

/* The monitor's boxes; each is repainted only when what it shows changed. */
enum kd_monitor_box {
    KD_MON_TRAFFIC,
    KD_MON_OUTCOMES,
    KD_MON_APIS,
    KD_MON_BUSIEST,
    KD_MON_LOW_CREDITS,
    KD_MON_EXPIRING,
    KD_MON_FAILURES,
    KD_MON_BOX_COUNT
};

struct kd_monitor_api {
    char *id, *name;
    int64_t total;
};

struct kd_monitor {
    bool loaded;              /* stats and apis hold a successful result */
    struct kd_stats stats;
    struct kd_monitor_api *apis;
    size_t n_apis;
    int64_t since, until;     /* the window stats describe */
    bool have_token;
    uint64_t token;           /* kd_backend_change_token at the last query */
    int64_t updated_ms;       /* the last refresh that succeeded (the stamp) */
    int64_t due_ms;           /* the next automatic refresh */
    bool paused;
    bool failed;              /* the last refresh failed: data kept, STALE shown */
    char error[512];          /* why, while failed */
    uint64_t sig[KD_MON_BOX_COUNT]; /* hash of what each box shows */
    unsigned dirty;           /* boxes to repaint (1u << box) */
    unsigned queries, skips;  /* stats queries made / saved by the change token */
};

/* Dirty bits per screen area: PAINT redraws from cached data, DATA refetches. */
#define KD_DIRTY_PAINT 1u
#define KD_DIRTY_DATA 2u

/* One line of the detail pane: "label  value" or a section heading. */
struct kd_detail_line {
    char *label;             /* NULL: a heading or a continuation line */
    char *value;
    enum kd_theme_elem elem; /* for the value */
};

struct kd_detail {
    char *for_id;            /* what the lines describe; NULL: nothing loaded */
    struct kd_detail_line *lines;
    size_t n, cap;
    int scroll;
    /* The verifications sparkline is drawn when painting, to the pane's width. */
    bool has_spark;
    size_t spark_line;       /* its line */
    int64_t spark[KD_STATS_BUCKETS];
};

struct kd_app {
    struct kd_backend *b;
    const struct kd_tui_options *opt;
    unsigned caps;
    bool readonly;
    bool quit;

    struct kd_rect rects[KD_AREA_COUNT];
    bool stacked, too_small;
    int cols, rows;

    enum kd_view view;
    enum kd_pane focus;

    /* main view */
    struct kd_vlist apis, keys;
    char *keys_api_id;       /* the API the keys list shows */
    char *keys_api_name;
    int64_t keys_api_count;  /* that API's key count, -1 unknown */
    enum kd_key_sort sort;
    bool sort_desc;
    /* roles / permissions / log views share one list */
    struct kd_vlist side;
    bool side_open;

    /* per-pane filter and the unfiltered count for "filter: pat (12/340)" */
    char filter[KD_PANE_COUNT][128];
    int64_t unfiltered[KD_PANE_COUNT];

    struct kd_detail detail;

    bool help_open;
    int help_scroll;
    enum kd_context help_ctx;

    struct kd_prompt prompt;

    char message[256];
    enum kd_theme_elem message_elem;

    int64_t last_refresh_ms;
    bool stale;
    unsigned dirty[KD_AREA_COUNT];
    bool repaint_all;   /* Ctrl-L: make curses resend every cell */
    unsigned paints;    /* doupdate() calls (tests check "no redraw when idle") */

    struct kd_theme theme;

    struct kd_monitor mon;

    struct kd_mutate *mut; /* an open mutation form or dialog (mutate.h); NULL: none */

    struct kd_audit_view *audit; /* the audit view's report and state; NULL: never opened */

    struct kd_drill drill; /* Enter's path through roles, permissions and keys */
};

/* ---- app.c: state changes ---- */
void kd_app_init(struct kd_app *app, struct kd_backend *b, const struct kd_tui_options *opt);
void kd_app_free(struct kd_app *app);
/** Feed one key (a code point, or KD_KEY_FN(KEY_*)). */
void kd_app_key(struct kd_app *app, int key);
/** The terminal changed size (after KEY_RESIZE or :resize). */
void kd_app_resize(struct kd_app *app);
/** Reload everything from the backend (r, :refresh). */
void kd_app_refresh(struct kd_app *app);
/**
 * Time-driven work that is due (the loop's timer, a script's :tick): the
 * monitor's refresh unless paused; in the other views a reload when
 * opt->refresh_seconds is set.  force runs it even when not yet due (:tick).
 */
void kd_app_timer(struct kd_app *app, bool force);
/** Milliseconds until kd_app_timer has work (the loop's input timeout); -1: none. */
int64_t kd_app_timer_wait(const struct kd_app *app);
/** Run an action as the dispatcher does (read-only checks included). */
void kd_app_run_action(struct kd_app *app, enum kd_action a, const char *arg);
/** Set the status-bar message. */
void kd_app_message(struct kd_app *app, enum kd_theme_elem elem, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void kd_app_dirty(struct kd_app *app, enum kd_layout_area area, unsigned bits);
void kd_app_dirty_all(struct kd_app *app);
/** The binding context of what has the keyboard now. */
enum kd_context kd_app_context(const struct kd_app *app);
/** The body height in rows of a pane's list (inside its frame, minus header). */
int kd_app_list_height(const struct kd_app *app, enum kd_pane pane);

/* ---- render.c: one paint pass, one doupdate ---- */
/** Repaint what is dirty; returns true when something was drawn. */
bool kd_render(struct kd_app *app);

/* ---- views ---- */
void kd_view_apis_init(struct kd_app *app);
void kd_view_apis_draw(struct kd_app *app, struct kd_rect r, bool focused);
void kd_view_keys_init(struct kd_app *app);
/** Point the keys list at the API selected in the APIs pane (DATA when it changed). */
void kd_view_keys_follow(struct kd_app *app);
/**
 * In the main view (the caller has switched to it): select api_id in the APIs
 * pane and key_id in its keys pane, focus the keys pane; when the key is not
 * found, focus the APIs pane and say so.  Returns whether it was found.
 */
bool kd_view_keys_select(struct kd_app *app, const char *api_id, const char *key_id);
void kd_view_keys_draw(struct kd_app *app, struct kd_rect r, bool focused);
/** Load the detail of the selected row when it changed. */
void kd_view_detail_follow(struct kd_app *app);
void kd_view_detail_draw(struct kd_app *app, struct kd_rect r, bool focused);
void kd_detail_clear(struct kd_detail *d);
/**
 * Point the detail pane at the row id (NULL: nothing selected).  Returns false
 * when there is nothing to do: it shows id already, or id is NULL (it then says
 * empty, once).  Returns true after clearing the pane and recording id: the
 * caller fills it.
 */
bool kd_detail_retarget(struct kd_app *app, const char *id, const char *empty);
void kd_detail_add(struct kd_detail *d, const char *label, enum kd_theme_elem elem,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void kd_view_side_open(struct kd_app *app, enum kd_view view);
void kd_view_side_draw(struct kd_app *app, struct kd_rect r, bool focused);
/** The detail lines of the selected row of the roles/perms/log list. */
void kd_view_side_detail(struct kd_app *app);
/**
 * Enter in the roles and permissions views: a role opens its permissions, a
 * permission the keys holding it, such a key the main view on it.  False when
 * there is nothing to open here (the caller focuses the detail instead).
 */
bool kd_view_drill_open(struct kd_app *app);
/** Esc: back one step of the drill-down, selection restored; false when not drilled. */
bool kd_view_drill_back(struct kd_app *app);
/** Forget the drill-down (the user went to a view some other way). */
void kd_view_drill_clear(struct kd_app *app);
/** The unfiltered row count of a drill-down list, for "filter: pat (3/12)"; -1 unknown. */
int64_t kd_view_drill_unfiltered(struct kd_app *app);
/** The key of the selected row when it is one (drill-down lists); NULL otherwise. */
const struct kd_key *kd_view_side_selected_key(struct kd_app *app);
/* view_monitor.c */
/** Enter the monitor view and load it (false with a message when the backend has no stats). */
bool kd_view_monitor_open(struct kd_app *app);
/**
 * Bring the monitor up to date.  Unless force, the stats query is skipped when
 * the backend's change token and the window show nothing can have changed.  A
 * failure keeps the old data and marks it stale.
 */
void kd_view_monitor_refresh(struct kd_app *app, bool force);
/** Paint the monitor in r: every box when all, else only the dirty ones. */
void kd_view_monitor_draw(struct kd_app *app, struct kd_rect r, bool all);
void kd_view_monitor_free(struct kd_app *app);
/** The refresh interval in ms (opt->refresh_seconds, default 2 s). */
int64_t kd_view_monitor_interval(const struct kd_app *app);

/* view_audit.c: the audit view (`:audit`) and the audit log's chain check */
/** Run the audit and show its findings (the list lives in app->side). */
void kd_view_audit_open(struct kd_app *app);
/** Run the audit again (r, and after a fix); keeps the selection where it can. */
void kd_view_audit_reload(struct kd_app *app);
void kd_view_audit_draw(struct kd_app *app, struct kd_rect r, bool focused);
/** The detail lines of the selected finding or rule heading. */
void kd_view_audit_detail(struct kd_app *app);
/** Enter: show the finding's key in the main view (Esc comes back). */
void kd_view_audit_jump(struct kd_app *app);
/** Esc in the main view after a jump: back to the audit view; false when no jump. */
bool kd_view_audit_back(struct kd_app *app);
/** Forget a jump from the audit view (another view was opened meanwhile). */
void kd_view_audit_forget(struct kd_app *app);
/** The breadcrumb after "keydeck ›" ("Audit", "Audit › pay-key-07"); NULL: not ours. */
const char *kd_view_audit_crumb(const struct kd_app *app);
/** disable, set-expiry, add-ratelimit, accept (the dispatcher checked read-only). */
void kd_view_audit_action(struct kd_app *app, enum kd_action a);
/** The disable confirmation is open: it takes every key. */
bool kd_view_audit_confirming(const struct kd_app *app);
void kd_view_audit_confirm_key(struct kd_app *app, int key);
/** Paint the confirmation over the body; its hint bar text. */
void kd_view_audit_confirm_draw(struct kd_app *app);
const char *kd_view_audit_confirm_hint(const struct kd_app *app);
/** The accept reason prompt was submitted (text) or cancelled (NULL). */
void kd_view_audit_reason(struct kd_app *app, const char *text);
/** Walk the audit log's chain again (opening :log, r); the result goes in its title. */
void kd_view_audit_log_check(struct kd_app *app);
/** "Audit log — chain intact (1234 entries)" or "… — TAMPERED at entry 17". */
const char *kd_view_audit_log_title(struct kd_app *app);
void kd_view_audit_free(struct kd_app *app);
/** Enable or disable a key through the backend, reload and say so (t and the audit fix). */
void kd_app_set_key_enabled(struct kd_app *app, const char *id, const char *name, bool enabled);

/** Put text on the clipboard through the terminal (OSC 52). */
void kd_app_osc52(struct kd_app *app, const char *text);

/** The id of the selected thing of a pane (for y / OSC 52); NULL when none. */
const char *kd_app_selected_id(struct kd_app *app);

/**
 * Frame a pane: border, "N Title" (the jump number), the filter with its match
 * count when one is active, the "12 of 340" footer and an optional note
 * (sort order) in the bottom border.  Returns the inside rect.
 */
struct kd_rect kd_pane_frame(struct kd_app *app, struct kd_rect r, enum kd_pane pane,
                             bool focused, int number, const char *title,
                             struct kd_vlist *list, const char *note);
/**
 * Draw the visible rows of a list: row_draw paints one row at (y, x, w); a
 * selected row gets a marker glyph and the selected element as its base.
 */
typedef void (*kd_row_draw_fn)(struct kd_app *app, const void *row, int y, int x, int w,
                               enum kd_theme_elem base, bool selected);
void kd_pane_rows(struct kd_app *app, struct kd_vlist *list, struct kd_rect inner,
                  bool focused, kd_row_draw_fn row_draw);

/* ---- chrome.c: status bar, hint bar, help, too-small screen ---- */
void kd_statusbar_draw(struct kd_app *app, struct kd_rect r);
void kd_hintbar_draw(struct kd_app *app, struct kd_rect r);
void kd_help_draw(struct kd_app *app, struct kd_rect r);
/** Lines the help screen has for ctx (to clamp its scrolling). */
int kd_help_line_count(const struct kd_app *app, enum kd_context ctx);
void kd_too_small_draw(int cols, int rows);

#endif
