#include "util/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"

#define KD_CONFIG_MAX_BYTES (1024 * 1024)

/* ---- the key table ---------------------------------------------------- */

enum kd_section { SEC_GLOBAL, SEC_PROFILE, SEC_AUDIT };

enum kd_type {
    T_BOOL,    /* true/false/yes/no/on/off */
    T_INT,     /* decimal within [min, max] */
    T_COLOR,   /* auto/always/never */
    T_BACKEND, /* local/unkey/keydeckd/better-auth */
    T_THEME,   /* a theme name, or a path (absolute or ~/) */
    T_PATH,    /* absolute or ~/ */
    T_URL,     /* https://..., or http:// to this host */
    T_IDS,     /* comma-separated ids without blanks */
    T_NAMES,   /* comma-separated names */
    T_PROFILE, /* a profile name */
};

#define KD_DAYS_MAX 36500
#define KD_COUNT_MAX 1000000

/* X(id, section, "key", type, min, max, "what is accepted")
 * The one list of keys: the parser, its messages and the man page test use it. */
#define KD_CONFIG_KEY_TABLE(X)                                                        \
    X(G_THEME, SEC_GLOBAL, "theme", T_THEME, 0, 0,                                    \
      "a theme name, or a theme file's path (absolute or ~/)")                        \
    X(G_COLOR, SEC_GLOBAL, "color", T_COLOR, 0, 0, "auto, always or never")          \
    X(G_MOUSE, SEC_GLOBAL, "mouse", T_BOOL, 0, 0, "true, false, yes, no, on or off")  \
    X(G_REFRESH, SEC_GLOBAL, "refresh", T_INT, 1, 3600, "an integer from 1 to 3600")  \
    X(G_READONLY, SEC_GLOBAL, "readonly", T_BOOL, 0, 0,                               \
      "true, false, yes, no, on or off")                                              \
    X(G_DEFAULT_PROFILE, SEC_GLOBAL, "default-profile", T_PROFILE, 0, 0,              \
      "the name of a [profile NAME] section in this file")                            \
    X(P_BACKEND, SEC_PROFILE, "backend", T_BACKEND, 0, 0,                             \
      "local, unkey, keydeckd or better-auth")                                        \
    X(P_KEYSTORE, SEC_PROFILE, "keystore", T_PATH, 0, 0, "an absolute path or ~/path") \
    X(P_URL, SEC_PROFILE, "url", T_URL, 0, 0,                                         \
      "an https:// URL, or http:// to localhost, 127.0.0.1 or [::1]")                 \
    X(P_ROOT_KEY_FILE, SEC_PROFILE, "root-key-file", T_PATH, 0, 0,                    \
      "an absolute path or ~/path")                                                   \
    X(P_APIS, SEC_PROFILE, "apis", T_IDS, 0, 0,                                       \
      "a comma-separated list of API ids")                                            \
    X(P_CA_FILE, SEC_PROFILE, "ca-file", T_PATH, 0, 0, "an absolute path or ~/path")    \
    X(P_CONNECT_TIMEOUT, SEC_PROFILE, "connect-timeout", T_INT, 1, 300,               \
      "an integer from 1 to 300 (seconds)")                                           \
    X(P_TIMEOUT, SEC_PROFILE, "timeout", T_INT, 1, 3600,                              \
      "an integer from 1 to 3600 (seconds)")                                          \
    X(P_READONLY, SEC_PROFILE, "readonly", T_BOOL, 0, 0,                              \
      "true, false, yes, no, on or off")                                              \
    X(P_THEME, SEC_PROFILE, "theme", T_THEME, 0, 0,                                   \
      "a theme name, or a theme file's path (absolute or ~/)")                        \
    X(A_UNUSED_DAYS, SEC_AUDIT, "unused-days", T_INT, 0, KD_DAYS_MAX,                 \
      "an integer from 0 to 36500")                                                   \
    X(A_DISABLED_DAYS, SEC_AUDIT, "disabled-days", T_INT, 0, KD_DAYS_MAX,             \
      "an integer from 0 to 36500")                                                   \
    X(A_MAX_PERMISSIONS, SEC_AUDIT, "max-permissions", T_INT, 0, KD_COUNT_MAX,        \
      "an integer from 0 to 1000000")                                                 \
    X(A_OWNER_MAX_KEYS, SEC_AUDIT, "owner-max-keys", T_INT, 0, KD_COUNT_MAX,          \
      "an integer from 0 to 1000000")                                                 \
    X(A_CREDITS_LOW, SEC_AUDIT, "credits-low", T_INT, 0, KD_COUNT_MAX,                \
      "an integer from 0 to 1000000")                                                 \
    X(A_ADMIN_ROLES, SEC_AUDIT, "admin-roles", T_NAMES, 0, 0,                         \
      "a comma-separated list of role names")

