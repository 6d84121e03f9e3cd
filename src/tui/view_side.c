/*
 * view_side.c — the roles, permissions and audit-log views: one list (the
 * left two columns) and the detail pane for its selected row.
 */
#include "tui/app.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/draw.h"
#include "util/clock.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static const char *side_filter(struct kd_app *app)
{
    return app->filter[KD_PANE_APIS][0] ? app->filter[KD_PANE_APIS] : NULL;
}

#define FETCH_PAGE(fn_name, op, page_type, free_fn)                                        \
    static int fn_name(void *ctx, const char *cursor, int limit, bool want_total,          \
                       void **rows, size_t *n, char **next, int64_t *total,                \
                       struct kd_error *err)                                               \
    {                                                                                      \
        struct kd_app *app = ctx;                                                          \
        struct kd_list_query q = {.cursor = cursor, .limit = limit,                        \
                                  .filter = side_filter(app), .want_total = want_total};   \
        struct page_type page;                                                             \
        memset(&page, 0, sizeof page);                                                     \
        if (op(app->b, &q, &page, err) != 0)                                               \
            return -1;                                                                     \
        *rows = page.items;                                                                \
        *n = page.len;                                                                     \
        *next = page.next_cursor;                                                          \
        *total = page.total;                                                               \
        return 0;                                                                          \
    }

FETCH_PAGE(roles_fetch, kd_backend_role_list, kd_role_page, kd_role_free)
FETCH_PAGE(perms_fetch, kd_backend_permission_list, kd_permission_page, kd_permission_free)

static int log_fetch(void *ctx, const char *cursor, int limit, bool want_total, void **rows,
                     size_t *n, char **next, int64_t *total, struct kd_error *err)
{
    struct kd_app *app = ctx;
    struct kd_audit_query q;
    memset(&q, 0, sizeof q);
    q.page = (struct kd_list_query){.cursor = cursor, .limit = limit,
                                    .filter = side_filter(app), .want_total = want_total};
    struct kd_audit_page page;
    memset(&page, 0, sizeof page);
    if (kd_backend_audit_list(app->b, &q, &page, err) != 0)
        return -1;
    *rows = page.items;
    *n = page.len;
    *next = page.next_cursor;
    *total = page.total;
    return 0;
}

#define FREE_ROWS(fn_name, type, free_fn)       \
    static void fn_name(void *rows, size_t n)   \
    {                                           \
        type *r = rows;                         \
        for (size_t i = 0; i < n; i++)          \
            free_fn(&r[i]);                     \
        free(rows);                             \
    }

FREE_ROWS(roles_free, struct kd_role, kd_role_free)
FREE_ROWS(perms_free, struct kd_permission, kd_permission_free)
FREE_ROWS(log_free, struct kd_audit_entry, kd_audit_entry_free)

void kd_view_side_open(struct kd_app *app, enum kd_view view)
{
    if (app->side_open)
        kd_vlist_free(&app->side);
    struct kd_vlist_source src;
    switch (view) {
    case KD_VIEW_ROLES:
        src = (struct kd_vlist_source){roles_fetch, roles_free, sizeof(struct kd_role), app};
        break;
    case KD_VIEW_PERMS:
        src = (struct kd_vlist_source){perms_fetch, perms_free, sizeof(struct kd_permission), app};
        break;
    default:
        src = (struct kd_vlist_source){log_fetch, log_free, sizeof(struct kd_audit_entry), app};
        break;
    }
    kd_vlist_init(&app->side, &src, app->opt->page_size, 5);
    app->side_open = true;
    app->view = view;
}

static void count_text(char *buf, size_t len, int64_t v)
{
    if (v >= 0)
        snprintf(buf, len, "%lld", (long long)v);
    else
        snprintf(buf, len, "-");
}

