/*
 * test_audit.c — the audit module's pure parts: the rule table, severity
 * parsing, the per-key rules (including the ones a keystore cannot be made to
 * show), thresholds of 0, CSV quoting, the accept-list file, and that the
 * manual lists every rule.
 */
#include "audit/audit.h"

#include <sys/stat.h>

#include "test.h"
#include "util/xalloc.h"

#define DAY ((int64_t)86400000)
#define NOW ((int64_t)1735689600000) /* 2025-01-01 */

static const char *srcdir(void)
{
    const char *s = getenv("KD_SRCDIR");
#ifdef KD_TEST_SRCDIR
    if (!s || !*s)
        s = KD_TEST_SRCDIR;
#endif
    return s && *s ? s : ".";
}

static struct kd_audit_thresholds thresholds(void)
{
    struct kd_audit_thresholds t = {.unused_days = 30, .disabled_days = 10,
                                    .max_permissions = 2, .owner_max_keys = 2,
                                    .credits_low = 5};
    kd_strlist_split(&t.admin_roles, "admin, owner");
    return t;
}

/* A key no rule reports. */
static void clean_key(struct kd_key *k)
{
    kd_key_init(k);
    k->id = kd_xstrdup("key_1");
    k->api_id = kd_xstrdup("api_1");
    k->created_at = NOW - 100 * DAY;
    k->last_used_at = NOW - DAY;
    k->expires = NOW + 100 * DAY;
    k->credits.limited = true;
    k->credits.remaining = 100;
    k->credits.refill.interval = KD_REFILL_DAILY;
    k->credits.refill.amount = 100;
    kd_key_add_ratelimit(k, "req", 10, 60000, true);
}

/* The rules that fire, as "KD001 KD004 " in table order. */
static const char *rules_of(const struct kd_key *k, const struct kd_audit_thresholds *t)
{
    static char buf[256];
    struct kd_audit_hit hits[KD_RULE_COUNT];
    size_t n = kd_audit_check_key(k, t, NOW, hits);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(buf, kd_audit_rule_info(hits[i].rule)->id);
        strcat(buf, " ");
        ck_assert_msg(hits[i].message[0], "rule %d has a message", hits[i].rule);
    }
    return buf;
}

START_TEST(table_is_consistent)
{
    for (int i = 0; i < KD_RULE_COUNT; i++) {
        const struct kd_audit_rule_info *ri = kd_audit_rule_info((enum kd_audit_rule)i);
        char want[8];
        snprintf(want, sizeof want, "KD%03d", i + 1);
        ck_assert_str_eq(ri->id, want);
        ck_assert_int_eq(kd_audit_rule_find(ri->id), i);
        ck_assert_int_eq(kd_audit_rule_find(ri->name), i);
        ck_assert_uint_eq(strspn(ri->name, "abcdefghijklmnopqrstuvwxyz-"), strlen(ri->name));
        ck_assert(ri->text[0] != '\0');
    }
    ck_assert_int_eq(kd_audit_rule_find("kd001"), 0);
    ck_assert_int_eq(kd_audit_rule_find("KD999"), -1);
    ck_assert_int_eq(kd_audit_rule_find(""), -1);
    ck_assert_ptr_null(kd_audit_rule_info(KD_RULE_COUNT));
    ck_assert_str_eq(kd_audit_fix_name(KD_FIX_SET_EXPIRY), "set-expiry");
    ck_assert_str_eq(kd_audit_fix_name(KD_FIX_NONE), "none");
}
END_TEST

