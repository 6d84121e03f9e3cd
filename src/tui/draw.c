/*
 * draw.c — clipped, width-aware drawing on stdscr with an element shadow grid
 * (see draw.h).
 */
#include "tui/draw.h"

#include <curses.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tui/text.h"
#include "util/xalloc.h"

static signed char *shadow; /* rows x cols element ids; -1 = nothing drawn */
static int shadow_rows, shadow_cols;

/* Secret regions (see draw.h): a few one-row spans. */
#define MAX_SECRETS 8
static struct kd_rect secrets[MAX_SECRETS];
static int n_secrets;

void kd_draw_secret_add(int y, int x, int width)
{
    if (n_secrets < MAX_SECRETS && width > 0)
        secrets[n_secrets++] = (struct kd_rect){x, y, width, 1};
}

void kd_draw_secret_clear(void)
{
    n_secrets = 0;
}

bool kd_draw_secret_at(int y, int x)
{
    for (int i = 0; i < n_secrets; i++)
        if (y >= secrets[i].y && y < secrets[i].y + secrets[i].h && x >= secrets[i].x &&
            x < secrets[i].x + secrets[i].w)
            return true;
    return false;
}

void kd_draw_reset(int rows, int cols)
{
    free(shadow);
    shadow = NULL;
    n_secrets = 0;
    shadow_rows = rows > 0 ? rows : 0;
    shadow_cols = cols > 0 ? cols : 0;
    if (shadow_rows && shadow_cols) {
        shadow = kd_xmalloc((size_t)shadow_rows * (size_t)shadow_cols);
        memset(shadow, -1, (size_t)shadow_rows * (size_t)shadow_cols);
    }
}

void kd_draw_free(void)
{
    free(shadow);
    shadow = NULL;
    shadow_rows = shadow_cols = 0;
}

static void mark(int y, int x, enum kd_theme_elem elem)
{
    if (shadow && y >= 0 && y < shadow_rows && x >= 0 && x < shadow_cols)
        shadow[y * shadow_cols + x] = (signed char)elem;
}

int kd_draw_elem_at(int y, int x)
{
    if (!shadow || y < 0 || y >= shadow_rows || x < 0 || x >= shadow_cols)
        return -1;
    return shadow[y * shadow_cols + x];
}

/* One character cell (two for a wide character) with the element's attributes. */
static void put_wc(int y, int x, wchar_t wc, int w, enum kd_theme_elem elem)
{
    if (y < 0 || y >= LINES || x < 0 || x + (w > 1 ? w : 1) > COLS)
        return;
    unsigned a = kd_theme_attr(elem);
    wchar_t s[2] = {wc, L'\0'};
    cchar_t cc;
    setcchar(&cc, s, (attr_t)a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL);
    mvadd_wch(y, x, &cc);
    for (int i = 0; i < (w > 1 ? w : 1); i++)
        mark(y, x + i, elem);
}

void kd_draw_fill(struct kd_rect r, enum kd_theme_elem elem)
{
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++)
            put_wc(y, x, L' ', 1, elem);
}

int kd_draw_text(int y, int x, int width, enum kd_theme_elem elem, const char *text)
{
    if (!text || width <= 0)
        return 0;
    if (x + width > COLS)
        width = COLS - x;
    char fitted[1024];
    kd_text_fit(text, width, kd_crt_glyph(KD_G_ELLIPSIS), fitted, sizeof fitted);
    const char *p = fitted;
    wchar_t wc;
    int col = 0, w;
    while ((w = kd_text_next(&p, &wc)) >= 0) {
        if (w == 0)
            continue; /* combining marks: kept out rather than mis-measured */
        if (col + w > width)
            break;
        put_wc(y, x + col, wc, w, elem);
        col += w;
    }
    return col;
}

int kd_draw_text_pad(int y, int x, int width, enum kd_theme_elem elem, const char *text)
{
    int used = kd_draw_text(y, x, width, elem, text);
    for (int c = used; c < width; c++)
        put_wc(y, x + c, L' ', 1, elem);
    return width > 0 ? width : 0;
}

int kd_draw_text_right(int y, int x, int width, enum kd_theme_elem elem, const char *text)
{
    int w = kd_text_width(text);
    if (w > width)
        w = width;
    return kd_draw_text(y, x + width - w, w, elem, text);
}

int kd_draw_printf(int y, int x, int width, enum kd_theme_elem elem, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return kd_draw_text(y, x, width, elem, buf);
}

void kd_draw_glyph(int y, int x, enum kd_glyph g, enum kd_theme_elem elem)
{
    const char *s = kd_crt_glyph(g);
    kd_draw_text(y, x, kd_text_width(s), elem, s);
}

