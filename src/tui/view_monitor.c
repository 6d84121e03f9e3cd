/*
 * view_monitor.c — the live monitor: verification rates over a sliding window,
 * outcomes, per-API rates, and the keys worth watching, refreshed on a timer.
 *
 * Refreshing is cheap when nothing happens: the backend's change token is
 * asked first, and the stats query (several SQL queries, or HTTP calls for a
 * remote backend) is skipped when the result could not differ.  Each box keeps
 * a hash of what it shows, so a refresh repaints only the boxes that changed.
 */
#include "tui/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/chart.h"
#include "tui/draw.h"
#include "tui/text.h"
#include "util/clock.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

int64_t kd_view_monitor_interval(const struct kd_app *app)
{
    return app->opt->refresh_seconds > 0 ? (int64_t)app->opt->refresh_seconds * 1000
                                         : KD_MONITOR_DEFAULT_REFRESH_MS;
}

static void apis_free(struct kd_monitor_api *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].id);
        free(a[i].name);
    }
    free(a);
}

void kd_view_monitor_free(struct kd_app *app)
{
    kd_stats_free(&app->mon.stats);
    apis_free(app->mon.apis, app->mon.n_apis);
    app->mon.apis = NULL;
    app->mon.n_apis = 0;
    app->mon.loaded = false;
}

/* ---- change detection ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return fnv(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

static uint64_t fnv_i64(uint64_t h, int64_t v)
{
    return fnv(h, &v, sizeof v);
}

static uint64_t hash_list(const struct kd_stats_key *l, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h = fnv_str(h, l[i].key_id);
        h = fnv_str(h, l[i].name);
        h = fnv_i64(h, l[i].value);
        h = fnv_str(h, l[i].code);
    }
    return fnv_i64(h, (int64_t)n);
}

/* "in 3d" as the expiring box shows it: it changes with the clock alone. */
static void expires_text(int64_t at, int64_t now, char *buf, size_t len)
{
    kd_time_format_relative(at, now, buf, len);
}

/* Hash what every box shows; a box whose hash moved is repainted. */
static void update_signatures(struct kd_app *app)
{
    struct kd_monitor *m = &app->mon;
    const struct kd_stats *s = &m->stats;
    uint64_t sig[KD_MON_BOX_COUNT];
    uint64_t h0 = 14695981039346656037ULL;
    sig[KD_MON_TRAFFIC] = fnv_str(fnv(fnv_i64(h0, s->total), s->buckets, sizeof s->buckets),
                                  m->failed ? m->error : NULL);
    sig[KD_MON_OUTCOMES] = fnv(h0, s->by_code, sizeof s->by_code);
    uint64_t h = h0;
    for (size_t i = 0; i < m->n_apis; i++)
        h = fnv_i64(fnv_str(h, m->apis[i].name), m->apis[i].total);
    sig[KD_MON_APIS] = fnv_i64(h, (int64_t)m->n_apis);
    sig[KD_MON_BUSIEST] = hash_list(s->busiest, s->n_busiest);
    sig[KD_MON_LOW_CREDITS] = hash_list(s->low_credits, s->n_low_credits);
    h = hash_list(s->expiring, s->n_expiring);
    int64_t now = kd_now_ms();
    for (size_t i = 0; i < s->n_expiring; i++) {
        char rel[32];
        expires_text(s->expiring[i].value, now, rel, sizeof rel);
        h = fnv_str(h, rel);
    }
    sig[KD_MON_EXPIRING] = h;
    sig[KD_MON_FAILURES] = hash_list(s->failures, s->n_failures);
    for (int b = 0; b < KD_MON_BOX_COUNT; b++) {
        if (sig[b] != m->sig[b]) {
            m->sig[b] = sig[b];
            m->dirty |= 1u << b;
        }
    }
}

/*
 * May the stats query be skipped?  The stats are a function of the data AND of
 * the window [since, until), which slides with the clock, so an unchanged
 * token alone is not enough:
 *  - same token and the same window (aligned to whole buckets, so it only
 *    moves in bucket steps): the result is identical;
 *  - same token, window moved: verifications slide out of it, so the result
 *    differs, unless the old window held none (nothing new can have entered,
 *    since the data did not change: it stays empty);
 *  - either way, the expiring list filters on expires > now: when a listed
 *    key's expiry has passed, the list must be fetched again.
 * The low-credits list depends on the data alone.
 */
