/*
 * engine.h — the keystore engine's public operations.
 *
 * These are what backend/local.c exposes through backend.h; they take the open
 * store (store.h) and speak only model types.  Every mutation runs in one
 * IMMEDIATE transaction together with its audit-log entry, so a change is either
 * fully there (with its log entry) or not at all, and concurrent processes never
 * lose an update.  Input is validated first (model/validate.h); an invalid spec
 * changes nothing and names the field.
 */
#ifndef KD_CORE_ENGINE_H
#define KD_CORE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"
#include "model/api.h"
#include "model/audit.h"
#include "model/key.h"
#include "model/page.h"
#include "model/rbac.h"
#include "model/stats.h"
#include "model/verify.h"
#include "util/error.h"

enum kd_engine_credit_op { KD_ENGINE_CREDITS_SET, KD_ENGINE_CREDITS_INCREMENT,
                           KD_ENGINE_CREDITS_DECREMENT };
enum kd_engine_set_op { KD_ENGINE_SET_ADD, KD_ENGINE_SET_REMOVE, KD_ENGINE_SET_REPLACE };

/* ---- key spaces (apis.c) ---- */
int kd_engine_api_list(struct kd_store *s, const struct kd_list_query *q,
                       struct kd_api_page *out, struct kd_error *err);
int kd_engine_api_get(struct kd_store *s, const char *api_id, struct kd_api *out,
                      struct kd_error *err);
int kd_engine_api_create(struct kd_store *s, const struct kd_api *spec, struct kd_api *out,
                         struct kd_error *err);
/* Soft-deletes the API; its keys stop verifying (NOT_FOUND) and stop listing. */
int kd_engine_api_delete(struct kd_store *s, const char *api_id, struct kd_error *err);

/* ---- keys (keys.c) ---- */
int kd_engine_key_list(struct kd_store *s, const struct kd_key_query *q,
                       struct kd_key_page *out, struct kd_error *err);
/* Fills grants (direct and via roles) too. Deleted keys are NOT_FOUND. */
int kd_engine_key_get(struct kd_store *s, const char *key_id, struct kd_key *out,
                      struct kd_error *err);
/* spec: api_id required; prefix/byte_length default from the API; roles and
 * permissions must exist (NOT_FOUND names the first missing one). */
int kd_engine_key_create(struct kd_store *s, const struct kd_key *spec,
                         struct kd_key_secret *out, struct kd_error *err);
/* count keys like spec, KD_ENGINE_CREATE_BATCH to a transaction (one commit, one
 * fsync per batch); each batch's keys go to sink only after it committed, so
 * every key handed out exists.  *made counts them.  Stops at the first error
 * (that batch is rolled back). */
#define KD_ENGINE_CREATE_BATCH 10000
int kd_engine_key_create_many(struct kd_store *s, const struct kd_key *spec, int64_t count,
                              kd_key_sink sink, void *ctx, int64_t *made, struct kd_error *err);
int kd_engine_key_update(struct kd_store *s, const char *key_id,
                         const struct kd_key_update *u, struct kd_error *err);
int kd_engine_key_delete(struct kd_store *s, const char *key_id, bool permanent,
                         struct kd_error *err);
/* New key with the old one's settings; the old key expires after grace_ms
 * (0: deleted now). */
int kd_engine_key_reroll(struct kd_store *s, const char *key_id, int64_t grace_ms,
                         struct kd_key_secret *out, struct kd_error *err);
int kd_engine_key_reveal(struct kd_store *s, const char *key_id, struct kd_key_secret *out,
                         struct kd_error *err);
/* SET with unlimited=true makes credits unlimited and clears the refill;
 * DECREMENT floors at 0.  out receives the credits after the change. */
int kd_engine_key_credits(struct kd_store *s, const char *key_id,
                          enum kd_engine_credit_op op, bool unlimited, int64_t value,
                          struct kd_credits *out, struct kd_error *err);
int kd_engine_key_set_roles(struct kd_store *s, const char *key_id, enum kd_engine_set_op op,
                            const struct kd_strlist *names, struct kd_error *err);
int kd_engine_key_set_permissions(struct kd_store *s, const char *key_id,
                                  enum kd_engine_set_op op, const struct kd_strlist *slugs,
                                  struct kd_error *err);
/* Import a key whose plaintext is unknown, by its SHA-256 digest (from Unkey's
 * base64 or better-auth's base64url hash); spec as for create.  out gets the id. */
int kd_engine_key_import(struct kd_store *s, const struct kd_key *spec,
                         const uint8_t digest[32], char **out_key_id, struct kd_error *err);

/* ---- verification (verify.c) ---- */
int kd_engine_verify(struct kd_store *s, const struct kd_verify_request *req,
                     struct kd_verify_result *out, struct kd_error *err);

/* ---- roles and permissions (rbac.c) ---- */
int kd_engine_role_list(struct kd_store *s, const struct kd_list_query *q,
                        struct kd_role_page *out, struct kd_error *err);
int kd_engine_role_get(struct kd_store *s, const char *id_or_name, struct kd_role *out,
                       struct kd_error *err);
/* spec->permissions must exist. */
int kd_engine_role_create(struct kd_store *s, const struct kd_role *spec, struct kd_role *out,
                          struct kd_error *err);
int kd_engine_role_delete(struct kd_store *s, const char *id_or_name, struct kd_error *err);
int kd_engine_role_set_permissions(struct kd_store *s, const char *id_or_name,
                                   enum kd_engine_set_op op, const struct kd_strlist *slugs,
                                   struct kd_error *err);
int kd_engine_permission_list(struct kd_store *s, const struct kd_list_query *q,
                              struct kd_permission_page *out, struct kd_error *err);
int kd_engine_permission_get(struct kd_store *s, const char *id_or_slug,
                             struct kd_permission *out, struct kd_error *err);
int kd_engine_permission_create(struct kd_store *s, const struct kd_permission *spec,
                                struct kd_permission *out, struct kd_error *err);
int kd_engine_permission_delete(struct kd_store *s, const char *id_or_slug,
                                struct kd_error *err);

/* ---- monitoring (verifylog.c) ---- */
int kd_engine_stats(struct kd_store *s, const struct kd_stats_query *q, struct kd_stats *out,
                    struct kd_error *err);

/* ---- audit (audit_log.c) ---- */
int kd_engine_audit_list(struct kd_store *s, const struct kd_audit_query *q,
                         struct kd_audit_page *out, struct kd_error *err);
int kd_engine_audit_verify(struct kd_store *s, struct kd_audit_check *out,
                           struct kd_error *err);

#endif
