/*
 * view_audit.c — the audit view (`:audit`): the report of audit/audit.h shown
 * as rows grouped by severity and rule, the fixes the rule table names
 * (disable, set expiry, add a rate limit), accepting a finding with a reason,
 * and the audit log's chain check shown in the `:log` title.
 *
 * The rows are served to the shared side list (app->side) from memory: the
 * audit runs once on opening, on r and after a fix, never on the timer, since
 * it reads every key.
 */
#include "tui/app.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "tui/draw.h"
#include "tui/keyname.h"
#include "util/clock.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

enum row_kind { ROW_RULE, ROW_FINDING, ROW_ACCEPTED, ROW_CLEAN };

struct audit_row {
    enum row_kind kind;
    enum kd_audit_rule rule;               /* ROW_RULE */
    size_t count;                          /* ROW_RULE, ROW_ACCEPTED */
    const struct kd_audit_finding *finding; /* ROW_FINDING: into the report */
};

struct kd_audit_view {
    bool ran, failed;
    struct kd_error err;
    struct kd_audit_report report;
    struct kd_audit_acceptlist accepted;
    struct kd_config *defaults; /* built-in thresholds when the TUI got none */
    bool have_token;
    uint64_t token;             /* the backend's change token at the last run */
    struct audit_row *rows;     /* what the list shows, rebuilt per filter */
    size_t n_rows, cap_rows;
    char title[160];

    /* Enter's jump to a key, and the way back */
    bool jumped;
    size_t back_selected, back_top;
    char crumb[200];

    /* the disable confirmation */
    bool confirming;
    char *key_id, *key_name;
    char confirm_what[320];

    /* the reason prompt of x */
    enum kd_audit_rule accept_rule;
    char *accept_target, *accept_label;

    /* the audit log's chain (:log) */
    bool log_checked, log_failed;
    struct kd_audit_check check;
    struct kd_error log_err; /* why the check failed */
    char log_title[640];
};

static struct kd_audit_view *state(struct kd_app *app)
{
    if (!app->audit)
        app->audit = kd_xcalloc(1, sizeof *app->audit);
    return app->audit;
}

static const struct kd_audit_thresholds *thresholds(struct kd_app *app)
{
    if (app->opt->audit)
        return app->opt->audit;
    struct kd_audit_view *v = state(app);
    if (!v->defaults) {
        /* An empty config is exactly the built-in defaults. */
        struct kd_error err;
        if (kd_config_parse("", "built-in defaults", &v->defaults, &err) != 0)
            return NULL;
    }
    return &v->defaults->audit;
}

static const char *dash(void)
{
    return kd_crt_utf8() ? "\u2014" : "-";
}

static void upper(const char *s, char *buf, size_t len)
{
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++)
        buf[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]);
    buf[i] = '\0';
}

/* What a finding is about, for rows and messages: the key's name, else the id. */
static const char *finding_label(const struct kd_audit_finding *f)
{
    return f->target_name && *f->target_name ? f->target_name : f->target;
}

/* ---- running the audit ---- */

static void run_audit(struct kd_app *app, bool force)
{
    struct kd_audit_view *v = state(app);
    uint64_t token = 0;
    struct kd_error terr;
    bool have_token = kd_backend_change_token(app->b, &token, &terr) == 0;
    /* Unchanged data and no new acceptance: the last report still holds. */
    if (!force && v->ran && !v->failed && have_token && v->have_token && token == v->token)
        return;
    if (app->side_open)
        kd_vlist_reset(&app->side); /* its rows point into the report */
    kd_audit_report_free(&v->report);
    kd_audit_accept_free(&v->accepted);
    v->ran = true;
    v->failed = false;
    kd_error_clear(&v->err);
    char *path = kd_audit_accept_path();
    int rc = kd_audit_accept_load(path, &v->accepted, &v->err);
    free(path);
    const struct kd_audit_thresholds *t = thresholds(app);
    if (rc == 0 && !t)
        rc = kd_error_set(&v->err, KD_ERR_INVALID, NULL, "no audit thresholds");
    if (rc == 0) {
        struct kd_audit_options opt = {.thresholds = t,
                                       .apis = app->opt->apis,
                                       .now_ms = kd_now_ms(),
                                       .accepted = &v->accepted};
        rc = kd_audit_run(app->b, &opt, &v->report, &v->err);
    }
    v->failed = rc != 0;
    v->have_token = have_token;
    v->token = token;
}