START_TEST(severity_parse)
{
    struct kd_error err;
    enum kd_audit_severity s = KD_SEV_INFO;
    ck_assert_int_eq(kd_audit_severity_parse("--min-severity", "HIGH", &s, &err), 0);
    ck_assert_int_eq(s, KD_SEV_HIGH);
    ck_assert_int_eq(kd_audit_severity_parse("--min-severity", "info", &s, &err), 0);
    ck_assert_int_eq(s, KD_SEV_INFO);
    ck_assert_int_eq(kd_audit_severity_parse("--min-severity", "critical", &s, &err), 0);
    ck_assert_int_eq(s, KD_SEV_CRITICAL);
    ck_assert_int_eq(kd_audit_severity_parse("--min-severity", "severe", &s, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.field, "--min-severity");
    ck_assert_ptr_nonnull(strstr(err.message, "severe"));
    ck_assert_int_eq(kd_audit_severity_parse("x", "", &s, &err), -1);
    ck_assert_int_eq(kd_audit_severity_parse("x", NULL, &s, &err), -1);
    ck_assert_int_eq(s, KD_SEV_CRITICAL); /* unchanged on error */
    ck_assert(KD_SEV_INFO < KD_SEV_LOW && KD_SEV_LOW < KD_SEV_MEDIUM &&
              KD_SEV_MEDIUM < KD_SEV_HIGH && KD_SEV_HIGH < KD_SEV_CRITICAL);
    ck_assert_str_eq(kd_audit_severity_name(KD_SEV_MEDIUM), "medium");
}
END_TEST

START_TEST(clean_key_has_no_findings)
{
    struct kd_audit_thresholds t = thresholds();
    struct kd_key k;
    clean_key(&k);
    ck_assert_str_eq(rules_of(&k, &t), "");
    kd_key_free(&k);
    kd_strlist_clear(&t.admin_roles);
}
END_TEST

START_TEST(each_key_rule)
{
    struct kd_audit_thresholds t = thresholds();
    struct kd_key k;

    clean_key(&k);
    k.expires = NOW - 12 * DAY;
    k.recoverable = true; /* an expired key is reported for its expiry only */
    ck_assert_str_eq(rules_of(&k, &t), "KD001 ");
    struct kd_audit_hit hits[KD_RULE_COUNT];
    kd_audit_check_key(&k, &t, NOW, hits);
    ck_assert_str_eq(hits[0].message, "expired 12d ago but still enabled");
    kd_key_free(&k);

    clean_key(&k);
    k.last_used_at = 0;
    ck_assert_str_eq(rules_of(&k, &t), "KD002 ");
    k.created_at = NOW - 29 * DAY; /* young enough */
    ck_assert_str_eq(rules_of(&k, &t), "");
    kd_key_free(&k);

    clean_key(&k);
    k.last_used_at = NOW - 31 * DAY;
    ck_assert_str_eq(rules_of(&k, &t), "KD003 ");
    kd_key_free(&k);

    clean_key(&k);
    k.expires = 0;
    ck_assert_str_eq(rules_of(&k, &t), "KD004 ");
    kd_key_free(&k);

    clean_key(&k);
    k.ratelimits[0].auto_apply = false; /* a limit only applied on request */
    ck_assert_str_eq(rules_of(&k, &t), "KD005 ");
    kd_key_free(&k);

    clean_key(&k);
    memset(&k.credits, 0, sizeof k.credits);
    ck_assert_str_eq(rules_of(&k, &t), "KD006 ");
    /* A remote store may hand back a refill on unlimited credits. */
    k.credits.refill.interval = KD_REFILL_MONTHLY;
    k.credits.refill.amount = 50;
    k.credits.refill.refill_day = 1;
    ck_assert_str_eq(rules_of(&k, &t), "KD006 KD008 ");
    kd_key_free(&k);

    clean_key(&k);
    k.credits.refill.interval = KD_REFILL_NONE;
    k.credits.remaining = 5;
    ck_assert_str_eq(rules_of(&k, &t), "KD007 ");
    k.credits.remaining = 6;
    ck_assert_str_eq(rules_of(&k, &t), "");
    k.credits.remaining = 0;
    k.credits.refill.interval = KD_REFILL_DAILY; /* a refill will top it up */
    ck_assert_str_eq(rules_of(&k, &t), "");
    kd_key_free(&k);

    clean_key(&k);
    kd_strlist_push(&k.permissions, "docs.*");
    ck_assert_str_eq(rules_of(&k, &t), "KD009 ");
    kd_key_free(&k);

    clean_key(&k);
    kd_strlist_push(&k.permissions, "a");
    kd_strlist_push(&k.permissions, "b");
    ck_assert_str_eq(rules_of(&k, &t), "");
    kd_strlist_push(&k.permissions, "c");
    ck_assert_str_eq(rules_of(&k, &t), "KD010 ");
    kd_key_free(&k);

    clean_key(&k);
    kd_strlist_push(&k.roles, "owner");
    ck_assert_str_eq(rules_of(&k, &t), "KD011 ");
    kd_key_free(&k);

    clean_key(&k);
    k.recoverable = true;
    ck_assert_str_eq(rules_of(&k, &t), "KD012 ");
    kd_key_free(&k);

    kd_strlist_clear(&t.admin_roles);
}
END_TEST

START_TEST(grants_count_role_permissions)
{
    struct kd_audit_thresholds t = thresholds();
    struct kd_key k;
    clean_key(&k);
    /* One direct permission, two more (and a repeat) through a role. */
    kd_strlist_push(&k.permissions, "a");
    kd_strlist_push(&k.roles, "writer");
    static const char *const slugs[] = {"a", "b", "c", "files.*"};
    static const char *const via[] = {NULL, "writer", "writer", "writer"};
    k.n_grants = 4;
    k.grants = kd_xcalloc(4, sizeof *k.grants);
    for (size_t i = 0; i < 4; i++) {
        k.grants[i].slug = kd_xstrdup(slugs[i]);
        k.grants[i].via_role = kd_xstrdup(via[i]);
    }
    ck_assert_str_eq(rules_of(&k, &t), "KD009 KD010 ");
    struct kd_audit_hit hits[KD_RULE_COUNT];
    kd_audit_check_key(&k, &t, NOW, hits);
    ck_assert_str_eq(hits[0].message, "holds \"files.*\" through role \"writer\"");
    ck_assert_str_eq(hits[1].message, "holds 4 permissions (more than 2)");
    kd_key_free(&k);
    kd_strlist_clear(&t.admin_roles);
}
END_TEST

START_TEST(disabled_keys)
{
    struct kd_audit_thresholds t = thresholds();
    struct kd_key k;
    clean_key(&k);
    k.enabled = false;
    k.expires = 0;         /* would be no-expiry if enabled */
    k.recoverable = true;  /* and recoverable */
    k.updated_at = NOW - 9 * DAY;
    ck_assert_str_eq(rules_of(&k, &t), "");
    k.updated_at = NOW - 11 * DAY;
    ck_assert_str_eq(rules_of(&k, &t), "KD013 ");
    struct kd_audit_hit hits[KD_RULE_COUNT];
    kd_audit_check_key(&k, &t, NOW, hits);
    ck_assert_ptr_nonnull(strstr(hits[0].message, "last updated 11d ago"));
    k.updated_at = 0; /* never updated: created disabled, long ago */
    ck_assert_str_eq(rules_of(&k, &t), "KD013 ");
    kd_key_free(&k);
    kd_strlist_clear(&t.admin_roles);
}
END_TEST

START_TEST(zero_thresholds_turn_rules_off)
{
    struct kd_audit_thresholds t = thresholds();
    t.unused_days = t.disabled_days = t.max_permissions = t.credits_low = 0;
    struct kd_key k;
    clean_key(&k);
    k.last_used_at = 0;
    k.created_at = NOW - 1000 * DAY;
    k.credits.refill.interval = KD_REFILL_NONE;
    k.credits.remaining = 0;
    for (int i = 0; i < 50; i++)
        kd_strlist_push(&k.permissions, i % 2 ? "x" : "y");
    ck_assert_str_eq(rules_of(&k, &t), "");
    k.enabled = false;
    ck_assert_str_eq(rules_of(&k, &t), "");
    kd_key_free(&k);
    /* An empty admin-roles list reports no one. */
    clean_key(&k);
    kd_strlist_clear(&t.admin_roles);
    kd_strlist_push(&k.roles, "admin");
    ck_assert_str_eq(rules_of(&k, &t), "");
    kd_key_free(&k);
}
END_TEST

static char *csv_of(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    kd_audit_csv_field(f, s);
    fclose(f);
    return buf;
}

START_TEST(csv_quoting)
{
    static const char *const cases[][2] = {
        {"plain", "plain"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\r", "\"cr\r\""},
        {"\"", "\"\"\"\""},
        {"it's ; fine", "it's ; fine"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = csv_of(cases[i][0]);
        ck_assert_str_eq(got, cases[i][1]);
        free(got);
    }
    char *got = csv_of(NULL);
    ck_assert_str_eq(got, "");
    free(got);
}
END_TEST

START_TEST(accept_list_round_trip)
{
    char path[512];
    snprintf(path, sizeof path, "%s/conf/audit-accepted", kd_test_tmpdir());
    struct kd_error err;
    struct kd_audit_acceptlist l;
    ck_assert_int_eq(kd_audit_accept_load(path, &l, &err), 0); /* missing: empty */
    ck_assert_uint_eq(l.len, 0);

    ck_assert_int_eq(kd_audit_accept_add(path, "recoverable", "key_1", "ann", "support", 5, &err),
                     0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(kd_audit_accept_add(path, "KD004", "key_2", NULL, "legacy", 6, &err), 0);
    ck_assert_int_eq(kd_audit_accept_add(path, "kd012", "key_1", "bob", "still needed", 7, &err),
                     0);

    ck_assert_int_eq(kd_audit_accept_load(path, &l, &err), 0);
    ck_assert_uint_eq(l.len, 3);
    const struct kd_audit_acceptance *a = kd_audit_accept_find(&l, "KD012", "key_1");
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(a->reason, "still needed"); /* the newest wins */
    ck_assert_str_eq(a->who, "bob");
    ck_assert_int_eq(a->at, 7);
    a = kd_audit_accept_find(&l, "KD004", "key_2");
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(a->who, "unknown");
    ck_assert_ptr_null(kd_audit_accept_find(&l, "KD004", "key_1"));
    kd_audit_accept_free(&l);

    /* Refusals change nothing. */
    ck_assert_int_eq(kd_audit_accept_add(path, "KD999", "key_1", "a", "r", 1, &err), -1);
    ck_assert_str_eq(err.field, "RULE");
    ck_assert_int_eq(kd_audit_accept_add(path, "KD001", "key_1", "a", "", 1, &err), -1);
    ck_assert_str_eq(err.field, "--reason");
    ck_assert_int_eq(kd_audit_accept_add(path, "KD001", "key_1", "a", "x\ty", 1, &err), -1);
    ck_assert_int_eq(kd_audit_accept_add(path, "KD001", "a\nb", "a", "r", 1, &err), -1);
    ck_assert_str_eq(err.field, "TARGET");
    ck_assert_int_eq(kd_audit_accept_load(path, &l, &err), 0);
    ck_assert_uint_eq(l.len, 3);
    kd_audit_accept_free(&l);

    /* A malformed line is an error naming the line. */
    FILE *f = fopen(path, "a");
    fputs("# a comment\n\nKD001\tkey_9\tsoon\tann\twhy\n", f);
    fclose(f);
    ck_assert_int_eq(kd_audit_accept_load(path, &l, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.message, ":6:"));
    ck_assert_uint_eq(l.len, 0);
}
END_TEST

START_TEST(accept_path_follows_config)
{
    const char *old = getenv("KEYDECK_CONFIG");
    char *saved = old ? kd_xstrdup(old) : NULL;
    setenv("KEYDECK_CONFIG", "/etc/kd/conf", 1);
    char *p = kd_audit_accept_path();
    ck_assert_str_eq(p, "/etc/kd/audit-accepted");
    free(p);
    unsetenv("KEYDECK_CONFIG");
    setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
    p = kd_audit_accept_path();
    ck_assert_str_eq(p, "/x/cfg/keydeck/audit-accepted");
    free(p);
    if (saved)
        setenv("KEYDECK_CONFIG", saved, 1);
    free(saved);
}
END_TEST

START_TEST(manual_lists_every_rule)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/doc/keydeck.1", srcdir());
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    for (int i = 0; i < KD_RULE_COUNT; i++) {
        const struct kd_audit_rule_info *ri = kd_audit_rule_info((enum kd_audit_rule)i);
        ck_assert_msg(strstr(text, ri->id), "%s is not in keydeck.1", ri->id);
        /* groff escapes hyphens in names. */
        char esc[64] = "";
        for (const char *s = ri->name; *s; s++)
            strncat(esc, *s == '-' ? "\\-" : (char[]){*s, 0}, sizeof esc - strlen(esc) - 1);
        ck_assert_msg(strstr(text, esc), "%s (%s) is not in keydeck.1", ri->name, esc);
    }
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, table_is_consistent);
    tcase_add_test(tc, severity_parse);
    tcase_add_test(tc, clean_key_has_no_findings);
    tcase_add_test(tc, each_key_rule);
    tcase_add_test(tc, grants_count_role_permissions);
    tcase_add_test(tc, disabled_keys);
    tcase_add_test(tc, zero_thresholds_turn_rules_off);
    tcase_add_test(tc, csv_quoting);
    tcase_add_test(tc, accept_list_round_trip);
    tcase_add_test(tc, accept_path_follows_config);
    tcase_add_test(tc, manual_lists_every_rule);
}

KD_TEST_MAIN(add_cases)
