#include "tui/theme.h"

#include <ctype.h>
#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/xalloc.h"

#ifndef KD_PKGDATADIR
#define KD_PKGDATADIR "/usr/local/share/keydeck"
#endif

/* Generated from themes/default.theme at build time, so the compiled-in
 * default cannot drift from the shipped file. */
static const char kd_builtin_text[] =
#include "tui/default_theme.inc"
    ;

#define KD_THEME_MAX_BYTES (1024 * 1024)
#define KD_THEME_MAX_DEPTH 8
#define KD_THEME_MAX_WORDS 16

/* ---- element names ---------------------------------------------------- */

static const char *const kd_elem_names[KD_TE_COUNT] = {
#define KD_X(id, name, desc) name,
    KD_THEME_ELEMENTS(KD_X)
#undef KD_X
};

static const char *const kd_elem_descs[KD_TE_COUNT] = {
#define KD_X(id, name, desc) desc,
    KD_THEME_ELEMENTS(KD_X)
#undef KD_X
};

int kd_theme_elem_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < KD_TE_COUNT; i++)
        if (strcmp(kd_elem_names[i], name) == 0)
            return i;
    return -1;
}

const char *kd_theme_elem_name(enum kd_theme_elem e)
{
    return (int)e >= 0 && e < KD_TE_COUNT ? kd_elem_names[e] : "?";
}

const char *kd_theme_elem_description(enum kd_theme_elem e)
{
    return (int)e >= 0 && e < KD_TE_COUNT ? kd_elem_descs[e] : "?";
}

/* ---- words: colours and attributes ------------------------------------ */

static const char *const kd_color_names[8] = {
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

static bool parse_color(const char *w, struct kd_color *c)
{
    memset(c, 0, sizeof *c);
    if (strcmp(w, "default") == 0) {
        c->index = -1;
        return true;
    }
    for (int i = 0; i < 8; i++) {
        if (strcmp(w, kd_color_names[i]) == 0) {
            c->index = i;
            return true;
        }
        if (strncmp(w, "bright-", 7) == 0 && strcmp(w + 7, kd_color_names[i]) == 0) {
            c->index = i + 8;
            c->bright = true;
            return true;
        }
    }
    if (w[0] == '#') {
        if (strlen(w) != 7)
            return false;
        for (int i = 1; i < 7; i++)
            if (!isxdigit((unsigned char)w[i]))
                return false;
        c->is_rgb = true;
        c->rgb = (unsigned)strtoul(w + 1, NULL, 16);
        c->index = kd_theme_nearest_color(c->rgb, 256); /* refined at apply time */
        return true;
    }
    const char *digits = strncmp(w, "color", 5) == 0 ? w + 5 : w;
    size_t n = strlen(digits);
    if (n == 0 || n > 3)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)digits[i]))
            return false;
    int v = atoi(digits);
    if (v > 255)
        return false;
    c->index = v;
    c->bright = v >= 8 && v < 16;
    return true;
}

/* Returns false for an unknown word; blink is accepted and contributes nothing
 * (it annoys more than it informs, and many terminals ignore it anyway). */
static bool parse_attr(const char *w, unsigned *attrs)
{
    static const struct {
        const char *name;
        unsigned bits;
    } table[] = {
        {"normal", 0},
        {"bold", A_BOLD},
        {"dim", A_DIM},
        {"underline", A_UNDERLINE},
        {"reverse", A_REVERSE},
        {"standout", A_STANDOUT},
        {"italic", A_ITALIC},
        {"blink", 0},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(w, table[i].name) == 0) {
            *attrs |= table[i].bits;
            return true;
        }
    }
    return false;
}

/* ---- messages --------------------------------------------------------- */