enum kd_key_id {
#define KD_X(id, sec, name, type, min, max, accepts) id,
    KD_CONFIG_KEY_TABLE(KD_X)
#undef KD_X
    KEY_COUNT
};

struct kd_keyrow {
    enum kd_section section;
    const char *name;
    enum kd_type type;
    long long min, max;
};

static const struct kd_keyrow kd_rows[KEY_COUNT] = {
#define KD_X(id, sec, name, type, min, max, accepts) {sec, name, type, min, max},
    KD_CONFIG_KEY_TABLE(KD_X)
#undef KD_X
};

static const struct kd_config_keydef kd_keydefs[KEY_COUNT] = {
#define KD_X(id, sec, name, type, min, max, accepts) \
    {sec == SEC_GLOBAL ? "global" : sec == SEC_PROFILE ? "profile" : "audit", name, accepts},
    KD_CONFIG_KEY_TABLE(KD_X)
#undef KD_X
};

static const char *const kd_accepts[KEY_COUNT] = {
#define KD_X(id, sec, name, type, min, max, accepts) accepts,
    KD_CONFIG_KEY_TABLE(KD_X)
#undef KD_X
};

const struct kd_config_keydef *kd_config_keys(size_t *n)
{
    if (n)
        *n = KEY_COUNT;
    return kd_keydefs;
}

static const char *const kd_backends[] = {"local", "unkey", "keydeckd", "better-auth"};

/* ---- small helpers ---------------------------------------------------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool valid_profile_name(const char *s)
{
    if (!*s || s[0] == '.' || s[0] == '-' || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
            return false;
    return true;
}

char *kd_config_default_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    /* The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored. */
    if (xdg && xdg[0] == '/')
        return kd_xasprintf("%s/keydeck/config", xdg);
    if (home && *home)
        return kd_xasprintf("%s/.config/keydeck/config", home);
    return NULL;
}

static void profile_free(struct kd_profile *p)
{
    free(p->name);
    free(p->backend);
    free(p->keystore);
    free(p->url);
    free(p->root_key_file);
    free(p->ca_file);
    kd_strlist_clear(&p->apis);
    free(p->theme);
}

void kd_config_free(struct kd_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->path);
    free(cfg->theme);
    free(cfg->default_profile);
    for (size_t i = 0; i < cfg->nprofiles; i++)
        profile_free(&cfg->profiles[i]);
    free(cfg->profiles);
    kd_strlist_clear(&cfg->audit.admin_roles);
    free(cfg);
}

static struct kd_config *config_new(void)
{
    struct kd_config *cfg = kd_xcalloc(1, sizeof *cfg);
    cfg->color = KD_COLOR_UNSET;
    cfg->mouse = KD_CONFIG_UNSET;
    cfg->refresh = KD_CONFIG_UNSET;
    cfg->readonly = KD_CONFIG_UNSET;
    cfg->audit.unused_days = KD_CONFIG_DEFAULT_UNUSED_DAYS;
    cfg->audit.disabled_days = KD_CONFIG_DEFAULT_DISABLED_DAYS;
    cfg->audit.max_permissions = KD_CONFIG_DEFAULT_MAX_PERMISSIONS;
    cfg->audit.owner_max_keys = KD_CONFIG_DEFAULT_OWNER_MAX_KEYS;
    cfg->audit.credits_low = KD_CONFIG_DEFAULT_CREDITS_LOW;
    kd_strlist_split(&cfg->audit.admin_roles, KD_CONFIG_DEFAULT_ADMIN_ROLES);
    return cfg;
}

const struct kd_profile *kd_config_profile(const struct kd_config *cfg, const char *name)
{
    if (!cfg || !name)
        return NULL;
    for (size_t i = 0; i < cfg->nprofiles; i++)
        if (strcmp(cfg->profiles[i].name, name) == 0)
            return &cfg->profiles[i];
    return NULL;
}

