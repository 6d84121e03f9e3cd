/*
 * mutate.c — the one open mutation session (app->mut) and the key mutations:
 * the create/edit form, delete, reroll, credits and reveal, their
 * confirmation dialogs and the show-once secret dialog; also APIs.  Other
 * modules (mutate_rbac.c) run their forms and questions through the session
 * API of mutate.h.  Every call goes through the backend; field rules are
 * validate.h's, so the form refuses what the engine would.  Reading and
 * checking the key form is mutate_keyform.c's; the rate-limit row editor is
 * mutate_ratelimits.c's.
 */
#include "tui/mutate_impl.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/validate.h"
#include "tui/draw.h"
#include "tui/keyname.h"
#include "util/clock.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static const char *const refill_choices[] = {"none", "daily", "monthly", "every"};
static const char *const credit_choices[] = {"set", "add", "subtract", "unlimited"};

static void report(struct kd_app *app, const struct kd_error *err)
{
    kd_app_message(app, KD_TE_MSG_ERROR, "%s", err->message[0] ? err->message : "failed");
}

void kd_mutate_report(struct kd_app *app, const struct kd_error *err)
{
    report(app, err);
}

static void line(struct kd_mutate *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct kd_mutate *m, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    kd_strlist_push(&m->lines, buf);
}

/* Free everything, wiping the secret; no drawing (also used at exit). */
static void release(struct kd_app *app)
{
    struct kd_mutate *m = app->mut;
    if (!m)
        return;
    kd_form_free(&m->form);
    kd_strlist_clear(&m->api_ids);
    kd_strlist_clear(&m->api_names);
    kd_strlist_clear(&m->lines);
    free(m->key_id);
    free(m->key_name);
    kd_key_free(&m->orig);
    kd_key_free(&m->spec);
    kd_key_free(&m->rl);
    kd_form_free(&m->rl_form);
    kd_key_secret_free(&m->secret); /* the plaintext is wiped here, once the dialog closes */
    kd_draw_secret_clear();
    if (m->ops && m->ops->free_ctx)
        m->ops->free_ctx(m->ops_ctx);
    free(m);
    app->mut = NULL;
}

static void close_all(struct kd_app *app)
{
    release(app);
    erase();
    kd_app_dirty_all(app);
}

void kd_mutate_free(struct kd_app *app)
{
    release(app);
}

void kd_mutate_close(struct kd_app *app)
{
    close_all(app);
}

bool kd_mutate_active(const struct kd_app *app)
{
    return app->mut != NULL;
}

struct kd_form *kd_mutate_form(struct kd_app *app)
{
    return app->mut && app->mut->stage == ST_FORM ? &app->mut->form : NULL;
}

static struct kd_mutate *begin(struct kd_app *app, enum kind kind)
{
    struct kd_mutate *m = kd_xcalloc(1, sizeof *m);
    m->app = app;
    m->kind = kind;
    kd_key_init(&m->orig);
    kd_key_init(&m->spec);
    kd_key_init(&m->rl);
    app->mut = m;
    return m;
}

static const struct kd_key *selected_key(struct kd_app *app)
{
    if (app->view != KD_VIEW_MAIN || app->focus == KD_PANE_APIS)
        return NULL;
    return kd_vlist_selected(&app->keys);
}

/* The permissions picker offers to create a permission nothing matched. */
static bool key_offer(void *ctx, const struct kd_form *f, size_t i, const char *text,
                      char *label, size_t len)
{
    (void)ctx;
    (void)f;
    return i == F_PERMS && kd_rbac_offer_permission(text, label, len);
}

static int key_create_option(void *ctx, struct kd_form *f, size_t i, const char *text)
{
    struct kd_mutate *m = ctx;
    (void)f;
    return i == F_PERMS ? kd_rbac_create_permission_now(m->app, text) : -1;
}

