/*
 * busy.c — see busy.h.  The callback is polled by the HTTP client several
 * times a second while a transfer runs; a pause of more than a second between
 * polls means a new call began.
 */
#include "tui/busy.h"

#include <curses.h>
#include <stdio.h>
#include <time.h>

#include "tui/draw.h"
#include "tui/keyname.h"

#define BUSY_KEYS_MAX 64
#define BUSY_NEW_CALL_MS 1000

static struct {
    const char *what;
    long long first_ms, last_ms; /* of the current call */
    bool drawn;
    int keys[BUSY_KEYS_MAX];
    int head, len;
} busy;

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void keep_key(int key)
{
    if (busy.len < BUSY_KEYS_MAX)
        busy.keys[(busy.head + busy.len++) % BUSY_KEYS_MAX] = key;
}

static bool busy_poll(void *ctx)
{
    (void)ctx;
    long long now = mono_ms();
    if (now - busy.last_ms > BUSY_NEW_CALL_MS)
        busy.first_ms = now;
    busy.last_ms = now;
    long long waited = now - busy.first_ms;
    if (waited >= KD_BUSY_GRACE_MS) {
        char line[256];
        snprintf(line, sizeof line, " waiting for %s ... %.1f s  (Esc cancels)", busy.what,
                 (double)waited / 1000.0);
        kd_draw_text_pad(LINES - 1, 0, COLS, KD_TE_MSG_WARNING, line);
        wnoutrefresh(stdscr);
        doupdate();
        busy.drawn = true;
    }
    /* Drain what was typed: Esc cancels, the rest waits its turn. */
    wtimeout(stdscr, 0);
    wint_t ch;
    int r;
    bool cancel = false;
    while ((r = wget_wch(stdscr, &ch)) != ERR) {
        int key = r == KEY_CODE_YES ? KD_KEY_FN((int)ch) : (int)ch;
        if (key == KD_KEY_ESC)
            cancel = true;
        else
            keep_key(key);
    }
    return cancel;
}

void kd_busy_install(struct kd_backend *b, const char *what)
{
    busy.what = what ? what : "the server";
    kd_backend_set_cancel(b, busy_poll, NULL);
}

void kd_busy_uninstall(struct kd_backend *b)
{
    kd_backend_set_cancel(b, NULL, NULL);
}

bool kd_busy_next_key(int *key)
{
    if (busy.len == 0)
        return false;
    *key = busy.keys[busy.head];
    busy.head = (busy.head + 1) % BUSY_KEYS_MAX;
    busy.len--;
    return true;
}

bool kd_busy_take_drawn(void)
{
    bool d = busy.drawn;
    busy.drawn = false;
    return d;
}
