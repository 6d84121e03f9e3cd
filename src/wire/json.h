/*
 * json.h — strict decoding and terse encoding helpers over jansson, for the
 * Unkey v2 codec (src/wire/unkey_*.c).  Internal to src/wire.
 *
 * A decoder opens a struct kd_jobj on an object, names where it sits in the
 * document ("body", "body.credits", "data[3]") and reads members with the
 * kd_jget_* functions.  Every getter returns
 *     1  the member is present (and valid),
 *     0  it is absent (and not required),
 *    -1  an error was filled in: field = the member's location, e.g.
 *        "body.credits.refill.amount", message = the rule it broke.
 *
 * Two modes, because the codec decodes both sides of the wire:
 *   KD_JREQUEST   what Unkey's server does with a request: unknown members,
 *                 lengths, patterns and bounds are checked; KD_ERR_INVALID.
 *   KD_JRESPONSE  what a client should do with an answer: only types and
 *                 required members (so a newer server still works); rules and
 *                 bounds are not checked; KD_ERR_PROTOCOL.
 */
#ifndef KD_WIRE_JSON_H
#define KD_WIRE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/strlist.h"

enum kd_jmode {
    KD_JREQUEST,
    KD_JRESPONSE,
};

/* Room for "body.keys[12345].ratelimits[49].autoApply" and then some;
 * err->field keeps the first 63 characters. */
#define KD_JPATH_MAX 160

/* An object being decoded, and where it is. */
struct kd_jobj {
    const json_t *json;
    char path[KD_JPATH_MAX];
    enum kd_jmode mode;
    struct kd_error *err;
};

/* The character classes of the spec's string patterns (all ASCII). */
enum kd_jcharset {
    KD_CS_ANY = 0,
    KD_CS_WORD,        /* ^[a-zA-Z0-9_]+$       ids, apiId, prefix */
    KD_CS_EXTERNAL_ID, /* ^[a-zA-Z0-9_.-]+$     externalId */
    KD_CS_SLUG,        /* ^[a-zA-Z0-9_:\-\.\*]+$ permission slugs */
    KD_CS_RESOURCE_ID, /* ^[a-zA-Z0-9_-]+$      roleId (ResourceIdentifier) */
};

/* A string's rule: length in characters (max_len 0: unbounded) and charset. */
struct kd_jstr_rule {
    size_t min_len;
    size_t max_len;
    enum kd_jcharset charset;
};

/* ---- locations ---------------------------------------------------------- */

/* Locations are cut to fit buf; these return false when one was (the start
 * of a location still points at the culprit). */
/** "path.name" into buf. */
bool kd_jpath_member(char *buf, size_t size, const char *path, const char *name);
/** "path[i]" into buf. */
bool kd_jpath_index(char *buf, size_t size, const char *path, size_t i);

/**
 * Fail at o's member (NULL member: at o itself) with the mode's error code.
 * Returns -1.
 */
int kd_jfail(const struct kd_jobj *o, const char *member, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- objects -------------------------------------------------------------- */

/** Open v (which must be an object) as o, located at path. */
int kd_jobj_open(struct kd_jobj *o, const json_t *v, const char *path, enum kd_jmode mode,
                 struct kd_error *err);
/**
 * Request mode: refuse any member not in allowed (NULL-terminated), as the
 * spec's additionalProperties:false does.  Response mode: always 0.
 */
int kd_jobj_only(const struct kd_jobj *o, const char *const *allowed);
/** Open the object member name as child.  is_null non-NULL: null is allowed. */
int kd_jget_object(const struct kd_jobj *o, const char *name, bool required,
                   struct kd_jobj *child, bool *is_null);
/** Open item i of the array member name (already fetched as arr) as child. */
int kd_jget_item_object(const struct kd_jobj *o, const char *name, const json_t *arr, size_t i,
                        struct kd_jobj *child);

/* ---- scalar members --------------------------------------------------------- */

/** A string member, borrowed from the document.  rule NULL: any string. */
int kd_jget_str(const struct kd_jobj *o, const char *name, bool required,
                const struct kd_jstr_rule *rule, const char **out, bool *is_null);
/** The same, newly allocated (NULL when absent or null). */
int kd_jget_strdup(const struct kd_jobj *o, const char *name, bool required,
                   const struct kd_jstr_rule *rule, char **out, bool *is_null);
/** One of choices (NULL-terminated); *index gets its position. */
int kd_jget_enum(const struct kd_jobj *o, const char *name, bool required,
                 const char *const *choices, int *index);
/** An integer (JSON integers only, not 1.0) in [min, max] (request mode). */
int kd_jget_int(const struct kd_jobj *o, const char *name, bool required, int64_t min,
                int64_t max, int64_t *out, bool *is_null);
int kd_jget_bool(const struct kd_jobj *o, const char *name, bool required, bool *out);

/* ---- arrays and compound members ------------------------------------------ */

/** An array member with min_items..max_items (max 0: unbounded) items. */
int kd_jget_array(const struct kd_jobj *o, const char *name, bool required, size_t min_items,
                  size_t max_items, const json_t **out);
/** An array of strings, each following rule, appended to *out. */
int kd_jget_strlist(const struct kd_jobj *o, const char *name, bool required, size_t min_items,
                    size_t max_items, const struct kd_jstr_rule *rule, struct kd_strlist *out);
/**
 * A meta object (at most max_props members in request mode; 0: unbounded),
 * re-serialised compactly into *out.  is_null non-NULL: null is allowed.
 */
int kd_jget_meta(const struct kd_jobj *o, const char *name, size_t max_props, char **out,
                 bool *is_null);

/**
 * Decode a response's array of objects (the "data" of a list answer) into a new
 * C array of elem_size elements: decode_one(item, "data[i]", &(*items)[i], ctx,
 * err) for each.  Not an array: KD_ERR_PROTOCOL.  On a failure the elements
 * decoded so far are freed with free_one and *items is NULL.
 */
typedef int (*kd_jdecode_fn)(const json_t *item, const char *path, void *out, void *ctx,
                             struct kd_error *err);
int kd_jdecode_array(const json_t *arr, const char *path, size_t elem_size,
                     kd_jdecode_fn decode_one, void *ctx, void (*free_one)(void *),
                     void **items, size_t *len, struct kd_error *err);

/* ---- encoding ----------------------------------------------------------- */

/** Set obj.name to s; NULL s: leave the member out. */
void kd_jset_str(json_t *obj, const char *name, const char *s);
/** Set obj.name to s, or to null when s is NULL. */
void kd_jset_str_or_null(json_t *obj, const char *name, const char *s);
void kd_jset_int(json_t *obj, const char *name, int64_t v);
void kd_jset_bool(json_t *obj, const char *name, bool v);
/** Set obj.name to v (stolen); NULL v: leave the member out. */
void kd_jset_new(json_t *obj, const char *name, json_t *v);
/** A JSON array of the list's strings (new reference). */
json_t *kd_jstrlist(const struct kd_strlist *l);
/** Parse meta_json; a new reference to the object, or NULL when it is not one. */
json_t *kd_jmeta_parse(const char *meta_json);

#endif
