/*
 * session.c — finding and opening the keystore for one keydeck run, and
 * reporting errors the same way everywhere.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/xalloc.h"

const char *kd_cli_keystore_path(struct kd_cli *c)
{
    if (!c->keystore_path) {
        const char *env = getenv("KEYDECK_KEYSTORE");
        if (c->keystore_opt)
            c->keystore_path = kd_xstrdup(c->keystore_opt);
        else if (env && *env)
            c->keystore_path = kd_xstrdup(env);
        else
            c->keystore_path = kd_default_keystore_path();
    }
    return c->keystore_path;
}

/* mkdir -p for the keystore's directory; new directories are 0700 because the
 * keystore and its vault file live there. */
static int make_parent_dirs(const char *path, struct kd_error *err)
{
    char *dir = kd_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) {
        free(dir);
        return 0;
    }
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            char saved = *p;
            *p = '\0';
            if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
                kd_error_set(err, KD_ERR_IO, "keystore", "cannot create directory %s: %s", dir,
                             strerror(errno));
                free(dir);
                return -1;
            }
            *p = saved;
        }
        if (end)
            break;
    }
    free(dir);
    return 0;
}

int kd_cli_open(struct kd_cli *c, bool write, struct kd_error *err)
{
    if (c->backend)
        return 0;
    const char *path = kd_cli_keystore_path(c);
    struct stat st;
    bool exists = stat(path, &st) == 0;
    if (!exists && write && c->readonly)
        return kd_error_set(err, KD_ERR_READONLY, NULL,
                            "read-only: there is no keystore at %s and this session may not "
                            "create one", path);
    if (!exists && !write)
        return kd_error_set(err, KD_ERR_NOT_FOUND, NULL,
                            "no keystore at %s: run `keydeck demo` or create an API", path);
    if (!exists && make_parent_dirs(path, err) < 0)
        return -1;
    struct kd_local_options opt = {
        .keystore_path = path,
        .actor = NULL,
        .create_if_missing = write && !c->readonly,
    };
    struct kd_backend *b = kd_backend_local_open(&opt, err);
    if (!b)
        return -1;
    c->backend = c->readonly ? kd_backend_readonly_wrap(b) : b;
    return 0;
}

void kd_cli_close(struct kd_cli *c)
{
    kd_backend_close(c->backend);
    c->backend = NULL;
    free(c->keystore_path);
    c->keystore_path = NULL;
}

int kd_cli_fail(const struct kd_error *err)
{
    fflush(stdout);
    if (err->field[0])
        fprintf(stderr, "keydeck: %s: %s\n", err->field, err->message);
    else
        fprintf(stderr, "keydeck: %s\n", err->message[0] ? err->message : kd_errcode_word(err->code));
    int status = kd_errcode_exit_status(err->code);
    return status == 0 ? 70 : status;
}
