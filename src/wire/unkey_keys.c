/*
 * unkey_keys.c — keys.createKey, getKey, updateKey, deleteKey, rerollKey,
 * updateCredits, whoami, the {add,remove,set}{Permissions,Roles} family and
 * migrateKeys.  (verifyKey is in unkey_verify.c.)
 */
#include "wire/unkey.h"

#include <stdlib.h>
#include <string.h>

#include "backend/backend.h" /* enum kd_credit_op */
#include "util/xalloc.h"
#include "wire/json.h"

/* The spec's rules for key fields. */
static const struct kd_jstr_rule key_id_rule = {3, 255, KD_CS_WORD};
static const struct kd_jstr_rule create_api_id_rule = {3, 255, KD_CS_WORD};
static const struct kd_jstr_rule prefix_rule = {1, 16, KD_CS_WORD};
static const struct kd_jstr_rule key_name_rule = {1, 255, KD_CS_ANY};
static const struct kd_jstr_rule external_id_rule = {1, 255, KD_CS_EXTERNAL_ID};
/* migrateKeys' externalId has no pattern. */
static const struct kd_jstr_rule migrate_external_id_rule = {1, 255, KD_CS_ANY};
static const struct kd_jstr_rule role_name_rule = {1, 128, KD_CS_ANY};
static const struct kd_jstr_rule slug_rule = {1, 128, KD_CS_SLUG};
static const struct kd_jstr_rule plaintext_rule = {1, 512, KD_CS_ANY};

#define META_MAX_PROPS 100
#define ROLES_MAX 100
#define PERMISSIONS_MAX 1000
#define RATELIMITS_MAX 50
#define EXPIRES_MAX 4102444800000LL

/* ---- fields createKey, migrateKeys and updateKey share -------------------------------- */

/* "" is no value: the spec's strings have minLength 1. */
static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

static json_t *meta_or_fail(const char *meta_json, struct kd_error *err)
{
    json_t *meta = kd_jmeta_parse(meta_json);
    if (!meta)
        kd_error_set(err, KD_ERR_INVALID, "meta", "meta must be a JSON object");
    return meta;
}

static int refuse_environment(const char *environment, struct kd_error *err)
{
    if (environment && *environment)
        return kd_error_set(err, KD_ERR_UNSUPPORTED, "environment",
                            "Unkey v2 keys have no environment (use meta or a separate API)");
    return 0;
}

/* name … enabled of a create or migrate spec, in the spec's order. */
static int encode_key_fields(json_t *o, const struct kd_key *k, struct kd_error *err)
{
    if (refuse_environment(k->environment, err) < 0)
        return -1;
    kd_jset_str(o, "name", nonempty(k->name));
    kd_jset_str(o, "externalId", nonempty(k->external_id));
    if (nonempty(k->meta_json)) {
        json_t *meta = meta_or_fail(k->meta_json, err);
        if (!meta)
            return -1;
        json_object_set_new(o, "meta", meta);
    }
    if (k->roles.len)
        json_object_set_new(o, "roles", kd_jstrlist(&k->roles));
    if (k->permissions.len)
        json_object_set_new(o, "permissions", kd_jstrlist(&k->permissions));
    if (k->expires)
        kd_jset_int(o, "expires", k->expires);
    /* Unlimited is the default: no credits member at all. */
    if (k->credits.limited) {
        json_t *credits = kd_wire_credits_req(&k->credits, err);
        if (!credits)
            return -1;
        json_object_set_new(o, "credits", credits);
    } else if (k->credits.refill.interval != KD_REFILL_NONE) {
        return kd_error_set(err, KD_ERR_INVALID, "credits.refill",
                            "a refill needs limited credits");
    }
    if (k->n_ratelimits)
        json_object_set_new(o, "ratelimits", kd_wire_ratelimits_req(k->ratelimits, k->n_ratelimits));
    kd_jset_bool(o, "enabled", k->enabled);
    return 0;
}

