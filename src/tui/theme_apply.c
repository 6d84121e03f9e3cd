#include "tui/theme.h"

#include <curses.h>

/* theme.h keeps attributes in `unsigned` so it needs no <curses.h>. */
_Static_assert(sizeof(attr_t) <= sizeof(unsigned), "attr_t must fit in unsigned");

/* The applied theme, as ready-made curses attributes. */
static attr_t kd_attrs[KD_TE_COUNT];
static bool kd_mono;

/* ---- palette ---------------------------------------------------------- */

unsigned kd_theme_palette_rgb(int index)
{
    if (index < 0 || index > 255)
        return 0;
    if (index < 16) {
        /* xterm's defaults: normal colours at 0xcd, bright at 0xff, with its
         * exceptions for white, grey, blue and bright blue. */
        if (index == 7)
            return 0xe5e5e5;
        if (index == 8)
            return 0x7f7f7f;
        unsigned level = index < 8 ? 0xcd : 0xff;
        int bits = index & 7;
        unsigned r = (bits & 1) ? level : 0;
        unsigned g = (bits & 2) ? level : 0;
        unsigned b = (bits & 4) ? level : 0;
        if (index == 4)
            b = 0xee;
        if (index == 12)
            r = g = 0x5c;
        return r << 16 | g << 8 | b;
    }
    if (index < 232) {
        /* 6x6x6 cube: levels 0, 95, 135, 175, 215, 255. */
        int n = index - 16;
        int rgb[3] = {n / 36, (n / 6) % 6, n % 6};
        unsigned v[3];
        for (int i = 0; i < 3; i++)
            v[i] = rgb[i] ? (unsigned)(55 + 40 * rgb[i]) : 0;
        return v[0] << 16 | v[1] << 8 | v[2];
    }
    unsigned grey = (unsigned)(8 + 10 * (index - 232));
    return grey << 16 | grey << 8 | grey;
}

/* Squared distance in luma and two colour-difference axes (Y, B-Y, R-Y).
 * Weighting hue differences this strongly keeps greys on greys: plain RGB
 * distance would send mid grey to xterm's light "bright blue" (#5c5cff). */
static double color_distance(unsigned a, unsigned b)
{
    double c[2][3];
    unsigned v[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        double r = (double)(v[i] >> 16 & 0xff), g = (double)(v[i] >> 8 & 0xff);
        double bl = (double)(v[i] & 0xff);
        double y = 0.299 * r + 0.587 * g + 0.114 * bl;
        c[i][0] = y;
        c[i][1] = bl - y;
        c[i][2] = r - y;
    }
    double d = 0;
    for (int k = 0; k < 3; k++)
        d += (c[0][k] - c[1][k]) * (c[0][k] - c[1][k]);
    return d;
}

static int nearest_in(unsigned rgb, int first, int last, int skip)
{
    int best = -1;
    double best_d = 0;
    for (int i = first; i <= last; i++) {
        if (i == skip)
            continue;
        double d = color_distance(rgb, kd_theme_palette_rgb(i));
        if (best < 0 || d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

int kd_theme_nearest_color(unsigned rgb, int colors)
{
    if (colors >= 256)
        return nearest_in(rgb, 16, 255, -1);
    if (colors >= 16)
        return nearest_in(rgb, 0, 15, -1);
    return nearest_in(rgb, 0, 7, -1);
}

/* Map a theme colour onto a palette of 8, 16 or 256 entries.  With 8 colours a
 * bright foreground becomes its base colour plus bold (what 8-colour terminals
 * traditionally show as bright); a background just loses the brightness. */
static short map_color(const struct kd_color *c, bool is_fg, int palette, attr_t *extra)
{
    if (!c->is_rgb && c->index < 0)
        return -1;
    if (!c->is_rgb && (c->index < 16 || palette >= 256)) {
        int i = c->index;
        if (palette < 16 && i >= 8) {
            if (is_fg)
                *extra |= A_BOLD;
            i -= 8;
        }
        return (short)i;
    }
    unsigned rgb = c->is_rgb ? c->rgb : kd_theme_palette_rgb(c->index);
    if (palette >= 256)
        return (short)nearest_in(rgb, 16, 255, -1);
    if (palette >= 16)
        return (short)nearest_in(rgb, 0, 15, -1);
    if (!is_fg)
        return (short)nearest_in(rgb, 0, 7, -1);
    /* Foreground on 8 colours: brights via bold, except bold black, which many
     * terminals draw as plain black. */
    int i = nearest_in(rgb, 0, 15, 8);
    if (i >= 8) {
        *extra |= A_BOLD;
        i -= 8;
    }
    return (short)i;
}

/* ---- applying --------------------------------------------------------- */

void kd_theme_apply(const struct kd_theme *t, bool force_mono)
{
    if (!t)
        t = kd_theme_builtin_default();

    bool colour = !force_mono && t->requires != 0 && has_colors();
    if (colour && start_color() == ERR)
        colour = false;
    if (colour && COLORS < t->requires)
        colour = false;

    const struct kd_theme_style *def = &t->styles[KD_TE_DEFAULT];
    if (!colour) {
        for (int e = 0; e < KD_TE_COUNT; e++) {
            const struct kd_theme_style *s = t->styles[e].has_mono ? &t->styles[e] : def;
            kd_attrs[e] = s->has_mono ? (attr_t)s->mono_attrs : A_NORMAL;
        }
        kd_mono = true;
        return;
    }

    /* Above 256, COLORS usually means direct colour, where indices past 7 are RGB
     * values rather than palette entries: stay with the 8 ANSI colours there. */
    int palette = COLORS > 256 ? 8 : COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : 8;
    bool have_default = use_default_colors() == OK;
    /* A pair number must fit the attribute's pair field (8 bits in a chtype). */
    int max_pairs = COLOR_PAIRS - 1 < 255 ? COLOR_PAIRS - 1 : 255;
    short pair_fg[256], pair_bg[256];
    int npairs = 0;

    for (int e = 0; e < KD_TE_COUNT; e++) {
        const struct kd_theme_style *s = t->styles[e].has_color ? &t->styles[e] : def;
        attr_t extra = 0;
        short fg = -1, bg = -1;
        attr_t attrs = 0;
        if (s->has_color) {
            fg = map_color(&s->fg, true, palette, &extra);
            bg = map_color(&s->bg, false, palette, &extra);
            attrs = (attr_t)s->attrs;
        }
        if (!have_default) {
            if (fg < 0)
                fg = COLOR_WHITE;
            if (bg < 0)
                bg = COLOR_BLACK;
        }
        int pair = 0;
        for (int p = 0; p < npairs; p++) {
            if (pair_fg[p] == fg && pair_bg[p] == bg) {
                pair = p + 1;
                break;
            }
        }
        if (!pair && npairs < max_pairs && init_pair((short)(npairs + 1), fg, bg) == OK) {
            pair_fg[npairs] = fg;
            pair_bg[npairs] = bg;
            pair = ++npairs;
        }
        /* Out of pairs (tiny COLOR_PAIRS): the terminal's colours, attributes kept. */
        kd_attrs[e] = (pair ? COLOR_PAIR(pair) : 0) | attrs | extra;
    }
    kd_mono = false;
}

unsigned kd_theme_attr(enum kd_theme_elem e)
{
    return (int)e >= 0 && e < KD_TE_COUNT ? (unsigned)kd_attrs[e] : (unsigned)A_NORMAL;
}

bool kd_theme_is_mono(void)
{
    return kd_mono;
}
