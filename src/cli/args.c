#include "cli/args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/page.h"
#include "util/xalloc.h"

void kd_argp_init(struct kd_argp *p, struct kd_cli *cli, const char *where, int argc,
                  char **argv)
{
    memset(p, 0, sizeof *p);
    p->cli = cli;
    p->where = where;
    p->argc = argc;
    p->argv = argv;
    p->pos = kd_xcalloc((size_t)argc + 1, sizeof *p->pos);
}

void kd_argp_free(struct kd_argp *p)
{
    free(p->opt_buf);
    free(p->pos);
    p->opt_buf = NULL;
    p->pos = NULL;
}

static bool looks_like_option(const char *a)
{
    /* "-5" is a value or a positional, "-x" and "--x" are options. */
    if (a[0] != '-' || a[1] == '\0')
        return false;
    if (a[1] == '-')
        return a[2] != '\0';
    return !(a[1] >= '0' && a[1] <= '9');
}

const char *kd_argp_next(struct kd_argp *p)
{
    free(p->opt_buf);
    p->opt_buf = NULL;
    p->opt = NULL;
    p->inline_value = NULL;
    while (p->i < p->argc) {
        char *a = p->argv[p->i++];
        if (!p->options_done && strcmp(a, "--") == 0) {
            p->options_done = true;
            continue;
        }
        if (!p->options_done && looks_like_option(a)) {
            const char *eq = strchr(a, '=');
            if (eq && a[1] == '-') {
                p->opt_buf = kd_xstrndup(a, (size_t)(eq - a));
                p->opt = p->opt_buf;
                p->inline_value = eq + 1;
            } else {
                p->opt = a;
            }
            return p->opt;
        }
        p->pos[p->npos++] = a;
    }
    return NULL;
}

int kd_argp_value(struct kd_argp *p, const char **out, struct kd_error *err)
{
    if (p->inline_value) {
        *out = p->inline_value;
        return 0;
    }
    /* A following option means the value was forgotten; --opt=--x passes one anyway. */
    if (p->i >= p->argc || (p->argv[p->i][0] == '-' && p->argv[p->i][1] == '-'))
        return kd_error_set(err, KD_ERR_INVALID, p->opt, "needs a value (see keydeck %s%s--help)",
                            p->where ? p->where : "", p->where ? " " : "");
    *out = p->argv[p->i++];
    return 0;
}

int kd_argp_flag(struct kd_argp *p, struct kd_error *err)
{
    if (p->inline_value)
        return kd_error_set(err, KD_ERR_INVALID, p->opt, "takes no value");
    return 0;
}

int kd_argp_other(struct kd_argp *p, struct kd_error *err)
{
    const char *o = p->opt;
    if (strcmp(o, "--json") == 0) {
        if (kd_argp_flag(p, err) < 0)
            return -1;
        p->cli->json = true;
        return 0;
    }
    if (strcmp(o, "--readonly") == 0) {
        if (kd_argp_flag(p, err) < 0)
            return -1;
        p->cli->readonly = true;
        return 0;
    }
    if (strcmp(o, "--keystore") == 0) {
        const char *v;
        if (kd_argp_value(p, &v, err) < 0)
            return -1;
        if (p->cli->backend)
            return kd_error_set(err, KD_ERR_INVALID, o, "--keystore must come before the command");
        p->cli->keystore_opt = v;
        return 0;
    }
    return kd_error_set(err, KD_ERR_INVALID, o, "unknown option for %s (see keydeck %s --help)",
                        p->where, p->where);
}

int kd_argp_positionals(struct kd_argp *p, int min, int max, const char *names,
                        struct kd_error *err)
{
    if (p->npos < min)
        return kd_error_set(err, KD_ERR_INVALID, names, "%s needs %s (see keydeck %s --help)",
                            p->where, names, p->where);
    if (p->npos > max)
        return kd_error_set(err, KD_ERR_INVALID, NULL,
                            "%s: unexpected argument '%s' (see keydeck %s --help)", p->where,
                            p->pos[max], p->where);
    return 0;
}

