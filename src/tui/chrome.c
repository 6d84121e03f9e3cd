/*
 * chrome.c — the status bar, the hint bar, the help screen and the "terminal
 * too small" screen.  The hint bar and the help are generated from the action
 * and binding tables, so they always match the keys that work.
 */
#include "tui/app.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui/draw.h"
#include "tui/text.h"

static const char *view_name(enum kd_view v)
{
    switch (v) {
    case KD_VIEW_ROLES: return "Roles";
    case KD_VIEW_PERMS: return "Permissions";
    /* Reached only through Enter: the breadcrumb names the path (drill_crumb). */
    case KD_VIEW_ROLE_PERMS: return "Roles";
    case KD_VIEW_PERM_KEYS: return "Permissions";
    case KD_VIEW_LOG: return "Audit log";
    case KD_VIEW_MONITOR: return "Monitor";
    default: return "APIs";
    }
}

/* "Roles › admin › keys.write": where the drill-down started, then each step. */
static const char *drill_crumb(const struct kd_app *app, char *buf, size_t len)
{
    const struct kd_drill *d = &app->drill;
    if (d->depth == 0)
        return NULL;
    const char *sep = kd_crt_utf8() ? "\u203a" : ">";
    size_t used = (size_t)snprintf(buf, len, "%s", view_name(d->steps[0].view));
    for (int i = 0; i < d->depth && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, " %s %s", sep, d->steps[i].label);
    return buf;
}

