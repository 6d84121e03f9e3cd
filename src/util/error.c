#include "util/error.h"

#include <stdio.h>
#include <string.h>

void kd_error_clear(struct kd_error *err)
{
    if (!err)
        return;
    err->code = KD_OK;
    err->field[0] = '\0';
    err->message[0] = '\0';
}

int kd_error_vset(struct kd_error *err, enum kd_errcode code, const char *field,
                  const char *fmt, va_list ap)
{
    if (!err)
        return -1;
    err->code = code;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return -1;
}

int kd_error_set(struct kd_error *err, enum kd_errcode code, const char *field,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kd_error_vset(err, code, field, fmt, ap);
    va_end(ap);
    return -1;
}

const char *kd_errcode_word(enum kd_errcode code)
{
    switch (code) {
#define KD_X(name, exit_status, word) \
    case name:                        \
        return word;
        KD_ERROR_CODES(KD_X)
#undef KD_X
    }
    return "unknown error";
}

const char *kd_errcode_name(enum kd_errcode code)
{
    const char *full = "KD_ERR_INTERNAL";
    switch (code) {
#define KD_X(name, exit_status, word) \
    case name:                        \
        full = #name;                 \
        break;
        KD_ERROR_CODES(KD_X)
#undef KD_X
    }
    if (strncmp(full, "KD_ERR_", 7) == 0)
        return full + 7;
    return full + 3; /* "KD_OK" -> "OK" */
}

int kd_errcode_exit_status(enum kd_errcode code)
{
    switch (code) {
#define KD_X(name, exit_status, word) \
    case name:                        \
        return exit_status;
        KD_ERROR_CODES(KD_X)
#undef KD_X
    }
    return 70;
}
