/*
 * render.c — one paint pass per loop iteration: bring the detail up to date
 * with the selection, repaint only the dirty areas (erasing each with blanks,
 * never clear()), and hand curses one doupdate() so it sends only differences.
 */
#include "tui/app.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui/draw.h"
#include "tui/mutate.h"
#include "tui/text.h"

struct kd_rect kd_pane_frame(struct kd_app *app, struct kd_rect r, enum kd_pane pane,
                             bool focused, int number, const char *title,
                             struct kd_vlist *list, const char *note)
{
    kd_draw_fill(r, KD_TE_DEFAULT);
    char t[200];
    snprintf(t, sizeof t, "%d %s", number, title);
    kd_draw_frame(r, t, focused);
    int title_end = r.x + 1 + kd_text_width(t) + 2;
    if (pane != KD_PANE_DETAIL && app->filter[pane][0] && list) {
        char f[200], total[24] = "?";
        size_t n = kd_vlist_count(list);
        if (app->unfiltered[pane] >= 0)
            snprintf(total, sizeof total, "%lld", (long long)app->unfiltered[pane]);
        snprintf(f, sizeof f, " filter: %s (%zu%s/%s) ", app->filter[pane], n,
                 kd_vlist_count_exact(list) ? "" : "+", total);
        kd_draw_text(r.y, title_end, r.x + r.w - 1 - title_end, KD_TE_FILTER_ACTIVE, f);
    }
    int bottom = r.y + r.h - 1;
    int foot_w = 0;
    if (list) {
        char foot[64], padded[70];
        kd_vlist_footer(list, foot, sizeof foot);
        if (list->failed)
            snprintf(foot, sizeof foot, "error");
        snprintf(padded, sizeof padded, " %s ", foot);
        foot_w = kd_text_width(padded);
        if (foot_w < r.w - 2)
            kd_draw_text_right(bottom, r.x + 1, r.w - 3, KD_TE_LIST_FOOTER, padded);
    }
    if (note && r.w - 4 - foot_w > 8) {
        char padded[80];
        snprintf(padded, sizeof padded, " %s ", note);
        kd_draw_text(bottom, r.x + 1, r.w - 4 - foot_w, KD_TE_LIST_FOOTER, padded);
    }
    return (struct kd_rect){r.x + 1, r.y + 1, r.w - 2 > 0 ? r.w - 2 : 0, r.h - 2 > 0 ? r.h - 2 : 0};
}

void kd_pane_rows(struct kd_app *app, struct kd_vlist *list, struct kd_rect in, bool focused,
                  kd_row_draw_fn row_draw)
{
    if (in.h <= 0 || in.w <= 2)
        return;
    kd_vlist_clamp(list, in.h);
    if (list->failed && kd_vlist_count(list) == 0) {
        /* The whole message, wrapped: a narrow pane must not hide why. */
        const char *m = list->err.message;
        char line[sizeof list->err.message];
        for (int y = 0; y < in.h && *m; y++) {
            size_t n = kd_text_wrap(m, in.w - 1);
            snprintf(line, sizeof line, "%.*s", (int)n, m);
            kd_draw_text(in.y + y, in.x + 1, in.w - 1, KD_TE_MSG_ERROR, line);
            m += n;
            while (*m == ' ')
                m++;
        }
        return;
    }
    if (kd_vlist_count(list) == 0) {
        kd_draw_text(in.y, in.x + 1, in.w - 1, KD_TE_MUTED,
                     app->filter[app->focus][0] ? "no matches" : "(empty)");
        return;
    }
    for (int i = 0; i < in.h; i++) {
        size_t idx = list->top + (size_t)i;
        const void *row = kd_vlist_row(list, idx);
        if (!row)
            break;
        bool sel = idx == list->selected;
        enum kd_theme_elem base = !sel    ? KD_TE_LIST_ROW
                                  : focused ? KD_TE_LIST_ROW_SELECTED
                                            : KD_TE_LIST_ROW_SELECTED_UNFOCUSED;
        int y = in.y + i;
        kd_draw_text_pad(y, in.x, in.w, base, "");
        /* A marker as well as the highlight: selection must not rely on colour. */
        if (sel)
            kd_draw_text(y, in.x, 1, base, kd_crt_utf8() ? "\u203a" : ">");
        row_draw(app, row, y, in.x + 1, in.w - 1, base, sel);
    }
}

static bool any_dirty(const struct kd_app *app)
{
    for (int a = 0; a < KD_AREA_COUNT; a++)
        if (app->dirty[a])
            return true;
    return app->view == KD_VIEW_MONITOR && app->mon.dirty;
}

/* The monitor uses the whole body: everything between the two bars. */
static struct kd_rect body_rect(const struct kd_app *app)
{
    int top = app->rects[KD_AREA_STATUS].y + app->rects[KD_AREA_STATUS].h;
    return (struct kd_rect){0, top, app->cols, app->rects[KD_AREA_HINT].y - top};
}

