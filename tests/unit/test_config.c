/* test_config — the config file: syntax, every error, permissions, ~ expansion,
 * profiles, audit thresholds, precedence, and that keydeck.conf(5) documents
 * every key the parser accepts. */
#include <sys/stat.h>

#include "test.h"
#include "util/config.h"
#include "util/error.h"

#ifndef KD_TEST_SRCDIR
#define KD_TEST_SRCDIR "."
#endif

static struct kd_error err;

static const char *srcdir(void)
{
    const char *s = getenv("KD_SRCDIR");
    return s && *s ? s : KD_TEST_SRCDIR;
}

/* No ambient settings leak in from the environment running the tests. */
static void clean_env(void)
{
    unsetenv("KEYDECK_PROFILE");
    unsetenv("KEYDECK_THEME");
    unsetenv("KEYDECK_KEYSTORE");
    unsetenv("XDG_CONFIG_HOME");
    setenv("HOME", "/home/tester", 1);
    kd_error_clear(&err);
}

static struct kd_config *parse_ok(const char *text)
{
    struct kd_config *cfg = NULL;
    kd_error_clear(&err);
    ck_assert_msg(kd_config_parse(text, "t.conf", &cfg, &err) == 0, "parse failed: %s",
                  err.message);
    ck_assert_ptr_nonnull(cfg);
    return cfg;
}

static void parse_bad(const char *text, const char *message)
{
    struct kd_config *cfg = (struct kd_config *)&err; /* must be reset to NULL */
    kd_error_clear(&err);
    ck_assert_msg(kd_config_parse(text, "t.conf", &cfg, &err) == -1, "should fail: %s", text);
    ck_assert_ptr_null(cfg);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.field, "config");
    ck_assert_str_eq(err.message, message);
}

static char *write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    ck_assert_int_eq(chmod(path, mode), 0);
    return path;
}

static const char brief_example[] =
    "# global settings\n"
    "theme = dark\n"
    "color = never\n"
    "mouse = false\n"
    "refresh = 5            # seconds, monitor\n"
    "default-profile = local\n"
    "\n"
    "[profile local]\n"
    "backend = local\n"
    "keystore = ~/.local/share/keydeck/keystore.db\n"
    "readonly = false\n"
    "theme = default\n"
    "[profile prod]\n"
    "backend = unkey\n"
    "url = https://api.unkey.com\n"
    "root-key-file = ~/.config/keydeck/prod.rootkey   # must be 0600\n"
    "apis = api_123, api_456\n"
    "readonly = true\n"
    "theme = high-contrast\n"
    "[audit]\n"
    "unused-days = 90\n"
    "disabled-days = 31\n"
    "max-permissions = 25\n"
    "owner-max-keys = 11\n"
    "credits-low = 0\n"
    "admin-roles = admin, owner, root\n";

START_TEST(full_example_with_profiles_and_audit)
{
    clean_env();
    struct kd_config *cfg = parse_ok(brief_example);
    ck_assert_str_eq(cfg->theme, "dark");
    ck_assert_int_eq(cfg->color, KD_COLOR_NEVER);
    ck_assert_int_eq(cfg->mouse, 0);
    ck_assert_int_eq(cfg->refresh, 5);
    ck_assert_int_eq(cfg->readonly, KD_CONFIG_UNSET);
    ck_assert_str_eq(cfg->default_profile, "local");
    ck_assert_uint_eq(cfg->nprofiles, 2);

    const struct kd_profile *local = kd_config_profile(cfg, "local");
    ck_assert_ptr_nonnull(local);
    ck_assert_str_eq(local->backend, "local");
    ck_assert_str_eq(local->keystore, "/home/tester/.local/share/keydeck/keystore.db");
    ck_assert_int_eq(local->readonly, 0);
    ck_assert_int_eq(local->line, 8);

    const struct kd_profile *prod = kd_config_profile(cfg, "prod");
    ck_assert_ptr_nonnull(prod);
    ck_assert_str_eq(prod->backend, "unkey");
    ck_assert_str_eq(prod->url, "https://api.unkey.com");
    ck_assert_str_eq(prod->root_key_file, "/home/tester/.config/keydeck/prod.rootkey");
    ck_assert_uint_eq(prod->apis.len, 2);
    ck_assert_str_eq(prod->apis.items[0], "api_123");
    ck_assert_str_eq(prod->apis.items[1], "api_456");
    ck_assert_int_eq(prod->readonly, 1);
    ck_assert_str_eq(prod->theme, "high-contrast");
    ck_assert_ptr_null(prod->keystore);
    ck_assert_ptr_null(kd_config_profile(cfg, "staging"));

    ck_assert_int_eq(cfg->audit.unused_days, 90);
    ck_assert_int_eq(cfg->audit.disabled_days, 31);
    ck_assert_int_eq(cfg->audit.max_permissions, 25);
    ck_assert_int_eq(cfg->audit.owner_max_keys, 11);
    ck_assert_int_eq(cfg->audit.credits_low, 0);
    ck_assert_uint_eq(cfg->audit.admin_roles.len, 3);
    ck_assert_str_eq(cfg->audit.admin_roles.items[2], "root");
    kd_config_free(cfg);
}
END_TEST

