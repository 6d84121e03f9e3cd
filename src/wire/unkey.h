/*
 * unkey.h — the Unkey v2 wire format (shared/specs/unkey/openapi-v2.yaml),
 * between keydeck's model structs and jansson values.
 *
 * One codec for both sides: the unkey backend (a client) encodes requests and
 * decodes responses; keydeckd (a server) decodes requests and encodes
 * responses.  So every endpoint has four functions, named after it:
 *
 *     kd_wire_<op>_req(...)           client: model -> request body   (new ref)
 *     kd_wire_<op>_req_decode(...)    server: request body -> model   (strict)
 *     kd_wire_<op>_res(...)           server: model -> response `data` (new ref)
 *     kd_wire_<op>_res_decode(...)    client: response `data` -> model (strict)
 *
 * (some endpoints share a shape and so share functions; see below).
 *
 * Strictness.  Request decoding is what Unkey's server does: every request body
 * is a JSON object with additionalProperties false, so an unknown field, a
 * wrong type, a missing required field or a value outside the spec's bounds
 * (lengths, patterns, minimum/maximum, enums) is KD_ERR_INVALID with err->field
 * set to the location in the spec's ValidationError form ("body.apiId",
 * "body.credits.refill.amount", "body.ratelimits[1].duration") and a message
 * saying what the rule is.  Response decoding checks types and required fields
 * (missing or mistyped: KD_ERR_PROTOCOL, field "data.keyId" etc.) but ignores
 * unknown fields, so a newer server does not break an older client.
 *
 * Ownership.  Encoders return a new reference (json_decref it).  Decoders fill
 * model structs with newly allocated strings (free them with the model's free
 * functions), except kd_wire_verify_req_decode, whose result borrows from the
 * body (see struct kd_wire_verify_req).  On error, outputs are left freed/zeroed.
 *
 * What v2 cannot carry: a key's environment, byte length and prefix (there is no
 * field for them in KeyResponseData), an API's default prefix and byte length,
 * and "every N ms" refills.  Encoders refuse what cannot be sent
 * (KD_ERR_UNSUPPORTED, naming the field) rather than dropping it silently; a
 * field that is only absent from responses is simply left unset (0/NULL).
 * The external id travels as identity.externalId in responses.
 */
#ifndef KD_WIRE_UNKEY_H
#define KD_WIRE_UNKEY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/api.h"
#include "model/key.h"
#include "model/page.h"
#include "model/rbac.h"
#include "model/verify.h"
#include "util/error.h"
#include "util/strlist.h"

/* ---- envelopes ----------------------------------------------------------- */

/* The pagination object of list responses. */
struct kd_wire_page {
    char *cursor;  /* NULL: none */
    bool has_more;
};

/**
 * A success envelope {"meta":{"requestId"}, "data": data[, "pagination"]}.
 * data is stolen; page NULL: no pagination member.
 */
json_t *kd_wire_envelope(json_t *data, const char *request_id, const struct kd_wire_page *page);

/**
 * The error envelope for e: {"meta":{"requestId"},"error":{"title","detail",
 * "status","type"[,"errors":[{"location","message"}]]}}.  *status gets the HTTP
 * status: INVALID 400, FORBIDDEN 403 (use kd_wire_unauthorized for 401),
 * NOT_FOUND 404, CONFLICT 409, BUSY 429, UNSUPPORTED 400, READONLY 403, others
 * 500.  For INVALID with a field, errors[0] = {location: e->field, message}.
 * `type` is a https://unkey.com/docs/errors/... URI matching the status.
 * Every 400 carries errors[] (possibly empty): BadRequestErrorDetails requires
 * it.  (The spec's allOf also inherits BaseError's additionalProperties:false,
 * which forbids it: no 400 body can satisfy both; keydeck follows Unkey.)
 */
json_t *kd_wire_error_envelope(const struct kd_error *e, const char *request_id, int *status);
/** The 401 envelope (missing or unknown root key). */
json_t *kd_wire_unauthorized(const char *detail, const char *request_id);

