/*
 * form.c — the form widget's logic: fields, editing, moving, validating (see
 * form.h).  No drawing here (form_draw.c), so it is testable without a screen.
 */
#include "tui/form.h"

#include <curses.h> /* KEY_* codes only */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/keyname.h"
#include "util/xalloc.h"

#define CTRL(c) ((c) & 0x1f)

void kd_form_init(struct kd_form *f, const char *title, kd_form_validate_fn validate,
                  kd_form_changed_fn changed, void *ctx)
{
    memset(f, 0, sizeof *f);
    snprintf(f->title, sizeof f->title, "%s", title ? title : "");
    f->validate = validate;
    f->changed = changed;
    f->ctx = ctx;
}

void kd_form_free(struct kd_form *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->fields[i].text);
        kd_strlist_clear(&f->fields[i].options);
        free(f->fields[i].picked);
    }
    free(f->fields);
    memset(f, 0, sizeof *f);
}

static struct kd_form_field *add(struct kd_form *f, const char *label, enum kd_field_kind kind)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 8;
        f->fields = kd_xrealloc(f->fields, f->cap * sizeof *f->fields);
    }
    struct kd_form_field *fl = &f->fields[f->n++];
    memset(fl, 0, sizeof *fl);
    fl->label = label;
    fl->kind = kind;
    return fl;
}

static void set_text(struct kd_form_field *fl, const char *text)
{
    size_t n = text ? strlen(text) : 0;
    if (n + 1 > fl->cap) {
        fl->cap = n + 32;
        fl->text = kd_xrealloc(fl->text, fl->cap);
    }
    if (n)
        memcpy(fl->text, text, n);
    fl->text[n] = '\0';
    fl->len = fl->cur = n;
}

size_t kd_form_add_text(struct kd_form *f, const char *label, enum kd_field_kind kind,
                        bool required, const char *initial)
{
    struct kd_form_field *fl = add(f, label, kind == KD_FIELD_NUMBER ? kind : KD_FIELD_TEXT);
    fl->required = required;
    set_text(fl, initial);
    return f->n - 1;
}

size_t kd_form_add_choice(struct kd_form *f, const char *label, const char *const *choices,
                          int n, int initial)
{
    struct kd_form_field *fl = add(f, label, KD_FIELD_CHOICE);
    fl->choices = choices;
    fl->n_choices = n;
    fl->choice = initial >= 0 && initial < n ? initial : 0;
    return f->n - 1;
}

size_t kd_form_add_toggle(struct kd_form *f, const char *label, bool on)
{
    add(f, label, KD_FIELD_TOGGLE)->on = on;
    return f->n - 1;
}

size_t kd_form_add_pick(struct kd_form *f, const char *label, const struct kd_strlist *options,
                        const struct kd_strlist *picked)
{
    struct kd_form_field *fl = add(f, label, KD_FIELD_PICK);
    if (options)
        kd_strlist_copy(&fl->options, options);
    for (size_t i = 0; picked && i < picked->len; i++)
        kd_strlist_add_unique(&fl->options, picked->items[i]);
    fl->picked = kd_xcalloc(fl->options.len + 1, sizeof *fl->picked);
    for (size_t i = 0; i < fl->options.len; i++)
        fl->picked[i] = picked && kd_strlist_contains(picked, fl->options.items[i]);
    return f->n - 1;
}

const char *kd_form_text(const struct kd_form *f, size_t i)
{
    return i < f->n && f->fields[i].text ? f->fields[i].text : "";
}

void kd_form_set_text(struct kd_form *f, size_t i, const char *text)
{
    if (i < f->n)
        set_text(&f->fields[i], text);
}

void kd_form_picked(const struct kd_form *f, size_t i, struct kd_strlist *out)
{
    if (i >= f->n || f->fields[i].kind != KD_FIELD_PICK)
        return;
    const struct kd_form_field *fl = &f->fields[i];
    for (size_t o = 0; o < fl->options.len; o++)
        if (fl->picked[o])
            kd_strlist_push(out, fl->options.items[o]);
}

