/*
 * args.h — option parsing for keydeck's commands.
 *
 * Options are long only ("--name N" or "--name=N").  The global options
 * (--json, --readonly, --keystore) are accepted after the noun too.  Every
 * mistake is a KD_ERR_INVALID whose field is the option, so it exits 2 and
 * names the culprit.
 */
#ifndef KD_CLI_ARGS_H
#define KD_CLI_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/cli.h"
#include "util/error.h"

struct kd_argp {
    int argc;
    char **argv;
    int i;
    const char *where;   /* "keys create", for messages */
    struct kd_cli *cli;  /* where global options seen here go */
    const char *opt;     /* the option being handled */
    const char *inline_value; /* from --opt=value */
    char *opt_buf;       /* owned copy of "--opt" when given as --opt=value */
    char **pos;          /* positional arguments, in order */
    int npos;
    bool options_done;   /* after "--" */
};

void kd_argp_init(struct kd_argp *p, struct kd_cli *cli, const char *where, int argc,
                  char **argv);
void kd_argp_free(struct kd_argp *p);

/**
 * The next option ("--name"), or NULL when the arguments are used up.
 * Positional arguments are collected in p->pos on the way.
 */
const char *kd_argp_next(struct kd_argp *p);
/** The current option's value; a missing one is a usage error naming the option. */
int kd_argp_value(struct kd_argp *p, const char **out, struct kd_error *err);
/** The current option takes no value ("--desc=x" is an error). */
int kd_argp_flag(struct kd_argp *p, struct kd_error *err);
/** Any other option: a global one (--json, --readonly, --keystore) or unknown. */
int kd_argp_other(struct kd_argp *p, struct kd_error *err);
/** Check the number of positionals; names (e.g. "ID") is used in the message. */
int kd_argp_positionals(struct kd_argp *p, int min, int max, const char *names,
                        struct kd_error *err);

struct kd_list_query;
/**
 * The options every list shares: --filter S, --limit N, --cursor C, --all.
 * Returns 1 when the current option was one of them, 0 when not, -1 on error.
 */
int kd_argp_list_option(struct kd_argp *p, struct kd_list_query *q, bool *all,
                        struct kd_error *err);

/** Strict integer: the whole string, base 10, within [min, max]. */
int kd_parse_int(const char *field, const char *s, int64_t min, int64_t max, int64_t *out,
                 struct kd_error *err);

/* A verb of a noun.  name NULL: the noun is itself the command (verify, stats). */
struct kd_verb {
    const char *name;
    int (*run)(struct kd_cli *c, int argc, char **argv);
    const char *usage;   /* "keys create --api ID [...]" — after "keydeck " */
    const char *help;    /* the rest of the help text (may be NULL) */
};

/**
 * Run the verb named by argv[0] (or the noun's only command), handling
 * `keydeck <noun> --help`, `keydeck <noun> <verb> --help`, a missing verb and an
 * unknown one.
 */
int kd_cli_dispatch(struct kd_cli *c, const char *noun, const char *summary,
                    const struct kd_verb *verbs, int argc, char **argv);

#endif