/* ---- the rows ---- */

static bool contains_nocase(const char *hay, const char *needle)
{
    if (!hay)
        return false;
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && (hay[i] | 0x20) == (needle[i] | 0x20))
            i++;
        if (i == n)
            return true;
    }
    return n == 0;
}

static bool finding_matches(const struct kd_audit_finding *f, const char *pat)
{
    if (!pat || !*pat)
        return true;
    const struct kd_audit_rule_info *ri = kd_audit_rule_info(f->rule);
    return contains_nocase(ri->id, pat) || contains_nocase(ri->name, pat) ||
           contains_nocase(kd_audit_severity_name(ri->severity), pat) ||
           contains_nocase(f->target, pat) || contains_nocase(f->target_name, pat) ||
           contains_nocase(f->message, pat) ||
           (f->accepted && contains_nocase(f->accepted->reason, pat));
}

static void push_row(struct kd_audit_view *v, struct audit_row r)
{
    v->rows = kd_xgrow(v->rows, &v->cap_rows, v->n_rows + 1, sizeof *v->rows);
    v->rows[v->n_rows++] = r;
}

/* Open findings by rule (the report is sorted severity first), then the accepted ones. */
static void build_rows(struct kd_app *app)
{
    struct kd_audit_view *v = state(app);
    const struct kd_audit_report *r = &v->report;
    const char *pat = app->filter[KD_PANE_APIS];
    v->n_rows = 0;
    for (size_t i = 0; i < r->len;) {
        size_t j = i, open = 0, shown = 0;
        for (; j < r->len && r->findings[j].rule == r->findings[i].rule; j++)
            if (!r->findings[j].accepted) {
                open++;
                shown += finding_matches(&r->findings[j], pat);
            }
        if (shown) {
            push_row(v, (struct audit_row){ROW_RULE, r->findings[i].rule, open, NULL});
            for (size_t k = i; k < j; k++)
                if (!r->findings[k].accepted && finding_matches(&r->findings[k], pat))
                    push_row(v, (struct audit_row){ROW_FINDING, r->findings[k].rule, 0,
                                                   &r->findings[k]});
        }
        i = j;
    }
    if (r->accepted_count) {
        size_t at = v->n_rows;
        bool any = false;
        push_row(v, (struct audit_row){ROW_ACCEPTED, 0, r->accepted_count, NULL});
        for (size_t k = 0; k < r->len; k++)
            if (r->findings[k].accepted && finding_matches(&r->findings[k], pat)) {
                push_row(v, (struct audit_row){ROW_FINDING, r->findings[k].rule, 0,
                                               &r->findings[k]});
                any = true;
            }
        if (!any)
            v->n_rows = at;
    }
    if (r->len == 0)
        push_row(v, (struct audit_row){ROW_CLEAN, 0, 0, NULL});
}

static int audit_fetch(void *ctx, const char *cursor, int limit, bool want_total, void **rows,
                       size_t *n, char **next, int64_t *total, struct kd_error *err)
{
    (void)want_total;
    struct kd_app *app = ctx;
    struct kd_audit_view *v = state(app);
    if (v->failed) {
        *err = v->err;
        return -1;
    }
    size_t from = cursor ? (size_t)strtoull(cursor, NULL, 10) : 0;
    if (from == 0)
        build_rows(app);
    size_t count = from < v->n_rows ? v->n_rows - from : 0;
    if (count > (size_t)limit)
        count = (size_t)limit;
    struct audit_row *out = kd_xcalloc(count ? count : 1, sizeof *out);
    if (count)
        memcpy(out, v->rows + from, count * sizeof *out);
    *rows = out;
    *n = count;
    *next = from + count < v->n_rows ? kd_xasprintf("%zu", from + count) : NULL;
    *total = (int64_t)v->n_rows;
    return 0;
}

static void audit_free_rows(void *rows, size_t n)
{
    (void)n;
    free(rows); /* the rows only point into the report */
}