bool kd_render(struct kd_app *app)
{
    if (app->too_small) {
        if (!any_dirty(app) && !app->repaint_all)
            return false;
        kd_too_small_draw(app->cols, app->rows);
    } else {
        /* The panes to the right follow the selection; they mark themselves dirty
         * when what they show changes. */
        if (app->view == KD_VIEW_MAIN)
            kd_view_keys_follow(app);
        if (app->view != KD_VIEW_MONITOR)
            kd_view_detail_follow(app);
        bool was_stale = app->stale;
        if (app->view == KD_VIEW_MONITOR)
            app->stale = app->mon.failed;
        else
            app->stale = app->apis.failed || app->keys.failed ||
                         (app->side_open && app->side.failed);
        if (app->stale != was_stale)
            kd_app_dirty(app, KD_AREA_STATUS, KD_DIRTY_PAINT);
        if (!any_dirty(app) && !app->repaint_all)
            return false;

        if (app->dirty[KD_AREA_STATUS])
            kd_statusbar_draw(app, app->rects[KD_AREA_STATUS]);
        bool body = app->dirty[KD_AREA_APIS] || app->dirty[KD_AREA_KEYS] ||
                    app->dirty[KD_AREA_DETAIL];
        if (app->help_open) {
            if (body) {
                struct kd_rect a = app->rects[KD_AREA_APIS];
                struct kd_rect h = {0, a.y, app->cols, a.h};
                kd_help_draw(app, h);
            }
        } else if (app->view == KD_VIEW_MONITOR) {
            if (body || app->mon.dirty)
                kd_view_monitor_draw(app, body_rect(app), body);
        } else if (app->view == KD_VIEW_MAIN) {
            if (app->dirty[KD_AREA_APIS])
                kd_view_apis_draw(app, app->rects[KD_AREA_APIS], app->focus == KD_PANE_APIS);
            if (app->dirty[KD_AREA_KEYS])
                kd_view_keys_draw(app, app->rects[KD_AREA_KEYS], app->focus == KD_PANE_KEYS);
            if (app->dirty[KD_AREA_DETAIL])
                kd_view_detail_draw(app, app->rects[KD_AREA_DETAIL],
                                    app->focus == KD_PANE_DETAIL);
        } else {
            struct kd_rect a = app->rects[KD_AREA_APIS], k = app->rects[KD_AREA_KEYS];
            struct kd_rect list = app->stacked ? (struct kd_rect){a.x, a.y, a.w + k.w, k.h}
                                               : (struct kd_rect){a.x, a.y, a.w + k.w, a.h};
            if (app->dirty[KD_AREA_APIS] || app->dirty[KD_AREA_KEYS]) {
                if (app->stacked) /* the strip left of the detail pane belongs to the list view */
                    kd_draw_fill((struct kd_rect){a.x, a.y + k.h, a.w, a.h - k.h}, KD_TE_DEFAULT);
                if (app->view == KD_VIEW_AUDIT)
                    kd_view_audit_draw(app, list, app->focus != KD_PANE_DETAIL);
                else
                    kd_view_side_draw(app, list, app->focus != KD_PANE_DETAIL);
            }
            if (app->dirty[KD_AREA_DETAIL])
                kd_view_detail_draw(app, app->rects[KD_AREA_DETAIL],
                                    app->focus == KD_PANE_DETAIL);
        }
        /* An open form or dialog sits over the panes, so it is painted after them. */
        if (app->mut && body)
            kd_mutate_draw(app);
        else if (kd_view_audit_confirming(app) && body)
            kd_view_audit_confirm_draw(app);
        if (app->dirty[KD_AREA_HINT]) {
            if (app->mut || kd_view_audit_confirming(app)) {
                /* A form or dialog has the keyboard: only its keys apply. */
                kd_draw_fill(app->rects[KD_AREA_HINT], KD_TE_KEYBAR_LABEL);
                kd_draw_text(app->rects[KD_AREA_HINT].y, app->rects[KD_AREA_HINT].x,
                             app->rects[KD_AREA_HINT].w, KD_TE_KEYBAR_LABEL,
                             app->mut ? kd_mutate_hint(app) : kd_view_audit_confirm_hint(app));
            } else if (app->prompt.mode != KD_PROMPT_NONE)
                kd_prompt_draw(&app->prompt, app->rects[KD_AREA_HINT]);
            else
                kd_hintbar_draw(app, app->rects[KD_AREA_HINT]);
        }
    }
    memset(app->dirty, 0, sizeof app->dirty);
    if (app->repaint_all) {
        /* Ctrl-L only: make curses forget what it believes is on the terminal. */
        clearok(curscr, TRUE);
        app->repaint_all = false;
    }
    wnoutrefresh(stdscr);
    doupdate();
    app->paints++;
    return true;
}