static void open_key_form(struct kd_app *app, const struct kd_key *k)
{
    struct kd_mutate *m = begin(app, k ? K_EDIT : K_CREATE);
    struct kd_form *f = &m->form;
    char title[128];
    if (k)
        snprintf(title, sizeof title, "Edit key %s", k->name ? k->name : k->id);
    else
        snprintf(title, sizeof title, "New key");
    kd_form_init(f, title, kd_keyform_validate, kd_keyform_changed, m);
    f->offer = key_offer;
    f->create = key_create_option;
    /* APIs: a choice, the keys pane's API preselected. */
    struct kd_list_query q = {.limit = 100};
    struct kd_api_page ap;
    memset(&ap, 0, sizeof ap);
    struct kd_error err;
    kd_error_clear(&err);
    int sel = 0, bytes = 16;
    const char *prefix = NULL;
    if (kd_backend_api_list(app->b, &q, &ap, &err) == 0) {
        for (size_t i = 0; i < ap.len; i++) {
            kd_strlist_push(&m->api_ids, ap.items[i].id);
            kd_strlist_push(&m->api_names, ap.items[i].name);
            if (app->keys_api_id && strcmp(ap.items[i].id, app->keys_api_id) == 0) {
                sel = (int)i;
                if (ap.items[i].default_byte_length)
                    bytes = ap.items[i].default_byte_length;
                prefix = ap.items[i].default_prefix;
            }
        }
    }
    kd_form_add_choice(f, "API", (const char *const *)m->api_names.items,
                       (int)m->api_names.len, sel);
    char num[32];
    if (k) {
        kd_key_copy(&m->orig, k);
        /* the list row may lack roles and grants: load the whole key */
        struct kd_key full;
        kd_key_init(&full);
        if (kd_backend_key_get(app->b, k->id, &full, &err) == 0) {
            kd_key_free(&m->orig);
            kd_key_copy(&m->orig, &full);
        }
        kd_key_free(&full);
        k = &m->orig;
        f->fields[F_API].hidden = true;
    }
    kd_form_add_text(f, "name", KD_FIELD_TEXT, false, k ? k->name : NULL);
    kd_form_add_text(f, "prefix", KD_FIELD_TEXT, false, k ? k->prefix : prefix);
    snprintf(num, sizeof num, "%d", k ? k->byte_length : bytes);
    kd_form_add_text(f, "byte length", KD_FIELD_NUMBER, true, num);
    kd_form_add_text(f, "external id", KD_FIELD_TEXT, false, k ? k->external_id : NULL);
    kd_form_add_text(f, "environment", KD_FIELD_TEXT, false, k ? k->environment : NULL);
    kd_form_add_text(f, "meta", KD_FIELD_TEXT, false, k ? k->meta_json : NULL);
    struct kd_strlist roles = {0}, perms = {0};
    kd_rbac_load_names(app, &roles, &perms);
    kd_form_add_pick(f, "roles", &roles, k ? &k->roles : NULL);
    kd_form_add_pick(f, "permissions", &perms, k ? &k->permissions : NULL);
    kd_strlist_clear(&roles);
    kd_strlist_clear(&perms);
    char iso[40] = "";
    if (k && k->expires)
        kd_time_format_iso(k->expires, iso, sizeof iso);
    kd_form_add_text(f, "expires", KD_FIELD_TEXT, false, iso);
    num[0] = '\0';
    if (k && k->credits.limited)
        snprintf(num, sizeof num, "%lld", (long long)k->credits.remaining);
    kd_form_add_text(f, "credits", KD_FIELD_TEXT, false, k ? (num[0] ? num : "unlimited") : "");
    kd_form_add_choice(f, "refill", refill_choices, 4, k ? (int)k->credits.refill.interval : 0);
    num[0] = '\0';
    if (k && k->credits.refill.refill_day)
        snprintf(num, sizeof num, "%d", k->credits.refill.refill_day);
    kd_form_add_text(f, "refill day", KD_FIELD_NUMBER, true, num);
    char every[32] = "";
    if (k && k->credits.refill.every_ms)
        kd_duration_format(k->credits.refill.every_ms, every, sizeof every);
    kd_form_add_text(f, "refill every", KD_FIELD_TEXT, true, every);
    num[0] = '\0';
    if (k && k->credits.refill.amount)
        snprintf(num, sizeof num, "%lld", (long long)k->credits.refill.amount);
    kd_form_add_text(f, "refill amount", KD_FIELD_NUMBER, true, num);
    char rl[2048] = "";
    if (k)
        kd_keyform_ratelimits_text(k, rl, sizeof rl);
    kd_form_add_text(f, "rate limits", KD_FIELD_TEXT, false, rl);
    kd_form_add_toggle(f, "enabled", k ? k->enabled : true);
    kd_form_add_toggle(f, "recoverable", k ? k->recoverable : false);
    if (k) /* fixed at creation: no update can change them */
        f->fields[F_PREFIX].hidden = f->fields[F_BYTES].hidden =
            f->fields[F_RECOVERABLE].hidden = true;
    kd_api_page_free(&ap);
    f->focus = k ? F_NAME : F_API;
    kd_keyform_changed(m, f, 0);
    kd_form_validate_all(f, false);
    m->stage = ST_FORM;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? kd_xstrdup(s) : NULL;
}

/* The form's values -> m->spec (the form is valid). */
static void build_spec(struct kd_mutate *m)
{
    struct kd_form *f = &m->form;
    struct kd_key *k = &m->spec;
    kd_key_free(k);
    kd_key_init(k);
    if (m->api_ids.len)
        k->api_id = kd_xstrdup(m->api_ids.items[f->fields[F_API].choice]);
    k->name = dup_or_null(kd_form_text(f, F_NAME));
    k->prefix = dup_or_null(kd_form_text(f, F_PREFIX));
    int64_t v = 0;
    kd_keyform_parse_int(kd_form_text(f, F_BYTES), &v);
    k->byte_length = (int)v;
    k->external_id = dup_or_null(kd_form_text(f, F_EXTID));
    k->environment = dup_or_null(kd_form_text(f, F_ENV));
    k->meta_json = dup_or_null(kd_form_text(f, F_META));
    kd_form_picked(f, F_ROLES, &k->roles);
    kd_form_picked(f, F_PERMS, &k->permissions);
    struct kd_error err;
    if (*kd_form_text(f, F_EXPIRES))
        kd_time_parse(kd_form_text(f, F_EXPIRES), kd_now_ms(), &k->expires, &err);
    char msg[KD_FORM_MSG_MAX];
    kd_keyform_credits(f, &k->credits);
    if (*kd_form_text(f, F_RATELIMITS))
        kd_keyform_parse_ratelimits(kd_form_text(f, F_RATELIMITS), k, msg, sizeof msg);
    k->enabled = f->fields[F_ENABLED].on;
    k->recoverable = f->fields[F_RECOVERABLE].on;
}

static bool str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool list_eq(const struct kd_strlist *a, const struct kd_strlist *b)
{
    if (a->len != b->len)
        return false;
    for (size_t i = 0; i < a->len; i++)
        if (!kd_strlist_contains(b, a->items[i]))
            return false;
    return true;
}

