/*
 * action.c — the action and binding tables and everything generated from them
 * (see action.h).
 */
#include "tui/action.h"

#include <string.h>

#include "tui/keyname.h"

struct action_info {
    const char *name;
    const char *help;
    unsigned flags;
};

static const struct action_info actions[KD_ACT_COUNT] = {
#define KD_X(id, name, help, flags) [KD_ACT_##id] = {name, help, flags},
    KD_ACTIONS(KD_X)
#undef KD_X
};

static const char *const context_names[KD_CTX_COUNT][2] = {
#define KD_X(id, name, heading) [KD_CTX_##id] = {name, heading},
    KD_CONTEXTS(KD_X)
#undef KD_X
};

/* Palette aliases: short spellings people type out of habit (vi's :q). */
static const struct {
    const char *alias;
    enum kd_action action;
} aliases[] = {
    {"q", KD_ACT_QUIT},
};

/* Movement keys shared by every list-like context. */
#define NAV_BINDINGS(ctx)                                                        \
    {ctx, KD_ACT_DOWN, "j", 0}, {ctx, KD_ACT_DOWN, "<Down>", 0},                 \
    {ctx, KD_ACT_UP, "k", 0}, {ctx, KD_ACT_UP, "<Up>", 0},                       \
    {ctx, KD_ACT_PAGE_DOWN, "<PgDn>", 0}, {ctx, KD_ACT_PAGE_DOWN, "<C-f>", 0},   \
    {ctx, KD_ACT_PAGE_UP, "<PgUp>", 0}, {ctx, KD_ACT_PAGE_UP, "<C-b>", 0},       \
    {ctx, KD_ACT_FIRST, "g", 0}, {ctx, KD_ACT_FIRST, "<Home>", 0},               \
    {ctx, KD_ACT_LAST, "G", 0}, {ctx, KD_ACT_LAST, "<End>", 0}

/* The roles, permissions and audit-log lists: the same moves, each its own mutations. */
#define SIDE_LIST_BINDINGS(ctx)                                                  \
    NAV_BINDINGS(ctx),                                                           \
    {ctx, KD_ACT_OPEN, "<Enter>", 1},                                            \
    {ctx, KD_ACT_BACK, "<Esc>", 2},                                              \
    {ctx, KD_ACT_BACK, "<Backspace>", 0},                                        \
    {ctx, KD_ACT_FILTER, "/", 3}