static int decode_credits_member(const struct kd_jobj *o, bool update_form, bool *present,
                                 bool *is_null, struct kd_credits *out)
{
    struct kd_jobj child;
    int r = kd_jget_object(o, "credits", false, &child, update_form ? is_null : NULL);
    *present = r > 0;
    if (r <= 0 || (update_form && *is_null))
        return r;
    return kd_wire_credits_req_decode(child.json, child.path, update_form, out, o->err);
}

static int decode_ratelimits_member(const struct kd_jobj *o, bool *present, struct kd_key *k)
{
    const json_t *arr;
    int r = kd_jget_array(o, "ratelimits", false, 0, RATELIMITS_MAX, &arr);
    *present = r > 0;
    if (r <= 0)
        return r;
    char where[KD_JPATH_MAX];
    kd_jpath_member(where, sizeof where, o->path, "ratelimits");
    return kd_wire_ratelimits_req_decode(arr, where, &k->ratelimits, &k->n_ratelimits, o->err);
}

/* The fields createKey and migrateKeys' items share. */
static int decode_key_fields(const struct kd_jobj *o, const struct kd_jstr_rule *ext_rule,
                             struct kd_key *k)
{
    bool present, unused;
    if (kd_jget_strdup(o, "name", false, &key_name_rule, &k->name, NULL) < 0 ||
        kd_jget_strdup(o, "externalId", false, ext_rule, &k->external_id, NULL) < 0 ||
        kd_jget_meta(o, "meta", META_MAX_PROPS, &k->meta_json, NULL) < 0 ||
        kd_jget_strlist(o, "roles", false, 0, ROLES_MAX, &role_name_rule, &k->roles) < 0 ||
        kd_jget_strlist(o, "permissions", false, 0, PERMISSIONS_MAX, &slug_rule,
                        &k->permissions) < 0 ||
        kd_jget_int(o, "expires", false, 0, EXPIRES_MAX, &k->expires, NULL) < 0 ||
        decode_credits_member(o, false, &present, &unused, &k->credits) < 0 ||
        decode_ratelimits_member(o, &present, k) < 0 ||
        kd_jget_bool(o, "enabled", false, &k->enabled) < 0)
        return -1;
    return 0;
}

/* ---- keys.createKey ---------------------------------------------------------------- */

json_t *kd_wire_create_key_req(const struct kd_key *spec, struct kd_error *err)
{
    json_t *o = json_object();
    kd_jset_str(o, "apiId", spec->api_id);
    if (spec->prefix && *spec->prefix)
        kd_jset_str(o, "prefix", spec->prefix);
    /* 0: let the server use the API's default (16). */
    if (spec->byte_length)
        kd_jset_int(o, "byteLength", spec->byte_length);
    if (encode_key_fields(o, spec, err) < 0) {
        json_decref(o);
        return NULL;
    }
    if (spec->recoverable)
        kd_jset_bool(o, "recoverable", true);
    return o;
}

int kd_wire_create_key_req_decode(const json_t *body, struct kd_key *spec, struct kd_error *err)
{
    static const char *const allowed[] = {
        "apiId", "prefix", "name",    "byteLength", "externalId", "meta",        "roles",
        "permissions", "expires", "credits", "ratelimits", "enabled", "recoverable", NULL};
    kd_key_init(spec);
    struct kd_jobj o;
    int64_t byte_length = 0;
    if (kd_jobj_open(&o, body, "body", KD_JREQUEST, err) < 0 || kd_jobj_only(&o, allowed) < 0 ||
        kd_jget_strdup(&o, "apiId", true, &create_api_id_rule, &spec->api_id, NULL) < 0 ||
        kd_jget_strdup(&o, "prefix", false, &prefix_rule, &spec->prefix, NULL) < 0 ||
        kd_jget_int(&o, "byteLength", false, 16, 255, &byte_length, NULL) < 0 ||
        decode_key_fields(&o, &external_id_rule, spec) < 0 ||
        kd_jget_bool(&o, "recoverable", false, &spec->recoverable) < 0) {
        kd_key_free(spec);
        return -1;
    }
    /* Absent stays 0: the engine then uses the API's default length. */
    spec->byte_length = (int)byte_length;
    return 0;
}