static void side_row(struct kd_app *app, const void *row, int y, int x, int w,
                     enum kd_theme_elem base, bool selected)
{
    char a[32], b[32];
    int cw = 8;
    switch (app->view) {
    case KD_VIEW_ROLES: {
        const struct kd_role *r = row;
        snprintf(a, sizeof a, "%zu", r->permissions.len);
        count_text(b, sizeof b, r->key_count);
        kd_draw_text(y, x, w - 2 * (cw + 1), selected ? base : KD_TE_ROLE_NAME, r->name);
        kd_draw_text_right(y, x + w - 2 * (cw + 1), cw, base, a);
        kd_draw_text_right(y, x + w - cw - 1, cw, base, b);
        break;
    }
    case KD_VIEW_PERMS: {
        const struct kd_permission *p = row;
        count_text(a, sizeof a, p->role_count);
        count_text(b, sizeof b, p->key_count);
        kd_draw_text(y, x, w - 2 * (cw + 1), base, p->slug);
        kd_draw_text_right(y, x + w - 2 * (cw + 1), cw, base, a);
        kd_draw_text_right(y, x + w - cw - 1, cw, base, b);
        break;
    }
    default: {
        const struct kd_audit_entry *e = row;
        char when[40];
        kd_time_format_iso(e->at, when, sizeof when);
        char line[512];
        snprintf(line, sizeof line, "%5lld %s %-12s %s %s", (long long)e->seq, when,
                 e->action ? e->action : "", e->target ? e->target : "",
                 e->actor ? e->actor : "");
        kd_draw_text(y, x, w, base, line);
        break;
    }
    }
}

static void side_header(struct kd_app *app, int y, int x, int w)
{
    kd_draw_text_pad(y, x, w, KD_TE_LIST_HEADER, "");
    x += 1;
    w -= 1;
    int cw = 8;
    if (app->view == KD_VIEW_LOG) {
        kd_draw_text(y, x, w, KD_TE_LIST_HEADER, "  Seq When                 Action       Target Actor");
        return;
    }
    kd_draw_text(y, x, w - 2 * (cw + 1), KD_TE_LIST_HEADER,
                 app->view == KD_VIEW_ROLES ? "Role" : "Permission");
    kd_draw_text_right(y, x + w - 2 * (cw + 1), cw, KD_TE_LIST_HEADER,
                       app->view == KD_VIEW_ROLES ? "Perms" : "Roles");
    kd_draw_text_right(y, x + w - cw - 1, cw, KD_TE_LIST_HEADER, "Keys");
}

void kd_view_side_draw(struct kd_app *app, struct kd_rect r, bool focused)
{
    const char *title = app->view == KD_VIEW_ROLES   ? "Roles"
                        : app->view == KD_VIEW_PERMS ? "Permissions"
                                                     : kd_view_audit_log_title(app);
    struct kd_rect in = kd_pane_frame(app, r, KD_PANE_APIS, focused, 1, title, &app->side, NULL);
    if (in.h < 2)
        return;
    side_header(app, in.y, in.x, in.w);
    kd_pane_rows(app, &app->side, (struct kd_rect){in.x, in.y + 1, in.w, in.h - 1}, focused,
                 side_row);
}

/* Roles granting slug: scan the roles (bounded, the detail must stay quick). */
static void roles_granting(struct kd_app *app, struct kd_detail *d, const char *slug)
{
    struct kd_list_query q = {.limit = KD_PAGE_LIMIT_MAX};
    struct kd_role_page page;
    memset(&page, 0, sizeof page);
    struct kd_error err;
    size_t found = 0;
    if (kd_backend_role_list(app->b, &q, &page, &err) != 0) {
        kd_detail_add(d, NULL, KD_TE_MSG_ERROR, "%s", err.message);
        return;
    }
    for (size_t i = 0; i < page.len; i++) {
        if (kd_strlist_contains(&page.items[i].permissions, slug)) {
            kd_detail_add(d, NULL, KD_TE_ROLE_NAME, "%s", page.items[i].name);
            found++;
        }
    }
    if (!found)
        kd_detail_add(d, NULL, KD_TE_MUTED, "(none)");
    if (page.next_cursor)
        kd_detail_add(d, NULL, KD_TE_MUTED, "(first %zu roles searched)", page.len);
    kd_role_page_free(&page);
}

static void json_lines(struct kd_detail *d, const char *text)
{
    json_error_t jerr;
    json_t *j = text ? json_loads(text, 0, &jerr) : NULL;
    char *pretty = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    const char *s = pretty ? pretty : text ? text : "(none)";
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, "\n");
        kd_detail_add(d, NULL, KD_TE_DEFAULT, "%.*s", (int)n, p);
        p += n + (p[n] == '\n');
    }
    free(pretty);
}

