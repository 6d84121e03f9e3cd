/*
 * rootkeys.h — keydeckd's root keys: the bearer tokens that authorise requests
 * to the server, kept as ordinary keys in one reserved key space of the
 * keystore (as Unkey keeps its root keys), so they are hashed, audited,
 * revocable and verifiable like any key.  A root key's permissions are
 * slugs in Unkey's grammar:
 *     api.*.<action>       on every API         (create_key, read_key, update_key,
 *     api.<apiId>.<action> on one API            delete_key, verify_key, decrypt_key,
 *                                                create_api, read_api, delete_api)
 *     rbac.*.<action>      roles and permissions (create_permission, read_permission,
 *                                                delete_permission, create_role,
 *                                                read_role, delete_role,
 *                                                add_permission_to_role,
 *                                                remove_permission_from_role)
 * The reserved key space itself is out of every root key's reach: keydeckd
 * answers NOT_FOUND for it, so a root key cannot mint or read root keys.
 * Only the keydeck CLI, on the keystore itself, manages them
 * (`keydeck rootkeys create|list|delete`).
 *
 * Everything here goes through backend.h, so it works on any backend.
 */
#ifndef KD_BACKEND_ROOTKEYS_H
#define KD_BACKEND_ROOTKEYS_H

#include <stdbool.h>

#include "backend/backend.h"
#include "util/strlist.h"

#define KD_ROOT_API_NAME "keydeckd-root"
#define KD_ROOT_KEY_PREFIX "kdroot"

/**
 * Find the root key space's API id (new string in *api_id).  Returns 1 when
 * found, 0 when there is none (*api_id NULL) and create is false; with create
 * it is made (prefix KD_ROOT_KEY_PREFIX, 32-byte keys) and 1 is returned.
 * -1 on error.
 */
int kd_rootkeys_space(struct kd_backend *b, bool create, char **api_id, struct kd_error *err);

/**
 * Check that slug is a root-key permission of the grammar above: a known
 * resource and action, and a scope that is "*" or an id.  KD_ERR_INVALID names
 * what is wrong and lists the actions of the resource.
 */
int kd_rootkey_permission_check(const char *slug, struct kd_error *err);

/**
 * Whether perms (a root key's permission slugs) allow action on resource
 * ("api" or "rbac") in scope (an API id; NULL for rbac and for actions not tied
 * to one API, which then need the "*" scope).
 */
bool kd_rootkey_allows(const struct kd_strlist *perms, const char *resource, const char *scope,
                       const char *action);

#endif