START_TEST(defaults_when_empty)
{
    clean_env();
    struct kd_config *cfg = parse_ok("\n# nothing\n   \n");
    ck_assert_ptr_null(cfg->theme);
    ck_assert_int_eq(cfg->color, KD_COLOR_UNSET);
    ck_assert_int_eq(cfg->mouse, KD_CONFIG_UNSET);
    ck_assert_int_eq(cfg->refresh, KD_CONFIG_UNSET);
    ck_assert_uint_eq(cfg->nprofiles, 0);
    ck_assert_int_eq(cfg->audit.unused_days, KD_CONFIG_DEFAULT_UNUSED_DAYS);
    ck_assert_int_eq(cfg->audit.disabled_days, KD_CONFIG_DEFAULT_DISABLED_DAYS);
    ck_assert_int_eq(cfg->audit.max_permissions, KD_CONFIG_DEFAULT_MAX_PERMISSIONS);
    ck_assert_int_eq(cfg->audit.owner_max_keys, KD_CONFIG_DEFAULT_OWNER_MAX_KEYS);
    ck_assert_int_eq(cfg->audit.credits_low, KD_CONFIG_DEFAULT_CREDITS_LOW);
    ck_assert_uint_eq(cfg->audit.admin_roles.len, 2);
    ck_assert_str_eq(cfg->audit.admin_roles.items[0], "admin");
    ck_assert_str_eq(cfg->audit.admin_roles.items[1], "owner");
    kd_config_free(cfg);
}
END_TEST

START_TEST(quoting_comments_and_booleans)
{
    clean_env();
    struct kd_config *cfg = parse_ok(
        "  theme=\"~/my themes/a \\\"b\\\".theme\"   # quoted, with spaces\n"
        "mouse = YES\n"
        "readonly\t=\ton\n"
        "[profile p-1.x]   # comment after a header\n"
        "keystore = /srv/keys#1/ks.db # '#' inside a word is not a comment\n"
        "readonly = off\n"
        "[profile r]\n"
        "backend = keydeckd\n"
        "url = http://127.0.0.1:8080/\n"
        "[profile s]\n"
        "backend = better-auth\n"
        "url = \"https://auth.example.com/api\"\n");
    ck_assert_str_eq(cfg->theme, "/home/tester/my themes/a \"b\".theme");
    ck_assert_int_eq(cfg->mouse, 1);
    ck_assert_int_eq(cfg->readonly, 1);
    const struct kd_profile *p = kd_config_profile(cfg, "p-1.x");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_null(p->backend);
    ck_assert_str_eq(p->keystore, "/srv/keys#1/ks.db");
    ck_assert_int_eq(p->readonly, 0);
    ck_assert_str_eq(kd_config_profile(cfg, "r")->url, "http://127.0.0.1:8080/");
    ck_assert_str_eq(kd_config_profile(cfg, "s")->url, "https://auth.example.com/api");
    kd_config_free(cfg);
}
END_TEST

