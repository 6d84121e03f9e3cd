/*
 * busy.h — the screen while a backend call waits on a server.
 *
 * A remote call can take seconds (or hang until its timeout).  The interactive
 * loop installs kd_busy as the backend's cancel callback: after a short grace
 * the bottom line says what it is waiting for, Esc cancels the call (which then
 * fails with KD_ERR_CANCELLED, reported like any error), and other keys typed
 * meanwhile are kept and replayed afterwards, in order.  Scripts (the screen
 * tests) never install it: a script does not wait for a person.
 */
#ifndef KD_TUI_BUSY_H
#define KD_TUI_BUSY_H

#include <stdbool.h>

#include "backend/backend.h"

#define KD_BUSY_GRACE_MS 250 /* calls faster than this show nothing */

/** Install the callback on b; what is waited on is described as what (a URL). */
void kd_busy_install(struct kd_backend *b, const char *what);
/** Remove it again. */
void kd_busy_uninstall(struct kd_backend *b);
/** A key typed during a call, oldest first; false when none is left. */
bool kd_busy_next_key(int *key);
/** Whether the waiting line was drawn since the last call (the screen needs a repaint). */
bool kd_busy_take_drawn(void);

#endif
