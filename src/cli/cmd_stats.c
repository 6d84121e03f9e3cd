/*
 * cmd_stats.c — `keydeck stats`: verifications by outcome, activity over the
 * window, busiest keys, keys low on credits or expiring, recent failures.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/output.h"
#include "util/clock.h"
#include "util/timefmt.h"

/* Eight levels of block characters, lowest first. */
static const char *const spark[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

static void print_sparkline(const int64_t *b, size_t n)
{
    int64_t max = 0;
    for (size_t i = 0; i < n; i++)
        if (b[i] > max)
            max = b[i];
    for (size_t i = 0; i < n; i++) {
        if (b[i] == 0 || max == 0)
            fputs(" ", stdout);
        else
            fputs(spark[(b[i] * 7) / max], stdout);
    }
}

static void print_key_list(const char *title, const struct kd_stats_key *keys, size_t n,
                           const char *value_header, int kind, int64_t now)
{
    if (n == 0)
        return;
    printf("\n%s\n", title);
    const char *headers[] = {"KEY", "NAME", value_header, kind == 3 ? "CODE" : "API"};
    struct kd_table *t = kd_table_new(4, headers);
    for (size_t i = 0; i < n; i++) {
        char v[48];
        if (kind == 2 || kind == 3)
            kd_time_format_relative(keys[i].value, now, v, sizeof v);
        else
            snprintf(v, sizeof v, "%lld", (long long)keys[i].value);
        const char *cells[] = {keys[i].key_id, keys[i].name, v,
                               kind == 3 ? keys[i].code : keys[i].api_id};
        kd_table_add(t, cells);
    }
    kd_table_print(t, stdout);
    kd_table_free(t);
}

int kd_cli_stats_fetch(struct kd_cli *c, const char *api_id, int64_t window_ms,
                       struct kd_stats *out, struct kd_stats_query *q, struct kd_error *err)
{
    int64_t now = kd_now_ms();
    memset(q, 0, sizeof *q);
    q->api_id = api_id;
    q->since = now - window_ms;
    q->until = now;
    q->top_n = 5;
    memset(out, 0, sizeof *out);
    return kd_backend_stats(c->backend, q, out, err);
}

static int stats_run(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "stats", argc, argv);
    const char *api = NULL, *since_s = "1h";
    int64_t window = 0;
    int rc = 0;
    const char *o;
    while (rc == 0 && (o = kd_argp_next(&p))) {
        if (strcmp(o, "--api") == 0)
            rc = kd_argp_value(&p, &api, &err);
        else if (strcmp(o, "--since") == 0)
            rc = kd_argp_value(&p, &since_s, &err);
        else
            rc = kd_argp_other(&p, &err);
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    if (rc == 0) {
        struct kd_error e;
        kd_error_clear(&e);
        if (kd_duration_parse(since_s, &window, &e) < 0)
            rc = kd_error_set(&err, KD_ERR_INVALID, "--since", "%s", e.message);
        else if (window <= 0)
            rc = kd_error_set(&err, KD_ERR_INVALID, "--since", "the window must be longer than 0");
    }
    if (rc == 0)
        rc = kd_cli_open(c, false, &err);
    struct kd_stats s;
    struct kd_stats_query q;
    memset(&s, 0, sizeof s);
    if (rc == 0)
        rc = kd_cli_stats_fetch(c, api, window, &s, &q, &err);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);

    if (c->json) {
        kd_json_print(kd_json_stats(&s, q.since, q.until));
    } else {
        char d[32];
        kd_duration_format(window, d, sizeof d);
        printf("verifications in the last %s%s%s: %lld\n", d, api ? " for " : "", api ? api : "",
               (long long)s.total);
        for (int i = 0; i < KD_VERIFY_CODE_COUNT; i++)
            if (s.by_code[i])
                printf("  %-26s %lld\n", kd_verify_code_name((enum kd_verify_code)i),
                       (long long)s.by_code[i]);
        printf("activity: |");
        print_sparkline(s.buckets, KD_STATS_BUCKETS);
        printf("|\n");
        print_key_list("busiest keys", s.busiest, s.n_busiest, "REQUESTS", 0, q.until);
        print_key_list("low on credits", s.low_credits, s.n_low_credits, "REMAINING", 1, q.until);
        print_key_list("expiring soon", s.expiring, s.n_expiring, "EXPIRES", 2, q.until);
        print_key_list("recent failures", s.failures, s.n_failures, "WHEN", 3, q.until);
    }
    kd_stats_free(&s);
    return KD_EXIT_OK;
}

static const struct kd_verb verbs[] = {
    {NULL, stats_run, "stats [--api ID] [--since DURATION]",
     "Verifications in the window (default 1h) by outcome, busiest keys, keys low on\n"
     "credits or expiring soon, recent failures.\n"},
    {NULL, NULL, NULL, NULL},
};

int kd_cmd_stats(struct kd_cli *c, int argc, char **argv)
{
    return kd_cli_dispatch(c, "stats", "verification statistics", verbs, argc, argv);
}
