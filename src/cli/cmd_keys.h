/*
 * cmd_keys.h — what the `keys` command files share.
 */
#ifndef KD_CLI_CMD_KEYS_H
#define KD_CLI_CMD_KEYS_H

#include "cli/cli.h"
#include "cli/output.h"

int kd_keys_create(struct kd_cli *c, int argc, char **argv);
int kd_keys_update(struct kd_cli *c, int argc, char **argv);
int kd_keys_import(struct kd_cli *c, int argc, char **argv);

/** Print a new or revealed key once (text or {"keyId","key"}). */
void kd_keys_print_secret(struct kd_cli *c, const struct kd_key_secret *s, const char *what);
/** Fetch a key and print it (text or JSON). */
int kd_keys_show(struct kd_cli *c, const char *key_id, struct kd_error *err);
/** One table row for a key (text output). */
typedef void (*kd_key_row_fn)(struct kd_table *t, const struct kd_key *k, int64_t now);
/**
 * Print the keys q lists: the first page, or every page with all; as table t
 * (rows by row, freed here) or as one JSON document; empty is the hint for no
 * rows.  Returns the exit status.
 */
int kd_keys_print_list(struct kd_cli *c, struct kd_key_query *q, bool all, struct kd_table *t,
                       kd_key_row_fn row, const char *empty);
/** "add" | "remove" | "set". */
int kd_parse_set_op(const char *s, enum kd_set_op *op, struct kd_error *err);

#endif
