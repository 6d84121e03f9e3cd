/*
 * view_detail.c — the detail pane: every field of the selected key, the
 * permissions it holds (direct or via a role), credits with the refill schedule,
 * meta pretty-printed, and the last day's verifications with a sparkline.
 *
 * The lines are built once when the selection changes (a backend call) and
 * painted from memory, so scrolling costs no backend calls.
 */
#include "tui/app.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/chart.h"
#include "tui/draw.h"
#include "util/clock.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

#define DAY_MS 86400000LL

bool kd_detail_retarget(struct kd_app *app, const char *id, const char *empty)
{
    struct kd_detail *d = &app->detail;
    if (d->for_id && id && strcmp(d->for_id, id) == 0)
        return false;
    if (!d->for_id && !id && d->n)
        return false;
    kd_detail_clear(d);
    kd_app_dirty(app, KD_AREA_DETAIL, KD_DIRTY_PAINT);
    if (!id) {
        kd_detail_add(d, NULL, KD_TE_MUTED, "%s", empty);
        return false;
    }
    d->for_id = kd_xstrdup(id);
    return true;
}

void kd_detail_clear(struct kd_detail *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->lines[i].label);
        free(d->lines[i].value);
    }
    d->n = 0;
    free(d->for_id);
    d->for_id = NULL;
    d->scroll = 0;
    d->has_spark = false;
}

void kd_detail_add(struct kd_detail *d, const char *label, enum kd_theme_elem elem,
                   const char *fmt, ...)
{
    d->lines = kd_xgrow(d->lines, &d->cap, d->n + 1, sizeof *d->lines);
    va_list ap;
    va_start(ap, fmt);
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    d->lines[d->n].label = kd_xstrdup(label);
    d->lines[d->n].value = kd_xstrdup(buf);
    d->lines[d->n].elem = elem;
    d->n++;
}

static void heading(struct kd_detail *d, const char *title)
{
    kd_detail_add(d, NULL, KD_TE_HELP_SECTION, "%s", title);
}

static void when(char *buf, size_t len, int64_t ms, int64_t now)
{
    if (!ms) {
        snprintf(buf, len, "never");
        return;
    }
    char iso[40], rel[32];
    kd_time_format_iso(ms, iso, sizeof iso);
    kd_time_format_relative(ms, now, rel, sizeof rel);
    snprintf(buf, len, "%s (%s)", iso, rel);
}

/* When the next refill happens (0: none scheduled).  The engine refills lazily
 * on use; this is the schedule's next point, which is what an operator asks. */
