/*
 * cmd_audit.c — `keydeck audit [run]|accept|accepted|rules`: the audit report
 * as text grouped by severity and rule, one JSON document, or CSV.
 *
 * Exit status of a run: 0 when no open finding is at or above --min-severity
 * (default low), 1 when there is one, so a cron job or CI step can gate on it.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "cli/args.h"
#include "cli/output.h"
#include "util/clock.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static const char run_help[] =
    "  --min-severity LEVEL  show and count findings at or above LEVEL: info, low\n"
    "                        (default), medium, high, critical\n"
    "  --api ID              audit one API (roles and permissions are skipped)\n"
    "  --csv                 print CSV (a header row, then one row per finding)\n"
    "  --json                print one JSON document\n"
    "Thresholds come from the [audit] section of the config file.  Findings\n"
    "accepted with `keydeck audit accept` are listed apart, with their reason.\n"
    "exit status: 0 no open finding at or above LEVEL, 1 some, 2+ errors.\n";

static json_t *finding_json(const struct kd_audit_finding *f)
{
    const struct kd_audit_rule_info *ri = kd_audit_rule_info(f->rule);
    json_t *o = json_object();
    json_object_set_new(o, "rule", json_string(ri->id));
    json_object_set_new(o, "name", json_string(ri->name));
    json_object_set_new(o, "severity", json_string(kd_audit_severity_name(ri->severity)));
    json_object_set_new(o, "target", json_string(f->target));
    json_object_set_new(o, "targetType", json_string(f->target_type));
    json_object_set_new(o, "targetName", kd_json_str(f->target_name));
    json_object_set_new(o, "apiId", kd_json_str(f->api_id));
    json_object_set_new(o, "message", json_string(f->message));
    json_object_set_new(o, "fix", json_string(kd_audit_fix_name(ri->fix)));
    if (f->accepted) {
        json_object_set_new(o, "reason", json_string(f->accepted->reason));
        json_object_set_new(o, "acceptedBy", json_string(f->accepted->who));
        json_object_set_new(o, "acceptedAt", kd_json_time(f->accepted->at));
    }
    return o;
}

static void print_json(const struct kd_audit_report *r, enum kd_audit_severity min)
{
    json_t *open = json_array(), *acc = json_array();
    for (size_t i = 0; i < r->len; i++) {
        const struct kd_audit_finding *f = &r->findings[i];
        if (kd_audit_rule_info(f->rule)->severity < min)
            continue;
        json_array_append_new(f->accepted ? acc : open, finding_json(f));
    }
    json_t *bysev = json_object();
    for (int s = 0; s < KD_SEV_COUNT; s++)
        json_object_set_new(bysev, kd_audit_severity_name((enum kd_audit_severity)s),
                            json_integer((json_int_t)r->open_by_severity[s]));
    json_t *sum = json_object();
    json_object_set_new(sum, "apis", json_integer((json_int_t)r->apis));
    json_object_set_new(sum, "keys", json_integer((json_int_t)r->keys));
    json_object_set_new(sum, "roles", json_integer((json_int_t)r->roles));
    json_object_set_new(sum, "permissions", json_integer((json_int_t)r->permissions));
    json_object_set_new(sum, "minSeverity", json_string(kd_audit_severity_name(min)));
    json_object_set_new(sum, "open", json_integer((json_int_t)kd_audit_report_open(r, min)));
    json_object_set_new(sum, "openBySeverity", bysev);
    json_object_set_new(sum, "accepted", json_integer((json_int_t)r->accepted_count));
    json_t *skipped = json_array();
    for (int rule = 0; rule < KD_RULE_COUNT; rule++)
        if (r->skipped[rule])
            json_array_append_new(skipped,
                                  json_string(kd_audit_rule_info((enum kd_audit_rule)rule)->id));
    json_object_set_new(sum, "notEvaluated", skipped);
    json_t *doc = json_object();
    json_object_set_new(doc, "findings", open);
    json_object_set_new(doc, "accepted", acc);
    json_object_set_new(doc, "summary", sum);
    kd_json_print(doc);
}

static void print_csv(const struct kd_audit_report *r, enum kd_audit_severity min)
{
    printf("rule,name,severity,target,targetType,targetName,apiId,message,fix,status,reason\r\n");
    for (size_t i = 0; i < r->len; i++) {
        const struct kd_audit_finding *f = &r->findings[i];
        const struct kd_audit_rule_info *ri = kd_audit_rule_info(f->rule);
        if (ri->severity < min)
            continue;
        const char *cells[] = {ri->id,
                               ri->name,
                               kd_audit_severity_name(ri->severity),
                               f->target,
                               f->target_type,
                               f->target_name,
                               f->api_id,
                               f->message,
                               kd_audit_fix_name(ri->fix),
                               f->accepted ? "accepted" : "open",
                               f->accepted ? f->accepted->reason : ""};
        for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
            if (c)
                fputc(',', stdout);
            kd_audit_csv_field(stdout, cells[c]);
        }
        fputs("\r\n", stdout);
    }
}

static void upper(const char *s, char *buf, size_t len)
{
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++)
        buf[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]);
    buf[i] = '\0';
}

static void print_text(const struct kd_audit_report *r, enum kd_audit_severity min)
{
    static const char *const headers[] = {"TARGET", "NAME", "API", "FINDING"};
    for (size_t i = 0; i < r->len;) {
        enum kd_audit_rule rule = r->findings[i].rule;
        const struct kd_audit_rule_info *ri = kd_audit_rule_info(rule);
        struct kd_table *t = kd_table_new(4, headers);
        size_t j = i;
        for (; j < r->len && r->findings[j].rule == rule; j++) {
            const struct kd_audit_finding *f = &r->findings[j];
            if (f->accepted || ri->severity < min) /* not shown: not laid out either */
                continue;
            const char *cells[] = {f->target, f->target_name, f->api_id, f->message};
            kd_table_add(t, cells);
        }
        if (ri->severity >= min && kd_table_rows(t) > 0) {
            char sev[16];
            upper(kd_audit_severity_name(ri->severity), sev, sizeof sev);
            printf("%s %s %s: %s (%zu; fix: %s)\n", sev, ri->id, ri->name, ri->text,
                   kd_table_rows(t), kd_audit_fix_name(ri->fix));
            kd_table_print(t, stdout);
            putchar('\n');
        }
        kd_table_free(t);
        i = j;
    }
    bool header = false;
    for (size_t i = 0; i < r->len; i++) {
        const struct kd_audit_finding *f = &r->findings[i];
        const struct kd_audit_rule_info *ri = kd_audit_rule_info(f->rule);
        if (!f->accepted || ri->severity < min)
            continue;
        if (!header)
            printf("accepted:\n");
        header = true;
        char iso[48];
        kd_time_format_iso(f->accepted->at, iso, sizeof iso);
        printf("  %s %s %s: %s\n    accepted by %s at %s: %s\n", ri->id, ri->name, f->target,
               f->message, f->accepted->who, iso, f->accepted->reason);
    }
    if (header)
        putchar('\n');
    size_t open = kd_audit_report_open(r, min);
    printf("%zu open finding(s) at or above %s", open, kd_audit_severity_name(min));
    const char *sep = " (";
    for (int s = KD_SEV_COUNT - 1; s >= (int)min; s--) {
        if (!r->open_by_severity[s])
            continue;
        printf("%s%zu %s", sep, r->open_by_severity[s],
               kd_audit_severity_name((enum kd_audit_severity)s));
        sep = ", ";
    }
    printf("%s, %zu accepted; audited %zu API(s), %zu key(s), %zu role(s), %zu "
           "permission(s)\n",
           open ? ")" : "", r->accepted_count, r->apis, r->keys, r->roles, r->permissions);
    for (int rule = 0; rule < KD_RULE_COUNT; rule++)
        if (r->skipped[rule])
            printf("not evaluated: %s %s (this backend does not report what it needs)\n",
                   kd_audit_rule_info((enum kd_audit_rule)rule)->id,
                   kd_audit_rule_info((enum kd_audit_rule)rule)->name);
}

