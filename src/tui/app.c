/*
 * app.c — the dispatcher: keys become actions, actions change state and mark
 * what must be repainted (see app.h).  Nothing here draws.
 */
#include "tui/app.h"

#include <curses.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tui/crt.h"
#include "tui/draw.h"
#include "tui/keyname.h"
#include "tui/mutate.h"
#include "util/clock.h"
#include "util/xalloc.h"

void kd_app_dirty(struct kd_app *app, enum kd_layout_area area, unsigned bits)
{
    app->dirty[area] |= bits;
}

void kd_app_dirty_all(struct kd_app *app)
{
    for (int a = 0; a < KD_AREA_COUNT; a++)
        app->dirty[a] |= KD_DIRTY_PAINT;
}

void kd_app_message(struct kd_app *app, enum kd_theme_elem elem, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(app->message, sizeof app->message, fmt, ap);
    va_end(ap);
    app->message_elem = elem;
    kd_app_dirty(app, KD_AREA_STATUS, KD_DIRTY_PAINT);
}

static size_t palette_complete(void *ctx, const char *text, const char **out, size_t max);

void kd_app_init(struct kd_app *app, struct kd_backend *b, const struct kd_tui_options *opt)
{
    memset(app, 0, sizeof *app);
    app->b = b;
    app->opt = opt;
    app->caps = kd_backend_capabilities(b);
    /* The badge and the refusals follow the backend, not a UI flag, so read-only
     * cannot be lifted from inside the session. */
    app->readonly = (app->caps & KD_CAP_READONLY) != 0;
    app->view = KD_VIEW_MAIN;
    app->focus = KD_PANE_APIS;
    app->keys_api_count = -1;
    for (int p = 0; p < KD_PANE_COUNT; p++)
        app->unfiltered[p] = -1;
    app->prompt.complete = palette_complete;
    app->prompt.complete_ctx = app;
    kd_view_apis_init(app);
    kd_view_keys_init(app);
    app->last_refresh_ms = kd_now_ms();
    kd_app_resize(app);
    if (opt->monitor)
        kd_view_monitor_open(app);
}

void kd_app_free(struct kd_app *app)
{
    kd_vlist_free(&app->apis);
    kd_vlist_free(&app->keys);
    if (app->side_open)
        kd_vlist_free(&app->side);
    free(app->keys_api_id);
    free(app->keys_api_name);
    kd_detail_clear(&app->detail);
    free(app->detail.lines);
    kd_prompt_free(&app->prompt);
    kd_view_monitor_free(app);
    kd_mutate_free(app);
    kd_view_audit_free(app);
    kd_view_drill_clear(app);
}

void kd_app_resize(struct kd_app *app)
{
    app->cols = COLS;
    app->rows = LINES;
    app->too_small = kd_layout_compute(app->cols, app->rows, kd_layout_default_spec(),
                                       app->rects, &app->stacked) == KD_LAYOUT_TOO_SMALL;
    kd_draw_reset(app->rows, app->cols);
    /* The whole screen moves: everything is repainted once (still no clear()). */
    erase();
    kd_app_dirty_all(app);
    if (!app->too_small) {
        kd_vlist_clamp(&app->apis, kd_app_list_height(app, KD_PANE_APIS));
        kd_vlist_clamp(&app->keys, kd_app_list_height(app, KD_PANE_KEYS));
        if (app->side_open)
            kd_vlist_clamp(&app->side, kd_app_list_height(app, KD_PANE_APIS));
    }
}

/* The rect a pane occupies in the current view. */
static struct kd_rect pane_rect(const struct kd_app *app, enum kd_pane pane)
{
    if (app->view != KD_VIEW_MAIN) {
        /* Side views: the list spans the APIs and keys columns. */
        struct kd_rect a = app->rects[KD_AREA_APIS], k = app->rects[KD_AREA_KEYS];
        if (pane == KD_PANE_DETAIL)
            return app->rects[KD_AREA_DETAIL];
        if (app->stacked)
            return (struct kd_rect){a.x, a.y, a.w + k.w, k.h};
        return (struct kd_rect){a.x, a.y, a.w + k.w, a.h};
    }
    return app->rects[pane == KD_PANE_APIS ? KD_AREA_APIS
                      : pane == KD_PANE_KEYS ? KD_AREA_KEYS
                                             : KD_AREA_DETAIL];
}

