/*
 * cmd_rootkeys.c — `keydeck rootkeys create|list|delete`: the bearer tokens
 * keydeckd accepts.  They are managed only here, on the keystore itself; the
 * server hides their key space from every request (backend/rootkeys.h).
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/rootkeys.h"
#include "cli/args.h"
#include "cli/cmd_keys.h"
#include "cli/output.h"
#include "util/clock.h"
#include "util/strlist.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

/* The keystore only grants permissions it knows: make the missing ones. */
static int ensure_permissions(struct kd_backend *b, const struct kd_strlist *slugs,
                             struct kd_error *err)
{
    for (size_t i = 0; i < slugs->len; i++) {
        struct kd_permission p = {0};
        int rc = kd_backend_permission_get(b, slugs->items[i], &p, err);
        kd_permission_free(&p);
        if (rc == 0)
            continue;
        if (err->code != KD_ERR_NOT_FOUND)
            return -1;
        struct kd_permission spec = {.slug = slugs->items[i],
                                     .name = slugs->items[i],
                                     .description = (char *)"keydeckd root key permission"};
        struct kd_permission made = {0};
        rc = kd_backend_permission_create(b, &spec, &made, err);
        kd_permission_free(&made);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int rootkeys_create(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "rootkeys create", argc, argv);
    struct kd_key spec;
    kd_key_init(&spec);
    const char *name = NULL, *perms = NULL;
    int rc = 0;
    const char *o;
    while (rc == 0 && (o = kd_argp_next(&p))) {
        if (strcmp(o, "--name") == 0) {
            rc = kd_argp_value(&p, &name, &err);
        } else if (strcmp(o, "--permissions") == 0) {
            rc = kd_argp_value(&p, &perms, &err);
        } else if (strcmp(o, "--expires") == 0) {
            const char *v;
            rc = kd_argp_value(&p, &v, &err);
            if (rc == 0 && kd_time_parse(v, kd_now_ms(), &spec.expires, &err) < 0) {
                snprintf(err.field, sizeof err.field, "--expires");
                rc = -1;
            }
        } else {
            rc = kd_argp_other(&p, &err);
        }
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    if (rc == 0 && !name)
        rc = kd_error_set(&err, KD_ERR_INVALID, "--name", "rootkeys create needs --name");
    if (rc == 0 && !perms)
        rc = kd_error_set(&err, KD_ERR_INVALID, "--permissions",
                          "rootkeys create needs --permissions (e.g. 'api.*.verify_key')");
    if (rc == 0) {
        kd_strlist_split(&spec.permissions, perms);
        if (spec.permissions.len == 0)
            rc = kd_error_set(&err, KD_ERR_INVALID, "--permissions", "no permission given");
        for (size_t i = 0; rc == 0 && i < spec.permissions.len; i++) {
            rc = kd_rootkey_permission_check(spec.permissions.items[i], &err);
            if (rc < 0)
                snprintf(err.field, sizeof err.field, "--permissions");
        }
    }
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    if (rc == 0)
        rc = kd_rootkeys_space(c->backend, true, &spec.api_id, &err) < 0 ? -1 : 0;
    if (rc == 0)
        rc = ensure_permissions(c->backend, &spec.permissions, &err);
    struct kd_key_secret s = {0};
    if (rc == 0) {
        spec.name = kd_xstrdup(name);
        rc = kd_backend_key_create(c->backend, &spec, &s, &err);
    }
    kd_key_free(&spec);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);
    kd_keys_print_secret(c, &s, "created root");
    kd_key_secret_free(&s);
    return KD_EXIT_OK;
}

static void rootkey_row(struct kd_table *t, const struct kd_key *k, int64_t now)
{
    char expires[32], used[32], created[32];
    kd_fmt_when(k->expires, now, "never", expires, sizeof expires);
    kd_fmt_when(k->last_used_at, now, "never", used, sizeof used);
    kd_fmt_when(k->created_at, now, "-", created, sizeof created);
    char *perms = kd_strlist_join(&k->permissions, ",");
    const char *cells[] = {k->id,  k->name, k->start, kd_key_state_word(kd_key_state(k, now)),
                           perms, expires, used,     created};
    kd_table_add(t, cells);
    free(perms);
}

static int rootkeys_list(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "rootkeys list", argc, argv);
    struct kd_key_query q = {.page.want_total = true};
    bool all = false;
    int rc = 0;
    while (rc == 0 && kd_argp_next(&p)) {
        int r = kd_argp_list_option(&p, &q.page, &all, &err);
        rc = r < 0 ? -1 : r == 1 ? 0 : kd_argp_other(&p, &err);
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    if (rc == 0)
        rc = kd_cli_open(c, false, &err);
    char *space = NULL;
    if (rc == 0)
        rc = kd_rootkeys_space(c->backend, false, &space, &err) < 0 ? -1 : 0;
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);