static bool rl_eq(const struct kd_key *a, const struct kd_key *b)
{
    if (a->n_ratelimits != b->n_ratelimits)
        return false;
    for (size_t i = 0; i < a->n_ratelimits; i++) {
        const struct kd_ratelimit *x = &a->ratelimits[i], *y = &b->ratelimits[i];
        if (!str_eq(x->name, y->name) || x->limit != y->limit ||
            x->duration_ms != y->duration_ms || x->auto_apply != y->auto_apply)
            return false;
    }
    return true;
}

static bool credits_eq(const struct kd_credits *a, const struct kd_credits *b)
{
    return a->limited == b->limited && (!a->limited || a->remaining == b->remaining) &&
           a->refill.interval == b->refill.interval &&
           (a->refill.interval == KD_REFILL_NONE ||
            (a->refill.amount == b->refill.amount &&
             (a->refill.interval != KD_REFILL_MONTHLY ||
              a->refill.refill_day == b->refill.refill_day) &&
             (a->refill.interval != KD_REFILL_EVERY ||
              a->refill.every_ms == b->refill.every_ms)));
}

static unsigned changed_fields(const struct kd_key *o, const struct kd_key *n)
{
    unsigned f = 0;
    if (!str_eq(o->name, n->name)) f |= KD_KF_NAME;
    if (!str_eq(o->external_id, n->external_id)) f |= KD_KF_EXTERNAL_ID;
    if (!str_eq(o->meta_json, n->meta_json)) f |= KD_KF_META;
    if (!str_eq(o->environment, n->environment)) f |= KD_KF_ENVIRONMENT;
    if (o->enabled != n->enabled) f |= KD_KF_ENABLED;
    if (o->expires != n->expires) f |= KD_KF_EXPIRES;
    if (!credits_eq(&o->credits, &n->credits)) f |= KD_KF_CREDITS;
    if (!rl_eq(o, n)) f |= KD_KF_RATELIMITS;
    if (!list_eq(&o->roles, &n->roles)) f |= KD_KF_ROLES;
    if (!list_eq(&o->permissions, &n->permissions)) f |= KD_KF_PERMISSIONS;
    return f;
}

static void describe_credits(const struct kd_credits *c, char *buf, size_t len)
{
    if (!c->limited) {
        snprintf(buf, len, "unlimited");
        return;
    }
    size_t u = (size_t)snprintf(buf, len, "%lld", (long long)c->remaining);
    if (u >= len)
        return;
    switch (c->refill.interval) {
    case KD_REFILL_DAILY: snprintf(buf + u, len - u, ", refill %lld daily", (long long)c->refill.amount); break;
    case KD_REFILL_MONTHLY:
        snprintf(buf + u, len - u, ", refill %lld monthly on day %d", (long long)c->refill.amount,
                 c->refill.refill_day);
        break;
    case KD_REFILL_EVERY: {
        char d[32];
        kd_duration_format(c->refill.every_ms, d, sizeof d);
        snprintf(buf + u, len - u, ", refill %lld every %s", (long long)c->refill.amount, d);
        break;
    }
    default: break;
    }
}

/* The summary dialog: what will be created, or which fields change. */
static void summary(struct kd_mutate *m)
{
    struct kd_key *k = &m->spec;
    kd_strlist_clear(&m->lines);
    unsigned f = m->kind == K_EDIT ? m->fields : ~0u;
    if (m->kind == K_CREATE) {
        snprintf(m->title, sizeof m->title, "Create this key?");
        line(m, "API          %s", m->api_names.len ? m->api_names.items[m->form.fields[F_API].choice] : "?");
        line(m, "prefix       %s (%d bytes)", k->prefix ? k->prefix : "(none)", k->byte_length);
    } else {
        snprintf(m->title, sizeof m->title, "Change %s?", m->key_name);
        if (!f)
            line(m, "nothing changed");
    }
    if (f & KD_KF_NAME) line(m, "name         %s", k->name ? k->name : "(none)");
    if (f & KD_KF_EXTERNAL_ID) line(m, "external id  %s", k->external_id ? k->external_id : "(none)");
    if (f & KD_KF_ENVIRONMENT) line(m, "environment  %s", k->environment ? k->environment : "(none)");
    if (f & KD_KF_META) line(m, "meta         %s", k->meta_json ? k->meta_json : "(none)");
    if (f & KD_KF_ROLES) {
        char *j = kd_strlist_join(&k->roles, ", ");
        line(m, "roles        %s", *j ? j : "(none)");
        free(j);
    }
    if (f & KD_KF_PERMISSIONS) {
        char *j = kd_strlist_join(&k->permissions, ", ");
        line(m, "permissions  %s", *j ? j : "(none)");
        free(j);
    }
    if (f & KD_KF_EXPIRES) {
        char iso[40] = "never";
        if (k->expires)
            kd_time_format_iso(k->expires, iso, sizeof iso);
        line(m, "expires      %s", iso);
    }
    if (f & KD_KF_CREDITS) {
        char c[160];
        describe_credits(&k->credits, c, sizeof c);
        line(m, "credits      %s", c);
    }
    if (f & KD_KF_RATELIMITS) {
        if (!k->n_ratelimits)
            line(m, "rate limits  (none)");
        for (size_t i = 0; i < k->n_ratelimits; i++) {
            char d[32];
            kd_duration_format(k->ratelimits[i].duration_ms, d, sizeof d);
            line(m, "rate limit   %s %lld per %s%s", k->ratelimits[i].name,
                 (long long)k->ratelimits[i].limit, d, k->ratelimits[i].auto_apply ? " (auto)" : "");
        }
    }
    if (f & KD_KF_ENABLED) line(m, "enabled      %s", k->enabled ? "yes" : "no");
    if (m->kind == K_CREATE)
        line(m, "recoverable  %s", k->recoverable ? "yes" : "no");
    m->stage = ST_CONFIRM;
}

