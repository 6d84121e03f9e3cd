/*
 * cmd_log.c — `keydeck log list|verify`: the tamper-evident audit log.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/output.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static int log_list(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "log list", argc, argv);
    struct kd_audit_query q = {.page.want_total = true};
    bool all = false;
    int rc = 0;
    const char *o;
    while (rc == 0 && (o = kd_argp_next(&p))) {
        int r = strcmp(o, "--filter") == 0 ? 0 : kd_argp_list_option(&p, &q.page, &all, &err);
        if (r != 0)
            rc = r < 0 ? -1 : 0;
        else if (strcmp(o, "--target") == 0)
            rc = kd_argp_value(&p, &q.target, &err);
        else if (strcmp(o, "--action") == 0)
            rc = kd_argp_value(&p, &q.action, &err);
        else
            rc = kd_argp_other(&p, &err);
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    if (rc == 0)
        rc = kd_cli_open(c, false, &err);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);

    static const char *const headers[] = {"SEQ", "WHEN", "ACTOR", "ACTION", "TARGET", "CHANGES"};
    struct kd_table *t = kd_table_new(6, headers);
    json_t *items = json_array();
    char *cursor = kd_xstrdup(q.page.cursor);
    int64_t total = -1;
    for (;;) {
        struct kd_audit_page page = {0};
        q.page.cursor = cursor;
        if (kd_backend_audit_list(c->backend, &q, &page, &err) < 0) {
            free(cursor);
            kd_table_free(t);
            json_decref(items);
            return kd_cli_fail(&err);
        }
        for (size_t i = 0; i < page.len; i++) {
            const struct kd_audit_entry *e = &page.items[i];
            char seq[24], when[48], actor[160];
            snprintf(seq, sizeof seq, "%lld", (long long)e->seq);
            kd_time_format_iso(e->at, when, sizeof when);
            snprintf(actor, sizeof actor, "%s%s%s", e->actor ? e->actor : "?",
                     e->host && *e->host ? "@" : "", e->host ? e->host : "");
            const char *cells[] = {seq, when, actor, e->action, e->target, e->changes_json};
            kd_table_add(t, cells);
            json_array_append_new(items, kd_json_audit_entry(e));
        }
        free(cursor);
        cursor = kd_xstrdup(page.next_cursor);
        total = page.total;
        kd_audit_page_free(&page);
        if (!all || !cursor)
            break;
    }
    kd_list_finish(c->json, items, t, cursor, total, "no log entries");
    return KD_EXIT_OK;
}

static int log_verify(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "log verify", argc, argv);
    int rc = 0;
    while (rc == 0 && kd_argp_next(&p))
        rc = kd_argp_other(&p, &err);
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    kd_argp_free(&p);
    if (rc == 0)
        rc = kd_cli_open(c, false, &err);
    struct kd_audit_check check;
    memset(&check, 0, sizeof check);
    if (rc == 0)
        rc = kd_backend_audit_verify(c->backend, &check, &err);
    if (rc < 0)
        return kd_cli_fail(&err);
    if (c->json) {
        json_t *j = json_object();
        json_object_set_new(j, "ok", json_boolean(check.ok == 1));
        json_object_set_new(j, "entries", json_integer(check.entries));
        json_object_set_new(j, "firstBadSeq",
                            check.first_bad_seq ? json_integer(check.first_bad_seq) : json_null());
        json_object_set_new(j, "head", json_string(check.head_hex));
        json_object_set_new(j, "message", json_string(check.message));
        kd_json_print(j);
    } else if (check.ok == 1) {
        printf("audit log intact: %lld entries\n", (long long)check.entries);
        printf("head: %s\n", check.head_hex[0] ? check.head_hex : "-");
        if (check.message[0])
            printf("%s\n", check.message);
        printf("(keep the head hash elsewhere to detect entries cut off the end)\n");
    } else {
        printf("audit log TAMPERED: %s\n", check.message[0] ? check.message : "chain broken");
        if (check.first_bad_seq)
            printf("first bad entry: %lld\n", (long long)check.first_bad_seq);
        printf("checked: %lld entries\n", (long long)check.entries);
        printf("head: %s\n", check.head_hex[0] ? check.head_hex : "-");
    }
    return check.ok == 1 ? KD_EXIT_OK : KD_EXIT_NEGATIVE;
}

static const struct kd_verb verbs[] = {
    {"list", log_list,
     "log list [--target ID] [--action A] [--limit N] [--cursor C] [--all]",
     "Every change, newest first: when, who (OS user and host), what, which fields;\n"
     "never a secret.\n"},
    {"verify", log_verify, "log verify",
     "Recompute the hash chain.  Exit status 0 when intact, 1 when tampered with.\n"},
    {NULL, NULL, NULL, NULL},
};

int kd_cmd_log(struct kd_cli *c, int argc, char **argv)
{
    return kd_cli_dispatch(c, "log", "the audit log", verbs, argc, argv);
}
