/*
 * unkey_envelope.c — the {meta, data, pagination} and {meta, error} wrappers
 * around every v2 answer, and the client's decoding of both.
 */
#include "wire/unkey.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"
#include "wire/json.h"

#define ERROR_DOCS "https://unkey.com/docs/errors/"

static json_t *meta_json(const char *request_id)
{
    json_t *meta = json_object();
    /* meta.requestId is required; "" keeps the envelope valid without one. */
    kd_jset_str(meta, "requestId", request_id ? request_id : "");
    return meta;
}

json_t *kd_wire_envelope(json_t *data, const char *request_id, const struct kd_wire_page *page)
{
    json_t *env = json_object();
    json_object_set_new(env, "meta", meta_json(request_id));
    json_object_set_new(env, "data", data ? data : json_object());
    if (page) {
        json_t *p = json_object();
        /* cursor has minLength 1: the last page has none. */
        if (page->cursor && *page->cursor)
            kd_jset_str(p, "cursor", page->cursor);
        kd_jset_bool(p, "hasMore", page->has_more);
        json_object_set_new(env, "pagination", p);
    }
    return env;
}

/* ---- errors, server side ------------------------------------------------------- */

struct status_info {
    int status;
    const char *title;
    const char *type; /* under ERROR_DOCS */
};

static struct status_info status_of(enum kd_errcode code)
{
    switch (code) {
    case KD_ERR_INVALID:
        return (struct status_info){400, "Bad Request", "unkey/application/invalid_input"};
    case KD_ERR_UNSUPPORTED:
        return (struct status_info){400, "Bad Request", "unkey/application/unsupported"};
    case KD_ERR_FORBIDDEN:
        return (struct status_info){403, "Forbidden",
                                    "unkey/authorization/insufficient_permissions"};
    case KD_ERR_READONLY:
        return (struct status_info){403, "Forbidden", "unkey/application/protected_resource"};
    case KD_ERR_NOT_FOUND:
        return (struct status_info){404, "Not Found", "unkey/resource/not_found"};
    case KD_ERR_CONFLICT:
        return (struct status_info){409, "Conflict", "unkey/resource/conflict"};
    case KD_ERR_BUSY:
        return (struct status_info){429, "Too Many Requests", "unkey/limits/rate_limited"};
    default:
        return (struct status_info){500, "Internal Server Error",
                                    "unkey/application/unexpected_error"};
    }
}

static json_t *error_envelope(const struct status_info *si, const char *detail,
                              const char *location, const char *request_id)
{
    json_t *error = json_object();
    kd_jset_str(error, "title", si->title);
    kd_jset_str(error, "detail", detail && *detail ? detail : si->title);
    kd_jset_int(error, "status", si->status);
    char *type = kd_xasprintf(ERROR_DOCS "%s", si->type);
    kd_jset_str(error, "type", type);
    free(type);
    /* BadRequestErrorDetails requires errors[] on every 400. */
    if (si->status == 400) {
        json_t *errors = json_array();
        if (location && *location) {
            json_t *one = json_object();
            kd_jset_str(one, "location", location);
            kd_jset_str(one, "message", detail && *detail ? detail : si->title);
            json_array_append_new(errors, one);
        }
        json_object_set_new(error, "errors", errors);
    }
    json_t *env = json_object();
    json_object_set_new(env, "meta", meta_json(request_id));
    json_object_set_new(env, "error", error);
    return env;
}

json_t *kd_wire_error_envelope(const struct kd_error *e, const char *request_id, int *status)
{
    struct status_info si = status_of(e->code);
    if (status)
        *status = si.status;
    const char *location = e->code == KD_ERR_INVALID ? e->field : NULL;
    return error_envelope(&si, e->message, location, request_id);
}

json_t *kd_wire_unauthorized(const char *detail, const char *request_id)
{
    static const struct status_info si = {401, "Unauthorized", "unkey/authentication/missing"};
    return error_envelope(&si, detail, NULL, request_id);
}

/* ---- client side ---------------------------------------------------------------------- */

static enum kd_errcode code_of_status(long status)
{
    switch (status) {
    case 400:
        return KD_ERR_INVALID;
    case 401:
    case 403:
        return KD_ERR_FORBIDDEN;
    case 404:
    case 410: /* a deleted resource */
        return KD_ERR_NOT_FOUND;
    case 409:
    case 412: /* precondition: e.g. the API is not set up to store keys */
        return KD_ERR_CONFLICT;
    case 429:
        return KD_ERR_BUSY;
    default:
        if (status >= 500)
            return KD_ERR_NETWORK;
        if (status >= 400)
            return KD_ERR_INVALID;
        return KD_ERR_PROTOCOL;
    }
}

