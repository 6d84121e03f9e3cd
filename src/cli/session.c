/*
 * session.c — finding and opening the keystore for one keydeck run, and
 * reporting errors the same way everywhere.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

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
    if (strcmp(c->settings.backend, "better-auth") == 0)
        return kd_error_set(err, KD_ERR_UNSUPPORTED, "profile",
                            "profile %s uses the better-auth backend, which this keydeck cannot "
                            "reach yet: use local, unkey or keydeckd",
                            c->settings.profile);
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

/* ---- the root key of a remote profile ---- */

/* The first line of a file, without its line ending (new string to wipe). */
static char *first_line(int fd, const char *from, struct kd_error *err)
{
    char buf[1024];
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, sizeof buf - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
        if (memchr(buf, '\n', n) || n == sizeof buf - 1)
            break;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    char *key = buf[0] ? kd_xstrdup(buf) : NULL;
    explicit_bzero(buf, sizeof buf); /* it held the secret */
    if (!key)
        kd_error_set(err, KD_ERR_INVALID, "root-key", "no root key in %s (the first line is empty)",
                     from);
    return key;
}

/* Ask on the terminal, without echo. */
static char *prompt_root_key(const struct kd_settings *s, struct kd_error *err)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        kd_error_set(err, KD_ERR_INVALID, "root-key",
                     "profile %s needs a root key: set UNKEY_ROOT_KEY or root-key-file "
                     "(see keydeck.conf(5)); there is no terminal to ask on",
                     s->profile);
        return NULL;
    }
    struct termios saved, quiet;
    bool tty = tcgetattr(fd, &saved) == 0;
    if (tty) {
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    char prompt[256];
    int n = snprintf(prompt, sizeof prompt, "root key for %s (%s): ", s->profile, s->url);
    if (n > 0 && write(fd, prompt, (size_t)n) < 0) { /* best effort */
    }
    char *key = first_line(fd, "the terminal", err);
    if (tty)
        tcsetattr(fd, TCSAFLUSH, &saved);
    if (write(fd, "\n", 1) < 0) {
    }
    close(fd);
    return key;
}

char *kd_cli_root_key(const struct kd_settings *s, struct kd_error *err)
{
    const char *env = getenv("UNKEY_ROOT_KEY");
    if (env && *env)
        return kd_xstrdup(env);
    if (!s->root_key_file)
        return prompt_root_key(s, err);
    const char *path = s->root_key_file;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        kd_error_set(err, errno == ENOENT ? KD_ERR_NOT_FOUND : KD_ERR_IO, "root-key-file",
                     "cannot read %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    /* Like ssh with its private keys: a secret others can read is refused. */
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
        close(fd);
        kd_error_set(err, KD_ERR_FORBIDDEN, "root-key-file",
                     "%s must be a regular file with mode 0600 (it is %04o): chmod 600 %s", path,
                     (unsigned)(st.st_mode & 07777), path);
        return NULL;
    }
    char *key = first_line(fd, path, err);
    close(fd);
    return key;
}

static int open_remote(struct kd_cli *c, struct kd_error *err)
{
    char *root_key = kd_cli_root_key(&c->settings, err);
    if (!root_key)
        return -1;
    struct kd_remote_options opt = {
        .kind = c->settings.backend,
        .url = c->settings.url,
        .root_key = root_key,
        .ca_file = c->settings.ca_file,
        .apis = &c->settings.apis,
        .connect_timeout_ms = c->settings.connect_timeout * 1000L,
        .timeout_ms = c->settings.timeout * 1000L,
    };
    struct kd_backend *b = kd_backend_unkey_open(&opt, err);
    kd_secret_free(root_key);
    if (!b)
        return -1;
    c->backend = c->readonly ? kd_backend_readonly_wrap(b) : b;
    return 0;
}

int kd_cli_open(struct kd_cli *c, bool write, struct kd_error *err)
{
    if (c->backend)
        return 0;
    if (c->configured && strcmp(c->settings.backend, "local") != 0)
        return open_remote(c, err);
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
