/*
 * unkey_objects.c — the objects several endpoints share: KeyResponseData,
 * KeyCreditsData (+ refill), RatelimitRequest/Response, Identity, Permission
 * and Role.
 */
#include "wire/unkey.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"
#include "wire/json.h"

/* The spec's bounds for these objects. */
#define RATELIMIT_NAME_RULE ((struct kd_jstr_rule){3, 128, KD_CS_ANY})
#define INT64_MAX_BOUND INT64_MAX

static const char *const refill_intervals[] = {"daily", "monthly", NULL};

/* ---- credits ------------------------------------------------------------------ */

/* The refill object, or NULL for none (and for EVERY, which v2 cannot carry:
 * request encoders check for it before calling this). */
static json_t *refill_json(const struct kd_refill *r)
{
    if (r->interval != KD_REFILL_DAILY && r->interval != KD_REFILL_MONTHLY)
        return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "interval",
                        json_string(r->interval == KD_REFILL_DAILY ? "daily" : "monthly"));
    kd_jset_int(o, "amount", r->amount);
    /* createKey refuses a monthly refill without its day; v1 defaulted to 1. */
    if (r->interval == KD_REFILL_MONTHLY)
        kd_jset_int(o, "refillDay", r->refill_day >= 1 && r->refill_day <= 31 ? r->refill_day : 1);
    return o;
}

static json_t *credits_json(const struct kd_credits *c)
{
    json_t *o = json_object();
    if (c->limited)
        kd_jset_int(o, "remaining", c->remaining);
    else
        json_object_set_new(o, "remaining", json_null());
    /* v2 only refills limited credits; lastRefillAt has no field in v2. */
    if (c->limited)
        kd_jset_new(o, "refill", refill_json(&c->refill));
    return o;
}

json_t *kd_wire_credits_res(const struct kd_credits *c)
{
    return credits_json(c);
}

json_t *kd_wire_credits_req(const struct kd_credits *c, struct kd_error *err)
{
    if (c->refill.interval == KD_REFILL_EVERY)
        return kd_error_set(err, KD_ERR_UNSUPPORTED, "credits.refill.interval",
                            "Unkey v2 refills only daily or monthly, not every %lld ms",
                            (long long)c->refill.every_ms),
               NULL;
    return credits_json(c);
}

static int refill_decode(const struct kd_jobj *o, struct kd_refill *out)
{
    static const char *const allowed[] = {"interval", "amount", "refillDay", NULL};
    if (kd_jobj_only(o, allowed) < 0)
        return -1;
    memset(out, 0, sizeof *out);
    int64_t day = 0;
    int has_day = kd_jget_int(o, "refillDay", false, 1, 31, &day, NULL);
    if (has_day < 0 || kd_jget_int(o, "amount", true, 1, INT64_MAX_BOUND, &out->amount, NULL) < 0)
        return -1;
    if (o->mode == KD_JREQUEST) {
        int which = 0;
        if (kd_jget_enum(o, "interval", true, refill_intervals, &which) < 0)
            return -1;
        out->interval = which == 0 ? KD_REFILL_DAILY : KD_REFILL_MONTHLY;
        if (out->interval == KD_REFILL_MONTHLY && !has_day)
            return kd_jfail(o, "refillDay", "is required for a monthly refill");
    } else {
        /* A newer server's interval ("weekly"?) must not break a key list:
         * it reads as no refill rather than an error. */
        const char *s;
        if (kd_jget_str(o, "interval", true, NULL, &s, NULL) < 0)
            return -1;
        out->interval = strcmp(s, "daily") == 0     ? KD_REFILL_DAILY
                        : strcmp(s, "monthly") == 0 ? KD_REFILL_MONTHLY
                                                    : KD_REFILL_NONE;
    }
    if (out->interval == KD_REFILL_MONTHLY)
        out->refill_day = has_day ? (int)day : 1;
    return 0;
}

