/*
 * form_draw.c — painting a form (see form.h): one row per visible field,
 * "* label  [input]  message", the picker's list over the rows below, and a
 * key hint (or the discard question) on the last row.
 */
#include "tui/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/draw.h"
#include "tui/text.h"
#include "util/xalloc.h"

#define INPUT_W 30

/* The part of a text that fits in w columns with the cursor visible. */
static const char *text_window(const struct kd_form_field *fl, int w)
{
    const char *start = fl->text ? fl->text : "";
    char *upto = kd_xstrndup(start, fl->cur);
    int cw = kd_text_width(upto);
    free(upto);
    const char *p = start;
    while (cw > w - 1 && *p) {
        const char *q = p;
        wchar_t wc;
        int cwid = kd_text_next(&q, &wc);
        if (cwid < 0)
            break;
        cw -= cwid;
        p = q;
    }
    return p;
}

static void field_value(const struct kd_form_field *fl, char *buf, size_t len)
{
    switch (fl->kind) {
    case KD_FIELD_TEXT:
    case KD_FIELD_NUMBER: snprintf(buf, len, "%s", fl->text ? fl->text : ""); break;
    case KD_FIELD_CHOICE:
        snprintf(buf, len, "< %s >", fl->n_choices > 0 ? fl->choices[fl->choice] : "");
        break;
    case KD_FIELD_TOGGLE: snprintf(buf, len, "[%c] %s", fl->on ? 'x' : ' ', fl->on ? "yes" : "no"); break;
    case KD_FIELD_PICK: {
        size_t used = 0;
        buf[0] = '\0';
        for (size_t o = 0; o < fl->options.len && used + 1 < len; o++) {
            if (!fl->picked[o])
                continue;
            int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
                             fl->options.items[o]);
            if (w < 0 || (size_t)w >= len - used)
                break;
            used += (size_t)w;
        }
        if (!used)
            snprintf(buf, len, "(none: Space picks)");
        break;
    }
    }
}

static void draw_picker(const struct kd_form *f, int y, int x, int w, int max_y)
{
    const struct kd_form_field *fl = &f->fields[f->focus];
    int rows = max_y - y - 2;
    int matches = 0;
    for (size_t o = 0; o < fl->options.len; o++) {
        size_t n = strlen(f->pick_filter);
        for (const char *p = fl->options.items[o]; *p; p++)
            if (strncasecmp(p, f->pick_filter, n) == 0) {
                matches++;
                break;
            }
    }
    if (rows > 8)
        rows = 8;
    if (rows > matches)
        rows = matches > 0 ? matches : 1; /* as tall as the list, "no matches" needs one */
    if (rows < 1 || w < 12)
        return;
    struct kd_rect box = {x, y, w, rows + 2};
    kd_draw_fill(box, KD_TE_DIALOG);
    char title[96];
    snprintf(title, sizeof title, "filter: %s", f->pick_filter);
    kd_draw_frame(box, title, true);
    size_t shown = 0, skip = f->pick_sel >= (size_t)rows ? f->pick_sel - (size_t)rows + 1 : 0;
    size_t nth = 0;
    for (size_t o = 0; o < fl->options.len && shown < (size_t)rows; o++) {
        const char *h = fl->options.items[o];
        bool match = !f->pick_filter[0];
        size_t n = strlen(f->pick_filter);
        for (const char *p = h; !match && *p; p++)
            match = strncasecmp(p, f->pick_filter, n) == 0;
        if (!match)
            continue;
        if (nth++ < skip)
            continue;
        bool sel = nth - 1 == f->pick_sel;
        char line[256];
        snprintf(line, sizeof line, "%s[%c] %s", sel ? ">" : " ", fl->picked[o] ? 'x' : ' ', h);
        kd_draw_text_pad(y + 1 + (int)shown, x + 1, w - 2,
                         sel ? KD_TE_LIST_ROW_SELECTED : KD_TE_DIALOG, line);
        shown++;
    }
    char offer[KD_FORM_MSG_MAX], entry[KD_FORM_MSG_MAX + 8];
    if (shown == 0 && kd_form_pick_offer(f, offer, sizeof offer)) {
        /* Creating is a choice the user makes, shown as an entry of its own. */
        snprintf(entry, sizeof entry, ">[+] %s", offer);
        kd_draw_text_pad(y + 1, x + 1, w - 2, KD_TE_LIST_ROW_SELECTED, entry);
    } else if (shown == 0) {
        kd_draw_text(y + 1, x + 2, w - 3, KD_TE_MUTED, "no matches");
    }
}

