/*
 * demo.c — `keydeck demo`: seed a realistic keystore through the backend.
 *
 * Four APIs, permissions, roles, N keys in every state (active, disabled,
 * expired, exhausted, rate-limited; daily, monthly and interval refills;
 * recoverable; owners with several keys) and a day of verification history.
 * The clock is pinned to moments in the past so creation times, last-used times
 * and statistics look lived-in.  A fixed PRNG seed gives the same shapes for the
 * same N (ids and keys are random).  Plaintexts live only in memory while
 * seeding and are wiped.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/output.h"
#include "util/clock.h"
#include "util/xalloc.h"

#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)
#define DEMO_KEYS_DEFAULT 300
#define DEMO_KEYS_MAX 100000

/* ---- a small deterministic PRNG (xorshift64*) ---- */

struct demo_rng {
    uint64_t s;
};

static uint64_t rng_next(struct demo_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [0, n). */
static uint64_t rng_below(struct demo_rng *r, uint64_t n)
{
    return n ? rng_next(r) % n : 0;
}

static int64_t rng_range(struct demo_rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)rng_below(r, (uint64_t)(hi - lo + 1));
}

/* ---- the fixtures ---- */

struct demo_api {
    const char *name, *prefix, *env;
    int byte_length;
    int weight; /* share of the keys, out of 100 */
    char *id;
};

static struct demo_api demo_apis[] = {
    {"payments-prod", "sk_live", "live", 24, 40, NULL},
    {"payments-staging", "sk_test", "test", 16, 20, NULL},
    {"search", "srch", "live", 16, 25, NULL},
    {"internal-tools", "int", "internal", 32, 15, NULL},
};
#define N_APIS (sizeof demo_apis / sizeof demo_apis[0])

static const struct {
    const char *slug, *description;
} demo_perms[] = {
    {"payments:read", "Read charges and balances"},
    {"payments:write", "Create charges"},
    {"refunds:create", "Issue refunds"},
    {"search:query", "Run search queries"},
    {"search:index", "Add and remove documents"},
    {"billing:read", "Read invoices"},
    {"tools:deploy", "Trigger deployments"},
    {"tools:read", "Read internal dashboards"},
    {"support:impersonate", "Act as a customer in support sessions"},
    {"admin:*", "Everything, in every area"},
};

static const struct {
    const char *name, *description, *perms;
} demo_roles[] = {
    {"admin", "Full access", "admin:*,payments:read,payments:write,refunds:create"},
    {"reader", "Read-only access", "payments:read,search:query,tools:read,billing:read"},
    {"billing", "Finance team", "billing:read,payments:read,refunds:create"},
    {"support", "Customer support", "payments:read,search:query,support:impersonate"},
};

static const char *const services[] = {
    "checkout",   "mobile-ios", "mobile-android", "partner-portal", "webhooks",
    "reporting",  "ci-deploy",  "data-export",    "storefront",     "crm-sync",
    "ledger",     "fraud-scan", "catalog-sync",   "ops-bot",        "analytics",
};

static const char *const plans[] = {"free", "starter", "pro", "enterprise"};
static const char *const regions[] = {"eu-west-1", "us-east-1", "ap-southeast-2"};

static const char *const queries[] = {
    "payments:read",
    "payments:write",
    "refunds:create OR admin:*",
    "search:query",
    "billing:read AND payments:read",
    "tools:deploy",
};

/* What each key is made to be; the cycle guarantees every state from 10 keys up. */
enum demo_kind {
    DK_ACTIVE,
    DK_DAILY,
    DK_MONTHLY,
    DK_EVERY,
    DK_DISABLED,
    DK_EXPIRED,
    DK_EXHAUSTED,
    DK_RATE_LIMITED,
    DK_RECOVERABLE,
    DK_EXPIRING,
    DK_KIND_COUNT
};

struct demo_key {
    char *id;
    char *plaintext; /* wiped at the end */
    enum demo_kind kind;
    size_t api;
    int64_t created;
};

struct demo_tally {
    int64_t verifications;
    int64_t by_code[KD_VERIFY_CODE_COUNT];
};

/* Pin the clock to t: every "now" in the engine comes from it. */
static void at(int64_t t)
{
    kd_clock_pin(t);
}

