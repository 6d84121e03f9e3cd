/*
 * keyname.c — parsing and naming keys (see keyname.h).
 */
#include "tui/keyname.h"

#include <curses.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

struct named_key {
    const char *name;
    int code;
};

/* Names as they appear in the help, doc/keys.md and scripts.  The first name
 * for a code is the one printed. */
static const struct named_key named_keys[] = {
    {"Tab", KD_KEY_TAB},
    {"S-Tab", KD_KEY_FN(KEY_BTAB)},
    {"Esc", KD_KEY_ESC},
    {"Enter", KD_KEY_ENTER_CR},
    {"Space", ' '},
    {"Up", KD_KEY_FN(KEY_UP)},
    {"Down", KD_KEY_FN(KEY_DOWN)},
    {"Left", KD_KEY_FN(KEY_LEFT)},
    {"Right", KD_KEY_FN(KEY_RIGHT)},
    {"PgUp", KD_KEY_FN(KEY_PPAGE)},
    {"PgDn", KD_KEY_FN(KEY_NPAGE)},
    {"Home", KD_KEY_FN(KEY_HOME)},
    {"End", KD_KEY_FN(KEY_END)},
    {"Backspace", KD_KEY_FN(KEY_BACKSPACE)},
    {"Del", KD_KEY_FN(KEY_DC)},
    {"Resize", KD_KEY_FN(KEY_RESIZE)},
    {"Lt", '<'},
    {"F1", KD_KEY_FN(KEY_F(1))},
    {"F2", KD_KEY_FN(KEY_F(2))},
    {"F3", KD_KEY_FN(KEY_F(3))},
    {"F4", KD_KEY_FN(KEY_F(4))},
    {"F5", KD_KEY_FN(KEY_F(5))},
    {"F10", KD_KEY_FN(KEY_F(10))},
};

int kd_key_normalize(int key)
{
    if (key == '\n' || key == KD_KEY_FN(KEY_ENTER))
        return KD_KEY_ENTER_CR;
    if (key == 127 || key == 8)
        return KD_KEY_FN(KEY_BACKSPACE);
    return key;
}

int kd_key_parse(const char *s, size_t *used)
{
    size_t dummy;
    if (!used)
        used = &dummy;
    *used = 0;
    if (!s || !*s)
        return KD_KEY_NONE;
    if (s[0] == '<') {
        const char *end = strchr(s, '>');
        if (end && end > s + 1) {
            size_t n = (size_t)(end - s - 1);
            const char *name = s + 1;
            /* <C-x>: the control character. */
            if (n == 3 && (name[0] == 'C' || name[0] == 'c') && name[1] == '-') {
                char c = name[2];
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                    *used = n + 2;
                    return (c | 0x20) & 0x1f;
                }
            }
            for (size_t i = 0; i < sizeof named_keys / sizeof named_keys[0]; i++) {
                if (strlen(named_keys[i].name) == n && strncmp(named_keys[i].name, name, n) == 0) {
                    *used = n + 2;
                    return named_keys[i].code;
                }
            }
        }
        /* Not a known name: a literal '<'. */
    }
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    size_t r = mbrtowc(&wc, s, strlen(s), &st);
    if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
        /* Not valid in this locale: take the byte as is. */
        *used = 1;
        return (unsigned char)s[0];
    }
    *used = r;
    return (int)wc;
}

void kd_key_name(int key, char *buf, size_t len)
{
    if (!buf || len == 0)
        return;
    for (size_t i = 0; i < sizeof named_keys / sizeof named_keys[0]; i++) {
        if (named_keys[i].code == key && key != '<') {
            snprintf(buf, len, "<%s>", named_keys[i].name);
            return;
        }
    }
    if (key >= 1 && key < 32) {
        snprintf(buf, len, "<C-%c>", (char)(key + 'a' - 1));
        return;
    }
    if (key >= 32 && key < 127) {
        snprintf(buf, len, "%c", (char)key);
        return;
    }
    if (key > 127 && key < 0x110000) {
        char mb[MB_LEN_MAX + 1];
        mbstate_t st;
        memset(&st, 0, sizeof st);
        size_t r = wcrtomb(mb, (wchar_t)key, &st);
        if (r != (size_t)-1) {
            mb[r] = '\0';
            snprintf(buf, len, "%s", mb);
            return;
        }
    }
    snprintf(buf, len, "<0x%x>", (unsigned)key);
}