/* Shared by the three forms: response, request, and updateKey's request. */
static int credits_decode(const json_t *v, const char *path, enum kd_jmode mode,
                          bool update_form, struct kd_credits *out, struct kd_error *err)
{
    static const char *const allowed[] = {"remaining", "refill", NULL};
    memset(out, 0, sizeof *out);
    struct kd_jobj o;
    if (kd_jobj_open(&o, v, path, mode, err) < 0 || kd_jobj_only(&o, allowed) < 0)
        return -1;

    bool unlimited = false;
    int r = kd_jget_int(&o, "remaining", !update_form, 0, INT64_MAX_BOUND, &out->remaining,
                        &unlimited);
    if (r < 0)
        return -1;
    if (r == 0) {
        char where[KD_JPATH_MAX];
        kd_jpath_member(where, sizeof where, path, "remaining");
        return kd_error_set(err, KD_ERR_UNSUPPORTED, where,
                            "%s is required: keydeck sets remaining and refill together", where);
    }
    out->limited = !unlimited;

    struct kd_jobj refill;
    bool refill_null = false;
    r = kd_jget_object(&o, "refill", false, &refill, update_form ? &refill_null : NULL);
    if (r < 0)
        return -1;
    if (r > 0 && !refill_null) {
        if (refill_decode(&refill, &out->refill) < 0)
            return -1;
        if (mode == KD_JREQUEST && !out->limited)
            return kd_jfail(&o, "refill", "needs a number of remaining credits (not null)");
    }
    return 0;
}

int kd_wire_credits_res_decode(const json_t *data, const char *path, struct kd_credits *out,
                               struct kd_error *err)
{
    return credits_decode(data, path, KD_JRESPONSE, false, out, err);
}

int kd_wire_credits_req_decode(const json_t *v, const char *path, bool update_form,
                               struct kd_credits *out, struct kd_error *err)
{
    return credits_decode(v, path, KD_JREQUEST, update_form, out, err);
}

/* ---- ratelimits ------------------------------------------------------------------ */

/* A RatelimitRequest array, or with each limit's id a RatelimitResponse one. */
static json_t *ratelimits_json(const struct kd_ratelimit *rl, size_t n, bool with_id)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        if (with_id)
            kd_jset_str(o, "id", rl[i].id);
        kd_jset_str(o, "name", rl[i].name);
        kd_jset_int(o, "limit", rl[i].limit);
        kd_jset_int(o, "duration", rl[i].duration_ms);
        kd_jset_bool(o, "autoApply", rl[i].auto_apply);
        json_array_append_new(arr, o);
    }
    return arr;
}

json_t *kd_wire_ratelimits_req(const struct kd_ratelimit *rl, size_t n)
{
    return ratelimits_json(rl, n, false);
}

/* Items of a RatelimitRequest (request mode) or RatelimitResponse (response
 * mode, which also has the id) array located at path. */
static int ratelimits_decode(const json_t *arr, const char *path, enum kd_jmode mode,
                             struct kd_ratelimit **out, size_t *n, struct kd_error *err)
{
    static const char *const allowed[] = {"name", "limit", "duration", "autoApply", NULL};
    *out = NULL;
    *n = 0;
    size_t count = json_array_size(arr);
    if (!count)
        return 0;
    struct kd_ratelimit *rl = kd_xcalloc(count, sizeof *rl);
    for (size_t i = 0; i < count; i++) {
        char where[KD_JPATH_MAX];
        kd_jpath_index(where, sizeof where, path, i);
        struct kd_jobj o;
        const struct kd_jstr_rule name_rule = RATELIMIT_NAME_RULE;
        if (kd_jobj_open(&o, json_array_get(arr, i), where, mode, err) < 0 ||
            kd_jobj_only(&o, allowed) < 0 ||
            (mode == KD_JRESPONSE && kd_jget_strdup(&o, "id", true, NULL, &rl[i].id, NULL) < 0) ||
            kd_jget_strdup(&o, "name", true, &name_rule, &rl[i].name, NULL) < 0 ||
            kd_jget_int(&o, "limit", true, 1, INT64_MAX_BOUND, &rl[i].limit, NULL) < 0 ||
            kd_jget_int(&o, "duration", true, 1000, INT64_MAX_BOUND, &rl[i].duration_ms, NULL) <
                0 ||
            kd_jget_bool(&o, "autoApply", true, &rl[i].auto_apply) < 0) {
            for (size_t j = 0; j <= i; j++)
                kd_ratelimit_free(&rl[j]);
            free(rl);
            return -1;
        }
    }
    *out = rl;
    *n = count;
    return 0;
}

