/*
 * screen_driver.c — runs the real TUI on a headless screen for the screen
 * tests, until `keydeck --script` is wired in the CLI.
 *
 *   screen_driver --fixture DB                 build the test keystore (pinned clock)
 *   screen_driver --keystore DB --script F [--size CxR] [--readonly] [--ascii]
 *                 [--page-size N] [--theme NAME]
 *   screen_driver --print-keys-md              doc/keys.md, from the action tables
 *
 * The fixture goes through the backend seam, like every front end, with the
 * clock pinned by KEYDECK_NOW and advanced between creations so that ids (which
 * sort by creation time) come out in a fixed order.  The tests then run two days
 * later (run.sh), so keys made to expire in a day show as expired.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "tui/action.h"
#include "tui/tui.h"
#include "util/clock.h"
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
    char *plain = NULL;
    for (int i = 1; i <= 40; i++) {
        char *pt = NULL;
        free(make_key(b, pay, "pay", i, i == 2 ? &pt : NULL));
        if (pt)
            plain = pt;
    }
    for (int i = 1; i <= 3; i++)
        free(make_key(b, search, "srch", i, NULL));
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
    free(pay);
    free(search);
    free(tools);
    kd_backend_close(b);
    return 0;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_clock_init_from_env(&err) != 0)
        die("KEYDECK_NOW", &err);

    const char *keystore = NULL;
    bool readonly = false;
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
        } else if (strcmp(a, "--ascii") == 0) {
            opt.ascii = true;
        } else {
            fprintf(stderr, "screen_driver: unknown argument %s\n", a);
            return 2;
        }
    }
    if (!keystore || !opt.script_path) {
        fprintf(stderr, "usage: screen_driver --keystore DB --script FILE [--size CxR]\n");
        return 2;
    }
    struct kd_local_options lo = {.keystore_path = keystore, .actor = "screen-test"};
    struct kd_backend *b = kd_backend_local_open(&lo, &err);
    if (!b)
        die("open", &err);
    if (readonly)
        b = kd_backend_readonly_wrap(b);
    int rc = kd_tui_run(b, &opt, &err);
    kd_backend_close(b);
    if (rc != 0) {
        fprintf(stderr, "screen_driver: %s\n", err.message);
        return 1;
    }
    return 0;
}
