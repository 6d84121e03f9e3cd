/*
 * config.h — keydeck's configuration file: global settings, named profiles
 * (which keystore or server to use, and whether it is read-only) and the audit
 * thresholds.  A pure parser and lookup: no terminal, no backend.
 *
 * File: $XDG_CONFIG_HOME/keydeck/config, else ~/.config/keydeck/config
 * (doc/keydeck.conf.5 is the reference).  One setting per line:
 *     # comment
 *     theme = dark
 *     [profile prod]
 *     backend = unkey
 *     url = https://api.unkey.com
 *     apis = api_123, api_456     # a trailing comment follows a blank
 *     readonly = true
 *     [audit]
 *     unused-days = 90
 * Values may be double-quoted ("a b", with \" and \\).  Every mistake — unknown
 * section or key, a key given twice, a bad value — is an error reported as
 * "file:line: message": in a security tool a typo must not pass silently.
 * A config file writable by group or others is refused (someone else could lift
 * read-only).  A missing default file means built-in defaults.
 *
 * Precedence when resolving (kd_config_resolve):
 *     command-line flags > environment > the profile > global settings > built-in.
 */
#ifndef KD_UTIL_CONFIG_H
#define KD_UTIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"
#include "util/strlist.h"

#define KD_CONFIG_UNSET (-1) /* an int/bool setting the file did not give */

enum kd_color_mode {
    KD_COLOR_UNSET = 0, /* only in flags and in the file's globals: not given */
    KD_COLOR_AUTO,
    KD_COLOR_ALWAYS,
    KD_COLOR_NEVER,
};

/* One [profile NAME] section.  Strings are NULL when not given; paths have
 * "~/" already expanded. */
struct kd_profile {
    char *name;
    char *backend;       /* "local", "unkey", "keydeckd", "better-auth"; NULL: local */
    char *keystore;      /* local only */
    char *url;           /* remote only (required there) */
    char *root_key_file; /* remote only; its 0600 mode is checked by the reader */
    struct kd_strlist apis; /* remote only: the API ids to show (Unkey has no listApis) */
    char *ca_file;       /* remote only: PEM bundle to trust instead of the system's */
    int connect_timeout; /* remote only: seconds; KD_CONFIG_UNSET */
    int timeout;         /* remote only: seconds for a whole request; KD_CONFIG_UNSET */
    int readonly;        /* 0, 1, or KD_CONFIG_UNSET */
    char *theme;         /* name or path */
    int line;            /* line of the [profile NAME] header, for messages */
};

/* [audit] — thresholds of the audit rules.  0 turns a numeric rule off. */
struct kd_audit_thresholds {
    int unused_days;     /* a key not verified for this many days is "unused" */
    int disabled_days;   /* a key disabled this long should be deleted */
    int max_permissions; /* a key holding more direct+role permissions than this */
    int owner_max_keys;  /* an owner (externalId) holding more keys than this */
    int credits_low;     /* remaining credits at or below this (limited keys) */
    struct kd_strlist admin_roles; /* roles whose holders are listed as admins */
};

struct kd_config {
    char *path;          /* the file read, or that would have been read; NULL: none */
    bool loaded;         /* false: the file did not exist (all defaults) */
    /* global settings (before any section) */
    char *theme;
    enum kd_color_mode color;
    int mouse;           /* 0, 1, or KD_CONFIG_UNSET */
    int refresh;         /* seconds; KD_CONFIG_UNSET */
    int readonly;        /* 0, 1, or KD_CONFIG_UNSET: the default for every profile */
    char *default_profile;
    /* sections */
    struct kd_profile *profiles;
    size_t nprofiles;
    struct kd_audit_thresholds audit; /* built-in defaults where not given */
};

/* Built-in defaults (also in doc/keydeck.conf.5). */
#define KD_CONFIG_DEFAULT_REFRESH 2
#define KD_CONFIG_DEFAULT_UNUSED_DAYS 90
#define KD_CONFIG_DEFAULT_DISABLED_DAYS 30
#define KD_CONFIG_DEFAULT_MAX_PERMISSIONS 20
#define KD_CONFIG_DEFAULT_OWNER_MAX_KEYS 10
#define KD_CONFIG_DEFAULT_CREDITS_LOW 10
#define KD_CONFIG_DEFAULT_ADMIN_ROLES "admin, owner"

