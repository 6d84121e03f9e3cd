/*
 * script.h — drive the TUI from a file instead of a keyboard (tig-style), for
 * deterministic screen tests on the headless screen.
 *
 * One item per line:
 *   j  ?  :              a literal key (a line of just ":" is the colon key)
 *   <Tab> <S-Tab> <Esc> <Enter> <C-l> <Up> <Down> <PgUp> <PgDn> <Home> <End>
 *   <Backspace> ...      a named key (keyname.h)
 *   "text"               typed character by character
 *   :save-display FILE   the screen's characters, one line per row
 *   :save-attrs FILE     one letter per cell naming its theme element, + legend
 *   :tick N              advance the pinned clock N seconds and run the timer's
 *                        work at once: a reload, or in the monitor its refresh
 *                        (none while paused)
 *   :resize C R          resize the screen to C columns x R rows
 *   :expect-status "t"   fail unless the status line (top row) contains t
 *   # comment            ignored, as are blank lines ("#" alone is the key)
 * Other :commands go to opt->script_command when the test program set one.
 * The screen is repainted after every item, as the interactive loop does.
 */
#ifndef KD_TUI_SCRIPT_H
#define KD_TUI_SCRIPT_H

#include "util/error.h"

struct kd_app;

/**
 * Run the script at path against app.  Stops at the end, when the app quits,
 * or at the first failing item: -1 with err naming "path:line: problem".
 */
int kd_script_run(const char *path, struct kd_app *app, struct kd_error *err);

#endif
