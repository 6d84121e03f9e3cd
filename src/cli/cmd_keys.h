/*
 * cmd_keys.h — what the `keys` command files share.
 */
#ifndef KD_CLI_CMD_KEYS_H
#define KD_CLI_CMD_KEYS_H

#include "cli/cli.h"

int kd_keys_create(struct kd_cli *c, int argc, char **argv);
int kd_keys_update(struct kd_cli *c, int argc, char **argv);
int kd_keys_import(struct kd_cli *c, int argc, char **argv);

/** Print a new or revealed key once (text or {"keyId","key"}). */
void kd_keys_print_secret(struct kd_cli *c, const struct kd_key_secret *s, const char *what);
/** Fetch a key and print it (text or JSON). */
int kd_keys_show(struct kd_cli *c, const char *key_id, struct kd_error *err);
/** "add" | "remove" | "set". */
int kd_parse_set_op(const char *s, enum kd_set_op *op, struct kd_error *err);

#endif