void kd_statusbar_draw(struct kd_app *app, struct kd_rect r)
{
    kd_draw_fill(r, KD_TE_STATUSBAR);
    /* Right side first: the badge must survive any width. */
    int right = r.x + r.w;
    if (app->readonly) {
        const char *badge = "[READ-ONLY]";
        int w = kd_text_width(badge);
        right -= w;
        kd_draw_text(r.y, right, w, KD_TE_BADGE_READONLY, badge);
        right -= 1;
    }
    if (app->stale) {
        const char *badge = "STALE";
        int w = kd_text_width(badge);
        right -= w;
        kd_draw_text(r.y, right, w, KD_TE_BADGE_STALE, badge);
        right -= 1;
    }
    bool monitor = app->view == KD_VIEW_MONITOR;
    if (monitor) {
        /* Words, not a colour: paused and live must read apart in monochrome. */
        const char *badge = app->mon.paused ? "PAUSED" : "LIVE";
        int w = kd_text_width(badge);
        right -= w;
        kd_draw_text(r.y, right, w, app->mon.paused ? KD_TE_MSG_WARNING : KD_TE_BADGE_LIVE,
                     badge);
        right -= 1;
    }
    /* The refresh stamp comes from the one clock, so tests pin it. */
    char stamp[48];
    time_t secs = (time_t)((monitor ? app->mon.updated_ms : app->last_refresh_ms) / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(stamp, sizeof stamp, "%H:%M:%S UTC", &tm);
    char counts[96];
    size_t apis = monitor ? 0 : kd_vlist_count(&app->apis);
    if (monitor)
        snprintf(counts, sizeof counts, "last updated %s", stamp);
    else
        snprintf(counts, sizeof counts, "%zu API%s %s %s", apis, apis == 1 ? "" : "s",
                 kd_crt_glyph(KD_G_SEPARATOR), stamp);
    int cw = kd_text_width(counts);
    /* The monitor keeps its stamp when narrow: it is how old the figures are. */
    if (monitor && right - r.x <= cw + 20) {
        snprintf(counts, sizeof counts, "%s", stamp);
        cw = kd_text_width(counts);
    }
    if (right - r.x > cw + 20) {
        right -= cw + 1;
        kd_draw_text(r.y, right, cw, KD_TE_STATUSBAR, counts);
    }

    int x = r.x + 1;
    int room = right - x - 1;
    if (app->message[0]) {
        kd_draw_text(r.y, x, room, app->message_elem, app->message);
        return;
    }
    /* Breadcrumbs of where we are, then the backend and where it stores keys. */
    char crumbs[400], path[300];
    const char *crumb = drill_crumb(app, path, sizeof path);
    if (!crumb)
        crumb = kd_view_audit_crumb(app);
    snprintf(crumbs, sizeof crumbs, "%s %s %s  ",
             app->opt->profile_name ? app->opt->profile_name : "keydeck",
             kd_crt_utf8() ? "\u203a" : ">", crumb ? crumb : view_name(app->view));
    int used = kd_draw_text(r.y, x, room, KD_TE_STATUSBAR_KEY, crumbs);
    x += used;
    room -= used;
    char where[600];
    snprintf(where, sizeof where, "%s %s %s", kd_backend_kind(app->b),
             kd_crt_glyph(KD_G_SEPARATOR), kd_backend_describe(app->b));
    kd_draw_text(r.y, x, room, KD_TE_STATUSBAR, where);
}

void kd_hintbar_draw(struct kd_app *app, struct kd_rect r)
{
    kd_draw_fill(r, KD_TE_KEYBAR_LABEL);
    enum kd_context ctx = kd_app_context(app);
    int x = r.x;
    /* The focused pane's hinted keys in their order, then the global ones. */
    enum kd_context order[2] = {ctx, KD_CTX_GLOBAL};
    int n_ctx = ctx == KD_CTX_HELP ? 1 : 2;
    for (int c = 0; c < n_ctx; c++) {
        for (int rank = 1; rank <= 9; rank++) {
            for (const struct kd_binding *b = kd_action_bindings(); b->keys; b++) {
                if (b->ctx != order[c] || b->hint != rank)
                    continue;
                /* Read-only: mutating actions are absent, not merely grey. */
                if (app->readonly && (kd_action_flags(b->action) & ACT_MUTATES))
                    continue;
                /* The monitor has no panes to move between. */
                if (ctx == KD_CTX_MONITOR && b->action == KD_ACT_FOCUS_NEXT)
                    continue;
                char key[32];
                const char *k = b->keys;
                size_t n = strlen(k);
                if (n > 2 && k[0] == '<' && k[n - 1] == '>')
                    snprintf(key, sizeof key, "%.*s", (int)(n - 2), k + 1);
                else
                    snprintf(key, sizeof key, "%s", k);
                const char *label = kd_action_name(b->action);
                int need = kd_text_width(key) + 1 + kd_text_width(label) + 2;
                if (x + need > r.x + r.w)
                    return;
                x += kd_draw_text(r.y, x, r.w - (x - r.x), KD_TE_KEYBAR_KEY, key);
                x += 1;
                x += kd_draw_text(r.y, x, r.w - (x - r.x), KD_TE_KEYBAR_LABEL, label);
                x += 2;
            }
        }
    }
}

/* The help of ctx and then the global keys: one line per action, keys joined. */
struct help_line {
    bool section;
    enum kd_context ctx;
    enum kd_action action;
};

static size_t help_lines(enum kd_context ctx, struct help_line *out, size_t max)
{
    enum kd_context order[2] = {ctx, KD_CTX_GLOBAL};
    int n_ctx = ctx == KD_CTX_HELP || ctx == KD_CTX_GLOBAL ? 1 : 2;
    size_t n = 0;
    for (int c = 0; c < n_ctx; c++) {
        if (n < max)
            out[n] = (struct help_line){true, order[c], KD_ACT_NONE};
        n++;
        bool seen[KD_ACT_COUNT] = {false};
        for (const struct kd_binding *b = kd_action_bindings(); b->keys; b++) {
            if (b->ctx != order[c] || seen[b->action])
                continue;
            seen[b->action] = true;
            if (n < max)
                out[n] = (struct help_line){false, order[c], b->action};
            n++;
        }
    }
    /* Palette-only commands, so ':' is discoverable from here. */
    if (n < max)
        out[n] = (struct help_line){true, KD_CTX_COUNT, KD_ACT_NONE};
    n++;
    for (int a = 0; a < KD_ACT_COUNT; a++) {
        if (!(kd_action_flags((enum kd_action)a) & ACT_NOKEY))
            continue;
        if (n < max)
            out[n] = (struct help_line){false, KD_CTX_COUNT, (enum kd_action)a};
        n++;
    }
    return n;
}

int kd_help_line_count(const struct kd_app *app, enum kd_context ctx)
{
    (void)app;
    return (int)help_lines(ctx, NULL, 0) + 2;
}

void kd_help_draw(struct kd_app *app, struct kd_rect r)
{
    struct help_line lines[256];
    size_t n = help_lines(app->help_ctx, lines, 256);
    if (n > 256)
        n = 256;
    char title[96];
    snprintf(title, sizeof title, "Help: %s", kd_context_heading(app->help_ctx));
    kd_draw_fill(r, KD_TE_DEFAULT);
    kd_draw_frame(r, title, true);
    struct kd_rect in = {r.x + 2, r.y + 1, r.w - 4, r.h - 2};
    int key_w = 16;
    for (int row = 0; row < in.h; row++) {
        size_t i = (size_t)(app->help_scroll + row);
        int y = in.y + row;
        if (i >= n)
            break;
        const struct help_line *l = &lines[i];
        if (l->section) {
            kd_draw_text(y, in.x, in.w, KD_TE_HELP_SECTION,
                         l->ctx == KD_CTX_COUNT ? "Commands (type : then the name)"
                                                : kd_context_heading(l->ctx));
            continue;
        }
        bool off = app->readonly && (kd_action_flags(l->action) & ACT_MUTATES);
        char keys[64];
        if (l->ctx == KD_CTX_COUNT)
            snprintf(keys, sizeof keys, ":%s%s", kd_action_name(l->action),
                     (kd_action_flags(l->action) & ACT_ARG) ? " NAME" : "");
        else
            kd_action_keys_label(l->ctx, l->action, keys, sizeof keys);
        kd_draw_text(y, in.x + 2, key_w, off ? KD_TE_HELP_DISABLED : KD_TE_HELP_KEY, keys);
        char text[200];
        /* Dimmed and said in words: the reason must not depend on the dimming. */
        snprintf(text, sizeof text, "%-14s %s%s", kd_action_name(l->action),
                 off ? "(read-only) " : "", kd_action_help(l->action));
        kd_draw_text(y, in.x + 3 + key_w, in.w - key_w - 3,
                     off ? KD_TE_HELP_DISABLED : KD_TE_HELP_TEXT, text);
    }
}

void kd_too_small_draw(int cols, int rows)
{
    erase();
    kd_draw_reset(rows, cols);
    char msg[96];
    snprintf(msg, sizeof msg, "terminal too small (need %dx%d, have %dx%d)", KD_LAYOUT_MIN_COLS,
             KD_LAYOUT_MIN_ROWS, cols, rows);
    int w = kd_text_width(msg);
    int y = rows / 2, x = w < cols ? (cols - w) / 2 : 0;
    kd_draw_text(y, x, cols - x, KD_TE_MSG_WARNING, msg);
    if (rows > 2)
        kd_draw_text(y + 1 < rows ? y + 1 : y, x, cols - x, KD_TE_MUTED, "q quits");
}
