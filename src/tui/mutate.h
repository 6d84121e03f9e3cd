/*
 * mutate.h — the dashboard's mutations: their forms and dialogs, modal over the
 * panes while open.  Internal to src/tui.
 *
 * mutate.c owns the one open session (app->mut) and the key mutations (create,
 * edit, delete, reroll, credits, reveal) and APIs; mutate_rbac.c adds roles and
 * permissions through the session API below, so both share one modal, one
 * confirmation dialog and one key handler.
 */
#ifndef KD_TUI_MUTATE_H
#define KD_TUI_MUTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/app.h"
#include "tui/form.h"

/** Open the form or dialog of a mutating action (the dispatcher checked read-only). */
void kd_mutate_start(struct kd_app *app, enum kd_action a);
/** A form or dialog is open: it takes every key. */
bool kd_mutate_active(const struct kd_app *app);
void kd_mutate_key(struct kd_app *app, int key);
/** The form being filled in, or NULL (a dialog, or nothing, is open); for tests. */
struct kd_form *kd_mutate_form(struct kd_app *app);
/** Paint the open form or dialog over the body. */
void kd_mutate_draw(struct kd_app *app);
/** What the hint bar says while a form or dialog is open. */
const char *kd_mutate_hint(const struct kd_app *app);
/** Close whatever is open (wiping any secret). */
void kd_mutate_free(struct kd_app *app);

/* ---- the session API, for mutation modules outside mutate.c ---- */

/** What a module does when its form is submitted or its question answered. */
struct kd_mutate_ops {
    /** The form passed validation (Ctrl-S, or Enter on the last field). */
    void (*submitted)(struct kd_app *app, struct kd_form *f, void *ctx);
    /** y on the question kd_mutate_ask put. */
    void (*confirmed)(struct kd_app *app, void *ctx);
    /** The session closes: free ctx. */
    void (*free_ctx)(void *ctx);
};

/**
 * Open a form owned by ops and ctx and return it for the caller to add fields
 * (kd_form_init is done: title, validate, changed and ctx are set).
 */
struct kd_form *kd_mutate_open_form(struct kd_app *app, const struct kd_mutate_ops *ops,
                                    void *ctx, const char *title, kd_form_validate_fn validate,
                                    kd_form_changed_fn changed);
/**
 * Ask a y/n question: title, then lines.  y calls ops->confirmed; n or Esc goes
 * back to the session's form if it has one, else closes with "cancelled".  With
 * no session open, one is opened for ops and ctx.
 */
void kd_mutate_ask(struct kd_app *app, const struct kd_mutate_ops *ops, void *ctx,
                   const char *title, const struct kd_strlist *lines);
/** Close the open session (its ctx is freed) and repaint what it covered. */
void kd_mutate_close(struct kd_app *app);
/** The backend's error, as is, in the status bar. */
void kd_mutate_report(struct kd_app *app, const struct kd_error *err);

/* ---- mutate_rbac.c: roles and permissions ---- */

/** Start new-role, delete-role, role-permissions, new-permission or delete-permission. */
void kd_mutate_rbac_start(struct kd_app *app, enum kd_action a);
/** Every role name and permission slug, all pages (either list may be NULL). */
void kd_rbac_load_names(struct kd_app *app, struct kd_strlist *roles, struct kd_strlist *perms);
/**
 * A permissions picker's filter matched nothing: offer to create it when text
 * is a valid slug (writes "create permission 'text'" to label).
 */
bool kd_rbac_offer_permission(const char *text, char *label, size_t len);
/**
 * Create permission slug now (the picker's entry), reporting the outcome in the
 * status bar; refused in read-only mode.  Returns 0 when it was created.
 */
int kd_rbac_create_permission_now(struct kd_app *app, const char *slug);

#endif
