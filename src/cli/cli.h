/*
 * cli.h — what keydeck's command files share: the session (global options and
 * the open backend) and the entry point of each noun.
 */
#ifndef KD_CLI_CLI_H
#define KD_CLI_CLI_H

#include <stdbool.h>

#include "backend/backend.h"
#include "util/error.h"

/* Exit statuses that are not an error code's (util/error.h has the rest). */
#define KD_EXIT_OK 0
#define KD_EXIT_NEGATIVE 1 /* verify: not VALID; log verify: tampered */
#define KD_EXIT_USAGE 2

struct kd_cli {
    const char *keystore_opt; /* --keystore, NULL when not given */
    char *keystore_path;      /* resolved on first open */
    bool json;
    bool readonly;
    struct kd_backend *backend; /* opened by kd_cli_open */
};

/**
 * Open the keystore behind c (once).  write: create it (and its directory,
 * 0700) when missing; otherwise a missing keystore is KD_ERR_NOT_FOUND with a
 * hint.  --readonly wraps the backend so every mutation is refused.
 */
int kd_cli_open(struct kd_cli *c, bool write, struct kd_error *err);
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
/* No noun: a short overview of the keystore. */
int kd_cmd_overview(struct kd_cli *c);

#endif