int kd_wire_ratelimits_req_decode(const json_t *arr, const char *path, struct kd_ratelimit **out,
                                  size_t *n, struct kd_error *err)
{
    return ratelimits_decode(arr, path, KD_JREQUEST, out, n, err);
}

/* ---- KeyResponseData ------------------------------------------------------------- */

json_t *kd_wire_key_res(const struct kd_key *k, const char *plaintext)
{
    json_t *o = json_object();
    kd_jset_str(o, "keyId", k->id);
    kd_jset_str(o, "start", k->start ? k->start : "");
    kd_jset_bool(o, "enabled", k->enabled);
    kd_jset_str(o, "name", k->name);
    kd_jset_new(o, "meta", kd_jmeta_parse(k->meta_json));
    kd_jset_int(o, "createdAt", k->created_at);
    if (k->updated_at)
        kd_jset_int(o, "updatedAt", k->updated_at);
    if (k->last_used_at)
        kd_jset_int(o, "lastUsedAt", k->last_used_at);
    if (k->expires)
        kd_jset_int(o, "expires", k->expires);
    if (k->permissions.len)
        json_object_set_new(o, "permissions", kd_jstrlist(&k->permissions));
    if (k->roles.len)
        json_object_set_new(o, "roles", kd_jstrlist(&k->roles));
    if (k->credits.limited)
        json_object_set_new(o, "credits", credits_json(&k->credits));
    if (k->external_id) {
        /* keydeck has no identity objects: the external id is the identity,
         * so it also serves as the identity's id. */
        json_t *identity = json_object();
        kd_jset_str(identity, "id", k->external_id);
        kd_jset_str(identity, "externalId", k->external_id);
        json_object_set_new(o, "identity", identity);
    }
    kd_jset_str(o, "plaintext", plaintext);
    if (k->n_ratelimits)
        json_object_set_new(o, "ratelimits", ratelimits_json(k->ratelimits, k->n_ratelimits, true));
    return o;
}

/* identity.externalId, the only part of Identity keydeck keeps. */
static int identity_decode(const struct kd_jobj *o, char **external_id)
{
    struct kd_jobj identity;
    int r = kd_jget_object(o, "identity", false, &identity, NULL);
    if (r <= 0)
        return r;
    const char *id;
    if (kd_jget_str(&identity, "id", true, NULL, &id, NULL) < 0)
        return -1;
    return kd_jget_strdup(&identity, "externalId", true, NULL, external_id, NULL);
}

int kd_wire_key_res_decode(const json_t *data, const char *path, struct kd_key *out,
                           char **plaintext, struct kd_error *err)
{
    kd_key_init(out);
    if (plaintext)
        *plaintext = NULL;
    struct kd_jobj o;
    const json_t *rl = NULL;
    char *secret = NULL;
    if (kd_jobj_open(&o, data, path, KD_JRESPONSE, err) < 0 ||
        kd_jget_strdup(&o, "keyId", true, NULL, &out->id, NULL) < 0 ||
        kd_jget_strdup(&o, "start", true, NULL, &out->start, NULL) < 0 ||
        kd_jget_bool(&o, "enabled", true, &out->enabled) < 0 ||
        kd_jget_strdup(&o, "name", false, NULL, &out->name, NULL) < 0 ||
        kd_jget_meta(&o, "meta", 0, &out->meta_json, NULL) < 0 ||
        kd_jget_int(&o, "createdAt", true, 0, INT64_MAX, &out->created_at, NULL) < 0 ||
        kd_jget_int(&o, "updatedAt", false, 0, INT64_MAX, &out->updated_at, NULL) < 0 ||
        kd_jget_int(&o, "lastUsedAt", false, 0, INT64_MAX, &out->last_used_at, NULL) < 0 ||
        kd_jget_int(&o, "expires", false, 0, INT64_MAX, &out->expires, NULL) < 0 ||
        kd_jget_strlist(&o, "permissions", false, 0, 0, NULL, &out->permissions) < 0 ||
        kd_jget_strlist(&o, "roles", false, 0, 0, NULL, &out->roles) < 0 ||
        identity_decode(&o, &out->external_id) < 0 ||
        kd_jget_strdup(&o, "plaintext", false, NULL, &secret, NULL) < 0 ||
        kd_jget_array(&o, "ratelimits", false, 0, 0, &rl) < 0)
        goto fail;

    const json_t *credits = json_object_get(data, "credits");
    if (credits && !json_is_null(credits)) {
        char where[KD_JPATH_MAX];
        kd_jpath_member(where, sizeof where, path, "credits");
        if (kd_wire_credits_res_decode(credits, where, &out->credits, err) < 0)
            goto fail;
    }
    if (rl) {
        char where[KD_JPATH_MAX];
        kd_jpath_member(where, sizeof where, path, "ratelimits");
        if (ratelimits_decode(rl, where, KD_JRESPONSE, &out->ratelimits, &out->n_ratelimits,
                              err) < 0)
            goto fail;
    }
    if (plaintext)
        *plaintext = secret;
    else
        kd_secret_free(secret);
    return 0;

fail:
    kd_secret_free(secret);
    kd_key_free(out);
    return -1;
}

