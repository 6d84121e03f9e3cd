/*
 * theme.h — semantic colours: what the TUI draws is named by meaning
 * ("list.row.selected"), and a theme file says how each meaning looks.
 *
 * File format (doc/keydeck-theme.5): one directive per line, '#' comments,
 *   theme    "Display name"
 *   extends  <theme-name>
 *   requires <8|16|256|mono>
 *   color    <element> <fg> <bg> [attr...]
 *   mono     <element> [attr...]
 * The default theme is compiled in from themes/default.theme, so keydeck works
 * with nothing installed.  Unknown elements are warnings; unknown colours or
 * attributes are errors reported as "file:line: message".
 */
#ifndef KD_TUI_THEME_H
#define KD_TUI_THEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/error.h"

/* X(enum suffix, "file name", "one-line description") */
#define KD_THEME_ELEMENTS(X)                                                        \
    X(DEFAULT, "default", "normal text")                                          \
    X(MUTED, "muted", "secondary text")                                           \
    X(BORDER, "border", "pane borders")                                           \
    X(BORDER_FOCUS, "border.focus", "the focused pane's border")                  \
    X(TITLE, "title", "pane titles")                                              \
    X(TITLE_FOCUS, "title.focus", "the focused pane's title")                     \
    X(BADGE_READONLY, "badge.readonly", "the [READ-ONLY] badge")                  \
    X(BADGE_STALE, "badge.stale", "the STALE marker when a refresh failed")       \
    X(BADGE_LIVE, "badge.live", "the LIVE marker of monitoring mode")             \
    X(LIST_HEADER, "list.header", "column headers")                               \
    X(LIST_HEADER_SORTED, "list.header.sorted", "the sorted column's header")     \
    X(LIST_ROW, "list.row", "list rows")                                          \
    X(LIST_ROW_ALT, "list.row.alt", "alternate list rows")                        \
    X(LIST_ROW_SELECTED, "list.row.selected", "the selected row, focused pane")   \
    X(LIST_ROW_SELECTED_UNFOCUSED, "list.row.selected.unfocused",                 \
      "the selected row, other panes")                                            \
    X(LIST_ROW_CHANGED, "list.row.changed", "rows changed since the last refresh") \
    X(LIST_FOOTER, "list.footer", "the \"12 of 340\" footer")                     \
    X(SEARCH_MATCH, "search.match", "filter matches")                             \
    X(FILTER_ACTIVE, "filter.active", "the active filter in a title")             \
    X(KEY_ID, "key.id", "key ids")                                                \
    X(KEY_NAME, "key.name", "key names")                                          \
    X(KEY_STATUS_ACTIVE, "key.status.active", "active keys")                      \
    X(KEY_STATUS_EXPIRING, "key.status.expiring", "keys expiring soon")           \
    X(KEY_STATUS_EXPIRED, "key.status.expired", "expired keys")                   \
    X(KEY_STATUS_DISABLED, "key.status.disabled", "disabled keys")                \
    X(KEY_STATUS_EXHAUSTED, "key.status.exhausted", "keys out of credits")        \
    X(KEY_STATUS_LIMITED, "key.status.limited", "rate-limited keys")              \
    X(SECRET_MASKED, "secret.masked", "masked secrets")                           \
    X(ROLE_NAME, "role.name", "role names")                                       \
    X(PERM_GRANTED, "perm.granted", "permissions held")                           \
    X(PERM_DENIED, "perm.denied", "permissions missing")                          \
    X(PERM_INHERITED, "perm.inherited", "permissions held via a role")            \
    X(FORM_LABEL, "form.label", "form labels")                                    \
    X(FORM_INPUT, "form.input", "form inputs")                                    \
    X(FORM_INPUT_FOCUS, "form.input.focus", "the focused input")                  \
    X(FORM_INPUT_INVALID, "form.input.invalid", "an invalid input")               \
    X(FORM_HINT, "form.hint", "hints beside inputs")                              \
    X(FORM_REQUIRED, "form.required", "required-field markers")                   \
    X(DIALOG, "dialog", "dialog body")                                            \
    X(DIALOG_BORDER, "dialog.border", "dialog border")                            \
    X(DIALOG_TITLE, "dialog.title", "dialog title")                               \
    X(BUTTON, "button", "buttons")                                                \
    X(BUTTON_FOCUS, "button.focus", "the focused button")                         \
    X(BUTTON_DANGER, "button.danger", "buttons of destructive actions")           \
    X(STATUSBAR, "statusbar", "the status bar")                                   \
    X(STATUSBAR_KEY, "statusbar.key", "emphasis in the status bar")               \
    X(KEYBAR_KEY, "keybar.key", "keys in the hint bar")                           \
    X(KEYBAR_LABEL, "keybar.label", "labels in the hint bar")                     \
    X(KEYBAR_DISABLED, "keybar.disabled", "unavailable actions (read-only)")      \
    X(PROMPT, "prompt", "the : and / prompts")                                    \
    X(PROMPT_INPUT, "prompt.input", "text typed at a prompt")                     \
    X(PROMPT_SUGGEST, "prompt.suggest", "completion suggestions")                 \
    X(HELP_SECTION, "help.section", "help section titles")                        \
    X(HELP_KEY, "help.key", "keys in help")                                       \
    X(HELP_TEXT, "help.text", "help text")                                        \
    X(HELP_DISABLED, "help.disabled", "unavailable actions in help")              \
    X(CRUMBS, "crumbs", "breadcrumbs")                                            \
    X(CRUMBS_ACTIVE, "crumbs.active", "the current breadcrumb")                   \
    X(LOG_OK, "log.ok", "successful log entries")                                 \
    X(LOG_ERROR, "log.error", "failed log entries")                               \
    X(CHART, "chart", "sparklines and bars")                                      \
    X(MSG_INFO, "msg.info", "informational messages")                             \
    X(MSG_WARNING, "msg.warning", "warnings")                                     \
    X(MSG_ERROR, "msg.error", "errors")                                           \
    X(MSG_SUCCESS, "msg.success", "success messages")

