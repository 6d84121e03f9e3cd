/*
 * screen_driver.c — runs the real TUI on a headless screen for the screen
 * tests, until `keydeck --script` is wired in the CLI.
 *
 *   screen_driver --fixture DB                 build the test keystore (pinned clock)
 *   screen_driver --keystore DB [--script F] [--size CxR] [--readonly] [--ascii]
 *                 [--page-size N] [--theme NAME] [--monitor] [--refresh SECS]
 *                 [--faulty] [--create]
 *   screen_driver --print-keys-md              doc/keys.md, from the action tables
 *
 * The fixture goes through the backend seam, like every front end, with the
 * clock pinned by KEYDECK_NOW and advanced between creations so that ids (which
 * sort by creation time) come out in a fixed order.  The tests then run two days
 * later (run.sh), so keys made to expire in a day show as expired.  The last
 * minute before the tests' "now" gets traffic (see fixture_traffic), so the
 * monitor's 60-second window has something to show.
 *
 * Without --script the TUI runs on the real terminal (tests/tty drive it in
 * tmux).  --monitor wraps the backend read-only, as the CLI does.  --faulty
 * puts a wrapper underneath that fails every read while a script's
 * `:fail-backend on` is in force, to test the STALE path.
 *
 * Script commands only this driver knows (test-only, via opt.script_command):
 *   :verify-fixture N      N verifications through a second connection, as
 *                          another process would make them, cycling through the
 *                          keys whose plaintexts the fixture kept in DB.plain
 *   :fail-backend on|stats|off   with --faulty: make every read fail, only the
 *                          stats query, or none
 *   :expect-audit ACTION TEXT   the newest ACTION entry of the audit log names
 *                          TEXT in its changes or target (read as :log would)
 */
#include <locale.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "tui/action.h"
#include "tui/tui.h"
#include "util/clock.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

#define DAY_MS 86400000LL

static void die(const char *what, const struct kd_error *err)
{
    fprintf(stderr, "screen_driver: %s: %s\n", what, err ? err->message : "");
    exit(2);
}

static void make_perm(struct kd_backend *b, const char *slug, const char *desc)
{
    struct kd_permission spec, out;
    memset(&spec, 0, sizeof spec);
    memset(&out, 0, sizeof out);
    spec.slug = (char *)slug;
    spec.description = (char *)desc;
    struct kd_error err;
    if (kd_backend_permission_create(b, &spec, &out, &err) != 0)
        die("permission_create", &err);
    kd_permission_free(&out);
    kd_clock_advance(1000);
}

static void make_role(struct kd_backend *b, const char *name, const char *desc, const char *perms)
{
    struct kd_role spec, out;
    memset(&spec, 0, sizeof spec);
    memset(&out, 0, sizeof out);
    spec.name = (char *)name;
    spec.description = (char *)desc;
    kd_strlist_split(&spec.permissions, perms);
    struct kd_error err;
    if (kd_backend_role_create(b, &spec, &out, &err) != 0)
        die("role_create", &err);
    kd_strlist_clear(&spec.permissions);
    kd_role_free(&out);
    kd_clock_advance(1000);
}

static char *make_api(struct kd_backend *b, const char *name, const char *prefix)
{
    struct kd_api spec, out;
    memset(&spec, 0, sizeof spec);
    memset(&out, 0, sizeof out);
    spec.name = (char *)name;
    spec.default_prefix = (char *)prefix;
    struct kd_error err;
    if (kd_backend_api_create(b, &spec, &out, &err) != 0)
        die("api_create", &err);
    char *id = kd_xstrdup(out.id);
    kd_api_free(&out);
    kd_clock_advance(1000);
    return id;
}