static int64_t next_refill(const struct kd_key *k, int64_t now)
{
    const struct kd_refill *r = &k->credits.refill;
    switch (r->interval) {
    case KD_REFILL_DAILY: return (now / DAY_MS + 1) * DAY_MS;
    case KD_REFILL_MONTHLY: {
        int y;
        unsigned m, d;
        kd_civil_from_days(now / DAY_MS, &y, &m, &d);
        for (int i = 0; i < 2; i++) {
            unsigned dim = kd_days_in_month(y, m);
            unsigned day = (unsigned)r->refill_day < dim ? (unsigned)r->refill_day : dim;
            int64_t at = kd_days_from_civil(y, m, day) * DAY_MS;
            if (at > now)
                return at;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
        return 0;
    }
    case KD_REFILL_EVERY: {
        int64_t base = k->credits.last_refill_at ? k->credits.last_refill_at : k->created_at;
        return base + r->every_ms;
    }
    default: return 0;
    }
}

static void credits_lines(struct kd_detail *d, const struct kd_key *k, int64_t now)
{
    heading(d, "Credits");
    if (!k->credits.limited) {
        kd_detail_add(d, "remaining", KD_TE_DEFAULT, "unlimited");
        return;
    }
    kd_detail_add(d, "remaining", k->credits.remaining > 0 ? KD_TE_DEFAULT
                                                            : KD_TE_KEY_STATUS_EXHAUSTED,
                  "%lld", (long long)k->credits.remaining);
    const struct kd_refill *r = &k->credits.refill;
    char dur[32], buf[96];
    switch (r->interval) {
    case KD_REFILL_NONE: kd_detail_add(d, "refill", KD_TE_MUTED, "none"); return;
    case KD_REFILL_DAILY:
        kd_detail_add(d, "refill", KD_TE_DEFAULT, "daily to %lld", (long long)r->amount);
        break;
    case KD_REFILL_MONTHLY:
        kd_detail_add(d, "refill", KD_TE_DEFAULT, "monthly on day %d to %lld", r->refill_day,
                      (long long)r->amount);
        break;
    case KD_REFILL_EVERY:
        kd_duration_format(r->every_ms, dur, sizeof dur);
        kd_detail_add(d, "refill", KD_TE_DEFAULT, "every %s to %lld", dur, (long long)r->amount);
        break;
    }
    int64_t at = next_refill(k, now);
    if (at && at <= now)
        kd_detail_add(d, "next refill", KD_TE_DEFAULT, "due on next use");
    else if (at) {
        when(buf, sizeof buf, at, now);
        kd_detail_add(d, "next refill", KD_TE_DEFAULT, "%s", buf);
    }
    when(buf, sizeof buf, k->credits.last_refill_at, now);
    kd_detail_add(d, "last refill", KD_TE_MUTED, "%s", buf);
}

static void meta_lines(struct kd_detail *d, const char *meta)
{
    heading(d, "Meta");
    if (!meta || !*meta) {
        kd_detail_add(d, NULL, KD_TE_MUTED, "(none)");
        return;
    }
    json_error_t jerr;
    json_t *j = json_loads(meta, 0, &jerr);
    char *pretty = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    const char *text = pretty ? pretty : meta;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        kd_detail_add(d, NULL, KD_TE_DEFAULT, "%.*s", (int)n, p);
        p += n;
        if (*p == '\n')
            p++;
    }
    free(pretty);
}

static void stats_lines(struct kd_app *app, struct kd_detail *d, const struct kd_key *k,
                        int64_t now)
{
    if (!(app->caps & KD_CAP_STATS))
        return;
    heading(d, "Verifications (7d)");
    struct kd_stats_query q = {.key_id = k->id, .api_id = k->api_id, .since = now - 7 * DAY_MS,
                               .until = now, .top_n = 0};
    struct kd_stats st;
    memset(&st, 0, sizeof st);
    struct kd_error err;
    if (kd_backend_stats(app->b, &q, &st, &err) != 0) {
        kd_detail_add(d, NULL, KD_TE_MSG_ERROR, "%s", err.message);
        return;
    }
    kd_detail_add(d, "total", KD_TE_DEFAULT, "%lld", (long long)st.total);
    for (int c = 0; c < KD_VERIFY_CODE_COUNT; c++) {
        if (!st.by_code[c])
            continue;
        kd_detail_add(d, kd_verify_code_name((enum kd_verify_code)c),
                      c == KD_VERIFY_VALID ? KD_TE_LOG_OK : KD_TE_LOG_ERROR, "%lld",
                      (long long)st.by_code[c]);
    }
    /* The buckets are kept and folded to the pane's width when painted. */
    if (st.total) {
        memcpy(d->spark, st.buckets, sizeof d->spark);
        d->has_spark = true;
        d->spark_line = d->n;
        kd_detail_add(d, "activity", KD_TE_CHART, "%s", "");
    }
    kd_stats_free(&st);
}