int kd_app_list_height(const struct kd_app *app, enum kd_pane pane)
{
    struct kd_rect r = pane_rect(app, pane);
    /* frame (2) plus, for tables with a header, one header row */
    int h = r.h - 2 - ((pane == KD_PANE_KEYS || app->view != KD_VIEW_MAIN) ? 1 : 0);
    return h > 1 ? h : 1;
}

enum kd_context kd_app_context(const struct kd_app *app)
{
    if (app->help_open)
        return KD_CTX_HELP;
    if (app->view == KD_VIEW_MONITOR)
        return KD_CTX_MONITOR;
    if (app->view == KD_VIEW_AUDIT)
        return KD_CTX_AUDIT;
    /* Roles/perms/log: one context each for list and detail (the key actions
     * of the main detail pane do not apply there). */
    if (app->view == KD_VIEW_ROLES)
        return KD_CTX_ROLES;
    if (app->view == KD_VIEW_PERMS)
        return KD_CTX_PERMS;
    if (app->view == KD_VIEW_ROLE_PERMS || app->view == KD_VIEW_PERM_KEYS)
        return KD_CTX_DRILL;
    if (app->view != KD_VIEW_MAIN)
        return KD_CTX_LIST;
    switch (app->focus) {
    case KD_PANE_APIS: return KD_CTX_APIS;
    case KD_PANE_KEYS: return KD_CTX_KEYS;
    default: return KD_CTX_DETAIL;
    }
}

static enum kd_layout_area pane_area(const struct kd_app *app, enum kd_pane p)
{
    if (app->view != KD_VIEW_MAIN && p != KD_PANE_DETAIL)
        return KD_AREA_APIS;
    return p == KD_PANE_APIS ? KD_AREA_APIS : p == KD_PANE_KEYS ? KD_AREA_KEYS : KD_AREA_DETAIL;
}

static void dirty_body(struct kd_app *app)
{
    kd_app_dirty(app, KD_AREA_APIS, KD_DIRTY_PAINT);
    kd_app_dirty(app, KD_AREA_KEYS, KD_DIRTY_PAINT);
    kd_app_dirty(app, KD_AREA_DETAIL, KD_DIRTY_PAINT);
}

static void set_focus(struct kd_app *app, enum kd_pane p)
{
    if (app->view == KD_VIEW_MONITOR)
        return; /* one screen of boxes, nothing to focus */
    if (app->view != KD_VIEW_MAIN && p == KD_PANE_KEYS)
        p = KD_PANE_DETAIL;
    if (p == app->focus)
        return;
    kd_app_dirty(app, pane_area(app, app->focus), KD_DIRTY_PAINT);
    app->focus = p;
    kd_app_dirty(app, pane_area(app, app->focus), KD_DIRTY_PAINT);
    kd_app_dirty(app, KD_AREA_HINT, KD_DIRTY_PAINT);
}

static void cycle_focus(struct kd_app *app, int dir)
{
    enum kd_pane order_main[] = {KD_PANE_APIS, KD_PANE_KEYS, KD_PANE_DETAIL};
    enum kd_pane order_side[] = {KD_PANE_APIS, KD_PANE_DETAIL};
    const enum kd_pane *order = app->view == KD_VIEW_MAIN ? order_main : order_side;
    int n = app->view == KD_VIEW_MAIN ? 3 : 2, i = 0;
    while (i < n && order[i] != app->focus)
        i++;
    set_focus(app, order[((i + dir) % n + n) % n]);
}

/* The list that has the focus, or NULL (detail pane). */
static struct kd_vlist *focused_list(struct kd_app *app)
{
    if (app->view != KD_VIEW_MAIN)
        return app->focus == KD_PANE_DETAIL ? NULL : &app->side;
    if (app->focus == KD_PANE_APIS)
        return &app->apis;
    if (app->focus == KD_PANE_KEYS)
        return &app->keys;
    return NULL;
}

