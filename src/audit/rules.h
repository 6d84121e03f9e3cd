/*
 * rules.h — the key-audit rules: one table (KD_AUDIT_RULES) from which the
 * rule enum, the id/name/severity/fix lookups, `keydeck audit rules` and the
 * manual page's list all come.
 *
 * The per-key check is pure (a key, the thresholds and "now" in, findings
 * out), so it is unit-tested without a keystore.  Rules that need the whole
 * keystore (duplicate names, owners, unheld roles and permissions) are in
 * audit.c.
 */
#ifndef KD_AUDIT_RULES_H
#define KD_AUDIT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/key.h"
#include "util/config.h"
#include "util/error.h"

enum kd_audit_severity {
    KD_SEV_INFO = 0,
    KD_SEV_LOW,
    KD_SEV_MEDIUM,
    KD_SEV_HIGH,
    KD_SEV_CRITICAL,
};
#define KD_SEV_COUNT 5

/* The obvious remedy, when there is one. */
enum kd_audit_fix {
    KD_FIX_NONE = 0,
    KD_FIX_DISABLE,
    KD_FIX_SET_EXPIRY,
    KD_FIX_ADD_RATELIMIT,
    KD_FIX_DELETE,
};

/*
 * X(enum suffix, id, name, severity, fix, threshold (or "-"), explanation)
 * Ids are stable: never renumber, only append.
 */
#define KD_AUDIT_RULES(X)                                                                    \
    X(EXPIRED_ENABLED, "KD001", "expired-enabled", KD_SEV_HIGH, KD_FIX_DISABLE, "-",          \
      "the key has expired but is still enabled")                                            \
    X(NEVER_USED, "KD002", "never-used", KD_SEV_MEDIUM, KD_FIX_DISABLE, "unused-days",        \
      "an enabled key created more than unused-days ago has never been verified")            \
    X(UNUSED, "KD003", "unused", KD_SEV_LOW, KD_FIX_DISABLE, "unused-days",                   \
      "an enabled key has not been verified for more than unused-days")                      \
    X(NO_EXPIRY, "KD004", "no-expiry", KD_SEV_LOW, KD_FIX_SET_EXPIRY, "-",                    \
      "an enabled key never expires")                                                        \
    X(NO_RATELIMIT, "KD005", "no-ratelimit", KD_SEV_LOW, KD_FIX_ADD_RATELIMIT, "-",           \
      "an enabled key has no rate limit that applies on every verification")                 \
    X(UNLIMITED_CREDITS, "KD006", "unlimited-credits", KD_SEV_INFO, KD_FIX_NONE, "-",         \
      "an enabled key has unlimited credits")                                                \
    X(CREDITS_LOW, "KD007", "credits-low", KD_SEV_MEDIUM, KD_FIX_NONE, "credits-low",         \
      "an enabled key has at most credits-low credits left and no refill")                   \
    X(REFILL_NO_CREDITS, "KD008", "refill-without-credits", KD_SEV_HIGH, KD_FIX_NONE, "-",    \
      "a refill is configured on a key with unlimited credits (the refill does nothing)")    \
    X(WILDCARD_PERMISSION, "KD009", "wildcard-permission", KD_SEV_HIGH, KD_FIX_NONE, "-",     \
      "an enabled key holds a permission whose slug contains *")                             \
    X(MANY_PERMISSIONS, "KD010", "many-permissions", KD_SEV_MEDIUM, KD_FIX_NONE,              \
      "max-permissions",                                                                     \
      "an enabled key holds more than max-permissions permissions (direct and via roles)")   \
    X(ADMIN_ROLE, "KD011", "admin-role", KD_SEV_MEDIUM, KD_FIX_NONE, "admin-roles",           \
      "an enabled key holds an admin-like role")                                             \
    X(RECOVERABLE, "KD012", "recoverable", KD_SEV_LOW, KD_FIX_NONE, "-",                      \
      "the plaintext of an enabled key is kept (sealed) and can be revealed")                \
    X(DISABLED_STALE, "KD013", "disabled-stale", KD_SEV_LOW, KD_FIX_DELETE, "disabled-days",  \
      "a key has been disabled for more than disabled-days (its last update is taken as "    \
      "the time it was disabled)")                                                           \
    X(DUPLICATE_NAME, "KD014", "duplicate-name", KD_SEV_LOW, KD_FIX_NONE, "-",                \
      "two or more keys of one API share a name")                                            \
    X(OWNER_MANY_KEYS, "KD015", "owner-many-keys", KD_SEV_MEDIUM, KD_FIX_NONE,                \
      "owner-max-keys", "one owner (external id) holds more than owner-max-keys keys")       \
    X(UNHELD_PERMISSION, "KD016", "unheld-permission", KD_SEV_INFO, KD_FIX_NONE, "-",         \
      "a permission is held by no key, directly or through a role")                          \
    X(UNHELD_ROLE, "KD017", "unheld-role", KD_SEV_INFO, KD_FIX_NONE, "-",                     \
      "a role is held by no key")

enum kd_audit_rule {
#define KD_X(sym, id, name, sev, fix, threshold, text) KD_RULE_##sym,
    KD_AUDIT_RULES(KD_X)
#undef KD_X
    KD_RULE_COUNT
};

struct kd_audit_rule_info {
    const char *id;        /* "KD001" */
    const char *name;      /* "expired-enabled" */
    enum kd_audit_severity severity;
    enum kd_audit_fix fix;
    const char *threshold; /* the [audit] setting it uses, "-" for none */
    const char *text;      /* one line */
};

/** The rule's row; NULL for an out-of-range value. */
const struct kd_audit_rule_info *kd_audit_rule_info(enum kd_audit_rule r);
/** Look a rule up by id ("KD001", case-insensitive) or name; -1 when unknown. */
int kd_audit_rule_find(const char *id_or_name);

/** "info" "low" "medium" "high" "critical". */
const char *kd_audit_severity_name(enum kd_audit_severity s);
/** Parse a severity word (case-insensitive); -1 with err naming field when unknown. */
int kd_audit_severity_parse(const char *field, const char *s, enum kd_audit_severity *out,
                            struct kd_error *err);
/** "none" "disable" "set-expiry" "add-ratelimit" "delete". */
const char *kd_audit_fix_name(enum kd_audit_fix f);

/* What a per-key rule found: the rule and a message with the specifics. */
struct kd_audit_hit {
    enum kd_audit_rule rule;
    char message[256];
};

/*
 * Every per-key finding for k at now_ms (KD001–KD013), in table order, into
 * hits (room for KD_RULE_COUNT).  A disabled key is only checked by
 * disabled-stale and an expired one only by expired-enabled: the other rules
 * are about keys that can still be used.  A threshold of 0 turns its rule off.
 * Role-derived permissions count when k->grants is filled.  Returns the count.
 */
size_t kd_audit_check_key(const struct kd_key *k, const struct kd_audit_thresholds *t,
                          int64_t now_ms, struct kd_audit_hit *hits);

#endif
