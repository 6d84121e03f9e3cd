/*
 * permquery.h — Unkey v2 permission queries: "a AND (b OR c)".
 *
 * Grammar (AND binds tighter than OR; keywords case-insensitive):
 *   query  := or
 *   or     := and { OR and }
 *   and    := atom { AND atom }
 *   atom   := PERMISSION | "(" or ")"
 *   PERMISSION := 1*( ALPHA / DIGIT / "." / "_" / "-" / ":" / "*" / "/" )
 * "*" is a literal character, not a wildcard: matching is exact.
 */
#ifndef KD_CORE_PERMQUERY_H
#define KD_CORE_PERMQUERY_H

#include <stdbool.h>

#include "util/error.h"
#include "util/strlist.h"

struct kd_permquery;

/** Parse; syntax errors are KD_ERR_INVALID with the 1-based column in the message. */
struct kd_permquery *kd_permquery_parse(const char *text, struct kd_error *err);
void kd_permquery_free(struct kd_permquery *q);

/** True when held (the key's effective slugs) satisfies the query. */
bool kd_permquery_eval(const struct kd_permquery *q, const struct kd_strlist *held);

/**
 * When the query is not satisfied: one permission whose absence decides it
 * (for "missing permission: x" messages), or NULL.  Borrowed from q.
 */
const char *kd_permquery_first_missing(const struct kd_permquery *q,
                                       const struct kd_strlist *held);

#endif