void kd_view_audit_open(struct kd_app *app)
{
    struct kd_audit_view *v = state(app);
    bool returning = v->jumped;
    if (app->side_open)
        kd_vlist_free(&app->side);
    app->side_open = false;
    /* Coming back from a jump: rerun only if something changed meanwhile. */
    run_audit(app, !returning);
    struct kd_vlist_source src = {audit_fetch, audit_free_rows, sizeof(struct audit_row), app};
    kd_vlist_init(&app->side, &src, app->opt->page_size, 5);
    app->side_open = true;
    app->view = KD_VIEW_AUDIT;
    if (returning) {
        app->side.selected = v->back_selected;
        app->side.top = v->back_top;
    }
    v->jumped = false;
}

void kd_view_audit_reload(struct kd_app *app)
{
    if (app->view != KD_VIEW_AUDIT)
        return;
    run_audit(app, true);
    kd_vlist_reset(&app->side); /* keeps the selection's index */
    free(app->detail.for_id);
    app->detail.for_id = NULL;
    if (state(app)->failed)
        kd_app_message(app, KD_TE_MSG_ERROR, "audit failed: %s", state(app)->err.message);
    kd_app_dirty_all(app);
}

/* ---- drawing ---- */

static enum kd_theme_elem severity_elem(enum kd_audit_severity s)
{
    return s >= KD_SEV_HIGH ? KD_TE_MSG_ERROR : s == KD_SEV_MEDIUM ? KD_TE_MSG_WARNING
                                                                   : KD_TE_MSG_INFO;
}

#define NAME_W 20

static void audit_row_draw(struct kd_app *app, const void *row, int y, int x, int w,
                           enum kd_theme_elem base, bool selected)
{
    const struct audit_row *r = row;
    char line[768];
    switch (r->kind) {
    case ROW_RULE: {
        const struct kd_audit_rule_info *ri = kd_audit_rule_info(r->rule);
        char sev[16];
        upper(kd_audit_severity_name(ri->severity), sev, sizeof sev);
        int used = kd_draw_printf(y, x, w, selected ? base : severity_elem(ri->severity),
                                  "%-9s", sev);
        snprintf(line, sizeof line, "%s %s (%zu): %s", ri->id, ri->name, r->count, ri->text);
        kd_draw_text(y, x + used, w - used, selected ? base : KD_TE_HELP_SECTION, line);
        break;
    }
    case ROW_ACCEPTED: {
        int used = kd_draw_text(y, x, w, selected ? base : KD_TE_HELP_SECTION, "ACCEPTED ");
        snprintf(line, sizeof line, "(%zu): findings accepted with a reason (x), not counted",
                 r->count);
        kd_draw_text(y, x + used, w - used, selected ? base : KD_TE_HELP_SECTION, line);
        break;
    }
    case ROW_CLEAN: {
        const struct kd_audit_report *rep = &state(app)->report;
        snprintf(line, sizeof line, "no findings: audited %zu API(s), %zu key(s), %zu role(s), "
                 "%zu permission(s)", rep->apis, rep->keys, rep->roles, rep->permissions);
        kd_draw_text(y, x, w, selected ? base : KD_TE_MSG_SUCCESS, line);
        break;
    }
    case ROW_FINDING: {
        const struct kd_audit_finding *f = r->finding;
        int used = 0;
        if (f->accepted) /* accepted rows are no longer under their rule heading */
            used = kd_draw_printf(y, x + 2, w - 2, base, "%s ", kd_audit_rule_info(f->rule)->id);
        /* The rule id takes from the name column, so messages stay aligned. */
        kd_draw_text(y, x + 2 + used, NAME_W - used, selected ? base : KD_TE_KEY_NAME,
                     finding_label(f));
        int nx = x + 2 + NAME_W + 1;
        if (f->accepted)
            snprintf(line, sizeof line, "accepted: %s (%s)", f->accepted->reason, f->message);
        else
            snprintf(line, sizeof line, "%s", f->message);
        kd_draw_text(y, nx, x + w - nx, base, line);
        break;
    }
    }
}