/* ---- Permission and Role --------------------------------------------------------- */

json_t *kd_wire_permission_res(const struct kd_permission *p)
{
    json_t *o = json_object();
    kd_jset_str(o, "id", p->id);
    kd_jset_str(o, "name", p->name ? p->name : p->slug);
    kd_jset_str(o, "slug", p->slug);
    kd_jset_str(o, "description", p->description);
    return o;
}

int kd_wire_permission_res_decode(const json_t *data, const char *path,
                                  struct kd_permission *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    out->key_count = -1;
    out->role_count = -1;
    struct kd_jobj o;
    if (kd_jobj_open(&o, data, path, KD_JRESPONSE, err) < 0 ||
        kd_jget_strdup(&o, "id", true, NULL, &out->id, NULL) < 0 ||
        kd_jget_strdup(&o, "name", true, NULL, &out->name, NULL) < 0 ||
        kd_jget_strdup(&o, "slug", true, NULL, &out->slug, NULL) < 0 ||
        kd_jget_strdup(&o, "description", false, NULL, &out->description, NULL) < 0) {
        kd_permission_free(out);
        return -1;
    }
    return 0;
}

json_t *kd_wire_role_res(const struct kd_role *r, const struct kd_permission *perms,
                         size_t n_perms)
{
    json_t *o = json_object();
    kd_jset_str(o, "id", r->id);
    kd_jset_str(o, "name", r->name);
    kd_jset_str(o, "description", r->description);
    if (perms && n_perms) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n_perms; i++)
            json_array_append_new(arr, kd_wire_permission_res(&perms[i]));
        json_object_set_new(o, "permissions", arr);
    }
    return o;
}

int kd_wire_role_res_decode(const json_t *data, const char *path, struct kd_role *out,
                            struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    out->key_count = -1;
    struct kd_jobj o;
    const json_t *perms = NULL;
    if (kd_jobj_open(&o, data, path, KD_JRESPONSE, err) < 0 ||
        kd_jget_strdup(&o, "id", true, NULL, &out->id, NULL) < 0 ||
        kd_jget_strdup(&o, "name", true, NULL, &out->name, NULL) < 0 ||
        kd_jget_strdup(&o, "description", false, NULL, &out->description, NULL) < 0 ||
        kd_jget_array(&o, "permissions", false, 0, 0, &perms) < 0)
        goto fail;
    for (size_t i = 0; perms && i < json_array_size(perms); i++) {
        char base[KD_JPATH_MAX], where[KD_JPATH_MAX];
        kd_jpath_member(base, sizeof base, path, "permissions");
        kd_jpath_index(where, sizeof where, base, i);
        struct kd_permission p;
        if (kd_wire_permission_res_decode(json_array_get(perms, i), where, &p, err) < 0)
            goto fail;
        kd_strlist_push(&out->permissions, p.slug);
        kd_permission_free(&p);
    }
    return 0;

fail:
    kd_role_free(out);
    return -1;
}