static const char *string_member(const json_t *obj, const char *name)
{
    const char *s = json_string_value(json_object_get(obj, name));
    return s ? s : "";
}

/* An error answer: the envelope's words, or a protocol error when it has none. */
static int error_from_envelope(const char *what, long status, const json_t *root,
                               struct kd_error *err)
{
    const json_t *error = json_object_get(root, "error");
    if (!json_is_object(error))
        return kd_error_set(err, KD_ERR_PROTOCOL, NULL,
                            "%s: HTTP %ld without an error envelope", what, status);

    const char *title = string_member(error, "title");
    const char *detail = string_member(error, "detail");
    const char *request_id = string_member(json_object_get(root, "meta"), "requestId");
    const json_t *first = json_array_get(json_object_get(error, "errors"), 0);
    const char *location = string_member(first, "location");
    const char *why = string_member(first, "message");

    /* "body.apiId" -> "apiId": the field is the model's, not the request's. */
    if (strncmp(location, "body.", 5) == 0)
        location += 5;

    char message[sizeof err->message];
    size_t used = 0;
    /* A server failure is worth its status: the user may need to report it. */
    if (status >= 500)
        used = (size_t)snprintf(message, sizeof message, "%s: HTTP %ld: ", what, status);
    used += (size_t)snprintf(message + used, sizeof message - used, "%s", *title ? title : "error");
    if (*detail && strcmp(detail, title) != 0 && used < sizeof message)
        used += (size_t)snprintf(message + used, sizeof message - used, ": %s", detail);
    /* Unkey's detail is often generic ("failed validation"); the reason is here. */
    if (*why && strcmp(why, detail) != 0 && used < sizeof message)
        used += (size_t)snprintf(message + used, sizeof message - used, ": %s", why);
    if (*request_id && used < sizeof message)
        snprintf(message + used, sizeof message - used, " (request %s)", request_id);
    return kd_error_set(err, code_of_status(status), location, "%s", message);
}

int kd_wire_parse_response(const char *what, long status, const char *body, size_t len,
                           json_t **root, json_t **data, struct kd_wire_page *page,
                           struct kd_error *err)
{
    *root = NULL;
    *data = NULL;
    if (page)
        memset(page, 0, sizeof *page);
    if (!what)
        what = "Unkey";

    json_error_t jerr;
    json_t *doc = body && len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (!doc)
        return kd_error_set(err, KD_ERR_PROTOCOL, NULL, "%s: HTTP %ld with %s", what, status,
                            body && len ? "a body that is not JSON" : "an empty body");
    if (!json_is_object(doc)) {
        json_decref(doc);
        return kd_error_set(err, KD_ERR_PROTOCOL, NULL,
                            "%s: HTTP %ld with a body that is not a JSON object", what, status);
    }
    if (status < 200 || status > 299) {
        error_from_envelope(what, status, doc, err);
        json_decref(doc);
        return -1;
    }

    json_t *d = json_object_get(doc, "data");
    if (!d) {
        json_decref(doc);
        return kd_error_set(err, KD_ERR_PROTOCOL, "data", "%s: HTTP %ld answer has no data",
                            what, status);
    }
    if (page) {
        const json_t *p = json_object_get(doc, "pagination");
        if (p && !json_is_null(p)) {
            struct kd_jobj o;
            const char *cursor = NULL;
            if (kd_jobj_open(&o, p, "pagination", KD_JRESPONSE, err) < 0 ||
                kd_jget_bool(&o, "hasMore", true, &page->has_more) < 0 ||
                kd_jget_str(&o, "cursor", false, NULL, &cursor, NULL) < 0) {
                json_decref(doc);
                return -1;
            }
            page->cursor = cursor && *cursor ? kd_xstrdup(cursor) : NULL;
        }
    }
    *root = doc;
    *data = d;
    return 0;
}

void kd_wire_page_free(struct kd_wire_page *p)
{
    if (!p)
        return;
    free(p->cursor);
    memset(p, 0, sizeof *p);
}

void kd_wire_strings_free(struct kd_wire_strings *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < sizeof s->s / sizeof s->s[0]; i++) {
        free(s->s[i]);
        s->s[i] = NULL;
    }
}