json_t *kd_wire_key_secret_res(const struct kd_key_secret *s)
{
    json_t *o = json_object();
    kd_jset_str(o, "keyId", s->key_id);
    kd_jset_str(o, "key", s->plaintext);
    return o;
}

int kd_wire_key_secret_res_decode(const json_t *data, struct kd_key_secret *out,
                                  struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    struct kd_jobj o;
    if (kd_jobj_open(&o, data, "data", KD_JRESPONSE, err) < 0 ||
        kd_jget_strdup(&o, "keyId", true, NULL, &out->key_id, NULL) < 0 ||
        kd_jget_strdup(&o, "key", true, NULL, &out->plaintext, NULL) < 0) {
        kd_key_secret_free(out);
        return -1;
    }
    return 0;
}

/* ---- keys.getKey, deleteKey, rerollKey, whoami ------------------------------------------ */

/* Open body and read its keyId: the start of most keys.* requests. */
static int open_with_key_id(struct kd_jobj *o, const json_t *body, const char *const *allowed,
                            char **key_id, struct kd_error *err)
{
    *key_id = NULL;
    if (kd_jobj_open(o, body, "body", KD_JREQUEST, err) < 0 || kd_jobj_only(o, allowed) < 0 ||
        kd_jget_strdup(o, "keyId", true, &key_id_rule, key_id, NULL) < 0)
        return -1;
    return 0;
}

static json_t *key_id_object(const char *key_id)
{
    json_t *o = json_object();
    kd_jset_str(o, "keyId", key_id);
    return o;
}

json_t *kd_wire_get_key_req(const char *key_id, bool decrypt)
{
    json_t *o = key_id_object(key_id);
    if (decrypt)
        kd_jset_bool(o, "decrypt", true);
    return o;
}

int kd_wire_get_key_req_decode(const json_t *body, char **key_id, bool *decrypt,
                               struct kd_error *err)
{
    static const char *const allowed[] = {"keyId", "decrypt", NULL};
    struct kd_jobj o;
    *decrypt = false;
    if (open_with_key_id(&o, body, allowed, key_id, err) < 0 ||
        kd_jget_bool(&o, "decrypt", false, decrypt) < 0) {
        free(*key_id);
        *key_id = NULL;
        *decrypt = false;
        return -1;
    }
    return 0;
}

json_t *kd_wire_delete_key_req(const char *key_id, bool permanent)
{
    json_t *o = key_id_object(key_id);
    if (permanent)
        kd_jset_bool(o, "permanent", true);
    return o;
}

int kd_wire_delete_key_req_decode(const json_t *body, char **key_id, bool *permanent,
                                  struct kd_error *err)
{
    static const char *const allowed[] = {"keyId", "permanent", NULL};
    struct kd_jobj o;
    *permanent = false;
    if (open_with_key_id(&o, body, allowed, key_id, err) < 0 ||
        kd_jget_bool(&o, "permanent", false, permanent) < 0) {
        free(*key_id);
        *key_id = NULL;
        *permanent = false;
        return -1;
    }
    return 0;
}

json_t *kd_wire_reroll_key_req(const char *key_id, int64_t expiration_ms)
{
    json_t *o = key_id_object(key_id);
    kd_jset_int(o, "expiration", expiration_ms);
    return o;
}

int kd_wire_reroll_key_req_decode(const json_t *body, char **key_id, int64_t *expiration_ms,
                                  struct kd_error *err)
{
    static const char *const allowed[] = {"keyId", "expiration", NULL};
    struct kd_jobj o;
    *expiration_ms = 0;
    if (open_with_key_id(&o, body, allowed, key_id, err) < 0 ||
        kd_jget_int(&o, "expiration", true, 0, EXPIRES_MAX, expiration_ms, NULL) < 0) {
        free(*key_id);
        *key_id = NULL;
        *expiration_ms = 0;
        return -1;
    }
    return 0;
}