/* Key i of the payments API: a spread of states, credits, limits and roles. */
static char *make_key(struct kd_backend *b, const char *api_id, const char *prefix, int i,
                      char **plaintext)
{
    struct kd_key spec;
    kd_key_init(&spec);
    char name[32];
    snprintf(name, sizeof name, "%s-key-%02d", prefix, i);
    spec.api_id = (char *)api_id;
    spec.name = name;
    spec.prefix = (char *)prefix;
    if (i % 4 == 1) {
        spec.credits.limited = true;
        spec.credits.remaining = i * 10;
        if (i % 8 == 1) {
            spec.credits.refill.interval = KD_REFILL_DAILY;
            spec.credits.refill.amount = 100;
        }
    }
    if (i % 7 == 0)
        spec.expires = kd_now_ms() + (i % 2 ? DAY_MS : 30 * DAY_MS); /* tests run 2 days later */
    if (i % 9 == 0)
        spec.enabled = false;
    if (i % 3 == 0)
        kd_key_add_ratelimit(&spec, "requests", 100, 60000, true);
    if (i == 1) {
        spec.external_id = "user_alice";
        spec.meta_json = "{\"team\":\"billing\",\"tier\":2,\"tags\":[\"ci\",\"prod\"]}";
        spec.environment = "live";
        kd_strlist_push(&spec.roles, "admin");
        kd_strlist_push(&spec.permissions, "billing.refund");
        kd_key_add_ratelimit(&spec, "burst", 10, 1000, false);
    }
    if (i == 2)
        kd_strlist_push(&spec.roles, "reader");
    if (i == 4 && !strcmp(prefix, "pay"))
        spec.recoverable = true; /* sealed in the vault: the key reveal-key can show */
    struct kd_key_secret sec;
    memset(&sec, 0, sizeof sec);
    struct kd_error err;
    if (kd_backend_key_create(b, &spec, &sec, &err) != 0)
        die("key_create", &err);
    char *id = kd_xstrdup(sec.key_id);
    if (plaintext)
        *plaintext = kd_xstrdup(sec.plaintext);
    kd_key_secret_free(&sec);
    spec.api_id = spec.name = spec.prefix = spec.external_id = spec.meta_json = NULL;
    spec.environment = NULL;
    kd_key_free(&spec);
    kd_clock_advance(1000);
    return id;
}

/* One verification; the outcome is whatever the keystore decides. */
static void verify_once(struct kd_backend *b, const char *plaintext, int64_t cost,
                        const struct kd_verify_ratelimit_req *rl)
{
    struct kd_verify_request req;
    memset(&req, 0, sizeof req);
    req.key = plaintext;
    req.credit_cost = cost;
    req.ratelimits = rl;
    req.n_ratelimits = rl ? 1 : 0;
    struct kd_verify_result res;
    memset(&res, 0, sizeof res);
    struct kd_error err;
    if (kd_backend_verify(b, &req, &res, &err) != 0)
        die("verify", &err);
    kd_verify_result_free(&res);
}

/*
 * The minute before the tests' "now" (2025-01-01T00:00:00Z): steady traffic on
 * srch-key-02, srch-key-03 running into its 100-per-minute limit, srch-key-01
 * asked for more credits than it has, and unknown keys.  Only search keys, so
 * the payments screens of the other tests do not change.
 */
static void fixture_traffic(struct kd_backend *b, char *const srch[3])
{
    struct kd_error err;
    int64_t start;
    if (kd_time_parse("2024-12-31T23:59:00Z", 0, &start, &err) != 0)
        die("time", &err);
    for (int s = 5; s <= 58; s++) {
        kd_clock_pin(start + s * 1000LL);
        for (int n = 0; n < 1 + (s * 7) % 4; n++)
            verify_once(b, srch[1], KD_COST_DEFAULT, NULL);
        if (s >= 10)
            for (int n = 0; n < (s >= 40 ? 3 : 2); n++)
                verify_once(b, srch[2], KD_COST_DEFAULT, NULL);
        if (s >= 20 && s < 25)
            verify_once(b, srch[0], KD_COST_DEFAULT, NULL);
        if (s % 10 == 0 && s >= 30)
            verify_once(b, srch[0], 1000, NULL); /* USAGE_EXCEEDED */
        if (s == 45 || s == 57)
            verify_once(b, "srch_NotARealKey", KD_COST_DEFAULT, NULL);
    }
}