/* Put the new key in the keys list and select it. */
static void select_key(struct kd_app *app, const char *key_id)
{
    kd_app_refresh(app);
    int h = kd_app_list_height(app, KD_PANE_KEYS);
    for (size_t i = 0; i < kd_vlist_count(&app->keys); i++) {
        const struct kd_key *k = kd_vlist_row(&app->keys, i);
        if (k && strcmp(k->id, key_id) == 0) {
            kd_vlist_first(&app->keys, h);
            kd_vlist_move(&app->keys, (long)i, h);
            break;
        }
    }
    app->focus = KD_PANE_KEYS;
}

static void show_secret(struct kd_app *app, const char *what)
{
    struct kd_mutate *m = app->mut;
    kd_strlist_clear(&m->lines);
    snprintf(m->title, sizeof m->title, "%s", what);
    line(m, "%s", "");
    line(m, m->secret_recoverable ? "Keep it safe. It is recoverable from the vault."
                                  : "Copy it now: it will not be shown again.");
    line(m, "%s", "y copies it (OSC 52); Enter or Esc closes and forgets it.");
    m->stage = ST_SECRET;
}

static void do_create(struct kd_app *app)
{
    struct kd_mutate *m = app->mut;
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_backend_key_create(app->b, &m->spec, &m->secret, &err) != 0) {
        /* Back to the form, so nothing typed is lost. */
        m->stage = ST_FORM;
        report(app, &err);
        return;
    }
    char name[300];
    snprintf(name, sizeof name, "%s", m->spec.name ? m->spec.name : "unnamed");
    m->secret_recoverable = m->spec.recoverable;
    select_key(app, m->secret.key_id);
    show_secret(app, "New key");
    kd_app_message(app, KD_TE_MSG_SUCCESS, "created %s (%s)", m->secret.key_id, name);
}

static void do_edit(struct kd_app *app)
{
    struct kd_mutate *m = app->mut;
    struct kd_key_update u;
    memset(&u, 0, sizeof u);
    u.fields = m->fields;
    u.values = m->spec; /* shallow: spec keeps ownership */
    struct kd_error err;
    kd_error_clear(&err);
    if (!m->fields) {
        close_all(app);
        kd_app_message(app, KD_TE_MSG_INFO, "nothing changed");
        return;
    }
    if (kd_backend_key_update(app->b, m->key_id, &u, &err) != 0) {
        m->stage = ST_FORM;
        report(app, &err);
        return;
    }
    char *id = kd_xstrdup(m->key_id), *name = kd_xstrdup(m->key_name);
    close_all(app);
    select_key(app, id);
    kd_app_message(app, KD_TE_MSG_SUCCESS, "updated %s", name);
    free(id);
    free(name);
}

/* ---- delete, reroll, credits ---- */

static int typed_name_validate(void *ctx, struct kd_form *f, size_t i, char *msg, size_t len)
{
    struct kd_mutate *m = ctx;
    if (strcmp(kd_form_text(f, i), m->key_name) != 0) {
        snprintf(msg, len, "type \"%s\" to delete it for good", m->key_name);
        return -1;
    }
    return 0;
}

static int grace_validate(void *ctx, struct kd_form *f, size_t i, char *msg, size_t len)
{
    (void)ctx;
    int64_t ms;
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_duration_parse(kd_form_text(f, i), &ms, &err) != 0) {
        snprintf(msg, len, "%s", err.message);
        return -1;
    }
    return 0;
}

static int credits_validate(void *ctx, struct kd_form *f, size_t i, char *msg, size_t len)
{
    (void)ctx;
    int64_t v;
    if (i != 1 || f->fields[0].choice == 3)
        return 0;
    if (!kd_keyform_parse_int(kd_form_text(f, 1), &v) || v < 0) {
        snprintf(msg, len, "amount: a whole number >= 0");
        return -1;
    }
    return 0;
}

static void credits_changed(void *ctx, struct kd_form *f, size_t i)
{
    (void)ctx;
    (void)i;
    f->fields[1].hidden = f->fields[0].choice == 3;
}

static void do_delete(struct kd_app *app)
{
    struct kd_mutate *m = app->mut;
    struct kd_error err;
    kd_error_clear(&err);
    char *name = kd_xstrdup(m->key_name);
    bool perm = m->permanent;
    int rc = kd_backend_key_delete(app->b, m->key_id, perm, &err);
    close_all(app);
    if (rc != 0)
        report(app, &err);
    else {
        kd_app_refresh(app);
        kd_app_message(app, KD_TE_MSG_SUCCESS, "deleted %s%s", name, perm ? " permanently" : "");
    }
    free(name);
}

