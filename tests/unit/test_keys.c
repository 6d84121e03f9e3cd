/* test_keys.c — the engine's key operations against a temporary keystore. */
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine.h"
#include "core/keygen.h"
#include "core/verifylog.h"
#include "util/clock.h"
#include "util/xalloc.h"

#include "keys_fixture.h"
#include "test.h"

static struct kd_error err;

static int64_t count_keys(struct kd_store *s)
{
    return fx_int(s, "SELECT count(*) FROM keys");
}

static int64_t count_audit(struct kd_store *s)
{
    return fx_int(s, "SELECT count(*) FROM audit_log");
}

static int64_t count_children(struct kd_store *s)
{
    return fx_int(s, "SELECT (SELECT count(*) FROM ratelimits) + (SELECT count(*) FROM key_roles)"
                     " + (SELECT count(*) FROM key_permissions)"
                     " + (SELECT count(*) FROM sealed_keys)");
}

/* A spec with every field set. */
static void full_spec(struct kd_key *k)
{
    kd_key_init(k);
    k->api_id = kd_xstrdup("api_main");
    k->name = kd_xstrdup("checkout service");
    k->prefix = kd_xstrdup("pk");
    k->byte_length = 32;
    k->external_id = kd_xstrdup("user_42");
    k->meta_json = kd_xstrdup("{\"plan\":\"pro\"}");
    k->environment = kd_xstrdup("live");
    k->enabled = false;
    k->recoverable = true;
    k->expires = FX_NOW + 86400000;
    k->credits.limited = true;
    k->credits.remaining = 100;
    k->credits.refill.interval = KD_REFILL_MONTHLY;
    k->credits.refill.amount = 500;
    k->credits.refill.refill_day = 31;
    kd_key_add_ratelimit(k, "requests", 10, 60000, true);
    kd_key_add_ratelimit(k, "tokens", 1000, 3600000, false);
    kd_strlist_push(&k->roles, "admin");
    kd_strlist_push(&k->permissions, "docs.read");
}

static bool has_grant(const struct kd_key *k, const char *slug, const char *via)
{
    for (size_t i = 0; i < k->n_grants; i++) {
        if (strcmp(k->grants[i].slug, slug) != 0)
            continue;
        if (!via && !k->grants[i].via_role)
            return true;
        if (via && k->grants[i].via_role && strcmp(via, k->grants[i].via_role) == 0)
            return true;
    }
    return false;
}

/* Bulk creation: batches commit whole, every key handed out exists and verifies,
 * a failing spec writes nothing, a sink that gives up stops the run. */
struct sink_log {
    int64_t seen;
    int64_t stop_after; /* 0: never */
    char *first_key;
};

static int log_sink(const struct kd_key_secret *sec, void *ctx)
{
    struct sink_log *l = ctx;
    if (l->stop_after && l->seen >= l->stop_after)
        return -1;
    if (!l->first_key)
        l->first_key = kd_xstrdup(sec->plaintext);
    l->seen++;
    return 0;
}

START_TEST(create_many_in_batches)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    kd_key_init(&spec);
    spec.api_id = kd_xstrdup("api_main");
    spec.name = kd_xstrdup("bulk");
    spec.credits.limited = true;
    spec.credits.remaining = 5;
    kd_key_add_ratelimit(&spec, "req", 10, 60000, true);
    struct sink_log log = {0};
    int64_t made = 0;
    int64_t n = KD_ENGINE_CREATE_BATCH + 3; /* two batches, the second short */
    ck_assert_msg(kd_engine_key_create_many(s, &spec, n, log_sink, &log, &made, &err) == 0, "%s",
                  err.message);
    ck_assert_int_eq(made, n);
    ck_assert_int_eq(log.seen, n);
    ck_assert_int_eq(count_keys(s), n);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM ratelimits"), n);
    ck_assert_int_eq(count_audit(s), n);
    struct kd_verify_request req = {.key = log.first_key, .credit_cost = KD_COST_DEFAULT};
    struct kd_verify_result r;
    ck_assert_int_eq(kd_engine_verify(s, &req, &r, &err), 0);
    ck_assert_int_eq(r.code, KD_VERIFY_VALID);
    kd_verify_result_free(&r);

    /* A role that does not exist: refused, nothing written, nothing handed out. */
    kd_strlist_push(&spec.roles, "no-such-role");
    struct sink_log none = {0};
    ck_assert_int_eq(kd_engine_key_create_many(s, &spec, 5, log_sink, &none, &made, &err), -1);
    ck_assert_int_eq(made, 0);
    ck_assert_int_eq(none.seen, 0);
    ck_assert_int_eq(count_keys(s), n);
    kd_strlist_clear(&spec.roles);

    /* The sink gives up after 2: the run stops with an error saying why. */
    struct sink_log two = {.stop_after = 2};
    ck_assert_int_eq(kd_engine_key_create_many(s, &spec, 4, log_sink, &two, &made, &err), -1);
    ck_assert_int_eq(made, 2);
    ck_assert_int_eq(err.code, KD_ERR_IO);
    kd_secret_free(log.first_key);
    kd_secret_free(two.first_key);
    kd_key_free(&spec);
    kd_store_close(s);
}
END_TEST

/* The live key counts kept by triggers (schema v3) follow creation, soft and
 * permanent deletion, bulk creation and raw SQL alike. */
static int64_t listed_total(struct kd_store *s, const char *api)
{
    struct kd_key_query q = {.api_id = api, .page = {.want_total = true, .limit = 1}};
    struct kd_key_page pg;
    ck_assert_msg(kd_engine_key_list(s, &q, &pg, &err) == 0, "%s", err.message);
    int64_t t = pg.total;
    kd_key_page_free(&pg);
    return t;
}

static int64_t api_count(struct kd_store *s, const char *api)
{
    struct kd_api a;
    ck_assert_msg(kd_engine_api_get(s, api, &a, &err) == 0, "%s", err.message);
    int64_t n = a.key_count;
    kd_api_free(&a);
    return n;
}