json_t *kd_wire_whoami_req(const char *key)
{
    json_t *o = json_object();
    kd_jset_str(o, "key", key);
    return o;
}

int kd_wire_whoami_req_decode(const json_t *body, char **key, struct kd_error *err)
{
    static const char *const allowed[] = {"key", NULL};
    *key = NULL;
    struct kd_jobj o;
    if (kd_jobj_open(&o, body, "body", KD_JREQUEST, err) < 0 || kd_jobj_only(&o, allowed) < 0 ||
        kd_jget_strdup(&o, "key", true, &plaintext_rule, key, NULL) < 0)
        return -1;
    return 0;
}

/* ---- keys.updateKey ----------------------------------------------------------------- */

json_t *kd_wire_update_key_req(const char *key_id, const struct kd_key_update *u,
                               struct kd_error *err)
{
    const struct kd_key *v = &u->values;
    if ((u->fields & KD_KF_ENVIRONMENT) && refuse_environment(v->environment ? v->environment : "-",
                                                              err) < 0)
        return NULL;

    json_t *o = key_id_object(key_id);
    if (u->fields & KD_KF_NAME)
        kd_jset_str_or_null(o, "name", nonempty(v->name));
    if (u->fields & KD_KF_EXTERNAL_ID)
        kd_jset_str_or_null(o, "externalId", nonempty(v->external_id));
    if (u->fields & KD_KF_META) {
        json_t *meta = nonempty(v->meta_json) ? meta_or_fail(v->meta_json, err) : json_null();
        if (!meta)
            goto fail;
        json_object_set_new(o, "meta", meta);
    }
    if (u->fields & KD_KF_EXPIRES) {
        if (v->expires)
            kd_jset_int(o, "expires", v->expires);
        else
            json_object_set_new(o, "expires", json_null());
    }
    if (u->fields & KD_KF_CREDITS) {
        if (v->credits.limited) {
            json_t *credits = kd_wire_credits_req(&v->credits, err);
            if (!credits)
                goto fail;
            /* remaining and refill change together: no refill clears it. */
            if (!json_object_get(credits, "refill"))
                json_object_set_new(credits, "refill", json_null());
            json_object_set_new(o, "credits", credits);
        } else {
            json_object_set_new(o, "credits", json_null());
        }
    }
    if (u->fields & KD_KF_RATELIMITS)
        json_object_set_new(o, "ratelimits",
                            kd_wire_ratelimits_req(v->ratelimits, v->n_ratelimits));
    if (u->fields & KD_KF_ENABLED)
        kd_jset_bool(o, "enabled", v->enabled);
    if (u->fields & KD_KF_ROLES)
        json_object_set_new(o, "roles", kd_jstrlist(&v->roles));
    if (u->fields & KD_KF_PERMISSIONS)
        json_object_set_new(o, "permissions", kd_jstrlist(&v->permissions));
    return o;

fail:
    json_decref(o);
    return NULL;
}

int kd_wire_update_key_req_decode(const json_t *body, char **key_id, struct kd_key_update *u,
                                  struct kd_error *err)
{
    static const char *const allowed[] = {"keyId",   "name",       "externalId", "meta",
                                          "expires", "credits",    "ratelimits", "enabled",
                                          "roles",   "permissions", NULL};
    memset(u, 0, sizeof *u);
    kd_key_init(&u->values);
    struct kd_key *v = &u->values;
    struct kd_jobj o;
    bool is_null = false, present = false;
    int r;