static const char *view_title(struct kd_audit_view *v)
{
    if (v->failed)
        snprintf(v->title, sizeof v->title, "Audit: failed");
    else if (v->report.len == 0)
        snprintf(v->title, sizeof v->title, "Audit: no findings");
    else
        snprintf(v->title, sizeof v->title, "Audit: %zu finding%s, %zu accepted",
                 kd_audit_report_open(&v->report, KD_SEV_INFO),
                 kd_audit_report_open(&v->report, KD_SEV_INFO) == 1 ? "" : "s",
                 v->report.accepted_count);
    /* A rule the backend cannot feed is named, so silence is not read as clean. */
    for (int rule = 0; !v->failed && rule < KD_RULE_COUNT; rule++)
        if (v->report.skipped[rule]) {
            size_t used = strlen(v->title);
            snprintf(v->title + used, sizeof v->title - used, "; %s not evaluated",
                     kd_audit_rule_info((enum kd_audit_rule)rule)->id);
        }
    return v->title;
}

void kd_view_audit_draw(struct kd_app *app, struct kd_rect r, bool focused)
{
    struct kd_audit_view *v = state(app);
    struct kd_rect in =
        kd_pane_frame(app, r, KD_PANE_APIS, focused, 1, view_title(v), &app->side, NULL);
    if (in.h < 2)
        return;
    kd_draw_text_pad(in.y, in.x, in.w, KD_TE_LIST_HEADER, "");
    char head[128];
    snprintf(head, sizeof head, "Severity rule / %-*s Finding", NAME_W - 7, "target");
    kd_draw_text(in.y, in.x + 1, in.w - 1, KD_TE_LIST_HEADER, head);
    kd_pane_rows(app, &app->side, (struct kd_rect){in.x, in.y + 1, in.w, in.h - 1}, focused,
                 audit_row_draw);
}

/* ---- the detail pane ---- */

static const char *fix_key(enum kd_audit_fix f)
{
    switch (f) {
    case KD_FIX_DISABLE: return " (d)";
    case KD_FIX_SET_EXPIRY: return " (e)";
    case KD_FIX_ADD_RATELIMIT: return " (L)";
    default: return "";
    }
}

static void rule_lines(struct kd_app *app, struct kd_detail *d, enum kd_audit_rule rule)
{
    const struct kd_audit_rule_info *ri = kd_audit_rule_info(rule);
    kd_detail_add(d, "rule", KD_TE_DEFAULT, "%s %s", ri->id, ri->name);
    kd_detail_add(d, "severity", severity_elem(ri->severity), "%s",
                  kd_audit_severity_name(ri->severity));
    kd_detail_add(d, "fix", KD_TE_DEFAULT, "%s%s", kd_audit_fix_name(ri->fix),
                  app->readonly ? "" : fix_key(ri->fix));
    if (strcmp(ri->threshold, "-") != 0)
        kd_detail_add(d, "threshold", KD_TE_DEFAULT, "%s ([audit] in the config)",
                      ri->threshold);
    kd_detail_add(d, "explains", KD_TE_DEFAULT, "%s", ri->text);
}

void kd_view_audit_detail(struct kd_app *app)
{
    struct kd_detail *d = &app->detail;
    const struct audit_row *row = kd_vlist_selected(&app->side);
    char id[400] = "";
    if (row)
        snprintf(id, sizeof id, "audit:%zu:%d:%d:%s", app->side.selected, (int)row->kind,
                 (int)row->rule, row->finding ? row->finding->target : "");
    if (!kd_detail_retarget(app, row ? id : NULL, "nothing selected"))
        return;
    const struct kd_audit_report *rep = &state(app)->report;
    switch (row->kind) {
    case ROW_RULE:
        rule_lines(app, d, row->rule);
        kd_detail_add(d, "open", KD_TE_DEFAULT, "%zu", row->count);
        break;
    case ROW_ACCEPTED:
        kd_detail_add(d, "accepted", KD_TE_DEFAULT, "%zu finding(s)", row->count);
        kd_detail_add(d, NULL, KD_TE_MUTED, "kept in audit-accepted next to the config file,");
        kd_detail_add(d, NULL, KD_TE_MUTED, "never in the keystore (keydeck audit accepted)");
        break;
    case ROW_CLEAN:
        kd_detail_add(d, "findings", KD_TE_MSG_SUCCESS, "none");
        kd_detail_add(d, "audited", KD_TE_DEFAULT, "%zu API(s), %zu key(s)", rep->apis,
                      rep->keys);
        kd_detail_add(d, NULL, KD_TE_DEFAULT, "%zu role(s), %zu permission(s)", rep->roles,
                      rep->permissions);
        break;
    case ROW_FINDING: {
        const struct kd_audit_finding *f = row->finding;
        kd_detail_add(d, "finding", KD_TE_DEFAULT, "%s", f->message);
        kd_detail_add(d, f->target_type, KD_TE_KEY_ID, "%s", f->target);
        if (f->target_name)
            kd_detail_add(d, "name", KD_TE_KEY_NAME, "%s", f->target_name);
        if (f->api_id)
            kd_detail_add(d, "api", KD_TE_KEY_ID, "%s", f->api_id);
        rule_lines(app, d, f->rule);
        if (f->accepted) {
            char when[48];
            kd_time_format_iso(f->accepted->at, when, sizeof when);
            kd_detail_add(d, "status", KD_TE_MUTED, "accepted");
            kd_detail_add(d, "reason", KD_TE_DEFAULT, "%s", f->accepted->reason);
            kd_detail_add(d, "by", KD_TE_DEFAULT, "%s", f->accepted->who);
            kd_detail_add(d, "at", KD_TE_DEFAULT, "%s", when);
        } else {
            kd_detail_add(d, "status", KD_TE_DEFAULT, "open%s", app->readonly ? "" : " (x accepts)");
        }
        break;
    }
    }
}

