/* test_theme.c — theme files: parsing, the shipped themes, the compiled-in
 * default, the man page, and how a theme lands on 256/16/8/no-colour terminals. */
#include <curses.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tui/theme.h"
#include "util/xalloc.h"

#include "test.h"

#ifndef KD_TEST_SRCDIR
#define KD_TEST_SRCDIR "."
#endif

static const char *const shipped[] = {
    "default", "dark", "light", "monochrome", "high-contrast",
};
#define N_SHIPPED (sizeof shipped / sizeof shipped[0])

/* Elements that carry a status: each needs a mono line in every shipped theme. */
static const enum kd_theme_elem status_elems[] = {
    KD_TE_BORDER_FOCUS,         KD_TE_TITLE_FOCUS,          KD_TE_BADGE_READONLY,
    KD_TE_BADGE_STALE,          KD_TE_BADGE_LIVE,           KD_TE_LIST_HEADER_SORTED,
    KD_TE_LIST_ROW_SELECTED,    KD_TE_LIST_ROW_SELECTED_UNFOCUSED,
    KD_TE_LIST_ROW_CHANGED,     KD_TE_SEARCH_MATCH,         KD_TE_FILTER_ACTIVE,
    KD_TE_KEY_STATUS_ACTIVE,    KD_TE_KEY_STATUS_EXPIRING,  KD_TE_KEY_STATUS_EXPIRED,
    KD_TE_KEY_STATUS_DISABLED,  KD_TE_KEY_STATUS_EXHAUSTED, KD_TE_KEY_STATUS_LIMITED,
    KD_TE_PERM_GRANTED,         KD_TE_PERM_DENIED,          KD_TE_PERM_INHERITED,
    KD_TE_FORM_INPUT_FOCUS,     KD_TE_FORM_INPUT_INVALID,   KD_TE_FORM_REQUIRED,
    KD_TE_BUTTON_FOCUS,         KD_TE_BUTTON_DANGER,        KD_TE_KEYBAR_DISABLED,
    KD_TE_HELP_DISABLED,        KD_TE_CRUMBS_ACTIVE,        KD_TE_LOG_OK,
    KD_TE_LOG_ERROR,            KD_TE_MSG_WARNING,          KD_TE_MSG_ERROR,
    KD_TE_MSG_SUCCESS,
};

static struct kd_error err;
static char warnings[4096];
static char user_dir[600]; /* $XDG_CONFIG_HOME/keydeck/themes */

static const char *srcdir(void)
{
    const char *s = getenv("KD_SRCDIR");
    return s && *s ? s : KD_TEST_SRCDIR;
}

