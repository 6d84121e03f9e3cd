/*
 * cmd_keys_write.c — `keys create`, `keys update`, `keys import`: the verbs
 * that take the field options (cli/key_fields.h).
 */
#include "cli/cmd_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/key_fields.h"
#include "cli/output.h"
#include "util/xalloc.h"

#define KD_CREATE_COUNT_MAX 1000000

struct many_out {
    bool json;
    int64_t printed;
};

static int print_one(const struct kd_key_secret *s, void *ctx)
{
    struct many_out *o = ctx;
    int n = o->json ? printf("%s  {\"keyId\": \"%s\", \"key\": \"%s\"}", o->printed ? ",\n" : "",
                             s->key_id, s->plaintext)
                    : printf("%s %s\n", s->key_id, s->plaintext);
    o->printed++;
    return n < 0 ? -1 : 0;
}

int kd_keys_create(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "keys create", argc, argv);
    struct kd_key_fields f;
    kd_key_fields_init(&f);
    const char *api = NULL;
    int64_t count = 1;
    int rc = 0;
    const char *o;
    while (rc == 0 && (o = kd_argp_next(&p))) {
        int r = kd_key_fields_option(&p, &f, false, &err);
        if (r != 0) {
            rc = r < 0 ? -1 : 0;
        } else if (strcmp(o, "--api") == 0) {
            rc = kd_argp_value(&p, &api, &err);
        } else if (strcmp(o, "--count") == 0) {
            const char *v;
            rc = kd_argp_value(&p, &v, &err);
            if (rc == 0)
                rc = kd_parse_int("--count", v, 1, KD_CREATE_COUNT_MAX, &count, &err);
        } else {
            rc = kd_argp_other(&p, &err);
        }
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    if (rc == 0 && !api)
        rc = kd_error_set(&err, KD_ERR_INVALID, "--api", "keys create needs --api ID");
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    kd_key_fields_finish_create(&f);
    f.key.api_id = kd_xstrdup(api);
    struct kd_key_secret s = {0};
    if (rc == 0 && count == 1) {
        rc = kd_backend_key_create(c->backend, &f.key, &s, &err);
        if (rc == 0)
            kd_keys_print_secret(c, &s, "created");
        kd_key_secret_free(&s);
    } else if (rc == 0) {
        /* Many alike keys (fixtures, benchmarks), printed as they are committed,
         * so a failure part-way leaves an exact record of what exists. */
        struct many_out out = {.json = c->json};
        if (c->json)
            printf("[\n");
        int64_t made = 0;
        rc = kd_backend_key_create_many(c->backend, &f.key, count, print_one, &out, &made, &err);
        if (c->json)
            printf("\n]\n");
        if (rc < 0)
            fprintf(stderr, "keydeck: printed %lld of %lld keys before the error below\n",
                    (long long)made, (long long)count);
    }
    kd_key_fields_free(&f);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);
    return KD_EXIT_OK;
}

int kd_keys_update(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "keys update", argc, argv);
    struct kd_key_fields f;
    kd_key_fields_init(&f);
    int rc = 0;
    while (rc == 0 && kd_argp_next(&p)) {
        int r = kd_key_fields_option(&p, &f, true, &err);
        rc = r < 0 ? -1 : r == 1 ? 0 : kd_argp_other(&p, &err);
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 1, 1, "ID", &err);
    if (rc == 0 && f.fields == 0)
        rc = kd_error_set(&err, KD_ERR_INVALID, NULL,
                          "keys update needs at least one field option (see keydeck keys "
                          "update --help)");
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    if (rc == 0 && (f.fields & KD_KF_CREDITS) && !(f.credits_given && f.refill_given)) {
        /* Credits and refill change together; keep the half not given. */
        struct kd_key cur;
        kd_key_init(&cur);
        rc = kd_backend_key_get(c->backend, p.pos[0], &cur, &err);
        if (rc == 0)
            kd_key_fields_merge_credits(&f, &cur.credits);
        kd_key_free(&cur);
    }
    if (rc == 0) {
        struct kd_key_update u = {.fields = f.fields, .values = f.key};
        rc = kd_backend_key_update(c->backend, p.pos[0], &u, &err);
    }
    if (rc == 0)
        rc = kd_keys_show(c, p.pos[0], &err);
    kd_key_fields_free(&f);
    kd_argp_free(&p);
    return rc < 0 ? kd_cli_fail(&err) : KD_EXIT_OK;
}

int kd_keys_import(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "keys import", argc, argv);
    struct kd_key_fields f;
    kd_key_fields_init(&f);
    const char *api = NULL, *hash = NULL;
    int rc = 0;
    const char *o;
    while (rc == 0 && (o = kd_argp_next(&p))) {
        int r = kd_key_fields_option(&p, &f, false, &err);
        if (r != 0)
            rc = r < 0 ? -1 : 0;
        else if (strcmp(o, "--api") == 0)
            rc = kd_argp_value(&p, &api, &err);
        else if (strcmp(o, "--hash") == 0)
            rc = kd_argp_value(&p, &hash, &err);
        else
            rc = kd_argp_other(&p, &err);
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    if (rc == 0 && !api)
        rc = kd_error_set(&err, KD_ERR_INVALID, "--api", "keys import needs --api ID");
    if (rc == 0 && !hash)
        rc = kd_error_set(&err, KD_ERR_INVALID, "--hash", "keys import needs --hash HASH");
    if (rc == 0 && f.key.recoverable)
        rc = kd_error_set(&err, KD_ERR_INVALID, "--recoverable",
                          "an imported key cannot be recoverable: its plaintext is unknown");
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    kd_key_fields_finish_create(&f);
    f.key.api_id = kd_xstrdup(api);
    char *key_id = NULL;
    if (rc == 0)
        rc = kd_backend_key_import(c->backend, &f.key, hash, &key_id, &err);
    kd_key_fields_free(&f);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);
    if (c->json) {
        json_t *j = json_object();
        json_object_set_new(j, "keyId", json_string(key_id));
        kd_json_print(j);
    } else {
        printf("imported key %s\n", key_id);
    }
    free(key_id);
    return KD_EXIT_OK;
}