    static const char *const headers[] = {"ID",          "NAME",      "START",   "STATE",
                                          "PERMISSIONS", "EXPIRES",   "LAST USED", "CREATED"};
    struct kd_table *t = kd_table_new(8, headers);
    const char *none = "no root keys yet: keydeck rootkeys create --name N --permissions P";
    if (!space) { /* no root key space yet: nothing to list */
        kd_list_finish(c->json, json_array(), t, NULL, 0, none);
        return KD_EXIT_OK;
    }
    q.api_id = space;
    int status = kd_keys_print_list(c, &q, all, t, rootkey_row, none);
    free(space);
    return status;
}

static int rootkeys_delete(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "rootkeys delete", argc, argv);
    int rc = 0;
    while (rc == 0 && kd_argp_next(&p))
        rc = kd_argp_other(&p, &err);
    if (rc == 0)
        rc = kd_argp_positionals(&p, 1, 1, "ROOTKEY_ID", &err);
    const char *id = rc == 0 ? p.pos[0] : NULL;
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    char *space = NULL;
    if (rc == 0 && kd_rootkeys_space(c->backend, false, &space, &err) < 0)
        rc = -1;
    struct kd_key k;
    kd_key_init(&k);
    if (rc == 0 && space && kd_backend_key_get(c->backend, id, &k, &err) < 0 &&
        err.code != KD_ERR_NOT_FOUND)
        rc = -1;
    /* Only a key of the root key space: `keys delete` is for the others. */
    if (rc == 0 && (!space || !k.api_id || strcmp(k.api_id, space) != 0))
        rc = kd_error_set(&err, KD_ERR_NOT_FOUND, NULL, "no root key %s", id);
    if (rc == 0)
        rc = kd_backend_key_delete(c->backend, id, false, &err);
    kd_key_free(&k);
    free(space);
    if (rc < 0) {
        kd_argp_free(&p);
        return kd_cli_fail(&err);
    }
    if (c->json) {
        json_t *j = json_object();
        json_object_set_new(j, "deleted", json_string(id));
        kd_json_print(j);
    } else {
        printf("deleted root key %s\n", id);
    }
    kd_argp_free(&p);
    return KD_EXIT_OK;
}

static const struct kd_verb verbs[] = {
    {"create", rootkeys_create,
     "rootkeys create --name N --permissions P,Q [--expires TIME]",
     "Make a root key for keydeckd and print it once.\n"
     "  --name N          what it is for\n"
     "  --permissions P   comma-separated: api.*.ACTION, api.<apiId>.ACTION, rbac.*.ACTION\n"
     "                    api actions: create_key read_key update_key delete_key verify_key\n"
     "                      decrypt_key create_api read_api delete_api\n"
     "                    rbac actions: create_permission read_permission delete_permission\n"
     "                      create_role read_role delete_role add_permission_to_role\n"
     "                      remove_permission_from_role\n"
     "  --expires TIME    ISO-8601 UTC, Unix ms, or from now: 30d, 12h\n"},
    {"list", rootkeys_list, "rootkeys list [--limit N] [--cursor C] [--all]",
     "List root keys with their permissions (never the keys themselves).\n"},
    {"delete", rootkeys_delete, "rootkeys delete ROOTKEY_ID",
     "keydeckd refuses the key from its next request on.\n"},
    {NULL, NULL, NULL, NULL},
};

int kd_cmd_rootkeys(struct kd_cli *c, int argc, char **argv)
{
    return kd_cli_dispatch(c, "rootkeys", "keydeckd's root keys", verbs, argc, argv);
}