START_TEST(live_key_counts_follow_every_change)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    kd_key_init(&spec);
    spec.api_id = kd_xstrdup("api_main");
    struct sink_log log = {0};
    int64_t made = 0;
    ck_assert_int_eq(kd_engine_key_create_many(s, &spec, 5, log_sink, &log, &made, &err), 0);
    struct kd_key_secret one;
    fx_create(s, &spec, &one);
    ck_assert_int_eq(listed_total(s, "api_main"), 6);
    ck_assert_int_eq(api_count(s, "api_main"), 6);
    ck_assert_int_eq(api_count(s, "api_other"), 0);
    ck_assert_int_eq(kd_engine_key_delete(s, one.key_id, false, &err), 0); /* soft */
    ck_assert_int_eq(listed_total(s, "api_main"), 5);
    struct kd_key_query q = {.api_id = "api_main", .page = {.limit = 1}};
    struct kd_key_page pg;
    ck_assert_int_eq(kd_engine_key_list(s, &q, &pg, &err), 0);
    ck_assert_int_eq(kd_engine_key_delete(s, pg.items[0].id, true, &err), 0); /* permanent */
    kd_key_page_free(&pg);
    ck_assert_int_eq(listed_total(s, "api_main"), 4);
    fx_exec(s, "UPDATE keys SET deleted_at = 1 WHERE rid = (SELECT max(rid) FROM keys "
               "WHERE deleted_at IS NULL)");
    ck_assert_int_eq(api_count(s, "api_main"), 3);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM keys WHERE api_id = 'api_main' "
                               "AND deleted_at IS NULL"),
                     3);
    kd_key_secret_free(&one);
    kd_secret_free(log.first_key);
    kd_key_free(&spec);
    kd_store_close(s);
}
END_TEST

/* Filtered lists: keys matching only by id survive onto later pages of a sorted
 * list, and totals are exact for small results and for pages of many. */
START_TEST(filtered_pages_and_totals)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    kd_key_init(&spec);
    spec.name = kd_xstrdup("zeta");
    struct kd_key_secret x;
    fx_create(s, &spec, &x); /* matches the filter (its id) by id only */
    kd_key_free(&spec);
    kd_key_init(&spec);
    spec.name = kd_xasprintf("%s-copy", x.key_id); /* matches by name, sorts first */
    struct kd_key_secret y;
    fx_create(s, &spec, &y);
    kd_key_free(&spec);

    struct kd_key_query q = {.api_id = "api_main", .sort = KD_SORT_NAME};
    q.page.filter = x.key_id;
    q.page.limit = 1;
    q.page.want_total = true;
    struct kd_key_page p1, p2;
    ck_assert_msg(kd_engine_key_list(s, &q, &p1, &err) == 0, "%s", err.message);
    ck_assert_uint_eq(p1.len, 1);
    ck_assert_str_eq(p1.items[0].id, y.key_id);
    ck_assert_int_eq(p1.total, 2);
    ck_assert_ptr_nonnull(p1.next_cursor);
    q.page.cursor = p1.next_cursor;
    ck_assert_msg(kd_engine_key_list(s, &q, &p2, &err) == 0, "%s", err.message);
    ck_assert_uint_eq(p2.len, 1);
    ck_assert_str_eq(p2.items[0].id, x.key_id);
    kd_key_page_free(&p1);
    kd_key_page_free(&p2);

    /* A page not full: its length is the total, no count needed. */
    struct kd_key_query q2 = {.api_id = "api_main", .page = {.filter = "zeta", .limit = 10,
                                                             .want_total = true}};
    ck_assert_int_eq(kd_engine_key_list(s, &q2, &p1, &err), 0);
    ck_assert_uint_eq(p1.len, 1);
    ck_assert_int_eq(p1.total, 1);
    kd_key_page_free(&p1);
    /* Unfiltered: the live count. */
    q2.page.filter = NULL;
    ck_assert_int_eq(kd_engine_key_list(s, &q2, &p1, &err), 0);
    ck_assert_int_eq(p1.total, 2);
    kd_key_page_free(&p1);
    kd_key_secret_free(&x);
    kd_key_secret_free(&y);
    kd_store_close(s);
}
END_TEST

START_TEST(create_every_field_then_get)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    full_spec(&spec);
    struct kd_key_secret sec;
    fx_create(s, &spec, &sec);
    ck_assert(strncmp(sec.key_id, "key_", 4) == 0);
    ck_assert(strncmp(sec.plaintext, "pk_", 3) == 0);

    struct kd_key k;
    ck_assert_int_eq(kd_engine_key_get(s, sec.key_id, &k, &err), 0);
    ck_assert_str_eq(k.id, sec.key_id);
    ck_assert_str_eq(k.api_id, "api_main");
    ck_assert_str_eq(k.name, "checkout service");
    ck_assert_str_eq(k.prefix, "pk");
    ck_assert_int_eq(strlen(k.start), 3 + 4);
    ck_assert(strncmp(k.start, sec.plaintext, strlen(k.start)) == 0);
    ck_assert_int_eq(k.byte_length, 32);
    ck_assert_str_eq(k.external_id, "user_42");
    ck_assert_str_eq(k.meta_json, "{\"plan\":\"pro\"}");
    ck_assert_str_eq(k.environment, "live");
    ck_assert(!k.enabled);
    ck_assert(k.recoverable);
    ck_assert_int_eq(k.expires, FX_NOW + 86400000);
    ck_assert(k.credits.limited);
    ck_assert_int_eq(k.credits.remaining, 100);
    ck_assert_int_eq(k.credits.refill.interval, KD_REFILL_MONTHLY);
    ck_assert_int_eq(k.credits.refill.amount, 500);
    ck_assert_int_eq(k.credits.refill.refill_day, 31);
    ck_assert_int_eq(k.credits.last_refill_at, FX_NOW);
    ck_assert_int_eq(k.n_ratelimits, 2);
    ck_assert_str_eq(k.ratelimits[0].name, "requests");
    ck_assert(strncmp(k.ratelimits[0].id, "rl_", 3) == 0);
    ck_assert_int_eq(k.ratelimits[0].limit, 10);
    ck_assert_int_eq(k.ratelimits[0].duration_ms, 60000);
    ck_assert(k.ratelimits[0].auto_apply);
    ck_assert_str_eq(k.ratelimits[1].name, "tokens");
    ck_assert(!k.ratelimits[1].auto_apply);
    ck_assert_int_eq(k.roles.len, 1);
    ck_assert_str_eq(k.roles.items[0], "admin");
    ck_assert_int_eq(k.permissions.len, 1);
    ck_assert_str_eq(k.permissions.items[0], "docs.read");
    ck_assert_int_eq(k.n_grants, 2);
    ck_assert(has_grant(&k, "docs.read", NULL));
    ck_assert(has_grant(&k, "docs.write", "admin"));
    ck_assert_int_eq(k.created_at, FX_NOW);
    ck_assert_int_eq(k.updated_at, 0);
    ck_assert_int_eq(k.request_count, 0);
    ck_assert_int_eq(k.last_used_at, 0);
    ck_assert(!k.rate_limited_now);

    /* Only the digest is stored; the audit entry holds neither plaintext nor hash. */
    uint8_t d[KD_DIGEST_LEN];
    char b64[45];
    kd_key_digest(sec.plaintext, d);
    kd_digest_to_base64(d, b64);
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_prepare_v2(s->db,
                                        "SELECT changes FROM audit_log WHERE action = "
                                        "'key.create' AND target = ?1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, sec.key_id, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    const char *changes = (const char *)sqlite3_column_text(st, 0);
    ck_assert_ptr_null(strstr(changes, sec.plaintext));
    ck_assert_ptr_null(strstr(changes, b64));
    ck_assert_ptr_nonnull(strstr(changes, "checkout service"));
    sqlite3_finalize(st);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM sealed_keys"), 1);

    kd_key_free(&k);
    kd_key_free(&spec);
    kd_key_secret_free(&sec);
    kd_store_close(s);
}
END_TEST

