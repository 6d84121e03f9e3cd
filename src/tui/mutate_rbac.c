/*
 * mutate_rbac.c — roles and permissions from the keyboard: create and delete
 * both, set a role's permissions with the key form's picker, and the pickers'
 * explicit "create permission" entry.  It runs in the mutation session of
 * mutate.h, reaches data only through the backend, and checks fields with
 * validate.h as they are typed, so a form refuses what the engine would.
 */
#include "tui/mutate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/validate.h"
#include "util/xalloc.h"

enum rbac_kind { R_ROLE_NEW, R_ROLE_DELETE, R_ROLE_PERMS, R_PERM_NEW, R_PERM_DELETE };

/* Fields of the role form, the set-permissions form and the permission form. */
enum { RF_NAME, RF_DESC, RF_PERMS };
enum { SP_PERMS };
enum { PF_SLUG, PF_NAME, PF_DESC };

/* How many changed slugs the set-permissions preview lists before "… more". */
#define PREVIEW_MAX 8
/* A bound on loading the pickers' options, should a backend's cursor never end. */
#define NAMES_MAX 100000

struct rbac_op {
    struct kd_app *app;
    enum rbac_kind kind;
    char *id, *name;          /* the selected role or permission */
    struct kd_strlist before; /* set-permissions: what the role had */
    struct kd_strlist after;  /* set-permissions: what the picker says */
};

static void op_free(void *ctx)
{
    struct rbac_op *op = ctx;
    free(op->id);
    free(op->name);
    kd_strlist_clear(&op->before);
    kd_strlist_clear(&op->after);
    free(op);
}

static void op_submitted(struct kd_app *app, struct kd_form *f, void *ctx);
static void op_confirmed(struct kd_app *app, void *ctx);

static const struct kd_mutate_ops rbac_ops = {op_submitted, op_confirmed, op_free};

static struct rbac_op *op_new(struct kd_app *app, enum rbac_kind kind)
{
    struct rbac_op *op = kd_xcalloc(1, sizeof *op);
    op->app = app;
    op->kind = kind;
    return op;
}

/* ---- every role name and permission slug, page by page ---- */

#define LOAD_ALL(fn_name, list_op, page_type, item_field)                                 \
    static int fn_name(struct kd_app *app, struct kd_strlist *out, struct kd_error *err)  \
    {                                                                                     \
        char *cursor = NULL;                                                              \
        int rc;                                                                           \
        do {                                                                              \
            struct kd_list_query q = {.cursor = cursor, .limit = KD_PAGE_LIMIT_DEFAULT};  \
            struct page_type page;                                                        \
            memset(&page, 0, sizeof page);                                                \
            rc = list_op(app->b, &q, &page, err);                                         \
            for (size_t i = 0; rc == 0 && i < page.len; i++)                              \
                kd_strlist_push(out, page.items[i].item_field);                           \
            free(cursor);                                                                 \
            /* An empty page with a cursor would loop for ever: stop there. */            \
            cursor = rc == 0 && page.next_cursor && page.len                              \
                         ? kd_xstrdup(page.next_cursor) : NULL;                           \
            page_type##_free(&page);                                                      \
        } while (cursor && out->len < NAMES_MAX);                                         \
        free(cursor);                                                                     \
        return rc;                                                                        \
    }

LOAD_ALL(load_role_names, kd_backend_role_list, kd_role_page, name)
LOAD_ALL(load_perm_slugs, kd_backend_permission_list, kd_permission_page, slug)

void kd_rbac_load_names(struct kd_app *app, struct kd_strlist *roles, struct kd_strlist *perms)
{
    struct kd_error err;
    kd_error_clear(&err);
    /* A picker with what loaded beats no form; the status bar says what is missing. */
    if ((roles && load_role_names(app, roles, &err) != 0) ||
        (perms && load_perm_slugs(app, perms, &err) != 0))
        kd_app_message(app, KD_TE_MSG_ERROR, "the picker may be incomplete: %s", err.message);
}

/* ---- the pickers' "create permission" entry ---- */

