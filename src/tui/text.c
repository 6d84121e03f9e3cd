/*
 * text.c — width-aware text helpers (see text.h).
 */
#include "tui/text.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int kd_text_next(const char **s, wchar_t *wc)
{
    const char *p = *s;
    if (!p || !*p)
        return -1;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t c;
    size_t r = mbrtowc(&c, p, MB_CUR_MAX, &st);
    if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
        *s = p + 1;
        *wc = L'?';
        return 1;
    }
    *s = p + r;
    /* C0, DEL and C1 controls would move the cursor or start escapes. */
    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
        *wc = L'?';
        return 1;
    }
    int w = wcwidth(c);
    if (w < 0) {
        *wc = L'?';
        return 1;
    }
    *wc = c;
    return w;
}

int kd_text_width(const char *s)
{
    int total = 0, w;
    wchar_t wc;
    while ((w = kd_text_next(&s, &wc)) >= 0)
        total += w;
    return total;
}

size_t kd_text_wrap(const char *s, int width)
{
    const char *p = s, *last_blank = NULL;
    int used = 0, w;
    wchar_t wc;
    for (;;) {
        const char *at = p;
        if ((w = kd_text_next(&p, &wc)) < 0)
            return (size_t)(at - s); /* all of it fits */
        if (used + w > width && at > s)
            return last_blank ? (size_t)(last_blank - s) : (size_t)(at - s);
        if (wc == L' ')
            last_blank = at;
        used += w;
    }
}

int kd_text_fit(const char *s, int width, const char *ellipsis, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return 0;
    out[0] = '\0';
    if (!s || width <= 0)
        return 0;
    if (!ellipsis)
        ellipsis = "~";
    int total = kd_text_width(s);
    bool cut = total > width;
    int budget = cut ? width - 1 : width; /* the ellipsis takes one column */

    size_t used = 0;
    int cols = 0, w;
    const char *p = s;
    wchar_t wc;
    while (1) {
        const char *before = p;
        w = kd_text_next(&p, &wc);
        if (w < 0 || cols + w > budget)
            break;
        /* Copy the original bytes unless the character was replaced by '?'. */
        char tmp[MB_LEN_MAX];
        const char *src = before;
        size_t n = (size_t)(p - before);
        if (wc == L'?' && !(n == 1 && *before == '?')) {
            tmp[0] = '?';
            src = tmp;
            n = 1;
        }
        if (used + n + 1 > outlen)
            break;
        memcpy(out + used, src, n);
        used += n;
        cols += w;
    }
    if (cut) {
        size_t n = strlen(ellipsis);
        if (used + n + 1 <= outlen) {
            memcpy(out + used, ellipsis, n);
            used += n;
            cols += 1;
        }
    }
    out[used] = '\0';
    return cols;
}