START_TEST(create_defaults_from_api)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    fx_api(s, "api_dflt", "dflt", 24);
    struct kd_key spec, k;
    struct kd_key_secret sec;
    kd_key_init(&spec);
    spec.api_id = kd_xstrdup("api_dflt");
    fx_create(s, &spec, &sec);
    ck_assert(strncmp(sec.plaintext, "dflt_", 5) == 0);
    ck_assert_int_eq(kd_engine_key_get(s, sec.key_id, &k, &err), 0);
    ck_assert_str_eq(k.prefix, "dflt");
    ck_assert_int_eq(k.byte_length, 24);
    ck_assert(k.enabled);
    ck_assert(!k.credits.limited);
    ck_assert_int_eq(k.expires, 0);
    kd_key_free(&k);
    kd_key_secret_free(&sec);
    kd_key_free(&spec);

    /* No default prefix: no prefix at all, 16 bytes. */
    kd_key_init(&spec);
    spec.api_id = kd_xstrdup("api_other");
    fx_create(s, &spec, &sec);
    ck_assert_ptr_null(strchr(sec.plaintext, '_'));
    ck_assert_int_eq(kd_engine_key_get(s, sec.key_id, &k, &err), 0);
    ck_assert_ptr_null(k.prefix);
    ck_assert_int_eq(k.byte_length, 16);
    ck_assert_int_eq(strlen(k.start), 4);
    kd_key_free(&k);
    kd_key_secret_free(&sec);
    kd_key_free(&spec);
    kd_store_close(s);
}
END_TEST