static void warn_append(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void warn_append(char *buf, size_t len, const char *fmt, ...)
{
    if (!buf || len == 0)
        return;
    size_t used = strnlen(buf, len);
    if (used >= len - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

/* ---- search path ------------------------------------------------------ */

static void user_themes_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        snprintf(buf, len, "%s/keydeck/themes", xdg);
    else if (home && *home)
        snprintf(buf, len, "%s/.config/keydeck/themes", home);
    else
        buf[0] = '\0';
}

/* $KEYDECK_THEMES_DIR lets tests and uninstalled runs use the source tree. */
static const char *system_themes_dir(void)
{
    const char *env = getenv("KEYDECK_THEMES_DIR");
    return env && *env ? env : KD_PKGDATADIR "/themes";
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool is_path(const char *s)
{
    return strchr(s, '/') || ends_with(s, ".theme");
}

static bool valid_name(const char *s)
{
    if (!*s || s[0] == '.' || s[0] == '-')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
            return false;
    return true;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* "dir/dark.theme" -> "dark" */
static void name_from_origin(const char *origin, char *buf, size_t len)
{
    const char *base = strrchr(origin, '/');
    base = base ? base + 1 : origin;
    size_t n = strlen(base);
    if (ends_with(base, ".theme"))
        n -= 6;
    if (n >= len)
        n = len - 1;
    memcpy(buf, base, n);
    buf[n] = '\0';
}

static int read_file(const char *path, char **text, struct kd_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return kd_error_set(err, KD_ERR_IO, "theme", "%s: cannot open: %s", path,
                            strerror(errno));
    size_t cap = 4096, len = 0;
    char *buf = kd_xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            if (cap > KD_THEME_MAX_BYTES) {
                fclose(f);
                free(buf);
                return kd_error_set(err, KD_ERR_INVALID, "theme",
                                    "%s: too large for a theme (over %d bytes)", path,
                                    KD_THEME_MAX_BYTES);
            }
            cap *= 2;
            buf = kd_xrealloc(buf, cap);
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    bool failed = ferror(f);
    int saved = errno;
    fclose(f);
    if (failed) {
        free(buf);
        return kd_error_set(err, KD_ERR_IO, "theme", "%s: cannot read: %s", path,
                            strerror(saved));
    }
    buf[len] = '\0';
    *text = buf;
    return 0;
}

/* ---- parsing ---------------------------------------------------------- */

/* The themes being loaded, outermost first, to catch `extends` loops. */
struct kd_chain {
    char ids[KD_THEME_MAX_DEPTH][PATH_MAX];
    char shown[KD_THEME_MAX_DEPTH][64];
    int depth;
};

static int load_impl(const char *name_or_path, struct kd_theme *out, char *warnings,
                     size_t warnings_len, struct kd_chain *chain, struct kd_error *err);

static int parse_impl(const char *text, const char *origin, const struct kd_theme *base,
                      struct kd_theme *out, char *warnings, size_t warnings_len,
                      struct kd_chain *chain, struct kd_error *err);

static void theme_empty(struct kd_theme *t)
{
    memset(t, 0, sizeof *t);
    t->requires = 8;
    for (int i = 0; i < KD_TE_COUNT; i++) {
        t->styles[i].fg.index = -1;
        t->styles[i].bg.index = -1;
    }
}

const char *kd_theme_builtin_default_text(void)
{
    return kd_builtin_text;
}

const struct kd_theme *kd_theme_builtin_default(void)
{
    static struct kd_theme builtin;
    static bool ready;
    if (!ready) {
        struct kd_theme empty;
        struct kd_chain chain;
        struct kd_error err;
        theme_empty(&empty);
        chain.depth = 0;
        if (parse_impl(kd_builtin_text, "default.theme", &empty, &builtin, NULL, 0, &chain,
                       &err) != 0) {
            /* Generated from a file the unit tests parse; reaching this is a build bug. */
            fprintf(stderr, "keydeck: built-in theme: %s\n", err.message);
            abort();
        }
        ready = true;
    }
    return &builtin;
}

/* Split a line into words in place: blanks separate words, "..." quotes (with
 * \" and \\).  '#' begins a comment at the start of a line, and at the start of
 * a later word unless a hex digit follows (that word is a #rrggbb colour, and a
 * malformed one is reported as such rather than silently dropped).  Returns
 * the word count, or -1 with *why set. */
static int split_words(char *line, char **words, const char **why)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (!*p)
            break;
        if (*p == '#' && (n == 0 || !isxdigit((unsigned char)p[1])))
            break;
        if (n == KD_THEME_MAX_WORDS) {
            *why = "too many words on one line";
            return -1;
        }
        if (*p == '"') {
            char *dst = ++p;
            words[n++] = dst;
            for (;;) {
                if (!*p) {
                    *why = "unterminated quoted string";
                    return -1;
                }
                if (*p == '"')
                    break;
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                    p++;
                *dst++ = *p++;
            }
            p++;
            if (*p && *p != ' ' && *p != '\t' && *p != '\r') {
                *why = "a quoted string must be followed by a blank";
                return -1;
            }
            *dst = '\0';
            continue;
        }
        words[n++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
        if (*p)
            *p++ = '\0';
    }
    return n;
}

#define KD_FAIL(...) \
    do { \
        kd_error_set(err, KD_ERR_INVALID, "theme", __VA_ARGS__); \
        goto fail; \
    } while (0)

static int parse_impl(const char *text, const char *origin, const struct kd_theme *base,
                      struct kd_theme *out, char *warnings, size_t warnings_len,
                      struct kd_chain *chain, struct kd_error *err)
{
    struct kd_theme t = *base;
    char *copy = kd_xstrdup(text ? text : "");
    bool seen_style = false, seen_extends = false, seen_title = false;
    char title[sizeof t.display_name] = ""; /* applied last: `extends` may follow */
    int lineno = 0;

    name_from_origin(origin, t.name, sizeof t.name);

    char *save = NULL;
    char *line = copy;
    while (line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        save = nl ? nl + 1 : NULL;
        lineno++;

        char *w[KD_THEME_MAX_WORDS];
        const char *why = NULL;
        int n = split_words(line, w, &why);
        if (n < 0)
            KD_FAIL("%s:%d: %s", origin, lineno, why);
        if (n == 0) {
            line = save;
            continue;
        }
        const char *d = w[0];

        if (strcmp(d, "theme") == 0) {
            if (n < 2)
                KD_FAIL("%s:%d: theme: missing display name", origin, lineno);
            if (n > 2)
                KD_FAIL("%s:%d: theme: too many arguments (quote a name with spaces: "
                        "theme \"My theme\")", origin, lineno);
            if (!w[1][0])
                KD_FAIL("%s:%d: theme: empty display name", origin, lineno);
            if (strlen(w[1]) >= sizeof t.display_name)
                KD_FAIL("%s:%d: theme: display name too long (at most %zu bytes)", origin,
                        lineno, sizeof t.display_name - 1);
            snprintf(title, sizeof title, "%s", w[1]);
            seen_title = true;
        } else if (strcmp(d, "extends") == 0) {
            if (n < 2)
                KD_FAIL("%s:%d: extends: missing theme name", origin, lineno);
            if (n > 2)
                KD_FAIL("%s:%d: extends: too many arguments", origin, lineno);
            if (seen_extends)
                KD_FAIL("%s:%d: extends: given twice", origin, lineno);
            if (seen_style)
                KD_FAIL("%s:%d: extends must come before color and mono lines", origin,
                        lineno);
            /* Relative parent paths are relative to this file. */
            char parent_ref[PATH_MAX];
            const char *slash = strrchr(origin, '/');
            if (strchr(w[1], '/') && w[1][0] != '/' && slash)
                snprintf(parent_ref, sizeof parent_ref, "%.*s/%s", (int)(slash - origin),
                         origin, w[1]);
            else
                snprintf(parent_ref, sizeof parent_ref, "%s", w[1]);
            struct kd_theme parent;
            struct kd_error perr;
            kd_error_clear(&perr);
            if (load_impl(parent_ref, &parent, warnings, warnings_len, chain, &perr) != 0) {
                if (perr.code == KD_ERR_NOT_FOUND)
                    KD_FAIL("%s:%d: extends: unknown theme \"%s\"", origin, lineno, w[1]);
                if (strstr(perr.message, "extends loop") == perr.message)
                    KD_FAIL("%s:%d: %s", origin, lineno, perr.message);
                if (err)
                    *err = perr;
                goto fail;
            }
            char keep_name[sizeof t.name];
            memcpy(keep_name, t.name, sizeof keep_name);
            t = parent;
            memcpy(t.name, keep_name, sizeof keep_name);
            seen_extends = true;
        } else if (strcmp(d, "requires") == 0) {
            if (n < 2)
                KD_FAIL("%s:%d: requires: missing value (8, 16, 256 or mono)", origin, lineno);
            if (n > 2)
                KD_FAIL("%s:%d: requires: too many arguments", origin, lineno);
            if (strcmp(w[1], "8") == 0)
                t.requires = 8;
            else if (strcmp(w[1], "16") == 0)
                t.requires = 16;
            else if (strcmp(w[1], "256") == 0)
                t.requires = 256;
            else if (strcmp(w[1], "mono") == 0)
                t.requires = 0;
            else
                KD_FAIL("%s:%d: requires: bad value \"%s\" (expected 8, 16, 256 or mono)",
                        origin, lineno, w[1]);
        } else if (strcmp(d, "color") == 0 || strcmp(d, "mono") == 0) {
            bool is_color = d[0] == 'c';
            int first_attr = is_color ? 4 : 2;
            if (n < 2)
                KD_FAIL("%s:%d: %s: missing element", origin, lineno, d);
            struct kd_color fg = {.index = -1}, bg = {.index = -1};
            if (is_color) {
                if (n < 3)
                    KD_FAIL("%s:%d: color: missing foreground colour for \"%s\"", origin,
                            lineno, w[1]);
                if (n < 4)
                    KD_FAIL("%s:%d: color: missing background colour for \"%s\"", origin,
                            lineno, w[1]);
                if (!parse_color(w[2], &fg))
                    KD_FAIL("%s:%d: unknown colour \"%s\"", origin, lineno, w[2]);
                if (!parse_color(w[3], &bg))
                    KD_FAIL("%s:%d: unknown colour \"%s\"", origin, lineno, w[3]);
            }
            unsigned attrs = 0;
            for (int i = first_attr; i < n; i++)
                if (!parse_attr(w[i], &attrs))
                    KD_FAIL("%s:%d: unknown attribute \"%s\"", origin, lineno, w[i]);
            seen_style = true;
            int e = kd_theme_elem_from_name(w[1]);
            if (e < 0) {
                warn_append(warnings, warnings_len, "%s:%d: unknown element \"%s\" (ignored)\n",
                            origin, lineno, w[1]);
            } else if (is_color) {
                t.styles[e].has_color = true;
                t.styles[e].fg = fg;
                t.styles[e].bg = bg;
                t.styles[e].attrs = attrs;
            } else {
                t.styles[e].has_mono = true;
                t.styles[e].mono_attrs = attrs;
            }
        } else {
            KD_FAIL("%s:%d: unknown directive \"%s\" (expected theme, extends, requires, "
                    "color or mono)", origin, lineno, d);
        }
        line = save;
    }

    snprintf(t.display_name, sizeof t.display_name, "%s", seen_title ? title : t.name);
    free(copy);
    *out = t;
    return 0;
fail:
    free(copy);
    return -1;
}

#undef KD_FAIL

int kd_theme_parse(const char *text, const char *origin, struct kd_theme *out,
                   char *warnings, size_t warnings_len, struct kd_error *err)
{
    struct kd_chain chain;
    chain.depth = 0;
    return parse_impl(text, origin ? origin : "(theme)", kd_theme_builtin_default(), out,
                      warnings, warnings_len, &chain, err);
}

/* Resolve a name or path to a file; "" for the built-in default. */
static int resolve(const char *name_or_path, char *path, size_t len, struct kd_error *err)
{
    if (is_path(name_or_path)) {
        if (!file_exists(name_or_path))
            return kd_error_set(err, KD_ERR_NOT_FOUND, "theme", "%s: no such theme file",
                                name_or_path);
        snprintf(path, len, "%s", name_or_path);
        return 0;
    }
    if (strcmp(name_or_path, "default") == 0) {
        path[0] = '\0';
        return 0;
    }
    if (!valid_name(name_or_path))
        return kd_error_set(err, KD_ERR_INVALID, "theme",
                            "bad theme name \"%s\" (letters, digits, '.', '_' and '-')",
                            name_or_path);
    char user[PATH_MAX];
    user_themes_dir(user, sizeof user);
    int n;
    if (user[0]) {
        n = snprintf(path, len, "%s/%s.theme", user, name_or_path);
        if (n > 0 && (size_t)n < len && file_exists(path))
            return 0;
    }
    n = snprintf(path, len, "%s/%s.theme", system_themes_dir(), name_or_path);
    if (n > 0 && (size_t)n < len && file_exists(path))
        return 0;
    return kd_error_set(err, KD_ERR_NOT_FOUND, "theme",
                        "theme \"%s\" not found (looked in %s%s%s)", name_or_path,
                        user[0] ? user : "", user[0] ? " and " : "", system_themes_dir());
}

static int load_impl(const char *name_or_path, struct kd_theme *out, char *warnings,
                     size_t warnings_len, struct kd_chain *chain, struct kd_error *err)
{
    if (!name_or_path || !*name_or_path)
        return kd_error_set(err, KD_ERR_INVALID, "theme", "empty theme name");
    char path[PATH_MAX];
    if (resolve(name_or_path, path, sizeof path, err) != 0)
        return -1;
    if (!path[0]) {
        *out = *kd_theme_builtin_default();
        return 0;
    }

    char id[PATH_MAX];
    if (!realpath(path, id))
        snprintf(id, sizeof id, "%s", path);
    for (int i = 0; i < chain->depth; i++) {
        if (strcmp(chain->ids[i], id) == 0) {
            char loop[512] = "";
            for (int j = i; j < chain->depth; j++) {
                strncat(loop, chain->shown[j], sizeof loop - strlen(loop) - 1);
                strncat(loop, " -> ", sizeof loop - strlen(loop) - 1);
            }
            strncat(loop, chain->shown[i], sizeof loop - strlen(loop) - 1);
            return kd_error_set(err, KD_ERR_INVALID, "theme", "extends loop: %s", loop);
        }
    }
    if (chain->depth == KD_THEME_MAX_DEPTH)
        return kd_error_set(err, KD_ERR_INVALID, "theme",
                            "%s: extends chain deeper than %d themes", path,
                            KD_THEME_MAX_DEPTH);

    char *text = NULL;
    if (read_file(path, &text, err) != 0)
        return -1;
    snprintf(chain->ids[chain->depth], sizeof chain->ids[0], "%s", id);
    name_from_origin(path, chain->shown[chain->depth], sizeof chain->shown[0]);
    chain->depth++;
    int rc = parse_impl(text, path, kd_theme_builtin_default(), out, warnings, warnings_len,
                        chain, err);
    chain->depth--;
    free(text);
    if (rc == 0 && !is_path(name_or_path)) {
        /* Loaded by name: keep the name the user typed. */
        bool titled = strcmp(out->display_name, out->name) != 0;
        snprintf(out->name, sizeof out->name, "%s", name_or_path);
        if (!titled)
            snprintf(out->display_name, sizeof out->display_name, "%s", out->name);
    }
    return rc;
}

int kd_theme_load(const char *name_or_path, struct kd_theme *out, char *warnings,
                  size_t warnings_len, struct kd_error *err)
{
    struct kd_chain chain;
    chain.depth = 0;
    struct kd_theme t;
    if (load_impl(name_or_path, &t, warnings, warnings_len, &chain, err) != 0)
        return -1;
    *out = t;
    return 0;
}

int kd_theme_check_file(const char *path, FILE *out)
{
    char warnings[4096] = "";
    struct kd_error err;
    struct kd_theme t;
    kd_error_clear(&err);
    /* Always a file here, even when the argument has no '/' and no suffix. */
    char ref[PATH_MAX];
    if (!path || !*path) {
        fprintf(out, "(theme): no file given\n");
        return 1;
    }
    if (is_path(path))
        snprintf(ref, sizeof ref, "%s", path);
    else
        snprintf(ref, sizeof ref, "./%s", path);
    int rc = kd_theme_load(ref, &t, warnings, sizeof warnings, &err);
    fputs(warnings, out);
    if (rc != 0) {
        fprintf(out, "%s\n", err.message);
        return 1;
    }
    return 0;
}

/* ---- listing ---------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void add_name(char ***names, size_t *len, size_t *cap, const char *name)
{
    for (size_t i = 0; i < *len; i++)
        if (strcmp((*names)[i], name) == 0)
            return;
    *names = kd_xgrow(*names, cap, *len + 2, sizeof **names);
    (*names)[(*len)++] = kd_xstrdup(name);
}

static void add_dir(char ***names, size_t *len, size_t *cap, const char *dir)
{
    DIR *d = dir[0] ? opendir(dir) : NULL;
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!ends_with(de->d_name, ".theme"))
            continue;
        char name[256];
        name_from_origin(de->d_name, name, sizeof name);
        if (valid_name(name))
            add_name(names, len, cap, name);
    }
    closedir(d);
}

char **kd_theme_names(void)
{
    char **names = NULL;
    size_t len = 0, cap = 0;
    char user[PATH_MAX];
    add_name(&names, &len, &cap, "default");
    user_themes_dir(user, sizeof user);
    add_dir(&names, &len, &cap, user);
    add_dir(&names, &len, &cap, system_themes_dir());
    qsort(names, len, sizeof *names, cmp_str);
    names[len] = NULL;
    return names;
}

void kd_theme_names_free(char **names)
{
    if (!names)
        return;
    for (char **p = names; *p; p++)
        free(*p);
    free(names);
}