    if (open_with_key_id(&o, body, allowed, key_id, err) < 0)
        goto fail;
    /* Each member present (null included) names a field to change. */
#define MARK(call, bit)            \
    do {                           \
        if ((r = (call)) < 0)      \
            goto fail;             \
        if (r > 0)                 \
            u->fields |= (bit);    \
    } while (0)
    MARK(kd_jget_strdup(&o, "name", false, &key_name_rule, &v->name, &is_null), KD_KF_NAME);
    MARK(kd_jget_strdup(&o, "externalId", false, &external_id_rule, &v->external_id, &is_null),
         KD_KF_EXTERNAL_ID);
    MARK(kd_jget_meta(&o, "meta", META_MAX_PROPS, &v->meta_json, &is_null), KD_KF_META);
    MARK(kd_jget_int(&o, "expires", false, 0, EXPIRES_MAX, &v->expires, &is_null),
         KD_KF_EXPIRES);
    if (is_null)
        v->expires = 0;
    MARK(kd_jget_bool(&o, "enabled", false, &v->enabled), KD_KF_ENABLED);
    MARK(kd_jget_strlist(&o, "roles", false, 0, ROLES_MAX, &role_name_rule, &v->roles),
         KD_KF_ROLES);
    MARK(kd_jget_strlist(&o, "permissions", false, 0, PERMISSIONS_MAX, &slug_rule,
                         &v->permissions),
         KD_KF_PERMISSIONS);
#undef MARK
    /* null credits: unlimited (credits are zeroed, so limited = false). */
    if (decode_credits_member(&o, true, &present, &is_null, &v->credits) < 0)
        goto fail;
    if (present)
        u->fields |= KD_KF_CREDITS;
    if (decode_ratelimits_member(&o, &present, v) < 0)
        goto fail;
    if (present)
        u->fields |= KD_KF_RATELIMITS;
    return 0;

fail:
    free(*key_id);
    *key_id = NULL;
    kd_key_free(&u->values);
    memset(u, 0, sizeof *u);
    return -1;
}

/* ---- keys.updateCredits ------------------------------------------------------------ */

static const char *const credit_ops[] = {
    [KD_CREDITS_SET] = "set",
    [KD_CREDITS_INCREMENT] = "increment",
    [KD_CREDITS_DECREMENT] = "decrement",
    NULL,
};

json_t *kd_wire_update_credits_req(const char *key_id, int op, bool unlimited, int64_t value)
{
    json_t *o = key_id_object(key_id);
    bool known = op >= KD_CREDITS_SET && op <= KD_CREDITS_DECREMENT;
    kd_jset_str(o, "operation", credit_ops[known ? op : KD_CREDITS_SET]);
    if (unlimited)
        json_object_set_new(o, "value", json_null());
    else
        kd_jset_int(o, "value", value);
    return o;
}

int kd_wire_update_credits_req_decode(const json_t *body, char **key_id, int *op,
                                      bool *unlimited, int64_t *value, struct kd_error *err)
{
    static const char *const allowed[] = {"keyId", "operation", "value", NULL};
    /* This endpoint's keyId only has a minimum length. */
    static const struct kd_jstr_rule credits_key_id_rule = {3, 0, KD_CS_ANY};
    *key_id = NULL;
    *op = KD_CREDITS_SET;
    *unlimited = false;
    *value = 0;
    struct kd_jobj o;
    bool is_null = false;
    int r = 0;
    if (kd_jobj_open(&o, body, "body", KD_JREQUEST, err) < 0 || kd_jobj_only(&o, allowed) < 0 ||
        kd_jget_strdup(&o, "keyId", true, &credits_key_id_rule, key_id, NULL) < 0 ||
        kd_jget_enum(&o, "operation", true, credit_ops, op) < 0 ||
        (r = kd_jget_int(&o, "value", false, 0, INT64_MAX, value, &is_null)) < 0)
        goto fail;
    /* An omitted value is a null one: only "set" can make credits unlimited. */
    *unlimited = r == 0 || is_null;
    if (*unlimited && *op != KD_CREDITS_SET) {
        kd_jfail(&o, "value", "may only be null (unlimited) with operation \"set\"");
        goto fail;
    }
    return 0;

fail:
    free(*key_id);
    *key_id = NULL;
    *op = KD_CREDITS_SET;
    *unlimited = false;
    *value = 0;
    return -1;
}

/* ---- keys.{add,remove,set}{Permissions,Roles} --------------------------------------- */