/* ---- Enter: to the key, and back ---- */

static const struct kd_audit_finding *selected_finding(struct kd_app *app)
{
    if (app->view != KD_VIEW_AUDIT)
        return NULL;
    const struct audit_row *row = kd_vlist_selected(&app->side);
    return row && row->kind == ROW_FINDING ? row->finding : NULL;
}

/* Show f's key in the main view: its API in the APIs pane, it in the keys pane. */
static bool jump_to_key(struct kd_app *app, const struct kd_audit_finding *f)
{
    struct kd_audit_view *v = state(app);
    if (strcmp(f->target_type, "key") != 0 || !f->api_id) {
        kd_app_message(app, KD_TE_MSG_WARNING, "%s is about a %s, not a key: nothing to jump to",
                       kd_audit_rule_info(f->rule)->id, f->target_type);
        return false;
    }
    /* Copies: leaving the view resets the list whose row f came from. */
    char *key_id = kd_xstrdup(f->target), *api_id = kd_xstrdup(f->api_id);
    snprintf(v->crumb, sizeof v->crumb, "Audit %s %s", kd_crt_utf8() ? "\u203a" : ">",
             finding_label(f));
    v->back_selected = app->side.selected;
    v->back_top = app->side.top;
    kd_app_run_action(app, KD_ACT_VIEW_APIS, NULL);
    v->jumped = true;
    bool found = kd_view_keys_select(app, api_id, key_id);
    free(key_id);
    free(api_id);
    return found;
}

void kd_view_audit_jump(struct kd_app *app)
{
    const struct kd_audit_finding *f = selected_finding(app);
    if (!f) {
        kd_app_message(app, KD_TE_MSG_WARNING, "select a finding (the rows under a rule)");
        return;
    }
    jump_to_key(app, f);
}

bool kd_view_audit_back(struct kd_app *app)
{
    if (!app->audit || !app->audit->jumped || app->mut)
        return false;
    kd_app_run_action(app, KD_ACT_VIEW_AUDIT, NULL);
    return true;
}

void kd_view_audit_forget(struct kd_app *app)
{
    if (app->audit)
        app->audit->jumped = false;
}

const char *kd_view_audit_crumb(const struct kd_app *app)
{
    if (app->view == KD_VIEW_AUDIT)
        return "Audit";
    if (app->view == KD_VIEW_MAIN && app->audit && app->audit->jumped)
        return app->audit->crumb;
    return NULL;
}

/* ---- fixes and accepting ---- */

static const struct kd_audit_finding *finding_for(struct kd_app *app, const char *what)
{
    if (app->view != KD_VIEW_AUDIT) {
        kd_app_message(app, KD_TE_MSG_WARNING, "%s works on a finding of the audit view (:audit)",
                       what);
        return NULL;
    }
    const struct kd_audit_finding *f = selected_finding(app);
    if (!f)
        kd_app_message(app, KD_TE_MSG_WARNING, "select a finding first (the rows under a rule)");
    return f;
}

