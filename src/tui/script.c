/*
 * script.c — the key-script runner (see script.h).
 */
#include "tui/script.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/app.h"
#include "tui/crt.h"
#include "tui/draw.h"
#include "tui/keyname.h"
#include "util/clock.h"

/* Strip "\n" and trailing blanks. */
static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

/* "text" -> text (no escapes: scripts type plain text). */
static int unquote(const char *in, char *out, size_t len)
{
    size_t n = strlen(in);
    if (n < 2 || in[0] != '"' || in[n - 1] != '"')
        return -1;
    snprintf(out, len, "%.*s", (int)(n - 2), in + 1);
    return 0;
}

static int save_to(const char *file, int (*save)(FILE *), const char *where,
                   struct kd_error *err)
{
    FILE *f = fopen(file, "w");
    if (!f)
        return kd_error_set(err, KD_ERR_IO, "script", "%s: cannot write %s", where, file);
    int rc = save(f);
    if (fclose(f) != 0 || rc != 0)
        return kd_error_set(err, KD_ERR_IO, "script", "%s: error writing %s", where, file);
    return 0;
}

static int command(struct kd_app *app, const char *line, const char *where, struct kd_error *err)
{
    char name[32];
    size_t n = strcspn(line + 1, " ");
    snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), line + 1);
    const char *arg = line + 1 + n;
    while (*arg == ' ')
        arg++;

    if (strcmp(name, "save-display") == 0 || strcmp(name, "save-attrs") == 0) {
        if (!*arg)
            return kd_error_set(err, KD_ERR_INVALID, "script", "%s: :%s needs a file name",
                                where, name);
        kd_render(app);
        return save_to(arg, name[5] == 'd' ? kd_draw_save_display : kd_draw_save_attrs, where,
                       err);
    }
    if (strcmp(name, "tick") == 0) {
        char *end;
        long secs = strtol(arg, &end, 10);
        if (end == arg || *end || secs < 0)
            return kd_error_set(err, KD_ERR_INVALID, "script",
                                "%s: :tick needs a whole number of seconds", where);
        kd_clock_advance((int64_t)secs * 1000);
        /* As if the loop's timer fired: the monitor refreshes unless paused. */
        kd_app_timer(app, true);
        kd_render(app);
        return 0;
    }
    if (strcmp(name, "resize") == 0) {
        int c, r;
        char extra;
        if (sscanf(arg, "%d %d %c", &c, &r, &extra) != 2 || c < 1 || r < 1 || c > 1000 ||
            r > 1000)
            return kd_error_set(err, KD_ERR_INVALID, "script",
                                "%s: :resize needs COLS ROWS between 1 and 1000", where);
        kd_crt_resize(c, r);
        /* A real terminal delivers KEY_RESIZE through the input; so does this. */
        kd_app_key(app, KD_KEY_FN(KEY_RESIZE));
        kd_render(app);
        return 0;
    }
    if (strcmp(name, "expect-status") == 0) {
        char want[256], have[4096];
        if (unquote(arg, want, sizeof want) != 0)
            return kd_error_set(err, KD_ERR_INVALID, "script",
                                "%s: :expect-status needs \"quoted text\"", where);
        kd_render(app);
        kd_draw_row_text(0, have, sizeof have);
        if (!strstr(have, want))
            return kd_error_set(err, KD_ERR_INVALID, "script",
                                "%s: status line lacks \"%s\": \"%s\"", where, want, have);
        return 0;
    }
    if (app->opt->script_command) {
        if (app->opt->script_command(app->opt->script_ctx, name, arg, err) != 0) {
            char why[sizeof err->message];
            snprintf(why, sizeof why, "%s", err->message);
            return kd_error_set(err, err->code, "script", "%s: :%s: %s", where, name, why);
        }
        kd_render(app);
        return 0;
    }
    return kd_error_set(err, KD_ERR_INVALID, "script", "%s: unknown command :%s", where, name);
}

int kd_script_run(const char *path, struct kd_app *app, struct kd_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return kd_error_set(err, KD_ERR_IO, "script", "cannot read the script %s", path);
    char line[1024], where[600];
    int lineno = 0, rc = 0;
    kd_render(app);
    while (!app->quit && fgets(line, sizeof line, f)) {
        lineno++;
        snprintf(where, sizeof where, "%s:%d", path, lineno);
        chomp(line);
        const char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || (s[0] == '#' && s[1]))
            continue;
        if (s[0] == ':' && s[1]) {
            if ((rc = command(app, s, where, err)) != 0)
                break;
            continue;
        }
        if (s[0] == '"' && s[1]) {
            char text[1024];
            if (unquote(s, text, sizeof text) != 0) {
                rc = kd_error_set(err, KD_ERR_INVALID, "script", "%s: unterminated \"text\"",
                                  where);
                break;
            }
            for (const char *p = text; *p && !app->quit;) {
                size_t used = 0;
                /* characters only: "<Tab>" inside quotes is typed literally */
                int k = kd_key_parse(p[0] == '<' ? "<Lt>" : p, &used);
                if (p[0] == '<')
                    used = 1;
                kd_app_key(app, k);
                kd_render(app);
                p += used ? used : 1;
            }
            continue;
        }
        size_t used = 0;
        int k = kd_key_parse(s, &used);
        if (k == KD_KEY_NONE || s[used] != '\0') {
            rc = kd_error_set(err, KD_ERR_INVALID, "script",
                              "%s: \"%s\" is not one key (one item per line)", where, s);
            break;
        }
        kd_app_key(app, k);
        kd_render(app);
    }
    fclose(f);
    return rc;
}
