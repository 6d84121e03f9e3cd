/* test_verify.c — verification: every outcome, their order, counters, the log. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/engine.h"
#include "core/verifylog.h"
#include "util/clock.h"
#include "util/xalloc.h"

#include "keys_fixture.h"
#include "test.h"

static struct kd_error err;

/* A key in api_main built by the caller's tweaks; returns the plaintext (caller frees). */
struct made {
    char *id;
    char *key;
};

static struct made make(struct kd_store *s, struct kd_key *spec)
{
    struct kd_key_secret sec;
    fx_create(s, spec, &sec);
    struct made m = {sec.key_id, sec.plaintext};
    kd_key_free(spec);
    return m;
}

static void made_free(struct made *m)
{
    free(m->id);
    kd_secret_free(m->key);
}

static enum kd_verify_code vfy_full(struct kd_store *s, const char *key, const char *perms,
                                    int64_t cost, const struct kd_verify_ratelimit_req *rl,
                                    size_t n_rl, struct kd_verify_result *out)
{
    struct kd_verify_request req;
    memset(&req, 0, sizeof req);
    req.key = key;
    req.permissions = perms;
    req.credit_cost = cost;
    req.ratelimits = rl;
    req.n_ratelimits = n_rl;
    int rc = kd_engine_verify(s, &req, out, &err);
    ck_assert_msg(rc == 0, "verify failed: %s", err.message);
    ck_assert(out->valid == (out->code == KD_VERIFY_VALID));
    return out->code;
}

/* Verify and throw the result away. */
static enum kd_verify_code vfy(struct kd_store *s, const char *key, const char *perms,
                               int64_t cost)
{
    struct kd_verify_result r;
    enum kd_verify_code c = vfy_full(s, key, perms, cost, NULL, 0, &r);
    kd_verify_result_free(&r);
    return c;
}

/* A column of the key's stored credits (key_credits), -1 for none or NULL. */
static int64_t credits_int(struct kd_store *s, const char *col, const char *id)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT coalesce((SELECT c.%s FROM key_credits c WHERE c.key_rid = k.rid), -1) "
             "FROM keys k WHERE k.id = '%s'",
             col, id);
    return fx_int(s, sql);
}

/* Usage counters through the engine, whatever table holds them. */
static int64_t request_count(struct kd_store *s, const char *id)
{
    struct kd_key k;
    ck_assert_msg(kd_engine_key_get(s, id, &k, &err) == 0, "%s", err.message);
    int64_t n = k.request_count;
    kd_key_free(&k);
    return n;
}

static int64_t rl_current(struct kd_store *s, const char *name)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT current FROM ratelimits WHERE name = '%s'", name);
    return fx_int(s, sql);
}

