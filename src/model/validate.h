/*
 * validate.h — the rules for every field a user or a peer can set.
 *
 * Shared by the engine (which refuses bad input before writing), the TUI forms
 * (which check as the user types) and the wire decoders.  Each function returns 0
 * or -1 with a KD_ERR_INVALID naming the field and the rule, e.g.
 *   field "prefix": "prefix \"sk-live\" may only contain A-Z, a-z, 0-9 and _".
 * Limits follow Unkey v2's spec where it has one.
 */
#ifndef KD_MODEL_VALIDATE_H
#define KD_MODEL_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "model/api.h"
#include "model/key.h"
#include "model/rbac.h"
#include "util/error.h"

#define KD_PREFIX_MAX 16
#define KD_NAME_MAX 255
#define KD_API_NAME_MIN 3
#define KD_API_NAME_MAX 256
#define KD_EXTERNAL_ID_MAX 255
#define KD_ENVIRONMENT_MAX 256
#define KD_META_MAX (64 * 1024)
#define KD_RATELIMIT_NAME_MAX 128
#define KD_RATELIMITS_MAX 50
#define KD_RATELIMIT_DURATION_MIN 1000
#define KD_RATELIMIT_DURATION_MAX 2592000000LL /* 30 days */
#define KD_ROLES_MAX 100
#define KD_PERMISSIONS_MAX 1000
#define KD_SLUG_MAX 128
#define KD_ROLE_NAME_MAX 128
#define KD_DESCRIPTION_MAX 512
#define KD_EXPIRES_MAX 4102444800000LL /* 2100-01-01, Unkey's bound */
#define KD_REFILL_EVERY_MIN 1000

int kd_validate_prefix(const char *prefix, struct kd_error *err); /* NULL/"" ok */
int kd_validate_byte_length(int n, struct kd_error *err);        /* 16–255 */
int kd_validate_key_name(const char *name, struct kd_error *err); /* NULL ok */
int kd_validate_api_name(const char *name, struct kd_error *err);
int kd_validate_external_id(const char *id, struct kd_error *err); /* [A-Za-z0-9_.-]{1,255} */
int kd_validate_environment(const char *env, struct kd_error *err);
/**
 * meta must be a JSON object.  On a syntax error the message gives line:column
 * (1-based) and *line and *column are set when non-NULL.
 */
int kd_validate_meta(const char *json, int *line, int *column, struct kd_error *err);
int kd_validate_expires(int64_t expires, int64_t now_ms, struct kd_error *err);
int kd_validate_credits(const struct kd_credits *c, struct kd_error *err);
int kd_validate_ratelimits(const struct kd_ratelimit *rl, size_t n, struct kd_error *err);
int kd_validate_slug(const char *slug, struct kd_error *err);
int kd_validate_role_name(const char *name, struct kd_error *err);
int kd_validate_description(const char *d, struct kd_error *err);

/** All of a key spec's own fields (not whether its roles exist). */
int kd_validate_key_spec(const struct kd_key *k, int64_t now_ms, struct kd_error *err);
/** Only the fields named in u->fields. */
int kd_validate_key_update(const struct kd_key_update *u, int64_t now_ms, struct kd_error *err);

#endif