/**
 * Client: decode a response.  2xx: *root gets the parsed document (caller
 * decrefs), *data borrows its "data" member, page (may be NULL) gets the
 * pagination (cursor newly allocated; free with kd_wire_page_free).
 * Non-2xx: -1 with err from the error envelope: code from the status (as above,
 * 401 -> FORBIDDEN, 410 -> NOT_FOUND, 412 -> CONFLICT, other 4xx -> INVALID,
 * 5xx -> NETWORK), field from errors[0].location with "body." dropped, message
 * "<title>: <detail>", then ": <errors[0].message>" when that says more than
 * the detail, then " (request <requestId>)".  A body that is not JSON, not an object, lacks
 * "data", or an error with no envelope: KD_ERR_PROTOCOL naming the HTTP status
 * and what was wrong (never the body itself, which may be huge or binary).
 * what names the endpoint in messages ("keys.getKey").
 */
int kd_wire_parse_response(const char *what, long status, const char *body, size_t len,
                           json_t **root, json_t **data, struct kd_wire_page *page,
                           struct kd_error *err);
void kd_wire_page_free(struct kd_wire_page *p);

/* ---- shared objects -------------------------------------------------------- */

/* KeyResponseData <-> struct kd_key (keyId, start, enabled, name, meta,
 * createdAt, updatedAt, lastUsedAt, expires, permissions, roles, credits,
 * identity.externalId, ratelimits).  plaintext: when non-NULL it is emitted
 * (getKey decrypt) / *plaintext receives it (may be NULL: ignored; a secret,
 * wipe it with kd_secret_free).  keydeck has no identity objects, so the
 * identity's required id is the external id itself.  Empty lists, zero times
 * and unlimited credits are left out. */
json_t *kd_wire_key_res(const struct kd_key *k, const char *plaintext);
int kd_wire_key_res_decode(const json_t *data, const char *path, struct kd_key *out,
                           char **plaintext, struct kd_error *err);

/* KeyCreditsData <-> struct kd_credits ({remaining: int|null, refill?}). */
json_t *kd_wire_credits_res(const struct kd_credits *c);
int kd_wire_credits_res_decode(const json_t *data, const char *path, struct kd_credits *out,
                               struct kd_error *err);

/* KeyCreditsData in requests (createKey, migrateKeys; updateKey's nullable
 * form with update_form).  Unlimited credits encode as {remaining: null}; an
 * EVERY refill is KD_ERR_UNSUPPORTED (field "credits.refill.interval"); a
 * monthly refill always carries refillDay (1 when the model has none).
 * Decoding: a refill needs limited credits; in the update form remaining may
 * not be omitted (keydeck changes remaining and refill together:
 * KD_ERR_UNSUPPORTED) and an omitted or null refill means none. */
json_t *kd_wire_credits_req(const struct kd_credits *c, struct kd_error *err);
int kd_wire_credits_req_decode(const json_t *v, const char *path, bool update_form,
                               struct kd_credits *out, struct kd_error *err);

/* [RatelimitRequest] {name, limit, duration, autoApply} (autoApply always
 * sent: the spec requires it).  Decoded limits have id NULL. */
json_t *kd_wire_ratelimits_req(const struct kd_ratelimit *rl, size_t n);
int kd_wire_ratelimits_req_decode(const json_t *arr, const char *path, struct kd_ratelimit **out,
                                  size_t *n, struct kd_error *err);

/* Permission {id, name, slug, description} and Role {id, name, description,
 * permissions: [Permission]} (role->permissions holds slugs; the encoder needs
 * the permission objects, so it takes them). */
json_t *kd_wire_permission_res(const struct kd_permission *p);
int kd_wire_permission_res_decode(const json_t *data, const char *path,
                                  struct kd_permission *out, struct kd_error *err);
json_t *kd_wire_role_res(const struct kd_role *r, const struct kd_permission *perms,
                         size_t n_perms);