START_TEST(invalid_spec_writes_nothing)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    int64_t keys = count_keys(s), audit = count_audit(s), kids = count_children(s);
    struct kd_key spec;
    struct kd_key_secret sec;
    full_spec(&spec);
    spec.byte_length = 8;
    ck_assert_int_eq(kd_engine_key_create(s, &spec, &sec, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_ptr_null(sec.key_id);

    spec.byte_length = 16;
    free(spec.api_id);
    spec.api_id = kd_xstrdup("api_nope");
    ck_assert_int_eq(kd_engine_key_create(s, &spec, &sec, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "api_nope"));

    /* A deleted API takes no new keys. */
    fx_exec(s, "UPDATE apis SET deleted_at = 1 WHERE id = 'api_other'");
    free(spec.api_id);
    spec.api_id = kd_xstrdup("api_other");
    ck_assert_int_eq(kd_engine_key_create(s, &spec, &sec, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);

    ck_assert_int_eq(count_keys(s), keys);
    ck_assert_int_eq(count_audit(s), audit);
    ck_assert_int_eq(count_children(s), kids);
    kd_key_free(&spec);
    kd_store_close(s);
}
END_TEST

START_TEST(missing_role_or_permission_refused)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    int64_t keys = count_keys(s), audit = count_audit(s), kids = count_children(s);
    struct kd_key spec;
    struct kd_key_secret sec;
    full_spec(&spec);
    kd_strlist_push(&spec.roles, "ghost");
    kd_strlist_push(&spec.roles, "phantom");
    ck_assert_int_eq(kd_engine_key_create(s, &spec, &sec, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "ghost"));
    ck_assert_str_eq(err.field, "roles");
    kd_strlist_clear(&spec.roles);
    kd_strlist_push(&spec.permissions, "docs.delete");
    ck_assert_int_eq(kd_engine_key_create(s, &spec, &sec, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "docs.delete"));
    ck_assert_int_eq(count_keys(s), keys);
    ck_assert_int_eq(count_audit(s), audit);
    ck_assert_int_eq(count_children(s), kids);
    kd_key_free(&spec);
    kd_store_close(s);
}
END_TEST

/* ---- listing ---- */

static int64_t sort_int(const struct kd_key *k, enum kd_key_sort sort)
{
    switch (sort) {
    case KD_SORT_EXPIRES:
        return k->expires ? k->expires : INT64_MAX;
    case KD_SORT_CREDITS:
        return k->credits.limited ? k->credits.remaining : INT64_MAX;
    case KD_SORT_LAST_USED:
        return k->last_used_at;
    default:
        return 0;
    }
}

/* <0, 0, >0 as a comes before b in ascending (value, id) order. */
static int cmp_keys(const struct kd_key *a, const struct kd_key *b, enum kd_key_sort sort)
{
    int c = 0;
    if (sort == KD_SORT_NAME) {
        c = strcmp(a->name ? a->name : "", b->name ? b->name : "");
    } else if (sort != KD_SORT_CREATED) {
        int64_t x = sort_int(a, sort), y = sort_int(b, sort);
        c = (x > y) - (x < y);
    }
    return c ? c : strcmp(a->id, b->id);
}

#define N_LIST 250

static void make_many(struct kd_store *s, char ids[N_LIST][64])
{
    for (int i = 0; i < N_LIST; i++) {
        struct kd_key spec;
        struct kd_key_secret sec;
        kd_key_init(&spec);
        if (i % 7 != 0) {
            char name[32];
            snprintf(name, sizeof name, "key %02d", (i * 37) % 50); /* duplicates on purpose */
            spec.name = kd_xstrdup(name);
        }
        if (i % 3 != 0)
            spec.expires = FX_NOW + 1000 * (1 + (i * 13) % 40);
        if (i % 4 != 0) {
            spec.credits.limited = true;
            spec.credits.remaining = 1 + (i * 11) % 30;
        }
        if (i % 5 == 0)
            spec.external_id = kd_xstrdup(i % 10 == 0 ? "owner_a" : "owner_b");
        if (i % 2 == 0)
            kd_clock_advance(1); /* a mix of shared and distinct creation times */
        fx_create(s, &spec, &sec);
        snprintf(ids[i], 64, "%s", sec.key_id);
        if (i % 6 == 0) {
            char sql[256];
            snprintf(sql, sizeof sql, "UPDATE keys SET last_used_at = %lld WHERE id = '%s'",
                     (long long)(FX_NOW + (i * 17) % 90), sec.key_id);
            fx_exec(s, sql);
        }
        kd_key_secret_free(&sec);
        kd_key_free(&spec);
    }
}

START_TEST(list_pages_every_sort)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    static char ids[N_LIST][64];
    make_many(s, ids);
    /* A key in another API and a deleted key stay out of the list. */
    struct kd_key spec;
    struct kd_key_secret sec;
    kd_key_init(&spec);
    spec.api_id = kd_xstrdup("api_other");
    fx_create(s, &spec, &sec);
    kd_key_secret_free(&sec);
    kd_key_free(&spec);
    kd_key_init(&spec);
    fx_create(s, &spec, &sec);
    ck_assert_int_eq(kd_engine_key_delete(s, sec.key_id, false, &err), 0);
    kd_key_secret_free(&sec);
    kd_key_free(&spec);

    for (int sort = KD_SORT_CREATED; sort <= KD_SORT_LAST_USED; sort++) {
        for (int desc = 0; desc < 2; desc++) {
            struct kd_key_query q;
            memset(&q, 0, sizeof q);
            q.api_id = "api_main";
            q.sort = (enum kd_key_sort)sort;
            q.descending = desc;
            q.page.limit = 37;
            q.page.want_total = true;
            struct kd_key *seen = calloc(N_LIST + 10, sizeof *seen);
            size_t n = 0;
            char *cursor = NULL;
            int pages = 0;
            do {
                struct kd_key_page page;
                q.page.cursor = cursor;
                ck_assert_msg(kd_engine_key_list(s, &q, &page, &err) == 0, "%s", err.message);
                ck_assert_int_eq(page.total, N_LIST);
                ck_assert(page.len <= 37);
                for (size_t i = 0; i < page.len; i++) {
                    ck_assert(n < N_LIST);
                    kd_key_copy(&seen[n++], &page.items[i]);
                }
                free(cursor);
                cursor = page.next_cursor ? kd_xstrdup(page.next_cursor) : NULL;
                kd_key_page_free(&page);
                pages++;
            } while (cursor && pages < 100);
            ck_assert_int_eq(n, N_LIST);
            ck_assert_int_eq(pages, (N_LIST + 36) / 37);
            for (size_t i = 1; i < n; i++) {
                int c = cmp_keys(&seen[i - 1], &seen[i], (enum kd_key_sort)sort);
                ck_assert_msg(desc ? c > 0 : c < 0, "sort %d desc %d out of order at %zu",
                              sort, desc, i);
            }
            /* each key exactly once: strictly ordered pairs can't repeat; all present */
            for (int j = 0; j < N_LIST; j++) {
                bool found = false;
                for (size_t i = 0; i < n && !found; i++)
                    found = strcmp(seen[i].id, ids[j]) == 0;
                ck_assert_msg(found, "key %s missing (sort %d desc %d)", ids[j], sort, desc);
            }
            for (size_t i = 0; i < n; i++)
                kd_key_free(&seen[i]);
            free(seen);
        }
    }

    /* A cursor from another sort order is refused. */
    struct kd_key_query q;
    memset(&q, 0, sizeof q);
    q.api_id = "api_main";
    q.page.limit = 10;
    struct kd_key_page page;
    ck_assert_int_eq(kd_engine_key_list(s, &q, &page, &err), 0);
    ck_assert_int_eq(page.total, -1);
    ck_assert_ptr_nonnull(page.next_cursor);
    char *c = kd_xstrdup(page.next_cursor);
    kd_key_page_free(&page);
    q.sort = KD_SORT_NAME;
    q.page.cursor = c;
    ck_assert_int_eq(kd_engine_key_list(s, &q, &page, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    q.page.cursor = "garbage";
    ck_assert_int_eq(kd_engine_key_list(s, &q, &page, &err), -1);
    free(c);
    q.page.cursor = NULL;
    q.api_id = "api_missing";
    ck_assert_int_eq(kd_engine_key_list(s, &q, &page, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    kd_store_close(s);
}
END_TEST

static size_t list_count(struct kd_store *s, const char *filter, const char *external_id)
{
    struct kd_key_query q;
    memset(&q, 0, sizeof q);
    q.api_id = "api_main";
    q.page.filter = filter;
    q.external_id = external_id;
    q.page.want_total = true;
    struct kd_key_page page;
    ck_assert_int_eq(kd_engine_key_list(s, &q, &page, &err), 0);
    size_t n = page.len;
    ck_assert_int_eq(page.total, (int64_t)n);
    kd_key_page_free(&page);
    return n;
}

START_TEST(list_filters)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    const char *names[] = {"alpha-one", "Beta", "gamma", NULL};
    const char *owners[] = {"owner_x", "Alpha_owner", NULL, NULL};
    const char *metas[] = {NULL, NULL, "{\"team\":\"ALPHAteam\"}", "{\"a\":\"100%\"}"};
    for (int i = 0; i < 4; i++) {
        struct kd_key spec;
        struct kd_key_secret sec;
        kd_key_init(&spec);
        spec.name = kd_xstrdup(names[i]);
        spec.external_id = kd_xstrdup(owners[i]);
        spec.meta_json = kd_xstrdup(metas[i]);
        fx_create(s, &spec, &sec);
        kd_key_secret_free(&sec);
        kd_key_free(&spec);
    }
    ck_assert_int_eq(list_count(s, NULL, NULL), 4);
    ck_assert_int_eq(list_count(s, "ALPHA", NULL), 3); /* name, external id, meta */
    ck_assert_int_eq(list_count(s, "beta", NULL), 1);
    ck_assert_int_eq(list_count(s, "%", NULL), 1);     /* literal, not a wildcard */
    ck_assert_int_eq(list_count(s, "_", NULL), 4);     /* every id and start has one */
    ck_assert_int_eq(list_count(s, "zzz", NULL), 0);
    ck_assert_int_eq(list_count(s, "sk_", NULL), 4);   /* the start */
    ck_assert_int_eq(list_count(s, NULL, "owner_x"), 1);
    ck_assert_int_eq(list_count(s, NULL, "owner"), 0); /* exact match only */
    ck_assert_int_eq(list_count(s, "gamma", "owner_x"), 0);
    kd_store_close(s);
}
END_TEST

/* ---- update, delete ---- */

START_TEST(update_only_named_fields)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    struct kd_key_secret sec;
    full_spec(&spec);
    fx_create(s, &spec, &sec);
    kd_clock_advance(5000);

    struct kd_key_update u;
    memset(&u, 0, sizeof u);
    kd_key_init(&u.values);
    u.fields = KD_KF_NAME;
    u.values.name = kd_xstrdup("renamed");
    u.values.external_id = kd_xstrdup("not_applied"); /* not named: ignored */
    u.values.enabled = true;
    ck_assert_msg(kd_engine_key_update(s, sec.key_id, &u, &err) == 0, "%s", err.message);
    struct kd_key k;
    ck_assert_int_eq(kd_engine_key_get(s, sec.key_id, &k, &err), 0);
    ck_assert_str_eq(k.name, "renamed");
    ck_assert_str_eq(k.external_id, "user_42");
    ck_assert(!k.enabled);
    ck_assert_str_eq(k.meta_json, "{\"plan\":\"pro\"}");
    ck_assert_int_eq(k.credits.remaining, 100);
    ck_assert_int_eq(k.n_ratelimits, 2);
    ck_assert_int_eq(k.roles.len, 1);
    ck_assert_int_eq(k.updated_at, FX_NOW + 5000);
    kd_key_free(&k);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM audit_log WHERE action = 'key.update' "
                               "AND changes = '{\"name\":\"renamed\"}'"),
                     1);

    /* Rate limits: "requests" survives with its window, "tokens" goes, "burst" comes. */
    fx_exec(s, "UPDATE ratelimits SET window_start = 1, current = 7, previous = 3 "
               "WHERE name = 'requests'");
    kd_key_free(&u.values);
    kd_key_init(&u.values);
    u.fields = KD_KF_RATELIMITS | KD_KF_ROLES | KD_KF_PERMISSIONS | KD_KF_CREDITS |
               KD_KF_ENABLED;
    kd_key_add_ratelimit(&u.values, "requests", 20, 60000, true);
    kd_key_add_ratelimit(&u.values, "burst", 5, 1000, false);
    kd_strlist_push(&u.values.roles, "viewer");
    u.values.enabled = true;
    u.values.credits.limited = true;
    u.values.credits.remaining = 9;
    ck_assert_msg(kd_engine_key_update(s, sec.key_id, &u, &err) == 0, "%s", err.message);
    ck_assert_int_eq(kd_engine_key_get(s, sec.key_id, &k, &err), 0);
    ck_assert_str_eq(k.name, "renamed");
    ck_assert(k.enabled);
    ck_assert_int_eq(k.n_ratelimits, 2);
    ck_assert_str_eq(k.ratelimits[0].name, "burst");
    ck_assert_str_eq(k.ratelimits[1].name, "requests");
    ck_assert_int_eq(k.ratelimits[1].limit, 20);
    ck_assert_int_eq(k.roles.len, 1);
    ck_assert_str_eq(k.roles.items[0], "viewer");
    ck_assert_int_eq(k.permissions.len, 0);
    ck_assert_int_eq(k.credits.remaining, 9);
    ck_assert_int_eq(k.credits.refill.interval, KD_REFILL_NONE);
    kd_key_free(&k);
    ck_assert_int_eq(fx_int(s, "SELECT current FROM ratelimits WHERE name = 'requests'"), 7);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM ratelimits WHERE name = 'tokens'"), 0);

    /* A missing role changes nothing at all. */
    int64_t audit = count_audit(s);
    kd_key_free(&u.values);
    kd_key_init(&u.values);
    u.fields = KD_KF_NAME | KD_KF_ROLES;
    u.values.name = kd_xstrdup("should not stick");
    kd_strlist_push(&u.values.roles, "ghost");
    ck_assert_int_eq(kd_engine_key_update(s, sec.key_id, &u, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_int_eq(count_audit(s), audit);
    ck_assert_int_eq(kd_engine_key_get(s, sec.key_id, &k, &err), 0);
    ck_assert_str_eq(k.name, "renamed");
    kd_key_free(&k);
    ck_assert_int_eq(kd_engine_key_update(s, "key_nope", &u, &err), -1);

    kd_key_free(&u.values);
    kd_key_free(&spec);
    kd_key_secret_free(&sec);
    kd_store_close(s);
}
END_TEST

START_TEST(delete_soft_and_permanent)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    struct kd_key_secret a, b;
    full_spec(&spec);
    fx_create(s, &spec, &a);
    fx_create(s, &spec, &b);
    struct kd_key k;
    ck_assert_int_eq(kd_engine_key_delete(s, a.key_id, false, &err), 0);
    ck_assert_int_eq(kd_engine_key_get(s, a.key_id, &k, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_int_eq(kd_engine_key_delete(s, a.key_id, false, &err), -1);
    ck_assert_int_eq(count_keys(s), 2);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM keys WHERE deleted_at IS NOT NULL"), 1);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM audit_log WHERE action = 'key.delete' "
                               "AND changes = '{\"permanent\":false}'"),
                     1);
    int64_t rl = fx_int(s, "SELECT count(*) FROM ratelimits");
    ck_assert_int_eq(kd_engine_key_delete(s, b.key_id, true, &err), 0);
    ck_assert_int_eq(count_keys(s), 1);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM ratelimits"), rl - 2);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM sealed_keys"), 1);
    /* A soft-deleted key can be removed for good. */
    ck_assert_int_eq(kd_engine_key_delete(s, a.key_id, true, &err), 0);
    ck_assert_int_eq(count_keys(s), 0);
    ck_assert_int_eq(count_children(s), 0);
    kd_key_free(&spec);
    kd_key_secret_free(&a);
    kd_key_secret_free(&b);
    kd_store_close(s);
}
END_TEST