static void key_lines(struct kd_app *app, struct kd_detail *d, const struct kd_key *k)
{
    int64_t now = kd_now_ms();
    char buf[128];
    enum kd_key_state s = kd_key_state(k, now);
    kd_detail_add(d, "name", KD_TE_KEY_NAME, "%s", k->name ? k->name : "(unnamed)");
    kd_detail_add(d, "id", KD_TE_KEY_ID, "%s", k->id);
    kd_detail_add(d, "state", s == KD_KEY_ACTIVE ? KD_TE_KEY_STATUS_ACTIVE
                              : s == KD_KEY_EXPIRED ? KD_TE_KEY_STATUS_EXPIRED
                              : s == KD_KEY_DISABLED ? KD_TE_KEY_STATUS_DISABLED
                              : s == KD_KEY_EXHAUSTED ? KD_TE_KEY_STATUS_EXHAUSTED
                                                      : KD_TE_KEY_STATUS_LIMITED,
                  "%s%s", kd_key_state_word(s), k->enabled ? "" : " (disabled by hand)");
    /* A v2 server reports no prefix, environment, recoverability, byte length
     * or usage count (no KD_CAP_FULL_KEYS): leave them out rather than show
     * "(none)", "no" or 0 for what is only unknown. */
    bool full = (app->caps & KD_CAP_FULL_KEYS) != 0;
    kd_detail_add(d, "start", KD_TE_KEY_ID, "%s", k->start ? k->start : "");
    if (full)
        kd_detail_add(d, "prefix", KD_TE_DEFAULT, "%s", k->prefix ? k->prefix : "(none)");
    kd_detail_add(d, "api", KD_TE_DEFAULT, "%s", k->api_id ? k->api_id : "");
    kd_detail_add(d, "owner", KD_TE_DEFAULT, "%s", k->external_id ? k->external_id : "(none)");
    if (full) {
        kd_detail_add(d, "environment", KD_TE_DEFAULT, "%s",
                      k->environment ? k->environment : "(none)");
        kd_detail_add(d, "recoverable", KD_TE_DEFAULT, "%s", k->recoverable ? "yes" : "no");
        kd_detail_add(d, "bytes", KD_TE_DEFAULT, "%d", k->byte_length);
    }
    when(buf, sizeof buf, k->expires, now);
    kd_detail_add(d, "expires", KD_TE_DEFAULT, "%s", buf);
    when(buf, sizeof buf, k->created_at, now);
    kd_detail_add(d, "created", KD_TE_DEFAULT, "%s", buf);
    when(buf, sizeof buf, k->updated_at, now);
    kd_detail_add(d, "updated", KD_TE_DEFAULT, "%s", buf);
    when(buf, sizeof buf, k->last_used_at, now);
    kd_detail_add(d, "last used", KD_TE_DEFAULT, "%s", buf);
    if (full)
        kd_detail_add(d, "requests", KD_TE_DEFAULT, "%lld", (long long)k->request_count);

    credits_lines(d, k, now);

    heading(d, "Rate limits");
    if (k->n_ratelimits == 0)
        kd_detail_add(d, NULL, KD_TE_MUTED, "(none)");
    for (size_t i = 0; i < k->n_ratelimits; i++) {
        char dur[32];
        kd_duration_format(k->ratelimits[i].duration_ms, dur, sizeof dur);
        kd_detail_add(d, k->ratelimits[i].name, KD_TE_DEFAULT, "%lld per %s%s",
                      (long long)k->ratelimits[i].limit, dur,
                      k->ratelimits[i].auto_apply ? ", auto-applied" : "");
    }

    heading(d, "Roles");
    if (k->roles.len == 0)
        kd_detail_add(d, NULL, KD_TE_MUTED, "(none)");
    for (size_t i = 0; i < k->roles.len; i++)
        kd_detail_add(d, NULL, KD_TE_ROLE_NAME, "%s", k->roles.items[i]);

    heading(d, "Permissions");
    if (k->n_grants == 0 && k->permissions.len == 0)
        kd_detail_add(d, NULL, KD_TE_MUTED, "(none)");
    if (k->n_grants) {
        for (size_t i = 0; i < k->n_grants; i++) {
            const struct kd_grant *g = &k->grants[i];
            if (g->via_role)
                kd_detail_add(d, NULL, KD_TE_PERM_INHERITED, "%s  via role %s", g->slug,
                              g->via_role);
            else
                kd_detail_add(d, NULL, KD_TE_PERM_GRANTED, "%s  direct", g->slug);
        }
    } else {
        for (size_t i = 0; i < k->permissions.len; i++)
            kd_detail_add(d, NULL, KD_TE_PERM_GRANTED, "%s  direct", k->permissions.items[i]);
    }

    meta_lines(d, k->meta_json);
    stats_lines(app, d, k, now);
}