void kd_view_side_detail(struct kd_app *app)
{
    struct kd_detail *d = &app->detail;
    const void *row = kd_vlist_selected(&app->side);
    char idbuf[64];
    const char *id = NULL;
    if (row && app->view == KD_VIEW_ROLES)
        id = ((const struct kd_role *)row)->id;
    else if (row && app->view == KD_VIEW_PERMS)
        id = ((const struct kd_permission *)row)->id;
    else if (row) {
        snprintf(idbuf, sizeof idbuf, "audit:%lld", (long long)((const struct kd_audit_entry *)row)->seq);
        id = idbuf;
    }
    if (d->for_id && id && strcmp(d->for_id, id) == 0)
        return;
    if (!d->for_id && !id && d->n)
        return;
    kd_detail_clear(d);
    kd_app_dirty(app, KD_AREA_DETAIL, KD_DIRTY_PAINT);
    if (!row) {
        kd_detail_add(d, NULL, KD_TE_MUTED, "nothing selected");
        return;
    }
    d->for_id = kd_xstrdup(id);
    int64_t now = kd_now_ms();
    char when[40];
    if (app->view == KD_VIEW_ROLES) {
        const struct kd_role *r = row;
        kd_detail_add(d, "role", KD_TE_ROLE_NAME, "%s", r->name);
        kd_detail_add(d, "id", KD_TE_KEY_ID, "%s", r->id);
        kd_detail_add(d, "description", KD_TE_DEFAULT, "%s", r->description ? r->description : "(none)");
        kd_detail_add(d, "keys", KD_TE_DEFAULT, "%lld", (long long)r->key_count);
        kd_time_format_iso(r->created_at, when, sizeof when);
        kd_detail_add(d, "created", KD_TE_DEFAULT, "%s", when);
        kd_detail_add(d, NULL, KD_TE_HELP_SECTION, "Permissions");
        if (r->permissions.len == 0)
            kd_detail_add(d, NULL, KD_TE_MUTED, "(none)");
        for (size_t i = 0; i < r->permissions.len; i++)
            kd_detail_add(d, NULL, KD_TE_PERM_GRANTED, "%s", r->permissions.items[i]);
    } else if (app->view == KD_VIEW_PERMS) {
        const struct kd_permission *p = row;
        kd_detail_add(d, "slug", KD_TE_PERM_GRANTED, "%s", p->slug);
        kd_detail_add(d, "id", KD_TE_KEY_ID, "%s", p->id);
        kd_detail_add(d, "name", KD_TE_DEFAULT, "%s", p->name ? p->name : p->slug);
        kd_detail_add(d, "description", KD_TE_DEFAULT, "%s", p->description ? p->description : "(none)");
        kd_detail_add(d, "keys", KD_TE_DEFAULT, "%lld", (long long)p->key_count);
        kd_time_format_iso(p->created_at, when, sizeof when);
        kd_detail_add(d, "created", KD_TE_DEFAULT, "%s", when);
        kd_detail_add(d, NULL, KD_TE_HELP_SECTION, "Granted by roles");
        roles_granting(app, d, p->slug);
    } else {
        const struct kd_audit_entry *e = row;
        char rel[32];
        kd_time_format_iso(e->at, when, sizeof when);
        kd_time_format_relative(e->at, now, rel, sizeof rel);
        kd_detail_add(d, "seq", KD_TE_DEFAULT, "%lld", (long long)e->seq);
        kd_detail_add(d, "when", KD_TE_DEFAULT, "%s (%s)", when, rel);
        kd_detail_add(d, "actor", KD_TE_DEFAULT, "%s", e->actor ? e->actor : "");
        kd_detail_add(d, "host", KD_TE_DEFAULT, "%s", e->host ? e->host : "");
        kd_detail_add(d, "action", KD_TE_DEFAULT, "%s", e->action ? e->action : "");
        kd_detail_add(d, "target", KD_TE_KEY_ID, "%s", e->target ? e->target : "");
        kd_detail_add(d, "hash", KD_TE_MUTED, "%.16s...", e->hash_hex);
        kd_detail_add(d, NULL, KD_TE_HELP_SECTION, "Changes");
        json_lines(d, e->changes_json);
    }
}

const char *kd_app_selected_id(struct kd_app *app)
{
    if (app->view == KD_VIEW_MAIN) {
        if (app->focus == KD_PANE_APIS) {
            const struct kd_api *a = kd_vlist_selected(&app->apis);
            return a ? a->id : NULL;
        }
        const struct kd_key *k = kd_vlist_selected(&app->keys);
        return k ? k->id : NULL;
    }
    const void *row = kd_vlist_selected(&app->side);
    if (!row)
        return NULL;
    if (app->view == KD_VIEW_ROLES)
        return ((const struct kd_role *)row)->id;
    if (app->view == KD_VIEW_PERMS)
        return ((const struct kd_permission *)row)->id;
    return ((const struct kd_audit_entry *)row)->target;
}
