#include "model/api.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void kd_api_free(struct kd_api *api)
{
    if (!api)
        return;
    free(api->id);
    free(api->name);
    free(api->default_prefix);
    memset(api, 0, sizeof *api);
}

void kd_api_copy(struct kd_api *dst, const struct kd_api *src)
{
    *dst = *src;
    dst->id = kd_xstrdup(src->id);
    dst->name = kd_xstrdup(src->name);
    dst->default_prefix = kd_xstrdup(src->default_prefix);
}
