/*
 * backend.c — what every backend shares: the op table, the kd_backend_<op>()
 * wrappers (an op left NULL is "unsupported") and the default keystore path.
 */
#include "backend/backend.h"

#include <stdlib.h>

#include "util/xalloc.h"

const struct kd_backend_op_info kd_backend_op_table[] = {
#define KD_X(name, mutates, params, args) {#name, mutates},
    KD_BACKEND_OPS(KD_X)
#undef KD_X
    {NULL, 0},
};

/* Each wrapper clears err first so a caller never sees a stale message. */
#define KD_X(name, mutates, params, args)                                              \
    int kd_backend_##name params                                                       \
    {                                                                                  \
        kd_error_clear(err);                                                           \
        if (!b || !b->ops)                                                             \
            return kd_error_set(err, KD_ERR_INTERNAL, NULL, "no backend is open");     \
        if (!b->ops->name)                                                             \
            return kd_error_set(err, KD_ERR_UNSUPPORTED, NULL,                         \
                                "%s backend does not support %s",                      \
                                b->ops->kind ? b->ops->kind : "this", #name);          \
        return b->ops->name args;                                                      \
    }
KD_BACKEND_OPS(KD_X)
#undef KD_X

unsigned kd_backend_capabilities(struct kd_backend *b)
{
    if (!b || !b->ops || !b->ops->capabilities)
        return 0;
    return b->ops->capabilities(b);
}

const char *kd_backend_kind(struct kd_backend *b)
{
    if (!b || !b->ops || !b->ops->kind)
        return "none";
    return b->ops->kind;
}

const char *kd_backend_describe(struct kd_backend *b)
{
    if (!b || !b->ops || !b->ops->describe)
        return kd_backend_kind(b);
    const char *d = b->ops->describe(b);
    return d ? d : kd_backend_kind(b);
}

void kd_backend_set_cancel(struct kd_backend *b, kd_backend_cancel_fn fn, void *ctx)
{
    if (b && b->ops && b->ops->set_cancel)
        b->ops->set_cancel(b, fn, ctx);
}

void kd_backend_close(struct kd_backend *b)
{
    if (!b)
        return;
    if (b->ops && b->ops->close)
        b->ops->close(b);
    else
        free(b);
}

char *kd_default_keystore_path(void)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    /* The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored. */
    if (xdg && xdg[0] == '/')
        return kd_xasprintf("%s/keydeck/keystore.db", xdg);
    const char *home = getenv("HOME");
    if (!home || !*home)
        home = ".";
    return kd_xasprintf("%s/.local/share/keydeck/keystore.db", home);
}
