/*
 * rbac.h — roles and permissions.
 *
 * A permission is identified by its slug ("documents.read", "api.*.verify_key"),
 * 1–128 of [A-Za-z0-9_:.*-].  better-auth expresses permissions as
 * {resource: [actions]}; keydeck maps each pair to the slug "resource:action"
 * (see kd_permission_slug_from_pair and doc/keystore.md).
 */
#ifndef KD_MODEL_RBAC_H
#define KD_MODEL_RBAC_H

#include <stddef.h>
#include <stdint.h>

#include "util/strlist.h"

struct kd_permission {
    char *id;          /* "perm_…" */
    char *slug;        /* unique */
    char *name;        /* display name; defaults to the slug */
    char *description; /* may be NULL */
    int64_t created_at;
    int64_t key_count;  /* keys holding it directly or via a role; -1 unknown */
    int64_t role_count; /* roles granting it; -1 unknown */
};

struct kd_role {
    char *id;          /* "role_…" */
    char *name;        /* unique */
    char *description; /* may be NULL */
    struct kd_strlist permissions; /* slugs */
    int64_t created_at;
    int64_t key_count; /* keys holding the role; -1 unknown */
};

void kd_permission_free(struct kd_permission *p);
void kd_permission_copy(struct kd_permission *dst, const struct kd_permission *src);
void kd_role_free(struct kd_role *r);
void kd_role_copy(struct kd_role *dst, const struct kd_role *src);

/** better-auth {resource: [action]} pair -> slug "resource:action" (new string). */
char *kd_permission_slug_from_pair(const char *resource, const char *action);
/**
 * Split a slug at its first ':' into resource and action (new strings).  Returns
 * -1 when the slug has no ':' (it then has no better-auth form).
 */
int kd_permission_slug_to_pair(const char *slug, char **resource, char **action);

#endif
