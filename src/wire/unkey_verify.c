/*
 * unkey_verify.c — keys.verifyKey: V2KeysVerifyKeyRequestBody and
 * V2KeysVerifyKeyResponseData.
 */
#include "wire/unkey.h"

#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/xalloc.h"
#include "wire/json.h"

#define TAGS_MAX 20
#define CREDIT_COST_MAX 1000000000000LL

/*
 * VerifyKeyRatelimitData.reset: the spec calls it a "reset duration in ms"
 * bounded to 1000..2592000000 (like a window), while Unkey's handler sends an
 * absolute Unix-ms time, far above that bound.  keydeck's model holds the
 * absolute time (reset_at).  Encoding follows the spec, so a validator accepts
 * keydeckd's answers: the time left until reset_at, clamped to the bounds.
 * Decoding accepts both: a value above the bound is taken as the absolute time
 * Unkey sends, anything else as time left from now.
 */
#define RESET_MIN 1000
#define RESET_MAX 2592000000LL
/* VerifyKeyRatelimitData bounds limit and remaining to a million. */
#define RATELIMIT_COUNT_MAX 1000000

/* ---- request ------------------------------------------------------------------------ */

json_t *kd_wire_verify_req(const struct kd_verify_request *req)
{
    json_t *o = json_object();
    kd_jset_str(o, "key", req->key);
    /* No apiId: v2 scopes verification by the root key's verify_key grants. */
    if (req->tags && *req->tags) {
        struct kd_strlist tags = KD_STRLIST_INIT;
        kd_strlist_split(&tags, req->tags);
        if (tags.len)
            json_object_set_new(o, "tags", kd_jstrlist(&tags));
        kd_strlist_clear(&tags);
    }
    if (req->permissions && *req->permissions)
        kd_jset_str(o, "permissions", req->permissions);
    if (req->credit_cost != KD_COST_DEFAULT) {
        json_t *credits = json_object();
        kd_jset_int(credits, "cost", req->credit_cost);
        json_object_set_new(o, "credits", credits);
    }
    if (req->n_ratelimits) {
        json_t *arr = json_array();
        for (size_t i = 0; i < req->n_ratelimits; i++) {
            const struct kd_verify_ratelimit_req *rl = &req->ratelimits[i];
            json_t *item = json_object();
            kd_jset_str(item, "name", rl->name);
            if (rl->cost != KD_COST_DEFAULT)
                kd_jset_int(item, "cost", rl->cost);
            if (rl->limit > 0)
                kd_jset_int(item, "limit", rl->limit);
            if (rl->duration_ms > 0)
                kd_jset_int(item, "duration", rl->duration_ms);
            json_array_append_new(arr, item);
        }
        json_object_set_new(o, "ratelimits", arr);
    }
    return o;
}

static int decode_ratelimit_reqs(const struct kd_jobj *o, struct kd_wire_verify_req *out)
{
    static const char *const allowed[] = {"name", "cost", "limit", "duration", NULL};
    static const struct kd_jstr_rule name_rule = {3, 255, KD_CS_ANY};
    const json_t *arr;
    int r = kd_jget_array(o, "ratelimits", false, 0, 0, &arr);
    if (r <= 0)
        return r;
    size_t n = json_array_size(arr);
    if (!n)
        return 0;
    out->ratelimits = kd_xcalloc(n, sizeof *out->ratelimits);
    out->ratelimit_names = kd_xcalloc(n, sizeof *out->ratelimit_names);
    /* Counted as they fill, so kd_wire_verify_req_free frees a partial list. */
    out->req.ratelimits = out->ratelimits;
    for (size_t i = 0; i < n; i++) {
        struct kd_verify_ratelimit_req *rl = &out->ratelimits[i];
        struct kd_jobj item;
        rl->cost = KD_COST_DEFAULT;
        out->req.n_ratelimits = i + 1;
        if (kd_jget_item_object(o, "ratelimits", arr, i, &item) < 0 ||
            kd_jobj_only(&item, allowed) < 0 ||
            kd_jget_strdup(&item, "name", true, &name_rule, &out->ratelimit_names[i], NULL) < 0 ||
            kd_jget_int(&item, "cost", false, 0, INT64_MAX, &rl->cost, NULL) < 0 ||
            kd_jget_int(&item, "limit", false, 0, INT64_MAX, &rl->limit, NULL) < 0 ||
            kd_jget_int(&item, "duration", false, 0, INT64_MAX, &rl->duration_ms, NULL) < 0)
            return -1;
        rl->name = out->ratelimit_names[i];
    }
    return 0;
}