static int create_fixtures(struct kd_backend *b, struct kd_error *err)
{
    for (size_t i = 0; i < sizeof demo_perms / sizeof demo_perms[0]; i++) {
        struct kd_permission spec = {.slug = (char *)demo_perms[i].slug,
                                     .description = (char *)demo_perms[i].description};
        struct kd_permission out = {0};
        if (kd_backend_permission_create(b, &spec, &out, err) < 0) {
            if (err->code != KD_ERR_CONFLICT) /* --force on a seeded keystore */
                return -1;
        }
        kd_permission_free(&out);
    }
    for (size_t i = 0; i < sizeof demo_roles / sizeof demo_roles[0]; i++) {
        struct kd_role spec = {.name = (char *)demo_roles[i].name,
                               .description = (char *)demo_roles[i].description};
        kd_strlist_split(&spec.permissions, demo_roles[i].perms);
        struct kd_role out = {0};
        int rc = kd_backend_role_create(b, &spec, &out, err);
        kd_strlist_clear(&spec.permissions);
        kd_role_free(&out);
        if (rc < 0 && err->code != KD_ERR_CONFLICT)
            return -1;
    }
    for (size_t i = 0; i < N_APIS; i++) {
        struct kd_api spec = {.name = (char *)demo_apis[i].name,
                              .default_prefix = (char *)demo_apis[i].prefix,
                              .default_byte_length = demo_apis[i].byte_length};
        struct kd_api out = {0};
        if (kd_backend_api_create(b, &spec, &out, err) < 0)
            return -1;
        free(demo_apis[i].id);
        demo_apis[i].id = out.id;
        out.id = NULL;
        kd_api_free(&out);
    }
    kd_error_clear(err);
    return 0;
}

static size_t pick_api(struct demo_rng *r)
{
    int roll = (int)rng_below(r, 100);
    for (size_t i = 0; i < N_APIS; i++) {
        if (roll < demo_apis[i].weight)
            return i;
        roll -= demo_apis[i].weight;
    }
    return 0;
}

/* Fill a key spec for key number i; the clock is pinned at its creation. */
static void key_spec(struct demo_rng *r, size_t i, size_t n_owners, enum demo_kind kind,
                     size_t api, int64_t created, int64_t base, struct kd_key *k)
{
    const struct demo_api *a = &demo_apis[api];
    k->api_id = kd_xstrdup(a->id);
    k->name = kd_xasprintf("%s-%zu", services[rng_below(r, sizeof services / sizeof services[0])],
                           i + 1);
    k->environment = kd_xstrdup(a->env);
    /* Owners: a pool a quarter the size of the keys, so most own several. */
    if (rng_below(r, 10) < 8)
        k->external_id = kd_xasprintf("%s_%03llu", rng_below(r, 3) ? "user" : "org",
                                      (unsigned long long)rng_below(r, n_owners));
    if (rng_below(r, 10) < 7)
        k->meta_json = kd_xasprintf("{\"plan\":\"%s\",\"region\":\"%s\",\"seats\":%llu}",
                                    plans[rng_below(r, 4)], regions[rng_below(r, 3)],
                                    (unsigned long long)rng_range(r, 1, 250));
    /* Roles and direct permissions that fit the API. */
    if (rng_below(r, 3) == 0)
        kd_strlist_push(&k->roles, demo_roles[rng_below(r, 4)].name);
    if (rng_below(r, 4) == 0)
        kd_strlist_add_unique(&k->roles, "reader");
    static const char *const direct[N_APIS][2] = {{"payments:read", "refunds:create"},
                                                  {"payments:write", "payments:read"},
                                                  {"search:query", "search:index"},
                                                  {"tools:read", "tools:deploy"}};
    int nd = (int)rng_below(r, 3);
    for (int d = 0; d < nd; d++)
        kd_strlist_add_unique(&k->permissions, direct[api][d]);
    /* A generous auto-apply limit on many keys and a named manual one on some. */
    if (rng_below(r, 3) == 0)
        kd_key_add_ratelimit(k, "requests", 1000, 60 * 1000, true);
    if (rng_below(r, 4) == 0)
        kd_key_add_ratelimit(k, "expensive", 10, HOUR_MS, false);

    switch (kind) {
    case DK_ACTIVE:
        break;
    case DK_DAILY:
        k->credits.limited = true;
        k->credits.refill.interval = KD_REFILL_DAILY;
        k->credits.refill.amount = rng_range(r, 50, 500);
        k->credits.remaining = k->credits.refill.amount;
        break;
    case DK_MONTHLY: {
        static const int days[] = {1, 15, 28, 31};
        k->credits.limited = true;
        k->credits.refill.interval = KD_REFILL_MONTHLY;
        k->credits.refill.refill_day = days[i / DK_KIND_COUNT % 4];
        k->credits.refill.amount = rng_range(r, 1000, 10000);
        k->credits.remaining = rng_range(r, 100, k->credits.refill.amount);
        break;
    }
    case DK_EVERY:
        k->credits.limited = true;
        k->credits.refill.interval = KD_REFILL_EVERY;
        k->credits.refill.every_ms = HOUR_MS;
        k->credits.refill.amount = rng_range(r, 20, 100);
        k->credits.remaining = k->credits.refill.amount;
        break;
    case DK_DISABLED:
        k->enabled = false;
        break;
    case DK_EXPIRED:
        /* Created in the past, expired before now. */
        k->expires = rng_range(r, created + HOUR_MS, base - HOUR_MS);
        break;
    case DK_EXHAUSTED:
        k->credits.limited = true;
        k->credits.remaining = rng_range(r, 1, 3);
        break;
    case DK_RATE_LIMITED:
        /* A day-long window filled a second before now stays full for the rest
         * of the day, so the key still reads as rate-limited when listed. */
        kd_key_add_ratelimit(k, "daily-cap", 5, DAY_MS, true);
        break;
    case DK_RECOVERABLE:
        k->recoverable = true;
        break;
    case DK_EXPIRING:
        k->expires = base + rng_range(r, HOUR_MS, 14 * DAY_MS);
        break;
    case DK_KIND_COUNT:
        break;
    }
}

