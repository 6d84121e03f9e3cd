/*
 * main.c — keydeck's command line: global options, then the noun's command
 * from a table.  Without a noun it prints an overview of the keystore.
 */
#include "cli/cli.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "util/clock.h"

struct kd_command {
    const char *noun;
    int (*run)(struct kd_cli *c, int argc, char **argv);
    const char *summary;
};

static const struct kd_command commands[] = {
    {"apis", kd_cmd_apis, "key spaces: list, get, create, delete"},
    {"keys", kd_cmd_keys,
     "keys: list, get, create, update, delete, reroll, reveal, credits, roles, perms, import"},
    {"roles", kd_cmd_roles, "roles: list, get, create, delete, perms"},
    {"perms", kd_cmd_perms, "permissions: list, get, create, delete"},
    {"verify", kd_cmd_verify, "verify a key read from standard input or a file"},
    {"stats", kd_cmd_stats, "verification statistics"},
    {"log", kd_cmd_log, "the audit log: list, verify"},
    {"audit", kd_cmd_audit, "audit keys against the rules: run, accept, accepted, rules"},
    {"demo", kd_cmd_demo, "seed a keystore with realistic demo data"},
    {"rootkeys", kd_cmd_rootkeys, "keydeckd's root keys: create, list, delete"},
    {"overview", NULL, "a short text overview of the keystore"},
    {NULL, NULL, NULL},
};

static void print_usage(FILE *f)
{
    fprintf(f, "usage: keydeck [--keystore PATH] [--json] [--readonly] [--help] [--version]\n"
               "               <noun> <verb> [arguments]\n\n"
               "Manage API keys, roles and permissions in a keydeck keystore, or on a\n"
               "server speaking Unkey's v2 API (a profile: see keydeck.conf(5)).\n"
               "Without a command, opens the dashboard on a terminal and prints an\n"
               "overview of the keystore otherwise.\n\n"
               "global options:\n"
               "  --keystore PATH  the keystore (default: $KEYDECK_KEYSTORE, else\n"
               "                   $XDG_DATA_HOME/keydeck/keystore.db)\n"
               "  --json           print one JSON document\n"
               "  --readonly       refuse every change\n"
               "  --help           this help; `keydeck <noun> --help` for a noun's verbs\n"
               "  --version        print the version\n\n"
               "commands:\n");
    for (const struct kd_command *cmd = commands; cmd->noun; cmd++)
        fprintf(f, "  %-8s %s\n", cmd->noun, cmd->summary);
    fputc('\n', f);
    kd_cli_tui_usage(f);
    fprintf(f, "\nexit status: 0 ok, 1 verify not VALID / log tampered, 2 usage or invalid "
               "input,\n3 not found, 4 conflict, 5 read-only, 7 unsupported, 8-10 keystore errors,\n"
               "11 network, 12 protocol (a server's answer), 13 cancelled.\n");
}

int main(int argc, char **argv)
{
    /* The user's character set (UTF-8 borders, wide names); numbers stay in the
     * C locale so scripts and JSON never see a decimal comma. */
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_clock_init_from_env(&err) < 0) {
        if (!err.field[0])
            snprintf(err.field, sizeof err.field, "KEYDECK_NOW");
        err.code = KD_ERR_INVALID;
        kd_cli_fail(&err);
        return KD_EXIT_USAGE;
    }

    struct kd_cli cli = {0};
    struct kd_argp p;
    kd_argp_init(&p, &cli, NULL, argc - 1, argv + 1);
    /* Global options stop at the first word (the noun). */
    int i = 1;
    int status = -1, tui, exit_now;
    for (; i < argc && status < 0; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0')
            break;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_usage(stdout);
            status = KD_EXIT_OK;
        } else if (strcmp(a, "--version") == 0) {
            printf("keydeck %s\n", PACKAGE_VERSION);
            status = KD_EXIT_OK;
        } else if ((tui = kd_cli_tui_option(&cli, argc, argv, &i, &exit_now, &err)) != 0) {
            if (tui < 0)
                status = kd_cli_fail(&err);
            else if (exit_now >= 0)
                status = exit_now;
        } else if (a[1] != '-') {
            kd_error_set(&err, KD_ERR_INVALID, a, "unknown option (see keydeck --help)");
            status = kd_cli_fail(&err);
        } else {
            /* Reuse the option parser for --json, --readonly, --keystore[=]PATH. */
            p.i = i - 1;
            kd_argp_next(&p);
            if (kd_argp_other(&p, &err) < 0) {
                if (strstr(err.message, "unknown option"))
                    snprintf(err.message, sizeof err.message,
                             "unknown option (see keydeck --help)");
                status = kd_cli_fail(&err);
            }
            i = p.i;
        }
    }
    kd_argp_free(&p);
    if (status >= 0) {
        kd_cli_close(&cli);
        return status;
    }

    if (kd_cli_configure(&cli, &err) < 0) {
        status = kd_cli_fail(&err);
    } else if (i >= argc) {
        status = kd_cmd_tui(&cli);
    } else if (strcmp(argv[i], "overview") == 0) {
        status = kd_cmd_overview(&cli);
    } else {
        const struct kd_command *cmd = commands;
        while (cmd->noun && strcmp(cmd->noun, argv[i]) != 0)
            cmd++;
        if (cmd->noun) {
            status = cmd->run(&cli, argc - i - 1, argv + i + 1);
        } else {
            kd_error_set(&err, KD_ERR_INVALID, NULL, "unknown command '%s' (see keydeck --help)",
                         argv[i]);
            status = kd_cli_fail(&err);
        }
    }
    kd_cli_close(&cli);
    if (fflush(stdout) != 0 && status == 0)
        status = kd_errcode_exit_status(KD_ERR_IO);
    return status;
}