static const struct kd_binding bindings[] = {
    {KD_CTX_GLOBAL, KD_ACT_FOCUS_NEXT, "<Tab>", 6},
    {KD_CTX_GLOBAL, KD_ACT_FOCUS_PREV, "<S-Tab>", 0},
    {KD_CTX_GLOBAL, KD_ACT_FOCUS_1, "1", 0},
    {KD_CTX_GLOBAL, KD_ACT_FOCUS_2, "2", 0},
    {KD_CTX_GLOBAL, KD_ACT_FOCUS_3, "3", 0},
    {KD_CTX_GLOBAL, KD_ACT_HELP, "?", 7},
    {KD_CTX_GLOBAL, KD_ACT_PALETTE, ":", 8},
    {KD_CTX_GLOBAL, KD_ACT_REFRESH, "r", 0},
    {KD_CTX_GLOBAL, KD_ACT_REPAINT, "<C-l>", 0},
    {KD_CTX_GLOBAL, KD_ACT_QUIT, "q", 9},

    NAV_BINDINGS(KD_CTX_APIS),
    {KD_CTX_APIS, KD_ACT_OPEN, "<Enter>", 1},
    {KD_CTX_APIS, KD_ACT_BACK, "<Esc>", 0},
    {KD_CTX_APIS, KD_ACT_FILTER, "/", 2},
    {KD_CTX_APIS, KD_ACT_COPY_ID, "y", 3},
    {KD_CTX_APIS, KD_ACT_NEW_API, "n", 0},
    {KD_CTX_APIS, KD_ACT_DELETE_API, "D", 0},

    NAV_BINDINGS(KD_CTX_KEYS),
    {KD_CTX_KEYS, KD_ACT_OPEN, "<Enter>", 1},
    {KD_CTX_KEYS, KD_ACT_BACK, "<Esc>", 0},
    {KD_CTX_KEYS, KD_ACT_FILTER, "/", 2},
    {KD_CTX_KEYS, KD_ACT_SORT, "s", 3},
    {KD_CTX_KEYS, KD_ACT_SORT_REVERSE, "S", 0},
    {KD_CTX_KEYS, KD_ACT_TOGGLE_ENABLED, "t", 4},
    {KD_CTX_KEYS, KD_ACT_COPY_ID, "y", 5},
    {KD_CTX_KEYS, KD_ACT_NEW_KEY, "n", 6},
    {KD_CTX_KEYS, KD_ACT_EDIT_KEY, "e", 7},
    {KD_CTX_KEYS, KD_ACT_DELETE_KEY, "D", 0},
    {KD_CTX_KEYS, KD_ACT_REROLL_KEY, "R", 0},
    {KD_CTX_KEYS, KD_ACT_CREDITS_KEY, "c", 0},
    {KD_CTX_KEYS, KD_ACT_REVEAL_KEY, "V", 0},

    NAV_BINDINGS(KD_CTX_DETAIL),
    {KD_CTX_DETAIL, KD_ACT_BACK, "<Esc>", 1},
    {KD_CTX_DETAIL, KD_ACT_BACK, "<Backspace>", 0},
    {KD_CTX_DETAIL, KD_ACT_TOGGLE_ENABLED, "t", 2},
    {KD_CTX_DETAIL, KD_ACT_COPY_ID, "y", 3},
    {KD_CTX_DETAIL, KD_ACT_REVEAL_KEY, "V", 0},

    /* n takes y's place in the hint bar: 80 columns hold one more. */
    SIDE_LIST_BINDINGS(KD_CTX_ROLES),
    {KD_CTX_ROLES, KD_ACT_COPY_ID, "y", 0},
    {KD_CTX_ROLES, KD_ACT_NEW_ROLE, "n", 4},
    {KD_CTX_ROLES, KD_ACT_ROLE_PERMISSIONS, "p", 0},
    {KD_CTX_ROLES, KD_ACT_DELETE_ROLE, "D", 0},

    SIDE_LIST_BINDINGS(KD_CTX_PERMS),
    {KD_CTX_PERMS, KD_ACT_COPY_ID, "y", 0},
    {KD_CTX_PERMS, KD_ACT_NEW_PERMISSION, "n", 4},
    {KD_CTX_PERMS, KD_ACT_DELETE_PERMISSION, "D", 0},

    SIDE_LIST_BINDINGS(KD_CTX_LIST),
    {KD_CTX_LIST, KD_ACT_COPY_ID, "y", 4},

    /* Only moves and Enter/Esc: the rows are not what the role/permission
     * mutations of the view above expect. */
    SIDE_LIST_BINDINGS(KD_CTX_DRILL),
    {KD_CTX_DRILL, KD_ACT_COPY_ID, "y", 4},

    /* r refreshes the monitor without reloading the lists behind it. */
    {KD_CTX_MONITOR, KD_ACT_PAUSE, "p", 1},
    {KD_CTX_MONITOR, KD_ACT_REFRESH_NOW, "r", 2},
    {KD_CTX_MONITOR, KD_ACT_BACK, "<Esc>", 3},

    /* Enter goes to the key; the fixes are the ones the rule table names. */
    NAV_BINDINGS(KD_CTX_AUDIT),
    {KD_CTX_AUDIT, KD_ACT_OPEN, "<Enter>", 1},
    {KD_CTX_AUDIT, KD_ACT_AUDIT_ACCEPT, "x", 2},
    {KD_CTX_AUDIT, KD_ACT_AUDIT_DISABLE, "d", 3},
    {KD_CTX_AUDIT, KD_ACT_AUDIT_SET_EXPIRY, "e", 4},
    {KD_CTX_AUDIT, KD_ACT_AUDIT_ADD_RATELIMIT, "L", 5},
    {KD_CTX_AUDIT, KD_ACT_BACK, "<Esc>", 6},
    {KD_CTX_AUDIT, KD_ACT_BACK, "<Backspace>", 0},
    {KD_CTX_AUDIT, KD_ACT_FILTER, "/", 0},

    NAV_BINDINGS(KD_CTX_HELP),
    {KD_CTX_HELP, KD_ACT_BACK, "<Esc>", 1},
    {KD_CTX_HELP, KD_ACT_BACK, "q", 0},
    {KD_CTX_HELP, KD_ACT_BACK, "?", 0},

    {KD_CTX_GLOBAL, KD_ACT_NONE, NULL, 0},
};

const char *kd_action_name(enum kd_action a)
{
    return (int)a >= 0 && a < KD_ACT_COUNT ? actions[a].name : "none";
}

const char *kd_action_help(enum kd_action a)
{
    return (int)a >= 0 && a < KD_ACT_COUNT ? actions[a].help : "";
}

unsigned kd_action_flags(enum kd_action a)
{
    return (int)a >= 0 && a < KD_ACT_COUNT ? actions[a].flags : 0;
}

enum kd_action kd_action_from_name(const char *name)
{
    if (!name)
        return KD_ACT_NONE;
    for (int a = 0; a < KD_ACT_COUNT; a++)
        if (strcmp(actions[a].name, name) == 0)
            return (enum kd_action)a;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i].alias, name) == 0)
            return aliases[i].action;
    return KD_ACT_NONE;
}

const char *kd_context_name(enum kd_context c)
{
    return (int)c >= 0 && c < KD_CTX_COUNT ? context_names[c][0] : "?";
}

const char *kd_context_heading(enum kd_context c)
{
    return (int)c >= 0 && c < KD_CTX_COUNT ? context_names[c][1] : "?";
}

const struct kd_binding *kd_action_bindings(void)
{
    return bindings;
}

static bool binding_matches(const struct kd_binding *b, int key)
{
    size_t used = 0;
    int k = kd_key_parse(b->keys, &used);
    return k != KD_KEY_NONE && b->keys[used] == '\0' && k == key;
}