static int verify_one(struct kd_backend *b, const char *key, const char *query,
                      struct demo_tally *tally, struct kd_error *err)
{
    struct kd_verify_request req = {.key = key, .permissions = query,
                                    .credit_cost = KD_COST_DEFAULT};
    struct kd_verify_result res;
    memset(&res, 0, sizeof res);
    if (kd_backend_verify(b, &req, &res, err) < 0)
        return -1;
    tally->verifications++;
    if ((int)res.code >= 0 && res.code < KD_VERIFY_CODE_COUNT)
        tally->by_code[res.code]++;
    kd_verify_result_free(&res);
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* A day of traffic: busy keys get most of it, some calls ask for permissions the
 * key lacks, a few use keys that do not exist. */
static int seed_history(struct kd_backend *b, struct demo_rng *r, struct demo_key *keys,
                        size_t n, int64_t base, struct demo_tally *tally, struct kd_error *err)
{
    size_t count = n * 12 > 4000 ? 4000 : n * 12;
    int64_t *times = kd_xcalloc(count, sizeof *times);
    for (size_t i = 0; i < count; i++)
        times[i] = rng_range(r, base - DAY_MS, base - 5 * 60 * 1000);
    qsort(times, count, sizeof *times, cmp_i64);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        at(times[i]);
        if (rng_below(r, 100) < 3) {
            char fake[64];
            snprintf(fake, sizeof fake, "sk_live_%016llx%08llx",
                     (unsigned long long)rng_next(r), (unsigned long long)rng_below(r, 1u << 30));
            rc = verify_one(b, fake, NULL, tally, err);
            continue;
        }
        /* Skewed toward the first keys: a few are busy, most are quiet. */
        uint64_t u = rng_below(r, n);
        size_t idx = (size_t)(u * u / n);
        const char *query = rng_below(r, 5) == 0
                                ? queries[rng_below(r, sizeof queries / sizeof queries[0])]
                                : NULL;
        if (keys[idx].created < times[i])
            rc = verify_one(b, keys[idx].plaintext, query, tally, err);
    }
    free(times);
    return rc;
}

/* Push the made-to-be-limited keys over their edge just before now. */
static int seed_edges(struct kd_backend *b, struct demo_key *keys, size_t n, int64_t base,
                      struct demo_tally *tally, struct kd_error *err)
{
    at(base - 1000);
    for (size_t i = 0; i < n; i++) {
        int times = keys[i].kind == DK_RATE_LIMITED ? 7 : keys[i].kind == DK_EXHAUSTED ? 4 : 0;
        for (int t = 0; t < times; t++)
            if (verify_one(b, keys[i].plaintext, NULL, tally, err) < 0)
                return -1;
    }
    return 0;
}

static int demo_seed(struct kd_cli *c, size_t n, struct demo_tally *tally, struct kd_error *err)
{
    struct kd_backend *b = c->backend;
    struct demo_rng rng = {0x6B657964656B2121ULL}; /* "keydeck!!" */
    int64_t base = kd_now_ms();
    size_t n_owners = n / 4 + 1;
    struct demo_key *keys = kd_xcalloc(n, sizeof *keys);
    size_t made = 0;

    at(base - 120 * DAY_MS);
    int rc = create_fixtures(b, err);
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct demo_key *dk = &keys[i];
        dk->kind = (enum demo_kind)(i % DK_KIND_COUNT);
        dk->api = pick_api(&rng);
        /* Created 2 to 90 days ago, at any time of day. */
        dk->created = base - rng_range(&rng, 2 * DAY_MS, 90 * DAY_MS);
        at(dk->created);
        struct kd_key spec;
        kd_key_init(&spec);
        key_spec(&rng, i, n_owners, dk->kind, dk->api, dk->created, base, &spec);
        struct kd_key_secret s = {0};
        rc = kd_backend_key_create(b, &spec, &s, err);
        kd_key_free(&spec);
        if (rc == 0) {
            dk->id = s.key_id;
            dk->plaintext = s.plaintext; /* moved: wiped below */
            made++;
        }
    }
    if (rc == 0)
        rc = seed_history(b, &rng, keys, made, base, tally, err);
    if (rc == 0)
        rc = seed_edges(b, keys, made, base, tally, err);

    for (size_t i = 0; i < n; i++) {
        free(keys[i].id);
        kd_secret_free(keys[i].plaintext);
    }
    free(keys);
    return rc;
}

