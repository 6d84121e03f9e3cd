/*
 * cmd_overview.c — `keydeck` with no command: what is in the keystore, at a
 * glance (the TUI will take this place).
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"
#include "util/clock.h"
#include "util/xalloc.h"

#define OVERVIEW_WINDOW_MS (24LL * 3600 * 1000)

/* An overview shows what it may: a root key that cannot read roles or
 * permissions leaves those counts unknown ("?") instead of failing it all. */
static int unreadable_is_unknown(int rc, struct kd_error *err)
{
    if (rc < 0 && err->code == KD_ERR_FORBIDDEN) {
        kd_error_clear(err);
        return 0;
    }
    return rc;
}

int kd_cmd_overview(struct kd_cli *c)
{
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_cli_open(c, false, &err) < 0) {
        int status = kd_cli_fail(&err);
        fprintf(stderr, "keydeck --help for commands\n");
        return status;
    }

    /* Every API, following cursors. */
    static const char *const headers[] = {"API", "NAME", "PREFIX", "KEYS"};
    struct kd_table *t = kd_table_new(4, headers);
    json_t *apis = json_array();
    int64_t total_keys = 0;
    bool keys_known = true;
    struct kd_list_query q = {.limit = KD_PAGE_LIMIT_MAX};
    char *cursor = NULL;
    int rc = 0;
    for (;;) {
        struct kd_api_page page = {0};
        q.cursor = cursor;
        rc = kd_backend_api_list(c->backend, &q, &page, &err);
        if (rc < 0)
            break;
        for (size_t i = 0; i < page.len; i++) {
            const struct kd_api *a = &page.items[i];
            char keys[24] = "?"; /* a v2 server does not count */
            if (a->key_count >= 0)
                snprintf(keys, sizeof keys, "%lld", (long long)a->key_count);
            else
                keys_known = false;
            const char *cells[] = {a->id, a->name, a->default_prefix, keys};
            kd_table_add(t, cells);
            json_array_append_new(apis, kd_json_api(a));
            if (a->key_count > 0)
                total_keys += a->key_count;
        }
        free(cursor);
        cursor = kd_xstrdup(page.next_cursor);
        kd_api_page_free(&page);
        if (!cursor)
            break;
    }
    free(cursor);

    int64_t n_roles = -1, n_perms = -1;
    struct kd_list_query cq = {.limit = 1, .want_total = true};
    if (rc == 0) {
        struct kd_role_page rp = {0};
        rc = kd_backend_role_list(c->backend, &cq, &rp, &err);
        n_roles = rc < 0 ? -1 : rp.total >= 0 ? rp.total : (int64_t)rp.len;
        kd_role_page_free(&rp);
        rc = unreadable_is_unknown(rc, &err);
    }
    if (rc == 0) {
        struct kd_permission_page pp = {0};
        rc = kd_backend_permission_list(c->backend, &cq, &pp, &err);
        n_perms = rc < 0 ? -1 : pp.total >= 0 ? pp.total : (int64_t)pp.len;
        kd_permission_page_free(&pp);
        rc = unreadable_is_unknown(rc, &err);
    }
    struct kd_stats s;
    struct kd_stats_query sq;
    memset(&s, 0, sizeof s);
    bool have_stats = false;
    if (rc == 0 && (kd_backend_capabilities(c->backend) & KD_CAP_STATS)) {
        rc = kd_cli_stats_fetch(c, NULL, OVERVIEW_WINDOW_MS, &s, &sq, &err);
        have_stats = rc == 0;
    }
    if (rc < 0) {
        kd_table_free(t);
        json_decref(apis);
        return kd_cli_fail(&err);
    }

    if (c->json) {
        json_t *o = json_object();
        json_object_set_new(o, "keystore", json_string(kd_backend_describe(c->backend)));
        json_object_set_new(o, "apis", apis);
        json_object_set_new(o, "totalKeys", keys_known ? json_integer(total_keys) : json_null());
        json_object_set_new(o, "roles", n_roles >= 0 ? json_integer(n_roles) : json_null());
        json_object_set_new(o, "permissions",
                            n_perms >= 0 ? json_integer(n_perms) : json_null());
        if (have_stats)
            json_object_set_new(o, "stats", kd_json_stats(&s, sq.since, sq.until));
        kd_json_print(o);
    } else {
        json_decref(apis);
        printf("keystore: %s%s\n\n", kd_backend_describe(c->backend),
               c->readonly ? " (read-only)" : "");
        if (kd_table_rows(t) == 0)
            printf("no APIs yet: keydeck apis create --name NAME, or keydeck demo\n");
        else
            kd_table_print(t, stdout);
        char nk[24] = "?", nr[24] = "?", np[24] = "?";
        if (keys_known)
            snprintf(nk, sizeof nk, "%lld", (long long)total_keys);
        if (n_roles >= 0)
            snprintf(nr, sizeof nr, "%lld", (long long)n_roles);
        if (n_perms >= 0)
            snprintf(np, sizeof np, "%lld", (long long)n_perms);
        printf("\nkeys: %s   roles: %s   permissions: %s\n", nk, nr, np);
        if (have_stats) {
            printf("verifications in the last 24h: %lld", (long long)s.total);
            const char *sep = " (";
            for (int i = 0; i < KD_VERIFY_CODE_COUNT; i++)
                if (s.by_code[i]) {
                    printf("%s%s %lld", sep, kd_verify_code_name((enum kd_verify_code)i),
                           (long long)s.by_code[i]);
                    sep = ", ";
                }
            printf("%s\n", s.total ? ")" : "");
        }
        printf("\nkeydeck --help for commands\n");
    }
    kd_table_free(t);
    kd_stats_free(&s);
    return KD_EXIT_OK;
}