bool kd_rbac_offer_permission(const char *text, char *label, size_t len)
{
    struct kd_error err;
    kd_error_clear(&err);
    if (!text || !*text || kd_validate_slug(text, &err) != 0)
        return false;
    snprintf(label, len, "create permission '%s'", text);
    return true;
}

int kd_rbac_create_permission_now(struct kd_app *app, const char *slug)
{
    char why[128];
    /* The forms that offer it do not open read-only; the backend refuses as well. */
    if (!kd_action_allowed(KD_ACT_NEW_PERMISSION, app->readonly, why, sizeof why)) {
        kd_app_message(app, KD_TE_MSG_WARNING, "%s", why);
        return -1;
    }
    struct kd_permission spec, out;
    memset(&spec, 0, sizeof spec);
    memset(&out, 0, sizeof out);
    spec.slug = (char *)slug;
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_backend_permission_create(app->b, &spec, &out, &err) != 0) {
        kd_mutate_report(app, &err);
        return -1;
    }
    kd_app_message(app, KD_TE_MSG_SUCCESS, "created permission %s", out.slug);
    kd_permission_free(&out);
    return 0;
}

static bool rbac_offer(void *ctx, const struct kd_form *f, size_t i, const char *text,
                       char *label, size_t len)
{
    const struct rbac_op *op = ctx;
    (void)f;
    bool picker = (op->kind == R_ROLE_NEW && i == RF_PERMS) ||
                  (op->kind == R_ROLE_PERMS && i == SP_PERMS);
    return picker && kd_rbac_offer_permission(text, label, len);
}

static int rbac_create_option(void *ctx, struct kd_form *f, size_t i, const char *text)
{
    struct rbac_op *op = ctx;
    (void)f;
    (void)i;
    return kd_rbac_create_permission_now(op->app, text);
}

/* ---- validation, as typed ---- */

static int role_validate(void *ctx, struct kd_form *f, size_t i, char *msg, size_t len)
{
    const struct rbac_op *op = ctx;
    const char *s = kd_form_text(f, i);
    struct kd_error err;
    kd_error_clear(&err);
    int rc = 0;
    if (op->kind == R_ROLE_NEW && i == RF_NAME)
        rc = kd_validate_role_name(s, &err);
    else if (op->kind == R_ROLE_NEW && i == RF_DESC && *s)
        rc = kd_validate_description(s, &err);
    if (rc != 0)
        snprintf(msg, len, "%.150s", err.message[0] ? err.message : "invalid");
    return rc;
}

static int perm_validate(void *ctx, struct kd_form *f, size_t i, char *msg, size_t len)
{
    (void)ctx;
    const char *s = kd_form_text(f, i);
    struct kd_error err;
    kd_error_clear(&err);
    int rc = 0;
    switch (i) {
    case PF_SLUG: rc = kd_validate_slug(s, &err); break;
    case PF_NAME: rc = *s ? kd_validate_key_name(s, &err) : 0; break;
    case PF_DESC: rc = *s ? kd_validate_description(s, &err) : 0; break;
    default: break;
    }
    if (rc != 0)
        snprintf(msg, len, "%.150s", err.message[0] ? err.message : "invalid");
    return rc;
}

/* ---- after a change: the list again, the changed row selected ---- */

static void refresh_and_select(struct kd_app *app, enum kd_view view, const char *id)
{
    kd_app_refresh(app);
    if (app->view != view || !app->side_open || !id)
        return;
    int h = kd_app_list_height(app, KD_PANE_APIS);
    for (size_t i = 0; i < kd_vlist_count(&app->side); i++) {
        const void *row = kd_vlist_row(&app->side, i);
        const char *rid = !row                    ? NULL
                          : view == KD_VIEW_ROLES ? ((const struct kd_role *)row)->id
                                                  : ((const struct kd_permission *)row)->id;
        if (rid && strcmp(rid, id) == 0) {
            kd_vlist_first(&app->side, h);
            kd_vlist_move(&app->side, (long)i, h);
            break;
        }
    }
}

/* ---- the forms, submitted ---- */

