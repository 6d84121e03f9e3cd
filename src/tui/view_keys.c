/*
 * view_keys.c — the keys pane: the keys of the API selected in the APIs pane,
 * as a table (name, start, state, expires, credits, rate limits, last used)
 * sortable by column.
 */
#include "tui/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/draw.h"
#include "tui/text.h"
#include "util/clock.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static int keys_fetch(void *ctx, const char *cursor, int limit, bool want_total, void **rows,
                      size_t *n, char **next, int64_t *total, struct kd_error *err)
{
    struct kd_app *app = ctx;
    if (!app->keys_api_id) {
        /* No API selected (or none exist): an empty list, not an error. */
        *rows = NULL;
        *n = 0;
        *next = NULL;
        *total = 0;
        return 0;
    }
    struct kd_key_query q;
    memset(&q, 0, sizeof q);
    q.page.cursor = cursor;
    q.page.limit = limit;
    q.page.filter = app->filter[KD_PANE_KEYS][0] ? app->filter[KD_PANE_KEYS] : NULL;
    q.page.want_total = want_total;
    q.api_id = app->keys_api_id;
    q.sort = app->sort;
    q.descending = app->sort_desc;
    struct kd_key_page page = {0};
    if (kd_backend_key_list(app->b, &q, &page, err) != 0)
        return -1;
    *rows = page.items;
    *n = page.len;
    *next = page.next_cursor;
    *total = page.total;
    return 0;
}

static void keys_free(void *rows, size_t n)
{
    struct kd_key *k = rows;
    for (size_t i = 0; i < n; i++)
        kd_key_free(&k[i]);
    free(rows);
}