/* ---- parsing ---------------------------------------------------------- */

struct kd_parser {
    const char *origin;
    int lineno;
    struct kd_config *cfg;
    struct kd_error *err;
    enum kd_section section;
    struct kd_profile *profile; /* the current [profile] */
    int key_line[KEY_COUNT];    /* where each key was set in this section; 0: not */
    int audit_line;             /* the [audit] header; 0: none yet */
    int default_profile_line;
};

static int perr(struct kd_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "origin:line: " + message, as KD_ERR_INVALID. */
static int perr(struct kd_parser *p, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return kd_error_set(p->err, KD_ERR_INVALID, "config", "%s:%d: %s", p->origin, p->lineno,
                        msg);
}

static const char *section_label(struct kd_parser *p, char *buf, size_t len)
{
    if (p->section == SEC_PROFILE)
        snprintf(buf, len, "[profile %s]", p->profile->name);
    else if (p->section == SEC_AUDIT)
        snprintf(buf, len, "[audit]");
    else
        snprintf(buf, len, "the global settings");
    return buf;
}

/* "~/x" -> "$HOME/x"; only absolute results are accepted, since a relative
 * path would depend on where keydeck happens to be started. */
static int expand_path(struct kd_parser *p, const char *key, const char *v, char **out)
{
    if (v[0] == '~') {
        if (v[1] != '/' && v[1] != '\0')
            return perr(p, "%s: \"%s\": ~user is not supported (use ~/ or an absolute path)",
                        key, v);
        const char *home = getenv("HOME");
        if (!home || !*home)
            return perr(p, "%s: \"%s\" starts with ~ but $HOME is not set", key, v);
        *out = kd_xasprintf("%s%s", home, v + 1);
        return 0;
    }
    if (v[0] != '/')
        return perr(p, "%s: \"%s\" is not an absolute path (start it with / or ~/)", key, v);
    *out = kd_xstrdup(v);
    return 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool local_http_host(const char *rest)
{
    static const char *const hosts[] = {"localhost", "127.0.0.1", "[::1]"};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        size_t n = strlen(hosts[i]);
        if (strncmp(rest, hosts[i], n) == 0 &&
            (rest[n] == '\0' || rest[n] == ':' || rest[n] == '/'))
            return true;
    }
    return false;
}

static bool valid_url(const char *v)
{
    for (const char *c = v; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f || *c == '"')
            return false;
    if (has_prefix(v, "https://"))
        return v[8] != '\0' && v[8] != '/' && v[8] != ':';
    /* Plain http sends the root key in clear: only to this machine (tests,
     * a keydeckd behind a local TLS proxy). */
    if (has_prefix(v, "http://"))
        return local_http_host(v + 7);
    return false;
}

/* Split "a, b" into l; empty entries and (for ids) blanks inside are errors. */
static int parse_list(struct kd_parser *p, const char *key, const char *v, bool ids,
                      struct kd_strlist *l)
{
    const char *s = v;
    for (;;) {
        const char *comma = strchr(s, ',');
        const char *end = comma ? comma : s + strlen(s);
        while (s < end && isspace((unsigned char)*s))
            s++;
        const char *e = end;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        if (e == s)
            return perr(p, "%s: empty entry in \"%s\" (expected %s)", key, v,
                        ids ? "API ids separated by commas" : "names separated by commas");
        char *item = kd_xstrndup(s, (size_t)(e - s));
        if (ids) {
            for (const char *c = item; *c; c++) {
                if (isspace((unsigned char)*c) || !isprint((unsigned char)*c)) {
                    int rc = perr(p, "%s: \"%s\" is not an API id (no blanks; separate ids "
                                  "with commas)", key, item);
                    free(item);
                    return rc;
                }
            }
        }
        kd_strlist_add_unique(l, item);
        free(item);
        if (!comma)
            return 0;
        s = comma + 1;
    }
}

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static int parse_int(const char *v, long long min, long long max, int *out)
{
    if (!isdigit((unsigned char)v[0]) && !(v[0] == '-' && isdigit((unsigned char)v[1])))
        return -1;
    errno = 0;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || n < min || n > max)
        return -1;
    *out = (int)n;
    return 0;
}

static void set_str(char **slot, char *value)
{
    free(*slot);
    *slot = value;
}