static void move_selection(struct kd_app *app, enum kd_action a)
{
    if (app->help_open) {
        int max = kd_help_line_count(app, app->help_ctx);
        int page = app->rows - 4;
        int s = app->help_scroll;
        s += a == KD_ACT_DOWN ? 1 : a == KD_ACT_UP ? -1 : a == KD_ACT_PAGE_DOWN ? page
             : a == KD_ACT_PAGE_UP ? -page : a == KD_ACT_FIRST ? -max : max;
        if (s > max - page)
            s = max - page;
        if (s < 0)
            s = 0;
        app->help_scroll = s;
        dirty_body(app);
        return;
    }
    struct kd_vlist *l = focused_list(app);
    if (!l) {
        struct kd_rect r = pane_rect(app, KD_PANE_DETAIL);
        int page = r.h - 2 > 1 ? r.h - 2 : 1;
        int max = (int)app->detail.n - page;
        int s = app->detail.scroll;
        s += a == KD_ACT_DOWN ? 1 : a == KD_ACT_UP ? -1 : a == KD_ACT_PAGE_DOWN ? page
             : a == KD_ACT_PAGE_UP ? -page : a == KD_ACT_FIRST ? -s : max;
        if (s > max)
            s = max;
        if (s < 0)
            s = 0;
        app->detail.scroll = s;
        kd_app_dirty(app, KD_AREA_DETAIL, KD_DIRTY_PAINT);
        return;
    }
    int h = kd_app_list_height(app, app->focus);
    switch (a) {
    case KD_ACT_DOWN: kd_vlist_move(l, 1, h); break;
    case KD_ACT_UP: kd_vlist_move(l, -1, h); break;
    case KD_ACT_PAGE_DOWN: kd_vlist_move(l, h, h); break;
    case KD_ACT_PAGE_UP: kd_vlist_move(l, -h, h); break;
    case KD_ACT_FIRST: kd_vlist_first(l, h); break;
    default: kd_vlist_last(l, h); break;
    }
    kd_app_dirty(app, pane_area(app, app->focus), KD_DIRTY_PAINT);
    /* The panes to the right follow the selection (render.c notices the change). */
    kd_app_dirty(app, KD_AREA_KEYS, KD_DIRTY_PAINT);
    kd_app_dirty(app, KD_AREA_DETAIL, KD_DIRTY_PAINT);
    if (l->failed)
        kd_app_message(app, KD_TE_MSG_ERROR, "%s", l->err.message);
}

/* Count the rows of a pane without its filter, for "filter: pat (12/340)". */
static int64_t unfiltered_count(struct kd_app *app, enum kd_pane pane)
{
    struct kd_error err;
    if (app->view == KD_VIEW_MAIN && pane == KD_PANE_KEYS)
        return app->keys_api_count;
    if (!(app->caps & KD_CAP_TOTALS))
        return -1;
    struct kd_list_query q = {.limit = 1, .want_total = true};
    int64_t total = -1;
    if (app->view == KD_VIEW_MAIN) {
        struct kd_api_page pg = {0};
        if (kd_backend_api_list(app->b, &q, &pg, &err) == 0)
            total = pg.total;
        kd_api_page_free(&pg);
    } else if (app->view == KD_VIEW_ROLES) {
        struct kd_role_page pg = {0};
        if (kd_backend_role_list(app->b, &q, &pg, &err) == 0)
            total = pg.total;
        kd_role_page_free(&pg);
    } else if (app->view == KD_VIEW_PERMS) {
        struct kd_permission_page pg = {0};
        if (kd_backend_permission_list(app->b, &q, &pg, &err) == 0)
            total = pg.total;
        kd_permission_page_free(&pg);
    } else {
        total = kd_view_drill_unfiltered(app);
    }
    return total;
}

static void apply_filter(struct kd_app *app, enum kd_pane pane, const char *text)
{
    if (strcmp(app->filter[pane], text) == 0)
        return;
    bool was_empty = app->filter[pane][0] == '\0';
    snprintf(app->filter[pane], sizeof app->filter[pane], "%s", text);
    if (was_empty && text[0])
        app->unfiltered[pane] = unfiltered_count(app, pane);
    struct kd_vlist *l = app->view != KD_VIEW_MAIN ? &app->side
                         : pane == KD_PANE_APIS    ? &app->apis
                                                   : &app->keys;
    kd_vlist_reset(l);
    l->selected = l->top = 0;
    dirty_body(app);
}