static bool can_skip(const struct kd_monitor *m, uint64_t token, int64_t since, int64_t now)
{
    if (!m->loaded || !m->have_token || token != m->token)
        return false;
    for (size_t i = 0; i < m->stats.n_expiring; i++)
        if (m->stats.expiring[i].value <= now)
            return false;
    return since == m->since || m->stats.total == 0;
}

/* Per-API totals: one filtered stats query per API (the first few only). */
static int load_apis(struct kd_app *app, int64_t since, int64_t until,
                     struct kd_monitor_api **out, size_t *n_out, struct kd_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (!(app->caps & KD_CAP_LIST_APIS))
        return 0;
    struct kd_list_query q = {.limit = KD_MONITOR_MAX_APIS};
    struct kd_api_page pg;
    memset(&pg, 0, sizeof pg);
    if (kd_backend_api_list(app->b, &q, &pg, err) != 0)
        return -1;
    size_t n = pg.len < KD_MONITOR_MAX_APIS ? pg.len : KD_MONITOR_MAX_APIS;
    struct kd_monitor_api *a = kd_xcalloc(n ? n : 1, sizeof *a);
    for (size_t i = 0; i < n; i++) {
        a[i].id = kd_xstrdup(pg.items[i].id);
        a[i].name = kd_xstrdup(pg.items[i].name ? pg.items[i].name : pg.items[i].id);
        struct kd_stats_query sq = {.api_id = a[i].id, .since = since, .until = until,
                                    .top_n = 1};
        struct kd_stats st;
        memset(&st, 0, sizeof st);
        if (kd_backend_stats(app->b, &sq, &st, err) != 0) {
            kd_api_page_free(&pg);
            apis_free(a, n);
            return -1;
        }
        a[i].total = st.total;
        kd_stats_free(&st);
    }
    kd_api_page_free(&pg);
    /* Busiest first; insertion sort keeps the backend's order among equals. */
    for (size_t i = 1; i < n; i++) {
        struct kd_monitor_api t = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1].total < t.total; j--)
            a[j] = a[j - 1];
        a[j] = t;
    }
    *out = a;
    *n_out = n;
    return 0;
}

static void refresh_failed(struct kd_app *app, const struct kd_error *err)
{
    app->mon.failed = true;
    snprintf(app->mon.error, sizeof app->mon.error, "%s", err->message);
    kd_app_message(app, KD_TE_MSG_ERROR, "refresh failed: %s", err->message);
    update_signatures(app); /* the traffic box shows the error until it clears */
}

static void refresh_succeeded(struct kd_app *app, int64_t now)
{
    struct kd_monitor *m = &app->mon;
    if (m->failed && app->message_elem == KD_TE_MSG_ERROR &&
        strncmp(app->message, "refresh failed: ", 16) == 0)
        app->message[0] = '\0'; /* the error is over: do not leave it up */
    m->failed = false;
    m->error[0] = '\0';
    m->updated_ms = now;
    update_signatures(app);
}

void kd_view_monitor_refresh(struct kd_app *app, bool force)
{
    struct kd_monitor *m = &app->mon;
    int64_t now = kd_now_ms();
    m->due_ms = now + kd_view_monitor_interval(app);
    /* The window ends at the end of the current bucket, so it moves in whole
     * buckets: the newest bucket fills as time passes, the others stay put. */
    int64_t until = (now / KD_MONITOR_BUCKET_MS + 1) * KD_MONITOR_BUCKET_MS;
    int64_t since = until - KD_MONITOR_WINDOW_MS;
    kd_app_dirty(app, KD_AREA_STATUS, KD_DIRTY_PAINT); /* stamp and badges */
    struct kd_error err;
    kd_error_clear(&err);

    uint64_t token = 0;
    bool have_token = false;
    if (app->caps & KD_CAP_CHANGE_TOKEN) {
        if (kd_backend_change_token(app->b, &token, &err) != 0) {
            refresh_failed(app, &err);
            return;
        }
        have_token = true;
    }
    if (!force && have_token && can_skip(m, token, since, now)) {
        m->skips++;
        if (m->since != since) { /* an empty window slid: still empty */
            m->since = since;
            m->until = until;
        }
        refresh_succeeded(app, now);
        return;
    }

    struct kd_stats_query q = {.since = since, .until = until, .top_n = KD_MONITOR_TOP_N};
    struct kd_stats st;
    memset(&st, 0, sizeof st);
    m->queries++;
    if (kd_backend_stats(app->b, &q, &st, &err) != 0) {
        refresh_failed(app, &err);
        return;
    }
    struct kd_monitor_api *apis;
    size_t n_apis;
    if (load_apis(app, since, until, &apis, &n_apis, &err) != 0) {
        kd_stats_free(&st);
        refresh_failed(app, &err);
        return;
    }
    kd_view_monitor_free(app);
    m->stats = st;
    m->apis = apis;
    m->n_apis = n_apis;
    m->loaded = true;
    m->since = since;
    m->until = until;
    m->have_token = have_token;
    m->token = token;
    refresh_succeeded(app, now);
}