static int audit_run(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "audit", argc, argv);
    enum kd_audit_severity min = KD_SEV_LOW;
    const char *api = NULL, *o;
    bool csv = false;
    int rc = 0;
    while (rc == 0 && (o = kd_argp_next(&p))) {
        const char *v;
        if (strcmp(o, "--min-severity") == 0)
            rc = kd_argp_value(&p, &v, &err) < 0 ? -1
                                                  : kd_audit_severity_parse(o, v, &min, &err);
        else if (strcmp(o, "--api") == 0)
            rc = kd_argp_value(&p, &api, &err);
        else if (strcmp(o, "--csv") == 0)
            rc = kd_argp_flag(&p, &err) < 0 ? -1 : (csv = true, 0);
        else
            rc = kd_argp_other(&p, &err);
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    if (rc == 0 && csv && c->json)
        rc = kd_error_set(&err, KD_ERR_INVALID, "--csv", "choose one of --csv and --json");
    if (rc == 0)
        rc = kd_cli_open(c, false, &err);
    struct kd_audit_acceptlist acc = {0};
    char *path = kd_audit_accept_path();
    if (rc == 0)
        rc = kd_audit_accept_load(path, &acc, &err);
    free(path);
    struct kd_audit_report report = {0};
    if (rc == 0) {
        struct kd_audit_options opt = {.thresholds = &c->settings.audit,
                                       .api_id = api,
                                       .apis = &c->settings.apis,
                                       .now_ms = kd_now_ms(),
                                       .accepted = &acc};
        rc = kd_audit_run(c->backend, &opt, &report, &err);
    }
    kd_argp_free(&p);
    if (rc < 0) {
        kd_audit_accept_free(&acc);
        return kd_cli_fail(&err);
    }
    if (c->json)
        print_json(&report, min);
    else if (csv)
        print_csv(&report, min);
    else
        print_text(&report, min);
    int status = kd_audit_report_open(&report, min) ? KD_EXIT_NEGATIVE : KD_EXIT_OK;
    kd_audit_report_free(&report);
    kd_audit_accept_free(&acc);
    return status;
}