static void clear_filter(struct kd_app *app, enum kd_pane pane)
{
    apply_filter(app, pane, "");
}

/* Esc on a slow load: the user chose to stop waiting, so the periodic refresh
 * must not start the same wait again by itself; r (or any change) does. */
static bool load_cancelled(const struct kd_app *app)
{
    return (app->apis.failed && app->apis.err.code == KD_ERR_CANCELLED) ||
           (app->keys.failed && app->keys.err.code == KD_ERR_CANCELLED) ||
           (app->side_open && app->side.failed && app->side.err.code == KD_ERR_CANCELLED);
}

void kd_app_refresh(struct kd_app *app)
{
    kd_vlist_reset(&app->apis);
    kd_vlist_reset(&app->keys);
    if (app->side_open)
        kd_vlist_reset(&app->side);
    /* Forget what the detail shows so it reloads even for the same id. */
    free(app->detail.for_id);
    app->detail.for_id = NULL;
    app->last_refresh_ms = kd_now_ms();
    if (!app->too_small) {
        kd_vlist_clamp(&app->apis, kd_app_list_height(app, KD_PANE_APIS));
        kd_vlist_clamp(&app->keys, kd_app_list_height(app, KD_PANE_KEYS));
        if (app->side_open)
            kd_vlist_clamp(&app->side, kd_app_list_height(app, KD_PANE_APIS));
    }
    app->stale = app->apis.failed || app->keys.failed || (app->side_open && app->side.failed);
    if (app->view == KD_VIEW_MONITOR) {
        kd_view_monitor_refresh(app, true);
        app->stale = app->mon.failed;
    }
    /* The next refresh is due a period after this one ended: a slow server
     * must not be asked again the moment it has answered. */
    app->last_refresh_ms = kd_now_ms();
    if (load_cancelled(app))
        kd_app_message(app, KD_TE_MSG_WARNING, "cancelled: r loads again");
    kd_app_dirty_all(app);
}

void kd_app_timer(struct kd_app *app, bool force)
{
    int64_t now = kd_now_ms();
    if (app->view == KD_VIEW_MONITOR) {
        if (!app->mon.paused && (force || now >= app->mon.due_ms))
            kd_view_monitor_refresh(app, false);
        return;
    }
    int64_t every = (int64_t)app->opt->refresh_seconds * 1000;
    if (force || (every > 0 && now - app->last_refresh_ms >= every && !load_cancelled(app)))
        kd_app_refresh(app);
}

int64_t kd_app_timer_wait(const struct kd_app *app)
{
    int64_t due;
    if (app->view == KD_VIEW_MONITOR) {
        if (app->mon.paused)
            return -1;
        due = app->mon.due_ms;
    } else {
        if (app->opt->refresh_seconds <= 0 || load_cancelled(app))
            return -1;
        due = app->last_refresh_ms + (int64_t)app->opt->refresh_seconds * 1000;
    }
    int64_t wait = due - kd_now_ms();
    return wait > 0 ? wait : 0;
}

static void toggle_pause(struct kd_app *app)
{
    struct kd_monitor *m = &app->mon;
    m->paused = !m->paused;
    if (m->paused) {
        kd_app_message(app, KD_TE_MSG_INFO, "paused (p resumes)");
    } else {
        /* Resuming shows the present at once rather than after an interval. */
        kd_view_monitor_refresh(app, false);
        if (!m->failed)
            kd_app_message(app, KD_TE_MSG_INFO, "live again");
    }
    kd_app_dirty(app, KD_AREA_STATUS, KD_DIRTY_PAINT);
}

static void base64(const char *in, char *out, size_t outlen)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in), o = 0;
    for (size_t i = 0; i < n && o + 5 < outlen; i += 3) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)in[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tbl[v & 63] : '=';
    }
    out[o] = '\0';
}

void kd_app_osc52(struct kd_app *app, const char *text)
{
    (void)app;
    char b64[1024];
    base64(text, b64, sizeof b64);
    FILE *out = kd_crt_output();
    if (out) {
        fprintf(out, "\033]52;c;%s\a", b64);
        fflush(out);
    }
    /* b64 may hold a new key's plaintext: wipe it (volatile: not optimised away). */
    for (volatile char *v = b64; v < b64 + sizeof b64; v++)
        *v = 0;
}