bool kd_view_monitor_open(struct kd_app *app)
{
    if (!(app->caps & KD_CAP_STATS)) {
        kd_app_message(app, KD_TE_MSG_WARNING, "this backend has no verification statistics");
        return false;
    }
    app->view = KD_VIEW_MONITOR;
    app->help_open = false;
    /* Everything is painted afresh on entry. */
    memset(app->mon.sig, 0, sizeof app->mon.sig);
    app->mon.dirty = ~0u;
    kd_view_monitor_refresh(app, true);
    kd_app_dirty_all(app);
    return true;
}

/* ---- drawing ---- */

static const char *key_label(const struct kd_stats_key *k)
{
    return k->name && *k->name ? k->name : k->key_id ? k->key_id : "(unknown key)";
}

/* "name ....... right" on one row. */
static void name_value(int y, int x, int w, enum kd_theme_elem name_elem, const char *name,
                       enum kd_theme_elem value_elem, const char *value)
{
    int vw = kd_text_width(value);
    if (vw > w)
        vw = w;
    kd_draw_text(y, x, w - vw - 1, name_elem, name);
    kd_draw_text_right(y, x + w - vw, vw, value_elem, value);
}

static struct kd_rect box_frame(struct kd_rect r, const char *title)
{
    kd_draw_fill(r, KD_TE_DEFAULT);
    kd_draw_frame(r, title, false);
    return (struct kd_rect){r.x + 2, r.y + 1, r.w - 4 > 0 ? r.w - 4 : 0,
                            r.h - 2 > 0 ? r.h - 2 : 0};
}

static double per_second(int64_t n)
{
    return (double)n * 1000.0 / KD_MONITOR_WINDOW_MS;
}

static void draw_traffic(struct kd_app *app, struct kd_rect r)
{
    const struct kd_stats *s = &app->mon.stats;
    struct kd_rect in = box_frame(r, "Traffic, last 60 s");
    if (in.h < 1 || in.w < 1)
        return;
    int64_t valid = s->by_code[KD_VERIFY_VALID], peak = 0;
    for (int i = 0; i < KD_STATS_BUCKETS; i++)
        if (s->buckets[i] > peak)
            peak = s->buckets[i];
    char line[160];
    if (s->total > 0)
        snprintf(line, sizeof line, "%.2f/s  %lld verification%s  %lld%% valid  peak %lld/s",
                 per_second(s->total), (long long)s->total, s->total == 1 ? "" : "s",
                 (long long)(valid * 100 / s->total), (long long)peak);
    else
        snprintf(line, sizeof line, "0.00/s  no verifications");
    kd_draw_text(in.y, in.x, in.w, KD_TE_DEFAULT, line);
    if (in.h < 2)
        return;
    char spark[KD_STATS_BUCKETS * 4 + 1];
    int cells = kd_chart_sparkline(s->buckets, KD_STATS_BUCKETS, in.w, kd_crt_utf8(), spark,
                                   sizeof spark);
    kd_draw_text(in.y + 1, in.x, in.w, KD_TE_CHART, spark);
    /* The time axis, when there is room after the 60 cells. */
    if (in.w - cells >= 12)
        kd_draw_text(in.y + 1, in.x + cells + 1, in.w - cells - 1, KD_TE_MUTED, "-60 s .. now");
    if (app->mon.failed) {
        /* In full here, as the status line has little room for it; the data
         * above is the last that was fetched. */
        char e[600];
        snprintf(e, sizeof e, " STALE, refresh failed: %s ", app->mon.error);
        kd_draw_text(r.y + r.h - 1, r.x + 1, r.w - 2, KD_TE_MSG_ERROR, e);
    }
}