START_TEST(tilde_expansion)
{
    clean_env();
    setenv("HOME", "/u/ann", 1);
    struct kd_config *cfg = parse_ok("theme = ~/t/x.theme\n[profile a]\nkeystore = ~\n");
    ck_assert_str_eq(cfg->theme, "/u/ann/t/x.theme");
    ck_assert_str_eq(kd_config_profile(cfg, "a")->keystore, "/u/ann");
    kd_config_free(cfg);

    parse_bad("[profile a]\nkeystore = ~bob/ks.db\n",
              "t.conf:2: keystore: \"~bob/ks.db\": ~user is not supported (use ~/ or an "
              "absolute path)");
    unsetenv("HOME");
    parse_bad("[profile a]\nkeystore = ~/ks.db\n",
              "t.conf:2: keystore: \"~/ks.db\" starts with ~ but $HOME is not set");
}
END_TEST

START_TEST(every_syntax_error)
{
    clean_env();
    parse_bad("theme dark\n", "t.conf:1: expected \"key = value\" or a [section] header");
    parse_bad("= dark\n", "t.conf:1: expected \"key = value\" or a [section] header");
    parse_bad("\n[profile a\n", "t.conf:2: missing ] at the end of the section header");
    parse_bad("[audit] x\n", "t.conf:1: text after the section header");
    parse_bad("[ ]\n", "t.conf:1: empty section header [] (expected [profile NAME] or [audit])");
    parse_bad("theme = \"dark\n", "t.conf:1: theme: unterminated quoted string");
    parse_bad("theme = \"dark\" x\n",
              "t.conf:1: theme: text after the closing quote (put the whole value in quotes)");
    parse_bad("theme = da\"rk\"\n",
              "t.conf:1: theme: a quote may only start a value (quote the whole value)");
    parse_bad("theme =\n", "t.conf:1: theme: empty value (expected a theme name, or a theme "
                           "file's path (absolute or ~/))");
    parse_bad("refresh = \"\"  # empty\n",
              "t.conf:1: refresh: empty value (expected an integer from 1 to 3600)");
}
END_TEST

START_TEST(every_section_error)
{
    clean_env();
    parse_bad("[profiles]\n",
              "t.conf:1: unknown section [profiles] (expected [profile NAME] or [audit])");
    parse_bad("[profile]\n", "t.conf:1: [profile] needs a name: [profile NAME]");
    parse_bad("[profile my prod]\n", "t.conf:1: a profile name cannot contain blanks");
    parse_bad("[profile -x]\n", "t.conf:1: bad profile name \"-x\" (letters, digits, '.', "
                                "'_' and '-', not starting with '.' or '-')");
    parse_bad("[audit x]\n", "t.conf:1: [audit] takes no name");
    parse_bad("[audit]\n[profile a]\n[audit]\n",
              "t.conf:3: [audit] is given twice (first at line 1)");
    parse_bad("[profile a]\nreadonly = true\n\n[profile a]\n",
              "t.conf:4: profile \"a\" is defined twice (first at line 1)");
}
END_TEST

START_TEST(every_key_error)
{
    clean_env();
    parse_bad("thme = dark\n",
              "t.conf:1: unknown key \"thme\" in the global settings (expected theme, color, "
              "mouse, refresh, readonly, default-profile)");
    parse_bad("[profile prod]\nreadonly = true\nread-only = true\n",
              "t.conf:3: unknown key \"read-only\" in [profile prod] (expected backend, "
              "keystore, url, root-key-file, apis, ca-file, connect-timeout, timeout, readonly, "
              "theme)");
    parse_bad("[profile prod]\ntimeout = 0\n",
              "t.conf:2: timeout: \"0\" is not an integer from 1 to 3600 (seconds)");
    parse_bad("[audit]\nUnused-days = 3\n",
              "t.conf:2: unknown key \"Unused-days\" in [audit] (expected unused-days, "
              "disabled-days, max-permissions, owner-max-keys, credits-low, admin-roles)");
    parse_bad("[profile prod]\nrefresh = 5\n",
              "t.conf:2: refresh is not a setting of [profile prod] (global settings go "
              "before the first [section])");
    parse_bad("[profile prod]\nreadonly = true\n# again\nreadonly = false\n",
              "t.conf:4: readonly is set twice in [profile prod] (first at line 2)");
    parse_bad("theme = a\ntheme = b\n",
              "t.conf:2: theme is set twice in the global settings (first at line 1)");
}
END_TEST