/* OSC 52 asks the terminal (even over ssh) to put text on the clipboard. */
static void copy_id(struct kd_app *app)
{
    const char *id = kd_app_selected_id(app);
    if (!id) {
        kd_app_message(app, KD_TE_MSG_WARNING, "nothing selected to copy");
        return;
    }
    kd_app_osc52(app, id);
    kd_app_message(app, KD_TE_MSG_SUCCESS, "copied %s (OSC 52)", id);
}

static void toggle_enabled(struct kd_app *app)
{
    if (app->view != KD_VIEW_MAIN || app->focus == KD_PANE_APIS) {
        kd_app_message(app, KD_TE_MSG_WARNING, "select a key first");
        return;
    }
    const struct kd_key *k = kd_vlist_selected(&app->keys);
    if (!k) {
        kd_app_message(app, KD_TE_MSG_WARNING, "select a key first");
        return;
    }
    /* Copies: the refresh frees the row k points into. */
    char *id = kd_xstrdup(k->id);
    char *name = kd_xstrdup(k->name ? k->name : k->id);
    kd_app_set_key_enabled(app, id, name, !k->enabled);
    free(id);
    free(name);
}

void kd_app_set_key_enabled(struct kd_app *app, const char *id, const char *name, bool enabled)
{
    struct kd_key_update u;
    memset(&u, 0, sizeof u);
    u.fields = KD_KF_ENABLED;
    u.values.enabled = enabled;
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_backend_key_update(app->b, id, &u, &err) != 0)
        kd_app_message(app, KD_TE_MSG_ERROR, "%s", err.message);
    else {
        kd_app_refresh(app);
        kd_app_message(app, KD_TE_MSG_SUCCESS, "%s %s", name, enabled ? "enabled" : "disabled");
    }
}

static void switch_theme(struct kd_app *app, const char *name)
{
    if (!name || !*name) {
        kd_app_message(app, KD_TE_MSG_WARNING, "usage: theme NAME (Tab completes)");
        return;
    }
    struct kd_theme t;
    struct kd_error err;
    char warnings[512] = "";
    if (kd_theme_load(name, &t, warnings, sizeof warnings, &err) != 0) {
        kd_app_message(app, KD_TE_MSG_ERROR, "%s", err.message);
        return;
    }
    app->theme = t;
    const char *nc = getenv("NO_COLOR");
    kd_theme_apply(&app->theme, app->opt->force_mono || (nc && *nc));
    kd_app_dirty_all(app);
    kd_app_message(app, KD_TE_MSG_SUCCESS, "theme %s", t.name);
}

static const char *const sort_names[] = {"created", "name", "expires", "credits", "last used"};

static void sort_keys(struct kd_app *app, bool reverse)
{
    if (app->view != KD_VIEW_MAIN)
        return;
    if (!(app->caps & KD_CAP_SORT) && !reverse) {
        kd_app_message(app, KD_TE_MSG_WARNING, "this backend lists keys in creation order only");
        return;
    }
    if (reverse)
        app->sort_desc = !app->sort_desc;
    else
        app->sort = (enum kd_key_sort)((app->sort + 1) % 5);
    kd_vlist_reset(&app->keys);
    app->keys.selected = app->keys.top = 0;
    kd_app_dirty(app, KD_AREA_KEYS, KD_DIRTY_PAINT);
    kd_app_dirty(app, KD_AREA_DETAIL, KD_DIRTY_PAINT);
    kd_app_message(app, KD_TE_MSG_INFO, "sorted by %s, %s", sort_names[app->sort],
                   app->sort_desc ? "descending" : "ascending");
}