/* ---- reroll ---- */

START_TEST(reroll_copies_settings)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    struct kd_key_secret old, neu;
    full_spec(&spec);
    fx_create(s, &spec, &old);
    kd_clock_advance(1000);
    ck_assert_msg(kd_engine_key_reroll(s, old.key_id, 0, &neu, &err) == 0, "%s", err.message);
    ck_assert_str_ne(neu.key_id, old.key_id);
    ck_assert_str_ne(neu.plaintext, old.plaintext);
    ck_assert(strncmp(neu.plaintext, "pk_", 3) == 0);
    struct kd_key k;
    ck_assert_int_eq(kd_engine_key_get(s, old.key_id, &k, &err), -1); /* grace 0: gone */
    ck_assert_int_eq(kd_engine_key_get(s, neu.key_id, &k, &err), 0);
    ck_assert_str_eq(k.api_id, "api_main");
    ck_assert_str_eq(k.name, "checkout service");
    ck_assert_str_eq(k.prefix, "pk");
    ck_assert_int_eq(k.byte_length, 32);
    ck_assert_str_eq(k.external_id, "user_42");
    ck_assert_str_eq(k.meta_json, "{\"plan\":\"pro\"}");
    ck_assert_str_eq(k.environment, "live");
    ck_assert(!k.enabled);
    ck_assert(k.recoverable);
    ck_assert_int_eq(k.expires, FX_NOW + 86400000);
    ck_assert_int_eq(k.credits.remaining, 100);
    ck_assert_int_eq(k.credits.refill.interval, KD_REFILL_MONTHLY);
    ck_assert_int_eq(k.credits.refill.refill_day, 31);
    ck_assert_int_eq(k.n_ratelimits, 2);
    ck_assert_int_eq(k.roles.len, 1);
    ck_assert_int_eq(k.permissions.len, 1);
    kd_key_free(&k);
    struct kd_key_secret rev;
    ck_assert_int_eq(kd_engine_key_reveal(s, neu.key_id, &rev, &err), 0);
    ck_assert_str_eq(rev.plaintext, neu.plaintext);
    kd_key_secret_free(&rev);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM audit_log WHERE action = 'key.reroll'"), 1);

    /* Grace: the old key lives on until now + grace ... */
    struct kd_key_secret third, fourth;
    int64_t now = kd_now_ms();
    ck_assert_int_eq(kd_engine_key_reroll(s, neu.key_id, 60000, &third, &err), 0);
    ck_assert_int_eq(kd_engine_key_get(s, neu.key_id, &k, &err), 0);
    ck_assert_int_eq(k.expires, now + 60000);
    kd_key_free(&k);
    /* ... unless it already expires sooner. */
    ck_assert_int_eq(kd_engine_key_reroll(s, neu.key_id, 3600000, &fourth, &err), 0);
    ck_assert_int_eq(kd_engine_key_get(s, neu.key_id, &k, &err), 0);
    ck_assert_int_eq(k.expires, now + 60000);
    kd_key_free(&k);
    kd_key_secret_free(&fourth);
    ck_assert_int_eq(kd_engine_key_reroll(s, "key_nope", 0, &fourth, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);

    kd_key_secret_free(&third);
    kd_key_secret_free(&old);
    kd_key_secret_free(&neu);
    kd_key_free(&spec);
    kd_store_close(s);
}
END_TEST

