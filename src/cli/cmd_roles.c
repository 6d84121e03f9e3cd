/*
 * cmd_roles.c — `keydeck roles list|get|create|delete|perms`.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cmd_keys.h"
#include "cli/output.h"
#include "util/clock.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static int roles_list(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "roles list", argc, argv);
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

    static const char *const headers[] = {"NAME", "KEYS", "PERMISSIONS", "DESCRIPTION"};
    struct kd_table *t = kd_table_new(4, headers);
    json_t *items = json_array();
    char *cursor = kd_xstrdup(q.cursor);
    int64_t total = -1;
    for (;;) {
        struct kd_role_page page = {0};
        q.cursor = cursor;
        if (kd_backend_role_list(c->backend, &q, &page, &err) < 0) {
            free(cursor);
            kd_table_free(t);
            json_decref(items);
            return kd_cli_fail(&err);
        }
        for (size_t i = 0; i < page.len; i++) {
            const struct kd_role *r = &page.items[i];
            char keys[24];
            snprintf(keys, sizeof keys, "%lld", (long long)r->key_count);
            char *perms = kd_strlist_join(&r->permissions, ",");
            const char *cells[] = {r->name, r->key_count >= 0 ? keys : "?", perms,
                                   r->description};
            kd_table_add(t, cells);
            free(perms);
            json_array_append_new(items, kd_json_role(r));
        }
        free(cursor);
        cursor = kd_xstrdup(page.next_cursor);
        total = page.total;
        kd_role_page_free(&page);
        if (!all || !cursor)
            break;
    }
    kd_list_finish(c->json, items, t, cursor, total, "no roles");
    return KD_EXIT_OK;
}

static int role_show(struct kd_cli *c, const char *name, struct kd_error *err)
{
    struct kd_role r = {0};
    if (kd_backend_role_get(c->backend, name, &r, err) < 0)
        return -1;
    if (c->json) {
        kd_json_print(kd_json_role(&r));
    } else {
        char iso[48];
        char *perms = kd_strlist_join(&r.permissions, ", ");
        kd_time_format_iso(r.created_at, iso, sizeof iso);
        printf("id:          %s\n", r.id);
        printf("name:        %s\n", r.name);
        printf("description: %s\n", r.description ? r.description : "-");
        printf("permissions: %s\n", *perms ? perms : "-");
        if (r.key_count >= 0)
            printf("keys:        %lld\n", (long long)r.key_count);
        printf("created:     %s\n", iso);
        free(perms);
    }
    kd_role_free(&r);
    return 0;
}

static int simple_args(struct kd_cli *c, struct kd_argp *p, const char *where, int argc,
                       char **argv, int npos, const char *names, struct kd_error *err)
{
    kd_argp_init(p, c, where, argc, argv);
    int rc = 0;
    while (rc == 0 && kd_argp_next(p))
        rc = kd_argp_other(p, err);
    if (rc == 0)
        rc = kd_argp_positionals(p, npos, npos, names, err);
    return rc;
}

static int roles_get(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    int rc = simple_args(c, &p, "roles get", argc, argv, 1, "NAME", &err);
    if (rc == 0)
        rc = kd_cli_open(c, false, &err);
    if (rc == 0)
        rc = role_show(c, p.pos[0], &err);
    kd_argp_free(&p);
    return rc < 0 ? kd_cli_fail(&err) : KD_EXIT_OK;
}

static int roles_create(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "roles create", argc, argv);
    struct kd_role spec = {0};
    const char *name = NULL, *desc = NULL, *perms = NULL;
    int rc = 0;
    const char *o;
    while (rc == 0 && (o = kd_argp_next(&p))) {
        if (strcmp(o, "--name") == 0)
            rc = kd_argp_value(&p, &name, &err);
        else if (strcmp(o, "--description") == 0)
            rc = kd_argp_value(&p, &desc, &err);
        else if (strcmp(o, "--perms") == 0)
            rc = kd_argp_value(&p, &perms, &err);
        else
            rc = kd_argp_other(&p, &err);
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    if (rc == 0 && !name)
        rc = kd_error_set(&err, KD_ERR_INVALID, "--name", "roles create needs --name");
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    spec.name = (char *)name;
    spec.description = (char *)desc;
    if (perms)
        kd_strlist_split(&spec.permissions, perms);
    struct kd_role out = {0};
    if (rc == 0)
        rc = kd_backend_role_create(c->backend, &spec, &out, &err);
    kd_strlist_clear(&spec.permissions);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);
    if (c->json)
        kd_json_print(kd_json_role(&out));
    else
        printf("created role %s (%s)\n", out.name, out.id);
    kd_role_free(&out);
    return KD_EXIT_OK;
}

static int roles_delete(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    int rc = simple_args(c, &p, "roles delete", argc, argv, 1, "NAME", &err);
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    if (rc == 0)
        rc = kd_backend_role_delete(c->backend, p.pos[0], &err);
    if (rc == 0) {
        if (c->json) {
            json_t *j = json_object();
            json_object_set_new(j, "deleted", json_string(p.pos[0]));
            kd_json_print(j);
        } else {
            printf("deleted role %s\n", p.pos[0]);
        }
    }
    kd_argp_free(&p);
    return rc < 0 ? kd_cli_fail(&err) : KD_EXIT_OK;
}

static int roles_perms(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    int rc = simple_args(c, &p, "roles perms", argc, argv, 3, "NAME add|remove|set x,y", &err);
    enum kd_set_op op = KD_SET_ADD;
    struct kd_strlist list = KD_STRLIST_INIT;
    if (rc == 0)
        rc = kd_parse_set_op(p.pos[1], &op, &err);
    if (rc == 0)
        kd_strlist_split(&list, p.pos[2]);
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    if (rc == 0)
        rc = kd_backend_role_set_permissions(c->backend, p.pos[0], op, &list, &err);
    kd_strlist_clear(&list);
    if (rc == 0)
        rc = role_show(c, p.pos[0], &err);
    kd_argp_free(&p);
    return rc < 0 ? kd_cli_fail(&err) : KD_EXIT_OK;
}

static const struct kd_verb verbs[] = {
    {"list", roles_list, "roles list [--filter S] [--limit N] [--cursor C] [--all]", NULL},
    {"get", roles_get, "roles get NAME", NULL},
    {"create", roles_create, "roles create --name N [--description D] [--perms x,y]",
     "The permissions must exist (keydeck perms create).\n"},
    {"delete", roles_delete, "roles delete NAME", NULL},
    {"perms", roles_perms, "roles perms NAME add|remove|set x,y", NULL},
    {NULL, NULL, NULL, NULL},
};

int kd_cmd_roles(struct kd_cli *c, int argc, char **argv)
{
    return kd_cli_dispatch(c, "roles", "roles: named sets of permissions", verbs, argc, argv);
}
