/*
 * audit.h — audit a keystore through the backend: every API, every key (with
 * role-derived grants), every role and permission, against the rules in
 * audit/rules.h.  Front ends (the CLI's `keydeck audit`, the TUI) only format
 * the report.
 *
 * Accepted findings live outside the keystore, in a text file next to the
 * config file (kd_audit_accept_path): one line per acceptance,
 *     RULE-ID <TAB> TARGET <TAB> UNIX-MS <TAB> WHO <TAB> REASON
 * written 0600; lines starting with # are comments.  Auditing is a reviewer's
 * opinion about the data, not data: it must not change the keys or the
 * keystore's schema, and it must work against a read-only or remote store.
 */
#ifndef KD_AUDIT_AUDIT_H
#define KD_AUDIT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit/rules.h"
#include "backend/backend.h"
#include "util/config.h"
#include "util/error.h"

struct kd_audit_acceptance {
    char *rule_id; /* "KD001" */
    char *target;  /* key id, role name, permission slug or external id */
    int64_t at;    /* Unix ms */
    char *who;
    char *reason;
};

struct kd_audit_acceptlist {
    struct kd_audit_acceptance *items;
    size_t len, cap;
};

struct kd_audit_finding {
    enum kd_audit_rule rule;
    char *target;      /* what to act on: a key id, role name, slug or external id */
    const char *target_type; /* "key", "role", "permission", "owner" */
    char *target_name; /* a key's name; NULL when none */
    char *api_id;      /* NULL for roles, permissions and owners */
    char *message;
    const struct kd_audit_acceptance *accepted; /* into the report's accept list; NULL: open */
};

struct kd_audit_options {
    const struct kd_audit_thresholds *thresholds;
    const char *api_id;      /* NULL: every API (and roles and permissions) */
    /* The APIs to audit when the backend cannot list them (no KD_CAP_LIST_APIS:
     * the profile names them); ignored when it can.  May be NULL. */
    const struct kd_strlist *apis;
    int64_t now_ms;
    const struct kd_audit_acceptlist *accepted; /* may be NULL */
};

struct kd_audit_report {
    struct kd_audit_finding *findings; /* sorted: severity (high first), rule, target */
    size_t len, cap;
    size_t apis, keys, roles, permissions; /* how much was looked at */
    size_t open_by_severity[KD_SEV_COUNT];
    size_t accepted_count;
    struct kd_strlist api_ids; /* findings' api_id point into this */
    /* Rules the backend gives no data for (KD012 on a v2 server, which does
     * not say whether a key is recoverable): not run, and said so. */
    bool skipped[KD_RULE_COUNT];
};

/** Run every rule.  On error the report is freed and -1 returned. */
int kd_audit_run(struct kd_backend *b, const struct kd_audit_options *opt,
                 struct kd_audit_report *out, struct kd_error *err);
void kd_audit_report_free(struct kd_audit_report *r);
/** Open (not accepted) findings at or above min. */
size_t kd_audit_report_open(const struct kd_audit_report *r, enum kd_audit_severity min);

/* ---- the accept list ---- */

/**
 * Where acceptances are kept: the directory of $KEYDECK_CONFIG when set, else
 * of the default config file, + "/audit-accepted".  NULL when there is no
 * config directory ($XDG_CONFIG_HOME and $HOME unset).  Free with free().
 */
char *kd_audit_accept_path(void);
/** Read path; a missing file is an empty list.  Malformed lines are errors ("file:line"). */
int kd_audit_accept_load(const char *path, struct kd_audit_acceptlist *out,
                         struct kd_error *err);
/**
 * Append one acceptance (creating the file 0600 and its directory 0700).
 * rule is an id or name; the reason must be non-empty, tabs and newlines are
 * refused in every field.
 */
int kd_audit_accept_add(const char *path, const char *rule, const char *target,
                        const char *who, const char *reason, int64_t at,
                        struct kd_error *err);
const struct kd_audit_acceptance *kd_audit_accept_find(const struct kd_audit_acceptlist *l,
                                                       const char *rule_id,
                                                       const char *target);
void kd_audit_accept_free(struct kd_audit_acceptlist *l);
/** Who is accepting: the login name, else $USER, else "unknown" (static storage). */
const char *kd_audit_whoami(void);

/* ---- CSV ---- */
/** Write s as one RFC 4180 field: quoted when it holds , " CR or LF ("" inside). */
void kd_audit_csv_field(FILE *f, const char *s);

#endif
