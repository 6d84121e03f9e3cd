/*
 * action.h — every user-visible action, once, and the keys bound to them.
 *
 * Two tables drive the TUI: KD_ACTIONS (what can be done, with help text and
 * flags) and the default bindings (which key does it in which context).  From
 * them come the dispatcher's key lookup, the `?` help screen, the hint bar, the
 * `:` palette's names and completion, and doc/keys.md — so they cannot disagree.
 */
#ifndef KD_TUI_ACTION_H
#define KD_TUI_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Action flags. */
#define ACT_MUTATES 0x01   /* changes data: refused in read-only mode */
#define ACT_DANGEROUS 0x02 /* destroys data: needs confirmation */
#define ACT_GLOBAL 0x04    /* works in every context */
#define ACT_ARG 0x08       /* palette command that takes an argument (":theme dark") */
#define ACT_NOKEY 0x10     /* palette only: no default key */

/* ACTION(id, "name", "help text", flags) — the name is also the palette command. */
#define KD_ACTIONS(ACTION)                                                                 \
    ACTION(QUIT, "quit", "Quit keydeck", ACT_GLOBAL)                                       \
    ACTION(HELP, "help", "Show the keys of the current pane", ACT_GLOBAL)                  \
    ACTION(PALETTE, "palette", "Open the command palette", ACT_GLOBAL)                     \
    ACTION(REFRESH, "refresh", "Reload everything from the backend", ACT_GLOBAL)           \
    ACTION(REPAINT, "repaint", "Repaint the whole screen", ACT_GLOBAL)                     \
    ACTION(FOCUS_NEXT, "focus-next", "Focus the next pane", ACT_GLOBAL)                    \
    ACTION(FOCUS_PREV, "focus-prev", "Focus the previous pane", ACT_GLOBAL)                \
    ACTION(FOCUS_1, "focus-1", "Focus pane 1 (APIs, or the list)", ACT_GLOBAL)             \
    ACTION(FOCUS_2, "focus-2", "Focus pane 2 (keys, or the detail)", ACT_GLOBAL)           \
    ACTION(FOCUS_3, "focus-3", "Focus pane 3 (key detail)", ACT_GLOBAL)                    \
    ACTION(UP, "up", "Move up one row", 0)                                                 \
    ACTION(DOWN, "down", "Move down one row", 0)                                           \
    ACTION(PAGE_UP, "page-up", "Move up one page", 0)                                      \
    ACTION(PAGE_DOWN, "page-down", "Move down one page", 0)                                \
    ACTION(FIRST, "first", "Go to the first row", 0)                                       \
    ACTION(LAST, "last", "Go to the last row", 0)                                          \
    ACTION(OPEN, "open", "Open the selected item (drill down)", 0)                         \
    ACTION(BACK, "back", "Go back; clear the filter", 0)                                   \
    ACTION(FILTER, "filter", "Filter the list as you type (Esc clears)", 0)                \
    ACTION(SORT, "sort", "Sort by the next column", 0)                                     \
    ACTION(SORT_REVERSE, "sort-reverse", "Reverse the sort order", 0)                      \
    ACTION(COPY_ID, "copy-id", "Copy the selected id to the clipboard (OSC 52)", 0)        \
    ACTION(TOGGLE_ENABLED, "toggle-enabled", "Enable or disable the selected key",        \
           ACT_MUTATES)                                                                    \
    ACTION(NEW_KEY, "new-key", "Create a key in the selected API (a form)", ACT_MUTATES)    \
    ACTION(EDIT_KEY, "edit-key", "Edit the selected key (the create form, prefilled)",     \
           ACT_MUTATES)                                                                    \
    ACTION(DELETE_KEY, "delete-key", "Delete the selected key (asks; typed name to purge)", \
           ACT_MUTATES | ACT_DANGEROUS)                                                    \
    ACTION(REROLL_KEY, "reroll-key", "Replace the selected key, old one valid for a grace", \
           ACT_MUTATES | ACT_DANGEROUS)                                                    \
    ACTION(CREDITS_KEY, "credits", "Set, add or subtract credits, or make them unlimited",  \
           ACT_MUTATES)                                                                    \
    /* Reveal writes nothing, but a secret leaves: refused in read-only mode too. */      \
    ACTION(REVEAL_KEY, "reveal-key", "Show a recoverable key's plaintext once (asks)",     \
           ACT_MUTATES)                                                                    \
    ACTION(NEW_ROLE, "new-role", "Create a role with its permissions (a form)", ACT_MUTATES) \
    ACTION(DELETE_ROLE, "delete-role", "Delete the selected role (asks)",                  \
           ACT_MUTATES | ACT_DANGEROUS)                                                    \
    ACTION(ROLE_PERMISSIONS, "role-permissions",                                           \
           "Set the selected role's permissions (the picker, prefilled)", ACT_MUTATES)     \
    ACTION(NEW_PERMISSION, "new-permission", "Create a permission (a form)", ACT_MUTATES)  \
    ACTION(DELETE_PERMISSION, "delete-permission", "Delete the selected permission (asks)", \
           ACT_MUTATES | ACT_DANGEROUS)                                                    \
    ACTION(NEW_API, "new-api", "Create an API (a key space)", ACT_MUTATES)                 \
    ACTION(DELETE_API, "delete-api", "Delete the selected API and its keys (typed name)",   \
           ACT_MUTATES | ACT_DANGEROUS)                                                    \
    ACTION(VIEW_APIS, "apis", "Show the APIs, keys and detail panes", ACT_GLOBAL | ACT_NOKEY) \
    ACTION(VIEW_KEYS, "keys", "Focus the keys of the selected API", ACT_GLOBAL | ACT_NOKEY)   \
    ACTION(VIEW_ROLES, "roles", "Show the roles and their permissions",                    \
           ACT_GLOBAL | ACT_NOKEY)                                                         \
    ACTION(VIEW_PERMS, "perms", "Show the permissions and who holds them",                 \
           ACT_GLOBAL | ACT_NOKEY)                                                         \
    ACTION(VIEW_LOG, "log", "Show the mutation audit log", ACT_GLOBAL | ACT_NOKEY)         \
    ACTION(THEME, "theme", "Switch the colour theme: theme NAME",                          \
           ACT_GLOBAL | ACT_NOKEY | ACT_ARG)                                                 \
    ACTION(VIEW_MONITOR, "monitor", "Show live verification statistics (only reads)",      \
           ACT_GLOBAL | ACT_NOKEY)                                                         \
    ACTION(PAUSE, "pause", "Pause or resume the monitor's live refresh", 0)                 \
    ACTION(REFRESH_NOW, "refresh-now", "Refresh the monitor now (also when paused)", 0)    \
    ACTION(VIEW_AUDIT, "audit", "Audit the keys: findings by severity and rule",           \
           ACT_GLOBAL | ACT_NOKEY)                                                         \
    ACTION(AUDIT_DISABLE, "disable", "Audit fix: disable the finding's key (asks first)",  \
           ACT_MUTATES)                                                                    \
    ACTION(AUDIT_SET_EXPIRY, "set-expiry",                                                 \
           "Audit fix: set an expiry (the key's edit form)", ACT_MUTATES)                  \
    ACTION(AUDIT_ADD_RATELIMIT, "add-ratelimit",                                           \
           "Audit fix: add a rate limit (the key's edit form)", ACT_MUTATES)               \
    ACTION(AUDIT_ACCEPT, "accept", "Accept the audit finding, with a reason (stored)",     \
           ACT_MUTATES)

