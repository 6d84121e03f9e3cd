#include "model/rbac.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void kd_permission_free(struct kd_permission *p)
{
    if (!p)
        return;
    free(p->id);
    free(p->slug);
    free(p->name);
    free(p->description);
    memset(p, 0, sizeof *p);
}

void kd_permission_copy(struct kd_permission *dst, const struct kd_permission *src)
{
    *dst = *src;
    dst->id = kd_xstrdup(src->id);
    dst->slug = kd_xstrdup(src->slug);
    dst->name = kd_xstrdup(src->name);
    dst->description = kd_xstrdup(src->description);
}

void kd_role_free(struct kd_role *r)
{
    if (!r)
        return;
    free(r->id);
    free(r->name);
    free(r->description);
    kd_strlist_clear(&r->permissions);
    memset(r, 0, sizeof *r);
}

void kd_role_copy(struct kd_role *dst, const struct kd_role *src)
{
    *dst = *src;
    dst->id = kd_xstrdup(src->id);
    dst->name = kd_xstrdup(src->name);
    dst->description = kd_xstrdup(src->description);
    memset(&dst->permissions, 0, sizeof dst->permissions);
    kd_strlist_copy(&dst->permissions, &src->permissions);
}

char *kd_permission_slug_from_pair(const char *resource, const char *action)
{
    return kd_xasprintf("%s:%s", resource, action);
}

int kd_permission_slug_to_pair(const char *slug, char **resource, char **action)
{
    const char *colon = strchr(slug, ':');
    if (!colon || colon == slug || colon[1] == '\0')
        return -1;
    *resource = kd_xstrndup(slug, (size_t)(colon - slug));
    *action = kd_xstrdup(colon + 1);
    return 0;
}