int kd_wire_verify_req_decode(const json_t *body, struct kd_wire_verify_req *out,
                              struct kd_error *err)
{
    static const char *const allowed[] = {"key",     "tags",       "permissions",
                                          "credits", "ratelimits", "migrationId", NULL};
    static const struct kd_jstr_rule key_rule = {1, 512, KD_CS_ANY};
    static const struct kd_jstr_rule tag_rule = {1, 512, KD_CS_ANY};
    static const struct kd_jstr_rule query_rule = {1, 1000, KD_CS_ANY};
    static const struct kd_jstr_rule migration_rule = {0, 256, KD_CS_ANY};
    memset(out, 0, sizeof *out);
    out->req.credit_cost = KD_COST_DEFAULT;

    struct kd_jobj o, credits;
    struct kd_strlist tags = KD_STRLIST_INIT;
    const char *migration_id;
    int r;
    if (kd_jobj_open(&o, body, "body", KD_JREQUEST, err) < 0 || kd_jobj_only(&o, allowed) < 0 ||
        kd_jget_strdup(&o, "key", true, &key_rule, &out->key, NULL) < 0 ||
        kd_jget_strlist(&o, "tags", false, 0, TAGS_MAX, &tag_rule, &tags) < 0 ||
        kd_jget_strdup(&o, "permissions", false, &query_rule, &out->permissions, NULL) < 0 ||
        (r = kd_jget_object(&o, "credits", false, &credits, NULL)) < 0 ||
        (r > 0 && (kd_jobj_only(&credits, (const char *const[]){"cost", NULL}) < 0 ||
                   kd_jget_int(&credits, "cost", true, 0, CREDIT_COST_MAX,
                               &out->req.credit_cost, NULL) < 0)) ||
        decode_ratelimit_reqs(&o, out) < 0 ||
        /* keydeck keeps no migrated-key hashes apart: checked, then unused. */
        kd_jget_str(&o, "migrationId", false, &migration_rule, &migration_id, NULL) < 0) {
        kd_strlist_clear(&tags);
        kd_wire_verify_req_free(out);
        return -1;
    }
    /* The model carries tags as one comma-separated string. */
    if (tags.len)
        out->tags = kd_strlist_join(&tags, ",");
    kd_strlist_clear(&tags);
    out->req.key = out->key;
    out->req.permissions = out->permissions;
    out->req.tags = out->tags;
    return 0;
}

void kd_wire_verify_req_free(struct kd_wire_verify_req *r)
{
    if (!r)
        return;
    kd_secret_free(r->key);
    free(r->permissions);
    free(r->tags);
    for (size_t i = 0; r->ratelimit_names && i < r->req.n_ratelimits; i++)
        free(r->ratelimit_names[i]);
    free(r->ratelimit_names);
    free(r->ratelimits);
    memset(r, 0, sizeof *r);
}

/* ---- response ---------------------------------------------------------------------- */

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static json_t *ratelimit_state_json(const struct kd_verify_ratelimit *rl, int64_t now)
{
    json_t *o = json_object();
    kd_jset_bool(o, "exceeded", rl->exceeded);
    kd_jset_str(o, "id", rl->id);
    kd_jset_str(o, "name", rl->name);
    kd_jset_int(o, "limit", rl->limit);
    kd_jset_int(o, "duration", rl->duration_ms);
    kd_jset_int(o, "reset", clamp(rl->reset_at - now, RESET_MIN, RESET_MAX));
    kd_jset_int(o, "remaining", clamp(rl->remaining, 0, RATELIMIT_COUNT_MAX));
    kd_jset_bool(o, "autoApply", rl->auto_apply);
    return o;
}

json_t *kd_wire_verify_res(const struct kd_verify_result *r)
{
    const struct kd_key *k = &r->key;
    json_t *o = json_object();
    kd_jset_bool(o, "valid", r->valid);
    kd_jset_str(o, "code", kd_verify_code_name(r->code));
    /* The key's fields only when there is a key (not for NOT_FOUND). */
    if (k->id) {
        kd_jset_str(o, "keyId", k->id);
        kd_jset_str(o, "name", k->name);
        kd_jset_new(o, "meta", kd_jmeta_parse(k->meta_json));
        if (k->expires)
            kd_jset_int(o, "expires", k->expires);
        /* Omitted credits mean unlimited. */
        if (k->credits.limited)
            kd_jset_int(o, "credits", k->credits.remaining);
        kd_jset_bool(o, "enabled", k->enabled);
        if (k->permissions.len)
            json_object_set_new(o, "permissions", kd_jstrlist(&k->permissions));
        if (k->roles.len)
            json_object_set_new(o, "roles", kd_jstrlist(&k->roles));
        if (k->external_id) {
            json_t *identity = json_object();
            kd_jset_str(identity, "id", k->external_id); /* see kd_wire_key_res */
            kd_jset_str(identity, "externalId", k->external_id);
            json_object_set_new(o, "identity", identity);
        }
    }
    if (r->n_ratelimits) {
        int64_t now = kd_now_ms();
        json_t *arr = json_array();
        for (size_t i = 0; i < r->n_ratelimits; i++)
            json_array_append_new(arr, ratelimit_state_json(&r->ratelimits[i], now));
        json_object_set_new(o, "ratelimits", arr);
    }
    return o;
}