static void do_reroll(struct kd_app *app)
{
    struct kd_mutate *m = app->mut;
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_backend_key_reroll(app->b, m->key_id, m->grace_ms, &m->secret, &err) != 0) {
        close_all(app);
        report(app, &err);
        return;
    }
    char g[32];
    kd_duration_format(m->grace_ms, g, sizeof g);
    m->secret_recoverable = m->orig.recoverable;
    char name[300];
    snprintf(name, sizeof name, "%s", m->key_name);
    select_key(app, m->secret.key_id);
    show_secret(app, "Rerolled key");
    kd_app_message(app, KD_TE_MSG_SUCCESS, "rerolled %s: new %s, old key valid for %s", name,
                   m->secret.key_id, g);
}

static void do_credits(struct kd_app *app)
{
    struct kd_mutate *m = app->mut;
    int op = m->form.fields[0].choice;
    int64_t v = 0;
    kd_keyform_parse_int(kd_form_text(&m->form, 1), &v);
    struct kd_credits out;
    memset(&out, 0, sizeof out);
    struct kd_error err;
    kd_error_clear(&err);
    enum kd_credit_op cop = op == 1 ? KD_CREDITS_INCREMENT
                            : op == 2 ? KD_CREDITS_DECREMENT
                                      : KD_CREDITS_SET;
    char *id = kd_xstrdup(m->key_id), *name = kd_xstrdup(m->key_name);
    int rc = kd_backend_key_credits(app->b, id, cop, op == 3, v, &out, &err);
    close_all(app);
    if (rc != 0)
        report(app, &err);
    else {
        select_key(app, id);
        if (out.limited)
            kd_app_message(app, KD_TE_MSG_SUCCESS, "%s: %lld credits left", name,
                           (long long)out.remaining);
        else
            kd_app_message(app, KD_TE_MSG_SUCCESS, "%s: unlimited credits", name);
    }
    free(id);
    free(name);
}

/* ---- reveal a recoverable key ---- */

/* Asked first: the plaintext leaves the vault, and that is written to the log. */
static void start_reveal(struct kd_app *app, const struct kd_key *k)
{
    const char *name = k->name ? k->name : k->id;
    if (!(app->caps & KD_CAP_REVEAL)) {
        kd_app_message(app, KD_TE_MSG_WARNING, "this backend cannot reveal keys");
        return;
    }
    if (!k->recoverable) {
        kd_app_message(app, KD_TE_MSG_WARNING,
                       "%s is not recoverable: its plaintext was never stored", name);
        return;
    }
    struct kd_mutate *m = begin(app, K_REVEAL);
    m->key_id = kd_xstrdup(k->id);
    m->key_name = kd_xstrdup(name);
    snprintf(m->title, sizeof m->title, "Reveal key %s?", name);
    line(m, "Reveal the plaintext of %s? It will be shown once,", name);
    line(m, "%s", "here only, and the reveal is written to the audit log.");
    line(m, "%s", "");
    line(m, "%s", "y  reveal it");
    line(m, "%s", "n  keep it hidden");
    m->stage = ST_CONFIRM;
    kd_app_dirty_all(app);
}

static void do_reveal(struct kd_app *app)
{
    struct kd_mutate *m = app->mut;
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_backend_key_reveal(app->b, m->key_id, &m->secret, &err) != 0) {
        close_all(app);
        report(app, &err);
        return;
    }
    m->secret_recoverable = true;
    show_secret(app, "Revealed key");
    kd_app_message(app, KD_TE_MSG_SUCCESS, "revealed %s", m->key_name);
}

/* ---- the session API for other modules (mutate.h) ---- */

/* The module's session: the open one (its own, e.g. a question after its
 * form), or a new one. */
static struct kd_mutate *module_session(struct kd_app *app, const struct kd_mutate_ops *ops,
                                        void *ctx)
{
    struct kd_mutate *m = app->mut;
    if (!m) {
        m = begin(app, K_MODULE);
        m->ops = ops;
        m->ops_ctx = ctx;
    }
    return m;
}

struct kd_form *kd_mutate_open_form(struct kd_app *app, const struct kd_mutate_ops *ops,
                                    void *ctx, const char *title, kd_form_validate_fn validate,
                                    kd_form_changed_fn changed)
{
    struct kd_mutate *m = module_session(app, ops, ctx);
    kd_form_free(&m->form);
    kd_form_init(&m->form, title, validate, changed, ctx);
    m->stage = ST_FORM;
    kd_app_dirty_all(app);
    return &m->form;
}

void kd_mutate_ask(struct kd_app *app, const struct kd_mutate_ops *ops, void *ctx,
                   const char *title, const struct kd_strlist *lines)
{
    struct kd_mutate *m = module_session(app, ops, ctx);
    kd_strlist_clear(&m->lines);
    for (size_t i = 0; lines && i < lines->len; i++)
        kd_strlist_push(&m->lines, lines->items[i]);
    snprintf(m->title, sizeof m->title, "%s", title);
    m->stage = ST_CONFIRM;
    kd_app_dirty_all(app);
}

/* ---- APIs: create, delete ---- */

enum { A_NAME, A_PREFIX, A_BYTES };

static int api_validate(void *ctx, struct kd_form *f, size_t i, char *msg, size_t len)
{
    (void)ctx;
    const char *s = kd_form_text(f, i);
    struct kd_error err;
    kd_error_clear(&err);
    int64_t v;
    int rc = 0;
    switch (i) {
    case A_NAME: rc = kd_validate_api_name(s, &err); break;
    case A_PREFIX: rc = kd_validate_prefix(s, &err); break;
    case A_BYTES:
        if (!kd_keyform_parse_int(s, &v)) {
            snprintf(msg, len, "byte length: a number 16-255");
            return -1;
        }
        rc = kd_validate_byte_length(kd_keyform_narrow(v), &err);
        break;
    default: break;
    }
    if (rc != 0)
        snprintf(msg, len, "%.150s", err.message);
    return rc;
}