/* ---- reveal ---- */

START_TEST(reveal_round_trip_and_refusals)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    struct kd_key_secret rec, plain, out, other;
    full_spec(&spec);
    fx_create(s, &spec, &rec);
    fx_create(s, &spec, &other);
    spec.recoverable = false;
    fx_create(s, &spec, &plain);

    int64_t audit = count_audit(s);
    ck_assert_int_eq(kd_engine_key_reveal(s, rec.key_id, &out, &err), 0);
    ck_assert_str_eq(out.key_id, rec.key_id);
    ck_assert_str_eq(out.plaintext, rec.plaintext);
    ck_assert_int_eq(count_audit(s), audit + 1);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM audit_log WHERE action = 'key.reveal'"), 1);
    kd_key_secret_free(&out);

    ck_assert_int_eq(kd_engine_key_reveal(s, plain.key_id, &out, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(err.message, "is not recoverable"));
    ck_assert_ptr_nonnull(strstr(err.message, plain.key_id));

    /* A flipped ciphertext byte is refused. */
    fx_exec(s, "UPDATE sealed_keys SET ciphertext = CAST(substr(ciphertext, 1, 2) || "
               "CASE WHEN substr(ciphertext, 3, 1) = x'41' THEN x'42' ELSE x'41' END || "
               "substr(ciphertext, 4) AS BLOB) "
               "WHERE key_rid = (SELECT min(key_rid) FROM sealed_keys)");
    fx_exec(s, "UPDATE sealed_keys SET nonce = CAST(substr(nonce, 1, 5) || "
               "CASE WHEN substr(nonce, 6, 1) = x'41' THEN x'42' ELSE x'41' END || "
               "substr(nonce, 7) AS BLOB) "
               "WHERE key_rid = (SELECT max(key_rid) FROM sealed_keys)");
    ck_assert_int_eq(fx_int(s, "SELECT min(length(nonce)) FROM sealed_keys"), 24);
    ck_assert_int_eq(kd_engine_key_reveal(s, rec.key_id, &out, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_CORRUPT);
    ck_assert_ptr_null(out.plaintext);
    ck_assert_int_eq(kd_engine_key_reveal(s, other.key_id, &out, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_CORRUPT);
    ck_assert_int_eq(count_audit(s), audit + 1);

    kd_key_secret_free(&rec);
    kd_key_secret_free(&plain);
    kd_key_secret_free(&other);
    kd_key_free(&spec);
    kd_store_close(s);
}
END_TEST

START_TEST(reveal_ciphertext_moved_to_other_key)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    struct kd_key_secret a, b, out;
    full_spec(&spec);
    fx_create(s, &spec, &a);
    fx_create(s, &spec, &b);
    /* Swap the sealed rows: the key id is the AAD, so both must be refused. */
    fx_exec(s, "CREATE TEMP TABLE sk AS SELECT * FROM sealed_keys");
    fx_exec(s, "UPDATE sealed_keys SET "
               "nonce = (SELECT nonce FROM sk WHERE sk.key_rid <> sealed_keys.key_rid), "
               "ciphertext = (SELECT ciphertext FROM sk WHERE sk.key_rid <> sealed_keys.key_rid)");
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM sealed_keys s JOIN sk "
                               "ON sk.key_rid = s.key_rid AND sk.ciphertext = s.ciphertext"),
                     0);
    ck_assert_int_eq(kd_engine_key_reveal(s, a.key_id, &out, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_CORRUPT);
    kd_key_secret_free(&a);
    kd_key_secret_free(&b);
    kd_key_free(&spec);
    kd_store_close(s);
}
END_TEST

