/*
 * form.h — a small form widget: labelled fields, moving between them, per-field
 * validation shown beside the field, submit and cancel.
 *
 * The widget knows nothing of actions or of what the form is for: the owner
 * gives a validate callback (the rules of validate.h) and reads the values back
 * on KD_FORM_SUBMIT.  Keys are the TUI's codes (keyname.h).  kd_form_key is pure
 * logic (unit-tested without a terminal); kd_form_draw paints through draw.h.
 *
 * Keys: Tab/Down next field, S-Tab/Up previous, Enter next (submit on the last
 * field), Ctrl-S submit, Esc cancel (asks "discard changes? (y/n)" when dirty).
 * Text: characters insert at the cursor, Left/Right/Home/End/C-a/C-e move by
 * character, Backspace/Delete erase one, C-u clears.  Choice and toggle: Space
 * or Left/Right.  Picker: Space or Enter opens the list; typing filters it,
 * Up/Down move, Space ticks, Enter or Esc closes.  When the filter matches
 * nothing the owner may offer a "create …" entry: Space creates and ticks it,
 * Enter does that and closes the list.
 */
#ifndef KD_TUI_FORM_H
#define KD_TUI_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/layout.h"
#include "util/strlist.h"

enum kd_field_kind {
    KD_FIELD_TEXT,
    KD_FIELD_NUMBER, /* text limited to what a number may contain ("unlimited" aside) */
    KD_FIELD_CHOICE,
    KD_FIELD_TOGGLE,
    KD_FIELD_PICK,   /* multi-select over a list of options */
};

#define KD_FORM_MSG_MAX 160

struct kd_form_field {
    const char *label;
    enum kd_field_kind kind;
    bool required;
    bool hidden;          /* not shown and skipped (e.g. refill day without a monthly refill) */
    bool touched;         /* edited, or a submit was tried: its message is shown */
    bool invalid;
    char msg[KD_FORM_MSG_MAX];  /* why it is invalid */
    char note[KD_FORM_MSG_MAX]; /* shown beside a valid field (a preview, a hint) */
    /* TEXT / NUMBER: UTF-8, cursor is a byte offset on a character boundary */
    char *text;
    size_t len, cap, cur;
    /* CHOICE */
    const char *const *choices;
    int n_choices, choice;
    /* TOGGLE */
    bool on;
    /* PICK */
    struct kd_strlist options;
    bool *picked;
};

struct kd_form;
/** Check field i; on a problem write it to msg and return -1. */
typedef int (*kd_form_validate_fn)(void *ctx, struct kd_form *f, size_t i, char *msg,
                                   size_t len);
/** Field i changed: update hidden flags and notes of other fields. */
typedef void (*kd_form_changed_fn)(void *ctx, struct kd_form *f, size_t i);
/**
 * Picker i's filter matched no option: may text become a new one?  Write the
 * entry's label ("create permission 'x'") and return true to offer it.
 */
typedef bool (*kd_form_offer_fn)(void *ctx, const struct kd_form *f, size_t i,
                                 const char *text, char *label, size_t len);
/** The offered entry was chosen: create text (the owner reports how it went); 0: done. */
typedef int (*kd_form_create_fn)(void *ctx, struct kd_form *f, size_t i, const char *text);

struct kd_form {
    char title[128];
    struct kd_form_field *fields;
    size_t n, cap;
    size_t focus;
    bool dirty;            /* something was edited */
    bool confirm_discard;  /* Esc on a dirty form: waiting for y/n */
    bool picking;          /* the focused picker's list is open */
    char pick_filter[64];
    size_t pick_sel;       /* index into the filtered options */
    int scroll;            /* first field row shown */
    kd_form_validate_fn validate;
    kd_form_changed_fn changed;
    /* Optional: the picker's explicit "create …" entry (both set, or neither). */
    kd_form_offer_fn offer;
    kd_form_create_fn create;
    void *ctx;
};

enum kd_form_result {
    KD_FORM_IGNORED,  /* not a key the form uses */
    KD_FORM_CHANGED,  /* repaint */
    KD_FORM_REFUSED,  /* submit tried while a field is invalid: focus is on the first one */
    KD_FORM_SUBMIT,
    KD_FORM_CANCEL,
};

void kd_form_init(struct kd_form *f, const char *title, kd_form_validate_fn validate,
                  kd_form_changed_fn changed, void *ctx);
void kd_form_free(struct kd_form *f);
/* Adders return the field's index. */
size_t kd_form_add_text(struct kd_form *f, const char *label, enum kd_field_kind kind,
                        bool required, const char *initial);
size_t kd_form_add_choice(struct kd_form *f, const char *label, const char *const *choices,
                          int n, int initial);
size_t kd_form_add_toggle(struct kd_form *f, const char *label, bool on);
/** options and picked are copied; picked items not in options are added. */
size_t kd_form_add_pick(struct kd_form *f, const char *label, const struct kd_strlist *options,
                        const struct kd_strlist *picked);

/** The text of a TEXT/NUMBER field ("" when none). */
const char *kd_form_text(const struct kd_form *f, size_t i);
void kd_form_set_text(struct kd_form *f, size_t i, const char *text);
/** The ticked options of a PICK field, in option order (appended to out). */
void kd_form_picked(const struct kd_form *f, size_t i, struct kd_strlist *out);
/**
 * The open picker offers to create its filter text (nothing matched and the
 * owner's offer callback agreed); label receives the entry's text.
 */
bool kd_form_pick_offer(const struct kd_form *f, char *label, size_t len);

/** Run validation on every visible field; returns the first invalid one or -1. */
long kd_form_validate_all(struct kd_form *f, bool touch);

enum kd_form_result kd_form_key(struct kd_form *f, int key);

/** Paint the form into r (a dialog box). */
void kd_form_draw(struct kd_form *f, struct kd_rect r);

#endif