static void do_api_new(struct kd_app *app)
{
    struct kd_mutate *m = app->mut;
    struct kd_api spec, out;
    memset(&spec, 0, sizeof spec);
    memset(&out, 0, sizeof out);
    spec.name = (char *)kd_form_text(&m->form, A_NAME);
    spec.default_prefix = *kd_form_text(&m->form, A_PREFIX) ? (char *)kd_form_text(&m->form, A_PREFIX)
                                                           : NULL;
    int64_t v = 16;
    kd_keyform_parse_int(kd_form_text(&m->form, A_BYTES), &v);
    spec.default_byte_length = (int)v;
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_backend_api_create(app->b, &spec, &out, &err) != 0) {
        report(app, &err); /* the form stays open: nothing typed is lost */
        return;
    }
    close_all(app);
    kd_app_refresh(app);
    kd_app_message(app, KD_TE_MSG_SUCCESS, "created %s (%s)", out.id, out.name);
    kd_api_free(&out);
}

static void do_api_delete(struct kd_app *app)
{
    struct kd_mutate *m = app->mut;
    struct kd_error err;
    kd_error_clear(&err);
    char *name = kd_xstrdup(m->key_name);
    int rc = kd_backend_api_delete(app->b, m->key_id, &err);
    close_all(app);
    if (rc != 0)
        report(app, &err);
    else {
        kd_vlist_first(&app->apis, kd_app_list_height(app, KD_PANE_APIS));
        kd_app_refresh(app);
        kd_app_message(app, KD_TE_MSG_SUCCESS, "deleted API %s", name);
    }
    free(name);
}

static void start_api(struct kd_app *app, enum kd_action a)
{
    if (app->view != KD_VIEW_MAIN) {
        kd_app_message(app, KD_TE_MSG_WARNING, "APIs are managed in the main view");
        return;
    }
    if (a == KD_ACT_NEW_API) {
        struct kd_mutate *m = begin(app, K_API_NEW);
        kd_form_init(&m->form, "New API", api_validate, NULL, m);
        kd_form_add_text(&m->form, "name", KD_FIELD_TEXT, true, "");
        kd_form_add_text(&m->form, "default prefix", KD_FIELD_TEXT, false, "");
        kd_form_add_text(&m->form, "key byte length", KD_FIELD_NUMBER, true, "16");
        kd_form_validate_all(&m->form, false);
        m->stage = ST_FORM;
        kd_app_dirty_all(app);
        return;
    }
    const struct kd_api *api = app->focus == KD_PANE_APIS ? kd_vlist_selected(&app->apis) : NULL;
    if (!api) {
        kd_app_message(app, KD_TE_MSG_WARNING, "select an API in the APIs pane first");
        return;
    }
    struct kd_mutate *m = begin(app, K_API_DELETE);
    m->key_id = kd_xstrdup(api->id);
    m->key_name = kd_xstrdup(api->name);
    char t[300];
    snprintf(t, sizeof t, "Delete API %s and its keys", api->name);
    kd_form_init(&m->form, t, typed_name_validate, NULL, m);
    size_t i = kd_form_add_text(&m->form, "type its name", KD_FIELD_TEXT, true, "");
    snprintf(m->form.fields[i].note, KD_FORM_MSG_MAX, "permanent: %lld keys go with it",
             (long long)api->key_count);
    kd_form_validate_all(&m->form, false);
    m->stage = ST_FORM;
    kd_app_dirty_all(app);
}

void kd_mutate_start(struct kd_app *app, enum kd_action a)
{
    if (app->mut)
        return;
    switch (a) {
    case KD_ACT_NEW_ROLE:
    case KD_ACT_DELETE_ROLE:
    case KD_ACT_ROLE_PERMISSIONS:
    case KD_ACT_NEW_PERMISSION:
    case KD_ACT_DELETE_PERMISSION: kd_mutate_rbac_start(app, a); return;
    default: break;
    }
    if (a == KD_ACT_NEW_API || a == KD_ACT_DELETE_API) {
        start_api(app, a);
        return;
    }
    if (a == KD_ACT_NEW_KEY) {
        if (app->view != KD_VIEW_MAIN || !app->keys_api_id) {
            kd_app_message(app, KD_TE_MSG_WARNING, "select an API first");
            return;
        }
        open_key_form(app, NULL);
        kd_app_dirty_all(app);
        return;
    }
    const struct kd_key *k = selected_key(app);
    if (!k) {
        kd_app_message(app, KD_TE_MSG_WARNING, "select a key first");
        return;
    }
    if (a == KD_ACT_REVEAL_KEY) {
        start_reveal(app, k);
        return;
    }
    if (a == KD_ACT_EDIT_KEY) {
        open_key_form(app, k);
        app->mut->key_id = kd_xstrdup(k->id);
        app->mut->key_name = kd_xstrdup(k->name ? k->name : k->id);
        kd_app_dirty_all(app);
        return;
    }
    struct kd_mutate *m = begin(app, K_DELETE);
    m->key_id = kd_xstrdup(k->id);
    m->key_name = kd_xstrdup(k->name ? k->name : k->id);
    kd_key_copy(&m->orig, k);
    switch (a) {
    case KD_ACT_DELETE_KEY:
        snprintf(m->title, sizeof m->title, "Delete key %s?", m->key_name);
        line(m, "y  delete it (it stops verifying; the record is kept)");
        line(m, "P  delete it permanently (asks you to type its name)");
        line(m, "n  keep it");
        m->stage = ST_CONFIRM;
        break;
    case KD_ACT_REROLL_KEY: {
        m->kind = K_REROLL;
        char t[128];
        snprintf(t, sizeof t, "Reroll %s", m->key_name);
        kd_form_init(&m->form, t, grace_validate, NULL, m);
        size_t g = kd_form_add_text(&m->form, "old key valid for", KD_FIELD_TEXT, true, "0");
        snprintf(m->form.fields[g].note, KD_FORM_MSG_MAX, "0, 1h, 24h: the old key's grace");
        kd_form_validate_all(&m->form, false);
        m->stage = ST_FORM;
        break;
    }
    case KD_ACT_CREDITS_KEY: {
        m->kind = K_CREDITS;
        char t[128];
        snprintf(t, sizeof t, "Credits of %s", m->key_name);
        kd_form_init(&m->form, t, credits_validate, credits_changed, m);
        kd_form_add_choice(&m->form, "operation", credit_choices, 4, 0);
        kd_form_add_text(&m->form, "amount", KD_FIELD_NUMBER, true, "");
        credits_changed(m, &m->form, 0);
        kd_form_validate_all(&m->form, false);
        m->stage = ST_FORM;
        break;
    }
    default: close_all(app); return;
    }
    kd_app_dirty_all(app);
}

