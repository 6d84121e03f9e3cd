/*
 * view_side.c — the roles, permissions and audit-log views: one list (the
 * left two columns) and the detail pane for its selected row; and Enter's
 * drill-down from them (a role's permissions, a permission's keys, the key in
 * the main view), which Esc walks back.
 */
#include "tui/app.h"

#include <ctype.h>
#include <curses.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/draw.h"
#include "tui/text.h"
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
FREE_ROWS(keys_free, struct kd_key, kd_key_free)

static bool contains_nocase(const char *hay, const char *needle)
{
    if (!hay)
        return false;
    size_t n = strlen(needle);
    for (const char *h = hay; *h; h++) {
        size_t i = 0;
        while (i < n && h[i] && tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return n == 0;
}

/* ---- drill-down: the permissions of a role ---- */

/* A role's permissions come with it (role_get), as slugs: each page fetches
 * its slugs' permissions for the counts.  The cursor is the offset among the
 * slugs that match the filter. */
static int role_perms_fetch(void *ctx, const char *cursor, int limit, bool want_total,
                            void **rows, size_t *n, char **next, int64_t *total,
                            struct kd_error *err)
{
    struct kd_app *app = ctx;
    (void)want_total;
    struct kd_role role;
    memset(&role, 0, sizeof role);
    if (kd_backend_role_get(app->b, app->drill.subject, &role, err) != 0)
        return -1;
    const char *filter = side_filter(app);
    size_t offset = cursor ? strtoul(cursor, NULL, 10) : 0, matched = 0, got = 0;
    struct kd_permission *out = kd_xcalloc((size_t)limit, sizeof *out);
    for (size_t i = 0; i < role.permissions.len; i++) {
        const char *slug = role.permissions.items[i];
        if (filter && !contains_nocase(slug, filter))
            continue;
        if (matched++ < offset || got == (size_t)limit)
            continue;
        struct kd_error perr;
        if (kd_backend_permission_get(app->b, slug, &out[got], &perr) != 0) {
            /* The role still grants the slug: show it without its counts. */
            memset(&out[got], 0, sizeof out[got]);
            out[got].slug = kd_xstrdup(slug);
            out[got].key_count = out[got].role_count = -1;
        }
        got++;
    }
    kd_role_free(&role);
    *rows = out;
    *n = got;
    *total = (int64_t)matched;
    *next = NULL;
    if (offset + got < matched) {
        char buf[32];
        snprintf(buf, sizeof buf, "%zu", offset + got);
        *next = kd_xstrdup(buf);
    }
    return 0;
}

/* ---- drill-down: the keys holding a permission ---- */

/*
 * backend.h has no "keys holding a permission" query: key_list needs an API
 * and filters by text only.  Until it has one, this walks every API's keys
 * with include_grants and keeps those whose grants (direct or via a role) name
 * the slug.  The walk is bounded: one fetch reads at most PERM_KEYS_SCAN_MAX
 * keys, and when that runs out before the page is full the list ends there
 * and the title says how many keys were searched.
 */
#define PERM_KEYS_SCAN_MAX 20000
#define PERM_KEYS_MAX_APIS 1000

/* Where the walk resumes: API index, rows of the backend page at cursor already
 * read, keys read so far, and that backend cursor. */
struct walk_pos {
    size_t api;
    size_t skip;
    int64_t scanned;
    char *cursor;
};

static void walk_pos_parse(const char *s, struct walk_pos *w)
{
    memset(w, 0, sizeof *w);
    if (!s)
        return;
    unsigned long long api = 0, skip = 0;
    long long scanned = 0;
    int used = 0;
    if (sscanf(s, "%llu:%llu:%lld:%n", &api, &skip, &scanned, &used) >= 3 && used > 0) {
        w->api = (size_t)api;
        w->skip = (size_t)skip;
        w->scanned = scanned;
        w->cursor = s[used] ? kd_xstrdup(s + used) : NULL;
    }
}

static char *walk_pos_format(const struct walk_pos *w)
{
    size_t len = 80 + (w->cursor ? strlen(w->cursor) : 0);
    char *s = kd_xmalloc(len);
    snprintf(s, len, "%zu:%zu:%lld:%s", w->api, w->skip, (long long)w->scanned,
             w->cursor ? w->cursor : "");
    return s;
}

static int load_scan_apis(struct kd_app *app, struct kd_error *err)
{
    struct kd_strlist *ids = &app->drill.scan_api_ids;
    kd_strlist_clear(ids);
    char *cursor = NULL;
    do {
        struct kd_list_query q = {.cursor = cursor, .limit = KD_PAGE_LIMIT_MAX};
        struct kd_api_page page;
        memset(&page, 0, sizeof page);
        int rc = kd_backend_api_list(app->b, &q, &page, err);
        free(cursor);
        cursor = NULL;
        if (rc != 0)
            return -1;
        for (size_t i = 0; i < page.len && ids->len < PERM_KEYS_MAX_APIS; i++)
            kd_strlist_push(ids, page.items[i].id);
        cursor = page.next_cursor;
        page.next_cursor = NULL;
        kd_api_page_free(&page);
    } while (cursor && ids->len < PERM_KEYS_MAX_APIS);
    free(cursor);
    return 0;
}

static bool key_holds(const struct kd_key *k, const char *slug)
{
    for (size_t i = 0; i < k->n_grants; i++)
        if (strcmp(k->grants[i].slug, slug) == 0)
            return true;
    return kd_strlist_contains(&k->permissions, slug);
}

static int perm_keys_fetch(void *ctx, const char *cursor, int limit, bool want_total,
                           void **rows, size_t *n, char **next, int64_t *total,
                           struct kd_error *err)
{
    struct kd_app *app = ctx;
    (void)want_total;
    if (!cursor) {
        app->drill.scan_stopped = false;
        if (load_scan_apis(app, err) != 0)
            return -1;
    }
    const struct kd_strlist *apis = &app->drill.scan_api_ids;
    const char *slug = app->drill.subject;
    struct walk_pos w;
    walk_pos_parse(cursor, &w);
    int64_t budget_end = w.scanned + PERM_KEYS_SCAN_MAX;
    struct kd_key *out = kd_xcalloc((size_t)limit, sizeof *out);
    size_t got = 0;
    bool stopped = false;
    while (got < (size_t)limit && w.api < apis->len && !stopped) {
        struct kd_key_query q;
        memset(&q, 0, sizeof q);
        q.page.cursor = w.cursor;
        q.page.limit = KD_PAGE_LIMIT_MAX;
        q.page.filter = side_filter(app);
        q.api_id = apis->items[w.api];
        q.include_grants = true;
        struct kd_key_page page;
        memset(&page, 0, sizeof page);
        if (kd_backend_key_list(app->b, &q, &page, err) != 0) {
            keys_free(out, got);
            free(w.cursor);
            return -1;
        }
        size_t i = w.skip;
        for (; i < page.len && got < (size_t)limit; i++) {
            if (w.scanned >= budget_end) {
                stopped = true;
                break;
            }
            w.scanned++;
            if (key_holds(&page.items[i], slug)) {
                out[got] = page.items[i]; /* moved: the page frees a zeroed key */
                memset(&page.items[i], 0, sizeof page.items[i]);
                if (!out[got].api_id) /* Enter needs it to open the key */
                    out[got].api_id = kd_xstrdup(q.api_id);
                got++;
            }
        }
        if (i < page.len) {
            w.skip = i; /* stopped inside this backend page: resume in it */
        } else {
            w.skip = 0;
            free(w.cursor);
            w.cursor = page.next_cursor;
            page.next_cursor = NULL;
            if (!w.cursor)
                w.api++;
        }
        kd_key_page_free(&page);
    }
    if (stopped) {
        app->drill.scan_stopped = true;
        app->drill.scan_keys = w.scanned;
    }
    *rows = out;
    *n = got;
    *total = -1;
    *next = !stopped && got == (size_t)limit && w.api < apis->len ? walk_pos_format(&w) : NULL;
    free(w.cursor);
    return 0;
}

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
    case KD_VIEW_ROLE_PERMS:
        src = (struct kd_vlist_source){role_perms_fetch, perms_free, sizeof(struct kd_permission),
                                       app};
        break;
    case KD_VIEW_PERM_KEYS:
        src = (struct kd_vlist_source){perm_keys_fetch, keys_free, sizeof(struct kd_key), app};
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

/* What the side list's rows are: the drill-down levels reuse the row types. */
enum side_rows { ROWS_ROLES, ROWS_PERMS, ROWS_KEYS, ROWS_LOG };

static enum side_rows side_rows(const struct kd_app *app)
{
    switch (app->view) {
    case KD_VIEW_ROLES: return ROWS_ROLES;
    case KD_VIEW_PERMS:
    case KD_VIEW_ROLE_PERMS: return ROWS_PERMS;
    case KD_VIEW_PERM_KEYS: return ROWS_KEYS;
    default: return ROWS_LOG;
    }
}

/* ---- the audit log's columns ---- */

/* The longest action is "role.set_permissions" (20); the longest ids are
 * perm_/role_ + 22 (27). */
enum { LOG_ACTION_W = 20, LOG_TARGET_W = 27, LOG_ACTOR_MIN = 8 };

/* Set before each paint of the log from the rows in view, so heading and rows
 * agree: the digits of the largest sequence number ("Seq" at least) and the
 * widest time (ISO 8601 is 20 characters, 24 with milliseconds).  Fixed
 * widths for the worst case would cut the target at 80 columns. */
static int log_seq_w = 3, log_when_w = 20;

struct log_cols {
    int seq, when, action, target, actor; /* x offsets; actor < 0: not shown */
    int target_w;
};

/* Seq, When and Action are fixed, so headings and cells line up at any width;
 * the target comes next and the actor only once a whole id fits before it. */
static struct log_cols log_columns(int w)
{
    struct log_cols c;
    c.seq = 0;
    c.when = log_seq_w + 1;
    c.action = c.when + log_when_w + 1;
    c.target = c.action + LOG_ACTION_W + 1;
    int rest = w - c.target;
    bool actor = rest >= LOG_TARGET_W + 1 + LOG_ACTOR_MIN;
    c.target_w = actor ? LOG_TARGET_W : rest;
    c.actor = actor ? c.target + LOG_TARGET_W + 1 : -1;
    return c;
}

static void log_fit_columns(struct kd_vlist *log, int rows)
{
    log_seq_w = 3;
    log_when_w = 20;
    kd_vlist_clamp(log, rows);
    for (int i = 0; i < rows; i++) {
        const struct kd_audit_entry *e = kd_vlist_row(log, log->top + (size_t)i);
        if (!e)
            break;
        char buf[40];
        int n = snprintf(buf, sizeof buf, "%lld", (long long)e->seq);
        if (n > log_seq_w)
            log_seq_w = n;
        kd_time_format_iso(e->at, buf, sizeof buf);
        n = (int)strlen(buf);
        if (n > log_when_w)
            log_when_w = n;
    }
}

/* A column's width inside what is left of the row (0: nothing left). */
static int clip(int width, int room)
{
    return room <= 0 ? 0 : width < room ? width : room;
}

static void log_cells(int y, int x, int w, enum kd_theme_elem elem, const char *seq,
                      const char *when, const char *action, const char *target,
                      const char *actor)
{
    struct log_cols c = log_columns(w);
    kd_draw_text_right(y, x + c.seq, clip(log_seq_w, w - c.seq), elem, seq);
    kd_draw_text(y, x + c.when, clip(log_when_w, w - c.when), elem, when);
    kd_draw_text(y, x + c.action, clip(LOG_ACTION_W, w - c.action), elem, action);
    kd_draw_text(y, x + c.target, clip(c.target_w, w - c.target), elem, target);
    if (c.actor >= 0)
        kd_draw_text(y, x + c.actor, w - c.actor, elem, actor);
}

/* ---- a permission's keys: Name, Start, how the key holds it ---- */

#define HELD_START_W 12

static void held_text(const struct kd_key *k, const char *slug, char *buf, size_t len)
{
    bool direct = kd_strlist_contains(&k->permissions, slug);
    char via[160] = "";
    size_t used = 0;
    for (size_t i = 0; i < k->n_grants; i++) {
        const struct kd_grant *g = &k->grants[i];
        if (strcmp(g->slug, slug) != 0)
            continue;
        if (!g->via_role)
            direct = true;
        else if (used < sizeof via)
            used += (size_t)snprintf(via + used, sizeof via - used, "%s%s", used ? ", " : "",
                                     g->via_role);
    }
    snprintf(buf, len, "%s%s%s%s", direct ? "direct" : "", direct && via[0] ? ", " : "",
             via[0] ? "via " : "", via);
}

static void key_cells(int y, int x, int w, enum kd_theme_elem name_elem,
                      enum kd_theme_elem start_elem, enum kd_theme_elem elem, const char *name,
                      const char *start, const char *held)
{
    int start_w = HELD_START_W;
    int name_w = (w - start_w - 2) / 2;
    if (name_w < 8)
        name_w = 8;
    kd_draw_text(y, x, name_w, name_elem, name);
    kd_draw_text(y, x + name_w + 1, start_w, start_elem, start);
    int held_x = name_w + 1 + start_w + 1;
    if (w > held_x)
        kd_draw_text(y, x + held_x, w - held_x, elem, held);
}

static void side_row(struct kd_app *app, const void *row, int y, int x, int w,
                     enum kd_theme_elem base, bool selected)
{
    char a[32], b[32];
    int cw = 8;
    switch (side_rows(app)) {
    case ROWS_ROLES: {
        const struct kd_role *r = row;
        snprintf(a, sizeof a, "%zu", r->permissions.len);
        count_text(b, sizeof b, r->key_count);
        kd_draw_text(y, x, w - 2 * (cw + 1), selected ? base : KD_TE_ROLE_NAME, r->name);
        kd_draw_text_right(y, x + w - 2 * (cw + 1), cw, base, a);
        kd_draw_text_right(y, x + w - cw - 1, cw, base, b);
        break;
    }
    case ROWS_PERMS: {
        const struct kd_permission *p = row;
        count_text(a, sizeof a, p->role_count);
        count_text(b, sizeof b, p->key_count);
        kd_draw_text(y, x, w - 2 * (cw + 1), base, p->slug);
        kd_draw_text_right(y, x + w - 2 * (cw + 1), cw, base, a);
        kd_draw_text_right(y, x + w - cw - 1, cw, base, b);
        break;
    }
    case ROWS_KEYS: {
        const struct kd_key *k = row;
        char held[200];
        held_text(k, app->drill.subject ? app->drill.subject : "", held, sizeof held);
        key_cells(y, x, w, selected ? base : KD_TE_KEY_NAME, selected ? base : KD_TE_KEY_ID,
                  base, k->name ? k->name : "(unnamed)", k->start ? k->start : "", held);
        break;
    }
    case ROWS_LOG: {
        const struct kd_audit_entry *e = row;
        char seq[24], when[40];
        snprintf(seq, sizeof seq, "%lld", (long long)e->seq);
        kd_time_format_iso(e->at, when, sizeof when);
        log_cells(y, x, w, base, seq, when, e->action ? e->action : "",
                  e->target ? e->target : "", e->actor ? e->actor : "");
        break;
    }
    }
}

static void side_header(struct kd_app *app, int y, int x, int w)
{
    kd_draw_text_pad(y, x, w, KD_TE_LIST_HEADER, "");
    /* The rows start after the selection marker column. */
    x += 1;
    w -= 1;
    int cw = 8;
    switch (side_rows(app)) {
    case ROWS_LOG:
        log_cells(y, x, w, KD_TE_LIST_HEADER, "Seq", "When", "Action", "Target", "Actor");
        return;
    case ROWS_KEYS:
        key_cells(y, x, w, KD_TE_LIST_HEADER, KD_TE_LIST_HEADER, KD_TE_LIST_HEADER, "Key",
                  "Start", "Holds it");
        return;
    default: break;
    }
    bool roles = side_rows(app) == ROWS_ROLES;
    kd_draw_text(y, x, w - 2 * (cw + 1), KD_TE_LIST_HEADER, roles ? "Role" : "Permission");
    kd_draw_text_right(y, x + w - 2 * (cw + 1), cw, KD_TE_LIST_HEADER, roles ? "Perms" : "Roles");
    kd_draw_text_right(y, x + w - cw - 1, cw, KD_TE_LIST_HEADER, "Keys");
}

/* The label of the step that opened the current drill-down level. */
static const char *drill_label(const struct kd_app *app)
{
    const struct kd_drill *d = &app->drill;
    return d->depth > 0 && d->steps[d->depth - 1].label ? d->steps[d->depth - 1].label : "";
}

void kd_view_side_draw(struct kd_app *app, struct kd_rect r, bool focused)
{
    char title[240];
    switch (app->view) {
    case KD_VIEW_ROLES: snprintf(title, sizeof title, "Roles"); break;
    case KD_VIEW_PERMS: snprintf(title, sizeof title, "Permissions"); break;
    case KD_VIEW_ROLE_PERMS:
        snprintf(title, sizeof title, "Permissions of %s", drill_label(app));
        break;
    case KD_VIEW_PERM_KEYS:
        /* Count first: it decides whether the walk stopped early. */
        kd_vlist_count(&app->side);
        if (app->drill.scan_stopped)
            snprintf(title, sizeof title, "Keys holding %s (first %lld keys searched)",
                     drill_label(app), (long long)app->drill.scan_keys);
        else
            snprintf(title, sizeof title, "Keys holding %s", drill_label(app));
        break;
    default: {
        snprintf(title, sizeof title, "%s", kd_view_audit_log_title(app));
        log_fit_columns(&app->side, kd_app_list_height(app, KD_PANE_APIS));
        break;
    }
    }
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
    char idbuf[200];
    const char *id = NULL;
    enum side_rows kind = side_rows(app);
    if (row && kind == ROWS_ROLES)
        id = ((const struct kd_role *)row)->id;
    else if (row && kind == ROWS_PERMS) {
        const struct kd_permission *p = row;
        /* A slug a role grants may lack its permission row (and its id). */
        snprintf(idbuf, sizeof idbuf, "%s%s", p->id ? "" : "slug:", p->id ? p->id : p->slug);
        id = idbuf;
    } else if (row) {
        snprintf(idbuf, sizeof idbuf, "audit:%lld", (long long)((const struct kd_audit_entry *)row)->seq);
        id = idbuf;
    }
    if (!kd_detail_retarget(app, id, "nothing selected")) /* id: NULL without a row */
        return;
    int64_t now = kd_now_ms();
    char when[40];
    if (kind == ROWS_ROLES) {
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
    } else if (kind == ROWS_PERMS) {
        const struct kd_permission *p = row;
        kd_detail_add(d, "slug", KD_TE_PERM_GRANTED, "%s", p->slug);
        if (!p->id) {
            kd_detail_add(d, NULL, KD_TE_MSG_WARNING, "granted by the role, but no such permission");
            return;
        }
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
    switch (side_rows(app)) {
    case ROWS_ROLES: return ((const struct kd_role *)row)->id;
    case ROWS_PERMS: return ((const struct kd_permission *)row)->id;
    case ROWS_KEYS: return ((const struct kd_key *)row)->id;
    default: return ((const struct kd_audit_entry *)row)->target;
    }
}

const struct kd_key *kd_view_side_selected_key(struct kd_app *app)
{
    if (!app->side_open || side_rows(app) != ROWS_KEYS)
        return NULL;
    return kd_vlist_selected(&app->side);
}

/* ---- the drill-down: Enter goes one level deeper, Esc one back ---- */

void kd_view_drill_clear(struct kd_app *app)
{
    struct kd_drill *d = &app->drill;
    for (int i = 0; i < d->depth; i++) {
        free(d->steps[i].subject);
        free(d->steps[i].label);
    }
    free(d->subject);
    kd_strlist_clear(&d->scan_api_ids);
    memset(d, 0, sizeof *d);
}

/* Remember the current level (Esc comes back to it) and make subject the next
 * level's.  Both strings are copied: the rows they came from are about to go. */
static bool drill_push(struct kd_app *app, const char *label, const char *subject)
{
    struct kd_drill *d = &app->drill;
    if (d->depth == KD_DRILL_MAX)
        return false;
    struct kd_drill_step *st = &d->steps[d->depth++];
    memset(st, 0, sizeof *st);
    st->view = app->view;
    st->subject = d->subject;
    st->label = kd_xstrdup(label);
    st->selected = app->side.selected;
    st->top = app->side.top;
    snprintf(st->filter, sizeof st->filter, "%s", app->filter[KD_PANE_APIS]);
    st->unfiltered = app->unfiltered[KD_PANE_APIS];
    d->subject = kd_xstrdup(subject);
    return true;
}

/* Show a list level in the side view with this filter and selection. */
static void show_level(struct kd_app *app, enum kd_view view, const char *filter,
                       int64_t unfiltered, size_t selected, size_t top)
{
    snprintf(app->filter[KD_PANE_APIS], sizeof app->filter[KD_PANE_APIS], "%s", filter);
    app->unfiltered[KD_PANE_APIS] = unfiltered;
    kd_view_side_open(app, view);
    app->side.selected = selected;
    app->side.top = top;
    kd_vlist_clamp(&app->side, kd_app_list_height(app, KD_PANE_APIS));
    app->focus = KD_PANE_APIS;
    free(app->detail.for_id);
    app->detail.for_id = NULL;
    app->detail.scroll = 0;
    erase(); /* the main view's layout differs; the side views' do not */
    kd_app_dirty_all(app);
}

/* The main view on one key: its API selected, then the key in the keys pane. */
static void open_key_in_main(struct kd_app *app, const char *api_id, const char *key_id)
{
    /* Switching views forgets the path (open_view); this switch continues it. */
    struct kd_drill keep = app->drill;
    memset(&app->drill, 0, sizeof app->drill);
    kd_app_run_action(app, KD_ACT_VIEW_APIS, NULL);
    app->drill = keep;
    kd_view_keys_select(app, api_id, key_id);
}

bool kd_view_drill_open(struct kd_app *app)
{
    if (app->focus == KD_PANE_DETAIL || !app->side_open)
        return false;
    enum kd_view v = app->view;
    if (v != KD_VIEW_ROLES && v != KD_VIEW_PERMS && v != KD_VIEW_ROLE_PERMS &&
        v != KD_VIEW_PERM_KEYS)
        return false;
    const void *row = kd_vlist_selected(&app->side);
    if (!row)
        return false;
    if (v == KD_VIEW_ROLES) {
        const struct kd_role *r = row;
        if (drill_push(app, r->name, r->id))
            show_level(app, KD_VIEW_ROLE_PERMS, "", -1, 0, 0);
    } else if (v == KD_VIEW_PERMS || v == KD_VIEW_ROLE_PERMS) {
        const struct kd_permission *p = row;
        if (drill_push(app, p->slug, p->slug))
            show_level(app, KD_VIEW_PERM_KEYS, "", -1, 0, 0);
    } else {
        const struct kd_key *k = row;
        char *api_id = kd_xstrdup(k->api_id), *key_id = kd_xstrdup(k->id);
        if (!api_id)
            kd_app_message(app, KD_TE_MSG_WARNING, "the backend did not say which API %s is in",
                           key_id);
        else if (drill_push(app, k->name ? k->name : k->id, k->id))
            open_key_in_main(app, api_id, key_id);
        free(api_id);
        free(key_id);
    }
    return true;
}

bool kd_view_drill_back(struct kd_app *app)
{
    struct kd_drill *d = &app->drill;
    if (d->depth == 0 || app->mut)
        return false;
    /* In the main view only the key a drill-down opened leads back. */
    if (app->view == KD_VIEW_MAIN && d->steps[d->depth - 1].view != KD_VIEW_PERM_KEYS)
        return false;
    struct kd_drill_step st = d->steps[--d->depth];
    free(d->subject);
    d->subject = st.subject;
    show_level(app, st.view, st.filter, st.unfiltered, st.selected, st.top);
    free(st.label);
    return true;
}

int64_t kd_view_drill_unfiltered(struct kd_app *app)
{
    struct kd_error err;
    if (app->view == KD_VIEW_PERM_KEYS) {
        /* The permission counts its keys (direct and via roles): no walk needed. */
        struct kd_permission p;
        memset(&p, 0, sizeof p);
        if (kd_backend_permission_get(app->b, app->drill.subject, &p, &err) != 0)
            return -1;
        int64_t n = p.key_count;
        kd_permission_free(&p);
        return n;
    }
    if (app->view != KD_VIEW_ROLE_PERMS)
        return -1;
    struct kd_role role;
    memset(&role, 0, sizeof role);
    if (kd_backend_role_get(app->b, app->drill.subject, &role, &err) != 0)
        return -1;
    int64_t n = (int64_t)role.permissions.len;
    kd_role_free(&role);
    return n;
}
