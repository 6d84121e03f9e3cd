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

int kd_cli_configure(struct kd_cli *c, struct kd_error *err)
{
    struct kd_config *cfg = NULL;
    const char *path = getenv("KEYDECK_CONFIG");
    if (kd_config_load(path && *path ? path : NULL, &cfg, err) < 0)
        return -1;
    struct kd_config_flags flags = {
        .profile = c->profile_opt,
        .readonly = c->readonly,
        .write = c->write_opt,
        .theme = c->tui.theme,
        .keystore = c->keystore_opt,
        .color = !c->tui.color ? KD_COLOR_UNSET
                 : strcmp(c->tui.color, "never") == 0 ? KD_COLOR_NEVER
                 : strcmp(c->tui.color, "always") == 0 ? KD_COLOR_ALWAYS
                                                        : KD_COLOR_AUTO,
        .mouse = c->tui.mouse,
        .refresh = c->tui.interval,
    };
    int rc = kd_config_resolve(cfg, &flags, &c->settings, err);
    kd_config_free(cfg);
    if (rc < 0)
        return -1;
    c->configured = true;
    if (strcmp(c->settings.backend, "local") != 0)
        return kd_error_set(err, KD_ERR_UNSUPPORTED, "profile",
                            "profile %s uses the %s backend, which this keydeck cannot reach "
                            "yet: only local keystores are supported",
                            c->settings.profile, c->settings.backend);
    /* Read-only can only be added here; --write is the one way to lift it. */
    c->readonly = c->readonly || c->settings.readonly;
    return 0;
}

const char *kd_cli_keystore_path(struct kd_cli *c)
{
    if (!c->keystore_path) {
        /* --keystore may also follow the noun, after the settings were resolved;
         * the settings weigh $KEYDECK_KEYSTORE against the profile. */
        if (c->keystore_opt)
            c->keystore_path = kd_xstrdup(c->keystore_opt);
        else if (c->configured && c->settings.keystore)
            c->keystore_path = kd_xstrdup(c->settings.keystore);
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
    if (c->configured)
        kd_settings_free(&c->settings);
    c->configured = false;
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
