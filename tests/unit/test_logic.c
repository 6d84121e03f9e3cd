/* test_logic — field validation, permission queries, sliding windows, refill. */
#include <stdint.h>

#include "core/permquery.h"
#include "core/ratelimit.h"
#include "core/refill.h"
#include "model/key.h"
#include "model/validate.h"
#include "test.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

#define NOW 1735689600000LL /* 2025-01-01T00:00:00Z */
#define HOUR 3600000LL
#define DAY 86400000LL

static int64_t at(int y, unsigned m, unsigned d, int h, int mi)
{
    return kd_days_from_civil(y, m, d) * DAY + h * HOUR + mi * 60000LL;
}

/* ---- validation ----------------------------------------------------------- */

/* Assert rc failed as KD_ERR_INVALID on field, with want in the message. */
#define ASSERT_INVALID(call, err, want_field, want_text)                                   \
    do {                                                                                    \
        kd_error_clear(&(err));                                                             \
        ck_assert_int_eq((call), -1);                                                       \
        ck_assert_int_eq((err).code, KD_ERR_INVALID);                                       \
        ck_assert_str_eq((err).field, (want_field));                                        \
        ck_assert_msg(strstr((err).message, (want_text)) != NULL, "message \"%s\" lacks \"%s\"", \
                      (err).message, (want_text));                                          \
    } while (0)