int kd_wire_role_res_decode(const json_t *data, const char *path, struct kd_role *out,
                            struct kd_error *err);

/* ---- apis.* ------------------------------------------------------------------ */

/* apis.createApi {name} -> {apiId} */
json_t *kd_wire_create_api_req(const struct kd_api *spec, struct kd_error *err);
int kd_wire_create_api_req_decode(const json_t *body, struct kd_api *spec, struct kd_error *err);
json_t *kd_wire_create_api_res(const char *api_id);
int kd_wire_create_api_res_decode(const json_t *data, char **api_id, struct kd_error *err);

/* apis.getApi and apis.deleteApi {apiId}; getApi -> {id, name} */
json_t *kd_wire_api_id_req(const char *api_id);
int kd_wire_api_id_req_decode(const json_t *body, char **api_id, struct kd_error *err);
json_t *kd_wire_api_res(const struct kd_api *api);
int kd_wire_api_res_decode(const json_t *data, const char *path, struct kd_api *out,
                           struct kd_error *err);

/* apis.listApis — keydeckd's extension (doc/keydeckd.8): {limit?, cursor?}
 * -> [{id, name}] with pagination. */
json_t *kd_wire_list_apis_req(const struct kd_list_query *q);
int kd_wire_list_apis_req_decode(const json_t *body, struct kd_list_query *q, char **cursor_buf,
                                 struct kd_error *err);
json_t *kd_wire_list_apis_res(const struct kd_api_page *page);
int kd_wire_list_apis_res_decode(const json_t *data, struct kd_api_page *out,
                                 struct kd_error *err);

/* apis.listKeys {apiId, limit? (1-100), cursor?, externalId?, decrypt?}
 * -> [KeyResponseData] with pagination.  The decoded query's strings point into
 * *strings (free with kd_wire_strings_free).  decrypt and revalidateKeysCache
 * are checked but not returned (plaintext is optional in the answer).  The
 * encoder caps limit at 100 and sends no sort (v2 lists in id order). */
struct kd_wire_strings {
    char *s[4];
};
void kd_wire_strings_free(struct kd_wire_strings *s);
json_t *kd_wire_list_keys_req(const struct kd_key_query *q);
int kd_wire_list_keys_req_decode(const json_t *body, struct kd_key_query *q,
                                 struct kd_wire_strings *strings, struct kd_error *err);
json_t *kd_wire_list_keys_res(const struct kd_key_page *page);
/* Items get api_id = the listed API's id (KeyResponseData has none). */
int kd_wire_list_keys_res_decode(const json_t *data, const char *api_id,
                                 struct kd_key_page *out, struct kd_error *err);

/* ---- keys.* ------------------------------------------------------------------ */

/* keys.createKey: struct kd_key spec (api_id, prefix, name, byte_length,
 * external_id, meta_json, roles, permissions, expires, credits, ratelimits,
 * enabled, recoverable) -> {keyId, key}.  An environment or an EVERY refill is
 * KD_ERR_UNSUPPORTED. */
json_t *kd_wire_create_key_req(const struct kd_key *spec, struct kd_error *err);
int kd_wire_create_key_req_decode(const json_t *body, struct kd_key *spec, struct kd_error *err);
/* {keyId, key}: createKey and rerollKey answer the same. */
json_t *kd_wire_key_secret_res(const struct kd_key_secret *s);
int kd_wire_key_secret_res_decode(const json_t *data, struct kd_key_secret *out,
                                  struct kd_error *err);

/* keys.getKey {keyId, decrypt?} */
json_t *kd_wire_get_key_req(const char *key_id, bool decrypt);
int kd_wire_get_key_req_decode(const json_t *body, char **key_id, bool *decrypt,
                               struct kd_error *err);

/* keys.updateKey {keyId, name?, externalId?, meta?, expires?, credits?,
 * ratelimits?, enabled?, roles?, permissions?}: only the fields in u->fields are
 * sent; a cleared value (NULL name/meta/external id, expires 0, unlimited
 * credits) is sent as null.  -> {} */