static int audit_accept(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "audit accept", argc, argv);
    const char *reason = NULL, *o;
    int rc = 0;
    while (rc == 0 && (o = kd_argp_next(&p))) {
        if (strcmp(o, "--reason") == 0)
            rc = kd_argp_value(&p, &reason, &err);
        else
            rc = kd_argp_other(&p, &err);
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 2, 2, "RULE TARGET", &err);
    if (rc == 0 && !reason)
        rc = kd_error_set(&err, KD_ERR_INVALID, "--reason", "audit accept needs --reason TEXT");
    char *path = kd_audit_accept_path();
    int64_t now = kd_now_ms();
    if (rc == 0)
        rc = kd_audit_accept_add(path, p.pos[0], p.pos[1], kd_audit_whoami(), reason, now, &err);
    if (rc == 0) {
        const struct kd_audit_rule_info *ri = kd_audit_rule_info(kd_audit_rule_find(p.pos[0]));
        if (c->json) {
            json_t *o2 = json_object();
            json_object_set_new(o2, "rule", json_string(ri->id));
            json_object_set_new(o2, "target", json_string(p.pos[1]));
            json_object_set_new(o2, "reason", json_string(reason));
            json_object_set_new(o2, "acceptedBy", json_string(kd_audit_whoami()));
            json_object_set_new(o2, "acceptedAt", kd_json_time(now));
            json_object_set_new(o2, "file", json_string(path));
            kd_json_print(o2);
        } else {
            printf("accepted %s %s for %s (in %s)\n", ri->id, ri->name, p.pos[1], path);
        }
    }
    free(path);
    kd_argp_free(&p);
    return rc < 0 ? kd_cli_fail(&err) : KD_EXIT_OK;
}

