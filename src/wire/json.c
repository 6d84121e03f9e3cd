#include "wire/json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/xalloc.h"

/* ---- locations ---------------------------------------------------------- */

/* Append s to the string in buf; false when it had to be cut. */
static bool append(char *buf, size_t size, const char *s)
{
    size_t used = strlen(buf), len = strlen(s);
    bool fits = used + len < size;
    if (!fits)
        len = size - 1 - used;
    memcpy(buf + used, s, len);
    buf[used + len] = '\0';
    return fits;
}

bool kd_jpath_member(char *buf, size_t size, const char *path, const char *name)
{
    buf[0] = '\0';
    bool fits = true;
    if (path && *path)
        fits = append(buf, size, path) && append(buf, size, ".");
    return fits && append(buf, size, name);
}

bool kd_jpath_index(char *buf, size_t size, const char *path, size_t i)
{
    char index[32];
    snprintf(index, sizeof index, "[%zu]", i);
    buf[0] = '\0';
    return append(buf, size, path ? path : "") && append(buf, size, index);
}

static enum kd_errcode mode_code(enum kd_jmode mode)
{
    return mode == KD_JREQUEST ? KD_ERR_INVALID : KD_ERR_PROTOCOL;
}

int kd_jfail(const struct kd_jobj *o, const char *member, const char *fmt, ...)
{
    char where[KD_JPATH_MAX];
    kd_jpath_member(where, sizeof where, member ? o->path : "", member ? member : o->path);

    char rule[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rule, sizeof rule, fmt, ap);
    va_end(ap);
    /* The message repeats the location: a field may be cut to 63 characters. */
    return kd_error_set(o->err, mode_code(o->mode), where, "%s %s", where, rule);
}

/* ---- objects -------------------------------------------------------------- */

int kd_jobj_open(struct kd_jobj *o, const json_t *v, const char *path, enum kd_jmode mode,
                 struct kd_error *err)
{
    o->json = v;
    o->path[0] = '\0';
    append(o->path, sizeof o->path, path);
    o->mode = mode;
    o->err = err;
    if (!json_is_object(v))
        return kd_jfail(o, NULL, "must be an object");
    return 0;
}

static bool name_allowed(const char *name, const char *const *allowed)
{
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(allowed[i], name) == 0)
            return true;
    return false;
}

int kd_jobj_only(const struct kd_jobj *o, const char *const *allowed)
{
    if (o->mode != KD_JREQUEST)
        return 0;
    const char *name;
    json_t *value;
    json_object_foreach((json_t *)o->json, name, value) {
        (void)value;
        if (name_allowed(name, allowed))
            continue;
        char list[256] = "";
        size_t used = 0;
        for (size_t i = 0; allowed[i] && used < sizeof list; i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                     allowed[i]);
        return kd_jfail(o, name, "is not a known field (allowed: %s)", list);
    }
    return 0;
}

/* Fetch a member: 1 present (non-null, or null when allowed), 0 absent, -1 error. */
static int member(const struct kd_jobj *o, const char *name, bool required, bool *is_null,
                  const json_t **out)
{
    *out = json_object_get(o->json, name);
    if (is_null)
        *is_null = false;
    if (!*out) {
        if (required)
            return kd_jfail(o, name, "is required");
        return 0;
    }
    if (json_is_null(*out)) {
        if (!is_null) {
            if (required)
                return kd_jfail(o, name, "is required and may not be null");
            /* Absent and null are the same for a non-nullable optional member
             * only in responses; a request must follow the schema. */
            if (o->mode == KD_JRESPONSE)
                return 0;
            return kd_jfail(o, name, "may not be null");
        }
        *is_null = true;
    }
    return 1;
}

int kd_jget_object(const struct kd_jobj *o, const char *name, bool required,
                   struct kd_jobj *child, bool *is_null)
{
    const json_t *v;
    int r = member(o, name, required, is_null, &v);
    if (r <= 0 || (is_null && *is_null))
        return r;
    char where[KD_JPATH_MAX];
    kd_jpath_member(where, sizeof where, o->path, name);
    if (kd_jobj_open(child, v, where, o->mode, o->err) < 0)
        return -1;
    return 1;
}

int kd_jget_item_object(const struct kd_jobj *o, const char *name, const json_t *arr, size_t i,
                        struct kd_jobj *child)
{
    char base[KD_JPATH_MAX], where[KD_JPATH_MAX];
    kd_jpath_member(base, sizeof base, o->path, name);
    kd_jpath_index(where, sizeof where, base, i);
    return kd_jobj_open(child, json_array_get(arr, i), where, o->mode, o->err);
}

/* ---- strings ---------------------------------------------------------------- */