static void open_view(struct kd_app *app, enum kd_view v)
{
    /* Reaching a view from the palette or a jump key starts a new path, and
     * Esc no longer leads back to the audit row a jump came from. */
    kd_view_drill_clear(app);
    if (v != KD_VIEW_AUDIT)
        kd_view_audit_forget(app);
    if (v == KD_VIEW_MONITOR) {
        if (app->view != KD_VIEW_MONITOR && kd_view_monitor_open(app))
            erase();
        return;
    }
    if (v == KD_VIEW_MAIN) {
        if (app->view != KD_VIEW_MAIN) {
            app->view = KD_VIEW_MAIN;
            app->focus = KD_PANE_APIS;
            app->filter[KD_PANE_APIS][0] = '\0';
            kd_vlist_reset(&app->apis);
            free(app->detail.for_id);
            app->detail.for_id = NULL;
            erase();
        }
        kd_app_dirty_all(app);
        return;
    }
    unsigned need = v == KD_VIEW_LOG ? KD_CAP_AUDIT_LOG : 0;
    if (need && !(app->caps & need)) {
        kd_app_message(app, KD_TE_MSG_WARNING, "this backend has no audit log");
        return;
    }
    app->filter[KD_PANE_APIS][0] = '\0';
    app->unfiltered[KD_PANE_APIS] = -1;
    if (v == KD_VIEW_AUDIT)
        kd_view_audit_open(app);
    else
        kd_view_side_open(app, v);
    if (v == KD_VIEW_LOG)
        kd_view_audit_log_check(app);
    app->focus = KD_PANE_APIS;
    free(app->detail.for_id);
    app->detail.for_id = NULL;
    erase();
    kd_app_dirty_all(app);
}

static void go_back(struct kd_app *app)
{
    if (app->help_open) {
        app->help_open = false;
        erase();
        kd_app_dirty_all(app);
        return;
    }
    if (app->view == KD_VIEW_MONITOR) {
        open_view(app, KD_VIEW_MAIN);
        return;
    }
    enum kd_pane pane = app->focus;
    if (pane != KD_PANE_DETAIL && app->filter[pane][0]) {
        clear_filter(app, pane);
        return;
    }
    /* After Enter on a drill-down's key, Esc returns to that list. */
    if (app->view == KD_VIEW_MAIN && kd_view_drill_back(app))
        return;
    /* After Enter on an audit finding, Esc returns to the finding. */
    if (app->view == KD_VIEW_MAIN && kd_view_audit_back(app))
        return;
    if (pane == KD_PANE_DETAIL)
        set_focus(app, app->view == KD_VIEW_MAIN ? KD_PANE_KEYS : KD_PANE_APIS);
    else if (pane == KD_PANE_KEYS)
        set_focus(app, KD_PANE_APIS);
    else if (app->view != KD_VIEW_MAIN && !kd_view_drill_back(app))
        open_view(app, KD_VIEW_MAIN);
}