void kd_form_draw(struct kd_form *f, struct kd_rect r)
{
    if (r.w < 20 || r.h < 5)
        return;
    kd_draw_fill(r, KD_TE_DIALOG);
    kd_draw_frame(r, f->title, true);
    int label_w = 0;
    for (size_t i = 0; i < f->n; i++) {
        int w = kd_text_width(f->fields[i].label);
        if (w > label_w)
            label_w = w;
    }
    int x0 = r.x + 2, y0 = r.y + 1;
    int rows = r.h - 3; /* frame and the hint row */
    int input_x = x0 + 2 + label_w + 1;
    /* Narrow screens: a shorter input leaves room for the message beside it. */
    int input_w = r.w < 100 ? INPUT_W - 8 : INPUT_W;
    if (input_x + input_w > r.x + r.w - 2)
        input_w = r.x + r.w - 2 - input_x;
    int msg_x = input_x + input_w + 1;
    int msg_w = r.x + r.w - 2 - msg_x;

    /* Keep the focused field on screen. */
    int focus_row = 0, row = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (f->fields[i].hidden)
            continue;
        if (i == f->focus)
            focus_row = row;
        row++;
    }
    if (focus_row < f->scroll)
        f->scroll = focus_row;
    if (focus_row >= f->scroll + rows)
        f->scroll = focus_row - rows + 1;

    int pick_y = -1;
    row = 0;
    for (size_t i = 0; i < f->n; i++) {
        struct kd_form_field *fl = &f->fields[i];
        if (fl->hidden)
            continue;
        int y = y0 + row - f->scroll;
        row++;
        if (y < y0 || y >= y0 + rows)
            continue;
        bool focused = i == f->focus;
        if (fl->required)
            kd_draw_text(y, x0, 1, KD_TE_FORM_REQUIRED, "*");
        kd_draw_text(y, x0 + 2, label_w, KD_TE_FORM_LABEL, fl->label);
        bool bad = fl->invalid && fl->touched;
        enum kd_theme_elem ie = bad ? KD_TE_FORM_INPUT_INVALID
                                : focused ? KD_TE_FORM_INPUT_FOCUS
                                          : KD_TE_FORM_INPUT;
        char value[512];
        if (fl->kind == KD_FIELD_TEXT || fl->kind == KD_FIELD_NUMBER)
            snprintf(value, sizeof value, "%s", focused ? text_window(fl, input_w) : fl->text);
        else
            field_value(fl, value, sizeof value);
        kd_draw_text_pad(y, input_x, input_w, ie, value);
        if (focused)
            kd_draw_text(y, input_x - 1, 1, KD_TE_FORM_INPUT_FOCUS, ">");
        if (msg_w > 4) {
            if (bad)
                kd_draw_text(y, msg_x, msg_w, KD_TE_FORM_INPUT_INVALID, fl->msg);
            else if (fl->note[0])
                kd_draw_text(y, msg_x, msg_w, KD_TE_FORM_HINT, fl->note);
        }
        if (focused && f->picking)
            pick_y = y + 1;
    }
    int hint_y = r.y + r.h - 2;
    if (f->confirm_discard)
        kd_draw_text(hint_y, x0, r.w - 4, KD_TE_MSG_WARNING, "discard changes? (y/n)");
    else if (f->fields[f->focus].invalid && f->fields[f->focus].touched)
        /* The whole message of the focused field: the one beside it may be cut. */
        kd_draw_text(hint_y, x0, r.w - 4, KD_TE_FORM_INPUT_INVALID, f->fields[f->focus].msg);
    else if (f->picking)
        kd_draw_text(hint_y, x0, r.w - 4, KD_TE_FORM_HINT,
                     "type to filter  Up/Down move  Space tick  Enter done");
    else
        kd_draw_text(hint_y, x0, r.w - 4, KD_TE_FORM_HINT,
                     "Tab/S-Tab move  Space choose  Ctrl-S or Enter on the last field submits  "
                     "Esc cancel");
    if (pick_y >= 0)
        draw_picker(f, pick_y, input_x, input_w + 10 < r.x + r.w - 2 - input_x
                                            ? input_w + 10 : r.x + r.w - 2 - input_x,
                    r.y + r.h - 1);
}