/* ---- credits ---- */

/* Setting credits while a refill is due: the refill is used up first, so the
 * value set is what every read then shows (not the refill amount). */
START_TEST(credits_set_while_refill_due)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    kd_key_init(&spec);
    spec.credits.limited = true;
    spec.credits.remaining = 5;
    spec.credits.refill.interval = KD_REFILL_DAILY;
    spec.credits.refill.amount = 100;
    struct kd_key_secret sec;
    fx_create(s, &spec, &sec);
    kd_clock_advance(2 * 86400000LL); /* two refills are now due */
    struct kd_credits c;
    ck_assert_int_eq(kd_engine_key_credits(s, sec.key_id, KD_ENGINE_CREDITS_SET, false, 42, &c,
                                           &err),
                     0);
    ck_assert_int_eq(c.remaining, 42);
    struct kd_key k;
    ck_assert_int_eq(kd_engine_key_get(s, sec.key_id, &k, &err), 0);
    ck_assert_int_eq(k.credits.remaining, 42);
    kd_key_free(&k);
    ck_assert_int_eq(kd_engine_key_credits(s, sec.key_id, KD_ENGINE_CREDITS_DECREMENT, false, 2,
                                           &c, &err),
                     0);
    ck_assert_int_eq(c.remaining, 40);
    kd_key_secret_free(&sec);
    kd_key_free(&spec);
    kd_store_close(s);
}
END_TEST

START_TEST(credits_operations)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    struct kd_key_secret sec;
    kd_key_init(&spec);
    fx_create(s, &spec, &sec);
    struct kd_credits c;
    ck_assert_int_eq(kd_engine_key_credits(s, sec.key_id, KD_ENGINE_CREDITS_INCREMENT, false, 5,
                                           &c, &err),
                     -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_int_eq(kd_engine_key_credits(s, sec.key_id, KD_ENGINE_CREDITS_DECREMENT, false, 5,
                                           &c, &err),
                     -1);
    ck_assert_int_eq(kd_engine_key_credits(s, sec.key_id, KD_ENGINE_CREDITS_SET, false, 10, &c,
                                           &err),
                     0);
    ck_assert(c.limited);
    ck_assert_int_eq(c.remaining, 10);
    ck_assert_int_eq(kd_engine_key_credits(s, sec.key_id, KD_ENGINE_CREDITS_INCREMENT, false, 5,
                                           &c, &err),
                     0);
    ck_assert_int_eq(c.remaining, 15);
    ck_assert_int_eq(kd_engine_key_credits(s, sec.key_id, KD_ENGINE_CREDITS_DECREMENT, false, 4,
                                           &c, &err),
                     0);
    ck_assert_int_eq(c.remaining, 11);
    ck_assert_int_eq(kd_engine_key_credits(s, sec.key_id, KD_ENGINE_CREDITS_DECREMENT, false, 20,
                                           &c, &err),
                     0);
    ck_assert_int_eq(c.remaining, 0);
    ck_assert_int_eq(kd_engine_key_credits(s, sec.key_id, KD_ENGINE_CREDITS_SET, false, -1, &c,
                                           &err),
                     -1);
    struct kd_key k;
    ck_assert_int_eq(kd_engine_key_get(s, sec.key_id, &k, &err), 0);
    ck_assert(k.credits.limited);
    ck_assert_int_eq(k.credits.remaining, 0);
    kd_key_free(&k);

    /* Unlimited clears the refill too. */
    fx_exec(s, "UPDATE keys SET refill_interval = 1, refill_amount = 50");
    ck_assert_int_eq(kd_engine_key_credits(s, sec.key_id, KD_ENGINE_CREDITS_SET, true, 0, &c,
                                           &err),
                     0);
    ck_assert(!c.limited);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM key_credits"), 0);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM keys WHERE "
                               "refill_interval = 0 AND refill_amount IS NULL"),
                     1);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM audit_log WHERE action = 'key.credits'"), 5);
    kd_key_secret_free(&sec);
    kd_key_free(&spec);
    kd_store_close(s);
}
END_TEST

/* ---- roles / permissions sets ---- */

