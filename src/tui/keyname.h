/*
 * keyname.h — one notation for keys, shared by the binding table, the help
 * screen, doc/keys.md and the test scripts: a literal character ("j", "?"),
 * or a name in angle brackets ("<Tab>", "<S-Tab>", "<C-l>", "<PgDn>").
 */
#ifndef KD_TUI_KEYNAME_H
#define KD_TUI_KEYNAME_H

#include <stddef.h>

/* Key codes are curses codes (KEY_*), or characters (Unicode code points).
 * KD_KEY_NONE means "no key". */
#define KD_KEY_NONE (-1)
#define KD_KEY_ESC 27
#define KD_KEY_TAB 9
#define KD_KEY_ENTER_CR 13 /* nonl(): Enter arrives as CR */

/**
 * Parse one key in the notation above; *used receives how many bytes were
 * consumed (a literal UTF-8 character or a whole <Name>).  Returns KD_KEY_NONE
 * when s does not start with a key.
 */
int kd_key_parse(const char *s, size_t *used);

/** Name a key in the same notation ("j", "<Tab>", "<C-l>"). */
void kd_key_name(int key, char *buf, size_t len);

/** Fold the spellings of one key into one code: LF and KEY_ENTER become CR,
 *  DEL and ^H become <Backspace>. */
int kd_key_normalize(int key);

/* Function keys are offset so they never collide with code points. */
#define KD_KEY_FN(curses_key) (0x40000000 | (curses_key))

#endif