START_TEST(every_code)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    struct kd_verify_result r;

    ck_assert_int_eq(vfy_full(s, "sk_doesnotexist", NULL, KD_COST_DEFAULT, NULL, 0, &r),
                     KD_VERIFY_NOT_FOUND);
    ck_assert_ptr_null(r.key.id);
    ck_assert_ptr_null(strstr(r.message ? r.message : "", "doesnotexist"));
    kd_verify_result_free(&r);

    kd_key_init(&spec);
    spec.name = kd_xstrdup("plain");
    spec.meta_json = kd_xstrdup("{\"a\":1}");
    spec.external_id = kd_xstrdup("owner_1");
    kd_strlist_push(&spec.permissions, "docs.read");
    kd_strlist_push(&spec.roles, "admin");
    struct made plain = make(s, &spec);
    ck_assert_int_eq(vfy_full(s, plain.key, "docs.read AND docs.write", KD_COST_DEFAULT, NULL, 0,
                              &r),
                     KD_VERIFY_VALID);
    ck_assert_str_eq(r.key.id, plain.id);
    ck_assert_str_eq(r.key.api_id, "api_main");
    ck_assert_str_eq(r.key.name, "plain");
    ck_assert_str_eq(r.key.meta_json, "{\"a\":1}");
    ck_assert_str_eq(r.key.external_id, "owner_1");
    ck_assert(r.key.enabled);
    ck_assert(!r.key.credits.limited);
    ck_assert(kd_strlist_contains(&r.key.roles, "admin"));
    ck_assert(kd_strlist_contains(&r.key.permissions, "docs.write")); /* via the role */
    kd_verify_result_free(&r);
    ck_assert_int_eq(vfy_full(s, plain.key, "billing.read OR docs.write", 0, NULL, 0, &r),
                     KD_VERIFY_VALID);
    kd_verify_result_free(&r);
    ck_assert_int_eq(vfy_full(s, plain.key, "docs.read AND billing.read", KD_COST_DEFAULT, NULL,
                              0, &r),
                     KD_VERIFY_INSUFFICIENT_PERMISSIONS);
    ck_assert_ptr_nonnull(strstr(r.message, "billing.read"));
    kd_verify_result_free(&r);

    kd_key_init(&spec);
    spec.enabled = false;
    struct made disabled = make(s, &spec);
    ck_assert_int_eq(vfy(s, disabled.key, NULL, KD_COST_DEFAULT), KD_VERIFY_DISABLED);

    kd_key_init(&spec);
    spec.expires = FX_NOW + 1000;
    struct made expiring = make(s, &spec);
    ck_assert_int_eq(vfy(s, expiring.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    kd_clock_advance(999);
    ck_assert_int_eq(vfy(s, expiring.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    kd_clock_advance(1); /* expires == now: expired */
    ck_assert_int_eq(vfy(s, expiring.key, NULL, KD_COST_DEFAULT), KD_VERIFY_EXPIRED);

    kd_key_init(&spec);
    kd_key_add_ratelimit(&spec, "requests", 1, 60000, true);
    struct made limited = make(s, &spec);
    ck_assert_int_eq(vfy(s, limited.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    ck_assert_int_eq(vfy_full(s, limited.key, NULL, KD_COST_DEFAULT, NULL, 0, &r),
                     KD_VERIFY_RATE_LIMITED);
    ck_assert_int_eq(r.n_ratelimits, 1);
    ck_assert(r.ratelimits[0].exceeded);
    ck_assert_int_eq(r.ratelimits[0].remaining, 0);
    ck_assert(r.ratelimits[0].auto_apply);
    ck_assert_str_eq(r.ratelimits[0].name, "requests");
    kd_verify_result_free(&r);

    kd_key_init(&spec);
    spec.credits.limited = true;
    spec.credits.remaining = 1;
    struct made credits = make(s, &spec);
    ck_assert_int_eq(vfy_full(s, credits.key, NULL, KD_COST_DEFAULT, NULL, 0, &r),
                     KD_VERIFY_VALID);
    ck_assert(r.key.credits.limited);
    ck_assert_int_eq(r.key.credits.remaining, 0);
    kd_verify_result_free(&r);
    ck_assert_int_eq(vfy_full(s, credits.key, NULL, KD_COST_DEFAULT, NULL, 0, &r),
                     KD_VERIFY_USAGE_EXCEEDED);
    ck_assert_int_eq(r.key.credits.remaining, 0);
    kd_verify_result_free(&r);
    ck_assert_int_eq(credits_int(s, "remaining", credits.id), 0);

    /* api_id scoping, deleted keys and deleted APIs are all NOT_FOUND. */
    struct kd_verify_request req;
    memset(&req, 0, sizeof req);
    req.key = plain.key;
    req.credit_cost = KD_COST_DEFAULT;
    req.api_id = "api_other";
    ck_assert_int_eq(kd_engine_verify(s, &req, &r, &err), 0);
    ck_assert_int_eq(r.code, KD_VERIFY_NOT_FOUND);
    ck_assert(!r.valid);
    kd_verify_result_free(&r);
    req.api_id = "api_main";
    ck_assert_int_eq(kd_engine_verify(s, &req, &r, &err), 0);
    ck_assert_int_eq(r.code, KD_VERIFY_VALID);
    kd_verify_result_free(&r);
    ck_assert_int_eq(kd_engine_key_delete(s, disabled.id, false, &err), 0);
    ck_assert_int_eq(vfy(s, disabled.key, NULL, KD_COST_DEFAULT), KD_VERIFY_NOT_FOUND);
    fx_exec(s, "UPDATE apis SET deleted_at = 1 WHERE id = 'api_main'");
    ck_assert_int_eq(vfy(s, plain.key, NULL, KD_COST_DEFAULT), KD_VERIFY_NOT_FOUND);

    made_free(&plain);
    made_free(&disabled);
    made_free(&expiring);
    made_free(&limited);
    made_free(&credits);
    kd_store_close(s);
}
END_TEST

START_TEST(order_between_codes)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;

    /* disabled AND expired -> DISABLED */
    kd_key_init(&spec);
    spec.enabled = false;
    spec.expires = FX_NOW + 10;
    struct made a = make(s, &spec);
    /* expired AND insufficient permissions -> EXPIRED */
    kd_key_init(&spec);
    spec.expires = FX_NOW + 10;
    struct made b = make(s, &spec);
    kd_clock_advance(10);
    ck_assert_int_eq(vfy(s, a.key, NULL, KD_COST_DEFAULT), KD_VERIFY_DISABLED);
    ck_assert_int_eq(vfy(s, b.key, "docs.write", KD_COST_DEFAULT), KD_VERIFY_EXPIRED);

    /* insufficient permissions AND rate-limited -> INSUFFICIENT_PERMISSIONS, no window used */
    kd_key_init(&spec);
    kd_key_add_ratelimit(&spec, "perm_rl", 1, 60000, true);
    struct made c = make(s, &spec);
    ck_assert_int_eq(vfy(s, c.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    ck_assert_int_eq(rl_current(s, "perm_rl"), 1);
    ck_assert_int_eq(vfy(s, c.key, "docs.write", KD_COST_DEFAULT),
                     KD_VERIFY_INSUFFICIENT_PERMISSIONS);
    ck_assert_int_eq(vfy(s, c.key, NULL, KD_COST_DEFAULT), KD_VERIFY_RATE_LIMITED);
    kd_key_init(&spec);
    kd_key_add_ratelimit(&spec, "perm_rl2", 5, 60000, true);
    struct made c2 = make(s, &spec);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(vfy(s, c2.key, "docs.write", KD_COST_DEFAULT),
                         KD_VERIFY_INSUFFICIENT_PERMISSIONS);
    ck_assert_int_eq(rl_current(s, "perm_rl2"), 0);

    /* rate-limited AND no credits -> RATE_LIMITED, no credit spent */
    kd_key_init(&spec);
    kd_key_add_ratelimit(&spec, "cred_rl", 1, 60000, true);
    spec.credits.limited = true;
    spec.credits.remaining = 5;
    struct made d = make(s, &spec);
    ck_assert_int_eq(vfy(s, d.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    ck_assert_int_eq(credits_int(s, "remaining", d.id), 4);
    ck_assert_int_eq(vfy(s, d.key, NULL, KD_COST_DEFAULT), KD_VERIFY_RATE_LIMITED);
    ck_assert_int_eq(credits_int(s, "remaining", d.id), 4);
    fx_exec(s, "UPDATE key_credits SET remaining = 0");
    ck_assert_int_eq(vfy(s, d.key, NULL, KD_COST_DEFAULT), KD_VERIFY_RATE_LIMITED);
    ck_assert_int_eq(credits_int(s, "remaining", d.id), 0);

    /* credits exhausted (with a limit that allows) -> USAGE_EXCEEDED */
    kd_key_init(&spec);
    kd_key_add_ratelimit(&spec, "cred_ok", 100, 60000, true);
    spec.credits.limited = true;
    spec.credits.remaining = 1;
    struct made e = make(s, &spec);
    ck_assert_int_eq(vfy(s, e.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    ck_assert_int_eq(vfy(s, e.key, NULL, KD_COST_DEFAULT), KD_VERIFY_USAGE_EXCEEDED);
    ck_assert_int_eq(credits_int(s, "remaining", e.id), 0);

    made_free(&a);
    made_free(&b);
    made_free(&c);
    made_free(&c2);
    made_free(&d);
    made_free(&e);
    kd_store_close(s);
}
END_TEST

START_TEST(credit_costs)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    kd_key_init(&spec);
    spec.credits.limited = true;
    spec.credits.remaining = 10;
    struct made k = make(s, &spec);
    struct kd_verify_result r;
    ck_assert_int_eq(vfy_full(s, k.key, NULL, 0, NULL, 0, &r), KD_VERIFY_VALID);
    ck_assert_int_eq(r.key.credits.remaining, 10);
    kd_verify_result_free(&r);
    ck_assert_int_eq(vfy(s, k.key, NULL, 3), KD_VERIFY_VALID);
    ck_assert_int_eq(credits_int(s, "remaining", k.id), 7);
    ck_assert_int_eq(vfy_full(s, k.key, NULL, 8, NULL, 0, &r), KD_VERIFY_USAGE_EXCEEDED);
    ck_assert_int_eq(r.key.credits.remaining, 7);
    kd_verify_result_free(&r);
    ck_assert_int_eq(credits_int(s, "remaining", k.id), 7);
    ck_assert_int_eq(vfy(s, k.key, NULL, 7), KD_VERIFY_VALID);
    ck_assert_int_eq(credits_int(s, "remaining", k.id), 0);
    ck_assert_int_eq(vfy(s, k.key, NULL, 0), KD_VERIFY_VALID); /* 0 >= 0 */
    ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_USAGE_EXCEEDED);
    ck_assert_int_eq(credits_int(s, "remaining", k.id), 0);

    kd_key_init(&spec);
    struct made u = make(s, &spec);
    ck_assert_int_eq(vfy(s, u.key, NULL, 1000000), KD_VERIFY_VALID); /* unlimited */
    ck_assert_int_eq(credits_int(s, "remaining", u.id), -1);

    struct kd_verify_request req;
    memset(&req, 0, sizeof req);
    req.key = k.key;
    req.credit_cost = -5;
    ck_assert_int_eq(kd_engine_verify(s, &req, &r, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    made_free(&k);
    made_free(&u);
    kd_store_close(s);
}
END_TEST

START_TEST(ratelimits_all_or_nothing)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    kd_key_init(&spec);
    kd_key_add_ratelimit(&spec, "wide", 5, 60000, false);
    kd_key_add_ratelimit(&spec, "narrow", 2, 60000, false);
    spec.credits.limited = true;
    spec.credits.remaining = 100;
    struct made k = make(s, &spec);
    struct kd_verify_ratelimit_req both[2] = {{"wide", KD_COST_DEFAULT, 0, 0},
                                              {"narrow", KD_COST_DEFAULT, 0, 0}};
    struct kd_verify_result r;
    /* Not auto-applied: a plain verification leaves them alone. */
    ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    ck_assert_int_eq(rl_current(s, "wide"), 0);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(vfy_full(s, k.key, NULL, KD_COST_DEFAULT, both, 2, &r), KD_VERIFY_VALID);
        kd_verify_result_free(&r);
    }
    ck_assert_int_eq(vfy_full(s, k.key, NULL, KD_COST_DEFAULT, both, 2, &r),
                     KD_VERIFY_RATE_LIMITED);
    ck_assert_int_eq(r.n_ratelimits, 2);
    for (size_t i = 0; i < 2; i++) {
        if (strcmp(r.ratelimits[i].name, "narrow") == 0) {
            ck_assert(r.ratelimits[i].exceeded);
        } else {
            ck_assert(!r.ratelimits[i].exceeded);
            ck_assert_int_eq(r.ratelimits[i].remaining, 3);
            ck_assert_int_eq(r.ratelimits[i].reset_at, FX_NOW + 60000);
        }
    }
    kd_verify_result_free(&r);
    ck_assert_int_eq(rl_current(s, "wide"), 2);   /* nothing taken from the one that allowed */
    ck_assert_int_eq(rl_current(s, "narrow"), 2);
    ck_assert_int_eq(credits_int(s, "remaining", k.id), 97); /* rate-limited spent no credit */

    /* A requested cost. */
    struct kd_verify_ratelimit_req wide3 = {"wide", 3, 0, 0};
    ck_assert_int_eq(vfy_full(s, k.key, NULL, KD_COST_DEFAULT, &wide3, 1, &r), KD_VERIFY_VALID);
    ck_assert_int_eq(r.ratelimits[0].remaining, 0);
    kd_verify_result_free(&r);
    ck_assert_int_eq(rl_current(s, "wide"), 5);
    struct kd_verify_ratelimit_req wide0 = {"wide", 0, 0, 0};
    ck_assert_int_eq(vfy_full(s, k.key, NULL, KD_COST_DEFAULT, &wide0, 1, &r), KD_VERIFY_VALID);
    kd_verify_result_free(&r);

    /* Unknown name: a request error, nothing written. */
    int64_t before = credits_int(s, "remaining", k.id);
    struct kd_verify_ratelimit_req ghost = {"ghost", KD_COST_DEFAULT, 0, 0};
    struct kd_verify_request req;
    memset(&req, 0, sizeof req);
    req.key = k.key;
    req.credit_cost = KD_COST_DEFAULT;
    req.ratelimits = &ghost;
    req.n_ratelimits = 1;
    ck_assert_int_eq(kd_engine_verify(s, &req, &r, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.message, "ghost"));
    ck_assert_int_eq(credits_int(s, "remaining", k.id), before);

    /* Inline limit: limit + duration keyed on the key. */
    struct kd_verify_ratelimit_req inl = {"inline", KD_COST_DEFAULT, 2, 10000};
    ck_assert_int_eq(vfy_full(s, k.key, NULL, KD_COST_DEFAULT, &inl, 1, &r), KD_VERIFY_VALID);
    kd_verify_result_free(&r);
    ck_assert_int_eq(vfy_full(s, k.key, NULL, KD_COST_DEFAULT, &inl, 1, &r), KD_VERIFY_VALID);
    kd_verify_result_free(&r);
    ck_assert_int_eq(vfy_full(s, k.key, NULL, KD_COST_DEFAULT, &inl, 1, &r),
                     KD_VERIFY_RATE_LIMITED);
    kd_verify_result_free(&r);
    made_free(&k);
    kd_store_close(s);
}
END_TEST

START_TEST(sliding_window_across_boundary)
{
    struct kd_store *s = fx_open(); /* FX_NOW is a multiple of 10 s */
    fx_world(s);
    struct kd_key spec;
    kd_key_init(&spec);
    kd_key_add_ratelimit(&spec, "ten", 10, 10000, true);
    struct made k = make(s, &spec);
    struct kd_verify_result r;
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    ck_assert_int_eq(vfy_full(s, k.key, NULL, KD_COST_DEFAULT, NULL, 0, &r),
                     KD_VERIFY_RATE_LIMITED);
    ck_assert_int_eq(r.ratelimits[0].reset_at, FX_NOW + 10000);
    kd_verify_result_free(&r);
    /* Next window starts: the previous one still weighs fully. */
    kd_clock_pin(FX_NOW + 10000);
    ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_RATE_LIMITED);
    /* Half-way through it: the previous window counts half, so 5 fit. */
    kd_clock_pin(FX_NOW + 15000);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(vfy(s, k.key, NULL, KD_COST_DEFAULT) == KD_VERIFY_VALID, "at %d", i);
    ck_assert_int_eq(vfy_full(s, k.key, NULL, KD_COST_DEFAULT, NULL, 0, &r),
                     KD_VERIFY_RATE_LIMITED);
    ck_assert_int_eq(r.ratelimits[0].reset_at, FX_NOW + 20000);
    kd_verify_result_free(&r);
    /* Two windows later everything is forgotten. */
    kd_clock_pin(FX_NOW + 40000);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_RATE_LIMITED);
    made_free(&k);
    kd_store_close(s);
}
END_TEST

START_TEST(refill_daily_at_verify)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    kd_clock_pin(1735725600000LL); /* 2025-01-01T10:00Z */
    struct kd_key spec;
    kd_key_init(&spec);
    spec.credits.limited = true;
    spec.credits.remaining = 1;
    spec.credits.refill.interval = KD_REFILL_DAILY;
    spec.credits.refill.amount = 5;
    struct made k = make(s, &spec);
    ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    kd_clock_pin(1735775999000LL); /* 23:59:59 */
    ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_USAGE_EXCEEDED);
    kd_clock_pin(1735776001000LL); /* 2025-01-02T00:00:01Z */
    struct kd_verify_result r;
    ck_assert_int_eq(vfy_full(s, k.key, NULL, KD_COST_DEFAULT, NULL, 0, &r), KD_VERIFY_VALID);
    ck_assert_int_eq(r.key.credits.remaining, 4);
    kd_verify_result_free(&r);
    ck_assert_int_eq(credits_int(s, "remaining", k.id), 4);
    ck_assert_int_eq(credits_int(s, "last_refill_at", k.id), 1735776001000LL);
    /* Only once per day. */
    ck_assert_int_eq(vfy(s, k.key, NULL, 4), KD_VERIFY_VALID);
    ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_USAGE_EXCEEDED);
    made_free(&k);
    kd_store_close(s);
}
END_TEST

START_TEST(refill_monthly_day_31_at_verify)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    kd_clock_pin(1739145600000LL); /* 2025-02-10 */
    struct kd_key spec;
    kd_key_init(&spec);
    spec.credits.limited = true;
    spec.credits.remaining = 1;
    spec.credits.refill.interval = KD_REFILL_MONTHLY;
    spec.credits.refill.amount = 3;
    spec.credits.refill.refill_day = 31;
    struct made k = make(s, &spec);
    ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    kd_clock_pin(1740657600000LL); /* 2025-02-27T12:00 */
    ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_USAGE_EXCEEDED);
    kd_clock_pin(1740700801000LL); /* 2025-02-28T00:00:01: February's last day */
    ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    ck_assert_int_eq(credits_int(s, "remaining", k.id), 2);
    kd_clock_pin(1743336000000LL); /* 2025-03-30T12:00: no refill yet */
    ck_assert_int_eq(vfy(s, k.key, NULL, 2), KD_VERIFY_VALID);
    ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_USAGE_EXCEEDED);
    kd_clock_pin(1743379201000LL); /* 2025-03-31T00:00:01 */
    ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    ck_assert_int_eq(credits_int(s, "remaining", k.id), 2);
    made_free(&k);
    kd_store_close(s);
}
END_TEST