void kd_app_run_action(struct kd_app *app, enum kd_action a, const char *arg)
{
    char why[128];
    if (!kd_action_allowed(a, app->readonly, why, sizeof why)) {
        if (why[0])
            kd_app_message(app, KD_TE_MSG_WARNING, "%s", why);
        return;
    }
    switch (a) {
    case KD_ACT_QUIT: app->quit = true; break;
    case KD_ACT_HELP:
        app->help_ctx = kd_app_context(app);
        app->help_open = true;
        app->help_scroll = 0;
        dirty_body(app);
        kd_app_dirty(app, KD_AREA_HINT, KD_DIRTY_PAINT);
        break;
    case KD_ACT_PALETTE:
        kd_prompt_open(&app->prompt, KD_PROMPT_PALETTE, arg);
        kd_app_dirty(app, KD_AREA_HINT, KD_DIRTY_PAINT);
        break;
    case KD_ACT_REFRESH:
        kd_app_refresh(app);
        /* Only r re-runs these: the timer's reload must not rescan every key. */
        if (app->view == KD_VIEW_AUDIT)
            kd_view_audit_reload(app);
        else if (app->view == KD_VIEW_LOG)
            kd_view_audit_log_check(app);
        if (app->stale && app->view != KD_VIEW_MONITOR)
            kd_app_message(app, KD_TE_MSG_ERROR, "refresh failed: %s",
                           app->apis.failed ? app->apis.err.message : app->keys.err.message);
        break;
    case KD_ACT_PAUSE:
        if (app->view == KD_VIEW_MONITOR)
            toggle_pause(app);
        break;
    case KD_ACT_REFRESH_NOW:
        if (app->view == KD_VIEW_MONITOR)
            kd_view_monitor_refresh(app, true);
        else
            kd_app_refresh(app);
        break;
    case KD_ACT_REPAINT:
        app->repaint_all = true;
        kd_app_dirty_all(app);
        break;
    case KD_ACT_FOCUS_NEXT: cycle_focus(app, 1); break;
    case KD_ACT_FOCUS_PREV: cycle_focus(app, -1); break;
    case KD_ACT_FOCUS_1: set_focus(app, KD_PANE_APIS); break;
    case KD_ACT_FOCUS_2: set_focus(app, KD_PANE_KEYS); break;
    case KD_ACT_FOCUS_3: set_focus(app, KD_PANE_DETAIL); break;
    case KD_ACT_UP:
    case KD_ACT_DOWN:
    case KD_ACT_PAGE_UP:
    case KD_ACT_PAGE_DOWN:
    case KD_ACT_FIRST:
    case KD_ACT_LAST: move_selection(app, a); break;
    case KD_ACT_OPEN:
        if (app->view == KD_VIEW_AUDIT && app->focus != KD_PANE_DETAIL)
            kd_view_audit_jump(app);
        else if (kd_view_drill_open(app))
            break;
        else if (app->view == KD_VIEW_MAIN && app->focus == KD_PANE_APIS)
            set_focus(app, KD_PANE_KEYS);
        else
            set_focus(app, KD_PANE_DETAIL);
        break;
    case KD_ACT_BACK: go_back(app); break;
    case KD_ACT_FILTER:
        if (app->focus == KD_PANE_DETAIL) {
            kd_app_message(app, KD_TE_MSG_WARNING, "nothing to filter here: focus a list");
            break;
        }
        kd_prompt_open(&app->prompt, KD_PROMPT_FILTER, app->filter[app->focus]);
        kd_app_dirty(app, KD_AREA_HINT, KD_DIRTY_PAINT);
        break;
    case KD_ACT_SORT: sort_keys(app, false); break;
    case KD_ACT_SORT_REVERSE: sort_keys(app, true); break;
    case KD_ACT_COPY_ID: copy_id(app); break;
    case KD_ACT_TOGGLE_ENABLED: toggle_enabled(app); break;
    case KD_ACT_NEW_KEY:
    case KD_ACT_EDIT_KEY:
    case KD_ACT_DELETE_KEY:
    case KD_ACT_REROLL_KEY:
    case KD_ACT_CREDITS_KEY:
    case KD_ACT_REVEAL_KEY:
    case KD_ACT_NEW_ROLE:
    case KD_ACT_DELETE_ROLE:
    case KD_ACT_ROLE_PERMISSIONS:
    case KD_ACT_NEW_PERMISSION:
    case KD_ACT_DELETE_PERMISSION:
    case KD_ACT_NEW_API:
    case KD_ACT_DELETE_API: kd_mutate_start(app, a); break;
    case KD_ACT_VIEW_APIS: open_view(app, KD_VIEW_MAIN); break;
    case KD_ACT_VIEW_KEYS:
        open_view(app, KD_VIEW_MAIN);
        set_focus(app, KD_PANE_KEYS);
        break;
    case KD_ACT_VIEW_ROLES: open_view(app, KD_VIEW_ROLES); break;
    case KD_ACT_VIEW_PERMS: open_view(app, KD_VIEW_PERMS); break;
    case KD_ACT_VIEW_LOG: open_view(app, KD_VIEW_LOG); break;
    case KD_ACT_VIEW_MONITOR: open_view(app, KD_VIEW_MONITOR); break;
    case KD_ACT_VIEW_AUDIT: open_view(app, KD_VIEW_AUDIT); break;
    case KD_ACT_AUDIT_DISABLE:
    case KD_ACT_AUDIT_SET_EXPIRY:
    case KD_ACT_AUDIT_ADD_RATELIMIT:
    case KD_ACT_AUDIT_ACCEPT: kd_view_audit_action(app, a); break;
    case KD_ACT_THEME: switch_theme(app, arg); break;
    default: break;
    }
}

