/*
 * http.h — keydeck's HTTP client: JSON POSTs to one server over libcurl.
 *
 * One struct kd_http per backend holds one reused curl easy handle (keep-alive,
 * HTTP/2 when the server offers it over TLS).  TLS peer and host verification
 * are always on; a CA file may be named, there is no switch to skip
 * verification.  Proxies come from the environment (libcurl's own handling of
 * http_proxy / https_proxy / no_proxy).  Every call has a connect timeout and a
 * total timeout, a cap on the response size, and a bounded number of retries:
 *   - a request marked idempotent is retried after a connection failure, a
 *     timeout or a 502/503/504;
 *   - any request is retried after a 429 or 503, which say it was not processed;
 * with exponential backoff plus jitter, honouring Retry-After (seconds) when the
 * server sends one (capped at retry_after_max_ms; a longer wait is an error that
 * says how long the server asked for).
 *
 * The bearer token (a root key) is held in locked, wiped memory and sent only in
 * the Authorization header; it never appears in an error message, and curl's
 * verbose output is never enabled.
 *
 * Cancellation: set a cancel callback (the TUI polls its keyboard for Esc from
 * it); when it returns true the transfer stops and the call fails with
 * KD_ERR_CANCELLED.  It is called several times a second while a transfer runs.
 */
#ifndef KD_NET_HTTP_H
#define KD_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define KD_HTTP_CONNECT_TIMEOUT_MS 5000
#define KD_HTTP_TIMEOUT_MS 30000
#define KD_HTTP_MAX_RESPONSE (8u * 1024u * 1024u)
#define KD_HTTP_RETRIES 2 /* after the first attempt */
#define KD_HTTP_RETRY_AFTER_MAX_MS 10000

struct kd_http_options {
    const char *base_url;       /* "https://api.unkey.com" (no trailing path needed) */
    const char *bearer;         /* Authorization: Bearer <this>; NULL: none (copied) */
    const char *ca_file;        /* PEM bundle to trust instead of the system's; NULL */
    long connect_timeout_ms;    /* 0: KD_HTTP_CONNECT_TIMEOUT_MS */
    long timeout_ms;            /* 0: KD_HTTP_TIMEOUT_MS (whole transfer) */
    size_t max_response;        /* 0: KD_HTTP_MAX_RESPONSE */
    int retries;                /* -1: KD_HTTP_RETRIES; 0: none */
    long retry_after_max_ms;    /* 0: KD_HTTP_RETRY_AFTER_MAX_MS */
    long backoff_base_ms;       /* 0: 200 (first retry waits 200-400 ms, then doubles) */
};

struct kd_http;

struct kd_http_response {
    long status;       /* HTTP status */
    char *body;        /* NUL-terminated (len bytes before the NUL); never NULL on success */
    size_t len;
    int attempts;      /* how many attempts were made (1 = no retry) */
};

/** A client for base_url; curl_global_init is done once by the first call. */
struct kd_http *kd_http_new(const struct kd_http_options *opt, struct kd_error *err);
/** Free, wiping the bearer token.  NULL is allowed. */
void kd_http_free(struct kd_http *h);

/** The base URL (for status bars); never includes credentials. */
const char *kd_http_base_url(const struct kd_http *h);

typedef bool (*kd_http_cancel_fn)(void *ctx);
/** Set (or clear, with NULL) the cancel callback. */
void kd_http_set_cancel(struct kd_http *h, kd_http_cancel_fn fn, void *ctx);

/**
 * POST body (JSON, len bytes) to base_url + path ("/v2/keys.getKey") with
 * Content-Type and Accept application/json and the version's User-Agent
 * ("keydeck/0.1.0 libcurl/x.y").  Any HTTP status is a success of the call
 * (out->status says which); errors are transport failures: KD_ERR_NETWORK
 * (cannot connect, TLS failure such as a name mismatch — the message says
 * which — or a timeout, naming the limit), KD_ERR_PROTOCOL (response larger
 * than the cap, naming it), KD_ERR_CANCELLED, and a 429/503 still refused
 * after the retries (KD_ERR_BUSY, with the Retry-After the server asked for).
 * Messages start with the path: "POST /v2/keys.getKey: …".
 */
int kd_http_post(struct kd_http *h, const char *path, const char *body, size_t len,
                 bool idempotent, struct kd_http_response *out, struct kd_error *err);
void kd_http_response_free(struct kd_http_response *r);

/** GET base_url + path (for /v2/liveness); same rules, always idempotent. */
int kd_http_get(struct kd_http *h, const char *path, struct kd_http_response *out,
                struct kd_error *err);

#endif