/* Characters, not bytes: the spec's lengths count code points. */
static size_t utf8_length(const char *s, size_t bytes)
{
    size_t n = 0;
    for (size_t i = 0; i < bytes; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

static bool is_alnum_ascii(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool charset_has(enum kd_jcharset cs, char c)
{
    if (is_alnum_ascii(c) || c == '_')
        return cs != KD_CS_ANY;
    switch (cs) {
    case KD_CS_EXTERNAL_ID:
        return c == '.' || c == '-';
    case KD_CS_SLUG:
        return c == ':' || c == '-' || c == '.' || c == '*';
    case KD_CS_RESOURCE_ID:
        return c == '-';
    default:
        return false;
    }
}

static const char *charset_words(enum kd_jcharset cs)
{
    switch (cs) {
    case KD_CS_WORD:
        return "A-Z, a-z, 0-9 and _";
    case KD_CS_EXTERNAL_ID:
        return "A-Z, a-z, 0-9, _, . and -";
    case KD_CS_SLUG:
        return "A-Z, a-z, 0-9, _, :, -, . and *";
    case KD_CS_RESOURCE_ID:
        return "A-Z, a-z, 0-9, _ and -";
    default:
        return "any character";
    }
}

/* Check s against rule; where names it.  Only called in request mode. */
static int check_string(const struct kd_jobj *o, const char *where_member, const char *s,
                        size_t bytes, const struct kd_jstr_rule *rule)
{
    size_t len = utf8_length(s, bytes);
    if (len < rule->min_len)
        return kd_jfail(o, where_member, "must be at least %zu character%s long", rule->min_len,
                        rule->min_len == 1 ? "" : "s");
    if (rule->max_len && len > rule->max_len)
        return kd_jfail(o, where_member, "must be at most %zu characters long", rule->max_len);
    if (rule->charset != KD_CS_ANY) {
        for (size_t i = 0; i < bytes; i++)
            if (!charset_has(rule->charset, s[i]))
                return kd_jfail(o, where_member, "may only contain %s",
                                charset_words(rule->charset));
    }
    return 0;
}

int kd_jget_str(const struct kd_jobj *o, const char *name, bool required,
                const struct kd_jstr_rule *rule, const char **out, bool *is_null)
{
    const json_t *v;
    *out = NULL;
    int r = member(o, name, required, is_null, &v);
    if (r <= 0 || (is_null && *is_null))
        return r;
    if (!json_is_string(v))
        return kd_jfail(o, name, "must be a string%s", is_null ? " or null" : "");
    const char *s = json_string_value(v);
    if (o->mode == KD_JREQUEST && rule &&
        check_string(o, name, s, json_string_length(v), rule) < 0)
        return -1;
    *out = s;
    return 1;
}

int kd_jget_strdup(const struct kd_jobj *o, const char *name, bool required,
                   const struct kd_jstr_rule *rule, char **out, bool *is_null)
{
    const char *s;
    *out = NULL;
    int r = kd_jget_str(o, name, required, rule, &s, is_null);
    if (r > 0)
        *out = kd_xstrdup(s);
    return r;
}

int kd_jget_enum(const struct kd_jobj *o, const char *name, bool required,
                 const char *const *choices, int *index)
{
    const char *s;
    int r = kd_jget_str(o, name, required, NULL, &s, NULL);
    if (r <= 0)
        return r;
    for (int i = 0; choices[i]; i++) {
        if (strcmp(choices[i], s) == 0) {
            *index = i;
            return 1;
        }
    }
    char list[256] = "";
    size_t used = 0;
    for (size_t i = 0; choices[i] && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                 choices[i]);
    return kd_jfail(o, name, "must be one of %s", list);
}

/* ---- numbers and booleans ------------------------------------------------------ */

int kd_jget_int(const struct kd_jobj *o, const char *name, bool required, int64_t min,
                int64_t max, int64_t *out, bool *is_null)
{
    const json_t *v;
    int r = member(o, name, required, is_null, &v);
    if (r <= 0 || (is_null && *is_null))
        return r;
    if (!json_is_integer(v))
        return kd_jfail(o, name, "must be an integer%s", is_null ? " or null" : "");
    int64_t n = (int64_t)json_integer_value(v);
    if (o->mode == KD_JREQUEST) {
        if (n < min)
            return kd_jfail(o, name, "must be >= %" PRId64, min);
        if (n > max)
            return kd_jfail(o, name, "must be <= %" PRId64, max);
    }
    *out = n;
    return 1;
}

int kd_jget_bool(const struct kd_jobj *o, const char *name, bool required, bool *out)
{
    const json_t *v;
    int r = member(o, name, required, NULL, &v);
    if (r <= 0)
        return r;
    if (!json_is_boolean(v))
        return kd_jfail(o, name, "must be true or false");
    *out = json_is_true(v);
    return 1;
}

/* ---- arrays and compound members ------------------------------------------ */

int kd_jget_array(const struct kd_jobj *o, const char *name, bool required, size_t min_items,
                  size_t max_items, const json_t **out)
{
    const json_t *v;
    *out = NULL;
    int r = member(o, name, required, NULL, &v);
    if (r <= 0)
        return r;
    if (!json_is_array(v))
        return kd_jfail(o, name, "must be an array");
    size_t n = json_array_size(v);
    if (o->mode == KD_JREQUEST) {
        if (n < min_items)
            return kd_jfail(o, name, "must have at least %zu item%s", min_items,
                            min_items == 1 ? "" : "s");
        if (max_items && n > max_items)
            return kd_jfail(o, name, "must have at most %zu items", max_items);
    }
    *out = v;
    return 1;
}

int kd_jget_strlist(const struct kd_jobj *o, const char *name, bool required, size_t min_items,
                    size_t max_items, const struct kd_jstr_rule *rule, struct kd_strlist *out)
{
    const json_t *arr;
    int r = kd_jget_array(o, name, required, min_items, max_items, &arr);
    if (r <= 0)
        return r;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *item = json_array_get(arr, i);
        char where[KD_JPATH_MAX];
        snprintf(where, sizeof where, "%s[%zu]", name, i);
        if (!json_is_string(item))
            return kd_jfail(o, where, "must be a string");
        const char *s = json_string_value(item);
        if (o->mode == KD_JREQUEST && rule &&
            check_string(o, where, s, json_string_length(item), rule) < 0)
            return -1;
        kd_strlist_push(out, s);
    }
    return 1;
}

int kd_jget_meta(const struct kd_jobj *o, const char *name, size_t max_props, char **out,
                 bool *is_null)
{
    const json_t *v;
    *out = NULL;
    int r = member(o, name, false, is_null, &v);
    if (r <= 0 || (is_null && *is_null))
        return r;
    if (!json_is_object(v))
        return kd_jfail(o, name, "must be an object%s", is_null ? " or null" : "");
    if (o->mode == KD_JREQUEST && max_props && json_object_size(v) > max_props)
        return kd_jfail(o, name, "may have at most %zu members", max_props);
    *out = json_dumps(v, JSON_COMPACT);
    if (!*out)
        return kd_jfail(o, name, "could not be serialised");
    /* jansson allocates with malloc, like kd_x*, so free() releases it. */
    return 1;
}

/* ---- encoding ----------------------------------------------------------- */

void kd_jset_new(json_t *obj, const char *name, json_t *v)
{
    if (v)
        json_object_set_new(obj, name, v);
}

void kd_jset_str(json_t *obj, const char *name, const char *s)
{
    if (s)
        json_object_set_new(obj, name, json_string(s));
}

void kd_jset_str_or_null(json_t *obj, const char *name, const char *s)
{
    json_object_set_new(obj, name, s ? json_string(s) : json_null());
}

void kd_jset_int(json_t *obj, const char *name, int64_t v)
{
    json_object_set_new(obj, name, json_integer((json_int_t)v));
}

void kd_jset_bool(json_t *obj, const char *name, bool v)
{
    json_object_set_new(obj, name, json_boolean(v));
}

json_t *kd_jstrlist(const struct kd_strlist *l)
{
    json_t *arr = json_array();
    for (size_t i = 0; l && i < l->len; i++)
        json_array_append_new(arr, json_string(l->items[i]));
    return arr;
}

json_t *kd_jmeta_parse(const char *meta_json)
{
    if (!meta_json)
        return NULL;
    json_t *v = json_loads(meta_json, JSON_REJECT_DUPLICATES, NULL);
    if (v && !json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

int kd_jdecode_array(const json_t *arr, const char *path, size_t elem_size,
                     kd_jdecode_fn decode_one, void *ctx, void (*free_one)(void *),
                     void **items, size_t *len, struct kd_error *err)
{
    *items = NULL;
    *len = 0;
    if (!json_is_array(arr))
        return kd_error_set(err, KD_ERR_PROTOCOL, path, "%s must be an array", path);
    size_t n = json_array_size(arr);
    char *out = n ? kd_xcalloc(n, elem_size) : NULL;
    for (size_t i = 0; i < n; i++) {
        char where[KD_JPATH_MAX];
        kd_jpath_index(where, sizeof where, path, i);
        if (decode_one(json_array_get(arr, i), where, out + i * elem_size, ctx, err) < 0) {
            for (size_t j = 0; j < i; j++)
                free_one(out + j * elem_size);
            free(out);
            return -1;
        }
    }
    *items = out;
    *len = n;
    return 0;
}