/* Check and store one value.  The key is known to belong to this section. */
static int set_value(struct kd_parser *p, enum kd_key_id id, const char *v)
{
    const struct kd_keyrow *row = &kd_rows[id];
    const char *key = row->name;
    struct kd_config *cfg = p->cfg;
    struct kd_profile *pr = p->profile;
    int b = 0, n = 0;
    char *s = NULL;

    switch (row->type) {
    case T_BOOL:
        if (parse_bool(v, &b) != 0)
            return perr(p, "%s: \"%s\" is not a boolean (use %s)", key, v, kd_accepts[id]);
        break;
    case T_INT:
        if (parse_int(v, row->min, row->max, &n) != 0)
            return perr(p, "%s: \"%s\" is not %s", key, v, kd_accepts[id]);
        break;
    case T_COLOR:
        if (strcmp(v, "auto") == 0)
            n = KD_COLOR_AUTO;
        else if (strcmp(v, "always") == 0)
            n = KD_COLOR_ALWAYS;
        else if (strcmp(v, "never") == 0)
            n = KD_COLOR_NEVER;
        else
            return perr(p, "%s: \"%s\" is not %s", key, v, kd_accepts[id]);
        break;
    case T_BACKEND: {
        bool ok = false;
        for (size_t i = 0; i < sizeof kd_backends / sizeof kd_backends[0]; i++)
            ok = ok || strcmp(v, kd_backends[i]) == 0;
        if (!ok)
            return perr(p, "%s: \"%s\" is not %s", key, v, kd_accepts[id]);
        s = kd_xstrdup(v);
        break;
    }
    case T_THEME: {
        size_t len = strlen(v);
        bool path = strchr(v, '/') || v[0] == '~' ||
                    (len >= 6 && strcmp(v + len - 6, ".theme") == 0);
        if (path) {
            if (expand_path(p, key, v, &s) != 0)
                return -1;
        } else {
            if (!valid_profile_name(v))
                return perr(p, "%s: \"%s\" is not a theme name (letters, digits, '.', '_' "
                            "and '-') or a path (absolute or ~/)", key, v);
            s = kd_xstrdup(v);
        }
        break;
    }
    case T_PATH:
        if (expand_path(p, key, v, &s) != 0)
            return -1;
        break;
    case T_URL:
        if (!valid_url(v))
            return perr(p, "%s: \"%s\" is not %s", key, v, kd_accepts[id]);
        s = kd_xstrdup(v);
        break;
    case T_PROFILE:
        if (!valid_profile_name(v))
            return perr(p, "%s: \"%s\" is not a profile name (letters, digits, '.', '_' "
                        "and '-')", key, v);
        s = kd_xstrdup(v);
        break;
    case T_IDS:
    case T_NAMES:
        break; /* parsed into their list below */
    }

    switch (id) {
    case G_THEME: set_str(&cfg->theme, s); break;
    case G_COLOR: cfg->color = (enum kd_color_mode)n; break;
    case G_MOUSE: cfg->mouse = b; break;
    case G_REFRESH: cfg->refresh = n; break;
    case G_READONLY: cfg->readonly = b; break;
    case G_DEFAULT_PROFILE:
        set_str(&cfg->default_profile, s);
        p->default_profile_line = p->lineno;
        break;
    case P_BACKEND: set_str(&pr->backend, s); break;
    case P_KEYSTORE: set_str(&pr->keystore, s); break;
    case P_URL: set_str(&pr->url, s); break;
    case P_ROOT_KEY_FILE: set_str(&pr->root_key_file, s); break;
    case P_APIS: return parse_list(p, key, v, true, &pr->apis);
    case P_CA_FILE: set_str(&pr->ca_file, s); break;
    case P_CONNECT_TIMEOUT: pr->connect_timeout = n; break;
    case P_TIMEOUT: pr->timeout = n; break;
    case P_READONLY: pr->readonly = b; break;
    case P_THEME: set_str(&pr->theme, s); break;
    case A_UNUSED_DAYS: cfg->audit.unused_days = n; break;
    case A_DISABLED_DAYS: cfg->audit.disabled_days = n; break;
    case A_MAX_PERMISSIONS: cfg->audit.max_permissions = n; break;
    case A_OWNER_MAX_KEYS: cfg->audit.owner_max_keys = n; break;
    case A_CREDITS_LOW: cfg->audit.credits_low = n; break;
    case A_ADMIN_ROLES:
        kd_strlist_clear(&cfg->audit.admin_roles);
        return parse_list(p, key, v, false, &cfg->audit.admin_roles);
    case KEY_COUNT: break;
    }
    return 0;
}

