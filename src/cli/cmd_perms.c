/*
 * cmd_perms.c — `keydeck perms list|get|create|delete`.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/output.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static int perms_list(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "perms list", argc, argv);
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

    static const char *const headers[] = {"SLUG", "NAME", "KEYS", "ROLES", "DESCRIPTION"};
    struct kd_table *t = kd_table_new(5, headers);
    json_t *items = json_array();
    char *cursor = kd_xstrdup(q.cursor);
    int64_t total = -1;
    for (;;) {
        struct kd_permission_page page = {0};
        q.cursor = cursor;
        if (kd_backend_permission_list(c->backend, &q, &page, &err) < 0) {
            free(cursor);
            kd_table_free(t);
            json_decref(items);
            return kd_cli_fail(&err);
        }
        for (size_t i = 0; i < page.len; i++) {
            const struct kd_permission *pm = &page.items[i];
            char keys[24], roles[24];
            snprintf(keys, sizeof keys, "%lld", (long long)pm->key_count);
            snprintf(roles, sizeof roles, "%lld", (long long)pm->role_count);
            const char *cells[] = {pm->slug, pm->name, pm->key_count >= 0 ? keys : "?",
                                   pm->role_count >= 0 ? roles : "?", pm->description};
            kd_table_add(t, cells);
            json_array_append_new(items, kd_json_permission(pm));
        }
        free(cursor);
        cursor = kd_xstrdup(page.next_cursor);
        total = page.total;
        kd_permission_page_free(&page);
        if (!all || !cursor)
            break;
    }
    kd_list_finish(c->json, items, t, cursor, total, "no permissions");
    return KD_EXIT_OK;
}

static void perm_print(const struct kd_permission *pm)
{
    char iso[48];
    kd_time_format_iso(pm->created_at, iso, sizeof iso);
    printf("id:          %s\n", pm->id);
    printf("slug:        %s\n", pm->slug);
    printf("name:        %s\n", pm->name ? pm->name : "-");
    printf("description: %s\n", pm->description ? pm->description : "-");
    if (pm->key_count >= 0)
        printf("keys:        %lld\n", (long long)pm->key_count);
    if (pm->role_count >= 0)
        printf("roles:       %lld\n", (long long)pm->role_count);
    printf("created:     %s\n", iso);
}

static int one_slug(struct kd_cli *c, struct kd_argp *p, const char *where, int argc,
                    char **argv, struct kd_error *err)
{
    kd_argp_init(p, c, where, argc, argv);
    int rc = 0;
    while (rc == 0 && kd_argp_next(p))
        rc = kd_argp_other(p, err);
    if (rc == 0)
        rc = kd_argp_positionals(p, 1, 1, "SLUG", err);
    return rc;
}

static int perms_get(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    int rc = one_slug(c, &p, "perms get", argc, argv, &err);
    if (rc == 0)
        rc = kd_cli_open(c, false, &err);
    struct kd_permission pm = {0};
    if (rc == 0)
        rc = kd_backend_permission_get(c->backend, p.pos[0], &pm, &err);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);
    if (c->json)
        kd_json_print(kd_json_permission(&pm));
    else
        perm_print(&pm);
    kd_permission_free(&pm);
    return KD_EXIT_OK;
}

static int perms_create(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "perms create", argc, argv);
    const char *slug = NULL, *name = NULL, *desc = NULL;
    int rc = 0;
    const char *o;
    while (rc == 0 && (o = kd_argp_next(&p))) {
        if (strcmp(o, "--slug") == 0)
            rc = kd_argp_value(&p, &slug, &err);
        else if (strcmp(o, "--name") == 0)
            rc = kd_argp_value(&p, &name, &err);
        else if (strcmp(o, "--description") == 0)
            rc = kd_argp_value(&p, &desc, &err);
        else
            rc = kd_argp_other(&p, &err);
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    if (rc == 0 && !slug)
        rc = kd_error_set(&err, KD_ERR_INVALID, "--slug", "perms create needs --slug");
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    struct kd_permission spec = {.slug = (char *)slug, .name = (char *)name,
                                 .description = (char *)desc};
    struct kd_permission out = {0};
    if (rc == 0)
        rc = kd_backend_permission_create(c->backend, &spec, &out, &err);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);
    if (c->json)
        kd_json_print(kd_json_permission(&out));
    else
        printf("created permission %s (%s)\n", out.slug, out.id);
    kd_permission_free(&out);
    return KD_EXIT_OK;
}

static int perms_delete(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    int rc = one_slug(c, &p, "perms delete", argc, argv, &err);
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    if (rc == 0)
        rc = kd_backend_permission_delete(c->backend, p.pos[0], &err);
    if (rc == 0) {
        if (c->json) {
            json_t *j = json_object();
            json_object_set_new(j, "deleted", json_string(p.pos[0]));
            kd_json_print(j);
        } else {
            printf("deleted permission %s\n", p.pos[0]);
        }
    }
    kd_argp_free(&p);
    return rc < 0 ? kd_cli_fail(&err) : KD_EXIT_OK;
}

static const struct kd_verb verbs[] = {
    {"list", perms_list, "perms list [--filter S] [--limit N] [--cursor C] [--all]", NULL},
    {"get", perms_get, "perms get SLUG", NULL},
    {"create", perms_create, "perms create --slug S [--name N] [--description D]",
     "A slug is 1-128 of A-Z, a-z, 0-9 and _:.*- (e.g. payments:read).\n"},
    {"delete", perms_delete, "perms delete SLUG", NULL},
    {NULL, NULL, NULL, NULL},
};

int kd_cmd_perms(struct kd_cli *c, int argc, char **argv)
{
    return kd_cli_dispatch(c, "perms", "permissions", verbs, argc, argv);
}
