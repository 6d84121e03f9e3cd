/*
 * mutate_impl.h — what the files of the mutation session share (mutate.c: the
 * session, the key mutations and their dialogs; mutate_keyform.c: reading and
 * checking the create/edit key form; mutate_ratelimits.c: the rate-limit row
 * editor).  Internal to src/tui.
 */
#ifndef KD_TUI_MUTATE_IMPL_H
#define KD_TUI_MUTATE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/form.h"
#include "tui/mutate.h"

enum stage { ST_NONE, ST_FORM, ST_CONFIRM, ST_SECRET, ST_RL, ST_RL_ADD };
enum kind {
    K_CREATE, K_EDIT, K_DELETE, K_DELETE_NAME, K_REROLL, K_CREDITS, K_REVEAL, K_API_NEW,
    K_API_DELETE,
    K_MODULE, /* a form or question of another module: ops and ops_ctx decide */
};

/* Fields of the create/edit form, in order. */
enum {
    F_API, F_NAME, F_PREFIX, F_BYTES, F_EXTID, F_ENV, F_META, F_ROLES, F_PERMS, F_EXPIRES,
    F_CREDITS, F_REFILL, F_REFILL_DAY, F_REFILL_EVERY, F_REFILL_AMOUNT, F_RATELIMITS,
    F_ENABLED, F_RECOVERABLE, F_COUNT
};

/* The one open mutation session (app->mut). */
struct kd_mutate {
    struct kd_app *app;
    enum stage stage;
    enum kind kind;
    const struct kd_mutate_ops *ops; /* K_MODULE */
    void *ops_ctx;
    struct kd_form form;
    struct kd_strlist api_ids, api_names;
    char *key_id, *key_name;
    struct kd_key orig;    /* edit: the key as loaded */
    struct kd_key spec;    /* create/edit: what the form says */
    unsigned fields;       /* edit: what changed */
    bool permanent;
    int64_t grace_ms;
    char title[96];
    struct kd_strlist lines;     /* the dialog's text */
    struct kd_key_secret secret; /* shown once, wiped on close */
    bool secret_recoverable;
    /* the rate-limit row editor (Enter on the rate limits field) */
    struct kd_key rl;      /* only its ratelimits are used */
    size_t rl_sel;
    struct kd_form rl_form; /* adding one row */
};

/* ---- mutate_keyform.c ---- */

/** A whole decimal number (no sign, no blanks). */
bool kd_keyform_parse_int(const char *s, int64_t *out);
/** "name:limit:duration[:auto], ..." into k's rate limits; -1 with msg on a bad entry. */
int kd_keyform_parse_ratelimits(const char *s, struct kd_key *k, char *msg, size_t len);
/** v clamped into an int. */
int kd_keyform_narrow(int64_t v);
/** The credits the form's credits and refill fields describe. */
void kd_keyform_credits(const struct kd_form *f, struct kd_credits *c);
/** The key form's validate and changed callbacks (ctx: the struct kd_mutate). */
int kd_keyform_validate(void *ctx, struct kd_form *f, size_t i, char *msg, size_t len);
void kd_keyform_changed(void *ctx, struct kd_form *f, size_t i);
/** k's rate limits as the rate limits field's text. */
void kd_keyform_ratelimits_text(const struct kd_key *k, char *buf, size_t len);

/* ---- mutate_ratelimits.c ---- */

/** Open the row editor on the rate limits field's current text. */
void kd_rledit_open(struct kd_mutate *m);
/** A key for the row editor (stages ST_RL and ST_RL_ADD). */
void kd_rledit_key(struct kd_app *app, int key);

#endif