json_t *kd_wire_update_key_req(const char *key_id, const struct kd_key_update *u,
                               struct kd_error *err);
int kd_wire_update_key_req_decode(const json_t *body, char **key_id, struct kd_key_update *u,
                                  struct kd_error *err);

/* keys.deleteKey {keyId, permanent?} -> {} */
json_t *kd_wire_delete_key_req(const char *key_id, bool permanent);
int kd_wire_delete_key_req_decode(const json_t *body, char **key_id, bool *permanent,
                                  struct kd_error *err);

/* keys.rerollKey {keyId, expiration (ms, 0-4102444800000)} -> {keyId, key} */
json_t *kd_wire_reroll_key_req(const char *key_id, int64_t expiration_ms);
int kd_wire_reroll_key_req_decode(const json_t *body, char **key_id, int64_t *expiration_ms,
                                  struct kd_error *err);

/* keys.updateCredits {keyId, operation: set|increment|decrement, value: int|null}
 * -> KeyCreditsData.  unlimited (value null) only with set. */
json_t *kd_wire_update_credits_req(const char *key_id, int op /* enum kd_credit_op */,
                                   bool unlimited, int64_t value);
int kd_wire_update_credits_req_decode(const json_t *body, char **key_id, int *op,
                                      bool *unlimited, int64_t *value, struct kd_error *err);

/* keys.whoami {key} -> KeyResponseData.  The key is a secret: *key is wiped by
 * the caller (kd_secret_free). */
json_t *kd_wire_whoami_req(const char *key);
int kd_wire_whoami_req_decode(const json_t *body, char **key, struct kd_error *err);

/* keys.{add,remove,set}Permissions {keyId, permissions: [slug]} -> [Permission];
 * keys.{add,remove,set}Roles {keyId, roles: [name]} -> [Role].
 * list_field is "permissions" or "roles"; add/remove need 1+ items, set 0+. */
json_t *kd_wire_key_list_req(const char *key_id, const char *list_field,
                             const struct kd_strlist *items);
int kd_wire_key_list_req_decode(const json_t *body, const char *list_field, bool allow_empty,
                                char **key_id, struct kd_strlist *items, struct kd_error *err);
/* [Permission] / [Role] answers: checked, names collected into *names (slugs
 * for permissions, names for roles). */
json_t *kd_wire_permissions_res(const struct kd_permission *perms, size_t n);
int kd_wire_names_res_decode(const json_t *data, const char *list_field,
                             struct kd_strlist *names, struct kd_error *err);

/* keys.migrateKeys {migrationId, apiId, keys: [{hash, name?, externalId?, meta?,
 * roles?, permissions?, expires?, enabled?, credits?, ratelimits?}]} with one
 * key (keydeck imports one at a time) -> {migrated: [{hash, keyId}], failed: [hash]}.
 * The hash is the digest as given (base64 of SHA-256, as Unkey stores it). */
json_t *kd_wire_migrate_key_req(const char *migration_id, const struct kd_key *spec,
                                const char *hash, struct kd_error *err);
/* Decodes keys[index]; *n_keys gets the array's length.  With index 0 every
 * item is checked, so a bad body is refused before any key is migrated. */
int kd_wire_migrate_keys_req_decode(const json_t *body, size_t index, char **migration_id,
                                    struct kd_key *spec, char **hash, size_t *n_keys,
                                    struct kd_error *err);
/* res: one entry per key; key_ids[i] NULL means hashes[i] failed. */
json_t *kd_wire_migrate_keys_res(char *const *hashes, char *const *key_ids, size_t n);
/* The first migrated key's id into *key_id; a failed hash is KD_ERR_CONFLICT. */
int kd_wire_migrate_keys_res_decode(const json_t *data, char **key_id, struct kd_error *err);