/* An optional field's text, NULL when left empty (the model's "not set"). */
static char *text_or_null(const struct kd_form *f, size_t i)
{
    const char *t = kd_form_text(f, i);
    return *t ? (char *)t : NULL;
}

static void role_new_submitted(struct kd_app *app, struct kd_form *f)
{
    struct kd_role spec, out;
    memset(&spec, 0, sizeof spec);
    memset(&out, 0, sizeof out);
    spec.name = (char *)kd_form_text(f, RF_NAME);
    spec.description = text_or_null(f, RF_DESC);
    kd_form_picked(f, RF_PERMS, &spec.permissions);
    size_t n = spec.permissions.len;
    struct kd_error err;
    kd_error_clear(&err);
    int rc = kd_backend_role_create(app->b, &spec, &out, &err);
    kd_strlist_clear(&spec.permissions);
    if (rc != 0) {
        kd_mutate_report(app, &err); /* the form stays open: nothing typed is lost */
        return;
    }
    kd_mutate_close(app);
    refresh_and_select(app, KD_VIEW_ROLES, out.id);
    kd_app_message(app, KD_TE_MSG_SUCCESS, "created role %s (%s) with %zu permission%s", out.name,
                   out.id, n, n == 1 ? "" : "s");
    kd_role_free(&out);
}

static void perm_new_submitted(struct kd_app *app, struct kd_form *f)
{
    struct kd_permission spec, out;
    memset(&spec, 0, sizeof spec);
    memset(&out, 0, sizeof out);
    spec.slug = (char *)kd_form_text(f, PF_SLUG);
    spec.name = text_or_null(f, PF_NAME);
    spec.description = text_or_null(f, PF_DESC);
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_backend_permission_create(app->b, &spec, &out, &err) != 0) {
        kd_mutate_report(app, &err);
        return;
    }
    kd_mutate_close(app);
    refresh_and_select(app, KD_VIEW_PERMS, out.id);
    kd_app_message(app, KD_TE_MSG_SUCCESS, "created permission %s (%s)", out.slug, out.id);
    kd_permission_free(&out);
}

/* "grant"/"revoke" lines for the slugs of a that b lacks. */
static size_t preview_lines(struct kd_strlist *lines, const char *verb,
                            const struct kd_strlist *a, const struct kd_strlist *b)
{
    size_t n = 0;
    for (size_t i = 0; i < a->len; i++) {
        if (kd_strlist_contains(b, a->items[i]))
            continue;
        if (n < PREVIEW_MAX) {
            char l[256];
            snprintf(l, sizeof l, "%-7s %s", verb, a->items[i]);
            kd_strlist_push(lines, l);
        }
        n++;
    }
    if (n > PREVIEW_MAX) {
        char l[64];
        snprintf(l, sizeof l, "        … and %zu more to %s", n - PREVIEW_MAX, verb);
        kd_strlist_push(lines, l);
    }
    return n;
}

/* The picker closed: show what changes before anything is sent. */
static void role_perms_submitted(struct kd_app *app, struct kd_form *f, struct rbac_op *op)
{
    kd_strlist_clear(&op->after);
    kd_form_picked(f, SP_PERMS, &op->after);
    struct kd_strlist lines = {0};
    size_t granted = preview_lines(&lines, "grant", &op->after, &op->before);
    size_t revoked = preview_lines(&lines, "revoke", &op->before, &op->after);
    if (!granted && !revoked) {
        kd_strlist_clear(&lines);
        kd_mutate_close(app);
        kd_app_message(app, KD_TE_MSG_INFO, "nothing changed");
        return;
    }
    char l[128], title[160];
    snprintf(l, sizeof l, "%zu permission%s after the change; keys holding the role follow.",
             op->after.len, op->after.len == 1 ? "" : "s");
    kd_strlist_push(&lines, "");
    kd_strlist_push(&lines, l);
    snprintf(title, sizeof title, "Change the permissions of %s?", op->name);
    kd_mutate_ask(app, &rbac_ops, op, title, &lines);
    kd_strlist_clear(&lines);
}