json_t *kd_wire_key_list_req(const char *key_id, const char *list_field,
                             const struct kd_strlist *items)
{
    json_t *o = key_id_object(key_id);
    json_object_set_new(o, list_field, kd_jstrlist(items));
    return o;
}

int kd_wire_key_list_req_decode(const json_t *body, const char *list_field, bool allow_empty,
                                char **key_id, struct kd_strlist *items, struct kd_error *err)
{
    bool permissions = strcmp(list_field, "permissions") == 0;
    const char *const allowed[] = {"keyId", list_field, NULL};
    memset(items, 0, sizeof *items);
    struct kd_jobj o;
    if (open_with_key_id(&o, body, allowed, key_id, err) < 0 ||
        kd_jget_strlist(&o, list_field, true, allow_empty ? 0 : 1,
                        permissions ? PERMISSIONS_MAX : ROLES_MAX,
                        permissions ? &slug_rule : &role_name_rule, items) < 0) {
        free(*key_id);
        *key_id = NULL;
        kd_strlist_clear(items);
        return -1;
    }
    return 0;
}

json_t *kd_wire_permissions_res(const struct kd_permission *perms, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, kd_wire_permission_res(&perms[i]));
    return arr;
}

int kd_wire_names_res_decode(const json_t *data, const char *list_field,
                             struct kd_strlist *names, struct kd_error *err)
{
    bool permissions = strcmp(list_field, "permissions") == 0;
    memset(names, 0, sizeof *names);
    if (!json_is_array(data))
        return kd_error_set(err, KD_ERR_PROTOCOL, "data", "data must be an array");
    for (size_t i = 0; i < json_array_size(data); i++) {
        char where[KD_JPATH_MAX];
        kd_jpath_index(where, sizeof where, "data", i);
        const json_t *item = json_array_get(data, i);
        if (permissions) {
            struct kd_permission p;
            if (kd_wire_permission_res_decode(item, where, &p, err) < 0)
                goto fail;
            kd_strlist_push(names, p.slug);
            kd_permission_free(&p);
        } else {
            struct kd_role r;
            if (kd_wire_role_res_decode(item, where, &r, err) < 0)
                goto fail;
            kd_strlist_push(names, r.name);
            kd_role_free(&r);
        }
    }
    return 0;

fail:
    kd_strlist_clear(names);
    return -1;
}

/* ---- keys.migrateKeys ------------------------------------------------------------------ */

json_t *kd_wire_migrate_key_req(const char *migration_id, const struct kd_key *spec,
                                const char *hash, struct kd_error *err)
{
    json_t *key = json_object();
    kd_jset_str(key, "hash", hash);
    /* The prefix, length and recoverability are facts of the existing key, not
     * settings: migrateKeys has no fields for them and needs none. */
    if (encode_key_fields(key, spec, err) < 0) {
        json_decref(key);
        return NULL;
    }
    json_t *o = json_object();
    kd_jset_str(o, "migrationId", migration_id);
    kd_jset_str(o, "apiId", spec->api_id);
    json_t *keys = json_array();
    json_array_append_new(keys, key);
    json_object_set_new(o, "keys", keys);
    return o;
}

static int decode_migrate_item(const struct kd_jobj *top, const json_t *keys, size_t i,
                               struct kd_key *spec, char **hash)
{
    static const char *const allowed[] = {"hash",    "name",    "externalId", "meta",
                                          "roles",   "permissions", "expires", "enabled",
                                          "credits", "ratelimits", NULL};
    static const struct kd_jstr_rule hash_rule = {3, 0, KD_CS_ANY};
    struct kd_jobj item;
    if (kd_jget_item_object(top, "keys", keys, i, &item) < 0 || kd_jobj_only(&item, allowed) < 0 ||
        kd_jget_strdup(&item, "hash", true, &hash_rule, hash, NULL) < 0 ||
        decode_key_fields(&item, &migrate_external_id_rule, spec) < 0)
        return -1;
    return 0;
}