/* The plaintexts :verify-fixture uses, beside the keystore (tests only). */
static void save_plaintexts(const char *db, char *const *keys, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s.plain", db);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "screen_driver: cannot write %s\n", path);
        exit(2);
    }
    fchmod(fileno(f), 0600);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\n", keys[i]);
    fclose(f);
}

static int build_fixture(const char *path)
{
    struct kd_local_options lo = {.keystore_path = path, .actor = "screen-test",
                                  .create_if_missing = true};
    struct kd_error err;
    struct kd_backend *b = kd_backend_local_open(&lo, &err);
    if (!b)
        die("open", &err);
    make_perm(b, "keys.read", "Read keys");
    make_perm(b, "keys.write", "Create and change keys");
    make_perm(b, "billing.refund", "Issue refunds");
    make_role(b, "admin", "Everything", "keys.read,keys.write");
    make_role(b, "reader", "Look, don't touch", "keys.read");
    char *pay = make_api(b, "payments", "pay");
    char *search = make_api(b, "search", "srch");
    char *tools = make_api(b, "internal-tools", NULL);
    char *plain = NULL, *pay09 = NULL, *srch[3] = {NULL, NULL, NULL};
    for (int i = 1; i <= 40; i++) {
        char *pt = NULL;
        free(make_key(b, pay, "pay", i, i == 2 || i == 9 ? &pt : NULL));
        if (i == 2)
            plain = pt;
        else if (i == 9)
            pay09 = pt;
    }
    for (int i = 1; i <= 3; i++)
        free(make_key(b, search, "srch", i, &srch[i - 1]));
    /* A little traffic for the detail pane's verification counts. */
    for (int n = 0; n < 5 && plain; n++) {
        struct kd_verify_request req;
        memset(&req, 0, sizeof req);
        req.key = plain;
        req.credit_cost = KD_COST_DEFAULT;
        struct kd_verify_result res;
        memset(&res, 0, sizeof res);
        if (kd_backend_verify(b, &req, &res, &err) != 0)
            die("verify", &err);
        kd_verify_result_free(&res);
        kd_clock_advance(60000);
    }
    kd_secret_free(plain);
    fixture_traffic(b, srch);
    /* srch-key-02 is valid, pay-key-09 disabled: one success, one failure. */
    char *later[2] = {srch[1], pay09};
    save_plaintexts(path, later, 2);
    for (int i = 0; i < 3; i++)
        kd_secret_free(srch[i]);
    kd_secret_free(pay09);
    free(pay);
    free(search);
    free(tools);
    kd_backend_close(b);
    return 0;
}

/* ---- a backend that fails on demand (--faulty, :fail-backend) ---- */

/* off, every read fails (on), or only the stats query (stats): the last shows
 * whether the monitor skipped the query. */
static enum { FAIL_OFF, FAIL_READS, FAIL_STATS } fail_mode;