enum kd_theme_elem {
#define KD_X(id, name, desc) KD_TE_##id,
    KD_THEME_ELEMENTS(KD_X)
#undef KD_X
        KD_TE_COUNT
};

/* A colour: -1 = terminal default, 0..255 = palette index, or 24-bit RGB. */
struct kd_color {
    int index;     /* -1 default, 0-255 */
    bool is_rgb;   /* #rrggbb given: mapped to the palette at apply time */
    unsigned rgb;  /* 0xRRGGBB */
    bool bright;   /* bright-<name>: index 8-15 with >= 16 colours, else base + bold */
};

/* How one element looks: colours, attributes (A_* bits from curses), and the
 * attributes used in monochrome.  An element without a `color` line is drawn
 * like `default`; one without a `mono` line uses default's mono attributes.
 * Attributes are kept in `unsigned` so this header needs no <curses.h>; the
 * apply code checks at compile time that attr_t fits. */
struct kd_theme_style {
    bool has_color;
    struct kd_color fg, bg;
    unsigned attrs;      /* curses A_BOLD etc. for colour mode */
    bool has_mono;
    unsigned mono_attrs; /* attributes for monochrome */
};

struct kd_theme {
    char name[64];         /* the name it was loaded by ("dark") */
    char display_name[96]; /* from `theme "…"` */
    int requires;          /* 8, 16, 256, or 0 for mono (inherited; 8 if never given) */
    struct kd_theme_style styles[KD_TE_COUNT];
};

/** Element by file name ("list.row.selected"); -1 when unknown. */
int kd_theme_elem_from_name(const char *name);
const char *kd_theme_elem_name(enum kd_theme_elem e);
const char *kd_theme_elem_description(enum kd_theme_elem e);

/** The compiled-in default theme (the text of themes/default.theme, parsed).
 *  Parsed on first use; not thread-safe before then (call it from the UI thread). */
const struct kd_theme *kd_theme_builtin_default(void);
/** The compiled-in text of themes/default.theme. */
const char *kd_theme_builtin_default_text(void);

/**
 * Parse theme text into *out (which starts as a copy of its `extends` parent,
 * or of the default).  origin names the file in messages ("dark.theme"); out->name
 * becomes origin's base name without ".theme".  `extends` must come before any
 * color/mono line; "default" always means the built-in default.
 * Errors: -1 with "origin:line: message" (KD_ERR_INVALID, field "theme"), and *out
 * is left unchanged.  Warnings (unknown elements) are appended to warnings (one
 * per line, "origin:line: message\n") when warnings is non-NULL.
 */
int kd_theme_parse(const char *text, const char *origin, struct kd_theme *out,
                   char *warnings, size_t warnings_len, struct kd_error *err);

/**
 * Load a theme by name or path: a path (contains '/' or ends in .theme) is read
 * directly; a name is looked up in $XDG_CONFIG_HOME/keydeck/themes/NAME.theme,
 * then <pkgdatadir>/themes/NAME.theme (KD_PKGDATADIR, or $KEYDECK_THEMES_DIR
 * when set, for tests and uninstalled runs), and "default" is built in.
 */
int kd_theme_load(const char *name_or_path, struct kd_theme *out, char *warnings,
                  size_t warnings_len, struct kd_error *err);

/**
 * Validate a theme file for `keydeck --check-theme FILE`: prints each warning
 * and the error, if any, as "file:line: message" lines to out.  Returns 0 when
 * the theme is valid (warnings allowed), 1 otherwise.
 */
int kd_theme_check_file(const char *path, FILE *out);

/** Names of the themes that can be found (for :theme completion); NULL-terminated, caller frees with kd_theme_names_free. */
char **kd_theme_names(void);
void kd_theme_names_free(char **names);

/*
 * Applying a theme to curses: choose colour or mono per the terminal's COLORS
 * and the `requires` line (colours below `requires`, no colours, or force_mono
 * for NO_COLOR/--color=never -> mono lines), allocate colour pairs, degrade
 * 256 -> 16 -> 8 colours (nearest palette entry).  Needs an initialised screen;
 * calls start_color() and use_default_colors() itself.  Call it again to switch
 * themes live (pairs are re-initialised; redraw afterwards).  NULL t means the
 * built-in default.  Colours: `default` is -1 (the terminal's own) when
 * use_default_colors() works, else white on black.
 */
void kd_theme_apply(const struct kd_theme *t, bool force_mono);
/** The curses attribute (pair + attrs) for an element under the applied theme. */
unsigned kd_theme_attr(enum kd_theme_elem e);
/** True when the applied theme is in monochrome mode. */
bool kd_theme_is_mono(void);

/* Palette helpers (pure; exposed for tests and a theme picker's preview). */
/** 0xRRGGBB of xterm-256 palette entry 0..255 (xterm's default values). */
unsigned kd_theme_palette_rgb(int index);
/** Nearest palette entry to rgb among the first `colors` entries (8, 16 or 256;
 *  with 256 only the standard cube and greys, 16..255, are candidates). */
int kd_theme_nearest_color(unsigned rgb, int colors);

#endif