/* A profile's keys must fit its backend; checked when the section ends, since
 * `backend` may come after `url`.  Errors point at the offending line. */
static int finish_section(struct kd_parser *p)
{
    if (p->section != SEC_PROFILE)
        return 0;
    struct kd_profile *pr = p->profile;
    bool local = !pr->backend || strcmp(pr->backend, "local") == 0;
    const char *kind = pr->backend ? pr->backend : "local";
    static const enum kd_key_id remote_only[] = {P_URL, P_ROOT_KEY_FILE, P_APIS};
    int keep = p->lineno;
    if (local) {
        for (size_t i = 0; i < sizeof remote_only / sizeof remote_only[0]; i++) {
            enum kd_key_id id = remote_only[i];
            if (p->key_line[id]) {
                p->lineno = p->key_line[id];
                return perr(p, "%s: [profile %s] uses the local backend, which has no %s "
                            "(set backend = unkey, keydeckd or better-auth)",
                            kd_rows[id].name, pr->name, kd_rows[id].name);
            }
        }
    } else {
        if (p->key_line[P_KEYSTORE]) {
            p->lineno = p->key_line[P_KEYSTORE];
            return perr(p, "keystore: [profile %s] uses the %s backend, which has no local "
                        "keystore", pr->name, kind);
        }
        if (!pr->url) {
            p->lineno = pr->line;
            return perr(p, "[profile %s]: the %s backend needs url = https://...", pr->name,
                        kind);
        }
    }
    p->lineno = keep;
    return 0;
}

static int start_section(struct kd_parser *p, char *inner)
{
    char *words[3];
    int n = 0;
    for (char *tok = strtok(inner, " \t\r"); tok; tok = strtok(NULL, " \t\r")) {
        if (n == 3)
            break;
        words[n++] = tok;
    }
    if (n == 0)
        return perr(p, "empty section header [] (expected [profile NAME] or [audit])");
    if (finish_section(p) != 0)
        return -1;
    memset(p->key_line, 0, sizeof p->key_line);

    if (strcmp(words[0], "audit") == 0) {
        if (n > 1)
            return perr(p, "[audit] takes no name");
        if (p->audit_line)
            return perr(p, "[audit] is given twice (first at line %d)", p->audit_line);
        p->audit_line = p->lineno;
        p->section = SEC_AUDIT;
        p->profile = NULL;
        return 0;
    }
    if (strcmp(words[0], "profile") == 0) {
        if (n == 1)
            return perr(p, "[profile] needs a name: [profile NAME]");
        if (n > 2)
            return perr(p, "a profile name cannot contain blanks");
        if (!valid_profile_name(words[1]))
            return perr(p, "bad profile name \"%s\" (letters, digits, '.', '_' and '-', "
                        "not starting with '.' or '-')", words[1]);
        const struct kd_profile *old = kd_config_profile(p->cfg, words[1]);
        if (old)
            return perr(p, "profile \"%s\" is defined twice (first at line %d)", words[1],
                        old->line);
        struct kd_config *cfg = p->cfg;
        cfg->profiles = kd_xrealloc(cfg->profiles, (cfg->nprofiles + 1) * sizeof *cfg->profiles);
        struct kd_profile *pr = &cfg->profiles[cfg->nprofiles++];
        memset(pr, 0, sizeof *pr);
        pr->name = kd_xstrdup(words[1]);
        pr->readonly = KD_CONFIG_UNSET;
        pr->connect_timeout = pr->timeout = KD_CONFIG_UNSET;
        pr->line = p->lineno;
        p->section = SEC_PROFILE;
        p->profile = pr;
        return 0;
    }
    return perr(p, "unknown section [%s] (expected [profile NAME] or [audit])", words[0]);
}

static int unknown_key(struct kd_parser *p, const char *key)
{
    char expected[400] = "", where[96];
    for (int i = 0; i < KEY_COUNT; i++) {
        if (kd_rows[i].section != p->section)
            continue;
        if (expected[0])
            strncat(expected, ", ", sizeof expected - strlen(expected) - 1);
        strncat(expected, kd_rows[i].name, sizeof expected - strlen(expected) - 1);
    }
    return perr(p, "unknown key \"%s\" in %s (expected %s)", key,
                section_label(p, where, sizeof where), expected);
}