START_TEST(every_value_error)
{
    clean_env();
    parse_bad("mouse = maybe\n", "t.conf:1: mouse: \"maybe\" is not a boolean (use true, "
                                 "false, yes, no, on or off)");
    parse_bad("refresh = 0\n", "t.conf:1: refresh: \"0\" is not an integer from 1 to 3600");
    parse_bad("refresh = 2s\n", "t.conf:1: refresh: \"2s\" is not an integer from 1 to 3600");
    parse_bad("[audit]\nunused-days = -1\n",
              "t.conf:2: unused-days: \"-1\" is not an integer from 0 to 36500");
    parse_bad("[audit]\ncredits-low = 99999999999999999999\n",
              "t.conf:2: credits-low: \"99999999999999999999\" is not an integer from 0 to "
              "1000000");
    parse_bad("color = blue\n", "t.conf:1: color: \"blue\" is not auto, always or never");
    parse_bad("[profile a]\nbackend = vault\n",
              "t.conf:2: backend: \"vault\" is not local, unkey, keydeckd or better-auth");
    parse_bad("[profile a]\nkeystore = data/ks.db\n",
              "t.conf:2: keystore: \"data/ks.db\" is not an absolute path (start it with / "
              "or ~/)");
    parse_bad("theme = \"my theme\"\n",
              "t.conf:1: theme: \"my theme\" is not a theme name (letters, digits, '.', '_' "
              "and '-') or a path (absolute or ~/)");
    parse_bad("[profile a]\nbackend = unkey\nurl = http://api.unkey.com\n",
              "t.conf:3: url: \"http://api.unkey.com\" is not an https:// URL, or http:// to "
              "localhost, 127.0.0.1 or [::1]");
    parse_bad("[profile a]\nbackend = unkey\nurl = http://localhost.evil.com/\n",
              "t.conf:3: url: \"http://localhost.evil.com/\" is not an https:// URL, or "
              "http:// to localhost, 127.0.0.1 or [::1]");
    parse_bad("[profile a]\nbackend = unkey\nurl = https://x\napis = api_1,,api_2\n",
              "t.conf:4: apis: empty entry in \"api_1,,api_2\" (expected API ids separated "
              "by commas)");
    parse_bad("[profile a]\nbackend = unkey\nurl = https://x\napis = \"api 1, api_2\"\n",
              "t.conf:4: apis: \"api 1\" is not an API id (no blanks; separate ids with "
              "commas)");
    parse_bad("[audit]\nadmin-roles = admin, \n",
              "t.conf:2: admin-roles: empty entry in \"admin,\" (expected names separated by "
              "commas)");
    parse_bad("default-profile = prod\n[profile staging]\n",
              "t.conf:1: default-profile: there is no [profile prod] in this file");
}
END_TEST

START_TEST(profile_keys_must_fit_the_backend)
{
    clean_env();
    parse_bad("[profile a]\nurl = https://api.unkey.com\nbackend = local\n[audit]\n",
              "t.conf:2: url: [profile a] uses the local backend, which has no url (set "
              "backend = unkey, keydeckd or better-auth)");
    parse_bad("[profile a]\napis = api_1\n",
              "t.conf:2: apis: [profile a] uses the local backend, which has no apis (set "
              "backend = unkey, keydeckd or better-auth)");
    parse_bad("[profile r]\nbackend = unkey\nurl = https://x\nkeystore = /k.db\n",
              "t.conf:4: keystore: [profile r] uses the unkey backend, which has no local "
              "keystore");
    parse_bad("\n[profile r]\nbackend = keydeckd\n[profile s]\n",
              "t.conf:2: [profile r]: the keydeckd backend needs url = https://...");
}
END_TEST