static int demo_run(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "demo", argc, argv);
    int64_t n = DEMO_KEYS_DEFAULT;
    bool force = false;
    int rc = 0;
    const char *o;
    while (rc == 0 && (o = kd_argp_next(&p))) {
        if (strcmp(o, "--keys") == 0) {
            const char *v;
            rc = kd_argp_value(&p, &v, &err);
            if (rc == 0)
                rc = kd_parse_int("--keys", v, 1, DEMO_KEYS_MAX, &n, &err);
        } else if (strcmp(o, "--force") == 0) {
            rc = kd_argp_flag(&p, &err);
            force = true;
        } else {
            rc = kd_argp_other(&p, &err);
        }
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    kd_argp_free(&p);
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    if (rc == 0 && !force) {
        struct kd_list_query q = {.limit = 1};
        struct kd_api_page page = {0};
        rc = kd_backend_api_list(c->backend, &q, &page, &err);
        if (rc == 0 && page.len > 0)
            rc = kd_error_set(&err, KD_ERR_CONFLICT, NULL,
                              "the keystore at %s already has APIs: demo seeds only an empty "
                              "one (--force adds demo data anyway)",
                              kd_backend_describe(c->backend));
        kd_api_page_free(&page);
    }
    if (rc < 0)
        return kd_cli_fail(&err);

    bool was_pinned = kd_clock_is_pinned();
    int64_t base = kd_now_ms();
    struct demo_tally tally;
    memset(&tally, 0, sizeof tally);
    rc = demo_seed(c, (size_t)n, &tally, &err);
    /* Put the clock back as it was. */
    if (was_pinned)
        kd_clock_pin(base);
    else
        kd_clock_unpin();
    if (rc < 0) {
        for (size_t i = 0; i < N_APIS; i++) {
            free(demo_apis[i].id);
            demo_apis[i].id = NULL;
        }
        return kd_cli_fail(&err);
    }

    if (c->json) {
        json_t *j = json_object();
        json_object_set_new(j, "keystore", json_string(kd_backend_describe(c->backend)));
        json_t *apis = json_array();
        for (size_t i = 0; i < N_APIS; i++) {
            json_t *a = json_object();
            json_object_set_new(a, "apiId", json_string(demo_apis[i].id));
            json_object_set_new(a, "name", json_string(demo_apis[i].name));
            json_array_append_new(apis, a);
        }
        json_object_set_new(j, "apis", apis);
        json_object_set_new(j, "keys", json_integer(n));
        json_object_set_new(j, "verifications", json_integer(tally.verifications));
        json_t *codes = json_object();
        for (int i = 0; i < KD_VERIFY_CODE_COUNT; i++)
            json_object_set_new(codes, kd_verify_code_name((enum kd_verify_code)i),
                                json_integer(tally.by_code[i]));
        json_object_set_new(j, "byCode", codes);
        kd_json_print(j);
    } else {
        printf("seeded %s\n", kd_backend_describe(c->backend));
        for (size_t i = 0; i < N_APIS; i++)
            printf("  %-18s %s\n", demo_apis[i].name, demo_apis[i].id);
        printf("%lld keys, %zu roles, %zu permissions, %lld verifications over the last 24h\n",
               (long long)n, sizeof demo_roles / sizeof demo_roles[0],
               sizeof demo_perms / sizeof demo_perms[0], (long long)tally.verifications);
        printf("try: keydeck keys list --api %s --sort last-used --desc\n", demo_apis[0].id);
    }
    for (size_t i = 0; i < N_APIS; i++) {
        free(demo_apis[i].id);
        demo_apis[i].id = NULL;
    }
    return KD_EXIT_OK;
}

static const struct kd_verb verbs[] = {
    {NULL, demo_run, "demo [--keys N] [--force]",
     "Seed a realistic keystore: 4 APIs, roles, permissions, N keys (default 300) in every\n"
     "state and a day of verification history.  Refuses a keystore that already has\n"
     "APIs unless --force.\n"},
    {NULL, NULL, NULL, NULL},
};

int kd_cmd_demo(struct kd_cli *c, int argc, char **argv)
{
    return kd_cli_dispatch(c, "demo", "demo data", verbs, argc, argv);
}