static int handle_key(struct kd_parser *p, const char *key, const char *value)
{
    int id = -1;
    bool elsewhere = false;
    for (int i = 0; i < KEY_COUNT; i++) {
        if (strcmp(kd_rows[i].name, key) != 0)
            continue;
        if (kd_rows[i].section == p->section)
            id = i;
        else
            elsewhere = true;
    }
    if (id < 0) {
        /* A global key after a [section] is a common slip: say so. */
        if (elsewhere && p->section != SEC_GLOBAL) {
            char where[96];
            return perr(p, "%s is not a setting of %s (global settings go before the first "
                        "[section])", key, section_label(p, where, sizeof where));
        }
        return unknown_key(p, key);
    }
    if (p->key_line[id]) {
        char where[96];
        return perr(p, "%s is set twice in %s (first at line %d)", key,
                    section_label(p, where, sizeof where), p->key_line[id]);
    }
    if (!*value)
        return perr(p, "%s: empty value (expected %s)", key, kd_accepts[id]);
    p->key_line[id] = p->lineno;
    return set_value(p, (enum kd_key_id)id, value);
}

/* Read a value at v in place: "quoted" (\" and \\ escapes) or bare up to a
 * comment ('#' after a blank) with trailing blanks dropped. */
static int read_value(struct kd_parser *p, const char *key, char *v, char **out)
{
    if (*v == '"') {
        char *src = v + 1, *dst = v;
        for (;;) {
            if (!*src)
                return perr(p, "%s: unterminated quoted string", key);
            if (*src == '"')
                break;
            if (*src == '\\' && (src[1] == '"' || src[1] == '\\'))
                src++;
            *dst++ = *src++;
        }
        *dst = '\0';
        src++;
        while (is_blank(*src))
            src++;
        if (*src && *src != '#')
            return perr(p, "%s: text after the closing quote (put the whole value in quotes)",
                        key);
        *out = v;
        return 0;
    }
    char *end = v;
    while (*end && !(*end == '#' && (end == v || is_blank(end[-1])))) {
        if (*end == '"')
            return perr(p, "%s: a quote may only start a value (quote the whole value)", key);
        end++;
    }
    while (end > v && is_blank(end[-1]))
        end--;
    *end = '\0';
    *out = v;
    return 0;
}

static int parse_line(struct kd_parser *p, char *line)
{
    char *s = line;
    while (is_blank(*s))
        s++;
    if (!*s || *s == '#')
        return 0;
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (!close)
            return perr(p, "missing ] at the end of the section header");
        char *rest = close + 1;
        while (is_blank(*rest))
            rest++;
        if (*rest && *rest != '#')
            return perr(p, "text after the section header");
        *close = '\0';
        return start_section(p, s + 1);
    }
    char *key = s;
    while (*s && !is_blank(*s) && *s != '=')
        s++;
    char *key_end = s;
    while (is_blank(*s))
        s++;
    if (*s != '=' || key_end == key)
        return perr(p, "expected \"key = value\" or a [section] header");
    *key_end = '\0';
    for (const char *c = key; *c; c++)
        if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c) && *c != '-')
            return unknown_key(p, key);
    s++;
    while (is_blank(*s))
        s++;
    char *value = NULL;
    if (read_value(p, key, s, &value) != 0)
        return -1;
    return handle_key(p, key, value);
}

int kd_config_parse(const char *text, const char *origin, struct kd_config **out,
                    struct kd_error *err)
{
    *out = NULL;
    struct kd_parser p;
    memset(&p, 0, sizeof p);
    p.origin = origin ? origin : "(config)";
    p.cfg = config_new();
    p.err = err;
    p.section = SEC_GLOBAL;

    char *copy = kd_xstrdup(text ? text : "");
    char *line = copy;
    int rc = 0;
    while (line && rc == 0) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        p.lineno++;
        if (strlen(line) > 4096)
            rc = perr(&p, "line too long (over 4096 bytes)");
        else
            rc = parse_line(&p, line);
        line = nl ? nl + 1 : NULL;
    }
    if (rc == 0)
        rc = finish_section(&p);
    if (rc == 0 && p.cfg->default_profile &&
        !kd_config_profile(p.cfg, p.cfg->default_profile)) {
        p.lineno = p.default_profile_line;
        rc = perr(&p, "default-profile: there is no [profile %s] in this file",
                  p.cfg->default_profile);
    }
    free(copy);
    if (rc != 0) {
        kd_config_free(p.cfg);
        return -1;
    }
    *out = p.cfg;
    return 0;
}