enum kd_action kd_action_for_key(enum kd_context ctx, int key)
{
    key = kd_key_normalize(key);
    for (const struct kd_binding *b = bindings; b->keys; b++)
        if (b->ctx == ctx && binding_matches(b, key))
            return b->action;
    if (ctx == KD_CTX_HELP)
        return KD_ACT_NONE; /* the help screen is modal: only its own keys */
    for (const struct kd_binding *b = bindings; b->keys; b++)
        if (b->ctx == KD_CTX_GLOBAL && binding_matches(b, key))
            return b->action;
    return KD_ACT_NONE;
}

bool kd_action_allowed(enum kd_action a, bool readonly, char *why, size_t why_len)
{
    if (why && why_len)
        why[0] = '\0';
    if ((int)a < 0 || a >= KD_ACT_COUNT)
        return false;
    if (readonly && (actions[a].flags & ACT_MUTATES)) {
        if (why && why_len)
            snprintf(why, why_len, "read-only: %s disabled", actions[a].name);
        return false;
    }
    return true;
}

/* "<Down>" -> "Down", "j" -> "j": the brackets help parsing, not reading. */
static void display_key(const char *keys, char *buf, size_t len)
{
    size_t n = strlen(keys);
    if (n > 2 && keys[0] == '<' && keys[n - 1] == '>')
        snprintf(buf, len, "%.*s", (int)(n - 2), keys + 1);
    else
        snprintf(buf, len, "%s", keys);
}

void kd_action_keys_label(enum kd_context ctx, enum kd_action a, char *buf, size_t len)
{
    if (!buf || !len)
        return;
    buf[0] = '\0';
    size_t used = 0;
    for (const struct kd_binding *b = bindings; b->keys; b++) {
        if (b->ctx != ctx || b->action != a)
            continue;
        char one[32];
        display_key(b->keys, one, sizeof one);
        int w = snprintf(buf + used, len - used, "%s%s", used ? "/" : "", one);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
}

size_t kd_action_complete(const char *prefix, const char **out, size_t max)
{
    size_t n = 0, plen = prefix ? strlen(prefix) : 0;
    for (int a = 0; a < KD_ACT_COUNT; a++) {
        if (plen && strncmp(actions[a].name, prefix, plen) != 0)
            continue;
        if (n < max && out)
            out[n] = actions[a].name;
        n++;
    }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        if (plen && strncmp(aliases[i].alias, prefix, plen) != 0)
            continue;
        if (n < max && out)
            out[n] = aliases[i].alias;
        n++;
    }
    return n;
}

/* A Markdown table cell: '|' would end the cell, so escape it. */
static void md_cell(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else
            fputc(*s, out);
    }
}

static void md_key(FILE *out, const char *keys)
{
    /* Backquotes keep "<Tab>" from being read as HTML. */
    fputs("`", out);
    md_cell(out, keys);
    fputs("`", out);
}

void kd_action_print_keys_md(FILE *out)
{
    fputs("# keydeck keys\n\n"
          "<!-- Generated by kd_action_print_keys_md() from src/tui/action.c;\n"
          "     do not edit: a unit test compares this file with the tables. -->\n\n"
          "Keys are written as in test scripts: a character (`j`), or a name in angle\n"
          "brackets (`<Tab>`, `<S-Tab>`, `<C-l>` for Ctrl-L, `<PgDn>`).  Actions marked\n"
          "*changes data* are refused in read-only mode (`--readonly`, `--monitor`).\n",
          out);
    for (int c = 0; c < KD_CTX_COUNT; c++) {
        fprintf(out, "\n## %s\n\n| Key | Action | What it does |\n|---|---|---|\n",
                context_names[c][1]);
        for (const struct kd_binding *b = bindings; b->keys; b++) {
            if ((int)b->ctx != c)
                continue;
            fputs("| ", out);
            md_key(out, b->keys);
            fprintf(out, " | %s | ", actions[b->action].name);
            md_cell(out, actions[b->action].help);
            if (actions[b->action].flags & ACT_MUTATES)
                fputs(" (*changes data*)", out);
            fputs(" |\n", out);
        }
    }
    fputs("\n## Command palette\n\n"
          "`:` opens the palette; `<Tab>` completes, `<Up>`/`<Down>` walk the history,\n"
          "`<Enter>` runs, `<Esc>` cancels.  Every action above is also a command.\n\n"
          "| Command | What it does |\n|---|---|\n",
          out);
    for (int a = 0; a < KD_ACT_COUNT; a++) {
        fprintf(out, "| `:%s%s` | ", actions[a].name,
                (actions[a].flags & ACT_ARG) ? " NAME" : "");
        md_cell(out, actions[a].help);
        if (actions[a].flags & ACT_MUTATES)
            fputs(" (*changes data*)", out);
        fputs(" |\n", out);
    }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        fprintf(out, "| `:%s` | Same as `:%s` |\n", aliases[i].alias,
                actions[aliases[i].action].name);
}