START_TEST(validate_scalars)
{
    struct kd_error err;
    ck_assert_int_eq(kd_validate_prefix(NULL, &err), 0);
    ck_assert_int_eq(kd_validate_prefix("", &err), 0);
    ck_assert_int_eq(kd_validate_prefix("sk_live_0123456", &err), 0);
    ck_assert_int_eq(kd_validate_prefix("abcdefghijklmnop", &err), 0); /* 16 */
    ASSERT_INVALID(kd_validate_prefix("sk-live", &err), err, "prefix",
                   "prefix \"sk-live\" may only contain A-Z, a-z, 0-9 and _");
    ASSERT_INVALID(kd_validate_prefix("abcdefghijklmnopq", &err), err, "prefix", "at most 16");

    ck_assert_int_eq(kd_validate_byte_length(16, &err), 0);
    ck_assert_int_eq(kd_validate_byte_length(255, &err), 0);
    ASSERT_INVALID(kd_validate_byte_length(15, &err), err, "byteLength", "16 to 255");
    ASSERT_INVALID(kd_validate_byte_length(256, &err), err, "byteLength", "256");

    char big[300];
    memset(big, 'n', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert_int_eq(kd_validate_key_name(NULL, &err), 0);
    ck_assert_int_eq(kd_validate_key_name("my key \xc3\xa9", &err), 0);
    big[255] = '\0';
    ck_assert_int_eq(kd_validate_key_name(big, &err), 0);
    big[255] = 'n';
    ASSERT_INVALID(kd_validate_key_name(big, &err), err, "name", "at most 255");
    ASSERT_INVALID(kd_validate_key_name("bad\nname", &err), err, "name", "control");

    ck_assert_int_eq(kd_validate_api_name("abc", &err), 0);
    ASSERT_INVALID(kd_validate_api_name("ab", &err), err, "name", "3 to 256");
    ASSERT_INVALID(kd_validate_api_name(NULL, &err), err, "name", "required");
    char huge[400];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    ASSERT_INVALID(kd_validate_api_name(huge, &err), err, "name", "3 to 256");

    ck_assert_int_eq(kd_validate_external_id(NULL, &err), 0);
    ck_assert_int_eq(kd_validate_external_id("user_1.a-b", &err), 0);
    ASSERT_INVALID(kd_validate_external_id("user 1", &err), err, "externalId",
                   "may only contain");
    ASSERT_INVALID(kd_validate_external_id("", &err), err, "externalId", "1 to 255");

    ck_assert_int_eq(kd_validate_environment("live", &err), 0);
    ASSERT_INVALID(kd_validate_environment(huge, &err), err, "environment", "at most 256");

    ck_assert_int_eq(kd_validate_slug("documents.read", &err), 0);
    ck_assert_int_eq(kd_validate_slug("api.*.verify_key", &err), 0);
    ck_assert_int_eq(kd_validate_slug("doc:read-all", &err), 0);
    ASSERT_INVALID(kd_validate_slug("doc read", &err), err, "slug", "may only contain");
    ASSERT_INVALID(kd_validate_slug("", &err), err, "slug", "required");
    huge[129] = '\0';
    ASSERT_INVALID(kd_validate_slug(huge, &err), err, "slug", "at most 128");
    huge[129] = 'a';

    ck_assert_int_eq(kd_validate_role_name("admin role", &err), 0);
    ASSERT_INVALID(kd_validate_role_name("", &err), err, "name", "required");
    ASSERT_INVALID(kd_validate_role_name("a\x01", &err), err, "name", "control");
    ASSERT_INVALID(kd_validate_role_name(huge, &err), err, "name", "1 to 128");

    ck_assert_int_eq(kd_validate_description(NULL, &err), 0);
    ck_assert_int_eq(kd_validate_description("line one\nline two", &err), 0);
    char desc[600];
    memset(desc, 'd', sizeof desc - 1);
    desc[sizeof desc - 1] = '\0';
    ASSERT_INVALID(kd_validate_description(desc, &err), err, "description", "at most 512");
}
END_TEST

START_TEST(validate_meta)
{
    struct kd_error err;
    int line = -1, col = -1;
    ck_assert_int_eq(kd_validate_meta(NULL, &line, &col, &err), 0);
    ck_assert_int_eq(kd_validate_meta("{\"plan\": \"pro\", \"n\": [1, 2]}", &line, &col, &err),
                     0);
    ASSERT_INVALID(kd_validate_meta("{\n  \"a\": 1,\n  \"b\" 2\n}", &line, &col, &err), err,
                   "meta", "line 3, column");
    ck_assert_int_eq(line, 3);
    ck_assert_int_ge(col, 7);
    ck_assert_int_le(col, 9);
    ASSERT_INVALID(kd_validate_meta("{\"a\":1,}", &line, &col, &err), err, "meta",
                   "line 1, column 8");
    ck_assert_int_eq(line, 1);
    ck_assert_int_eq(col, 8);
    ASSERT_INVALID(kd_validate_meta("", &line, &col, &err), err, "meta", "line 1, column 1");
    ASSERT_INVALID(kd_validate_meta("[1, 2]", NULL, NULL, &err), err, "meta", "JSON object");
    ASSERT_INVALID(kd_validate_meta("{} x", NULL, NULL, &err), err, "meta", "not valid JSON");
    /* Size bound: a valid but huge object is refused before parsing. */
    size_t n = KD_META_MAX + 16;
    char *bigmeta = kd_xmalloc(n + 1);
    memset(bigmeta, ' ', n);
    bigmeta[0] = '{';
    bigmeta[n - 1] = '}';
    bigmeta[n] = '\0';
    ASSERT_INVALID(kd_validate_meta(bigmeta, NULL, NULL, &err), err, "meta", "too large");
    free(bigmeta);
}
END_TEST

START_TEST(validate_expires)
{
    struct kd_error err;
    ck_assert_int_eq(kd_validate_expires(0, NOW, &err), 0);
    ck_assert_int_eq(kd_validate_expires(NOW + 1, NOW, &err), 0);
    ck_assert_int_eq(kd_validate_expires(KD_EXPIRES_MAX, NOW, &err), 0);
    ASSERT_INVALID(kd_validate_expires(NOW, NOW, &err), err, "expires", "in the past");
    ASSERT_INVALID(kd_validate_expires(NOW - DAY, NOW, &err), err, "expires",
                   "2024-12-31T00:00:00Z is in the past");
    ASSERT_INVALID(kd_validate_expires(KD_EXPIRES_MAX + 1, NOW, &err), err, "expires", "2100");
    ASSERT_INVALID(kd_validate_expires(-5, NOW, &err), err, "expires", "negative");
}
END_TEST

START_TEST(validate_credits)
{
    struct kd_error err;
    struct kd_credits c = {0};
    ck_assert_int_eq(kd_validate_credits(&c, &err), 0); /* unlimited */
    c.limited = true;
    c.remaining = 0;
    ck_assert_int_eq(kd_validate_credits(&c, &err), 0);
    c.remaining = -1;
    ASSERT_INVALID(kd_validate_credits(&c, &err), err, "credits.remaining", "negative");
    c.remaining = 10;

    c.refill = (struct kd_refill){.interval = KD_REFILL_DAILY, .amount = 100};
    ck_assert_int_eq(kd_validate_credits(&c, &err), 0);
    c.limited = false;
    ASSERT_INVALID(kd_validate_credits(&c, &err), err, "credits.refill", "limited credits");
    c.limited = true;
    c.refill.amount = 0;
    ASSERT_INVALID(kd_validate_credits(&c, &err), err, "credits.refill.amount", "at least 1");
    c.refill.amount = 100;
    c.refill.refill_day = 3;
    ASSERT_INVALID(kd_validate_credits(&c, &err), err, "credits.refill.refillDay",
                   "only applies to monthly");

    c.refill = (struct kd_refill){.interval = KD_REFILL_MONTHLY, .amount = 5, .refill_day = 31};
    ck_assert_int_eq(kd_validate_credits(&c, &err), 0);
    c.refill.refill_day = 0;
    ASSERT_INVALID(kd_validate_credits(&c, &err), err, "credits.refill.refillDay", "1 to 31");
    c.refill.refill_day = 32;
    ASSERT_INVALID(kd_validate_credits(&c, &err), err, "credits.refill.refillDay", "1 to 31");

    c.refill = (struct kd_refill){.interval = KD_REFILL_EVERY, .amount = 5, .every_ms = 1000};
    ck_assert_int_eq(kd_validate_credits(&c, &err), 0);
    c.refill.every_ms = 999;
    ASSERT_INVALID(kd_validate_credits(&c, &err), err, "credits.refill.interval", "1000");
    c.refill.every_ms = 60000;
    c.refill.refill_day = 1;
    ASSERT_INVALID(kd_validate_credits(&c, &err), err, "credits.refill.refillDay",
                   "only applies to monthly");
    c.refill.interval = (enum kd_refill_interval)42;
    ASSERT_INVALID(kd_validate_credits(&c, &err), err, "credits.refill.interval",
                   "daily, monthly or every");
}
END_TEST

START_TEST(validate_ratelimits)
{
    struct kd_error err;
    struct kd_key k;
    kd_key_init(&k);
    ck_assert_int_eq(kd_validate_ratelimits(NULL, 0, &err), 0);
    kd_key_add_ratelimit(&k, "requests", 10, 1000, true);
    kd_key_add_ratelimit(&k, "tokens", 1000, 60000, false);
    ck_assert_int_eq(kd_validate_ratelimits(k.ratelimits, k.n_ratelimits, &err), 0);

    k.ratelimits[1].duration_ms = 999;
    ASSERT_INVALID(kd_validate_ratelimits(k.ratelimits, k.n_ratelimits, &err), err,
                   "ratelimits[1].duration", "1000 to 2592000000");
    k.ratelimits[1].duration_ms = KD_RATELIMIT_DURATION_MAX + 1;
    ASSERT_INVALID(kd_validate_ratelimits(k.ratelimits, k.n_ratelimits, &err), err,
                   "ratelimits[1].duration", "out of range");
    k.ratelimits[1].duration_ms = KD_RATELIMIT_DURATION_MAX;
    ck_assert_int_eq(kd_validate_ratelimits(k.ratelimits, k.n_ratelimits, &err), 0);

    k.ratelimits[0].limit = 0;
    ASSERT_INVALID(kd_validate_ratelimits(k.ratelimits, k.n_ratelimits, &err), err,
                   "ratelimits[0].limit", "at least 1");
    k.ratelimits[0].limit = 10;

    free(k.ratelimits[1].name);
    k.ratelimits[1].name = kd_xstrdup("requests");
    ASSERT_INVALID(kd_validate_ratelimits(k.ratelimits, k.n_ratelimits, &err), err,
                   "ratelimits[1].name", "used twice");
    free(k.ratelimits[1].name);
    k.ratelimits[1].name = kd_xstrdup("Requests"); /* case-sensitive: distinct */
    ck_assert_int_eq(kd_validate_ratelimits(k.ratelimits, k.n_ratelimits, &err), 0);
    free(k.ratelimits[1].name);
    k.ratelimits[1].name = kd_xstrdup("");
    ASSERT_INVALID(kd_validate_ratelimits(k.ratelimits, k.n_ratelimits, &err), err,
                   "ratelimits[1].name", "required");
    free(k.ratelimits[1].name);
    char longname[200];
    memset(longname, 'r', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    k.ratelimits[1].name = kd_xstrdup(longname);
    ASSERT_INVALID(kd_validate_ratelimits(k.ratelimits, k.n_ratelimits, &err), err,
                   "ratelimits[1].name", "1 to 128");
    kd_key_free(&k);

    kd_key_init(&k);
    char name[16];
    for (int i = 0; i < KD_RATELIMITS_MAX + 1; i++) {
        snprintf(name, sizeof name, "rl%d", i);
        kd_key_add_ratelimit(&k, name, 1, 1000, false);
    }
    ASSERT_INVALID(kd_validate_ratelimits(k.ratelimits, k.n_ratelimits, &err), err,
                   "ratelimits", "at most 50");
    ck_assert_int_eq(kd_validate_ratelimits(k.ratelimits, KD_RATELIMITS_MAX, &err), 0);
    kd_key_free(&k);
}
END_TEST

static void good_spec(struct kd_key *k)
{
    kd_key_init(k);
    k->prefix = kd_xstrdup("sk_live");
    k->byte_length = 24;
    k->name = kd_xstrdup("ci deploy key");
    k->external_id = kd_xstrdup("user_123");
    k->meta_json = kd_xstrdup("{\"plan\":\"pro\"}");
    k->environment = kd_xstrdup("live");
    k->expires = NOW + 30 * DAY;
    k->credits.limited = true;
    k->credits.remaining = 100;
    k->credits.refill = (struct kd_refill){.interval = KD_REFILL_MONTHLY, .amount = 100,
                                           .refill_day = 1};
    kd_key_add_ratelimit(k, "requests", 10, 1000, true);
    kd_strlist_push(&k->roles, "admin");
    kd_strlist_push(&k->permissions, "documents.read");
}

START_TEST(validate_key_spec_and_update)
{
    struct kd_error err;
    struct kd_key k;
    good_spec(&k);
    ck_assert_int_eq(kd_validate_key_spec(&k, NOW, &err), 0);

    /* First failing field wins: prefix before meta. */
    free(k.prefix);
    k.prefix = kd_xstrdup("bad-prefix");
    free(k.meta_json);
    k.meta_json = kd_xstrdup("[");
    ASSERT_INVALID(kd_validate_key_spec(&k, NOW, &err), err, "prefix", "may only contain");
    free(k.prefix);
    k.prefix = NULL;
    ASSERT_INVALID(kd_validate_key_spec(&k, NOW, &err), err, "meta", "line 1");
    free(k.meta_json);
    k.meta_json = NULL;
    ck_assert_int_eq(kd_validate_key_spec(&k, NOW, &err), 0);

    k.byte_length = 0; /* the API's default */
    ck_assert_int_eq(kd_validate_key_spec(&k, NOW, &err), 0);
    k.byte_length = 8;
    ASSERT_INVALID(kd_validate_key_spec(&k, NOW, &err), err, "byteLength", "16 to 255");
    k.byte_length = 16;

    k.expires = NOW - 1;
    ASSERT_INVALID(kd_validate_key_spec(&k, NOW, &err), err, "expires", "in the past");
    k.expires = 0;

    kd_strlist_push(&k.permissions, "bad slug!");
    ASSERT_INVALID(kd_validate_key_spec(&k, NOW, &err), err, "permissions[1]",
                   "may only contain");
    kd_strlist_clear(&k.permissions);
    for (int i = 0; i < KD_PERMISSIONS_MAX + 1; i++)
        kd_strlist_push(&k.permissions, "p");
    ASSERT_INVALID(kd_validate_key_spec(&k, NOW, &err), err, "permissions", "at most 1000");
    kd_strlist_clear(&k.permissions);

    kd_strlist_push(&k.roles, "");
    ASSERT_INVALID(kd_validate_key_spec(&k, NOW, &err), err, "roles[1]", "required");
    kd_strlist_clear(&k.roles);
    for (int i = 0; i < KD_ROLES_MAX + 1; i++)
        kd_strlist_push(&k.roles, "r");
    ASSERT_INVALID(kd_validate_key_spec(&k, NOW, &err), err, "roles", "at most 100");
    kd_strlist_clear(&k.roles);
    ck_assert_int_eq(kd_validate_key_spec(&k, NOW, &err), 0);
    kd_key_free(&k);

    /* Updates only look at the fields they change. */
    struct kd_key_update u;
    memset(&u, 0, sizeof u);
    kd_key_init(&u.values);
    u.values.prefix = kd_xstrdup("not checked in an update!");
    u.values.external_id = kd_xstrdup("has space");
    u.values.expires = NOW - DAY;
    ck_assert_int_eq(kd_validate_key_update(&u, NOW, &err), 0);
    u.fields = KD_KF_NAME | KD_KF_ENABLED;
    ck_assert_int_eq(kd_validate_key_update(&u, NOW, &err), 0);
    u.fields |= KD_KF_EXPIRES;
    ASSERT_INVALID(kd_validate_key_update(&u, NOW, &err), err, "expires", "in the past");
    u.fields |= KD_KF_EXTERNAL_ID;
    ASSERT_INVALID(kd_validate_key_update(&u, NOW, &err), err, "externalId", "may only contain");
    u.fields = KD_KF_CREDITS;
    u.values.credits.limited = true;
    u.values.credits.remaining = -3;
    ASSERT_INVALID(kd_validate_key_update(&u, NOW, &err), err, "credits.remaining", "negative");
    u.fields = KD_KF_META;
    u.values.meta_json = kd_xstrdup("\"just a string\"");
    ASSERT_INVALID(kd_validate_key_update(&u, NOW, &err), err, "meta", "it is a string");
    u.fields = KD_KF_ENVIRONMENT;
    u.values.environment = kd_xstrdup("bad\x7f");
    ASSERT_INVALID(kd_validate_key_update(&u, NOW, &err), err, "environment", "control");
    u.fields = KD_KF_RATELIMITS;
    kd_key_add_ratelimit(&u.values, "x", 0, 1000, false);
    ASSERT_INVALID(kd_validate_key_update(&u, NOW, &err), err, "ratelimits[0].limit", "");
    u.fields = KD_KF_ROLES;
    kd_strlist_push(&u.values.roles, "ok");
    ck_assert_int_eq(kd_validate_key_update(&u, NOW, &err), 0);
    u.fields = KD_KF_PERMISSIONS;
    kd_strlist_push(&u.values.permissions, "no spaces allowed");
    ASSERT_INVALID(kd_validate_key_update(&u, NOW, &err), err, "permissions[0]", "");
    kd_key_free(&u.values);
}
END_TEST

/* ---- permission queries --------------------------------------------------- */

static bool query_holds(const char *query, const char *held_csv)
{
    struct kd_error err;
    struct kd_strlist held = KD_STRLIST_INIT;
    kd_strlist_split(&held, held_csv);
    struct kd_permquery *q = kd_permquery_parse(query, &err);
    ck_assert_msg(q != NULL, "parse \"%s\": %s", query, err.message);
    bool ok = kd_permquery_eval(q, &held);
    kd_permquery_free(q);
    kd_strlist_clear(&held);
    return ok;
}

static void query_bad(const char *query, const char *want)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_permquery *q = kd_permquery_parse(query, &err);
    ck_assert_msg(q == NULL, "\"%s\" should not parse", query);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_msg(strstr(err.message, want) != NULL, "\"%s\": message \"%s\" lacks \"%s\"",
                  query, err.message, want);
}

START_TEST(permquery_eval)
{
    ck_assert(query_holds("a", "a"));
    ck_assert(!query_holds("a", "b"));
    ck_assert(!query_holds("a", ""));
    /* AND binds tighter: a OR (b AND c). */
    ck_assert(query_holds("a OR b AND c", "a"));
    ck_assert(!query_holds("a OR b AND c", "b"));
    ck_assert(query_holds("a OR b AND c", "b,c"));
    ck_assert(query_holds("b AND c OR a", "a"));
    /* Parentheses override it. */
    ck_assert(!query_holds("(a OR b) AND c", "a"));
    ck_assert(query_holds("(a OR b) AND c", "a,c"));
    ck_assert(query_holds("a AND (b OR c)", "a,c"));
    ck_assert(query_holds("((a))", "a"));
    /* Keywords are case-insensitive. */
    ck_assert(query_holds("a and b", "a,b"));
    ck_assert(query_holds("a Or b", "b"));
    ck_assert(!query_holds("a aNd b", "a"));
    /* "*" is literal, matching is exact and case-sensitive. */
    ck_assert(!query_holds("api.*.read", "api.x.read"));
    ck_assert(query_holds("api.*.read", "api.*.read"));
    ck_assert(!query_holds("Docs.Read", "docs.read"));
    ck_assert(query_holds("doc:read/all-1_x", "doc:read/all-1_x"));
    ck_assert(query_holds("  a\tAND\nb  ", "a,b"));
    /* Words that merely contain a keyword are permissions. */
    ck_assert(query_holds("android OR oracle", "oracle"));
}
END_TEST

START_TEST(permquery_missing)
{
    struct kd_error err;
    struct kd_strlist held = KD_STRLIST_INIT;
    kd_strlist_split(&held, "a,c");
    struct kd_permquery *q = kd_permquery_parse("a AND (b OR x) AND c", &err);
    ck_assert_ptr_nonnull(q);
    ck_assert_str_eq(kd_permquery_first_missing(q, &held), "b");
    kd_permquery_free(q);
    q = kd_permquery_parse("a AND c AND d", &err);
    ck_assert_str_eq(kd_permquery_first_missing(q, &held), "d");
    kd_permquery_free(q);
    q = kd_permquery_parse("a OR z", &err);
    ck_assert_ptr_null(kd_permquery_first_missing(q, &held)); /* satisfied */
    kd_permquery_free(q);
    ck_assert(!kd_permquery_eval(NULL, &held));
    kd_permquery_free(NULL);
    kd_strlist_clear(&held);
}
END_TEST

START_TEST(permquery_syntax_errors)
{
    query_bad("", "expected a permission at column 1");
    query_bad("   ", "expected a permission at column 4");
    query_bad("a AND", "expected a permission at column 6");
    query_bad("(a", "expected ')' at column 3");
    query_bad("a b", "at column 3");
    query_bad("AND a", "expected a permission at column 1");
    query_bad(")", "expected a permission at column 1");
    query_bad("a OR )", "at column 6");
    query_bad("a & b", "unexpected character '&' at column 3");
    query_bad("docs.read AND (b OR", "expected a permission at column 20");
    query_bad("a)", "at column 2");
    query_bad("a AND ()", "expected a permission at column 8");
}
END_TEST

START_TEST(permquery_limits)
{
    /* 64 levels parse; 65 are refused without deep recursion. */
    char buf[1100];
    size_t o = 0;
    for (int i = 0; i < 64; i++)
        buf[o++] = '(';
    buf[o++] = 'a';
    for (int i = 0; i < 64; i++)
        buf[o++] = ')';
    buf[o] = '\0';
    ck_assert(query_holds(buf, "a"));
    o = 0;
    for (int i = 0; i < 500; i++)
        buf[o++] = '(';
    buf[o] = '\0';
    query_bad(buf, "nested too deeply at column 65");
    /* Too long. */
    memset(buf, 'a', 1001);
    buf[1001] = '\0';
    query_bad(buf, "too long");
    /* A long flat chain is fine. */
    o = 0;
    for (int i = 0; i < 200; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%sp", i ? " OR " : "");
    ck_assert(query_holds(buf, "p"));
}
END_TEST

/* ---- sliding window ------------------------------------------------------- */

START_TEST(window_fills_then_refuses)
{
    const int64_t dur = 10000, t0 = 1000000; /* t0 is a window start */
    struct kd_window w = {0};
    for (int i = 0; i < 5; i++) {
        ck_assert(kd_window_allows(&w, 5, dur, t0 + i, 1));
        kd_window_take(&w, dur, t0 + i, 1);
    }
    ck_assert_int_eq(w.window_start, t0);
    ck_assert_int_eq(w.current, 5);
    ck_assert(!kd_window_allows(&w, 5, dur, t0 + 10, 1));
    ck_assert_int_eq(kd_window_remaining(&w, 5, dur, t0 + 10), 0);
    ck_assert_int_eq(kd_window_reset_at(dur, t0 + 10), t0 + dur);
    ck_assert_int_eq(kd_window_reset_at(dur, t0), t0 + dur);
    /* Cost 0 still fits when full (estimate + 0 <= limit), and counts nothing. */
    ck_assert(kd_window_allows(&w, 5, dur, t0 + 10, 0));
    kd_window_take(&w, dur, t0 + 10, 0);
    ck_assert_int_eq(w.current, 5);
}
END_TEST

START_TEST(window_previous_weighs_linearly)
{
    const int64_t dur = 10000, t0 = 1000000;
    struct kd_window w = {.window_start = t0, .current = 0, .previous = 0};
    kd_window_take(&w, dur, t0, 10); /* 10 in the first window */
    /* Next window, 0% elapsed: all of the previous window counts. */
    ck_assert_int_eq(kd_window_estimate(&w, dur, t0 + dur), 10);
    /* 50% elapsed: half. */
    ck_assert_int_eq(kd_window_estimate(&w, dur, t0 + dur + 5000), 5);
    /* 25% elapsed: 7.5 rounds down to 7. */
    ck_assert_int_eq(kd_window_estimate(&w, dur, t0 + dur + 2500), 7);
    /* Just before 100%: 10 * 1/10000 rounds down to 0. */
    ck_assert_int_eq(kd_window_estimate(&w, dur, t0 + 2 * dur - 1), 0);
    /* 100%: the first window is two windows back and no longer counts. */
    ck_assert_int_eq(kd_window_estimate(&w, dur, t0 + 2 * dur), 0);
    /* estimate does not change w. */
    ck_assert_int_eq(w.window_start, t0);
    ck_assert_int_eq(w.current, 10);

    /* With a limit of 12 at 50%: estimate 5, cost 7 fits, cost 8 does not. */
    ck_assert(kd_window_allows(&w, 12, dur, t0 + dur + 5000, 7));
    ck_assert(!kd_window_allows(&w, 12, dur, t0 + dur + 5000, 8));
    ck_assert_int_eq(kd_window_remaining(&w, 12, dur, t0 + dur + 5000), 7);
    kd_window_take(&w, dur, t0 + dur + 5000, 3);
    ck_assert_int_eq(w.window_start, t0 + dur);
    ck_assert_int_eq(w.previous, 10);
    ck_assert_int_eq(w.current, 3);
    ck_assert_int_eq(kd_window_estimate(&w, dur, t0 + dur + 5000), 8);
    ck_assert_int_eq(kd_window_estimate(&w, dur, t0 + dur + 7500), 5); /* 3 + 2.5 */
}
END_TEST

START_TEST(window_costs_and_reset)
{
    const int64_t dur = 60000, t0 = 6000000;
    struct kd_window w = {0};
    ck_assert(kd_window_allows(&w, 100, dur, t0, 100));
    ck_assert(!kd_window_allows(&w, 100, dur, t0, 101));
    kd_window_take(&w, dur, t0, 60);
    ck_assert(kd_window_allows(&w, 100, dur, t0 + 1, 40));
    ck_assert(!kd_window_allows(&w, 100, dur, t0 + 1, 41));
    ck_assert_int_eq(kd_window_remaining(&w, 100, dur, t0 + 1), 40);
    kd_window_take(&w, dur, t0 + 1, 40);
    ck_assert(!kd_window_allows(&w, 100, dur, t0 + 2, 1));

    /* Roll by one window: current moves to previous. */
    struct kd_window r = w;
    kd_window_roll(&r, dur, t0 + dur + 1);
    ck_assert_int_eq(r.previous, 100);
    ck_assert_int_eq(r.current, 0);
    ck_assert_int_eq(r.window_start, t0 + dur);

    /* Two or more windows later everything is forgotten. */
    r = w;
    kd_window_roll(&r, dur, t0 + 2 * dur);
    ck_assert_int_eq(r.previous, 0);
    ck_assert_int_eq(r.current, 0);
    ck_assert_int_eq(r.window_start, t0 + 2 * dur);
    ck_assert(kd_window_allows(&w, 100, dur, t0 + 5 * dur + 17, 100));
    ck_assert_int_eq(kd_window_remaining(&w, 100, dur, t0 + 5 * dur), 100);

    /* Huge counts saturate instead of overflowing. */
    struct kd_window h = {.window_start = t0, .current = INT64_MAX - 1, .previous = INT64_MAX};
    ck_assert(!kd_window_allows(&h, 100, dur, t0 + 1, 1));
    ck_assert_int_eq(kd_window_remaining(&h, 100, dur, t0 + 1), 0);
}
END_TEST

/* ---- refill --------------------------------------------------------------- */

static struct kd_credits credits_with(enum kd_refill_interval iv, int64_t amount, int day,
                                      int64_t every_ms, int64_t remaining)
{
    struct kd_credits c = {.limited = true, .remaining = remaining};
    c.refill = (struct kd_refill){.interval = iv, .amount = amount, .refill_day = day,
                                  .every_ms = every_ms};
    return c;
}

START_TEST(refill_daily)
{
    int64_t created = at(2025, 3, 10, 15, 0);
    struct kd_credits c = credits_with(KD_REFILL_DAILY, 100, 0, 0, 3);
    ck_assert(!kd_refill_is_due(&c, created, at(2025, 3, 10, 23, 59)));
    ck_assert(!kd_refill_is_due(&c, created, at(2025, 3, 11, 0, 0) - 1));
    ck_assert(kd_refill_is_due(&c, created, at(2025, 3, 11, 0, 0)));
    ck_assert(kd_refill_is_due(&c, created, at(2025, 3, 11, 9, 0)));
    ck_assert_int_eq(kd_refill_last_due(&c.refill, created, at(2025, 3, 11, 9, 0)),
                     at(2025, 3, 11, 0, 0));
    ck_assert_int_eq(kd_refill_next(&c.refill, created, at(2025, 3, 11, 9, 0)),
                     at(2025, 3, 12, 0, 0));
    ck_assert_int_eq(kd_refill_next(&c.refill, created, at(2025, 3, 11, 0, 0)),
                     at(2025, 3, 12, 0, 0)); /* strictly after */

    ck_assert(kd_refill_apply(&c, created, at(2025, 3, 11, 9, 0)));
    ck_assert_int_eq(c.remaining, 100);
    ck_assert_int_eq(c.last_refill_at, at(2025, 3, 11, 9, 0));
    /* Not again the same day. */
    ck_assert(!kd_refill_is_due(&c, created, at(2025, 3, 11, 23, 0)));
    ck_assert(!kd_refill_apply(&c, created, at(2025, 3, 11, 23, 0)));
    ck_assert(kd_refill_is_due(&c, created, at(2025, 3, 12, 0, 0)));

    /* Unlimited or refill-less credits are never due. */
    struct kd_credits none = credits_with(KD_REFILL_NONE, 0, 0, 0, 0);
    ck_assert(!kd_refill_is_due(&none, created, at(2026, 1, 1, 0, 0)));
    ck_assert_int_eq(kd_refill_next(&none.refill, created, created), 0);
    ck_assert_int_eq(kd_refill_last_due(&none.refill, created, created), 0);
    c.limited = false;
    ck_assert(!kd_refill_is_due(&c, created, at(2026, 1, 1, 0, 0)));
}
END_TEST

START_TEST(refill_monthly_clamps)
{
    struct kd_credits c = credits_with(KD_REFILL_MONTHLY, 50, 31, 0, 0);
    /* Day 31 in February is its last day: 28th (2025) or 29th (2024). */
    ck_assert_int_eq(kd_refill_next(&c.refill, 0, at(2025, 2, 1, 0, 0)), at(2025, 2, 28, 0, 0));
    ck_assert_int_eq(kd_refill_next(&c.refill, 0, at(2024, 2, 1, 0, 0)), at(2024, 2, 29, 0, 0));
    ck_assert_int_eq(kd_refill_next(&c.refill, 0, at(2024, 2, 29, 0, 0)), at(2024, 3, 31, 0, 0));
    /* April has 30 days. */
    ck_assert_int_eq(kd_refill_next(&c.refill, 0, at(2025, 4, 2, 0, 0)), at(2025, 4, 30, 0, 0));
    ck_assert_int_eq(kd_refill_last_due(&c.refill, 0, at(2025, 5, 15, 0, 0)),
                     at(2025, 4, 30, 0, 0));
    ck_assert_int_eq(kd_refill_last_due(&c.refill, 0, at(2025, 3, 1, 0, 0)),
                     at(2025, 2, 28, 0, 0));
    /* December -> January crosses the year. */
    ck_assert_int_eq(kd_refill_next(&c.refill, 0, at(2025, 12, 31, 0, 0)),
                     at(2026, 1, 31, 0, 0));

    int64_t created = at(2025, 2, 10, 12, 0);
    ck_assert(!kd_refill_is_due(&c, created, at(2025, 2, 27, 23, 59)));
    ck_assert(kd_refill_is_due(&c, created, at(2025, 2, 28, 0, 0)));
    int64_t created24 = at(2024, 2, 10, 12, 0);
    ck_assert(!kd_refill_is_due(&c, created24, at(2024, 2, 28, 12, 0)));
    ck_assert(kd_refill_is_due(&c, created24, at(2024, 2, 29, 0, 0)));
    int64_t created_apr = at(2025, 4, 1, 0, 0);
    ck_assert(!kd_refill_is_due(&c, created_apr, at(2025, 4, 29, 23, 0)));
    ck_assert(kd_refill_is_due(&c, created_apr, at(2025, 4, 30, 0, 0)));
}
END_TEST

START_TEST(refill_monthly_mid)
{
    struct kd_credits c = credits_with(KD_REFILL_MONTHLY, 20, 15, 0, 1);
    int64_t created = at(2025, 1, 20, 0, 0);
    ck_assert(!kd_refill_is_due(&c, created, at(2025, 2, 14, 23, 59)));
    ck_assert(kd_refill_is_due(&c, created, at(2025, 2, 15, 0, 0)));
    ck_assert(kd_refill_is_due(&c, created, at(2025, 2, 20, 0, 0)));
    ck_assert_int_eq(kd_refill_next(&c.refill, created, at(2025, 2, 14, 0, 0)),
                     at(2025, 2, 15, 0, 0));
    ck_assert_int_eq(kd_refill_next(&c.refill, created, at(2025, 2, 16, 0, 0)),
                     at(2025, 3, 15, 0, 0));
    ck_assert(kd_refill_apply(&c, created, at(2025, 2, 16, 0, 0)));
    ck_assert_int_eq(c.remaining, 20);
    ck_assert(!kd_refill_is_due(&c, created, at(2025, 3, 14, 0, 0)));
    ck_assert(kd_refill_is_due(&c, created, at(2025, 3, 15, 0, 0)));
    /* A key created after this month's day waits for next month's. */
    int64_t late = at(2025, 3, 15, 0, 1);
    c.last_refill_at = 0;
    ck_assert(!kd_refill_is_due(&c, late, at(2025, 4, 14, 0, 0)));
    ck_assert(kd_refill_is_due(&c, late, at(2025, 4, 15, 0, 0)));
}
END_TEST

START_TEST(refill_every_and_apply)
{
    int64_t created = NOW;
    struct kd_credits c = credits_with(KD_REFILL_EVERY, 10, 0, 60000, 0);
    ck_assert(!kd_refill_is_due(&c, created, NOW + 59999));
    ck_assert(kd_refill_is_due(&c, created, NOW + 60000));
    ck_assert_int_eq(kd_refill_next(&c.refill, created, NOW + 1), NOW + 60000);
    ck_assert_int_eq(kd_refill_next(&c.refill, created, NOW + 60000), NOW + 120000);
    ck_assert_int_eq(kd_refill_last_due(&c.refill, created, NOW + 150000), NOW + 120000);
    ck_assert_int_eq(kd_refill_last_due(&c.refill, created, NOW + 1), 0);
    ck_assert(kd_refill_apply(&c, created, NOW + 90000));
    ck_assert_int_eq(c.remaining, 10);
    ck_assert_int_eq(c.last_refill_at, NOW + 90000);
    /* The schedule restarts from the refill. */
    ck_assert(!kd_refill_is_due(&c, created, NOW + 149999));
    ck_assert(kd_refill_is_due(&c, created, NOW + 150000));

    /* Refill sets, never lowers: 25 left with amount 10 stays 25, but the stamp moves. */
    c.remaining = 25;
    ck_assert(kd_refill_apply(&c, created, NOW + 150000));
    ck_assert_int_eq(c.remaining, 25);
    ck_assert_int_eq(c.last_refill_at, NOW + 150000);
    /* Not due: nothing changes. */
    c.remaining = 2;
    ck_assert(!kd_refill_apply(&c, created, NOW + 150001));
    ck_assert_int_eq(c.remaining, 2);
    ck_assert_int_eq(c.last_refill_at, NOW + 150000);
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, validate_scalars);
    tcase_add_test(tc, validate_meta);
    tcase_add_test(tc, validate_expires);
    tcase_add_test(tc, validate_credits);
    tcase_add_test(tc, validate_ratelimits);
    tcase_add_test(tc, validate_key_spec_and_update);
    tcase_add_test(tc, permquery_eval);
    tcase_add_test(tc, permquery_missing);
    tcase_add_test(tc, permquery_syntax_errors);
    tcase_add_test(tc, permquery_limits);
    tcase_add_test(tc, window_fills_then_refuses);
    tcase_add_test(tc, window_previous_weighs_linearly);
    tcase_add_test(tc, window_costs_and_reset);
    tcase_add_test(tc, refill_daily);
    tcase_add_test(tc, refill_monthly_clamps);
    tcase_add_test(tc, refill_monthly_mid);
    tcase_add_test(tc, refill_every_and_apply);
}

KD_TEST_MAIN(add_cases)