enum kd_action {
#define KD_X(id, name, help, flags) KD_ACT_##id,
    KD_ACTIONS(KD_X)
#undef KD_X
        KD_ACT_COUNT,
    KD_ACT_NONE = -1
};

/* CONTEXT(id, "name", "heading") — where a binding applies. */
#define KD_CONTEXTS(CONTEXT)                                           \
    CONTEXT(GLOBAL, "global", "Everywhere")                           \
    CONTEXT(APIS, "apis", "APIs pane")                                \
    CONTEXT(KEYS, "keys", "Keys pane")                                \
    CONTEXT(DETAIL, "detail", "Detail pane")                          \
    CONTEXT(ROLES, "roles", "Roles list")                             \
    CONTEXT(PERMS, "perms", "Permissions list")                       \
    CONTEXT(LIST, "list", "Audit-log list")                           \
    CONTEXT(DRILL, "drill", "Drill-down list")                        \
    CONTEXT(MONITOR, "monitor", "Monitor view")                       \
    CONTEXT(AUDIT, "audit", "Audit view")                             \
    CONTEXT(HELP, "help", "Help screen")

enum kd_context {
#define KD_X(id, name, heading) KD_CTX_##id,
    KD_CONTEXTS(KD_X)
#undef KD_X
        KD_CTX_COUNT
};

struct kd_binding {
    enum kd_context ctx;
    enum kd_action action;
    const char *keys; /* in keyname.h notation: "j", "<Down>", "<C-l>" */
    int hint;         /* > 0: shown in the hint bar, in this order; 0: not */
};

const char *kd_action_name(enum kd_action a);
const char *kd_action_help(enum kd_action a);
unsigned kd_action_flags(enum kd_action a);
/** Action by palette name (aliases such as "q" included); KD_ACT_NONE if unknown. */
enum kd_action kd_action_from_name(const char *name);
const char *kd_context_name(enum kd_context c);
const char *kd_context_heading(enum kd_context c);

/** The default bindings, ending with a {.keys = NULL} entry. */
const struct kd_binding *kd_action_bindings(void);

/**
 * The action a key triggers in ctx: the context's own bindings first, then the
 * global ones (except in the help screen, which has its own).  KD_ACT_NONE when
 * unbound.
 */
enum kd_action kd_action_for_key(enum kd_context ctx, int key);

/**
 * May this action run?  In read-only mode ACT_MUTATES actions are refused and
 * why receives "read-only: <name> disabled".  Returns true when allowed.
 */
bool kd_action_allowed(enum kd_action a, bool readonly, char *why, size_t why_len);

/**
 * The keys bound to a in ctx (not global ones), in the help notation with the
 * angle brackets dropped ("j/Down"); "" when none.
 */
void kd_action_keys_label(enum kd_context ctx, enum kd_action a, char *buf, size_t len);

/**
 * Palette completion: names (and aliases) starting with prefix, in table order,
 * written to out (at most max); returns how many matched in total.
 */
size_t kd_action_complete(const char *prefix, const char **out, size_t max);

/** Write doc/keys.md (the reference of every context, key and command). */
void kd_action_print_keys_md(FILE *out);

#endif
