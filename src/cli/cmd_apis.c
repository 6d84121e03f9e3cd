/*
 * cmd_apis.c — `keydeck apis list|get|create|delete`: key spaces.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/output.h"
#include "util/clock.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static void api_row(struct kd_table *t, const struct kd_api *a, int64_t now)
{
    char bytes[16], keys[24], created[32];
    snprintf(bytes, sizeof bytes, "%d", a->default_byte_length);
    if (a->key_count >= 0)
        snprintf(keys, sizeof keys, "%lld", (long long)a->key_count);
    else
        snprintf(keys, sizeof keys, "?");
    kd_fmt_when(a->created_at, now, "-", created, sizeof created);
    const char *cells[] = {a->id, a->name, a->default_prefix, bytes, keys, created};
    kd_table_add(t, cells);
}

static int apis_list(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "apis list", argc, argv);
    struct kd_list_query q = {.want_total = true};
    bool all = false;
    int rc = 0;
    while (rc == 0 && kd_argp_next(&p)) {
        int r = kd_argp_list_option(&p, &q, &all, &err);
        rc = r < 0 ? -1 : r == 1 ? 0 : kd_argp_other(&p, &err);
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    if (rc == 0)
        rc = kd_cli_open(c, false, &err);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);

    int64_t now = kd_now_ms();
    static const char *const headers[] = {"ID", "NAME", "PREFIX", "BYTES", "KEYS", "CREATED"};
    struct kd_table *t = kd_table_new(6, headers);
    json_t *items = json_array();
    char *cursor = kd_xstrdup(q.cursor);
    int64_t total = -1;
    for (;;) {
        struct kd_api_page page = {0};
        q.cursor = cursor;
        if (kd_backend_api_list(c->backend, &q, &page, &err) < 0) {
            free(cursor);
            kd_table_free(t);
            json_decref(items);
            return kd_cli_fail(&err);
        }
        for (size_t i = 0; i < page.len; i++) {
            api_row(t, &page.items[i], now);
            json_array_append_new(items, kd_json_api(&page.items[i]));
        }
        free(cursor);
        cursor = kd_xstrdup(page.next_cursor);
        total = page.total;
        kd_api_page_free(&page);
        if (!all || !cursor)
            break;
    }
    kd_list_finish(c->json, items, t, cursor, total,
                   q.filter && *q.filter ? "no APIs match"
                                         : "no APIs yet: keydeck apis create --name NAME");
    return KD_EXIT_OK;
}

static void api_print(const struct kd_api *a)
{
    char when[40];
    kd_time_format_iso(a->created_at, when, sizeof when);
    printf("id:          %s\n", a->id);
    printf("name:        %s\n", a->name ? a->name : "");
    printf("prefix:      %s\n", a->default_prefix ? a->default_prefix : "-");
    printf("byte length: %d\n", a->default_byte_length);
    if (a->key_count >= 0)
        printf("keys:        %lld\n", (long long)a->key_count);
    printf("created:     %s\n", when);
}

static int apis_get(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "apis get", argc, argv);
    int rc = 0;
    while (rc == 0 && kd_argp_next(&p))
        rc = kd_argp_other(&p, &err);
    if (rc == 0)
        rc = kd_argp_positionals(&p, 1, 1, "ID", &err);
    const char *id = rc == 0 ? p.pos[0] : NULL;
    if (rc == 0)
        rc = kd_cli_open(c, false, &err);
    struct kd_api a = {0};
    if (rc == 0)
        rc = kd_backend_api_get(c->backend, id, &a, &err);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);
    if (c->json)
        kd_json_print(kd_json_api(&a));
    else
        api_print(&a);
    kd_api_free(&a);
    return KD_EXIT_OK;
}

static int apis_create(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "apis create", argc, argv);
    struct kd_api spec = {0};
    const char *name = NULL, *prefix = NULL;
    int rc = 0;
    const char *o;
    while (rc == 0 && (o = kd_argp_next(&p))) {
        if (strcmp(o, "--name") == 0) {
            rc = kd_argp_value(&p, &name, &err);
        } else if (strcmp(o, "--prefix") == 0) {
            rc = kd_argp_value(&p, &prefix, &err);
        } else if (strcmp(o, "--byte-length") == 0) {
            const char *v;
            int64_t n = 0;
            rc = kd_argp_value(&p, &v, &err);
            if (rc == 0)
                rc = kd_parse_int("--byte-length", v, 0, 100000, &n, &err);
            spec.default_byte_length = (int)n;
        } else {
            rc = kd_argp_other(&p, &err);
        }
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    if (rc == 0 && !name)
        rc = kd_error_set(&err, KD_ERR_INVALID, "--name", "apis create needs --name");
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    spec.name = (char *)name;
    spec.default_prefix = (char *)prefix;
    struct kd_api out = {0};
    if (rc == 0)
        rc = kd_backend_api_create(c->backend, &spec, &out, &err);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);
    if (c->json)
        kd_json_print(kd_json_api(&out));
    else
        printf("created API %s (%s)\n", out.id, out.name ? out.name : "");
    kd_api_free(&out);
    return KD_EXIT_OK;
}

static int apis_delete(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "apis delete", argc, argv);
    int rc = 0;
    while (rc == 0 && kd_argp_next(&p))
        rc = kd_argp_other(&p, &err);
    if (rc == 0)
        rc = kd_argp_positionals(&p, 1, 1, "ID", &err);
    const char *id = rc == 0 ? p.pos[0] : NULL;
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    if (rc == 0)
        rc = kd_backend_api_delete(c->backend, id, &err);
    if (rc < 0) {
        kd_argp_free(&p);
        return kd_cli_fail(&err);
    }
    if (c->json) {
        json_t *o = json_object();
        json_object_set_new(o, "deleted", json_string(id));
        kd_json_print(o);
    } else {
        printf("deleted API %s\n", id);
    }
    kd_argp_free(&p);
    return KD_EXIT_OK;
}

static const struct kd_verb verbs[] = {
    {"list", apis_list, "apis list [--filter S] [--limit N] [--cursor C] [--all]",
     "List key spaces with their key counts, a page at a time; --all follows the cursors.\n"},
    {"get", apis_get, "apis get ID", NULL},
    {"create", apis_create, "apis create --name N [--prefix P] [--byte-length N]",
     "  --name N          3-256 characters\n"
     "  --prefix P        default prefix of its keys (A-Z, a-z, 0-9, _; up to 16)\n"
     "  --byte-length N   default random bytes per key (16-255; default 16)\n"},
    {"delete", apis_delete, "apis delete ID", "Its keys stop verifying and stop listing.\n"},
    {NULL, NULL, NULL, NULL},
};

int kd_cmd_apis(struct kd_cli *c, int argc, char **argv)
{
    return kd_cli_dispatch(c, "apis", "key spaces", verbs, argc, argv);
}