int kd_wire_migrate_keys_req_decode(const json_t *body, size_t index, char **migration_id,
                                    struct kd_key *spec, char **hash, size_t *n_keys,
                                    struct kd_error *err)
{
    static const char *const allowed[] = {"migrationId", "apiId", "keys", NULL};
    static const struct kd_jstr_rule id_rule = {3, 255, KD_CS_ANY};
    *migration_id = NULL;
    *hash = NULL;
    *n_keys = 0;
    kd_key_init(spec);
    struct kd_jobj o;
    const json_t *keys;
    if (kd_jobj_open(&o, body, "body", KD_JREQUEST, err) < 0 || kd_jobj_only(&o, allowed) < 0 ||
        kd_jget_strdup(&o, "migrationId", true, &id_rule, migration_id, NULL) < 0 ||
        kd_jget_strdup(&o, "apiId", true, &id_rule, &spec->api_id, NULL) < 0 ||
        kd_jget_array(&o, "keys", true, 1, 0, &keys) < 0)
        goto fail;
    size_t n = json_array_size(keys);
    if (index >= n) {
        kd_jfail(&o, "keys", "has no item %zu", index);
        goto fail;
    }
    /* Index 0 checks every item, so a bad body is refused before any key of
     * it is migrated. */
    for (size_t i = 0; index == 0 && i < n; i++) {
        struct kd_key scratch;
        char *scratch_hash = NULL;
        kd_key_init(&scratch);
        int r = decode_migrate_item(&o, keys, i, &scratch, &scratch_hash);
        kd_key_free(&scratch);
        free(scratch_hash);
        if (r < 0)
            goto fail;
    }
    if (decode_migrate_item(&o, keys, index, spec, hash) < 0)
        goto fail;
    *n_keys = n;
    return 0;

fail:
    free(*migration_id);
    *migration_id = NULL;
    free(*hash);
    *hash = NULL;
    kd_key_free(spec);
    return -1;
}

json_t *kd_wire_migrate_keys_res(char *const *hashes, char *const *key_ids, size_t n)
{
    json_t *migrated = json_array();
    json_t *failed = json_array();
    for (size_t i = 0; i < n; i++) {
        if (key_ids[i]) {
            json_t *m = json_object();
            kd_jset_str(m, "hash", hashes[i]);
            kd_jset_str(m, "keyId", key_ids[i]);
            json_array_append_new(migrated, m);
        } else {
            json_array_append_new(failed, json_string(hashes[i]));
        }
    }
    json_t *o = json_object();
    json_object_set_new(o, "migrated", migrated);
    json_object_set_new(o, "failed", failed);
    return o;
}

int kd_wire_migrate_keys_res_decode(const json_t *data, char **key_id, struct kd_error *err)
{
    *key_id = NULL;
    struct kd_jobj o;
    const json_t *migrated, *failed;
    if (kd_jobj_open(&o, data, "data", KD_JRESPONSE, err) < 0 ||
        kd_jget_array(&o, "migrated", true, 0, 0, &migrated) < 0 ||
        kd_jget_array(&o, "failed", true, 0, 0, &failed) < 0)
        return -1;
    if (json_array_size(migrated) > 0) {
        struct kd_jobj first;
        const char *hash;
        if (kd_jget_item_object(&o, "migrated", migrated, 0, &first) < 0 ||
            kd_jget_str(&first, "hash", true, NULL, &hash, NULL) < 0 ||
            kd_jget_strdup(&first, "keyId", true, NULL, key_id, NULL) < 0)
            return -1;
        return 0;
    }
    if (json_array_size(failed) > 0)
        return kd_error_set(err, KD_ERR_CONFLICT, NULL,
                            "Unkey did not migrate the key (hash %s): it may exist already",
                            json_is_string(json_array_get(failed, 0))
                                ? json_string_value(json_array_get(failed, 0))
                                : "?");
    return kd_error_set(err, KD_ERR_PROTOCOL, "data.migrated",
                        "keys.migrateKeys answered with neither a migrated nor a failed key");
}
