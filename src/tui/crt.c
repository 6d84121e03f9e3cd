/*
 * crt.c — terminal setup and teardown (see crt.h).
 */
#include "tui/crt.h"

#include <curses.h>
#include <langinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>

static SCREEN *crt_screen;
static FILE *crt_out, *crt_in;
static bool crt_own_files; /* headless: we opened /dev/null and must close it */
static bool crt_active;
static bool crt_is_utf8;
static bool crt_is_headless;
static bool crt_atexit_done;
static volatile sig_atomic_t crt_quit_sig;

static const char *const glyphs_utf8[KD_G_COUNT] = {
    [KD_G_HLINE] = "\u2500", [KD_G_VLINE] = "\u2502",
    [KD_G_ULCORNER] = "\u250c", [KD_G_URCORNER] = "\u2510",
    [KD_G_LLCORNER] = "\u2514", [KD_G_LRCORNER] = "\u2518",
    [KD_G_HLINE_FOCUS] = "\u2501", [KD_G_VLINE_FOCUS] = "\u2503",
    [KD_G_ULCORNER_FOCUS] = "\u250f", [KD_G_URCORNER_FOCUS] = "\u2513",
    [KD_G_LLCORNER_FOCUS] = "\u2517", [KD_G_LRCORNER_FOCUS] = "\u251b",
    [KD_G_ELLIPSIS] = "\u2026", [KD_G_SORT_UP] = "\u25b2", [KD_G_SORT_DOWN] = "\u25bc",
    [KD_G_SEPARATOR] = "\u2502", [KD_G_INFINITY] = "\u221e",
};

static const char *const glyphs_ascii[KD_G_COUNT] = {
    [KD_G_HLINE] = "-", [KD_G_VLINE] = "|",
    [KD_G_ULCORNER] = "+", [KD_G_URCORNER] = "+",
    [KD_G_LLCORNER] = "+", [KD_G_LRCORNER] = "+",
    [KD_G_HLINE_FOCUS] = "=", [KD_G_VLINE_FOCUS] = "#",
    [KD_G_ULCORNER_FOCUS] = "#", [KD_G_URCORNER_FOCUS] = "#",
    [KD_G_LLCORNER_FOCUS] = "#", [KD_G_LRCORNER_FOCUS] = "#",
    [KD_G_ELLIPSIS] = "~", [KD_G_SORT_UP] = "^", [KD_G_SORT_DOWN] = "v",
    [KD_G_SEPARATOR] = "|", [KD_G_INFINITY] = "inf",
};

bool kd_crt_locale_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

bool kd_crt_utf8(void)
{
    return crt_is_utf8;
}

bool kd_crt_headless(void)
{
    return crt_is_headless;
}

const char *kd_crt_glyph(enum kd_glyph g)
{
    if ((int)g < 0 || g >= KD_G_COUNT)
        return "?";
    return crt_is_utf8 ? glyphs_utf8[g] : glyphs_ascii[g];
}

FILE *kd_crt_output(void)
{
    return crt_out;
}

bool kd_crt_quit_requested(void)
{
    return crt_quit_sig != 0;
}

int kd_crt_quit_signal(void)
{
    return crt_quit_sig;
}

/* Only a flag: the loop notices within one input timeout and leaves through
 * the normal path, which restores the terminal. */
static void on_quit_signal(int sig)
{
    crt_quit_sig = sig;
}

/* A crash must not leave the user's terminal in raw mode without echo.  endwin
 * is not async-signal-safe, but the process is dying anyway (htop does the same);
 * SA_RESETHAND restored the default action, so raise() kills us as it should. */
static void on_crash_signal(int sig)
{
    if (crt_active && !crt_is_headless)
        endwin();
    crt_active = false;
    raise(sig);
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_quit_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    sa.sa_handler = on_crash_signal;
    sa.sa_flags = (int)SA_RESETHAND;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGABRT, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
}

static void restore_signals(void)
{
    int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGSEGV, SIGABRT, SIGBUS, SIGFPE};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL);
}

static void crt_atexit(void)
{
    kd_crt_done();
}

int kd_crt_init(const struct kd_crt_options *opt, struct kd_error *err)
{
    if (crt_active)
        return kd_error_set(err, KD_ERR_INTERNAL, NULL, "the terminal is already open");
    crt_quit_sig = 0;
    crt_is_headless = opt->headless;
    crt_is_utf8 = kd_crt_locale_is_utf8() && !opt->ascii;

    const char *term;
    if (opt->headless) {
        if (opt->cols < 1 || opt->rows < 1)
            return kd_error_set(err, KD_ERR_INVALID, "size",
                                "the headless screen size must be at least 1x1, got %dx%d",
                                opt->cols, opt->rows);
        term = "xterm-256color";
        crt_out = fopen("/dev/null", "w");
        crt_in = fopen("/dev/null", "r");
        if (!crt_out || !crt_in) {
            if (crt_out)
                fclose(crt_out);
            if (crt_in)
                fclose(crt_in);
            crt_out = crt_in = NULL;
            return kd_error_set(err, KD_ERR_IO, NULL, "cannot open /dev/null for the test screen");
        }
        crt_own_files = true;
    } else {
        term = getenv("TERM");
        if (!term || !*term)
            return kd_error_set(err, KD_ERR_INVALID, "TERM",
                                "TERM is not set; run with TERM=xterm-256color keydeck");
        crt_out = stdout;
        crt_in = stdin;
        crt_own_files = false;
    }

    /* Ask terminfo first so an unknown TERM gets advice rather than ncurses'
     * bare "Error opening terminal" and exit. */
    int setup_err = 0;
    if (setupterm(term, fileno(crt_out), &setup_err) != OK) {
        if (crt_own_files) {
            fclose(crt_out);
            fclose(crt_in);
        }
        crt_out = crt_in = NULL;
        return kd_error_set(err, KD_ERR_UNSUPPORTED, "TERM",
                            "terminal type '%s' is unknown on this host; install its terminfo "
                            "(infocmp -x | ssh HOST -- tic -x -) or run with "
                            "TERM=xterm-256color",
                            term);
    }
    del_curterm(cur_term);

    crt_screen = newterm(term, crt_out, crt_in);
    if (!crt_screen) {
        if (crt_own_files) {
            fclose(crt_out);
            fclose(crt_in);
        }
        crt_out = crt_in = NULL;
        return kd_error_set(err, KD_ERR_UNSUPPORTED, "TERM",
                            "cannot open the terminal '%s'; try TERM=xterm-256color", term);
    }
    set_term(crt_screen);
    crt_active = true;
    if (!crt_atexit_done) {
        atexit(crt_atexit);
        crt_atexit_done = true;
    }

    if (opt->headless)
        resizeterm(opt->rows, opt->cols);

    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    /* Esc must feel instant, but a user who set ESCDELAY knows their link. */
    if (!getenv("ESCDELAY"))
        set_escdelay(25);
    curs_set(0);
    if (opt->mouse)
        mousemask(BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    else
        mousemask(0, NULL);
    leaveok(stdscr, TRUE);
    install_signals();
    return 0;
}

void kd_crt_done(void)
{
    if (!crt_active)
        return;
    crt_active = false;
    curs_set(1);
    endwin();
    if (crt_screen) {
        delscreen(crt_screen);
        crt_screen = NULL;
    }
    if (crt_own_files) {
        fclose(crt_out);
        fclose(crt_in);
        crt_own_files = false;
    }
    crt_out = crt_in = NULL;
    restore_signals();
}

void kd_crt_resize(int cols, int rows)
{
    if (!crt_active || cols < 1 || rows < 1)
        return;
    resizeterm(rows, cols);
}