START_TEST(set_roles_and_permissions)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    struct kd_key spec;
    struct kd_key_secret sec;
    kd_key_init(&spec);
    fx_create(s, &spec, &sec);
    struct kd_strlist l = KD_STRLIST_INIT;
    kd_strlist_push(&l, "admin");
    kd_strlist_push(&l, "viewer");
    ck_assert_int_eq(kd_engine_key_set_roles(s, sec.key_id, KD_ENGINE_SET_ADD, &l, &err), 0);
    ck_assert_int_eq(kd_engine_key_set_roles(s, sec.key_id, KD_ENGINE_SET_ADD, &l, &err), 0);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM key_roles"), 2);
    kd_strlist_clear(&l);
    kd_strlist_push(&l, "admin");
    ck_assert_int_eq(kd_engine_key_set_roles(s, sec.key_id, KD_ENGINE_SET_REMOVE, &l, &err), 0);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM key_roles WHERE role_id = 'role_viewer'"),
                     1);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM key_roles"), 1);
    ck_assert_int_eq(kd_engine_key_set_roles(s, sec.key_id, KD_ENGINE_SET_REPLACE, &l, &err), 0);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM key_roles WHERE role_id = 'role_admin'"),
                     1);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM key_roles"), 1);
    kd_strlist_push(&l, "ghost");
    int64_t audit = count_audit(s);
    ck_assert_int_eq(kd_engine_key_set_roles(s, sec.key_id, KD_ENGINE_SET_REPLACE, &l, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "ghost"));
    ck_assert_int_eq(count_audit(s), audit);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM key_roles"), 1);
    kd_strlist_clear(&l);

    kd_strlist_push(&l, "docs.read");
    kd_strlist_push(&l, "billing.read");
    ck_assert_int_eq(kd_engine_key_set_permissions(s, sec.key_id, KD_ENGINE_SET_REPLACE, &l,
                                                   &err),
                     0);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM key_permissions"), 2);
    kd_strlist_clear(&l);
    kd_strlist_push(&l, "billing.read");
    ck_assert_int_eq(kd_engine_key_set_permissions(s, sec.key_id, KD_ENGINE_SET_REMOVE, &l,
                                                   &err),
                     0);
    struct kd_key k;
    ck_assert_int_eq(kd_engine_key_get(s, sec.key_id, &k, &err), 0);
    ck_assert_int_eq(k.permissions.len, 1);
    ck_assert_str_eq(k.permissions.items[0], "docs.read");
    ck_assert(has_grant(&k, "docs.write", "admin"));
    ck_assert(has_grant(&k, "docs.read", NULL));
    kd_key_free(&k);
    kd_strlist_clear(&l);
    kd_strlist_push(&l, "nope.perm");
    ck_assert_int_eq(kd_engine_key_set_permissions(s, sec.key_id, KD_ENGINE_SET_ADD, &l, &err),
                     -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    kd_strlist_clear(&l);
    kd_key_secret_free(&sec);
    kd_key_free(&spec);
    kd_store_close(s);
}
END_TEST

/* ---- import ---- */

START_TEST(import_unkey_digest_then_verify)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    const char *plaintext = "sk_3ZbVc8Qk2hTnW5xYr7Lm";
    uint8_t raw[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(raw, (const unsigned char *)plaintext, strlen(plaintext));
    char b64[64];
    sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
    ck_assert_int_eq(strlen(b64), 44); /* Unkey's stored form */
    uint8_t digest[KD_DIGEST_LEN];
    ck_assert_int_eq(kd_digest_decode(b64, digest, &err), 0);

    struct kd_key spec;
    kd_key_init(&spec);
    spec.api_id = kd_xstrdup("api_main");
    spec.name = kd_xstrdup("imported");
    spec.start = kd_xstrdup("sk_3ZbV");
    spec.credits.limited = true;
    spec.credits.remaining = 2;
    char *id = NULL;
    ck_assert_msg(kd_engine_key_import(s, &spec, digest, &id, &err) == 0, "%s", err.message);
    ck_assert(strncmp(id, "key_", 4) == 0);

    struct kd_verify_request req;
    memset(&req, 0, sizeof req);
    req.key = plaintext;
    req.credit_cost = KD_COST_DEFAULT;
    struct kd_verify_result r;
    ck_assert_int_eq(kd_engine_verify(s, &req, &r, &err), 0);
    ck_assert(r.valid);
    ck_assert_int_eq(r.code, KD_VERIFY_VALID);
    ck_assert_str_eq(r.key.id, id);
    ck_assert_int_eq(r.key.credits.remaining, 1);
    kd_verify_result_free(&r);

    struct kd_key k;
    ck_assert_int_eq(kd_engine_key_get(s, id, &k, &err), 0);
    ck_assert_str_eq(k.start, "sk_3ZbV");
    kd_key_free(&k);

    /* The same digest twice is a conflict; recoverable imports are refused. */
    char *id2 = NULL;
    ck_assert_int_eq(kd_engine_key_import(s, &spec, digest, &id2, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_CONFLICT);
    ck_assert_ptr_null(id2);
    spec.recoverable = true;
    digest[0] ^= 1;
    ck_assert_int_eq(kd_engine_key_import(s, &spec, digest, &id2, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.field, "recoverable");
    ck_assert_int_eq(count_keys(s), 1);

    /* Unknown start becomes "". */
    spec.recoverable = false;
    free(spec.start);
    spec.start = NULL;
    ck_assert_int_eq(kd_engine_key_import(s, &spec, digest, &id2, &err), 0);
    ck_assert_int_eq(kd_engine_key_get(s, id2, &k, &err), 0);
    ck_assert_str_eq(k.start, "");
    kd_key_free(&k);
    free(id2);
    free(id);
    kd_key_free(&spec);
    kd_store_close(s);
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, create_every_field_then_get);
    tcase_add_test(tc, create_defaults_from_api);
    tcase_add_test(tc, invalid_spec_writes_nothing);
    tcase_add_test(tc, missing_role_or_permission_refused);
    tcase_add_test(tc, list_pages_every_sort);
    tcase_add_test(tc, list_filters);
    tcase_add_test(tc, update_only_named_fields);
    tcase_add_test(tc, delete_soft_and_permanent);
    tcase_add_test(tc, reroll_copies_settings);
    tcase_add_test(tc, reveal_round_trip_and_refusals);
    tcase_add_test(tc, reveal_ciphertext_moved_to_other_key);
    tcase_add_test(tc, credits_operations);
    tcase_add_test(tc, set_roles_and_permissions);
    tcase_add_test(tc, import_unkey_digest_then_verify);
    tcase_add_test(tc, create_many_in_batches);
    tcase_add_test(tc, filtered_pages_and_totals);
    tcase_add_test(tc, credits_set_while_refill_due);
    tcase_add_test(tc, live_key_counts_follow_every_change);
}

KD_TEST_MAIN(add_cases)