START_TEST(missing_default_file_gives_defaults)
{
    clean_env();
    const char *dir = kd_test_tmpdir();
    setenv("XDG_CONFIG_HOME", dir, 1);
    struct kd_config *cfg = NULL;
    ck_assert_int_eq(kd_config_load(NULL, &cfg, &err), 0);
    ck_assert_ptr_nonnull(cfg);
    ck_assert(!cfg->loaded);
    char want[512];
    snprintf(want, sizeof want, "%s/keydeck/config", dir);
    ck_assert_str_eq(cfg->path, want);
    ck_assert_uint_eq(cfg->nprofiles, 0);

    struct kd_settings s;
    ck_assert_int_eq(kd_config_resolve(cfg, NULL, &s, &err), 0);
    ck_assert_str_eq(s.profile, "local");
    ck_assert(s.builtin_profile);
    ck_assert_str_eq(s.backend, "local");
    ck_assert_ptr_null(s.keystore);
    ck_assert(!s.readonly);
    ck_assert_str_eq(s.readonly_source, "");
    ck_assert_str_eq(s.theme, "default");
    ck_assert_int_eq(s.color, KD_COLOR_AUTO);
    ck_assert(!s.mouse);
    ck_assert_int_eq(s.refresh, KD_CONFIG_DEFAULT_REFRESH);
    ck_assert_int_eq(s.audit.unused_days, 90);
    ck_assert_uint_eq(s.audit.admin_roles.len, 2);
    kd_settings_free(&s);
    kd_config_free(cfg);

    /* No config at all behaves the same. */
    ck_assert_int_eq(kd_config_resolve(NULL, NULL, &s, &err), 0);
    ck_assert_str_eq(s.profile, "local");
    ck_assert_int_eq(s.audit.owner_max_keys, 10);
    ck_assert_uint_eq(s.audit.admin_roles.len, 2);
    kd_settings_free(&s);

    /* An explicit path must exist. */
    snprintf(want, sizeof want, "%s/nope.conf", dir);
    cfg = (struct kd_config *)&err;
    ck_assert_int_eq(kd_config_load(want, &cfg, &err), -1);
    ck_assert_ptr_null(cfg);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
}
END_TEST

START_TEST(default_path)
{
    clean_env();
    setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
    char *p = kd_config_default_path();
    ck_assert_str_eq(p, "/x/cfg/keydeck/config");
    free(p);
    setenv("XDG_CONFIG_HOME", "relative", 1); /* invalid per XDG: ignored */
    p = kd_config_default_path();
    ck_assert_str_eq(p, "/home/tester/.config/keydeck/config");
    free(p);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("HOME");
    ck_assert_ptr_null(kd_config_default_path());
}
END_TEST