/* Every test: shipped themes from the source tree, an empty user theme dir. */
static void setup_env(void)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/themes", srcdir());
    setenv("KEYDECK_THEMES_DIR", dir, 1);
    const char *xdg = kd_test_tmpdir();
    setenv("XDG_CONFIG_HOME", xdg, 1);
    snprintf(dir, sizeof dir, "%s/keydeck", xdg);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(user_dir, sizeof user_dir, "%s/themes", dir);
    ck_assert_int_eq(mkdir(user_dir, 0700), 0);
    warnings[0] = '\0';
    kd_error_clear(&err);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = kd_xmalloc((size_t)n + 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

/* Write a theme into the user dir; returns its path (static buffer). */
static const char *write_user_theme(const char *name, const char *text)
{
    static char path[700];
    snprintf(path, sizeof path, "%s/%s.theme", user_dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void load_shipped(const char *name, struct kd_theme *t)
{
    warnings[0] = '\0';
    int rc = kd_theme_load(name, t, warnings, sizeof warnings, &err);
    ck_assert_msg(rc == 0, "%s: %s", name, err.message);
}

static bool colors_equal(const struct kd_color *a, const struct kd_color *b)
{
    return a->index == b->index && a->is_rgb == b->is_rgb && a->bright == b->bright &&
           (!a->is_rgb || a->rgb == b->rgb);
}

static void assert_styles_equal(const struct kd_theme *a, const struct kd_theme *b)
{
    ck_assert_int_eq(a->requires, b->requires);
    ck_assert_str_eq(a->display_name, b->display_name);
    for (int e = 0; e < KD_TE_COUNT; e++) {
        const struct kd_theme_style *x = &a->styles[e], *y = &b->styles[e];
        const char *n = kd_theme_elem_name((enum kd_theme_elem)e);
        ck_assert_msg(x->has_color == y->has_color, "%s has_color", n);
        ck_assert_msg(x->has_mono == y->has_mono, "%s has_mono", n);
        if (x->has_color) {
            ck_assert_msg(colors_equal(&x->fg, &y->fg), "%s fg", n);
            ck_assert_msg(colors_equal(&x->bg, &y->bg), "%s bg", n);
            ck_assert_msg(x->attrs == y->attrs, "%s attrs", n);
        }
        if (x->has_mono)
            ck_assert_msg(x->mono_attrs == y->mono_attrs, "%s mono", n);
    }
}

/* Parse text as origin "t.theme" and expect exactly this error message. */
static void expect_error(const char *text, const char *message)
{
    struct kd_theme t;
    kd_error_clear(&err);
    ck_assert_int_eq(kd_theme_parse(text, "t.theme", &t, NULL, 0, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.message, message);
}

/* ---- names ------------------------------------------------------------ */

START_TEST(element_names_round_trip)
{
    for (int e = 0; e < KD_TE_COUNT; e++) {
        const char *name = kd_theme_elem_name((enum kd_theme_elem)e);
        ck_assert_int_eq(kd_theme_elem_from_name(name), e);
        ck_assert_uint_gt(strlen(kd_theme_elem_description((enum kd_theme_elem)e)), 0);
    }
    ck_assert_int_eq(kd_theme_elem_from_name("list.row.sparkly"), -1);
    ck_assert_int_eq(kd_theme_elem_from_name(""), -1);
    ck_assert_int_eq(kd_theme_elem_from_name(NULL), -1);
    ck_assert_str_eq(kd_theme_elem_name(KD_TE_LIST_ROW_SELECTED), "list.row.selected");
}
END_TEST

/* ---- the shipped themes ----------------------------------------------- */

START_TEST(every_shipped_theme_parses_cleanly)
{
    setup_env();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/themes", srcdir());
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open %s", dir);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n < 7 || strcmp(de->d_name + n - 6, ".theme") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct kd_theme t;
        warnings[0] = '\0';
        int rc = kd_theme_load(path, &t, warnings, sizeof warnings, &err);
        ck_assert_msg(rc == 0, "%s", err.message);
        ck_assert_msg(warnings[0] == '\0', "%s warns: %s", path, warnings);
        ck_assert_msg(strcmp(t.display_name, t.name) != 0, "%s has no theme line", path);
        files++;
    }
    closedir(d);
    ck_assert_int_eq(files, (int)N_SHIPPED);
    for (size_t i = 0; i < N_SHIPPED; i++) {
        struct kd_theme t;
        load_shipped(shipped[i], &t);
        ck_assert_str_eq(t.name, shipped[i]);
        ck_assert_msg(warnings[0] == '\0', "%s: %s", shipped[i], warnings);
    }
}
END_TEST

START_TEST(builtin_default_is_default_theme_file)
{
    setup_env();
    char path[1024];
    snprintf(path, sizeof path, "%s/themes/default.theme", srcdir());

    size_t len;
    char *bytes = slurp(path, &len);
    ck_assert_uint_eq(strlen(kd_theme_builtin_default_text()), len);
    ck_assert_str_eq(kd_theme_builtin_default_text(), bytes);

    /* The file, loaded like any theme, gives the built-in; and it styles every
     * element itself, so nothing depends on the fallback to `default`. */
    const struct kd_theme *b = kd_theme_builtin_default();
    ck_assert_str_eq(b->name, "default");
    ck_assert_str_eq(b->display_name, "Default");
    struct kd_theme parsed;
    ck_assert_int_eq(kd_theme_load(path, &parsed, warnings, sizeof warnings, &err), 0);
    assert_styles_equal(b, &parsed);
    for (int e = 0; e < KD_TE_COUNT; e++)
        ck_assert_msg(b->styles[e].has_color, "default.theme lacks a color line for %s",
                      kd_theme_elem_name((enum kd_theme_elem)e));

    struct kd_theme by_name;
    load_shipped("default", &by_name);
    assert_styles_equal(b, &by_name);
    free(bytes);
}
END_TEST

START_TEST(readonly_badge_is_loud_everywhere)
{
    setup_env();
    for (size_t i = 0; i < N_SHIPPED; i++) {
        struct kd_theme t;
        load_shipped(shipped[i], &t);
        const struct kd_theme_style *s = &t.styles[KD_TE_BADGE_READONLY];
        ck_assert_msg(s->has_color, "%s", shipped[i]);
        ck_assert_msg(!(s->fg.index < 0 && !s->fg.is_rgb && s->bg.index < 0 && !s->bg.is_rgb &&
                        s->attrs == 0),
                      "%s: badge.readonly is default default normal", shipped[i]);
        ck_assert_msg(s->has_mono && s->mono_attrs != 0,
                      "%s: badge.readonly has no mono attributes", shipped[i]);
    }
}
END_TEST

START_TEST(status_elements_have_mono_lines)
{
    setup_env();
    for (size_t i = 0; i < N_SHIPPED; i++) {
        struct kd_theme t;
        load_shipped(shipped[i], &t);
        for (size_t j = 0; j < sizeof status_elems / sizeof status_elems[0]; j++)
            ck_assert_msg(t.styles[status_elems[j]].has_mono, "%s: no mono line for %s",
                          shipped[i], kd_theme_elem_name(status_elems[j]));
    }
}
END_TEST

/* White or yellow text (any shade) on the terminal's own background vanishes
 * on light or dark terminals; default and light must never do that. */
START_TEST(no_white_or_yellow_on_default_background)
{
    setup_env();
    const char *themes[] = {"default", "light"};
    for (size_t i = 0; i < 2; i++) {
        struct kd_theme t;
        load_shipped(themes[i], &t);
        for (int e = 0; e < KD_TE_COUNT; e++) {
            const struct kd_theme_style *s = &t.styles[e];
            if (!s->has_color || s->bg.index >= 0 || s->bg.is_rgb)
                continue;
            int fg = s->fg.index;
            ck_assert_msg(s->fg.is_rgb || (fg != 3 && fg != 7 && fg != 11 && fg != 15),
                          "%s: %s is white/yellow on the default background", themes[i],
                          kd_theme_elem_name((enum kd_theme_elem)e));
        }
    }
}
END_TEST

START_TEST(theme_specific_rules)
{
    setup_env();
    struct kd_theme t;
    load_shipped("high-contrast", &t);
    ck_assert_int_eq(t.requires, 16);
    for (int e = 0; e < KD_TE_COUNT; e++) {
        const struct kd_theme_style *s = &t.styles[e];
        const char *n = kd_theme_elem_name((enum kd_theme_elem)e);
        ck_assert_msg(s->has_color && s->bg.index >= 0, "high-contrast: %s bg not explicit", n);
        ck_assert_msg(!(s->attrs & A_DIM), "high-contrast: %s is dim", n);
        ck_assert_msg(!s->has_mono || !(s->mono_attrs & A_DIM), "high-contrast: %s mono dim", n);
    }
    load_shipped("monochrome", &t);
    ck_assert_int_eq(t.requires, 0);
    ck_assert_str_eq(t.display_name, "Monochrome");
    load_shipped("dark", &t);
    ck_assert_int_eq(t.requires, 256);
    load_shipped("light", &t);
    ck_assert_int_eq(t.requires, 8);
    ck_assert_int_eq(t.styles[KD_TE_DEFAULT].fg.index, COLOR_BLACK);
}
END_TEST

START_TEST(man_page_lists_every_element)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/doc/keydeck-theme.5", srcdir());
    char *man = slurp(path, NULL);
    for (int e = 0; e < KD_TE_COUNT; e++) {
        char want[128];
        snprintf(want, sizeof want, "\n.B %s\n", kd_theme_elem_name((enum kd_theme_elem)e));
        ck_assert_msg(strstr(man, want) != NULL, "keydeck-theme.5 does not list %s",
                      kd_theme_elem_name((enum kd_theme_elem)e));
    }
    ck_assert_ptr_nonnull(strstr(man, "NO_COLOR"));
    ck_assert_ptr_nonnull(strstr(man, "check\\-theme"));
    free(man);
}
END_TEST

/* ---- parsing ---------------------------------------------------------- */

START_TEST(parse_words_and_colours)
{
    setup_env();
    struct kd_theme t;
    const char *text = "# a comment\n"
                       "theme \"My \\\"odd\\\" theme\"   # trailing comment\n"
                       "\n"
                       "requires 256\r\n"
                       "color key.id bright-red color200 bold underline blink\n"
                       "color key.name 33 #FF8800 italic\n"
                       "color\tmuted\tdefault\tblue\n"
                       "mono key.id reverse standout\n"
                       "mono key.name\n";
    int rc = kd_theme_parse(text, "dir/my.theme", &t, warnings, sizeof warnings, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    ck_assert_str_eq(t.name, "my");
    ck_assert_str_eq(t.display_name, "My \"odd\" theme");
    ck_assert_int_eq(t.requires, 256);

    const struct kd_theme_style *s = &t.styles[KD_TE_KEY_ID];
    ck_assert(s->has_color);
    ck_assert_int_eq(s->fg.index, 9);
    ck_assert(s->fg.bright);
    ck_assert_int_eq(s->bg.index, 200);
    ck_assert_uint_eq(s->attrs, A_BOLD | A_UNDERLINE); /* blink ignored */
    ck_assert(s->has_mono);
    ck_assert_uint_eq(s->mono_attrs, A_REVERSE | A_STANDOUT);

    s = &t.styles[KD_TE_KEY_NAME];
    ck_assert_int_eq(s->fg.index, 33);
    ck_assert(!s->fg.is_rgb);
    ck_assert(s->bg.is_rgb);
    ck_assert_uint_eq(s->bg.rgb, 0xff8800);
    ck_assert_uint_eq(s->attrs, A_ITALIC);
    ck_assert(s->has_mono);
    ck_assert_uint_eq(s->mono_attrs, 0);

    s = &t.styles[KD_TE_MUTED];
    ck_assert_int_eq(s->fg.index, -1);
    ck_assert_int_eq(s->bg.index, COLOR_BLUE);

    /* Untouched elements come from the default. */
    const struct kd_theme *d = kd_theme_builtin_default();
    ck_assert_int_eq(t.styles[KD_TE_TITLE_FOCUS].bg.index, d->styles[KD_TE_TITLE_FOCUS].bg.index);
    ck_assert_uint_eq(t.styles[KD_TE_TITLE_FOCUS].attrs, d->styles[KD_TE_TITLE_FOCUS].attrs);
    ck_assert_str_eq(warnings, "");

    /* No theme line: the display name is the file's name. */
    ck_assert_int_eq(kd_theme_parse("requires mono\n", "plain.theme", &t, NULL, 0, &err), 0);
    ck_assert_str_eq(t.display_name, "plain");
    ck_assert_int_eq(t.requires, 0);
}
END_TEST

START_TEST(parse_errors_name_file_line_and_word)
{
    setup_env();
    expect_error("theme \"x\"\ncolor key.id purpel default\n",
                 "t.theme:2: unknown colour \"purpel\"");
    expect_error("\n\n\ncolor key.id red default bold blinky\n",
                 "t.theme:4: unknown attribute \"blinky\"");
    expect_error("mono key.id bold shiny\n", "t.theme:1: unknown attribute \"shiny\"");
    expect_error("color key.id red\n",
                 "t.theme:1: color: missing background colour for \"key.id\"");
    expect_error("color key.id\n", "t.theme:1: color: missing foreground colour for \"key.id\"");
    expect_error("color\n", "t.theme:1: color: missing element");
    expect_error("mono\n", "t.theme:1: mono: missing element");
    expect_error("theme\n", "t.theme:1: theme: missing display name");
    expect_error("theme \"\"\n", "t.theme:1: theme: empty display name");
    expect_error("extends\n", "t.theme:1: extends: missing theme name");
    expect_error("requires\n", "t.theme:1: requires: missing value (8, 16, 256 or mono)");
    expect_error("# c\nrequires 12\n",
                 "t.theme:2: requires: bad value \"12\" (expected 8, 16, 256 or mono)");
    expect_error("colour key.id red default\n",
                 "t.theme:1: unknown directive \"colour\" (expected theme, extends, requires, "
                 "color or mono)");
    expect_error("theme \"open\n", "t.theme:1: unterminated quoted string");
    expect_error("color key.id color256 default\n", "t.theme:1: unknown colour \"color256\"");
    expect_error("color key.id #ff88 default\n", "t.theme:1: unknown colour \"#ff88\"");
    expect_error("color key.id red default #bad\n", "t.theme:1: unknown attribute \"#bad\"");
    expect_error("color key.id red #note\n",
                 "t.theme:1: color: missing background colour for \"key.id\"");
    expect_error("color key.id red #cafe\n", "t.theme:1: unknown colour \"#cafe\"");
    expect_error("color key.id bright-purple default\n",
                 "t.theme:1: unknown colour \"bright-purple\"");
    expect_error("extends nosuchtheme\n", "t.theme:1: extends: unknown theme \"nosuchtheme\"");
    expect_error("color key.id red default\nextends dark\n",
                 "t.theme:2: extends must come before color and mono lines");
    expect_error("theme a b\n",
                 "t.theme:1: theme: too many arguments (quote a name with spaces: theme "
                 "\"My theme\")");

    /* A failed parse leaves the output alone. */
    struct kd_theme t;
    ck_assert_int_eq(kd_theme_parse("theme \"Kept\"\n", "k.theme", &t, NULL, 0, &err), 0);
    ck_assert_int_eq(kd_theme_parse("theme \"Lost\"\ncolor x nope default\n", "k.theme", &t,
                                    NULL, 0, &err),
                     -1);
    ck_assert_str_eq(t.display_name, "Kept");
}
END_TEST

START_TEST(unknown_element_is_a_warning)
{
    setup_env();
    struct kd_theme t;
    const char *text = "theme \"W\"\n"
                       "color key.id red default\n"
                       "color list.row.sparkly red default\n"
                       "mono future.thing bold\n";
    int rc = kd_theme_parse(text, "w.theme", &t, warnings, sizeof warnings, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    ck_assert_str_eq(warnings, "w.theme:3: unknown element \"list.row.sparkly\" (ignored)\n"
                               "w.theme:4: unknown element \"future.thing\" (ignored)\n");
    ck_assert_int_eq(t.styles[KD_TE_KEY_ID].fg.index, COLOR_RED);
    /* Its colours are still checked. */
    expect_error("color list.row.sparkly purpel default\n", "t.theme:1: unknown colour \"purpel\"");
    /* A NULL buffer is fine. */
    ck_assert_int_eq(kd_theme_parse(text, "w.theme", &t, NULL, 0, &err), 0);
}
END_TEST

START_TEST(extends_chain_and_search_path)
{
    setup_env();
    write_user_theme("p1", "theme \"One\"\nrequires 16\n"
                           "color key.id red default\ncolor key.name red default\n"
                           "mono key.id underline\n");
    write_user_theme("p2", "extends p1\ncolor key.name blue default bold\n");
    write_user_theme("p3", "theme \"Three\"\nextends p2\ncolor key.id green default\n");
    struct kd_theme t;
    int rc = kd_theme_load("p3", &t, warnings, sizeof warnings, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    ck_assert_str_eq(t.name, "p3");
    ck_assert_str_eq(t.display_name, "Three");
    ck_assert_int_eq(t.requires, 16);                                /* from p1 */
    ck_assert_int_eq(t.styles[KD_TE_KEY_ID].fg.index, COLOR_GREEN);  /* p3 */
    ck_assert_int_eq(t.styles[KD_TE_KEY_NAME].fg.index, COLOR_BLUE); /* p2 */
    ck_assert_uint_eq(t.styles[KD_TE_KEY_NAME].attrs, A_BOLD);
    ck_assert_uint_eq(t.styles[KD_TE_KEY_ID].mono_attrs, A_UNDERLINE); /* p1 */
    ck_assert_int_eq(t.styles[KD_TE_TITLE_FOCUS].bg.index,              /* default */
                     kd_theme_builtin_default()->styles[KD_TE_TITLE_FOCUS].bg.index);

    /* p2 has no theme line: its own name, not its parent's "One". */
    ck_assert_int_eq(kd_theme_load("p2", &t, NULL, 0, &err), 0);
    ck_assert_str_eq(t.display_name, "p2");

    /* The user's directory wins over the shipped one. */
    write_user_theme("dark", "theme \"Mine\"\n");
    ck_assert_int_eq(kd_theme_load("dark", &t, NULL, 0, &err), 0);
    ck_assert_str_eq(t.display_name, "Mine");

    /* A user theme can extend a shipped one; "default" is always the built-in. */
    write_user_theme("dd", "extends light\n");
    ck_assert_int_eq(kd_theme_load("dd", &t, NULL, 0, &err), 0);
    ck_assert_int_eq(t.styles[KD_TE_DEFAULT].fg.index, COLOR_BLACK);
    ck_assert_str_eq(t.display_name, "dd");
    write_user_theme("default", "theme \"Not used\"\n");
    ck_assert_int_eq(kd_theme_load("default", &t, NULL, 0, &err), 0);
    ck_assert_str_eq(t.display_name, "Default");

    /* Parent warnings are passed on, naming the parent's file. */
    write_user_theme("wp", "color nope red default\n");
    const char *child = write_user_theme("wc", "extends wp\n");
    warnings[0] = '\0';
    ck_assert_int_eq(kd_theme_load(child, &t, warnings, sizeof warnings, &err), 0);
    ck_assert_ptr_nonnull(strstr(warnings, "/wp.theme:1: unknown element \"nope\""));

    /* A missing name is NOT_FOUND; a bad name is INVALID. */
    ck_assert_int_eq(kd_theme_load("missing", &t, NULL, 0, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_int_eq(kd_theme_load("../etc", &t, NULL, 0, &err), -1);
    ck_assert_int_eq(kd_theme_load("a b", &t, NULL, 0, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
}
END_TEST

START_TEST(extends_loop_is_an_error)
{
    setup_env();
    write_user_theme("la", "theme \"A\"\nextends lb\n");
    const char *lb = write_user_theme("lb", "# b\n\nextends la\n");
    char lb_path[700];
    snprintf(lb_path, sizeof lb_path, "%s", lb);
    struct kd_theme t;
    ck_assert_int_eq(kd_theme_load("la", &t, NULL, 0, &err), -1);
    char want[2048];
    snprintf(want, sizeof want, "%s:3: extends loop: la -> lb -> la", lb_path);
    ck_assert_str_eq(err.message, want);

    const char *self = write_user_theme("self", "extends self\n");
    char self_path[700];
    snprintf(self_path, sizeof self_path, "%s", self);
    ck_assert_int_eq(kd_theme_load(self_path, &t, NULL, 0, &err), -1);
    snprintf(want, sizeof want, "%s:1: extends loop: self -> self", self_path);
    ck_assert_str_eq(err.message, want);
}
END_TEST

START_TEST(theme_names_lists_user_and_shipped)
{
    setup_env();
    write_user_theme("zz-mine", "theme \"Z\"\n");
    write_user_theme("dark", "theme \"My dark\"\n");
    char **names = kd_theme_names();
    const char *want[] = {"dark", "default", "high-contrast", "light", "monochrome", "zz-mine"};
    size_t n = 0;
    while (names[n])
        n++;
    ck_assert_uint_eq(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(names[i], want[i]);
    kd_theme_names_free(names);
}
END_TEST

START_TEST(check_file_reports_like_the_cli)
{
    setup_env();
    char out_path[700];
    snprintf(out_path, sizeof out_path, "%s/out.txt", user_dir);

    const char *good = write_user_theme("good", "theme \"G\"\ncolor key.id red default\n");
    FILE *out = fopen(out_path, "w+");
    ck_assert_int_eq(kd_theme_check_file(good, out), 0);
    ck_assert_int_eq(ftell(out), 0);
    fclose(out);

    char path[700];
    snprintf(path, sizeof path, "%s", write_user_theme("warn", "color odd.thing red default\n"));
    out = fopen(out_path, "w");
    ck_assert_int_eq(kd_theme_check_file(path, out), 0);
    fclose(out);
    char want[2048];
    snprintf(want, sizeof want, "%s:1: unknown element \"odd.thing\" (ignored)\n", path);
    char *got = slurp(out_path, NULL);
    ck_assert_str_eq(got, want);
    free(got);

    snprintf(path, sizeof path, "%s",
             write_user_theme("bad", "theme \"B\"\ncolor odd.thing red default\n"
                                     "color key.id purpel default\n"));
    out = fopen(out_path, "w");
    ck_assert_int_eq(kd_theme_check_file(path, out), 1);
    fclose(out);
    snprintf(want, sizeof want,
             "%s:2: unknown element \"odd.thing\" (ignored)\n%s:3: unknown colour \"purpel\"\n",
             path, path);
    got = slurp(out_path, NULL);
    ck_assert_str_eq(got, want);
    free(got);

    out = fopen(out_path, "w");
    snprintf(path, sizeof path, "%s/none.theme", user_dir);
    ck_assert_int_eq(kd_theme_check_file(path, out), 1);
    fclose(out);
}
END_TEST

/* ---- palette ---------------------------------------------------------- */

START_TEST(palette_values_and_nearest)
{
    ck_assert_uint_eq(kd_theme_palette_rgb(0), 0x000000);
    ck_assert_uint_eq(kd_theme_palette_rgb(1), 0xcd0000);
    ck_assert_uint_eq(kd_theme_palette_rgb(7), 0xe5e5e5);
    ck_assert_uint_eq(kd_theme_palette_rgb(8), 0x7f7f7f);
    ck_assert_uint_eq(kd_theme_palette_rgb(9), 0xff0000);
    ck_assert_uint_eq(kd_theme_palette_rgb(12), 0x5c5cff);
    ck_assert_uint_eq(kd_theme_palette_rgb(16), 0x000000);
    ck_assert_uint_eq(kd_theme_palette_rgb(67), 0x5f87af);
    ck_assert_uint_eq(kd_theme_palette_rgb(196), 0xff0000);
    ck_assert_uint_eq(kd_theme_palette_rgb(231), 0xffffff);
    ck_assert_uint_eq(kd_theme_palette_rgb(232), 0x080808);
    ck_assert_uint_eq(kd_theme_palette_rgb(255), 0xeeeeee);

    ck_assert_int_eq(kd_theme_nearest_color(0x5f87af, 256), 67);
    ck_assert_int_eq(kd_theme_nearest_color(0x808080, 256), 244);
    ck_assert_int_eq(kd_theme_nearest_color(0xff0000, 256), 196);
    ck_assert_int_eq(kd_theme_nearest_color(0xff0000, 16), 9);
    ck_assert_int_eq(kd_theme_nearest_color(0x0000ff, 16), 4);
    ck_assert_int_eq(kd_theme_nearest_color(0x00ff00, 16), 10);
    ck_assert_int_eq(kd_theme_nearest_color(0xff0000, 8), 1);
    ck_assert_int_eq(kd_theme_nearest_color(0xf0f0f0, 8), 7);
    ck_assert_int_eq(kd_theme_nearest_color(0x101010, 8), 0);
}
END_TEST

/* ---- applying to terminals -------------------------------------------- */

static SCREEN *screen;

static void start_term(const char *term)
{
    FILE *out = fopen("/dev/null", "w");
    FILE *in = fopen("/dev/null", "r");
    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_nonnull(in);
    screen = newterm(term, out, in);
    ck_assert_msg(screen != NULL, "no terminfo for %s", term);
    set_term(screen);
}

/* A 16-colour terminal: xterm-16color needs ncurses-term, so build an
 * equivalent entry with tic when it is missing. */
static void start_term_16(void)
{
    if (system("infocmp xterm-16color >/dev/null 2>&1") == 0) {
        start_term("xterm-16color");
        ck_assert_int_eq(tigetnum("colors"), 16);
        return;
    }
    const char *dir = kd_test_tmpdir();
    char src[600], cmd[1400];
    snprintf(src, sizeof src, "%s/kd16.ti", dir);
    FILE *f = fopen(src, "w");
    ck_assert_ptr_nonnull(f);
    fputs("kd-test-16color|keydeck test terminal with 16 colours,\n"
          "\tcolors#16, pairs#256, use=xterm,\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "tic -x -o '%s' '%s' >/dev/null 2>&1", dir, src);
    ck_assert_msg(system(cmd) == 0, "tic failed: install ncurses-term or ncurses-bin");
    setenv("TERMINFO", dir, 1);
    start_term("kd-test-16color");
    ck_assert_int_eq(tigetnum("colors"), 16);
}

static void stop_term(void)
{
    endwin();
    delscreen(screen);
    screen = NULL;
}

/* The pair's colours for an element under the applied theme. */
static void pair_of(enum kd_theme_elem e, short *fg, short *bg)
{
    int pair = PAIR_NUMBER(kd_theme_attr(e));
    ck_assert_int_gt(pair, 0);
    ck_assert_int_eq(pair_content((short)pair, fg, bg), OK);
}

static void parse_ok(const char *text, struct kd_theme *t)
{
    int rc = kd_theme_parse(text, "t.theme", t, NULL, 0, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
}

START_TEST(apply_default_on_256_colours)
{
    setup_env();
    start_term("xterm-256color");
    kd_theme_apply(kd_theme_builtin_default(), false);
    ck_assert(!kd_theme_is_mono());
    short fg, bg;
    pair_of(KD_TE_DEFAULT, &fg, &bg);
    ck_assert_int_eq(fg, -1);
    ck_assert_int_eq(bg, -1);
    pair_of(KD_TE_TITLE_FOCUS, &fg, &bg);
    ck_assert_int_eq(fg, COLOR_BLACK);
    ck_assert_int_eq(bg, COLOR_CYAN);
    ck_assert_uint_eq(kd_theme_attr(KD_TE_TITLE_FOCUS) & A_ATTRIBUTES & ~A_COLOR, A_BOLD);
    /* The same colours share one pair (xterm-256color has plenty, 8-colour
     * terminals only 64). */
    ck_assert_int_eq(PAIR_NUMBER(kd_theme_attr(KD_TE_LIST_ROW_SELECTED)),
                     PAIR_NUMBER(kd_theme_attr(KD_TE_KEYBAR_KEY)));

    struct kd_theme dark;
    load_shipped("dark", &dark);
    kd_theme_apply(&dark, false);
    ck_assert(!kd_theme_is_mono());
    pair_of(KD_TE_KEY_STATUS_ACTIVE, &fg, &bg);
    ck_assert_int_eq(fg, 114);
    ck_assert_int_eq(bg, -1);
    stop_term();
}
END_TEST

START_TEST(no_color_gives_mono_attrs)
{
    setup_env();
    start_term("xterm-256color");
    const struct kd_theme *d = kd_theme_builtin_default();
    kd_theme_apply(d, true);
    ck_assert(kd_theme_is_mono());
    for (int e = 0; e < KD_TE_COUNT; e++) {
        unsigned a = kd_theme_attr((enum kd_theme_elem)e);
        ck_assert_int_eq(PAIR_NUMBER(a), 0);
        unsigned want = d->styles[e].has_mono ? d->styles[e].mono_attrs : 0;
        ck_assert_uint_eq(a, want);
    }
    ck_assert_uint_eq(kd_theme_attr(KD_TE_BADGE_READONLY), A_REVERSE | A_BOLD);
    ck_assert_uint_eq(kd_theme_attr(KD_TE_LIST_ROW_SELECTED), A_REVERSE);

    /* requires mono: mono even when colours are there and wanted. */
    struct kd_theme t;
    load_shipped("monochrome", &t);
    kd_theme_apply(&t, false);
    ck_assert(kd_theme_is_mono());
    ck_assert_uint_eq(kd_theme_attr(KD_TE_CHART), A_BOLD);
    stop_term();
}
END_TEST

START_TEST(no_colours_terminal_is_mono)
{
    setup_env();
    start_term("vt100");
    ck_assert(!has_colors());
    struct kd_theme t;
    load_shipped("dark", &t);
    kd_theme_apply(&t, false);
    ck_assert(kd_theme_is_mono());
    ck_assert_uint_eq(kd_theme_attr(KD_TE_BADGE_READONLY), A_REVERSE | A_BOLD);
    stop_term();
}
END_TEST

START_TEST(requires_above_terminal_falls_back_to_mono)
{
    setup_env();
    start_term("xterm");
    struct kd_theme t;
    load_shipped("dark", &t); /* requires 256 */
    kd_theme_apply(&t, false);
    ck_assert(kd_theme_is_mono());
    ck_assert_uint_eq(kd_theme_attr(KD_TE_LIST_ROW_SELECTED), A_REVERSE);
    ck_assert_int_eq(PAIR_NUMBER(kd_theme_attr(KD_TE_KEY_STATUS_ACTIVE)), 0);

    load_shipped("high-contrast", &t); /* requires 16 */
    kd_theme_apply(&t, false);
    ck_assert(kd_theme_is_mono());
    for (int e = 0; e < KD_TE_COUNT; e++)
        ck_assert(!(kd_theme_attr((enum kd_theme_elem)e) & A_DIM));

    kd_theme_apply(kd_theme_builtin_default(), false); /* requires 8 */
    ck_assert(!kd_theme_is_mono());
    stop_term();
}
END_TEST

START_TEST(bright_colours_degrade_to_bold_on_8)
{
    setup_env();
    struct kd_theme t;
    parse_ok("color key.id bright-red bright-blue underline\n"
             "color key.name color11 default\n", &t);
    start_term("xterm");
    kd_theme_apply(&t, false);
    ck_assert_int_eq(COLORS, 8);
    ck_assert(!kd_theme_is_mono());
    short fg, bg;
    pair_of(KD_TE_KEY_ID, &fg, &bg);
    ck_assert_int_eq(fg, COLOR_RED);
    ck_assert_int_eq(bg, COLOR_BLUE);
    unsigned a = kd_theme_attr(KD_TE_KEY_ID);
    ck_assert(a & A_BOLD);
    ck_assert(a & A_UNDERLINE);
    pair_of(KD_TE_KEY_NAME, &fg, &bg);
    ck_assert_int_eq(fg, COLOR_YELLOW);
    ck_assert(kd_theme_attr(KD_TE_KEY_NAME) & A_BOLD);
    stop_term();
}
END_TEST

START_TEST(bright_colours_are_8_to_15_on_16)
{
    setup_env();
    struct kd_theme t;
    parse_ok("color key.id bright-red bright-blue underline\n", &t);
    start_term_16();
    kd_theme_apply(&t, false);
    ck_assert(!kd_theme_is_mono());
    short fg, bg;
    pair_of(KD_TE_KEY_ID, &fg, &bg);
    ck_assert_int_eq(fg, 9);
    ck_assert_int_eq(bg, 12);
    ck_assert(!(kd_theme_attr(KD_TE_KEY_ID) & A_BOLD));

    /* high-contrast (requires 16) is in colour here, on black everywhere. */
    load_shipped("high-contrast", &t);
    kd_theme_apply(&t, false);
    ck_assert(!kd_theme_is_mono());
    pair_of(KD_TE_DEFAULT, &fg, &bg);
    ck_assert_int_eq(fg, 15);
    ck_assert_int_eq(bg, COLOR_BLACK);
    stop_term();
}
END_TEST

static const char rgb_theme[] = "color key.id #ff0000 color21\n"
                                "color key.name color46 #0000ff\n"
                                "color muted color245 color236\n";

START_TEST(rgb_and_color_n_map_to_nearest_on_16)
{
    setup_env();
    struct kd_theme t;
    parse_ok(rgb_theme, &t);
    start_term_16();
    kd_theme_apply(&t, false);
    short fg, bg;
    pair_of(KD_TE_KEY_ID, &fg, &bg);
    ck_assert_int_eq(fg, 9);
    ck_assert_int_eq(bg, 4);
    pair_of(KD_TE_KEY_NAME, &fg, &bg);
    ck_assert_int_eq(fg, 10);
    ck_assert_int_eq(bg, 4);
    pair_of(KD_TE_MUTED, &fg, &bg);
    ck_assert_int_eq(fg, 8);
    ck_assert_int_eq(bg, 0);
    stop_term();
}
END_TEST

START_TEST(rgb_and_color_n_map_to_nearest_on_8)
{
    setup_env();
    struct kd_theme t;
    parse_ok(rgb_theme, &t);
    start_term("xterm");
    kd_theme_apply(&t, false);
    short fg, bg;
    pair_of(KD_TE_KEY_ID, &fg, &bg);
    ck_assert_int_eq(fg, COLOR_RED);
    ck_assert_int_eq(bg, COLOR_BLUE);
    ck_assert(kd_theme_attr(KD_TE_KEY_ID) & A_BOLD);
    pair_of(KD_TE_KEY_NAME, &fg, &bg);
    ck_assert_int_eq(fg, COLOR_GREEN);
    ck_assert_int_eq(bg, COLOR_BLUE);
    ck_assert(kd_theme_attr(KD_TE_KEY_NAME) & A_BOLD);
    /* Grey text: white, not bold black (which many terminals show as black). */
    pair_of(KD_TE_MUTED, &fg, &bg);
    ck_assert_int_eq(fg, COLOR_WHITE);
    ck_assert_int_eq(bg, COLOR_BLACK);
    ck_assert(!(kd_theme_attr(KD_TE_MUTED) & A_BOLD));
    stop_term();
}
END_TEST

START_TEST(rgb_maps_into_the_cube_on_256)
{
    setup_env();
    struct kd_theme t;
    parse_ok("color key.id #5f87af #ff0000\ncolor key.name color9 default\n", &t);
    start_term("xterm-256color");
    kd_theme_apply(&t, false);
    short fg, bg;
    pair_of(KD_TE_KEY_ID, &fg, &bg);
    ck_assert_int_eq(fg, 67);
    ck_assert_int_eq(bg, 196);
    pair_of(KD_TE_KEY_NAME, &fg, &bg);
    ck_assert_int_eq(fg, 9);
    stop_term();
}
END_TEST

START_TEST(element_without_lines_looks_like_default)
{
    setup_env();
    struct kd_theme t;
    memset(&t, 0, sizeof t);
    t.requires = 8;
    t.styles[KD_TE_DEFAULT].has_color = true;
    t.styles[KD_TE_DEFAULT].fg.index = COLOR_RED;
    t.styles[KD_TE_DEFAULT].bg.index = COLOR_BLUE;
    t.styles[KD_TE_DEFAULT].attrs = A_UNDERLINE;
    t.styles[KD_TE_DEFAULT].has_mono = true;
    t.styles[KD_TE_DEFAULT].mono_attrs = A_BOLD;
    start_term("xterm");
    kd_theme_apply(&t, false);
    ck_assert_uint_eq(kd_theme_attr(KD_TE_KEY_ID), kd_theme_attr(KD_TE_DEFAULT));
    short fg, bg;
    pair_of(KD_TE_KEY_ID, &fg, &bg);
    ck_assert_int_eq(fg, COLOR_RED);
    ck_assert_int_eq(bg, COLOR_BLUE);
    kd_theme_apply(&t, true);
    ck_assert_uint_eq(kd_theme_attr(KD_TE_KEY_ID), A_BOLD);
    stop_term();
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, element_names_round_trip);
    tcase_add_test(tc, every_shipped_theme_parses_cleanly);
    tcase_add_test(tc, builtin_default_is_default_theme_file);
    tcase_add_test(tc, readonly_badge_is_loud_everywhere);
    tcase_add_test(tc, status_elements_have_mono_lines);
    tcase_add_test(tc, no_white_or_yellow_on_default_background);
    tcase_add_test(tc, theme_specific_rules);
    tcase_add_test(tc, man_page_lists_every_element);
    tcase_add_test(tc, parse_words_and_colours);
    tcase_add_test(tc, parse_errors_name_file_line_and_word);
    tcase_add_test(tc, unknown_element_is_a_warning);
    tcase_add_test(tc, extends_chain_and_search_path);
    tcase_add_test(tc, extends_loop_is_an_error);
    tcase_add_test(tc, theme_names_lists_user_and_shipped);
    tcase_add_test(tc, check_file_reports_like_the_cli);
    tcase_add_test(tc, palette_values_and_nearest);
    tcase_add_test(tc, apply_default_on_256_colours);
    tcase_add_test(tc, no_color_gives_mono_attrs);
    tcase_add_test(tc, no_colours_terminal_is_mono);
    tcase_add_test(tc, requires_above_terminal_falls_back_to_mono);
    tcase_add_test(tc, bright_colours_degrade_to_bold_on_8);
    tcase_add_test(tc, bright_colours_are_8_to_15_on_16);
    tcase_add_test(tc, rgb_and_color_n_map_to_nearest_on_16);
    tcase_add_test(tc, rgb_and_color_n_map_to_nearest_on_8);
    tcase_add_test(tc, rgb_maps_into_the_cube_on_256);
    tcase_add_test(tc, element_without_lines_looks_like_default);
}

KD_TEST_MAIN(add_cases)