static void validate_one(struct kd_form *f, size_t i)
{
    struct kd_form_field *fl = &f->fields[i];
    fl->msg[0] = '\0';
    fl->invalid = false;
    if (fl->hidden)
        return;
    if (fl->required && (fl->kind == KD_FIELD_TEXT || fl->kind == KD_FIELD_NUMBER) &&
        fl->len == 0) {
        snprintf(fl->msg, sizeof fl->msg, "required");
        fl->invalid = true;
        return;
    }
    if (f->validate && f->validate(f->ctx, f, i, fl->msg, sizeof fl->msg) != 0) {
        fl->invalid = true;
        if (!fl->msg[0])
            snprintf(fl->msg, sizeof fl->msg, "invalid");
    }
}

long kd_form_validate_all(struct kd_form *f, bool touch)
{
    long first = -1;
    for (size_t i = 0; i < f->n; i++) {
        if (touch && !f->fields[i].hidden)
            f->fields[i].touched = true;
        validate_one(f, i);
        if (f->fields[i].invalid && first < 0)
            first = (long)i;
    }
    return first;
}

static void changed(struct kd_form *f, size_t i)
{
    f->dirty = true;
    f->fields[i].touched = true;
    if (f->changed)
        f->changed(f->ctx, f, i);
    /* Rules may span fields (credits and refill): check them all again. */
    kd_form_validate_all(f, false);
}

static bool visible(const struct kd_form *f, size_t i)
{
    return i < f->n && !f->fields[i].hidden;
}

static void move_focus(struct kd_form *f, int dir)
{
    size_t i = f->focus;
    for (size_t step = 0; step < f->n; step++) {
        i = dir > 0 ? (i + 1) % f->n : (i + f->n - 1) % f->n;
        if (visible(f, i)) {
            f->focus = i;
            return;
        }
    }
}

static bool is_last(const struct kd_form *f)
{
    for (size_t i = f->focus + 1; i < f->n; i++)
        if (visible(f, i))
            return false;
    return true;
}

static enum kd_form_result submit(struct kd_form *f)
{
    long bad = kd_form_validate_all(f, true);
    if (bad >= 0) {
        f->focus = (size_t)bad;
        return KD_FORM_REFUSED;
    }
    return KD_FORM_SUBMIT;
}

/* ---- text editing, by character on UTF-8 ---- */

static bool cont_byte(char c)
{
    return ((unsigned char)c & 0xc0) == 0x80;
}

