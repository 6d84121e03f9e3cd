/*
 * draw.h — putting text on the screen, remembering which theme element drew
 * each cell.
 *
 * Every pane draws onto stdscr through these functions, which (1) clip to a
 * width, (2) use only semantic theme elements for attributes, and (3) record
 * the element of each cell in a shadow grid, so screen tests can check "which
 * meaning is where" (:save-attrs) without depending on colour numbers.
 */
#ifndef KD_TUI_DRAW_H
#define KD_TUI_DRAW_H

#include <stdbool.h>
#include <stdio.h>

#include "tui/crt.h"
#include "tui/layout.h"
#include "tui/theme.h"

/** (Re)size the shadow grid to the screen (after init and every resize). */
void kd_draw_reset(int rows, int cols);
void kd_draw_free(void);

/** Fill a rectangle with blanks of elem (a pane's "erase", never clear()). */
void kd_draw_fill(struct kd_rect r, enum kd_theme_elem elem);

/**
 * Draw text at (y, x) in at most width columns, cut with an ellipsis when too
 * long.  Returns the columns used.  Text past the screen edge is clipped.
 */
int kd_draw_text(int y, int x, int width, enum kd_theme_elem elem, const char *text);

/** Like kd_draw_text, padded with blanks to exactly width columns. */
int kd_draw_text_pad(int y, int x, int width, enum kd_theme_elem elem, const char *text);

/** Right-align text so that it ends at column x + width - 1. */
int kd_draw_text_right(int y, int x, int width, enum kd_theme_elem elem, const char *text);

/** A printf into kd_draw_text. */
int kd_draw_printf(int y, int x, int width, enum kd_theme_elem elem, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/** A glyph (border piece, ellipsis, sort arrow) at (y, x). */
void kd_draw_glyph(int y, int x, enum kd_glyph g, enum kd_theme_elem elem);

/**
 * A pane frame: border around r, title in the top border.  A focused frame uses
 * the heavy (UTF-8) or '='/'#' (ASCII) glyphs and the .focus elements, and its
 * title is wrapped in brackets, so focus shows without colour.
 */
void kd_draw_frame(struct kd_rect r, const char *title, bool focused);

/** Which element drew cell (y, x); -1 when none recorded. */
int kd_draw_elem_at(int y, int x);

/** The letter :save-attrs writes for an element ('.' for none). */
char kd_draw_elem_letter(int elem);

/**
 * Secret regions: cells that show a secret (a new key's plaintext).  They are
 * on the terminal, but every read-back of the screen (:save-display, status
 * expectations) shows them as '•' ('*' in ASCII), so no dump holds a secret.
 * The registry is cleared by kd_draw_secret_clear and kd_draw_reset.
 */
void kd_draw_secret_add(int y, int x, int width);
void kd_draw_secret_clear(void);
/** Is cell (y, x) in a secret region? */
bool kd_draw_secret_at(int y, int x);

/** Write the screen's characters, one line per row, trailing blanks removed. */
int kd_draw_save_display(FILE *out);
/** Write one letter per cell naming its element, then a legend. */
int kd_draw_save_attrs(FILE *out);
/** Row y of the screen as text (for :expect-status); returns buf. */
char *kd_draw_row_text(int y, char *buf, size_t len);

#endif
