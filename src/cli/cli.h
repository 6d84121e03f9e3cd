/*
 * cli.h — what keydeck's command files share: the session (global options and
 * the open backend) and the entry point of each noun.
 */
#ifndef KD_CLI_CLI_H
#define KD_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "backend/backend.h"
#include "util/config.h"
#include "util/error.h"

/* Exit statuses that are not an error code's (util/error.h has the rest). */
#define KD_EXIT_OK 0
#define KD_EXIT_NEGATIVE 1 /* verify: not VALID; log verify: tampered */
#define KD_EXIT_USAGE 2

struct kd_cli {
    const char *keystore_opt; /* --keystore, NULL when not given */
    const char *profile_opt;  /* --profile NAME */
    bool write_opt;           /* --write: lift a read-only profile */
    struct kd_settings settings; /* config file + flags + environment, resolved */
    bool configured;
    char *keystore_path;      /* resolved on first open */
    bool json;
    bool readonly;
    struct kd_backend *backend; /* opened by kd_cli_open */
    struct kd_cli_tui {
        const char *theme;  /* --theme NAME|PATH */
        const char *color;  /* --color auto|always|never */
        bool ascii, mouse;  /* --ascii, --mouse */
        bool monitor;       /* --monitor (forces --readonly) */
        int interval;       /* -d/--interval SECONDS; 0: default */
        const char *script; /* --script FILE: headless, for tests */
        int cols, rows;     /* --size CxR with --script */
    } tui;
};

/**
 * Open the keystore behind c (once).  write: create it (and its directory,
 * 0700) when missing; otherwise a missing keystore is KD_ERR_NOT_FOUND with a
 * hint.  --readonly wraps the backend so every mutation is refused.
 */
int kd_cli_open(struct kd_cli *c, bool write, struct kd_error *err);
/**
 * Read the config file and resolve the settings (profile, keystore, read-only,
 * theme, …) with the flags given so far.  Called once, after the global options.
 */
int kd_cli_configure(struct kd_cli *c, struct kd_error *err);

/**
 * The root key of a remote profile: $UNKEY_ROOT_KEY, else the profile's
 * root-key-file (refused unless a regular file of mode 0600), else a prompt on
 * the terminal without echo.  Never from the command line.  The caller wipes
 * it with kd_secret_free.
 */
char *kd_cli_root_key(const struct kd_settings *s, struct kd_error *err);

/** The resolved keystore path (--keystore, $KEYDECK_KEYSTORE, the default). */
const char *kd_cli_keystore_path(struct kd_cli *c);
/** Close the backend. */
void kd_cli_close(struct kd_cli *c);

/** Print "keydeck: <field>: <message>" to stderr; returns the exit status. */
int kd_cli_fail(const struct kd_error *err);

/** Statistics for [now - window_ms, now) (stats and the overview); q gets the query. */
int kd_cli_stats_fetch(struct kd_cli *c, const char *api_id, int64_t window_ms,
                       struct kd_stats *out, struct kd_stats_query *q, struct kd_error *err);

/* Each noun: argv[0] is the first word after the noun; returns the exit status. */
int kd_cmd_apis(struct kd_cli *c, int argc, char **argv);
int kd_cmd_keys(struct kd_cli *c, int argc, char **argv);
int kd_cmd_roles(struct kd_cli *c, int argc, char **argv);
int kd_cmd_perms(struct kd_cli *c, int argc, char **argv);
int kd_cmd_log(struct kd_cli *c, int argc, char **argv);
int kd_cmd_verify(struct kd_cli *c, int argc, char **argv);
int kd_cmd_stats(struct kd_cli *c, int argc, char **argv);
int kd_cmd_demo(struct kd_cli *c, int argc, char **argv);
int kd_cmd_audit(struct kd_cli *c, int argc, char **argv);
int kd_cmd_rootkeys(struct kd_cli *c, int argc, char **argv);
/* No noun, not on a terminal (or `keydeck overview`): a short text overview. */
int kd_cmd_overview(struct kd_cli *c);
/* No noun on a terminal, or --script: the dashboard. */
int kd_cmd_tui(struct kd_cli *c);
/**
 * Global options of the dashboard (--theme, --color, --monitor, …) and the
 * tools that go with them (--check-theme, --print-keys-md).  Returns 1 when opt
 * was one of them (consuming a value from argv when it takes one), 0 when not,
 * or -1 with err set; *exit_now is set >= 0 when the option finished the run.
 */
int kd_cli_tui_option(struct kd_cli *c, int argc, char **argv, int *i, int *exit_now,
                      struct kd_error *err);
/** Usage lines for those options. */
void kd_cli_tui_usage(FILE *f);

#endif