/* Is fix the rule's remedy?  Says which one is when not. */
static bool fix_applies(struct kd_app *app, const struct kd_audit_finding *f,
                        enum kd_audit_fix fix)
{
    const struct kd_audit_rule_info *ri = kd_audit_rule_info(f->rule);
    if (ri->fix == fix && strcmp(f->target_type, "key") == 0)
        return true;
    kd_app_message(app, KD_TE_MSG_WARNING, "%s %s: its fix is %s, not %s", ri->id, ri->name,
                   kd_audit_fix_name(ri->fix), kd_audit_fix_name(fix));
    return false;
}

static void ask_disable(struct kd_app *app, const struct kd_audit_finding *f)
{
    struct kd_audit_view *v = state(app);
    free(v->key_id);
    free(v->key_name);
    v->key_id = kd_xstrdup(f->target);
    v->key_name = kd_xstrdup(finding_label(f));
    snprintf(v->confirm_what, sizeof v->confirm_what, "%s %s: %s",
             kd_audit_rule_info(f->rule)->id, kd_audit_rule_info(f->rule)->name, f->message);
    v->confirming = true;
    kd_app_dirty_all(app);
}

static void ask_reason(struct kd_app *app, const struct kd_audit_finding *f)
{
    struct kd_audit_view *v = state(app);
    const struct kd_audit_rule_info *ri = kd_audit_rule_info(f->rule);
    free(v->accept_target);
    v->accept_target = kd_xstrdup(f->target);
    free(v->accept_label);
    v->accept_label = kd_xstrdup(finding_label(f));
    v->accept_rule = f->rule;
    /* Accepting again replaces the reason: start from the old one. */
    kd_prompt_open(&app->prompt, KD_PROMPT_TEXT, f->accepted ? f->accepted->reason : "");
    snprintf(app->prompt.label, sizeof app->prompt.label, "accept %s for %.30s, reason: ",
             ri->id, finding_label(f));
    kd_app_dirty(app, KD_AREA_HINT, KD_DIRTY_PAINT);
}

void kd_view_audit_action(struct kd_app *app, enum kd_action a)
{
    const struct kd_audit_finding *f = finding_for(app, kd_action_name(a));
    if (!f)
        return;
    switch (a) {
    case KD_ACT_AUDIT_DISABLE:
        if (fix_applies(app, f, KD_FIX_DISABLE))
            ask_disable(app, f);
        break;
    case KD_ACT_AUDIT_SET_EXPIRY:
    case KD_ACT_AUDIT_ADD_RATELIMIT:
        /* The key's own edit form, prefilled; Esc afterwards comes back here. */
        if (fix_applies(app, f, a == KD_ACT_AUDIT_SET_EXPIRY ? KD_FIX_SET_EXPIRY
                                                             : KD_FIX_ADD_RATELIMIT) &&
            jump_to_key(app, f))
            kd_app_run_action(app, KD_ACT_EDIT_KEY, NULL);
        break;
    case KD_ACT_AUDIT_ACCEPT: ask_reason(app, f); break;
    default: break;
    }
}

void kd_view_audit_reason(struct kd_app *app, const char *text)
{
    struct kd_audit_view *v = state(app);
    const struct kd_audit_rule_info *ri = kd_audit_rule_info(v->accept_rule);
    if (!text || !v->accept_target) {
        kd_app_message(app, KD_TE_MSG_INFO, "not accepted");
        return;
    }
    while (*text == ' ')
        text++;
    if (!*text) {
        kd_app_message(app, KD_TE_MSG_WARNING, "not accepted: a reason is needed");
        return;
    }
    char *path = kd_audit_accept_path();
    struct kd_error err;
    kd_error_clear(&err);
    int rc = path ? kd_audit_accept_add(path, ri->id, v->accept_target, kd_audit_whoami(), text,
                                        kd_now_ms(), &err)
                  : kd_error_set(&err, KD_ERR_INVALID, NULL,
                                 "no config directory ($HOME unset): nowhere to keep it");
    free(path);
    if (rc != 0) {
        kd_app_message(app, KD_TE_MSG_ERROR, "not accepted: %s", err.message);
        return;
    }
    kd_view_audit_reload(app);
    kd_app_message(app, KD_TE_MSG_SUCCESS, "accepted %s %s for %s", ri->id, ri->name,
                   v->accept_label);
}

/* ---- the disable confirmation ---- */