/* keys.verifyKey {key, tags?, permissions?, credits?{cost}, ratelimits?[{name,
 * cost?, limit?, duration?}], migrationId?} -> V2KeysVerifyKeyResponseData
 * {valid, code, keyId?, name?, meta?, expires?, credits?, enabled?, permissions?,
 * roles?, identity?, ratelimits?[{exceeded, id, name, limit, duration, reset,
 * remaining, autoApply}]}.  tags travel as the request's tags[] (req->tags is
 * a comma-separated list).  req->api_id is not sent: v2 has no such field and
 * scopes verification by the root key's api.<id>.verify_key grant.
 * ratelimits[].reset: the spec bounds it as a duration (1000..2592000000 ms),
 * so the encoder sends the time left until reset_at (clamped); the decoder
 * takes a value above that bound as the absolute time Unkey really sends. */
json_t *kd_wire_verify_req(const struct kd_verify_request *req);
/* Owns what req points to; free with kd_wire_verify_req_free (wipes the key). */
struct kd_wire_verify_req {
    struct kd_verify_request req;
    char *key;
    char *permissions;
    char *tags;
    struct kd_verify_ratelimit_req *ratelimits;
    char **ratelimit_names;
};
int kd_wire_verify_req_decode(const json_t *body, struct kd_wire_verify_req *out,
                              struct kd_error *err);
void kd_wire_verify_req_free(struct kd_wire_verify_req *r);
json_t *kd_wire_verify_res(const struct kd_verify_result *r);
int kd_wire_verify_res_decode(const json_t *data, struct kd_verify_result *out,
                              struct kd_error *err);

/* ---- permissions.* ------------------------------------------------------------ */

/* permissions.createPermission {name, slug, description?} -> {permissionId} */
json_t *kd_wire_create_permission_req(const struct kd_permission *spec);
int kd_wire_create_permission_req_decode(const json_t *body, struct kd_permission *spec,
                                         struct kd_error *err);
/* permissions.createRole {name, description?, permissions?} -> {roleId} */
json_t *kd_wire_create_role_req(const struct kd_role *spec);
int kd_wire_create_role_req_decode(const json_t *body, struct kd_role *spec,
                                   struct kd_error *err);
/* {<field>: id} answers: permissionId, roleId. */
json_t *kd_wire_id_res(const char *field, const char *id);
int kd_wire_id_res_decode(const json_t *data, const char *field, char **id,
                          struct kd_error *err);

/* One-string requests: getPermission/deletePermission {permission},
 * getRole/deleteRole {role}.  field names the member; bounds from the spec. */
json_t *kd_wire_name_req(const char *field, const char *value);
int kd_wire_name_req_decode(const json_t *body, const char *field, char **value,
                            struct kd_error *err);

/* listPermissions / listRoles {limit? (1-100), cursor?, search?} */
json_t *kd_wire_list_rbac_req(const struct kd_list_query *q);
int kd_wire_list_rbac_req_decode(const json_t *body, struct kd_list_query *q,
                                 struct kd_wire_strings *strings, struct kd_error *err);
json_t *kd_wire_list_permissions_res(const struct kd_permission_page *page);
int kd_wire_list_permissions_res_decode(const json_t *data, struct kd_permission_page *out,
                                        struct kd_error *err);
/* perms[i] (n_perms[i] of them) are role i's permission objects. */
json_t *kd_wire_list_roles_res(const struct kd_role_page *page,
                               const struct kd_permission *const *perms, const size_t *n_perms);
int kd_wire_list_roles_res_decode(const json_t *data, struct kd_role_page *out,
                                  struct kd_error *err);

/* permissions.setRolePermissions {roleId, permissions: [slug]} -> [Permission] */
json_t *kd_wire_set_role_permissions_req(const char *role, const struct kd_strlist *slugs);
int kd_wire_set_role_permissions_req_decode(const json_t *body, char **role,
                                            struct kd_strlist *slugs, struct kd_error *err);

#endif