START_TEST(request_errors)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    kd_key_init(&spec);
    struct made k = make(s, &spec);
    struct kd_verify_request req;
    struct kd_verify_result r;
    memset(&req, 0, sizeof req);
    req.key = k.key;
    req.credit_cost = KD_COST_DEFAULT;
    req.permissions = "docs.read AND (";
    ck_assert_int_eq(kd_engine_verify(s, &req, &r, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.field, "permissions");
    ck_assert_ptr_null(strstr(err.message, k.key));
    req.permissions = NULL;
    req.key = "";
    ck_assert_int_eq(kd_engine_verify(s, &req, &r, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_int_eq(kd_engine_verify(s, NULL, &r, &err), -1);
    made_free(&k);
    kd_store_close(s);
}
END_TEST

START_TEST(usage_recorded_after_flush)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    kd_key_init(&spec);
    struct made k = make(s, &spec);
    for (int i = 0; i < 3; i++) {
        kd_clock_advance(10);
        ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    }
    ck_assert_int_eq(vfy(s, "sk_unknown", NULL, KD_COST_DEFAULT), KD_VERIFY_NOT_FOUND);
    ck_assert_int_eq(fx_int(s, "SELECT coalesce(sum(n), 0) FROM verifications"), 0); /* still buffered */
    ck_assert_int_eq(kd_verifylog_flush(s, &err), 0);
    ck_assert_int_eq(fx_int(s, "SELECT coalesce(sum(n), 0) FROM verifications"), 4);
    ck_assert_int_eq(fx_int(s, "SELECT coalesce(sum(n), 0) FROM verifications WHERE key_rid IS NULL"), 1);
    struct kd_key got;
    ck_assert_int_eq(kd_engine_key_get(s, k.id, &got, &err), 0);
    ck_assert_int_eq(got.request_count, 3);
    ck_assert_int_eq(got.last_used_at, FX_NOW + 30);
    kd_key_free(&got);

    /* A second older than the first buffered record flushes on its own. */
    ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    kd_clock_advance(KD_VERIFYLOG_MAX_AGE_MS);
    ck_assert_int_eq(vfy(s, k.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    ck_assert_int_eq(fx_int(s, "SELECT coalesce(sum(n), 0) FROM verifications"), 6);
    /* So does a full batch. */
    for (int i = 0; i < KD_VERIFYLOG_BATCH; i++)
        vfy(s, k.key, NULL, KD_COST_DEFAULT);
    ck_assert_int_eq(fx_int(s, "SELECT coalesce(sum(n), 0) FROM verifications"), 6 + KD_VERIFYLOG_BATCH);
    ck_assert_int_eq(request_count(s, k.id), 5 + KD_VERIFYLOG_BATCH);
    /* Retention: rows older than 30 days go on the next flush. */
    kd_clock_advance(KD_VERIFYLOG_RETAIN_MS + 1);
    vfy(s, k.key, NULL, KD_COST_DEFAULT);
    ck_assert_int_eq(kd_verifylog_flush(s, &err), 0);
    ck_assert_int_eq(fx_int(s, "SELECT coalesce(sum(n), 0) FROM verifications"), 1);
    made_free(&k);
    kd_store_close(s);
}
END_TEST

/* A flush writes one row per key, API and second of VALID verifications (the
 * latest time, the count), and each failure on its own, in the order they came. */
START_TEST(log_rows_grouped_by_second)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    kd_key_init(&spec);
    struct made a = make(s, &spec);
    kd_key_init(&spec);
    struct made b = make(s, &spec);
    for (int i = 0; i < 3; i++) { /* a, b, a, b, a, b within one second */
        ck_assert_int_eq(vfy(s, a.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
        ck_assert_int_eq(vfy(s, b.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
        kd_clock_advance(100);
    }
    ck_assert_int_eq(vfy(s, "sk_first_unknown", NULL, KD_COST_DEFAULT), KD_VERIFY_NOT_FOUND);
    kd_clock_advance(10);
    ck_assert_int_eq(vfy(s, "sk_second_unknown", NULL, KD_COST_DEFAULT), KD_VERIFY_NOT_FOUND);
    kd_clock_advance(700); /* FX_NOW + 1010: the next second */
    ck_assert_int_eq(vfy(s, a.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    ck_assert_int_eq(kd_verifylog_flush(s, &err), 0);

    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM verifications WHERE key_rid = "
             "(SELECT rid FROM keys WHERE id = '%s')",
             a.id);
    ck_assert_int_eq(fx_int(s, sql), 2);
    snprintf(sql, sizeof sql,
             "SELECT n * 1000000000 + at - %lld FROM verifications WHERE key_rid = "
             "(SELECT rid FROM keys WHERE id = '%s') ORDER BY at LIMIT 1",
             (long long)FX_NOW, a.id);
    ck_assert_int_eq(fx_int(s, sql), 3 * 1000000000LL + 200); /* n 3, at the latest */
    snprintf(sql, sizeof sql,
             "SELECT n FROM verifications WHERE key_rid = (SELECT rid FROM keys WHERE id = '%s')",
             b.id);
    ck_assert_int_eq(fx_int(s, sql), 3);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM verifications WHERE outcome <> 0"), 2);
    ck_assert_int_eq(fx_int(s, "SELECT max(seq) - min(seq) FROM verifications WHERE outcome <> 0"),
                     1);
    snprintf(sql, sizeof sql,
             "SELECT at - %lld FROM verifications WHERE outcome <> 0 ORDER BY seq DESC LIMIT 1",
             (long long)FX_NOW);
    ck_assert_int_eq(fx_int(s, sql), 310); /* the newest failure last */
    ck_assert_int_eq(request_count(s, a.id), 4);
    ck_assert_int_eq(request_count(s, b.id), 3);
    made_free(&a);
    made_free(&b);
    kd_store_close(s);
}
END_TEST

START_TEST(stats_by_code)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    kd_key_init(&spec);
    spec.name = kd_xstrdup("busy");
    spec.credits.limited = true;
    spec.credits.remaining = 3;
    spec.expires = FX_NOW + 3600000;
    struct made busy = make(s, &spec);
    kd_key_init(&spec);
    spec.enabled = false;
    spec.expires = FX_NOW + 7200000;
    struct made off = make(s, &spec);
    kd_key_init(&spec);
    spec.credits.limited = true;
    spec.credits.remaining = 50;
    struct made rich = make(s, &spec);

    for (int i = 0; i < 4; i++)
        vfy(s, busy.key, NULL, KD_COST_DEFAULT); /* 3 VALID, 1 USAGE_EXCEEDED */
    vfy(s, off.key, NULL, KD_COST_DEFAULT);
    vfy(s, "sk_nope", NULL, KD_COST_DEFAULT);
    vfy(s, "sk_nope2", NULL, KD_COST_DEFAULT);
    vfy(s, rich.key, NULL, KD_COST_DEFAULT);
    kd_clock_advance(100);

    struct kd_stats_query q;
    memset(&q, 0, sizeof q);
    q.since = FX_NOW - 60000;
    q.until = kd_now_ms();
    q.top_n = 5;
    struct kd_stats st;
    ck_assert_msg(kd_engine_stats(s, &q, &st, &err) == 0, "%s", err.message);
    ck_assert_int_eq(st.total, 8);
    ck_assert_int_eq(st.by_code[KD_VERIFY_VALID], 4);
    ck_assert_int_eq(st.by_code[KD_VERIFY_USAGE_EXCEEDED], 1);
    ck_assert_int_eq(st.by_code[KD_VERIFY_DISABLED], 1);
    ck_assert_int_eq(st.by_code[KD_VERIFY_NOT_FOUND], 2);
    int64_t sum = 0;
    for (int i = 0; i < KD_STATS_BUCKETS; i++)
        sum += st.buckets[i];
    ck_assert_int_eq(sum, 8);
    ck_assert_int_eq(st.buckets[(60000 * KD_STATS_BUCKETS) / 60100], 8);
    ck_assert_int_ge(st.n_busiest, 1);
    ck_assert_str_eq(st.busiest[0].key_id, busy.id);
    ck_assert_int_eq(st.busiest[0].value, 4);
    ck_assert_int_eq(st.n_low_credits, 1); /* busy is at 0: only rich is left */
    ck_assert_str_eq(st.low_credits[0].key_id, rich.id);
    ck_assert_int_eq(st.low_credits[0].value, 49);
    ck_assert_int_eq(st.n_expiring, 2);
    ck_assert_str_eq(st.expiring[0].key_id, busy.id);
    ck_assert_int_eq(st.n_failures, 4);
    ck_assert_str_eq(st.failures[0].code, "NOT_FOUND");
    ck_assert_str_eq(st.failures[2].code, "DISABLED");
    ck_assert_str_eq(st.failures[3].code, "USAGE_EXCEEDED");
    kd_stats_free(&st);

    q.key_id = busy.id;
    ck_assert_int_eq(kd_engine_stats(s, &q, &st, &err), 0);
    ck_assert_int_eq(st.total, 4);
    ck_assert_int_eq(st.by_code[KD_VERIFY_VALID], 3);
    kd_stats_free(&st);
    q.key_id = NULL;
    q.since = FX_NOW + 50; /* the window excludes everything */
    ck_assert_int_eq(kd_engine_stats(s, &q, &st, &err), 0);
    ck_assert_int_eq(st.total, 0);
    kd_stats_free(&st);
    made_free(&busy);
    made_free(&off);
    made_free(&rich);
    kd_store_close(s);
}
END_TEST

START_TEST(plain_verify_takes_no_write_lock)
{
    struct kd_store *s0 = fx_open();
    fx_world(s0);
    struct kd_key spec;
    kd_key_init(&spec);
    struct made plain = make(s0, &spec);
    kd_key_init(&spec);
    spec.credits.limited = true;
    spec.credits.remaining = 10;
    struct made counted = make(s0, &spec);
    kd_store_close(s0);

    struct kd_store *s = fx_open_path(fx_path, 50);
    sqlite3 *other = NULL;
    ck_assert_int_eq(sqlite3_open(fx_path, &other), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    /* Another writer holds the lock: a plain verification still answers ... */
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(vfy(s, plain.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    /* ... while one that spends credits must wait for it. */
    struct kd_verify_request req;
    struct kd_verify_result r;
    memset(&req, 0, sizeof req);
    req.key = counted.key;
    req.credit_cost = KD_COST_DEFAULT;
    ck_assert_int_eq(kd_engine_verify(s, &req, &r, &err), -1);
    ck_assert_int_eq(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    ck_assert_int_eq(vfy(s, counted.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    ck_assert_int_eq(credits_int(s, "remaining", counted.id), 9);
    made_free(&plain);
    made_free(&counted);
    kd_store_close(s);
}
END_TEST

/* Verification caches key rows (keycache.c); a change made by this connection or
 * by another one must be seen by the very next verification. */
START_TEST(cached_rows_follow_changes)
{
    struct kd_store *a = fx_open();
    fx_world(a);
    struct kd_key spec;
    kd_key_init(&spec);
    struct made m = make(a, &spec);
    struct kd_store *b = fx_open_path(fx_path, 1000);
    for (int i = 0; i < 3; i++) /* warm a's cache */
        ck_assert_int_eq(vfy(a, m.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);

    struct kd_key_update u;
    memset(&u, 0, sizeof u);
    kd_key_init(&u.values);
    u.fields = KD_KF_ENABLED;
    u.values.enabled = false;
    ck_assert_msg(kd_engine_key_update(b, m.id, &u, &err) == 0, "%s", err.message);
    ck_assert_int_eq(vfy(a, m.key, NULL, KD_COST_DEFAULT), KD_VERIFY_DISABLED);

    u.values.enabled = true;
    ck_assert_msg(kd_engine_key_update(a, m.id, &u, &err) == 0, "%s", err.message);
    ck_assert_int_eq(vfy(a, m.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    ck_assert_int_eq(vfy(b, m.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);

    u.fields = KD_KF_EXPIRES;
    u.values.expires = FX_NOW + 1000;
    ck_assert_msg(kd_engine_key_update(a, m.id, &u, &err) == 0, "%s", err.message);
    ck_assert_int_eq(vfy(a, m.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    kd_clock_advance(2000); /* the cached row's expiry is checked against now */
    ck_assert_int_eq(vfy(a, m.key, NULL, KD_COST_DEFAULT), KD_VERIFY_EXPIRED);

    ck_assert_msg(kd_engine_key_delete(b, m.id, false, &err) == 0, "%s", err.message);
    ck_assert_int_eq(vfy(a, m.key, NULL, KD_COST_DEFAULT), KD_VERIFY_NOT_FOUND);
    kd_key_free(&u.values);
    made_free(&m);
    kd_store_close(b);
    kd_store_close(a);
}
END_TEST

/* The credits a verification reports. */
static int64_t remaining_after(struct kd_store *s, const char *key, enum kd_verify_code want)
{
    struct kd_verify_result r;
    ck_assert_int_eq(vfy_full(s, key, NULL, KD_COST_DEFAULT, NULL, 0, &r), want);
    int64_t left = r.key.credits.remaining;
    kd_verify_result_free(&r);
    return left;
}

/* A cached row's credits are exact while its token holds: this connection's
 * charges are copied into it, another connection's commits or an admin change
 * move the token, and a charge inside a caller's transaction drops the entry. */
START_TEST(cached_credits_stay_exact)
{
    struct kd_store *a = fx_open();
    fx_world(a);
    struct kd_key spec;
    kd_key_init(&spec);
    spec.credits.limited = true;
    spec.credits.remaining = 7;
    struct made m = make(a, &spec);
    struct kd_store *b = fx_open_path(fx_path, 1000);

    ck_assert_int_eq(remaining_after(a, m.key, KD_VERIFY_VALID), 6);
    ck_assert_int_eq(remaining_after(a, m.key, KD_VERIFY_VALID), 5);
    ck_assert_int_eq(remaining_after(b, m.key, KD_VERIFY_VALID), 4);
    ck_assert_int_eq(remaining_after(a, m.key, KD_VERIFY_VALID), 3);

    /* Inside a caller's transaction, then rolled back: nothing was spent. */
    ck_assert_int_eq(kd_store_begin(a, &err), 0);
    ck_assert_int_eq(remaining_after(a, m.key, KD_VERIFY_VALID), 2);
    kd_store_rollback(a);
    ck_assert_int_eq(remaining_after(a, m.key, KD_VERIFY_VALID), 2);
    /* ... and in a counters transaction, whose commit leaves the token alone. */
    ck_assert_int_eq(kd_store_begin_counters(a, &err), 0);
    ck_assert_int_eq(remaining_after(a, m.key, KD_VERIFY_VALID), 1);
    ck_assert_int_eq(kd_store_commit(a, &err), 0);
    ck_assert_int_eq(remaining_after(a, m.key, KD_VERIFY_VALID), 0);
    ck_assert_int_eq(remaining_after(a, m.key, KD_VERIFY_USAGE_EXCEEDED), 0);

    struct kd_key_update u;
    memset(&u, 0, sizeof u);
    kd_key_init(&u.values);
    u.fields = KD_KF_CREDITS;
    u.values.credits.limited = true;
    u.values.credits.remaining = 2;
    ck_assert_msg(kd_engine_key_update(b, m.id, &u, &err) == 0, "%s", err.message);
    ck_assert_int_eq(remaining_after(a, m.key, KD_VERIFY_VALID), 1);
    ck_assert_int_eq(remaining_after(a, m.key, KD_VERIFY_VALID), 0);
    ck_assert_int_eq(remaining_after(a, m.key, KD_VERIFY_USAGE_EXCEEDED), 0);
    ck_assert_int_eq(remaining_after(b, m.key, KD_VERIFY_USAGE_EXCEEDED), 0);
    ck_assert_int_eq(credits_int(a, "remaining", m.id), 0);
    kd_key_free(&u.values);
    made_free(&m);
    kd_store_close(b);
    kd_store_close(a);
}
END_TEST

/* A schema-4 keystore (credits on the key rows) moves them to key_credits on
 * open, and they keep counting from where they were. */
START_TEST(credits_migrate_to_their_table)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    kd_key_init(&spec);
    spec.credits.limited = true;
    spec.credits.remaining = 5;
    spec.credits.refill.interval = KD_REFILL_DAILY;
    spec.credits.refill.amount = 10;
    struct made daily = make(s, &spec);
    kd_key_init(&spec);
    spec.credits.limited = true;
    spec.credits.remaining = 3;
    struct made fixed = make(s, &spec);
    kd_key_init(&spec);
    struct made unlimited = make(s, &spec);
    ck_assert_int_eq(vfy(s, daily.key, NULL, KD_COST_DEFAULT), KD_VERIFY_VALID);
    int64_t refilled_at = credits_int(s, "last_refill_at", daily.id);
    ck_assert_int_eq(refilled_at, FX_NOW);
    fx_schema_back_to_v4(s);
    ck_assert_int_eq(fx_int(s, "SELECT sum(remaining) FROM keys"), 4 + 3);
    kd_store_close(s);

    s = fx_open_path(fx_path, 0);
    ck_assert_int_eq(fx_int(s, "PRAGMA user_version"), KD_SCHEMA_VERSION);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM key_credits"), 2);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM keys WHERE remaining IS NOT NULL "
                               "OR last_refill_at IS NOT NULL"),
                     0);
    struct kd_key k;
    ck_assert_msg(kd_engine_key_get(s, daily.id, &k, &err) == 0, "%s", err.message);
    ck_assert(k.credits.limited);
    ck_assert_int_eq(k.credits.remaining, 4);
    ck_assert_int_eq(k.credits.refill.interval, KD_REFILL_DAILY);
    ck_assert_int_eq(k.credits.refill.amount, 10);
    ck_assert_int_eq(k.credits.last_refill_at, refilled_at);
    kd_key_free(&k);
    ck_assert_msg(kd_engine_key_get(s, unlimited.id, &k, &err) == 0, "%s", err.message);
    ck_assert(!k.credits.limited);
    kd_key_free(&k);

    ck_assert_int_eq(remaining_after(s, daily.key, KD_VERIFY_VALID), 3);
    ck_assert_int_eq(vfy(s, fixed.key, NULL, 3), KD_VERIFY_VALID);
    ck_assert_int_eq(vfy(s, fixed.key, NULL, KD_COST_DEFAULT), KD_VERIFY_USAGE_EXCEEDED);
    ck_assert_int_eq(vfy(s, unlimited.key, NULL, 1000), KD_VERIFY_VALID);
    /* A key deleted for good takes its credits row with it. */
    ck_assert_msg(kd_engine_key_delete(s, fixed.id, true, &err) == 0, "%s", err.message);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM key_credits"), 1);
    made_free(&daily);
    made_free(&fixed);
    made_free(&unlimited);
    kd_store_close(s);
}
END_TEST

START_TEST(processes_never_overspend)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    kd_key_init(&spec);
    spec.credits.limited = true;
    spec.credits.remaining = 100;
    struct made k = make(s, &spec);
    kd_store_close(s);

    enum { PROCS = 4, EACH = 40 };
    pid_t pids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        pids[p] = fork();
        ck_assert_int_ge(pids[p], 0);
        if (pids[p] == 0) {
            struct kd_store *cs = fx_open_path(fx_path, 10000);
            int ok = 0;
            for (int i = 0; i < EACH; i++) {
                struct kd_verify_request req;
                struct kd_verify_result r;
                struct kd_error e;
                memset(&req, 0, sizeof req);
                req.key = k.key;
                req.credit_cost = KD_COST_DEFAULT;
                if (kd_engine_verify(cs, &req, &r, &e) < 0)
                    _exit(100);
                ok += r.code == KD_VERIFY_VALID;
                kd_verify_result_free(&r);
            }
            kd_store_close(cs);
            _exit(ok);
        }
    }
    int total = 0;
    for (int p = 0; p < PROCS; p++) {
        int status = 0;
        ck_assert_int_eq(waitpid(pids[p], &status, 0), pids[p]);
        ck_assert(WIFEXITED(status));
        ck_assert_int_le(WEXITSTATUS(status), EACH);
        total += WEXITSTATUS(status);
    }
    ck_assert_int_eq(total, 100);
    s = fx_open_path(fx_path, 0);
    ck_assert_int_eq(credits_int(s, "remaining", k.id), 0);
    ck_assert_int_eq(request_count(s, k.id), PROCS * EACH);
    made_free(&k);
    kd_store_close(s);
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, every_code);
    tcase_add_test(tc, order_between_codes);
    tcase_add_test(tc, credit_costs);
    tcase_add_test(tc, ratelimits_all_or_nothing);
    tcase_add_test(tc, sliding_window_across_boundary);
    tcase_add_test(tc, refill_daily_at_verify);
    tcase_add_test(tc, refill_monthly_day_31_at_verify);
    tcase_add_test(tc, request_errors);
    tcase_add_test(tc, usage_recorded_after_flush);
    tcase_add_test(tc, log_rows_grouped_by_second);
    tcase_add_test(tc, stats_by_code);
    tcase_add_test(tc, plain_verify_takes_no_write_lock);
    tcase_add_test(tc, cached_rows_follow_changes);
    tcase_add_test(tc, cached_credits_stay_exact);
    tcase_add_test(tc, credits_migrate_to_their_table);
    tcase_add_test(tc, processes_never_overspend);
}

KD_TEST_MAIN(add_cases)