static void draw_outcomes(struct kd_app *app, struct kd_rect r)
{
    const struct kd_stats *s = &app->mon.stats;
    struct kd_rect in = box_frame(r, "Outcomes");
    if (in.h < 1 || in.w < 1)
        return;
    if (s->total == 0) {
        kd_draw_text(in.y, in.x, in.w, KD_TE_MUTED, "(none)");
        return;
    }
    /* Codes that happened, most frequent first (ties in the codes' order). */
    int order[KD_VERIFY_CODE_COUNT], n = 0, name_w = 0;
    for (int c = 0; c < KD_VERIFY_CODE_COUNT; c++) {
        if (s->by_code[c] <= 0)
            continue;
        int j = n++;
        for (; j > 0 && s->by_code[order[j - 1]] < s->by_code[c]; j--)
            order[j] = order[j - 1];
        order[j] = c;
    }
    for (int i = 0; i < n && i < in.h; i++) {
        int w = kd_text_width(kd_verify_code_name((enum kd_verify_code)order[i]));
        if (w > name_w)
            name_w = w;
    }
    if (name_w > in.w / 2)
        name_w = in.w / 2;
    int64_t max = s->by_code[order[0]];
    for (int i = 0; i < n && i < in.h; i++) {
        int c = order[i], y = in.y + i;
        kd_draw_text(y, in.x, name_w, c == KD_VERIFY_VALID ? KD_TE_LOG_OK : KD_TE_LOG_ERROR,
                     kd_verify_code_name((enum kd_verify_code)c));
        char count[24];
        snprintf(count, sizeof count, "%lld", (long long)s->by_code[c]);
        kd_draw_text_right(y, in.x + name_w + 1, 6, KD_TE_DEFAULT, count);
        int bar_x = in.x + name_w + 8, bar_w = in.x + in.w - bar_x;
        char bar[4 * 80 + 1];
        kd_chart_bar(kd_chart_bar_cells(s->by_code[c], max, bar_w < 80 ? bar_w : 80),
                     kd_crt_utf8(), bar, sizeof bar);
        kd_draw_text(y, bar_x, bar_w, KD_TE_CHART, bar);
    }
}

static void draw_apis(struct kd_app *app, struct kd_rect r)
{
    const struct kd_monitor *m = &app->mon;
    struct kd_rect in = box_frame(r, "Per API");
    if (in.h < 1 || in.w < 1)
        return;
    if (!(app->caps & KD_CAP_LIST_APIS)) {
        kd_draw_text(in.y, in.x, in.w, KD_TE_MUTED, "(this backend cannot list APIs)");
        return;
    }
    if (m->n_apis == 0) {
        kd_draw_text(in.y, in.x, in.w, KD_TE_MUTED, "(none)");
        return;
    }
    for (size_t i = 0; i < m->n_apis && (int)i < in.h; i++) {
        char v[48];
        snprintf(v, sizeof v, "%lld req  %6.2f/s", (long long)m->apis[i].total,
                 per_second(m->apis[i].total));
        name_value(in.y + (int)i, in.x, in.w, KD_TE_DEFAULT, m->apis[i].name,
                   m->apis[i].total ? KD_TE_DEFAULT : KD_TE_MUTED, v);
    }
}

enum list_kind { LIST_BUSIEST, LIST_LOW, LIST_EXPIRING };

static void draw_key_list(struct kd_app *app, struct kd_rect r, const char *title,
                          const struct kd_stats_key *l, size_t n, enum list_kind kind)
{
    struct kd_rect in = box_frame(r, title);
    if (in.h < 1 || in.w < 1)
        return;
    if (n == 0) {
        kd_draw_text(in.y, in.x, in.w, KD_TE_MUTED, "(none)");
        return;
    }
    int64_t now = kd_now_ms();
    for (size_t i = 0; i < n && (int)i < in.h; i++) {
        char v[48];
        enum kd_theme_elem e = KD_TE_DEFAULT;
        if (kind == LIST_BUSIEST) {
            snprintf(v, sizeof v, "%lld req", (long long)l[i].value);
        } else if (kind == LIST_LOW) {
            snprintf(v, sizeof v, "%lld left", (long long)l[i].value);
            e = KD_TE_MSG_WARNING;
        } else {
            expires_text(l[i].value, now, v, sizeof v);
            e = KD_TE_KEY_STATUS_EXPIRING;
        }
        name_value(in.y + (int)i, in.x, in.w, KD_TE_KEY_NAME, key_label(&l[i]), e, v);
    }
}