static int decode_ratelimit_states(const struct kd_jobj *o, struct kd_verify_result *out)
{
    const json_t *arr;
    int r = kd_jget_array(o, "ratelimits", false, 0, 0, &arr);
    if (r <= 0)
        return r;
    size_t n = json_array_size(arr);
    if (!n)
        return 0;
    int64_t now = kd_now_ms();
    out->ratelimits = kd_xcalloc(n, sizeof *out->ratelimits);
    for (size_t i = 0; i < n; i++) {
        struct kd_verify_ratelimit *rl = &out->ratelimits[i];
        struct kd_jobj item;
        int64_t reset = 0;
        out->n_ratelimits = i + 1;
        if (kd_jget_item_object(o, "ratelimits", arr, i, &item) < 0 ||
            kd_jget_bool(&item, "exceeded", true, &rl->exceeded) < 0 ||
            kd_jget_strdup(&item, "id", true, NULL, &rl->id, NULL) < 0 ||
            kd_jget_strdup(&item, "name", true, NULL, &rl->name, NULL) < 0 ||
            kd_jget_int(&item, "limit", true, 0, INT64_MAX, &rl->limit, NULL) < 0 ||
            kd_jget_int(&item, "duration", true, 0, INT64_MAX, &rl->duration_ms, NULL) < 0 ||
            kd_jget_int(&item, "reset", true, 0, INT64_MAX, &reset, NULL) < 0 ||
            kd_jget_int(&item, "remaining", true, 0, INT64_MAX, &rl->remaining, NULL) < 0 ||
            kd_jget_bool(&item, "autoApply", true, &rl->auto_apply) < 0)
            return -1;
        rl->reset_at = reset > RESET_MAX ? reset : now + reset;
    }
    return 0;
}

static int decode_identity(const struct kd_jobj *o, char **external_id)
{
    struct kd_jobj identity;
    const char *id;
    int r = kd_jget_object(o, "identity", false, &identity, NULL);
    if (r <= 0)
        return r;
    if (kd_jget_str(&identity, "id", true, NULL, &id, NULL) < 0)
        return -1;
    return kd_jget_strdup(&identity, "externalId", true, NULL, external_id, NULL);
}

int kd_wire_verify_res_decode(const json_t *data, struct kd_verify_result *out,
                              struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    kd_key_init(&out->key);
    struct kd_jobj o;
    const char *code;
    int has_credits;
    struct kd_key *k = &out->key;
    if (kd_jobj_open(&o, data, "data", KD_JRESPONSE, err) < 0 ||
        kd_jget_bool(&o, "valid", true, &out->valid) < 0 ||
        kd_jget_str(&o, "code", true, NULL, &code, NULL) < 0 ||
        kd_jget_strdup(&o, "keyId", false, NULL, &k->id, NULL) < 0 ||
        kd_jget_strdup(&o, "name", false, NULL, &k->name, NULL) < 0 ||
        kd_jget_meta(&o, "meta", 0, &k->meta_json, NULL) < 0 ||
        kd_jget_int(&o, "expires", false, 0, INT64_MAX, &k->expires, NULL) < 0 ||
        (has_credits = kd_jget_int(&o, "credits", false, 0, INT64_MAX, &k->credits.remaining,
                                   NULL)) < 0 ||
        kd_jget_bool(&o, "enabled", false, &k->enabled) < 0 ||
        kd_jget_strlist(&o, "permissions", false, 0, 0, NULL, &k->permissions) < 0 ||
        kd_jget_strlist(&o, "roles", false, 0, 0, NULL, &k->roles) < 0 ||
        decode_identity(&o, &k->external_id) < 0 || decode_ratelimit_states(&o, out) < 0) {
        kd_verify_result_free(out);
        return -1;
    }
    k->credits.limited = has_credits > 0;
    if (kd_verify_code_parse(code, &out->code) < 0) {
        /* A code newer than this client: keep the verdict, explain the word. */
        out->code = out->valid ? KD_VERIFY_VALID : KD_VERIFY_FORBIDDEN;
        out->message = kd_xasprintf("Unkey answered with an unknown code %s", code);
    }
    return 0;
}