static int audit_accepted(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "audit accepted", argc, argv);
    int rc = 0;
    while (rc == 0 && kd_argp_next(&p))
        rc = kd_argp_other(&p, &err);
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    kd_argp_free(&p);
    char *path = kd_audit_accept_path();
    struct kd_audit_acceptlist acc = {0};
    if (rc == 0)
        rc = kd_audit_accept_load(path, &acc, &err);
    free(path);
    if (rc < 0)
        return kd_cli_fail(&err);
    static const char *const headers[] = {"RULE", "TARGET", "BY", "AT", "REASON"};
    struct kd_table *t = kd_table_new(5, headers);
    json_t *items = json_array();
    for (size_t i = 0; i < acc.len; i++) {
        const struct kd_audit_acceptance *a = &acc.items[i];
        char iso[48];
        kd_time_format_iso(a->at, iso, sizeof iso);
        const char *cells[] = {a->rule_id, a->target, a->who, iso, a->reason};
        kd_table_add(t, cells);
        json_t *o = json_object();
        json_object_set_new(o, "rule", json_string(a->rule_id));
        json_object_set_new(o, "target", json_string(a->target));
        json_object_set_new(o, "acceptedBy", json_string(a->who));
        json_object_set_new(o, "acceptedAt", kd_json_time(a->at));
        json_object_set_new(o, "reason", json_string(a->reason));
        json_array_append_new(items, o);
    }
    if (c->json) {
        kd_json_print(kd_json_list(items, NULL, (int64_t)acc.len));
    } else {
        json_decref(items);
        if (kd_table_rows(t) == 0)
            printf("no accepted findings\n");
        else
            kd_table_print(t, stdout);
    }
    kd_table_free(t);
    kd_audit_accept_free(&acc);
    return KD_EXIT_OK;
}

static int audit_rules(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "audit rules", argc, argv);
    int rc = 0;
    while (rc == 0 && kd_argp_next(&p))
        rc = kd_argp_other(&p, &err);
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);
    static const char *const headers[] = {"RULE", "NAME", "SEVERITY", "FIX", "THRESHOLD",
                                          "EXPLANATION"};
    struct kd_table *t = kd_table_new(6, headers);
    json_t *items = json_array();
    for (int i = 0; i < KD_RULE_COUNT; i++) {
        const struct kd_audit_rule_info *ri = kd_audit_rule_info((enum kd_audit_rule)i);
        const char *sev = kd_audit_severity_name(ri->severity);
        const char *fix = kd_audit_fix_name(ri->fix);
        const char *cells[] = {ri->id, ri->name, sev, fix, ri->threshold, ri->text};
        kd_table_add(t, cells);
        json_t *o = json_object();
        json_object_set_new(o, "rule", json_string(ri->id));
        json_object_set_new(o, "name", json_string(ri->name));
        json_object_set_new(o, "severity", json_string(sev));
        json_object_set_new(o, "fix", json_string(fix));
        json_object_set_new(o, "threshold",
                            strcmp(ri->threshold, "-") ? json_string(ri->threshold) : json_null());
        json_object_set_new(o, "explanation", json_string(ri->text));
        json_array_append_new(items, o);
    }
    if (c->json) {
        kd_json_print(kd_json_list(items, NULL, KD_RULE_COUNT));
    } else {
        json_decref(items);
        kd_table_print(t, stdout);
    }
    kd_table_free(t);
    return KD_EXIT_OK;
}

static const struct kd_verb verbs[] = {
    {"run", audit_run, "audit [run] [--min-severity LEVEL] [--api ID] [--csv]", run_help},
    {"accept", audit_accept, "audit accept RULE TARGET --reason TEXT",
     "  Record that a finding is accepted (kept in audit-accepted next to the config\n"
     "  file, never in the keystore); later runs list it apart with its reason.\n"},
    {"accepted", audit_accepted, "audit accepted", "  List the accepted findings.\n"},
    {"rules", audit_rules, "audit rules", "  List the rules, their severity and thresholds.\n"},
    {NULL, NULL, NULL, NULL},
};

int kd_cmd_audit(struct kd_cli *c, int argc, char **argv)
{
    /* A bare `keydeck audit` (maybe with options) runs the audit. */
    if (argc == 0 || (argv[0][0] == '-' && strcmp(argv[0], "--help") != 0 &&
                      strcmp(argv[0], "-h") != 0))
        return audit_run(c, argc, argv);
    return kd_cli_dispatch(c, "audit", "audit keys against the rules", verbs, argc, argv);
}