int kd_parse_int(const char *field, const char *s, int64_t min, int64_t max, int64_t *out,
                 struct kd_error *err)
{
    if (!s || !*s)
        return kd_error_set(err, KD_ERR_INVALID, field, "a number is required");
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || s[0] == ' ' || s[0] == '+')
        return kd_error_set(err, KD_ERR_INVALID, field, "'%s' is not a whole number", s);
    if (errno == ERANGE || v < min || v > max)
        return kd_error_set(err, KD_ERR_INVALID, field, "%s is out of range (%lld to %lld)", s, (long long)min, (long long)max);
    *out = (int64_t)v;
    return 0;
}

int kd_argp_list_option(struct kd_argp *p, struct kd_list_query *q, bool *all,
                        struct kd_error *err)
{
    const char *o = p->opt;
    if (strcmp(o, "--filter") == 0)
        return kd_argp_value(p, &q->filter, err) < 0 ? -1 : 1;
    if (strcmp(o, "--cursor") == 0)
        return kd_argp_value(p, &q->cursor, err) < 0 ? -1 : 1;
    if (strcmp(o, "--all") == 0) {
        if (kd_argp_flag(p, err) < 0)
            return -1;
        *all = true;
        return 1;
    }
    if (strcmp(o, "--limit") == 0) {
        const char *v;
        int64_t n;
        if (kd_argp_value(p, &v, err) < 0 ||
            kd_parse_int("--limit", v, 1, KD_PAGE_LIMIT_MAX, &n, err) < 0)
            return -1;
        q->limit = (int)n;
        return 1;
    }
    return 0;
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return false;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    }
    return false;
}

static void print_verb_help(FILE *f, const struct kd_verb *v)
{
    fprintf(f, "usage: keydeck %s\n", v->usage);
    if (v->help)
        fprintf(f, "\n%s", v->help);
}

static void print_noun_help(FILE *f, const char *noun, const char *summary,
                            const struct kd_verb *verbs)
{
    fprintf(f, "keydeck %s — %s\n\nusage:\n", noun, summary);
    for (const struct kd_verb *v = verbs; v->run; v++)
        fprintf(f, "  keydeck %s\n", v->usage);
    if (verbs[0].name)
        fprintf(f, "\nkeydeck %s <verb> --help for a verb's options.\n", noun);
}

int kd_cli_dispatch(struct kd_cli *c, const char *noun, const char *summary,
                    const struct kd_verb *verbs, int argc, char **argv)
{
    if (!verbs[0].name) {
        /* A noun that is its own command. */
        if (wants_help(argc, argv)) {
            print_verb_help(stdout, &verbs[0]);
            return KD_EXIT_OK;
        }
        return verbs[0].run(c, argc, argv);
    }
    if (argc == 0) {
        struct kd_error err;
        kd_error_set(&err, KD_ERR_INVALID, NULL, "%s needs a verb", noun);
        kd_cli_fail(&err);
        print_noun_help(stderr, noun, summary, verbs);
        return KD_EXIT_USAGE;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 ||
        strcmp(argv[0], "help") == 0) {
        print_noun_help(stdout, noun, summary, verbs);
        return KD_EXIT_OK;
    }
    for (const struct kd_verb *v = verbs; v->run; v++) {
        if (strcmp(v->name, argv[0]) != 0)
            continue;
        if (wants_help(argc - 1, argv + 1)) {
            print_verb_help(stdout, v);
            return KD_EXIT_OK;
        }
        return v->run(c, argc - 1, argv + 1);
    }
    struct kd_error err;
    kd_error_set(&err, KD_ERR_INVALID, NULL, "unknown %s verb '%s' (see keydeck %s --help)",
                 noun, argv[0], noun);
    return kd_cli_fail(&err);
}