static size_t utf8_encode(int cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static bool insert_char(struct kd_form_field *fl, int cp)
{
    if (cp < 0x20 || cp == 0x7f || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
        return false;
    if (fl->kind == KD_FIELD_NUMBER && cp > 0x7f)
        return false;
    char enc[4];
    size_t n = utf8_encode(cp, enc);
    if (fl->len + n + 1 > fl->cap) {
        fl->cap = (fl->len + n + 1) * 2;
        fl->text = kd_xrealloc(fl->text, fl->cap);
    }
    memmove(fl->text + fl->cur + n, fl->text + fl->cur, fl->len - fl->cur + 1);
    memcpy(fl->text + fl->cur, enc, n);
    fl->len += n;
    fl->cur += n;
    return true;
}

static size_t prev_char(const struct kd_form_field *fl, size_t at)
{
    if (at == 0)
        return 0;
    at--;
    while (at > 0 && cont_byte(fl->text[at]))
        at--;
    return at;
}

static size_t next_char(const struct kd_form_field *fl, size_t at)
{
    if (at >= fl->len)
        return fl->len;
    at++;
    while (at < fl->len && cont_byte(fl->text[at]))
        at++;
    return at;
}

static void erase_range(struct kd_form_field *fl, size_t from, size_t to)
{
    memmove(fl->text + from, fl->text + to, fl->len - to + 1);
    fl->len -= to - from;
    fl->cur = from;
}

/* Returns 1 changed text, 2 moved, 0 not a text key. */
static int text_key(struct kd_form_field *fl, int key)
{
    switch (key) {
    case KD_KEY_FN(KEY_LEFT): fl->cur = prev_char(fl, fl->cur); return 2;
    case KD_KEY_FN(KEY_RIGHT): fl->cur = next_char(fl, fl->cur); return 2;
    case KD_KEY_FN(KEY_HOME):
    case CTRL('a'): fl->cur = 0; return 2;
    case KD_KEY_FN(KEY_END):
    case CTRL('e'): fl->cur = fl->len; return 2;
    case KD_KEY_FN(KEY_BACKSPACE):
        if (fl->cur == 0)
            return 2;
        erase_range(fl, prev_char(fl, fl->cur), fl->cur);
        return 1;
    case KD_KEY_FN(KEY_DC):
        if (fl->cur >= fl->len)
            return 2;
        erase_range(fl, fl->cur, next_char(fl, fl->cur));
        return 1;
    case CTRL('u'):
        if (fl->len == 0)
            return 2;
        fl->len = fl->cur = 0;
        fl->text[0] = '\0';
        return 1;
    default:
        if (key >= 0x20 && key < KD_KEY_FN(0) && insert_char(fl, key))
            return 1;
        return 0;
    }
}

/* ---- the picker ---- */

static bool pick_match(const struct kd_form *f, const struct kd_form_field *fl, size_t o)
{
    if (!f->pick_filter[0])
        return true;
    const char *h = fl->options.items[o];
    size_t n = strlen(f->pick_filter);
    for (; *h; h++)
        if (strncasecmp(h, f->pick_filter, n) == 0)
            return true;
    return false;
}

/* The option index of the n-th filtered option; options.len when none. */
static size_t pick_nth(const struct kd_form *f, const struct kd_form_field *fl, size_t n)
{
    for (size_t o = 0; o < fl->options.len; o++)
        if (pick_match(f, fl, o) && n-- == 0)
            return o;
    return fl->options.len;
}

static size_t pick_count(const struct kd_form *f, const struct kd_form_field *fl)
{
    size_t c = 0;
    for (size_t o = 0; o < fl->options.len; o++)
        c += pick_match(f, fl, o);
    return c;
}

bool kd_form_pick_offer(const struct kd_form *f, char *label, size_t len)
{
    if (!f->picking || !f->offer || !f->create || !f->pick_filter[0] || f->focus >= f->n)
        return false;
    const struct kd_form_field *fl = &f->fields[f->focus];
    if (fl->kind != KD_FIELD_PICK || pick_count(f, fl) != 0)
        return false;
    return f->offer(f->ctx, f, f->focus, f->pick_filter, label, len);
}

/* The offered entry was chosen: the owner creates it, then it is an option, ticked. */
static void pick_create(struct kd_form *f)
{
    struct kd_form_field *fl = &f->fields[f->focus];
    if (f->create(f->ctx, f, f->focus, f->pick_filter) != 0)
        return;
    kd_strlist_push(&fl->options, f->pick_filter);
    fl->picked = kd_xrealloc(fl->picked, (fl->options.len + 1) * sizeof *fl->picked);
    fl->picked[fl->options.len - 1] = true;
    f->pick_sel = 0; /* the new option is the one the filter shows */
    changed(f, f->focus);
}

static enum kd_form_result pick_key(struct kd_form *f, int key)
{
    struct kd_form_field *fl = &f->fields[f->focus];
    size_t count = pick_count(f, fl);
    size_t flen = strlen(f->pick_filter);
    char label[KD_FORM_MSG_MAX];
    if ((key == ' ' || key == KD_KEY_ENTER_CR) && kd_form_pick_offer(f, label, sizeof label)) {
        pick_create(f);
        if (key == KD_KEY_ENTER_CR)
            f->picking = false;
        return KD_FORM_CHANGED;
    }
    switch (key) {
    case KD_KEY_ESC:
    case KD_KEY_ENTER_CR:
        f->picking = false;
        return KD_FORM_CHANGED;
    case KD_KEY_FN(KEY_UP):
        if (f->pick_sel > 0)
            f->pick_sel--;
        return KD_FORM_CHANGED;
    case KD_KEY_FN(KEY_DOWN):
    case KD_KEY_TAB:
        if (f->pick_sel + 1 < count)
            f->pick_sel++;
        return KD_FORM_CHANGED;
    case ' ': {
        size_t o = pick_nth(f, fl, f->pick_sel);
        if (o < fl->options.len) {
            fl->picked[o] = !fl->picked[o];
            changed(f, f->focus);
        }
        return KD_FORM_CHANGED;
    }
    case KD_KEY_FN(KEY_BACKSPACE):
        if (flen) {
            while (flen > 0 && cont_byte(f->pick_filter[flen - 1]))
                flen--;
            f->pick_filter[flen ? flen - 1 : 0] = '\0';
            f->pick_sel = 0;
        }
        return KD_FORM_CHANGED;
    default:
        if (key > 0x20 && key < KD_KEY_FN(0) && key != 0x7f) {
            char enc[4];
            size_t n = utf8_encode(key, enc);
            if (flen + n < sizeof f->pick_filter) {
                memcpy(f->pick_filter + flen, enc, n);
                f->pick_filter[flen + n] = '\0';
                f->pick_sel = 0;
            }
            return KD_FORM_CHANGED;
        }
        return KD_FORM_IGNORED;
    }
}

enum kd_form_result kd_form_key(struct kd_form *f, int key)
{
    key = kd_key_normalize(key);
    if (f->n == 0)
        return key == KD_KEY_ESC ? KD_FORM_CANCEL : KD_FORM_IGNORED;
    if (f->confirm_discard) {
        if (key == 'y' || key == 'Y')
            return KD_FORM_CANCEL;
        if (key == 'n' || key == 'N' || key == KD_KEY_ESC) {
            f->confirm_discard = false;
            return KD_FORM_CHANGED;
        }
        return KD_FORM_IGNORED;
    }
    if (f->picking)
        return pick_key(f, key);
    struct kd_form_field *fl = &f->fields[f->focus];
    switch (key) {
    case KD_KEY_ESC:
        if (!f->dirty)
            return KD_FORM_CANCEL;
        f->confirm_discard = true;
        return KD_FORM_CHANGED;
    case CTRL('s'): return submit(f);
    case KD_KEY_TAB:
    case KD_KEY_FN(KEY_DOWN): move_focus(f, 1); return KD_FORM_CHANGED;
    case KD_KEY_FN(KEY_BTAB):
    case KD_KEY_FN(KEY_UP): move_focus(f, -1); return KD_FORM_CHANGED;
    case KD_KEY_ENTER_CR:
        if (fl->kind == KD_FIELD_PICK && !is_last(f)) {
            f->picking = true;
            f->pick_filter[0] = '\0';
            f->pick_sel = 0;
            return KD_FORM_CHANGED;
        }
        if (is_last(f))
            return submit(f);
        move_focus(f, 1);
        return KD_FORM_CHANGED;
    default: break;
    }
    switch (fl->kind) {
    case KD_FIELD_TEXT:
    case KD_FIELD_NUMBER: {
        int r = text_key(fl, key);
        if (r == 1)
            changed(f, f->focus);
        return r ? KD_FORM_CHANGED : KD_FORM_IGNORED;
    }
    case KD_FIELD_CHOICE:
        if (fl->n_choices <= 0)
            return KD_FORM_IGNORED;
        if (key == ' ' || key == KD_KEY_FN(KEY_RIGHT))
            fl->choice = (fl->choice + 1) % fl->n_choices;
        else if (key == KD_KEY_FN(KEY_LEFT))
            fl->choice = (fl->choice + fl->n_choices - 1) % fl->n_choices;
        else
            return KD_FORM_IGNORED;
        changed(f, f->focus);
        return KD_FORM_CHANGED;
    case KD_FIELD_TOGGLE:
        if (key != ' ' && key != KD_KEY_FN(KEY_LEFT) && key != KD_KEY_FN(KEY_RIGHT))
            return KD_FORM_IGNORED;
        fl->on = !fl->on;
        changed(f, f->focus);
        return KD_FORM_CHANGED;
    case KD_FIELD_PICK:
        if (key != ' ')
            return KD_FORM_IGNORED;
        f->picking = true;
        f->pick_filter[0] = '\0';
        f->pick_sel = 0;
        return KD_FORM_CHANGED;
    }
    return KD_FORM_IGNORED;
}
