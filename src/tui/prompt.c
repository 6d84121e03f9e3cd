/*
 * prompt.c — the bottom-line input (see prompt.h).
 */
#include "tui/prompt.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "tui/draw.h"
#include "tui/keyname.h"
#include "tui/text.h"
#include "util/xalloc.h"

void kd_prompt_open(struct kd_prompt *p, enum kd_prompt_mode mode, const char *initial)
{
    p->mode = mode;
    snprintf(p->text, sizeof p->text, "%s", initial ? initial : "");
    p->len = strlen(p->text);
    p->suggest[0] = '\0';
    p->pos = p->n_history;
    p->draft[0] = '\0';
}

void kd_prompt_close(struct kd_prompt *p)
{
    p->mode = KD_PROMPT_NONE;
    p->suggest[0] = '\0';
}

void kd_prompt_free(struct kd_prompt *p)
{
    for (size_t i = 0; i < p->n_history; i++)
        free(p->history[i]);
    p->n_history = p->pos = 0;
}

void kd_prompt_remember(struct kd_prompt *p, const char *line)
{
    if (!line || !*line)
        return;
    if (p->n_history && strcmp(p->history[p->n_history - 1], line) == 0)
        return;
    if (p->n_history == KD_PROMPT_HISTORY) {
        free(p->history[0]);
        memmove(p->history, p->history + 1, sizeof p->history[0] * (KD_PROMPT_HISTORY - 1));
        p->n_history--;
    }
    p->history[p->n_history++] = kd_xstrdup(line);
    p->pos = p->n_history;
}

static void set_text(struct kd_prompt *p, const char *s)
{
    snprintf(p->text, sizeof p->text, "%s", s);
    p->len = strlen(p->text);
}

/* Drop the last character (all bytes of a UTF-8 sequence). */
static void backspace(struct kd_prompt *p)
{
    while (p->len > 0) {
        unsigned char c = (unsigned char)p->text[--p->len];
        if ((c & 0xc0) != 0x80)
            break;
    }
    p->text[p->len] = '\0';
}

static void complete(struct kd_prompt *p)
{
    p->suggest[0] = '\0';
    if (!p->complete)
        return;
    const char *cand[16];
    size_t n = p->complete(p->complete_ctx, p->text, cand, 16);
    if (n == 0) {
        snprintf(p->suggest, sizeof p->suggest, "(no match)");
        return;
    }
    size_t shown = n < 16 ? n : 16;
    if (n == 1) {
        set_text(p, cand[0]);
        /* A command that takes an argument wants a space next. */
        return;
    }
    /* Several: extend to their longest common prefix and list them. */
    size_t common = strlen(cand[0]);
    for (size_t i = 1; i < shown; i++) {
        size_t k = 0;
        while (k < common && cand[i][k] == cand[0][k])
            k++;
        common = k;
    }
    if (common > p->len) {
        char buf[KD_PROMPT_MAX];
        snprintf(buf, sizeof buf, "%.*s", (int)common, cand[0]);
        set_text(p, buf);
    }
    size_t used = 0;
    for (size_t i = 0; i < shown && used + 2 < sizeof p->suggest; i++) {
        int w = snprintf(p->suggest + used, sizeof p->suggest - used, "%s%s", i ? " " : "",
                         cand[i]);
        if (w < 0)
            break;
        used += (size_t)w;
        if (used >= sizeof p->suggest)
            break;
    }
}

enum kd_prompt_result kd_prompt_key(struct kd_prompt *p, int key)
{
    key = kd_key_normalize(key);
    if (key == KD_KEY_ENTER_CR)
        return KD_PROMPT_SUBMIT;
    if (key == KD_KEY_ESC || key == 7 /* C-g */)
        return KD_PROMPT_CANCEL;
    if (key == KD_KEY_FN(KEY_BACKSPACE)) {
        if (p->len == 0)
            return KD_PROMPT_CANCEL;
        backspace(p);
        p->suggest[0] = '\0';
        return KD_PROMPT_EDITED;
    }
    if (key == 21 /* C-u */) {
        set_text(p, "");
        return KD_PROMPT_EDITED;
    }
    if (key == KD_KEY_TAB && p->mode == KD_PROMPT_PALETTE) {
        char before[KD_PROMPT_MAX];
        snprintf(before, sizeof before, "%s", p->text);
        complete(p);
        return strcmp(before, p->text) ? KD_PROMPT_EDITED : KD_PROMPT_MOVED;
    }
    if ((key == KD_KEY_FN(KEY_UP) || key == KD_KEY_FN(KEY_DOWN)) &&
        p->mode == KD_PROMPT_PALETTE) {
        if (p->n_history == 0)
            return KD_PROMPT_MOVED;
        if (p->pos == p->n_history)
            snprintf(p->draft, sizeof p->draft, "%s", p->text);
        if (key == KD_KEY_FN(KEY_UP) && p->pos > 0)
            p->pos--;
        else if (key == KD_KEY_FN(KEY_DOWN) && p->pos < p->n_history)
            p->pos++;
        set_text(p, p->pos == p->n_history ? p->draft : p->history[p->pos]);
        return KD_PROMPT_EDITED;
    }
    if (key >= 32 && key != 127 && key < 0x110000) {
        char mb[8];
        mbstate_t st;
        memset(&st, 0, sizeof st);
        size_t n = wcrtomb(mb, (wchar_t)key, &st);
        if (n == (size_t)-1 || p->len + n + 1 > sizeof p->text)
            return KD_PROMPT_MOVED;
        memcpy(p->text + p->len, mb, n);
        p->len += n;
        p->text[p->len] = '\0';
        p->suggest[0] = '\0';
        return KD_PROMPT_EDITED;
    }
    return KD_PROMPT_IGNORED;
}

void kd_prompt_draw(const struct kd_prompt *p, struct kd_rect r)
{
    kd_draw_fill(r, KD_TE_PROMPT);
    const char *lead = p->mode == KD_PROMPT_FILTER ? "/" : p->mode == KD_PROMPT_TEXT ? p->label : ":";
    int x = r.x + kd_draw_text(r.y, r.x, r.w, KD_TE_PROMPT, lead);
    int room = r.x + r.w - x - 1;
    /* Show the end of a long line: that is where the typing happens. */
    const char *shown = p->text;
    while (*shown && kd_text_width(shown) > room) {
        shown++;
        while ((*shown & 0xc0) == 0x80)
            shown++;
    }
    x += kd_draw_text(r.y, x, room, KD_TE_PROMPT_INPUT, shown);
    kd_draw_text(r.y, x, 1, KD_TE_PROMPT_INPUT, "_");
    x += 1;
    if (p->suggest[0] && x + 2 < r.x + r.w)
        kd_draw_text(r.y, x + 2, r.x + r.w - x - 2, KD_TE_PROMPT_SUGGEST, p->suggest);
}
