/*
 * cmd_verify.c — `keydeck verify`: check a key as a server would.
 *
 * The key is read from standard input or a file, never from the command line,
 * where other users could read it in ps(1).  The buffer holding it is wiped.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/output.h"
#include "util/clock.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static void wipe(char *p, size_t n)
{
    volatile char *v = p;
    while (n--)
        *v++ = 0;
}

/* The first line of f, without its line ending; *cap is the buffer size to wipe. */
static char *read_key_line(FILE *f, const char *from, size_t *cap, struct kd_error *err)
{
    char *line = NULL;
    *cap = 0;
    ssize_t n = getline(&line, cap, f);
    if (n < 0) {
        if (line)
            wipe(line, *cap);
        free(line);
        kd_error_set(err, KD_ERR_INVALID, "key", "no key on %s (write it on the first line)",
                     from);
        return NULL;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    if (n == 0) {
        wipe(line, *cap);
        free(line);
        kd_error_set(err, KD_ERR_INVALID, "key", "the first line of %s is empty", from);
        return NULL;
    }
    return line;
}

static void print_result(const struct kd_verify_result *r, int64_t now)
{
    printf("%s\n", kd_verify_code_name(r->code));
    const struct kd_key *k = &r->key;
    if (k->id)
        printf("key:       %s%s%s%s\n", k->id, k->name ? " (" : "", k->name ? k->name : "",
               k->name ? ")" : "");
    if (k->id && k->external_id)
        printf("owner:     %s\n", k->external_id);
    if (k->id) {
        if (k->credits.limited)
            printf("credits:   %lld remaining\n", (long long)k->credits.remaining);
        else
            printf("credits:   unlimited\n");
    }
    for (size_t i = 0; i < r->n_ratelimits; i++) {
        const struct kd_verify_ratelimit *rl = &r->ratelimits[i];
        char reset[32];
        kd_duration_format(rl->reset_at > now ? rl->reset_at - now : 0, reset, sizeof reset);
        printf("ratelimit: %s %lld/%lld remaining, resets in %s%s\n", rl->name ? rl->name : "?",
               (long long)rl->remaining, (long long)rl->limit, reset,
               rl->exceeded ? " (exceeded)" : "");
    }
    if (r->message && *r->message)
        printf("message:   %s\n", r->message);
}

static int verify_run(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "verify", argc, argv);
    struct kd_verify_request req = {.credit_cost = KD_COST_DEFAULT};
    struct kd_verify_ratelimit_req *rls = NULL;
    char **rl_names = NULL;
    size_t nrl = 0;
    const char *key_file = NULL;
    int rc = 0;
    const char *o;
    while (rc == 0 && (o = kd_argp_next(&p))) {
        if (strcmp(o, "--api") == 0) {
            rc = kd_argp_value(&p, &req.api_id, &err);
        } else if (strcmp(o, "--permissions") == 0) {
            rc = kd_argp_value(&p, &req.permissions, &err);
        } else if (strcmp(o, "--cost") == 0) {
            const char *v;
            rc = kd_argp_value(&p, &v, &err);
            if (rc == 0)
                rc = kd_parse_int("--cost", v, 0, INT64_MAX, &req.credit_cost, &err);
        } else if (strcmp(o, "--ratelimit") == 0) {
            const char *v;
            rc = kd_argp_value(&p, &v, &err);
            if (rc < 0)
                break;
            rls = kd_xrealloc(rls, (nrl + 1) * sizeof *rls);
            rl_names = kd_xrealloc(rl_names, (nrl + 1) * sizeof *rl_names);
            struct kd_verify_ratelimit_req *r = &rls[nrl];
            memset(r, 0, sizeof *r);
            r->cost = KD_COST_DEFAULT;
            char *name = kd_xstrdup(v);
            rl_names[nrl++] = name;
            r->name = name;
            char *colon = strchr(name, ':');
            if (colon) {
                *colon = '\0';
                rc = kd_parse_int("--ratelimit", colon + 1, 0, INT64_MAX, &r->cost, &err);
            }
            if (rc == 0 && !*name)
                rc = kd_error_set(&err, KD_ERR_INVALID, "--ratelimit",
                                  "'%s' is not NAME[:COST]", v);
        } else if (strcmp(o, "--key-file") == 0) {
            rc = kd_argp_value(&p, &key_file, &err);
        } else if (strcmp(o, "--key") == 0) {
            rc = kd_error_set(&err, KD_ERR_INVALID, "--key",
                              "keys are never taken from the command line (ps shows it to "
                              "everyone): pipe the key to standard input or use --key-file");
        } else {
            rc = kd_argp_other(&p, &err);
        }
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    if (rc == 0)
        rc = kd_cli_open(c, false, &err);

    char *key = NULL;
    size_t cap = 0;
    if (rc == 0) {
        if (key_file) {
            FILE *f = fopen(key_file, "r");
            if (!f) {
                rc = kd_error_set(&err, errno == ENOENT ? KD_ERR_NOT_FOUND : KD_ERR_IO,
                                  "--key-file", "cannot read %s: %s", key_file, strerror(errno));
            } else {
                key = read_key_line(f, key_file, &cap, &err);
                fclose(f);
            }
        } else {
            key = read_key_line(stdin, "standard input", &cap, &err);
        }
        if (rc == 0 && !key)
            rc = -1;
    }

    struct kd_verify_result res;
    memset(&res, 0, sizeof res);
    if (rc == 0) {
        req.key = key;
        req.ratelimits = rls;
        req.n_ratelimits = nrl;
        rc = kd_backend_verify(c->backend, &req, &res, &err);
    }
    if (key) {
        wipe(key, cap);
        free(key);
    }
    for (size_t i = 0; i < nrl; i++)
        free(rl_names[i]);
    free(rl_names);
    free(rls);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);

    if (c->json)
        kd_json_print(kd_json_verify_result(&res));
    else
        print_result(&res, kd_now_ms());
    int status = res.valid && res.code == KD_VERIFY_VALID ? KD_EXIT_OK : KD_EXIT_NEGATIVE;
    kd_verify_result_free(&res);
    return status;
}

static const struct kd_verb verbs[] = {
    {NULL, verify_run,
     "verify [--api ID] [--permissions QUERY] [--cost N] [--ratelimit NAME[:COST]]... "
     "[--key-file PATH]",
     "Verify the key on the first line of standard input (or of PATH); a key is never\n"
     "taken from the command line.  Checks run in Unkey v2's order: NOT_FOUND, DISABLED,\n"
     "EXPIRED, INSUFFICIENT_PERMISSIONS, RATE_LIMITED, USAGE_EXCEEDED, VALID.\n"
     "A permission query looks like 'a AND (b OR c)'.\n"
     "Exit status 0 when VALID, 1 for any other code.\n"},
    {NULL, NULL, NULL, NULL},
};

int kd_cmd_verify(struct kd_cli *c, int argc, char **argv)
{
    return kd_cli_dispatch(c, "verify", "verify a key", verbs, argc, argv);
}