void kd_view_detail_follow(struct kd_app *app)
{
    if (app->view == KD_VIEW_AUDIT) {
        kd_view_audit_detail(app);
        return;
    }
    /* A permission's keys (the drill-down) get the same detail as the keys pane. */
    bool side_keys = app->view == KD_VIEW_PERM_KEYS;
    if (app->view != KD_VIEW_MAIN && !side_keys) {
        kd_view_side_detail(app);
        return;
    }
    const struct kd_key *sel = side_keys ? kd_view_side_selected_key(app)
                                         : kd_vlist_selected(&app->keys);
    const char *id = sel ? sel->id : NULL;
    struct kd_detail *d = &app->detail;
    if (!kd_detail_retarget(app, id, "no key selected"))
        return;
    struct kd_key k;
    kd_key_init(&k);
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_backend_key_get(app->b, id, &k, &err) != 0) {
        kd_detail_add(d, NULL, KD_TE_MSG_ERROR, "%s", err.message);
        kd_key_free(&k);
        return;
    }
    if (!k.api_id && sel->api_id) /* v2's getKey does not say; the list did */
        k.api_id = kd_xstrdup(sel->api_id);
    key_lines(app, d, &k);
    kd_key_free(&k);
}

/* The window's buckets in at most width cells: neighbours are summed in
 * groups just large enough to fit, so the newest traffic (at the right) is
 * never cut off however narrow the pane. */
static void sparkline_fit(const int64_t *buckets, int width, char *out, size_t outlen)
{
    out[0] = '\0';
    if (width <= 0)
        return;
    int group = (KD_STATS_BUCKETS + width - 1) / width;
    int64_t folded[KD_STATS_BUCKETS];
    size_t cells = 0;
    /* Groups end at the newest bucket; a short group, if any, is the oldest. */
    int first = KD_STATS_BUCKETS % group ? KD_STATS_BUCKETS % group - group : 0;
    for (int start = first; start < KD_STATS_BUCKETS; start += group) {
        int64_t sum = 0;
        for (int i = start; i < start + group; i++)
            if (i >= 0)
                sum += buckets[i];
        folded[cells++] = sum;
    }
    kd_chart_sparkline(folded, cells, width, kd_crt_utf8(), out, outlen);
}

void kd_view_detail_draw(struct kd_app *app, struct kd_rect r, bool focused)
{
    const char *title = "Detail";
    int number = app->view == KD_VIEW_MAIN ? 3 : 2;
    char note[80] = "";
    struct kd_detail *d = &app->detail;
    struct kd_rect in = kd_pane_frame(app, r, KD_PANE_DETAIL, focused, number, title, NULL, NULL);
    int rows = in.h;
    if (d->n > (size_t)rows) {
        snprintf(note, sizeof note, " %d-%d of %zu ", d->scroll + 1,
                 d->scroll + rows < (int)d->n ? d->scroll + rows : (int)d->n, d->n);
        kd_draw_text_right(r.y + r.h - 1, r.x + 1, r.w - 3, KD_TE_LIST_FOOTER, note);
    }
    /* labels line up in a column as wide as the longest one, up to a third */
    int label_w = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->lines[i].label && (int)strlen(d->lines[i].label) > label_w)
            label_w = (int)strlen(d->lines[i].label);
    if (label_w > in.w / 3)
        label_w = in.w / 3;
    for (int row = 0; row < rows; row++) {
        size_t i = (size_t)(d->scroll + row);
        if (i >= d->n)
            break;
        const struct kd_detail_line *l = &d->lines[i];
        int y = in.y + row;
        if (l->label) {
            int value_w = in.w - label_w - 2;
            const char *value = l->value;
            char spark[KD_STATS_BUCKETS * 4];
            if (d->has_spark && i == d->spark_line) {
                sparkline_fit(d->spark, value_w, spark, sizeof spark);
                value = spark;
            }
            kd_draw_text(y, in.x + 1, label_w, KD_TE_FORM_LABEL, l->label);
            kd_draw_text(y, in.x + 2 + label_w, value_w, l->elem, value);
        } else {
            kd_draw_text(y, in.x + 1, in.w - 1, l->elem, l->value);
        }
    }
}