static void op_submitted(struct kd_app *app, struct kd_form *f, void *ctx)
{
    struct rbac_op *op = ctx;
    switch (op->kind) {
    case R_ROLE_NEW: role_new_submitted(app, f); break;
    case R_ROLE_PERMS: role_perms_submitted(app, f, op); break;
    case R_PERM_NEW: perm_new_submitted(app, f); break;
    default: break;
    }
}

/* ---- the questions, answered y ---- */

static void op_confirmed(struct kd_app *app, void *ctx)
{
    struct rbac_op *op = ctx;
    struct kd_error err;
    kd_error_clear(&err);
    /* The session (and op) is gone after kd_mutate_close: keep what the message needs. */
    char *id = kd_xstrdup(op->id), *name = kd_xstrdup(op->name);
    enum rbac_kind kind = op->kind;
    size_t n_after = op->after.len;
    int rc;
    switch (kind) {
    case R_ROLE_DELETE: rc = kd_backend_role_delete(app->b, id, &err); break;
    case R_PERM_DELETE: rc = kd_backend_permission_delete(app->b, id, &err); break;
    case R_ROLE_PERMS:
        rc = kd_backend_role_set_permissions(app->b, id, KD_SET_REPLACE, &op->after, &err);
        break;
    default: rc = -1; break;
    }
    kd_mutate_close(app);
    if (rc != 0) {
        kd_mutate_report(app, &err);
    } else if (kind == R_ROLE_PERMS) {
        refresh_and_select(app, KD_VIEW_ROLES, id);
        kd_app_message(app, KD_TE_MSG_SUCCESS, "role %s now has %zu permission%s", name,
                       n_after, n_after == 1 ? "" : "s");
    } else {
        kd_app_refresh(app);
        kd_app_message(app, KD_TE_MSG_SUCCESS, "deleted %s %s",
                       kind == R_ROLE_DELETE ? "role" : "permission", name);
    }
    free(id);
    free(name);
}

/* ---- starting each action ---- */

static const struct kd_role *selected_role(struct kd_app *app)
{
    return app->view == KD_VIEW_ROLES && app->side_open ? kd_vlist_selected(&app->side) : NULL;
}

static const struct kd_permission *selected_perm(struct kd_app *app)
{
    return app->view == KD_VIEW_PERMS && app->side_open ? kd_vlist_selected(&app->side) : NULL;
}

static void start_role_new(struct kd_app *app)
{
    struct rbac_op *op = op_new(app, R_ROLE_NEW);
    struct kd_form *f = kd_mutate_open_form(app, &rbac_ops, op, "New role", role_validate, NULL);
    f->offer = rbac_offer;
    f->create = rbac_create_option;
    kd_form_add_text(f, "name", KD_FIELD_TEXT, true, "");
    kd_form_add_text(f, "description", KD_FIELD_TEXT, false, "");
    struct kd_strlist perms = {0};
    kd_rbac_load_names(app, NULL, &perms);
    kd_form_add_pick(f, "permissions", &perms, NULL);
    kd_strlist_clear(&perms);
    kd_form_validate_all(f, false);
}

static void start_role_perms(struct kd_app *app, const struct kd_role *r)
{
    /* The list row may be stale: start from the role as the backend has it now. */
    struct kd_role full;
    memset(&full, 0, sizeof full);
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_backend_role_get(app->b, r->id, &full, &err) != 0) {
        kd_mutate_report(app, &err);
        return;
    }
    struct rbac_op *op = op_new(app, R_ROLE_PERMS);
    op->id = kd_xstrdup(full.id);
    op->name = kd_xstrdup(full.name);
    kd_strlist_copy(&op->before, &full.permissions);
    char title[200];
    snprintf(title, sizeof title, "Permissions of role %s", full.name);
    struct kd_form *f = kd_mutate_open_form(app, &rbac_ops, op, title, role_validate, NULL);
    f->offer = rbac_offer;
    f->create = rbac_create_option;
    struct kd_strlist perms = {0};
    kd_rbac_load_names(app, NULL, &perms);
    size_t i = kd_form_add_pick(f, "permissions", &perms, &full.permissions);
    kd_strlist_clear(&perms);
    snprintf(f->fields[i].note, KD_FORM_MSG_MAX, "replaces the role's set");
    /* The picker is the whole form: open it at once. */
    f->picking = true;
    kd_form_validate_all(f, false);
    kd_role_free(&full);
}