/* ---- reading the file ------------------------------------------------- */

static int read_fd(int fd, const char *path, char **text, struct kd_error *err)
{
    size_t cap = 4096, len = 0;
    char *buf = kd_xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            if (cap > KD_CONFIG_MAX_BYTES) {
                free(buf);
                return kd_error_set(err, KD_ERR_INVALID, "config",
                                    "%s: too large for a config file (over %d bytes)", path,
                                    KD_CONFIG_MAX_BYTES);
            }
            cap *= 2;
            buf = kd_xrealloc(buf, cap);
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int saved = errno;
            free(buf);
            return kd_error_set(err, KD_ERR_IO, "config", "%s: cannot read: %s", path,
                                strerror(saved));
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    if (strlen(buf) != len) {
        free(buf);
        return kd_error_set(err, KD_ERR_INVALID, "config",
                            "%s: contains a NUL byte (not a text file)", path);
    }
    *text = buf;
    return 0;
}

int kd_config_load(const char *path, struct kd_config **out, struct kd_error *err)
{
    *out = NULL;
    bool explicit_path = path != NULL;
    char *owned = explicit_path ? kd_xstrdup(path) : kd_config_default_path();
    if (!owned) {
        /* Neither XDG_CONFIG_HOME nor HOME: nowhere to look, so defaults. */
        *out = config_new();
        return 0;
    }
    int fd = open(owned, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int saved = errno;
        if (saved == ENOENT && !explicit_path) {
            *out = config_new();
            (*out)->path = owned;
            return 0;
        }
        kd_error_set(err, saved == ENOENT ? KD_ERR_NOT_FOUND : KD_ERR_IO, "config",
                     "%s: cannot open: %s", owned, strerror(saved));
        free(owned);
        return -1;
    }
    /* fstat the descriptor we read, so the file checked is the file parsed. */
    struct stat st;
    int rc = -1;
    char *text = NULL;
    if (fstat(fd, &st) != 0) {
        kd_error_set(err, KD_ERR_IO, "config", "%s: cannot stat: %s", owned, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        kd_error_set(err, KD_ERR_INVALID, "config", "%s: not a regular file", owned);
    } else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        kd_error_set(err, KD_ERR_FORBIDDEN, "config",
                     "%s: writable by %s, so someone else could change it (for example lift "
                     "read-only); refusing to use it: run chmod go-w %s",
                     owned,
                     (st.st_mode & S_IWGRP) && (st.st_mode & S_IWOTH) ? "group and others"
                     : (st.st_mode & S_IWGRP)                         ? "its group"
                                                                      : "others",
                     owned);
    } else if (read_fd(fd, owned, &text, err) == 0) {
        rc = kd_config_parse(text, owned, out, err);
        free(text);
    }
    close(fd);
    if (rc != 0) {
        free(owned);
        return -1;
    }
    (*out)->path = owned;
    (*out)->loaded = true;
    return 0;
}

/* ---- resolution ------------------------------------------------------- */

void kd_settings_free(struct kd_settings *s)
{
    if (!s)
        return;
    free(s->profile);
    free(s->backend);
    free(s->keystore);
    free(s->url);
    free(s->root_key_file);
    free(s->ca_file);
    kd_strlist_clear(&s->apis);
    free(s->theme);
    kd_strlist_clear(&s->audit.admin_roles);
    memset(s, 0, sizeof *s);
}