/**
 * $XDG_CONFIG_HOME/keydeck/config (when XDG_CONFIG_HOME is absolute), else
 * $HOME/.config/keydeck/config; NULL when neither is set.  Free with free().
 */
char *kd_config_default_path(void);

/**
 * Read and parse a config file.  path NULL: the default path, and a missing
 * file gives the defaults (*out->loaded false).  An explicit path must exist
 * (KD_ERR_NOT_FOUND).  A file writable by group or others is KD_ERR_FORBIDDEN;
 * syntax and value errors are KD_ERR_INVALID with "file:line: message".  On
 * error *out is NULL.
 */
int kd_config_load(const char *path, struct kd_config **out, struct kd_error *err);

/** Parse text as if read from origin (used in messages).  No permission check. */
int kd_config_parse(const char *text, const char *origin, struct kd_config **out,
                    struct kd_error *err);

/** The profile called name, or NULL. */
const struct kd_profile *kd_config_profile(const struct kd_config *cfg, const char *name);

void kd_config_free(struct kd_config *cfg);

/* ---- resolution ------------------------------------------------------- */

/* What the command line said.  Zero-initialise, then set what was given. */
struct kd_config_flags {
    const char *profile;   /* --profile NAME; NULL: $KEYDECK_PROFILE, default-profile, "local" */
    bool readonly;         /* --readonly */
    bool write;            /* --write: lift a configured read-only (not with --readonly) */
    const char *theme;     /* --theme NAME|PATH */
    const char *keystore;  /* --keystore PATH (local profiles only) */
    enum kd_color_mode color; /* --color=WHEN; KD_COLOR_UNSET: not given */
    bool mouse;            /* --mouse */
    int refresh;           /* --refresh N; 0: not given */
};

/* The effective settings for one run.  Owned; free with kd_settings_free. */
struct kd_settings {
    char *profile;         /* the profile's name ("local" for the built-in one) */
    bool builtin_profile;  /* true: no such section, the built-in local profile */
    char *backend;         /* "local", "unkey", "keydeckd", "better-auth" */
    char *keystore;        /* local: the path; NULL: the backend's default path */
    char *url;             /* remote */
    char *root_key_file;   /* remote; NULL when not configured */
    char *ca_file;         /* remote; NULL: the system's CA bundle */
    int connect_timeout;   /* remote; seconds, 0: the built-in default */
    int timeout;           /* remote; seconds, 0: the built-in default */
    struct kd_strlist apis;
    bool readonly;
    /* Why read-only, for a status line: "--readonly", "profile prod",
     * "config (global readonly)"; "" when not read-only. */
    char readonly_source[96];
    char *theme;           /* never NULL ("default") */
    enum kd_color_mode color; /* AUTO, ALWAYS or NEVER (NO_COLOR is the TUI's) */
    bool mouse;
    int refresh;           /* seconds */
    struct kd_audit_thresholds audit;
};

/**
 * Work out the effective settings: flags > environment (KEYDECK_PROFILE,
 * KEYDECK_THEME, KEYDECK_KEYSTORE) > profile > global settings > built-in.
 * cfg may be NULL (no config).  A profile that is read-only in the config stays
 * so unless flags->write.  Errors: --readonly with --write, an unknown
 * profile (KD_ERR_NOT_FOUND, listing the known ones), --keystore with a remote
 * profile.  On error *out is left zeroed.
 */
int kd_config_resolve(const struct kd_config *cfg, const struct kd_config_flags *flags,
                      struct kd_settings *out, struct kd_error *err);

void kd_settings_free(struct kd_settings *s);

/* ---- the key table ---------------------------------------------------- */

/* Every key the parser accepts, from the one table it parses with (tests check
 * that doc/keydeck.conf.5 documents each). */
struct kd_config_keydef {
    const char *section; /* "global", "profile" or "audit" */
    const char *name;    /* "root-key-file" */
    const char *accepts; /* "true or false", "an integer from 1 to 3600", ... */
};

/** The table; *n gets its length. */
const struct kd_config_keydef *kd_config_keys(size_t *n);

#endif