static void form_submitted(struct kd_app *app)
{
    struct kd_mutate *m = app->mut;
    switch (m->kind) {
    case K_CREATE:
        build_spec(m);
        summary(m);
        break;
    case K_EDIT:
        build_spec(m);
        m->fields = changed_fields(&m->orig, &m->spec);
        summary(m);
        break;
    case K_DELETE_NAME:
        m->permanent = true;
        do_delete(app);
        break;
    case K_REROLL: {
        struct kd_error err;
        kd_duration_parse(kd_form_text(&m->form, 0), &m->grace_ms, &err);
        do_reroll(app);
        break;
    }
    case K_CREDITS: do_credits(app); break;
    case K_API_NEW: do_api_new(app); break;
    case K_API_DELETE: do_api_delete(app); break;
    case K_MODULE: m->ops->submitted(app, &m->form, m->ops_ctx); break;
    default: break;
    }
}

static void confirm_key(struct kd_app *app, int key)
{
    struct kd_mutate *m = app->mut;
    bool yes = key == 'y' || key == 'Y', no = key == 'n' || key == KD_KEY_ESC;
    if (m->kind == K_REVEAL) {
        if (yes)
            do_reveal(app);
        else if (no) {
            close_all(app);
            kd_app_message(app, KD_TE_MSG_INFO, "kept the key hidden");
        }
        return;
    }
    if (m->kind == K_MODULE) {
        if (yes)
            m->ops->confirmed(app, m->ops_ctx);
        else if (no && m->form.n)
            m->stage = ST_FORM; /* back to the form to change something */
        else if (no) {
            close_all(app);
            kd_app_message(app, KD_TE_MSG_INFO, "cancelled");
        }
        return;
    }
    if (m->kind == K_DELETE) {
        if (key == 'y' || key == 'Y') {
            m->permanent = false;
            do_delete(app);
        } else if (key == 'P') {
            m->kind = K_DELETE_NAME;
            char t[128];
            snprintf(t, sizeof t, "Delete %s permanently", m->key_name);
            kd_form_init(&m->form, t, typed_name_validate, NULL, m);
            kd_form_add_text(&m->form, "type its name", KD_FIELD_TEXT, true, "");
            m->stage = ST_FORM;
        } else if (key == 'n' || key == KD_KEY_ESC) {
            close_all(app);
            kd_app_message(app, KD_TE_MSG_INFO, "kept %s", "the key");
        }
        return;
    }
    if (key == 'y' || key == 'Y') {
        if (m->kind == K_CREATE)
            do_create(app);
        else
            do_edit(app);
    } else if (key == 'n' || key == KD_KEY_ESC) {
        m->stage = ST_FORM; /* back to the form to change something */
    }
}

void kd_mutate_key(struct kd_app *app, int key)
{
    struct kd_mutate *m = app->mut;
    key = kd_key_normalize(key);
    kd_app_dirty_all(app);
    switch (m->stage) {
    case ST_RL:
    case ST_RL_ADD: kd_rledit_key(app, key); break;
    case ST_FORM:
        /* Enter on the rate limits opens their row editor. */
        if ((m->kind == K_CREATE || m->kind == K_EDIT) && key == KD_KEY_ENTER_CR &&
            m->form.focus == F_RATELIMITS && !m->form.confirm_discard) {
            kd_rledit_open(m);
            break;
        }
        switch (kd_form_key(&m->form, key)) {
        case KD_FORM_CANCEL:
            close_all(app);
            kd_app_message(app, KD_TE_MSG_INFO, "cancelled");
            break;
        case KD_FORM_REFUSED:
            kd_app_message(app, KD_TE_MSG_ERROR, "%s: %s", m->form.fields[m->form.focus].label,
                           m->form.fields[m->form.focus].msg);
            break;
        case KD_FORM_SUBMIT: form_submitted(app); break;
        default: break;
        }
        break;
    case ST_CONFIRM: confirm_key(app, key); break;
    case ST_SECRET:
        if (key == 'y') {
            kd_app_osc52(app, m->secret.plaintext);
            kd_app_message(app, KD_TE_MSG_SUCCESS, "copied the key (OSC 52)");
        } else if (key == KD_KEY_ENTER_CR || key == KD_KEY_ESC || key == 'q') {
            close_all(app);
        }
        break;
    default: break;
    }
}