static void draw_failures(struct kd_app *app, struct kd_rect r)
{
    const struct kd_stats *s = &app->mon.stats;
    struct kd_rect in = box_frame(r, "Recent failures");
    if (in.h < 1 || in.w < 1)
        return;
    if (s->n_failures == 0) {
        kd_draw_text(in.y, in.x, in.w, KD_TE_MUTED, "(none)");
        return;
    }
    for (size_t i = 0; i < s->n_failures && (int)i < in.h; i++) {
        const struct kd_stats_key *f = &s->failures[i];
        int y = in.y + (int)i;
        char at[16];
        time_t secs = (time_t)(f->value / 1000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        strftime(at, sizeof at, "%H:%M:%S", &tm);
        int used = kd_draw_text(y, in.x, in.w, KD_TE_MUTED, at) + 1;
        if (used < in.w)
            name_value(y, in.x + used, in.w - used, KD_TE_KEY_NAME, key_label(f),
                       KD_TE_LOG_ERROR, f->code ? f->code : "?");
    }
}

/* Where each box goes: traffic across the top, then three rows of two. */
static void monitor_layout(struct kd_rect r, struct kd_rect box[KD_MON_BOX_COUNT])
{
    int top = r.h >= 4 ? 4 : r.h;
    box[KD_MON_TRAFFIC] = (struct kd_rect){r.x, r.y, r.w, top};
    int rest = r.h - top, lw = r.w / 2, rw = r.w - lw;
    int h[3] = {rest / 3, rest / 3, rest / 3};
    for (int i = 0; i < rest % 3; i++)
        h[i]++;
    int y = r.y + top;
    enum kd_monitor_box left[3] = {KD_MON_OUTCOMES, KD_MON_BUSIEST, KD_MON_EXPIRING};
    enum kd_monitor_box right[3] = {KD_MON_APIS, KD_MON_LOW_CREDITS, KD_MON_FAILURES};
    for (int i = 0; i < 3; i++) {
        box[left[i]] = (struct kd_rect){r.x, y, lw, h[i]};
        box[right[i]] = (struct kd_rect){r.x + lw, y, rw, h[i]};
        y += h[i];
    }
}

void kd_view_monitor_draw(struct kd_app *app, struct kd_rect r, bool all)
{
    struct kd_monitor *m = &app->mon;
    struct kd_rect box[KD_MON_BOX_COUNT];
    monitor_layout(r, box);
    unsigned todo = all ? ~0u : m->dirty;
    m->dirty = 0;
    if (!m->loaded) {
        /* Only reachable when the first refresh failed: say so where data goes. */
        if (all) {
            kd_draw_fill(r, KD_TE_DEFAULT);
            kd_draw_text(r.y + 1, r.x + 2, r.w - 4, KD_TE_MSG_ERROR,
                         "no statistics yet (the last refresh failed)");
        }
        return;
    }
    const struct kd_stats *s = &m->stats;
    for (int b = 0; b < KD_MON_BOX_COUNT; b++) {
        if (!(todo & (1u << b)) || box[b].h < 2 || box[b].w < 4)
            continue;
        switch ((enum kd_monitor_box)b) {
        case KD_MON_TRAFFIC: draw_traffic(app, box[b]); break;
        case KD_MON_OUTCOMES: draw_outcomes(app, box[b]); break;
        case KD_MON_APIS: draw_apis(app, box[b]); break;
        case KD_MON_BUSIEST:
            draw_key_list(app, box[b], "Busiest keys", s->busiest, s->n_busiest, LIST_BUSIEST);
            break;
        case KD_MON_LOW_CREDITS:
            draw_key_list(app, box[b], "Lowest credits", s->low_credits, s->n_low_credits,
                          LIST_LOW);
            break;
        case KD_MON_EXPIRING:
            draw_key_list(app, box[b], "Expiring next", s->expiring, s->n_expiring,
                          LIST_EXPIRING);
            break;
        case KD_MON_FAILURES: draw_failures(app, box[b]); break;
        default: break;
        }
    }
}