START_TEST(load_reads_the_file_and_refuses_writable_ones)
{
    clean_env();
    const char *dir = kd_test_tmpdir();
    setenv("XDG_CONFIG_HOME", dir, 1);
    char sub[512];
    snprintf(sub, sizeof sub, "%s/keydeck", dir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    char *path = write_file(sub, "config", brief_example, 0600);

    struct kd_config *cfg = NULL;
    ck_assert_msg(kd_config_load(NULL, &cfg, &err) == 0, "%s", err.message);
    ck_assert(cfg->loaded);
    ck_assert_str_eq(cfg->path, path);
    ck_assert_uint_eq(cfg->nprofiles, 2);
    kd_config_free(cfg);

    ck_assert_int_eq(chmod(path, 0644), 0); /* world-readable is fine */
    ck_assert_int_eq(kd_config_load(path, &cfg, &err), 0);
    kd_config_free(cfg);

    char want[1600];
    ck_assert_int_eq(chmod(path, 0620), 0);
    cfg = (struct kd_config *)&err;
    ck_assert_int_eq(kd_config_load(NULL, &cfg, &err), -1);
    ck_assert_ptr_null(cfg);
    ck_assert_int_eq(err.code, KD_ERR_FORBIDDEN);
    snprintf(want, sizeof want,
             "%s: writable by its group, so someone else could change it (for example lift "
             "read-only); refusing to use it: run chmod go-w %s", path, path);
    ck_assert_str_eq(err.message, want);

    ck_assert_int_eq(chmod(path, 0602), 0);
    ck_assert_int_eq(kd_config_load(path, &cfg, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_FORBIDDEN);
    ck_assert_ptr_nonnull(strstr(err.message, "writable by others"));
    ck_assert_int_eq(chmod(path, 0666), 0);
    ck_assert_int_eq(kd_config_load(path, &cfg, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "writable by group and others"));

    /* Errors from a file name the file and line. */
    char *bad = write_file(sub, "bad", "\n\nrefresh = soon\n", 0600);
    ck_assert_int_eq(kd_config_load(bad, &cfg, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    snprintf(want, sizeof want, "%s:3: refresh: \"soon\" is not an integer from 1 to 3600",
             bad);
    ck_assert_str_eq(err.message, want);

    /* A directory is not a config file. */
    ck_assert_int_eq(kd_config_load(sub, &cfg, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    free(bad);
    free(path);
}
END_TEST

static struct kd_config *example_config(void)
{
    return parse_ok("theme = dark\n"
                    "refresh = 7\n"
                    "mouse = on\n"
                    "color = always\n"
                    "[profile local]\n"
                    "keystore = /data/local.db\n"
                    "[profile plain]\n"
                    "[profile prod]\n"
                    "backend = unkey\n"
                    "url = https://api.unkey.com\n"
                    "root-key-file = /etc/keydeck/prod.key\n"
                    "apis = api_1, api_2\n"
                    "ca-file = /etc/keydeck/ca.pem\n"
                    "timeout = 12\n"
                    "connect-timeout = 3\n"
                    "readonly = true\n"
                    "theme = high-contrast\n"
                    "[audit]\n"
                    "owner-max-keys = 3\n");
}

START_TEST(resolve_precedence)
{
    clean_env();
    struct kd_config *cfg = example_config();
    struct kd_settings s;
    struct kd_config_flags f;

    /* built-in < global < profile < env < flags, for the theme. */
    memset(&f, 0, sizeof f);
    f.profile = "plain";
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert_str_eq(s.theme, "dark"); /* global */
    ck_assert_int_eq(s.refresh, 7);
    ck_assert(s.mouse);
    ck_assert_int_eq(s.color, KD_COLOR_ALWAYS);
    ck_assert_int_eq(s.audit.owner_max_keys, 3);
    ck_assert(!s.builtin_profile);
    ck_assert_ptr_null(s.keystore);
    kd_settings_free(&s);

    f.profile = "prod";
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert_str_eq(s.theme, "high-contrast"); /* profile beats global */
    ck_assert_str_eq(s.backend, "unkey");
    ck_assert_str_eq(s.url, "https://api.unkey.com");
    ck_assert_str_eq(s.root_key_file, "/etc/keydeck/prod.key");
    ck_assert_uint_eq(s.apis.len, 2);
    ck_assert_str_eq(s.ca_file, "/etc/keydeck/ca.pem");
    ck_assert_int_eq(s.timeout, 12);
    ck_assert_int_eq(s.connect_timeout, 3);
    kd_settings_free(&s);

    setenv("KEYDECK_THEME", "light", 1);
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert_str_eq(s.theme, "light"); /* env beats profile */
    kd_settings_free(&s);

    f.theme = "monochrome";
    f.color = KD_COLOR_NEVER;
    f.refresh = 1;
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert_str_eq(s.theme, "monochrome"); /* flag beats env */
    ck_assert_int_eq(s.color, KD_COLOR_NEVER);
    ck_assert_int_eq(s.refresh, 1);
    kd_settings_free(&s);

    /* keystore: flag > env > profile > backend default (NULL). */
    memset(&f, 0, sizeof f);
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert_str_eq(s.profile, "local"); /* no default-profile: "local" */
    ck_assert(!s.builtin_profile);
    ck_assert_str_eq(s.keystore, "/data/local.db");
    kd_settings_free(&s);
    setenv("KEYDECK_KEYSTORE", "/env/ks.db", 1);
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert_str_eq(s.keystore, "/env/ks.db");
    kd_settings_free(&s);
    f.keystore = "/flag/ks.db";
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert_str_eq(s.keystore, "/flag/ks.db");
    kd_settings_free(&s);

    /* The env keystore is ignored for a remote profile; the flag is an error. */
    f.profile = "prod";
    f.keystore = NULL;
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert_ptr_null(s.keystore);
    kd_settings_free(&s);
    f.keystore = "/flag/ks.db";
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.field, "keystore");
    ck_assert_str_eq(err.message, "--keystore applies to local profiles; profile \"prod\" "
                                  "uses the unkey backend");
    kd_config_free(cfg);
}
END_TEST

START_TEST(resolve_readonly_and_write)
{
    clean_env();
    struct kd_config *cfg = example_config();
    struct kd_settings s;
    struct kd_config_flags f;
    memset(&f, 0, sizeof f);

    f.profile = "prod";
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert(s.readonly);
    ck_assert_str_eq(s.readonly_source, "profile prod");
    kd_settings_free(&s);

    f.write = true; /* the only way past a configured read-only */
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert(!s.readonly);
    ck_assert_str_eq(s.readonly_source, "");
    kd_settings_free(&s);

    f.readonly = true;
    memset(&s, 0x5a, sizeof s);
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.message, "--readonly and --write contradict each other: give one");
    ck_assert_ptr_null(s.profile);
    kd_settings_free(&s);

    f.write = false;
    f.profile = "plain";
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert(s.readonly);
    ck_assert_str_eq(s.readonly_source, "--readonly");
    kd_settings_free(&s);
    kd_config_free(cfg);

    /* Global readonly applies to every profile; a profile may say otherwise. */
    cfg = parse_ok("readonly = yes\n[profile a]\n[profile b]\nreadonly = no\n");
    memset(&f, 0, sizeof f);
    f.profile = "a";
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert(s.readonly);
    ck_assert_str_eq(s.readonly_source, "config (global readonly)");
    kd_settings_free(&s);
    f.profile = "b";
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert(!s.readonly);
    kd_settings_free(&s);
    f.profile = "local"; /* built in, and still under the global setting */
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert(s.builtin_profile);
    ck_assert(s.readonly);
    kd_settings_free(&s);
    kd_config_free(cfg);
}
END_TEST

START_TEST(resolve_choosing_the_profile)
{
    clean_env();
    struct kd_config *cfg = parse_ok("default-profile = b\n[profile a]\n[profile b]\n"
                                     "[profile c]\n");
    cfg->path = strdup("/c/config");
    struct kd_settings s;
    struct kd_config_flags f;
    memset(&f, 0, sizeof f);
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert_str_eq(s.profile, "b"); /* default-profile */
    kd_settings_free(&s);
    setenv("KEYDECK_PROFILE", "c", 1);
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert_str_eq(s.profile, "c"); /* env beats default-profile */
    kd_settings_free(&s);
    f.profile = "a";
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), 0);
    ck_assert_str_eq(s.profile, "a"); /* flag beats env */
    kd_settings_free(&s);

    f.profile = "prod";
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_str_eq(err.field, "profile");
    ck_assert_str_eq(err.message,
                     "no profile \"prod\" (from --profile) in /c/config (profiles: a, b, c)");
    f.profile = NULL;
    setenv("KEYDECK_PROFILE", "zz", 1);
    ck_assert_int_eq(kd_config_resolve(cfg, &f, &s, &err), -1);
    ck_assert_str_eq(err.message,
                     "no profile \"zz\" (from $KEYDECK_PROFILE) in /c/config (profiles: a, b, "
                     "c)");
    kd_config_free(cfg);
    unsetenv("KEYDECK_PROFILE");

    ck_assert_int_eq(kd_config_resolve(NULL, &f, &s, &err), 0);
    ck_assert_str_eq(s.profile, "local");
    kd_settings_free(&s);
    f.profile = "prod";
    ck_assert_int_eq(kd_config_resolve(NULL, &f, &s, &err), -1);
    ck_assert_str_eq(err.message, "no profile \"prod\" (from --profile) in the config file "
                                  "(there are none; \"local\" is built in)");
}
END_TEST

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char buf[256 * 1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* The man page documents each key under its section's heading, as ".B key". */
START_TEST(man_page_documents_every_key)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/doc/keydeck.conf.5", srcdir());
    const char *man = slurp(path);
    static const struct {
        const char *section, *heading;
    } headings[] = {
        {"global", ".SS \"Global settings\""},
        {"profile", ".SS \"[profile NAME]\""},
        {"audit", ".SS \"[audit]\""},
    };
    size_t n = 0;
    const struct kd_config_keydef *keys = kd_config_keys(&n);
    ck_assert_uint_ge(n, 19);
    for (size_t i = 0; i < n; i++) {
        const char *heading = NULL;
        for (size_t h = 0; h < 3; h++)
            if (strcmp(headings[h].section, keys[i].section) == 0)
                heading = headings[h].heading;
        ck_assert_ptr_nonnull(heading);
        const char *start = strstr(man, heading);
        ck_assert_msg(start != NULL, "keydeck.conf.5 has no %s", heading);
        start += strlen(heading);
        const char *end = strstr(start, "\n.SS ");
        if (!end)
            end = strstr(start, "\n.SH ");
        ck_assert_ptr_nonnull(end);
        /* roff writes '-' as "\-" */
        char want[128] = "\n.B ";
        for (const char *c = keys[i].name; *c; c++) {
            if (*c == '-')
                strcat(want, "\\");
            strncat(want, c, 1);
        }
        strcat(want, "\n");
        const char *hit = strstr(start, want);
        ck_assert_msg(hit != NULL && hit < end, "keydeck.conf.5 does not document %s under %s",
                      keys[i].name, heading);
        ck_assert_ptr_nonnull(keys[i].accepts);
    }
    ck_assert_ptr_nonnull(strstr(man, "chmod go\\-w"));
    ck_assert_ptr_nonnull(strstr(man, "KEYDECK_KEYSTORE"));
    ck_assert_ptr_nonnull(strstr(man, "KEYDECK_THEME"));
    ck_assert_ptr_nonnull(strstr(man, "KEYDECK_PROFILE"));
    ck_assert_ptr_nonnull(strstr(man, "\\-\\-write"));
}
END_TEST

/* The example in EXAMPLES is a valid file. */
START_TEST(man_page_example_parses)
{
    clean_env();
    char path[1024];
    snprintf(path, sizeof path, "%s/doc/keydeck.conf.5", srcdir());
    const char *man = slurp(path);
    const char *start = strstr(man, "\n# global settings\n");
    ck_assert_ptr_nonnull(start);
    const char *end = strstr(start, "\n.fi\n");
    ck_assert_ptr_nonnull(end);
    char text[4096];
    size_t n = 0;
    for (const char *c = start; c < end && n < sizeof text - 2; c++) {
        if (c[0] == '\\' && c[1] == '-')
            continue; /* roff's "\-" is a plain '-' */
        text[n++] = *c;
    }
    text[n++] = '\n';
    text[n] = '\0';
    struct kd_config *cfg = parse_ok(text);
    ck_assert_uint_eq(cfg->nprofiles, 3);
    ck_assert_int_eq(kd_config_profile(cfg, "prod")->readonly, 1);
    ck_assert_str_eq(kd_config_profile(cfg, "test-server")->url, "http://127.0.0.1:8080");
    ck_assert_str_eq(cfg->default_profile, "local");
    kd_config_free(cfg);
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, full_example_with_profiles_and_audit);
    tcase_add_test(tc, defaults_when_empty);
    tcase_add_test(tc, quoting_comments_and_booleans);
    tcase_add_test(tc, tilde_expansion);
    tcase_add_test(tc, every_syntax_error);
    tcase_add_test(tc, every_section_error);
    tcase_add_test(tc, every_key_error);
    tcase_add_test(tc, every_value_error);
    tcase_add_test(tc, profile_keys_must_fit_the_backend);
    tcase_add_test(tc, missing_default_file_gives_defaults);
    tcase_add_test(tc, default_path);
    tcase_add_test(tc, load_reads_the_file_and_refuses_writable_ones);
    tcase_add_test(tc, resolve_precedence);
    tcase_add_test(tc, resolve_readonly_and_write);
    tcase_add_test(tc, resolve_choosing_the_profile);
    tcase_add_test(tc, man_page_documents_every_key);
    tcase_add_test(tc, man_page_example_parses);
}

KD_TEST_MAIN(add_cases)