const char *kd_mutate_hint(const struct kd_app *app)
{
    const struct kd_mutate *m = app->mut;
    if (!m)
        return "";
    switch (m->stage) {
    case ST_FORM:
        return m->form.confirm_discard ? "y discard  n keep editing"
               : m->form.picking       ? "Space tick  Up/Down move  Enter done"
                                       : "Tab next  S-Tab prev  Ctrl-S submit  Esc cancel";
    case ST_CONFIRM:
        return m->kind == K_DELETE                 ? "y delete  P delete permanently  n keep"
               : m->kind == K_REVEAL               ? "y reveal  n keep it hidden"
               : m->kind == K_MODULE && !m->form.n ? "y confirm  n cancel"
                                                   : "y confirm  n back to the form";
    case ST_SECRET: return "y copy  Enter/Esc close (the key is then forgotten)";
    case ST_RL: return "a add  d remove  j/k move  Enter done";
    case ST_RL_ADD: return "Tab next  Ctrl-S or Enter on the last field adds  Esc cancel";
    default: return "";
    }
}

static struct kd_rect dialog_rect(struct kd_app *app, int want_h, int want_w)
{
    int top = app->rects[KD_AREA_STATUS].y + app->rects[KD_AREA_STATUS].h;
    int bottom = app->rects[KD_AREA_HINT].y;
    int h = want_h < bottom - top ? want_h : bottom - top;
    int w = want_w < app->cols - 2 ? want_w : app->cols - 2;
    return (struct kd_rect){(app->cols - w) / 2, top + (bottom - top - h) / 2, w, h};
}

void kd_mutate_draw(struct kd_app *app)
{
    struct kd_mutate *m = app->mut;
    if (!m)
        return;
    if (m->stage == ST_RL_ADD) {
        kd_form_draw(&m->rl_form, dialog_rect(app, 8, 90));
        return;
    }
    if (m->stage == ST_RL) {
        struct kd_key *k = &m->rl;
        struct kd_rect r = dialog_rect(app, (int)k->n_ratelimits + 4, 60);
        kd_draw_fill(r, KD_TE_DIALOG);
        kd_draw_frame(r, "Rate limits", true);
        if (!k->n_ratelimits)
            kd_draw_text(r.y + 1, r.x + 2, r.w - 4, KD_TE_MUTED, "(none: a adds one)");
        for (size_t i = 0; i < k->n_ratelimits && (int)i < r.h - 3; i++) {
            char d[32], row[256];
            kd_duration_format(k->ratelimits[i].duration_ms, d, sizeof d);
            snprintf(row, sizeof row, "%s %-20s %6lld per %-6s %s", i == m->rl_sel ? ">" : " ",
                     k->ratelimits[i].name, (long long)k->ratelimits[i].limit, d,
                     k->ratelimits[i].auto_apply ? "auto-apply" : "");
            kd_draw_text_pad(r.y + 1 + (int)i, r.x + 1, r.w - 2,
                             i == m->rl_sel ? KD_TE_LIST_ROW_SELECTED : KD_TE_DIALOG, row);
        }
        kd_draw_text(r.y + r.h - 2, r.x + 2, r.w - 4, KD_TE_FORM_HINT,
                     "a add  d remove  Enter done");
        return;
    }
    if (m->stage == ST_FORM) {
        int n = 0;
        for (size_t i = 0; i < m->form.n; i++)
            n += !m->form.fields[i].hidden;
        kd_form_draw(&m->form, dialog_rect(app, n + 3 < 8 ? 8 : n + 3, app->cols - 2));
        return;
    }
    int extra = m->stage == ST_SECRET ? 2 : 1;
    struct kd_rect r = dialog_rect(app, (int)m->lines.len + 3 + extra, 76);
    kd_draw_fill(r, KD_TE_DIALOG);
    kd_draw_frame(r, m->title, true);
    int y = r.y + 1;
    kd_draw_secret_clear();
    if (m->stage == ST_SECRET && m->secret.plaintext) {
        kd_draw_text(y, r.x + 2, r.w - 4, KD_TE_DIALOG, m->secret.key_id);
        y++;
        kd_draw_text(y, r.x + 2, r.w - 4, KD_TE_SECRET_MASKED, m->secret.plaintext);
        /* The whole row: a dump must not even tell the key's length. */
        kd_draw_secret_add(y, r.x + 2, r.w - 4);
        y++;
    }
    for (size_t i = 0; i < m->lines.len && y < r.y + r.h - 2; i++, y++)
        kd_draw_text(y, r.x + 2, r.w - 4, KD_TE_DIALOG, m->lines.items[i]);
    /* Delete and reveal list their answers in the text already. */
    if (m->stage == ST_CONFIRM && m->kind != K_DELETE && m->kind != K_REVEAL)
        kd_draw_text(r.y + r.h - 2, r.x + 2, r.w - 4, KD_TE_FORM_HINT,
                     m->kind == K_MODULE && !m->form.n ? "y confirm   n/Esc cancel"
                                                       : "y confirm   n/Esc back to the form");
}
