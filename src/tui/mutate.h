/*
 * mutate.h — the keys pane's mutations (create, edit, delete, reroll, credits):
 * their forms and dialogs, modal over the panes while open.  Internal to src/tui.
 */
#ifndef KD_TUI_MUTATE_H
#define KD_TUI_MUTATE_H

#include <stdbool.h>

#include "tui/app.h"

/** Open the form or dialog of a mutating action (the dispatcher checked read-only). */
void kd_mutate_start(struct kd_app *app, enum kd_action a);
/** A form or dialog is open: it takes every key. */
bool kd_mutate_active(const struct kd_app *app);
void kd_mutate_key(struct kd_app *app, int key);
/** Paint the open form or dialog over the body. */
void kd_mutate_draw(struct kd_app *app);
/** What the hint bar says while a form or dialog is open. */
const char *kd_mutate_hint(const struct kd_app *app);
/** Close whatever is open (wiping any secret). */
void kd_mutate_free(struct kd_app *app);

#endif