/* ":theme dark" -> action theme, argument "dark". */
static void run_palette_line(struct kd_app *app, const char *line)
{
    while (*line == ' ' || *line == ':')
        line++;
    if (!*line)
        return;
    char cmd[64];
    size_t n = strcspn(line, " ");
    snprintf(cmd, sizeof cmd, "%.*s", (int)(n < sizeof cmd ? n : sizeof cmd - 1), line);
    const char *arg = line + n;
    while (*arg == ' ')
        arg++;
    enum kd_action a = kd_action_from_name(cmd);
    if (a == KD_ACT_NONE) {
        kd_app_message(app, KD_TE_MSG_ERROR, "unknown command: %s (Tab lists them)", cmd);
        return;
    }
    if (!(kd_action_flags(a) & ACT_ARG) && *arg) {
        kd_app_message(app, KD_TE_MSG_ERROR, "%s takes no argument", cmd);
        return;
    }
    kd_app_run_action(app, a, arg);
}

static size_t palette_complete(void *ctx, const char *text, const char **out, size_t max)
{
    (void)ctx;
    static char lines[16][96];
    static char **themes;
    while (*text == ' ')
        text++;
    const char *space = strchr(text, ' ');
    if (!space)
        return kd_action_complete(text, out, max);
    /* The argument of :theme completes from the installed themes. */
    if (strncmp(text, "theme ", 6) != 0)
        return 0;
    const char *pre = space + 1;
    if (themes)
        kd_theme_names_free(themes);
    themes = kd_theme_names();
    size_t n = 0;
    for (size_t i = 0; themes && themes[i]; i++) {
        if (strncmp(themes[i], pre, strlen(pre)) != 0)
            continue;
        if (n < max && n < 16) {
            snprintf(lines[n], sizeof lines[n], "theme %s", themes[i]);
            out[n] = lines[n];
        }
        n++;
    }
    return n;
}

static void prompt_key(struct kd_app *app, int key)
{
    struct kd_prompt *p = &app->prompt;
    enum kd_pane pane = app->focus;
    enum kd_prompt_result r = kd_prompt_key(p, key);
    kd_app_dirty(app, KD_AREA_HINT, KD_DIRTY_PAINT);
    if (p->mode == KD_PROMPT_TEXT) {
        if (r == KD_PROMPT_SUBMIT || r == KD_PROMPT_CANCEL) {
            char text[KD_PROMPT_MAX];
            snprintf(text, sizeof text, "%s", p->text);
            kd_prompt_close(p);
            kd_view_audit_reason(app, r == KD_PROMPT_SUBMIT ? text : NULL);
        }
        return;
    }
    if (p->mode == KD_PROMPT_FILTER) {
        switch (r) {
        case KD_PROMPT_EDITED: apply_filter(app, pane, p->text); break;
        case KD_PROMPT_SUBMIT: kd_prompt_close(p); break;
        case KD_PROMPT_CANCEL:
            kd_prompt_close(p);
            clear_filter(app, pane);
            break;
        default: break;
        }
        return;
    }
    if (r == KD_PROMPT_SUBMIT) {
        char line[KD_PROMPT_MAX];
        snprintf(line, sizeof line, "%s", p->text);
        kd_prompt_remember(p, line);
        kd_prompt_close(p);
        run_palette_line(app, line);
    } else if (r == KD_PROMPT_CANCEL) {
        kd_prompt_close(p);
    }
}

void kd_app_key(struct kd_app *app, int key)
{
    key = kd_key_normalize(key);
    if (key == KD_KEY_FN(KEY_RESIZE)) {
        kd_app_resize(app);
        return;
    }
    if (app->message[0]) {
        app->message[0] = '\0';
        kd_app_dirty(app, KD_AREA_STATUS, KD_DIRTY_PAINT);
    }
    if (app->too_small) {
        /* Only leaving and repainting make sense on the "too small" screen. */
        enum kd_action a = kd_action_for_key(KD_CTX_GLOBAL, key);
        if (a == KD_ACT_QUIT || a == KD_ACT_REPAINT)
            kd_app_run_action(app, a, NULL);
        return;
    }
    if (app->mut) {
        kd_mutate_key(app, key);
        return;
    }
    if (kd_view_audit_confirming(app)) {
        kd_view_audit_confirm_key(app, key);
        return;
    }
    if (app->prompt.mode != KD_PROMPT_NONE) {
        prompt_key(app, key);
        return;
    }
    enum kd_action a = kd_action_for_key(kd_app_context(app), key);
    if (a != KD_ACT_NONE)
        kd_app_run_action(app, a, NULL);
}