#define KD_X(name, mutates, params, args)                                           \
    static int faulty_##name params                                                 \
    {                                                                               \
        if (!(mutates) && (fail_mode == FAIL_READS ||                               \
                           (fail_mode == FAIL_STATS && strcmp(#name, "stats") == 0))) \
            return kd_error_set(err, KD_ERR_IO, NULL,                               \
                                "keystore unavailable (simulated by the test)");    \
        b = (struct kd_backend *)b->impl;                                           \
        return kd_backend_##name args;                                              \
    }
KD_BACKEND_OPS(KD_X)
#undef KD_X

static unsigned faulty_capabilities(struct kd_backend *b)
{
    return kd_backend_capabilities(b->impl);
}

static const char *faulty_describe(struct kd_backend *b)
{
    return kd_backend_describe(b->impl);
}

static void faulty_close(struct kd_backend *b)
{
    kd_backend_close(b->impl);
    free(b);
}

static const struct kd_backend_ops faulty_ops = {
    .kind = "local",
    .capabilities = faulty_capabilities,
    .describe = faulty_describe,
    .close = faulty_close,
#define KD_X(name, mutates, params, args) .name = faulty_##name,
    KD_BACKEND_OPS(KD_X)
#undef KD_X
};

static struct kd_backend *faulty_wrap(struct kd_backend *inner)
{
    struct kd_backend *b = kd_xcalloc(1, sizeof *b);
    b->ops = &faulty_ops;
    b->impl = inner;
    return b;
}

/* ---- test-only script commands ---- */

struct driver_ctx {
    const char *keystore;
    bool faulty;
    size_t next_key; /* round robin over the saved plaintexts */
};

static int verify_fixture(struct driver_ctx *d, const char *arg, struct kd_error *err)
{
    char *end;
    long n = strtol(arg, &end, 10);
    if (end == arg || *end || n < 1 || n > 10000)
        return kd_error_set(err, KD_ERR_INVALID, "N", "needs a count from 1 to 10000");
    char path[4096], keys[2][256];
    snprintf(path, sizeof path, "%s.plain", d->keystore);
    FILE *f = fopen(path, "r");
    if (!f)
        return kd_error_set(err, KD_ERR_IO, NULL, "cannot read %s", path);
    size_t nk = 0;
    while (nk < 2 && fgets(keys[nk], sizeof keys[nk], f)) {
        keys[nk][strcspn(keys[nk], "\n")] = '\0';
        if (keys[nk][0])
            nk++;
    }
    fclose(f);
    if (nk == 0)
        return kd_error_set(err, KD_ERR_INVALID, NULL, "%s has no keys", path);
    /* A second connection, as another process would verify: the monitor's
     * connection sees its commits only through the change token. */
    struct kd_local_options lo = {.keystore_path = d->keystore, .actor = "screen-test"};
    struct kd_backend *b = kd_backend_local_open(&lo, err);
    if (!b)
        return -1;
    for (long i = 0; i < n; i++)
        verify_once(b, keys[d->next_key++ % nk], KD_COST_DEFAULT, NULL);
    kd_backend_close(b); /* flushes the buffered verification records */
    return 0;
}

/* ":expect-audit ACTION TEXT": the newest ACTION entry of the audit log mentions
 * TEXT.  A second connection reads it, since :log's detail shows the host name
 * and a keyed hash, which a screen dump cannot hold. */
static int expect_audit(struct driver_ctx *d, const char *arg, struct kd_error *err)
{
    char action[64], text[256];
    if (sscanf(arg, "%63s %255s", action, text) != 2)
        return kd_error_set(err, KD_ERR_INVALID, NULL, "say ACTION TEXT");
    struct kd_local_options lo = {.keystore_path = d->keystore, .actor = "screen-test"};
    struct kd_backend *b = kd_backend_local_open(&lo, err);
    if (!b)
        return -1;
    struct kd_audit_query q;
    memset(&q, 0, sizeof q);
    q.page.limit = 1;
    q.action = action;
    struct kd_audit_page page;
    memset(&page, 0, sizeof page);
    int rc = kd_backend_audit_list(b, &q, &page, err);
    if (rc == 0 && page.len == 0)
        rc = kd_error_set(err, KD_ERR_NOT_FOUND, NULL, "no %s entry", action);
    else if (rc == 0 && !(page.items[0].changes_json && strstr(page.items[0].changes_json, text)) &&
             !(page.items[0].target && strstr(page.items[0].target, text)))
        rc = kd_error_set(err, KD_ERR_NOT_FOUND, NULL, "the newest %s entry lacks %s: %s", action,
                          text, page.items[0].changes_json ? page.items[0].changes_json : "");
    kd_audit_page_free(&page);
    kd_backend_close(b);
    return rc;
}

static int driver_command(void *ctx, const char *name, const char *arg, struct kd_error *err)
{
    struct driver_ctx *d = ctx;
    if (strcmp(name, "verify-fixture") == 0)
        return verify_fixture(d, arg, err);
    if (strcmp(name, "expect-audit") == 0)
        return expect_audit(d, arg, err);
    if (strcmp(name, "fail-backend") == 0) {
        if (!d->faulty)
            return kd_error_set(err, KD_ERR_INVALID, NULL, "needs screen_driver --faulty");
        if (strcmp(arg, "on") == 0)
            fail_mode = FAIL_READS;
        else if (strcmp(arg, "stats") == 0)
            fail_mode = FAIL_STATS;
        else if (strcmp(arg, "off") == 0)
            fail_mode = FAIL_OFF;
        else
            return kd_error_set(err, KD_ERR_INVALID, NULL, "say on, stats or off");
        return 0;
    }
    return kd_error_set(err, KD_ERR_INVALID, "script", "unknown command :%s", name);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_clock_init_from_env(&err) != 0)
        die("KEYDECK_NOW", &err);

    const char *keystore = NULL;
    bool readonly = false, faulty = false, create = false;
    struct kd_tui_options opt;
    memset(&opt, 0, sizeof opt);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--print-keys-md") == 0) {
            kd_action_print_keys_md(stdout);
            return 0;
        } else if (strcmp(a, "--fixture") == 0 && v) {
            return build_fixture(v);
        } else if (strcmp(a, "--keystore") == 0 && v) {
            keystore = v;
            i++;
        } else if (strcmp(a, "--script") == 0 && v) {
            opt.script_path = v;
            i++;
        } else if (strcmp(a, "--size") == 0 && v) {
            if (sscanf(v, "%dx%d", &opt.cols, &opt.rows) != 2) {
                fprintf(stderr, "screen_driver: --size wants COLSxROWS\n");
                return 2;
            }
            i++;
        } else if (strcmp(a, "--page-size") == 0 && v) {
            opt.page_size = atoi(v);
            i++;
        } else if (strcmp(a, "--theme") == 0 && v) {
            opt.theme = v;
            i++;
        } else if (strcmp(a, "--readonly") == 0) {
            readonly = true;
        } else if (strcmp(a, "--monitor") == 0) {
            opt.monitor = readonly = true; /* as the CLI does */
        } else if (strcmp(a, "--faulty") == 0) {
            faulty = true;
        } else if (strcmp(a, "--refresh") == 0 && v) {
            opt.refresh_seconds = atoi(v);
            i++;
        } else if (strcmp(a, "--create") == 0) {
            create = true; /* a new, empty keystore: the clean case */
        } else if (strcmp(a, "--ascii") == 0) {
            opt.ascii = true;
        } else {
            fprintf(stderr, "screen_driver: unknown argument %s\n", a);
            return 2;
        }
    }
    if (!keystore) {
        fprintf(stderr, "usage: screen_driver --keystore DB [--script FILE] [--size CxR]\n");
        return 2;
    }
    struct kd_local_options lo = {.keystore_path = keystore, .actor = "screen-test",
                                  .create_if_missing = create};
    struct kd_backend *b = kd_backend_local_open(&lo, &err);
    if (!b)
        die("open", &err);
    struct driver_ctx dctx = {.keystore = keystore, .faulty = faulty};
    opt.script_command = driver_command;
    opt.script_ctx = &dctx;
    if (faulty)
        b = faulty_wrap(b);
    if (readonly)
        b = kd_backend_readonly_wrap(b);
    int rc = kd_tui_run(b, &opt, &err);
    kd_backend_close(b);
    if (rc < 0) {
        fprintf(stderr, "screen_driver: %s\n", err.message);
        return 1;
    }
    return rc; /* 128+signal when a signal ended it */
}