bool kd_view_audit_confirming(const struct kd_app *app)
{
    return app->audit && app->audit->confirming;
}

static void close_confirm(struct kd_app *app)
{
    app->audit->confirming = false;
    erase();
    kd_app_dirty_all(app);
}

void kd_view_audit_confirm_key(struct kd_app *app, int key)
{
    struct kd_audit_view *v = app->audit;
    if (key == 'y' || key == 'Y') {
        close_confirm(app);
        kd_app_set_key_enabled(app, v->key_id, v->key_name, false);
        char msg[sizeof app->message];
        snprintf(msg, sizeof msg, "%s", app->message);
        kd_view_audit_reload(app);
        if (!state(app)->failed) /* keep the result of the update in view */
            kd_app_message(app, app->message_elem, "%s", msg);
    } else if (key == 'n' || key == 'N' || key == KD_KEY_ESC) {
        close_confirm(app);
        kd_app_message(app, KD_TE_MSG_INFO, "kept %s enabled", v->key_name);
    }
}

const char *kd_view_audit_confirm_hint(const struct kd_app *app)
{
    (void)app;
    return "y disable  n keep it";
}

void kd_view_audit_confirm_draw(struct kd_app *app)
{
    struct kd_audit_view *v = app->audit;
    int top = app->rects[KD_AREA_STATUS].y + app->rects[KD_AREA_STATUS].h;
    int bottom = app->rects[KD_AREA_HINT].y;
    int h = 7 < bottom - top ? 7 : bottom - top;
    int w = 72 < app->cols - 2 ? 72 : app->cols - 2;
    struct kd_rect r = {(app->cols - w) / 2, top + (bottom - top - h) / 2, w, h};
    char title[160];
    snprintf(title, sizeof title, "Disable key %s?", v->key_name);
    kd_draw_fill(r, KD_TE_DIALOG);
    kd_draw_frame(r, title, true);
    kd_draw_text(r.y + 1, r.x + 2, r.w - 4, KD_TE_DIALOG, v->confirm_what);
    kd_draw_text(r.y + 2, r.x + 2, r.w - 4, KD_TE_DIALOG,
                 "It stops verifying; t in the keys pane enables it again.");
    kd_draw_text(r.y + 4, r.x + 2, r.w - 4, KD_TE_BUTTON_DANGER, "y  disable it");
    kd_draw_text(r.y + 5, r.x + 2, r.w - 4, KD_TE_BUTTON, "n  keep it");
}

/* ---- the audit log's chain ---- */

void kd_view_audit_log_check(struct kd_app *app)
{
    struct kd_audit_view *v = state(app);
    memset(&v->check, 0, sizeof v->check);
    struct kd_error err;
    kd_error_clear(&err);
    v->log_failed = kd_backend_audit_verify(app->b, &v->check, &err) != 0;
    v->log_err = err;
    v->log_checked = true;
}

const char *kd_view_audit_log_title(struct kd_app *app)
{
    struct kd_audit_view *v = state(app);
    if (!v->log_checked)
        kd_view_audit_log_check(app);
    const struct kd_audit_check *c = &v->check;
    if (v->log_failed)
        snprintf(v->log_title, sizeof v->log_title, "Audit log %s not verified: %s", dash(),
                 v->log_err.message);
    else if (c->ok == 1)
        snprintf(v->log_title, sizeof v->log_title, "Audit log %s chain intact (%lld entr%s)",
                 dash(), (long long)c->entries, c->entries == 1 ? "y" : "ies");
    else if (c->first_bad_seq > 0)
        snprintf(v->log_title, sizeof v->log_title, "Audit log %s TAMPERED at entry %lld",
                 dash(), (long long)c->first_bad_seq);
    else
        snprintf(v->log_title, sizeof v->log_title, "Audit log %s TAMPERED: %s", dash(),
                 c->message);
    return v->log_title;
}

void kd_view_audit_free(struct kd_app *app)
{
    struct kd_audit_view *v = app->audit;
    if (!v)
        return;
    kd_audit_report_free(&v->report);
    kd_audit_accept_free(&v->accepted);
    kd_config_free(v->defaults);
    free(v->rows);
    free(v->key_id);
    free(v->key_name);
    free(v->accept_target);
    free(v->accept_label);
    free(v);
    app->audit = NULL;
}