static void start_perm_new(struct kd_app *app)
{
    struct rbac_op *op = op_new(app, R_PERM_NEW);
    struct kd_form *f =
        kd_mutate_open_form(app, &rbac_ops, op, "New permission", perm_validate, NULL);
    size_t s = kd_form_add_text(f, "slug", KD_FIELD_TEXT, true, "");
    snprintf(f->fields[s].note, KD_FORM_MSG_MAX, "e.g. keys.read or docs:write");
    size_t n = kd_form_add_text(f, "name", KD_FIELD_TEXT, false, "");
    snprintf(f->fields[n].note, KD_FORM_MSG_MAX, "empty: the slug");
    kd_form_add_text(f, "description", KD_FIELD_TEXT, false, "");
    kd_form_validate_all(f, false);
}

/* "3 keys hold it; …" (nothing when the backend does not count). */
static void count_line(struct kd_strlist *lines, int64_t n, const char *noun, const char *verb_one,
                       const char *verb_many, const char *rest)
{
    if (n < 0)
        return;
    char l[200];
    snprintf(l, sizeof l, "%lld %s%s %s %s", (long long)n, noun, n == 1 ? "" : "s",
             n == 1 ? verb_one : verb_many, rest);
    kd_strlist_push(lines, l);
}

static void start_role_delete(struct kd_app *app, const struct kd_role *r)
{
    struct rbac_op *op = op_new(app, R_ROLE_DELETE);
    op->id = kd_xstrdup(r->id);
    op->name = kd_xstrdup(r->name);
    struct kd_strlist lines = {0};
    count_line(&lines, r->key_count, "key", "holds", "hold",
               "it and will lose the permissions it grants.");
    kd_strlist_push(&lines, "Its permissions stay. This cannot be undone.");
    char title[200];
    snprintf(title, sizeof title, "Delete role %s?", r->name);
    kd_mutate_ask(app, &rbac_ops, op, title, &lines);
    kd_strlist_clear(&lines);
}

static void start_perm_delete(struct kd_app *app, const struct kd_permission *p)
{
    struct rbac_op *op = op_new(app, R_PERM_DELETE);
    op->id = kd_xstrdup(p->id);
    op->name = kd_xstrdup(p->slug);
    struct kd_strlist lines = {0};
    count_line(&lines, p->role_count, "role", "grants", "grant", "it and will stop granting it.");
    count_line(&lines, p->key_count, "key", "holds", "hold", "it and will lose it.");
    kd_strlist_push(&lines, "This cannot be undone.");
    char title[200];
    snprintf(title, sizeof title, "Delete permission %s?", p->slug);
    kd_mutate_ask(app, &rbac_ops, op, title, &lines);
    kd_strlist_clear(&lines);
}

void kd_mutate_rbac_start(struct kd_app *app, enum kd_action a)
{
    const struct kd_role *r = selected_role(app);
    const struct kd_permission *p = selected_perm(app);
    switch (a) {
    case KD_ACT_NEW_ROLE: start_role_new(app); break;
    case KD_ACT_NEW_PERMISSION: start_perm_new(app); break;
    case KD_ACT_DELETE_ROLE:
    case KD_ACT_ROLE_PERMISSIONS:
        if (!r) {
            kd_app_message(app, KD_TE_MSG_WARNING, "select a role in :roles first");
            return;
        }
        if (a == KD_ACT_DELETE_ROLE)
            start_role_delete(app, r);
        else
            start_role_perms(app, r);
        break;
    case KD_ACT_DELETE_PERMISSION:
        if (!p) {
            kd_app_message(app, KD_TE_MSG_WARNING, "select a permission in :perms first");
            return;
        }
        start_perm_delete(app, p);
        break;
    default: break;
    }
}
