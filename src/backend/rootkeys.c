/*
 * rootkeys.c — keydeckd's root keys: where they live (one reserved key space),
 * which permission slugs they may hold and what those slugs allow.  Only
 * backend.h operations are used, so this works on any backend.
 */
#include "backend/rootkeys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* ---- the reserved key space ---- */

/* Scan the APIs a page at a time for the reserved name.  The text filter
 * narrows the scan where the backend supports it; the exact name decides. */
static int find_space(struct kd_backend *b, char **api_id, struct kd_error *err)
{
    struct kd_list_query q = {.filter = KD_ROOT_API_NAME, .limit = KD_PAGE_LIMIT_MAX};
    char *cursor = NULL;
    int found = 0;
    for (;;) {
        struct kd_api_page page = {0};
        q.cursor = cursor;
        if (kd_backend_api_list(b, &q, &page, err) < 0) {
            free(cursor);
            return -1;
        }
        for (size_t i = 0; i < page.len && !found; i++) {
            if (page.items[i].name && strcmp(page.items[i].name, KD_ROOT_API_NAME) == 0) {
                *api_id = kd_xstrdup(page.items[i].id);
                found = 1;
            }
        }
        free(cursor);
        cursor = kd_xstrdup(page.next_cursor);
        kd_api_page_free(&page);
        if (found || !cursor)
            break;
    }
    free(cursor);
    return found;
}

int kd_rootkeys_space(struct kd_backend *b, bool create, char **api_id, struct kd_error *err)
{
    *api_id = NULL;
    int found = find_space(b, api_id, err);
    if (found != 0 || !create)
        return found;
    struct kd_api spec = {
        .name = (char *)KD_ROOT_API_NAME,
        .default_prefix = (char *)KD_ROOT_KEY_PREFIX,
        .default_byte_length = 32, /* root keys guard everything: more entropy */
    };
    struct kd_api made = {0};
    if (kd_backend_api_create(b, &spec, &made, err) < 0)
        return -1;
    *api_id = made.id;
    made.id = NULL;
    kd_api_free(&made);
    return 1;
}

/* ---- the permission grammar ---- */

static const char *const api_actions[] = {
    "create_key", "read_key",   "update_key", "delete_key", "verify_key",
    "decrypt_key", "create_api", "read_api",  "delete_api", NULL,
};

static const char *const rbac_actions[] = {
    "create_permission", "read_permission",       "delete_permission",
    "create_role",       "read_role",             "delete_role",
    "add_permission_to_role", "remove_permission_from_role", NULL,
};

struct resource {
    const char *name;
    const char *const *actions;
    bool scoped; /* false: only the "*" scope exists */
};

static const struct resource resources[] = {
    {"api", api_actions, true},
    {"rbac", rbac_actions, false},
    {NULL, NULL, false},
};

static bool is_id_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

static bool in_list(const char *const *list, const char *s, size_t n)
{
    for (; *list; list++)
        if (strlen(*list) == n && strncmp(*list, s, n) == 0)
            return true;
    return false;
}

/* "create_key, read_key, …" for messages. */
static void join_actions(const char *const *list, char *buf, size_t len)
{
    buf[0] = '\0';
    size_t used = 0;
    for (const char *const *a = list; *a && used < len; a++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", a == list ? "" : ", ", *a);
}

int kd_rootkey_permission_check(const char *slug, struct kd_error *err)
{
    if (!slug || !*slug)
        return kd_error_set(err, KD_ERR_INVALID, "permissions", "an empty permission");
    const char *dot1 = strchr(slug, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot1 || !dot2 || strchr(dot2 + 1, '.'))
        return kd_error_set(err, KD_ERR_INVALID, "permissions",
                            "'%s' is not RESOURCE.SCOPE.ACTION (e.g. api.*.verify_key)", slug);
    const struct resource *r = resources;
    size_t rlen = (size_t)(dot1 - slug);
    while (r->name && !(strlen(r->name) == rlen && strncmp(r->name, slug, rlen) == 0))
        r++;
    if (!r->name)
        return kd_error_set(err, KD_ERR_INVALID, "permissions",
                            "'%s': unknown resource '%.*s' (api or rbac)", slug, (int)rlen, slug);

    const char *scope = dot1 + 1;
    size_t slen = (size_t)(dot2 - scope);
    bool star = slen == 1 && scope[0] == '*';
    if (!star) {
        if (!r->scoped)
            return kd_error_set(err, KD_ERR_INVALID, "permissions",
                                "'%s': %s permissions take only the '*' scope", slug, r->name);
        bool ok = slen > 0;
        for (size_t i = 0; i < slen && ok; i++)
            ok = is_id_char(scope[i]);
        if (!ok)
            return kd_error_set(err, KD_ERR_INVALID, "permissions",
                                "'%s': the scope must be '*' or an id (letters, digits, _)",
                                slug);
    }

    const char *action = dot2 + 1;
    if (!in_list(r->actions, action, strlen(action))) {
        char list[256];
        join_actions(r->actions, list, sizeof list);
        return kd_error_set(err, KD_ERR_INVALID, "permissions",
                            "'%s': unknown %s action '%s' (one of %s)", slug, r->name, action,
                            list);
    }
    return 0;
}

/* Whether perms holds exactly "<resource>.<scope>.<action>". */
static bool holds(const struct kd_strlist *perms, const char *resource, const char *scope,
                  const char *action)
{
    size_t rlen = strlen(resource), slen = strlen(scope), alen = strlen(action);
    for (size_t i = 0; i < perms->len; i++) {
        const char *p = perms->items[i];
        if (strlen(p) == rlen + slen + alen + 2 && strncmp(p, resource, rlen) == 0 &&
            p[rlen] == '.' && strncmp(p + rlen + 1, scope, slen) == 0 &&
            p[rlen + 1 + slen] == '.' && strcmp(p + rlen + slen + 2, action) == 0)
            return true;
    }
    return false;
}

bool kd_rootkey_allows(const struct kd_strlist *perms, const char *resource, const char *scope,
                       const char *action)
{
    if (!perms || !resource || !action)
        return false;
    if (holds(perms, resource, "*", action))
        return true;
    /* "*" is a grant, never a scope asked about: a request naming API "*" is not
     * allowed by api.<id> grants. */
    return scope && *scope && strcmp(scope, "*") != 0 && holds(perms, resource, scope, action);
}
