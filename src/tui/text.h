/*
 * text.h — display width of text (wcwidth), and fitting text into columns.
 *
 * Pure functions, no curses.  Strings are UTF-8 (or whatever the locale's
 * multibyte encoding is).  Control characters and bytes that do not decode are
 * shown as '?', one column each: data from a keystore must never be able to
 * send escape sequences to the terminal or shift the columns.
 */
#ifndef KD_TUI_TEXT_H
#define KD_TUI_TEXT_H

#include <stddef.h>
#include <wchar.h>

/**
 * Decode the next character of *s, advance *s, and return its width in columns
 * (0 for combining marks, 1 or 2 otherwise).  *wc receives the character to
 * draw ('?' for a control character or an undecodable byte).  Returns -1 at the
 * end of the string.
 */
int kd_text_next(const char **s, wchar_t *wc);

/** Display width of s in columns. */
int kd_text_width(const char *s);

/**
 * Copy s into out so that it takes at most width columns; when it does not fit,
 * it is cut and ellipsis (one column: "…" or "~") ends it.  Returns the width
 * of the result.  out is always terminated (when outlen > 0).
 */
int kd_text_fit(const char *s, int width, const char *ellipsis, char *out, size_t outlen);

/**
 * Where the first line of s ends when s is wrapped to width columns: the number
 * of bytes of s on that line (at the last blank that fits, or cut mid-word when
 * no blank does; always at least one character).  The caller draws those bytes,
 * skips the blanks that follow and goes on.  0 only for an empty s.
 */
size_t kd_text_wrap(const char *s, int width);

#endif