void kd_draw_frame(struct kd_rect r, const char *title, bool focused)
{
    if (r.w < 2 || r.h < 2)
        return;
    enum kd_theme_elem be = focused ? KD_TE_BORDER_FOCUS : KD_TE_BORDER;
    int off = focused ? KD_G_HLINE_FOCUS - KD_G_HLINE : 0;
    int right = r.x + r.w - 1, bottom = r.y + r.h - 1;
    kd_draw_glyph(r.y, r.x, (enum kd_glyph)(KD_G_ULCORNER + off), be);
    kd_draw_glyph(r.y, right, (enum kd_glyph)(KD_G_URCORNER + off), be);
    kd_draw_glyph(bottom, r.x, (enum kd_glyph)(KD_G_LLCORNER + off), be);
    kd_draw_glyph(bottom, right, (enum kd_glyph)(KD_G_LRCORNER + off), be);
    for (int x = r.x + 1; x < right; x++) {
        kd_draw_glyph(r.y, x, (enum kd_glyph)(KD_G_HLINE + off), be);
        kd_draw_glyph(bottom, x, (enum kd_glyph)(KD_G_HLINE + off), be);
    }
    for (int y = r.y + 1; y < bottom; y++) {
        kd_draw_glyph(y, r.x, (enum kd_glyph)(KD_G_VLINE + off), be);
        kd_draw_glyph(y, right, (enum kd_glyph)(KD_G_VLINE + off), be);
    }
    if (title && *title && r.w > 6) {
        char buf[256];
        snprintf(buf, sizeof buf, focused ? "[%s]" : " %s ", title);
        kd_draw_text(r.y, r.x + 1, r.w - 2, focused ? KD_TE_TITLE_FOCUS : KD_TE_TITLE, buf);
    }
}

char kd_draw_elem_letter(int elem)
{
    static const char letters[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%&*+=";
    if (elem < 0 || (size_t)elem >= sizeof letters - 1)
        return '.';
    return letters[elem];
}

/* A cell drawn with A_ALTCHARSET reads back as a VT100 letter ('q', 'x'); name
 * the glyph it stands for instead.  Only WACS_ or ACS_ drawing produces these;
 * keydeck itself draws literal glyphs, but other code might not. */
static wchar_t acs_to_glyph(wchar_t c)
{
    bool utf8 = kd_crt_utf8();
    switch (c) {
    case 'q': return utf8 ? 0x2500 : '-';
    case 'x': return utf8 ? 0x2502 : '|';
    case 'l': return utf8 ? 0x250c : '+';
    case 'k': return utf8 ? 0x2510 : '+';
    case 'm': return utf8 ? 0x2514 : '+';
    case 'j': return utf8 ? 0x2518 : '+';
    case 't': return utf8 ? 0x251c : '+';
    case 'u': return utf8 ? 0x2524 : '+';
    case 'w': return utf8 ? 0x252c : '+';
    case 'v': return utf8 ? 0x2534 : '+';
    case 'n': return utf8 ? 0x253c : '+';
    default: return c;
    }
}

char *kd_draw_row_text(int y, char *buf, size_t len)
{
    size_t used = 0;
    if (!buf || !len)
        return buf;
    buf[0] = '\0';
    for (int x = 0; x < COLS; x++) {
        cchar_t cc;
        wchar_t wch[CCHARW_MAX + 1];
        attr_t attrs;
        short pair;
        if (mvin_wch(y, x, &cc) == ERR)
            break;
        if (getcchar(&cc, wch, &attrs, &pair, NULL) == ERR)
            break;
        wchar_t c = wch[0] ? wch[0] : L' ';
        if (attrs & A_ALTCHARSET)
            c = acs_to_glyph(c);
        if (kd_draw_secret_at(y, x))
            c = kd_crt_utf8() ? 0x2022 : L'*'; /* never a secret (nor its length) in a dump */
        char mb[MB_LEN_MAX];
        mbstate_t st;
        memset(&st, 0, sizeof st);
        size_t n = wcrtomb(mb, c, &st);
        if (n == (size_t)-1) {
            mb[0] = '?';
            n = 1;
        }
        if (used + n + 1 > len)
            break;
        memcpy(buf + used, mb, n);
        used += n;
        int w = wcwidth(c);
        if (w > 1)
            x += w - 1; /* the next cell is the second half of this character */
    }
    while (used > 0 && buf[used - 1] == ' ')
        used--;
    buf[used] = '\0';
    return buf;
}

int kd_draw_save_display(FILE *out)
{
    char *line = kd_xmalloc((size_t)COLS * MB_LEN_MAX + 1);
    for (int y = 0; y < LINES; y++)
        fprintf(out, "%s\n", kd_draw_row_text(y, line, (size_t)COLS * MB_LEN_MAX + 1));
    free(line);
    return ferror(out) ? -1 : 0;
}

int kd_draw_save_attrs(FILE *out)
{
    bool used[KD_TE_COUNT] = {false};
    for (int y = 0; y < LINES; y++) {
        for (int x = 0; x < COLS; x++) {
            int e = kd_draw_elem_at(y, x);
            if (e >= 0 && e < KD_TE_COUNT)
                used[e] = true;
            fputc(kd_draw_elem_letter(e), out);
        }
        fputc('\n', out);
    }
    for (int e = 0; e < KD_TE_COUNT; e++)
        if (used[e])
            fprintf(out, "# %c %s\n", kd_draw_elem_letter(e),
                    kd_theme_elem_name((enum kd_theme_elem)e));
    return ferror(out) ? -1 : 0;
}
