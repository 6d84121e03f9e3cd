/*
 * readonly.c — a backend wrapper that refuses every mutating operation.
 *
 * The ops come from KD_BACKEND_OPS, so an operation added to the seam is
 * refused or delegated here by its flag without anyone remembering to: read-only
 * is enforced in the backend, not left to each front end.
 */
#include "backend/backend.h"

#include <stdlib.h>

#include "util/xalloc.h"

static int readonly_refuse(const char *op, struct kd_error *err)
{
    return kd_error_set(err, KD_ERR_READONLY, NULL,
                        "read-only: %s is refused (this session is read-only)", op);
}

/* A mutating op returns before touching the inner backend; a reading op swaps
 * b for the inner backend and calls it through its wrapper. */
#define KD_X(name, mutates, params, args)                 \
    static int readonly_##name params                     \
    {                                                     \
        if (mutates)                                      \
            return readonly_refuse(#name, err);           \
        b = (struct kd_backend *)b->impl;                 \
        return kd_backend_##name args;                    \
    }
KD_BACKEND_OPS(KD_X)
#undef KD_X

static unsigned readonly_capabilities(struct kd_backend *b)
{
    /* Revealing hands out a secret, so it goes with the other refusals. */
    return (kd_backend_capabilities(b->impl) | KD_CAP_READONLY) & ~(unsigned)KD_CAP_REVEAL;
}

static const char *readonly_describe(struct kd_backend *b)
{
    return kd_backend_describe(b->impl);
}

static void readonly_set_cancel(struct kd_backend *b, kd_backend_cancel_fn fn, void *ctx)
{
    kd_backend_set_cancel(b->impl, fn, ctx);
}

static void readonly_close(struct kd_backend *b)
{
    kd_backend_close(b->impl);
    free(b);
}

static const struct kd_backend_ops readonly_ops = {
    .kind = "readonly",
    .capabilities = readonly_capabilities,
    .describe = readonly_describe,
    .close = readonly_close,
    .set_cancel = readonly_set_cancel,
#define KD_X(name, mutates, params, args) .name = readonly_##name,
    KD_BACKEND_OPS(KD_X)
#undef KD_X
};

struct kd_backend *kd_backend_readonly_wrap(struct kd_backend *inner)
{
    if (!inner)
        return NULL;
    struct kd_backend *b = kd_xcalloc(1, sizeof *b);
    b->ops = &readonly_ops;
    b->impl = inner;
    return b;
}
