/*
 * cmd_tui.c — starting the dashboard from the command line: its global options,
 * the choice between the TUI and the text overview, and the theme checker.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/action.h"
#include "tui/theme.h"
#include "tui/tui.h"

void kd_cli_tui_usage(FILE *f)
{
    fprintf(f, "profiles ($XDG_CONFIG_HOME/keydeck/config, see keydeck.conf(5)):\n"
               "  --profile NAME       use a profile (default: $KEYDECK_PROFILE, default-profile)\n"
               "  --write              lift a profile's readonly = true for this run\n\n"
               "dashboard options (keydeck with no command, on a terminal):\n"
               "  --theme NAME|PATH    colours (default, dark, light, monochrome, high-contrast)\n"
               "  --color WHEN         auto, always or never (NO_COLOR is honoured)\n"
               "  --ascii              ASCII borders even in a UTF-8 locale\n"
               "  --mouse              enable the mouse (off by default)\n"
               "  --monitor            live monitoring view; implies --readonly\n"
               "  -d, --interval SECS  monitor refresh interval (default 2)\n"
               "  --check-theme FILE   check a theme file and report file:line: problems\n"
               "  --script FILE        run the dashboard headless from a key script (tests)\n"
               "  --size COLSxROWS     screen size for --script (default 80x24)\n");
}

/* The value of an option given as "--opt VALUE" or "--opt=VALUE". */
static int option_value(int argc, char **argv, int *i, const char *name, const char **value,
                        struct kd_error *err)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (a[n] == '=') {
        *value = a + n + 1;
        return 0;
    }
    if (*i + 1 >= argc)
        return kd_error_set(err, KD_ERR_INVALID, name, "%s needs a value", name);
    *value = argv[++*i];
    return 0;
}

static bool option_is(const char *a, const char *name)
{
    size_t n = strlen(name);
    return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

static int parse_int(const char *s, int lo, int hi, const char *field, int *out,
                     struct kd_error *err)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return kd_error_set(err, KD_ERR_INVALID, field, "'%s' is not a whole number from %d to %d",
                            s, lo, hi);
    *out = (int)v;
    return 0;
}

int kd_cli_tui_option(struct kd_cli *c, int argc, char **argv, int *i, int *exit_now,
                      struct kd_error *err)
{
    const char *a = argv[*i], *v;
    *exit_now = -1;
    if (option_is(a, "--profile")) {
        if (option_value(argc, argv, i, "--profile", &c->profile_opt, err) < 0)
            return -1;
    } else if (strcmp(a, "--write") == 0) {
        c->write_opt = true;
    } else if (strcmp(a, "--ascii") == 0) {
        c->tui.ascii = true;
    } else if (strcmp(a, "--mouse") == 0) {
        c->tui.mouse = true;
    } else if (strcmp(a, "--monitor") == 0) {
        c->tui.monitor = true;
        c->readonly = true;
    } else if (option_is(a, "--theme")) {
        if (option_value(argc, argv, i, "--theme", &c->tui.theme, err) < 0)
            return -1;
    } else if (option_is(a, "--color")) {
        if (option_value(argc, argv, i, "--color", &v, err) < 0)
            return -1;
        if (strcmp(v, "auto") && strcmp(v, "always") && strcmp(v, "never"))
            return kd_error_set(err, KD_ERR_INVALID, "--color",
                                "'%s' is not auto, always or never", v);
        c->tui.color = v;
    } else if (strcmp(a, "-d") == 0 || option_is(a, "--interval")) {
        if (option_value(argc, argv, i, a[1] == 'd' ? "-d" : "--interval", &v, err) < 0 ||
            parse_int(v, 1, 3600, "--interval", &c->tui.interval, err) < 0)
            return -1;
    } else if (option_is(a, "--script")) {
        if (option_value(argc, argv, i, "--script", &c->tui.script, err) < 0)
            return -1;
    } else if (option_is(a, "--size")) {
        if (option_value(argc, argv, i, "--size", &v, err) < 0)
            return -1;
        char *x = strchr(v, 'x');
        char cols[16];
        if (!x || (size_t)(x - v) >= sizeof cols)
            return kd_error_set(err, KD_ERR_INVALID, "--size", "'%s' is not COLSxROWS", v);
        memcpy(cols, v, (size_t)(x - v));
        cols[x - v] = '\0';
        if (parse_int(cols, 1, 1000, "--size", &c->tui.cols, err) < 0 ||
            parse_int(x + 1, 1, 1000, "--size", &c->tui.rows, err) < 0)
            return -1;
    } else if (option_is(a, "--check-theme")) {
        if (option_value(argc, argv, i, "--check-theme", &v, err) < 0)
            return -1;
        *exit_now = kd_theme_check_file(v, stderr) == 0 ? KD_EXIT_OK : KD_EXIT_USAGE;
    } else if (strcmp(a, "--print-keys-md") == 0) {
        kd_action_print_keys_md(stdout);
        *exit_now = KD_EXIT_OK;
    } else {
        return 0;
    }
    return 1;
}

int kd_cmd_tui(struct kd_cli *c)
{
    struct kd_error err;
    kd_error_clear(&err);
    bool interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    if (!c->tui.script && !interactive)
        return kd_cmd_overview(c);
    /* The dashboard can create a first API, so it opens for writing unless read-only. */
    if (kd_cli_open(c, !c->readonly, &err) < 0)
        return kd_cli_fail(&err);
    const char *no_color = getenv("NO_COLOR");
    const struct kd_settings *s = &c->settings;
    struct kd_tui_options opt = {
        .theme = s->theme,
        .force_mono = s->color == KD_COLOR_NEVER ||
                      (s->color != KD_COLOR_ALWAYS && no_color && *no_color),
        .ascii = c->tui.ascii,
        .mouse = s->mouse,
        .script_path = c->tui.script,
        .cols = c->tui.cols,
        .rows = c->tui.rows,
        .refresh_seconds = s->refresh,
        .monitor = c->tui.monitor,
        .profile_name = s->builtin_profile ? NULL : s->profile,
        .audit = &s->audit,
        .apis = &s->apis,
    };
    int rc = kd_tui_run(c->backend, &opt, &err);
    if (rc < 0)
        return kd_cli_fail(&err);
    return rc;
}
