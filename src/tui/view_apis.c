/*
 * view_apis.c — the APIs pane: key spaces, with their key counts.
 */
#include "tui/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/draw.h"

static int apis_fetch(void *ctx, const char *cursor, int limit, bool want_total, void **rows,
                      size_t *n, char **next, int64_t *total, struct kd_error *err)
{
    struct kd_app *app = ctx;
    struct kd_list_query q = {
        .cursor = cursor,
        .limit = limit,
        .filter = app->filter[KD_PANE_APIS][0] ? app->filter[KD_PANE_APIS] : NULL,
        .want_total = want_total,
    };
    struct kd_api_page page = {0};
    if (kd_backend_api_list(app->b, &q, &page, err) != 0)
        return -1;
    *rows = page.items;
    *n = page.len;
    *next = page.next_cursor;
    *total = page.total;
    return 0;
}

static void apis_free(void *rows, size_t n)
{
    struct kd_api *a = rows;
    for (size_t i = 0; i < n; i++)
        kd_api_free(&a[i]);
    free(rows);
}

void kd_view_apis_init(struct kd_app *app)
{
    struct kd_vlist_source src = {apis_fetch, apis_free, sizeof(struct kd_api), app};
    kd_vlist_init(&app->apis, &src, app->opt->page_size, 5);
}

static void api_row(struct kd_app *app, const void *row, int y, int x, int w,
                    enum kd_theme_elem base, bool selected)
{
    (void)app;
    const struct kd_api *a = row;
    char count[24] = "";
    if (a->key_count >= 0)
        snprintf(count, sizeof count, "%lld", (long long)a->key_count);
    int cw = count[0] ? (int)strlen(count) + 1 : 0;
    kd_draw_text(y, x, w - cw, base, a->name ? a->name : a->id);
    if (cw)
        kd_draw_text_right(y, x + w - cw, cw, selected ? base : KD_TE_MUTED, count);
}

void kd_view_apis_draw(struct kd_app *app, struct kd_rect r, bool focused)
{
    struct kd_rect in = kd_pane_frame(app, r, KD_PANE_APIS, focused, 1, "APIs", &app->apis, NULL);
    kd_pane_rows(app, &app->apis, in, focused, api_row);
}