static const char *env_value(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static int no_such_profile(const struct kd_config *cfg, const char *name, const char *via,
                           struct kd_error *err)
{
    char names[300] = "";
    for (size_t i = 0; cfg && i < cfg->nprofiles; i++) {
        if (names[0])
            strncat(names, ", ", sizeof names - strlen(names) - 1);
        strncat(names, cfg->profiles[i].name, sizeof names - strlen(names) - 1);
    }
    const char *where = cfg && cfg->path ? cfg->path : "the config file";
    return kd_error_set(err, KD_ERR_NOT_FOUND, "profile",
                        "no profile \"%s\" (from %s) in %s (%s%s)", name, via, where,
                        names[0] ? "profiles: " : "there are none; \"local\" is built in",
                        names);
}

int kd_config_resolve(const struct kd_config *cfg, const struct kd_config_flags *flags,
                      struct kd_settings *out, struct kd_error *err)
{
    static const struct kd_config_flags no_flags;
    if (!flags)
        flags = &no_flags;
    memset(out, 0, sizeof *out);
    if (flags->readonly && flags->write)
        return kd_error_set(err, KD_ERR_INVALID, "write",
                            "--readonly and --write contradict each other: give one");

    /* Which profile: --profile > $KEYDECK_PROFILE > default-profile > "local". */
    const char *name = flags->profile, *via = "--profile";
    if (!name && (name = env_value("KEYDECK_PROFILE")))
        via = "$KEYDECK_PROFILE";
    if (!name && cfg && (name = cfg->default_profile))
        via = "default-profile";
    if (!name) {
        name = "local";
        via = "the default";
    }
    const struct kd_profile *pr = kd_config_profile(cfg, name);
    if (!pr && strcmp(name, "local") != 0)
        return no_such_profile(cfg, name, via, err);

    const char *backend = pr && pr->backend ? pr->backend : "local";
    bool local = strcmp(backend, "local") == 0;
    if (flags->keystore && !local)
        return kd_error_set(err, KD_ERR_INVALID, "keystore",
                            "--keystore applies to local profiles; profile \"%s\" uses the %s "
                            "backend", name, backend);

    out->profile = kd_xstrdup(name);
    out->builtin_profile = pr == NULL;
    out->backend = kd_xstrdup(backend);
    if (local) {
        const char *ks = flags->keystore ? flags->keystore : env_value("KEYDECK_KEYSTORE");
        if (!ks && pr)
            ks = pr->keystore;
        out->keystore = kd_xstrdup(ks); /* NULL: the backend's default path */
    } else {
        /* $KEYDECK_KEYSTORE is ambient and meaningless for a server: ignored. */
        out->url = kd_xstrdup(pr->url);
        out->root_key_file = kd_xstrdup(pr->root_key_file);
        out->ca_file = kd_xstrdup(pr->ca_file);
        out->connect_timeout = pr->connect_timeout > 0 ? pr->connect_timeout : 0;
        out->timeout = pr->timeout > 0 ? pr->timeout : 0;
        kd_strlist_copy(&out->apis, &pr->apis);
    }

    /* Read-only: --write is the only way past a configured read-only. */
    if (flags->readonly) {
        out->readonly = true;
        snprintf(out->readonly_source, sizeof out->readonly_source, "--readonly");
    } else if (!flags->write) {
        if (pr && pr->readonly != KD_CONFIG_UNSET) {
            out->readonly = pr->readonly == 1;
            if (out->readonly)
                snprintf(out->readonly_source, sizeof out->readonly_source, "profile %s",
                         pr->name);
        } else if (cfg && cfg->readonly != KD_CONFIG_UNSET) {
            out->readonly = cfg->readonly == 1;
            if (out->readonly)
                snprintf(out->readonly_source, sizeof out->readonly_source,
                         "config (global readonly)");
        }
    }

    const char *theme = flags->theme ? flags->theme : env_value("KEYDECK_THEME");
    if (!theme && pr)
        theme = pr->theme;
    if (!theme && cfg)
        theme = cfg->theme;
    out->theme = kd_xstrdup(theme ? theme : "default");

    out->color = flags->color != KD_COLOR_UNSET ? flags->color
                 : cfg && cfg->color != KD_COLOR_UNSET ? cfg->color
                                                       : KD_COLOR_AUTO;
    out->mouse = flags->mouse || (cfg && cfg->mouse == 1);
    out->refresh = flags->refresh > 0                              ? flags->refresh
                   : cfg && cfg->refresh != KD_CONFIG_UNSET ? cfg->refresh
                                                            : KD_CONFIG_DEFAULT_REFRESH;

    if (cfg) {
        out->audit = cfg->audit;
        memset(&out->audit.admin_roles, 0, sizeof out->audit.admin_roles);
        kd_strlist_copy(&out->audit.admin_roles, &cfg->audit.admin_roles);
    } else {
        struct kd_config *defaults = config_new();
        out->audit = defaults->audit;
        memset(&defaults->audit.admin_roles, 0, sizeof defaults->audit.admin_roles);
        kd_config_free(defaults);
    }
    return 0;
}