void kd_view_keys_init(struct kd_app *app)
{
    struct kd_vlist_source src = {keys_fetch, keys_free, sizeof(struct kd_key), app};
    kd_vlist_init(&app->keys, &src, app->opt->page_size, 5);
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

void kd_view_keys_follow(struct kd_app *app)
{
    const struct kd_api *a = kd_vlist_selected(&app->apis);
    const char *id = a ? a->id : NULL;
    if (same(id, app->keys_api_id))
        return;
    free(app->keys_api_id);
    free(app->keys_api_name);
    app->keys_api_id = kd_xstrdup(id);
    app->keys_api_name = a ? kd_xstrdup(a->name) : NULL;
    app->keys_api_count = a ? a->key_count : -1;
    /* Another API: its own list from the top, without the old filter. */
    app->filter[KD_PANE_KEYS][0] = '\0';
    app->unfiltered[KD_PANE_KEYS] = app->keys_api_count;
    kd_vlist_reset(&app->keys);
    app->keys.selected = app->keys.top = 0;
    kd_app_dirty(app, KD_AREA_KEYS, KD_DIRTY_PAINT);
    kd_app_dirty(app, KD_AREA_DETAIL, KD_DIRTY_PAINT);
}

/* Select the row whose id is id, looking at most KD_SELECT_SCAN_MAX rows down:
 * a huge list is not walked to its end. */
#define KD_SELECT_SCAN_MAX 20000

static bool select_row(struct kd_vlist *l, int height, const char *id,
                       const char *(*row_id)(const void *))
{
    for (size_t i = 0; i < KD_SELECT_SCAN_MAX; i++) {
        const void *row = kd_vlist_row(l, i);
        if (!row)
            return false;
        if (strcmp(row_id(row), id) == 0) {
            kd_vlist_first(l, height);
            kd_vlist_move(l, (long)i, height);
            return true;
        }
    }
    return false;
}

static const char *api_row_id(const void *row)
{
    return ((const struct kd_api *)row)->id;
}

static const char *key_row_id(const void *row)
{
    return ((const struct kd_key *)row)->id;
}

bool kd_view_keys_select(struct kd_app *app, const char *api_id, const char *key_id)
{
    bool found = select_row(&app->apis, kd_app_list_height(app, KD_PANE_APIS), api_id,
                            api_row_id);
    kd_view_keys_follow(app);
    if (found && app->filter[KD_PANE_KEYS][0]) {
        app->filter[KD_PANE_KEYS][0] = '\0';
        kd_vlist_reset(&app->keys);
    }
    if (found)
        found = select_row(&app->keys, kd_app_list_height(app, KD_PANE_KEYS), key_id,
                           key_row_id);
    kd_app_run_action(app, found ? KD_ACT_FOCUS_2 : KD_ACT_FOCUS_1, NULL);
    if (!found)
        kd_app_message(app, KD_TE_MSG_WARNING, "key %s not found in its API's list", key_id);
    kd_app_dirty_all(app);
    return found;
}

/* ---- the table ---- */

enum col { C_NAME, C_START, C_STATE, C_EXPIRES, C_CREDITS, C_LIMITS, C_LAST, C_COUNT };

static const struct {
    const char *title;
    int width;       /* fixed width; the name column takes what is left */
    int drop_order;  /* narrow panes drop the highest first; 0 = never */
    int sort;        /* enum kd_key_sort shown by this column, -1 none */
} cols[C_COUNT] = {
    [C_NAME] = {"Name", 0, 0, KD_SORT_NAME},
    [C_START] = {"Start", 10, 0, -1},
    [C_STATE] = {"State", 12, 0, -1},
    [C_EXPIRES] = {"Expires", 8, 0, KD_SORT_EXPIRES},
    [C_CREDITS] = {"Credits", 7, 3, KD_SORT_CREDITS},
    [C_LIMITS] = {"Limits", 9, 1, -1},
    [C_LAST] = {"Used", 8, 2, KD_SORT_LAST_USED},
};

#define NAME_MIN 10
/* Starts are prefix_ + 4: the column grows to the longest on screen, up to a
 * cap so a long prefix cannot squeeze the name out.  It does not shrink below
 * the table's width: short starts leave the room to the name as before. */
#define START_MAX 20

/* The Start column's width for this paint; header and rows must agree. */
static int start_w = 10;

static int col_width(int c)
{
    return c == C_START ? start_w : cols[c].width;
}

/* The longest start among the rows in view, clamped to [table width, cap]. */
static void fit_start(struct kd_vlist *keys, int rows)
{
    start_w = cols[C_START].width;
    kd_vlist_clamp(keys, rows);
    for (int i = 0; i < rows; i++) {
        const struct kd_key *k = kd_vlist_row(keys, keys->top + (size_t)i);
        if (!k)
            break;
        int w = k->start ? kd_text_width(k->start) : 0;
        if (w > start_w)
            start_w = w < START_MAX ? w : START_MAX;
    }
}

/* Which columns fit in w (1 column of gap after each). */
static void fit_columns(int w, bool shown[C_COUNT], int *name_w)
{
    for (int c = 0; c < C_COUNT; c++)
        shown[c] = true;
    for (int drop = 0;; drop++) {
        int used = 0;
        for (int c = 1; c < C_COUNT; c++)
            if (shown[c])
                used += col_width(c) + 1;
        if (w - used >= NAME_MIN || drop > 3) {
            *name_w = w - used > 1 ? w - used : 1;
            return;
        }
        /* drop the column with the next drop order */
        for (int c = 0; c < C_COUNT; c++)
            if (cols[c].drop_order == drop + 1)
                shown[c] = false;
    }
}

static enum kd_theme_elem state_elem(enum kd_key_state s, const struct kd_key *k, int64_t now)
{
    switch (s) {
    case KD_KEY_DISABLED: return KD_TE_KEY_STATUS_DISABLED;
    case KD_KEY_EXPIRED: return KD_TE_KEY_STATUS_EXPIRED;
    case KD_KEY_EXHAUSTED: return KD_TE_KEY_STATUS_EXHAUSTED;
    case KD_KEY_RATE_LIMITED: return KD_TE_KEY_STATUS_LIMITED;
    default:
        /* within a week of expiry: same word, louder, and the Expires column says when */
        if (k->expires && k->expires - now < 7LL * 86400000)
            return KD_TE_KEY_STATUS_EXPIRING;
        return KD_TE_KEY_STATUS_ACTIVE;
    }
}

static void format_limits(const struct kd_key *k, char *buf, size_t len)
{
    if (k->n_ratelimits == 0) {
        snprintf(buf, len, "-");
        return;
    }
    char dur[24];
    kd_duration_format(k->ratelimits[0].duration_ms, dur, sizeof dur);
    if (k->n_ratelimits > 1)
        snprintf(buf, len, "%lld/%s+%zu", (long long)k->ratelimits[0].limit, dur,
                 k->n_ratelimits - 1);
    else
        snprintf(buf, len, "%lld/%s", (long long)k->ratelimits[0].limit, dur);
}

static void key_row(struct kd_app *app, const void *row, int y, int x, int w,
                    enum kd_theme_elem base, bool selected)
{
    const struct kd_key *k = row;
    int64_t now = kd_now_ms();
    bool shown[C_COUNT];
    int name_w;
    fit_columns(w, shown, &name_w);
    (void)app;

    char buf[64];
    int cx = x;
    kd_draw_text(y, cx, name_w, selected ? base : KD_TE_KEY_NAME, k->name ? k->name : "(unnamed)");
    cx += name_w + 1;
    for (int c = 1; c < C_COUNT; c++) {
        if (!shown[c])
            continue;
        enum kd_theme_elem e = base;
        switch (c) {
        case C_START:
            snprintf(buf, sizeof buf, "%s", k->start ? k->start : "");
            if (!selected)
                e = KD_TE_KEY_ID;
            break;
        case C_STATE: {
            enum kd_key_state s = kd_key_state(k, now);
            snprintf(buf, sizeof buf, "%s", kd_key_state_word(s));
            if (!selected)
                e = state_elem(s, k, now);
            break;
        }
        case C_EXPIRES:
            if (k->expires)
                kd_time_format_relative(k->expires, now, buf, sizeof buf);
            else
                snprintf(buf, sizeof buf, "never");
            break;
        case C_CREDITS:
            if (k->credits.limited)
                snprintf(buf, sizeof buf, "%lld", (long long)k->credits.remaining);
            else
                snprintf(buf, sizeof buf, "%s", kd_crt_glyph(KD_G_INFINITY));
            break;
        case C_LIMITS: format_limits(k, buf, sizeof buf); break;
        case C_LAST:
            if (k->last_used_at)
                kd_time_format_relative(k->last_used_at, now, buf, sizeof buf);
            else
                snprintf(buf, sizeof buf, "never");
            break;
        }
        if (c == C_CREDITS)
            kd_draw_text_right(y, cx, col_width(c), e, buf);
        else
            kd_draw_text(y, cx, col_width(c), e, buf);
        cx += col_width(c) + 1;
    }
}

static void header(struct kd_app *app, int y, int x, int w)
{
    bool shown[C_COUNT];
    int name_w;
    kd_draw_text_pad(y, x, w, KD_TE_LIST_HEADER, "");
    fit_columns(w - 1, shown, &name_w); /* the rows' width: after the marker column */
    int cx = x + 1; /* past the selection marker column */
    for (int c = 0; c < C_COUNT; c++) {
        if (!shown[c])
            continue;
        int cw = c == C_NAME ? name_w : col_width(c);
        bool sorted = cols[c].sort >= 0 && (int)app->sort == cols[c].sort &&
                      app->sort != KD_SORT_CREATED;
        char t[48];
        if (sorted)
            snprintf(t, sizeof t, "%s%s", cols[c].title,
                     kd_crt_glyph(app->sort_desc ? KD_G_SORT_DOWN : KD_G_SORT_UP));
        else
            snprintf(t, sizeof t, "%s", cols[c].title);
        if (c == C_CREDITS)
            kd_draw_text_right(y, cx, cw, sorted ? KD_TE_LIST_HEADER_SORTED : KD_TE_LIST_HEADER, t);
        else
            kd_draw_text(y, cx, cw, sorted ? KD_TE_LIST_HEADER_SORTED : KD_TE_LIST_HEADER, t);
        cx += cw + 1;
    }
}

void kd_view_keys_draw(struct kd_app *app, struct kd_rect r, bool focused)
{
    static const char *const sort_words[] = {"created", "name", "expires", "credits",
                                             "last used"};
    char title[160], note[48];
    if (app->keys_api_name)
        snprintf(title, sizeof title, "Keys: %s", app->keys_api_name);
    else
        snprintf(title, sizeof title, "Keys");
    snprintf(note, sizeof note, "sort: %s%s", sort_words[app->sort],
             kd_crt_glyph(app->sort_desc ? KD_G_SORT_DOWN : KD_G_SORT_UP));
    struct kd_rect in = kd_pane_frame(app, r, KD_PANE_KEYS, focused, 2, title, &app->keys, note);
    if (in.h < 2 || in.w < 4)
        return;
    struct kd_rect rows = {in.x, in.y + 1, in.w, in.h - 1};
    fit_start(&app->keys, rows.h);
    header(app, in.y, in.x, in.w);
    if (!app->keys_api_id) {
        kd_draw_text(rows.y, rows.x + 1, rows.w - 1, KD_TE_MUTED, "no API selected");
        return;
    }
    kd_pane_rows(app, &app->keys, rows, focused, key_row);
}
