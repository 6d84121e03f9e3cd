/*
 * http.c — keydeck's HTTP client over libcurl (contract in http.h).
 *
 * Each struct kd_http owns one easy handle inside its own multi handle.  The
 * multi handle keeps the connection cache, so connections stay alive between
 * calls; driving the transfer ourselves (instead of curl_easy_perform) lets us
 * wake every CANCEL_POLL_MS, so the cancel callback runs several times a second
 * even while the server is silent.
 *
 * The header lists are built by hand from struct curl_slist nodes that live in
 * struct kd_http: the Authorization line then exists only in sodium_malloc'd
 * memory (curl_slist_append would copy it into ordinary heap memory).
 */
#include "net/http.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "util/error.h"
#include "util/xalloc.h"

#define CANCEL_POLL_MS 100
#define BACKOFF_BASE_MS_DEFAULT 200
#define BACKOFF_SLEEP_SLICE_MS 50

/* Common headers: Accept, the "Expect:" that stops curl waiting for a
 * 100-continue on larger bodies, and Authorization (when there is a bearer). */
enum { HEADER_ACCEPT, HEADER_NO_EXPECT, HEADER_AUTH, HEADER_COUNT };

struct kd_http {
    CURL *easy;
    CURLM *multi;
    char *base_url;    /* without a trailing '/' and without credentials */
    char *host_port;   /* "127.0.0.1:7070", for messages */
    char *host;        /* "localhost", for certificate messages */
    char *ca_file;
    char *user_agent;
    char *auth_header; /* "Authorization: Bearer …" in sodium_malloc'd memory; NULL: none */

    long connect_timeout_ms;
    long timeout_ms;
    size_t max_response;
    int retries;
    long retry_after_max_ms;
    long backoff_base_ms;

    kd_http_cancel_fn cancel_fn;
    void *cancel_ctx;

    /* GET sends the common headers; POST adds Content-Type in front of them. */
    struct curl_slist common_headers[HEADER_COUNT];
    struct curl_slist post_content_type;

    char errbuf[CURL_ERROR_SIZE];
};

/* What one attempt saw, filled by the callbacks. */
struct attempt {
    struct kd_http *h;
    char *body;
    size_t len;
    size_t cap;
    bool too_large;
    bool cancelled;
    long retry_after_s; /* -1: the response had no (readable) Retry-After */
};

static char kd_header_accept[] = "Accept: application/json";
static char kd_header_no_expect[] = "Expect:";
static char kd_header_content_type[] = "Content-Type: application/json";

/* ---- small helpers ------------------------------------------------------ */

/* curl_global_init is not guaranteed thread-safe before 7.84; keydeck makes its
 * first client before starting any threads. */
static bool curl_ready(void)
{
    static bool done, ok;
    if (!done) {
        ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
        done = true;
    }
    return ok;
}

/* "8 MiB", "512 KiB", "1000 bytes": the limit as a user would write it. */
static void format_size(char *buf, size_t bufsize, size_t n)
{
    if (n >= 1024u * 1024u && n % (1024u * 1024u) == 0)
        snprintf(buf, bufsize, "%zu MiB", n / (1024u * 1024u));
    else if (n >= 1024u && n % 1024u == 0)
        snprintf(buf, bufsize, "%zu KiB", n / 1024u);
    else
        snprintf(buf, bufsize, "%zu bytes", n);
}

static void format_seconds(char *buf, size_t bufsize, long ms)
{
    snprintf(buf, bufsize, "%.1f s", (double)ms / 1000.0);
}

static bool has_control_char(const char *s)
{
    for (; *s; s++)
        if (iscntrl((unsigned char)*s))
            return true;
    return false;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static bool cancel_requested(struct kd_http *h)
{
    return h->cancel_fn && h->cancel_fn(h->cancel_ctx);
}

/* Sleep between attempts in short slices so Esc still works. Returns false when
 * cancelled. */
static bool wait_before_retry(struct kd_http *h, long ms)
{
    while (ms > 0) {
        if (cancel_requested(h))
            return false;
        long slice = ms < BACKOFF_SLEEP_SLICE_MS ? ms : BACKOFF_SLEEP_SLICE_MS;
        sleep_ms(slice);
        ms -= slice;
    }
    return !cancel_requested(h);
}

/* Exponential backoff with jitter: retry n (1-based) waits base*2^(n-1) plus up
 * to as much again, so clients that failed together do not retry together. */
static long backoff_ms(const struct kd_http *h, int retry)
{
    long step = h->backoff_base_ms;
    for (int i = 1; i < retry && step < 60000; i++)
        step *= 2;
    uint32_t jitter = step > 0 ? randombytes_uniform((uint32_t)step) : 0;
    return step + (long)jitter;
}

/* ---- curl callbacks ---------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct attempt *a = userdata;
    size_t n = size * nmemb;
    if (n > a->h->max_response - a->len) {
        a->too_large = true;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
    a->body = kd_xgrow(a->body, &a->cap, a->len + n + 1, 1);
    memcpy(a->body + a->len, data, n);
    a->len += n;
    return n;
}

/* Retry-After is either delay-seconds or an HTTP date. */
static long parse_retry_after(const char *value, size_t len)
{
    char buf[128];
    while (len > 0 && isspace((unsigned char)value[len - 1]))
        len--;
    while (len > 0 && isspace((unsigned char)*value)) {
        value++;
        len--;
    }
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, value, len);
    buf[len] = '\0';
    if (isdigit((unsigned char)buf[0])) {
        char *end;
        errno = 0;
        long long s = strtoll(buf, &end, 10);
        if (*end != '\0')
            return -1;
        if (errno == ERANGE || s > LONG_MAX / 1000)
            return LONG_MAX / 1000;
        return (long)s;
    }
    time_t when = curl_getdate(buf, NULL);
    if (when == (time_t)-1)
        return -1;
    time_t now = time(NULL);
    return when > now ? (long)(when - now) : 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct attempt *a = userdata;
    size_t n = size * nmemb;
    static const char name[] = "Retry-After:";
    /* A new status line (after a 100 Continue, say) starts a new response. */
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
        a->retry_after_s = -1;
    else if (n > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0)
        a->retry_after_s = parse_retry_after(data + sizeof name - 1, n - (sizeof name - 1));
    return n;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
    struct attempt *a = userdata;
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    if (cancel_requested(a->h)) {
        a->cancelled = true;
        return 1; /* curl stops with CURLE_ABORTED_BY_CALLBACK */
    }
    return 0;
}

/* ---- construction ------------------------------------------------------ */

static long option_or(long value, long fallback)
{
    return value > 0 ? value : fallback;
}

/* Split base_url into the parts messages need, refusing what keydeck cannot or
 * must not use. */
static int parse_base_url(struct kd_http *h, const char *base_url, struct kd_error *err)
{
    CURLU *u = curl_url();
    if (!u)
        return kd_error_set(err, KD_ERR_INTERNAL, "base_url", "out of memory parsing the URL");
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *password = NULL;
    int rc = -1;
    if (curl_url_set(u, CURLUPART_URL, base_url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        kd_error_set(err, KD_ERR_INVALID, "base_url",
                     "'%s' is not a URL (expected something like https://api.unkey.com)",
                     base_url);
        goto out;
    }
    if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0) {
        kd_error_set(err, KD_ERR_INVALID, "base_url",
                     "the URL must start with https:// or http://, not %s://", scheme);
        goto out;
    }
    /* Credentials in the URL would be shown in status bars and sent everywhere. */
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK) {
        kd_error_set(err, KD_ERR_INVALID, "base_url",
                     "the URL must not contain a user name or password; the root key is "
                     "given separately");
        goto out;
    }
    h->host = kd_xstrdup(host);
    h->host_port = kd_xasprintf("%s:%s", host, port);
    size_t n = strlen(base_url);
    while (n > 0 && base_url[n - 1] == '/')
        n--;
    h->base_url = kd_xstrndup(base_url, n);
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_free(password);
    curl_url_cleanup(u);
    return rc;
}

static int store_bearer(struct kd_http *h, const char *bearer, struct kd_error *err)
{
    if (has_control_char(bearer) || !*bearer)
        return kd_error_set(err, KD_ERR_INVALID, "bearer",
                            "the root key is empty or contains a line break or control "
                            "character");
    static const char prefix[] = "Authorization: Bearer ";
    size_t size = sizeof prefix + strlen(bearer);
    h->auth_header = sodium_malloc(size);
    if (!h->auth_header)
        return kd_error_set(err, KD_ERR_INTERNAL, "bearer",
                            "cannot allocate locked memory for the root key");
    snprintf(h->auth_header, size, "%s%s", prefix, bearer);
    return 0;
}

static void link_headers(struct kd_http *h)
{
    h->common_headers[HEADER_ACCEPT].data = kd_header_accept;
    h->common_headers[HEADER_NO_EXPECT].data = kd_header_no_expect;
    h->common_headers[HEADER_ACCEPT].next = &h->common_headers[HEADER_NO_EXPECT];
    if (h->auth_header) {
        h->common_headers[HEADER_AUTH].data = h->auth_header;
        h->common_headers[HEADER_NO_EXPECT].next = &h->common_headers[HEADER_AUTH];
    }
    h->post_content_type.data = kd_header_content_type;
    h->post_content_type.next = &h->common_headers[HEADER_ACCEPT];
}

/* Options that hold for every request this client makes. */
static int configure_easy(struct kd_http *h, struct kd_error *err)
{
    CURL *e = h->easy;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                    \
    do {                                                 \
        if (rc == CURLE_OK)                              \
            rc = curl_easy_setopt(e, opt, val);          \
    } while (0)
    SET(CURLOPT_ERRORBUFFER, h->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, h->timeout_ms);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_response);
    SET(CURLOPT_USERAGENT, h->user_agent);
    /* Our headers go to the server only, never to a proxy's CONNECT. */
    SET(CURLOPT_HEADEROPT, CURLHEADER_SEPARATE);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85 */
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    if (h->ca_file) {
        SET(CURLOPT_CAINFO, h->ca_file);
        /* "Instead of the system's": also drop the built-in CA directory. */
        SET(CURLOPT_CAPATH, (char *)NULL);
    }
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_XFERINFOFUNCTION, on_progress);
    SET(CURLOPT_NOPROGRESS, 0L);
#undef SET
    if (rc != CURLE_OK)
        return kd_error_set(err, KD_ERR_INTERNAL, NULL, "libcurl refused an option: %s",
                            curl_easy_strerror(rc));
    return 0;
}

struct kd_http *kd_http_new(const struct kd_http_options *opt, struct kd_error *err)
{
    kd_error_clear(err);
    if (!opt || !opt->base_url || !*opt->base_url) {
        kd_error_set(err, KD_ERR_INVALID, "base_url", "no server URL was given");
        return NULL;
    }
    if (sodium_init() < 0) {
        kd_error_set(err, KD_ERR_INTERNAL, NULL, "libsodium could not be initialised");
        return NULL;
    }
    if (!curl_ready()) {
        kd_error_set(err, KD_ERR_INTERNAL, NULL, "libcurl could not be initialised");
        return NULL;
    }

    struct kd_http *h = kd_xcalloc(1, sizeof *h);
    h->connect_timeout_ms = option_or(opt->connect_timeout_ms, KD_HTTP_CONNECT_TIMEOUT_MS);
    h->timeout_ms = option_or(opt->timeout_ms, KD_HTTP_TIMEOUT_MS);
    h->max_response = opt->max_response ? opt->max_response : KD_HTTP_MAX_RESPONSE;
    h->retries = opt->retries < 0 ? KD_HTTP_RETRIES : opt->retries;
    h->retry_after_max_ms = option_or(opt->retry_after_max_ms, KD_HTTP_RETRY_AFTER_MAX_MS);
    h->backoff_base_ms = option_or(opt->backoff_base_ms, BACKOFF_BASE_MS_DEFAULT);
    h->ca_file = kd_xstrdup(opt->ca_file);

    const curl_version_info_data *ver = curl_version_info(CURLVERSION_NOW);
    h->user_agent = kd_xasprintf("keydeck/" PACKAGE_VERSION " libcurl/%s", ver->version);

    if (parse_base_url(h, opt->base_url, err) < 0)
        goto fail;
    if (opt->bearer && store_bearer(h, opt->bearer, err) < 0)
        goto fail;
    link_headers(h);

    h->easy = curl_easy_init();
    h->multi = curl_multi_init();
    if (!h->easy || !h->multi) {
        kd_error_set(err, KD_ERR_INTERNAL, NULL, "libcurl could not create a handle");
        goto fail;
    }
    if (configure_easy(h, err) < 0)
        goto fail;
    return h;
fail:
    kd_http_free(h);
    return NULL;
}

void kd_http_free(struct kd_http *h)
{
    if (!h)
        return;
    if (h->easy)
        curl_easy_cleanup(h->easy);
    if (h->multi)
        curl_multi_cleanup(h->multi);
    sodium_free(h->auth_header); /* wipes it */
    free(h->base_url);
    free(h->host_port);
    free(h->host);
    free(h->ca_file);
    free(h->user_agent);
    free(h);
}

const char *kd_http_base_url(const struct kd_http *h)
{
    return h->base_url;
}

void kd_http_set_cancel(struct kd_http *h, kd_http_cancel_fn fn, void *ctx)
{
    h->cancel_fn = fn;
    h->cancel_ctx = ctx;
}

void kd_http_response_free(struct kd_http_response *r)
{
    if (!r)
        return;
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

/* ---- one attempt ------------------------------------------------------- */

/* Run the transfer on our multi handle, waking often enough for the cancel
 * callback (curl calls the progress function on every multi_perform). */
static CURLcode run_transfer(struct kd_http *h)
{
    CURLMcode mc = curl_multi_add_handle(h->multi, h->easy);
    if (mc != CURLM_OK) {
        snprintf(h->errbuf, sizeof h->errbuf, "%s", curl_multi_strerror(mc));
        return CURLE_FAILED_INIT;
    }
    CURLcode result = CURLE_OK;
    bool finished = false;
    while (!finished) {
        int running = 0;
        mc = curl_multi_perform(h->multi, &running);
        if (mc == CURLM_OK && running)
            mc = curl_multi_poll(h->multi, NULL, 0, CANCEL_POLL_MS, NULL);
        if (mc != CURLM_OK) {
            snprintf(h->errbuf, sizeof h->errbuf, "%s", curl_multi_strerror(mc));
            result = CURLE_FAILED_INIT;
            break;
        }
        int queued;
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(h->multi, &queued)) != NULL) {
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == h->easy) {
                result = msg->data.result;
                finished = true;
            }
        }
        if (!running && !finished) {
            /* Not running yet no DONE message: should not happen; do not spin. */
            snprintf(h->errbuf, sizeof h->errbuf, "the transfer ended without a result");
            result = CURLE_FAILED_INIT;
            break;
        }
    }
    curl_multi_remove_handle(h->multi, h->easy);
    return result;
}

/* Describe a failed transfer for a person at a terminal, in err.  The error
 * buffer never holds request headers, so the bearer cannot leak through it. */
static int describe_failure(struct kd_http *h, const char *prefix, CURLcode rc,
                            const struct attempt *a, struct kd_error *err)
{
    const char *detail = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);
    char limit[32];

    if (a->cancelled || rc == CURLE_ABORTED_BY_CALLBACK)
        return kd_error_set(err, KD_ERR_CANCELLED, NULL, "%s: cancelled", prefix);
    if (a->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        format_size(limit, sizeof limit, h->max_response);
        return kd_error_set(err, KD_ERR_PROTOCOL, NULL,
                            "%s: the response is larger than %s (the limit)", prefix, limit);
    }

    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
        return kd_error_set(err, KD_ERR_NETWORK, NULL,
                            "%s: cannot find the server '%s' (name lookup failed: %s)", prefix,
                            h->host, detail);
    case CURLE_COULDNT_RESOLVE_PROXY:
        return kd_error_set(err, KD_ERR_NETWORK, NULL,
                            "%s: cannot find the proxy named in the environment (%s)", prefix,
                            detail);
    case CURLE_COULDNT_CONNECT: {
        long os_errno = 0;
        curl_easy_getinfo(h->easy, CURLINFO_OS_ERRNO, &os_errno);
        return kd_error_set(err, KD_ERR_NETWORK, NULL, "%s: cannot connect to %s: %s", prefix,
                            h->host_port, os_errno ? strerror((int)os_errno) : detail);
    }
    case CURLE_OPERATION_TIMEDOUT: {
        /* Connected means curl got as far as sending the request. */
        curl_off_t pretransfer_us = 0;
        curl_easy_getinfo(h->easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
        if (pretransfer_us == 0) {
            long ms = h->connect_timeout_ms < h->timeout_ms ? h->connect_timeout_ms
                                                            : h->timeout_ms;
            format_seconds(limit, sizeof limit, ms);
            return kd_error_set(err, KD_ERR_NETWORK, NULL,
                                "%s: cannot connect to %s within %s (timeout)", prefix,
                                h->host_port, limit);
        }
        format_seconds(limit, sizeof limit, h->timeout_ms);
        return kd_error_set(err, KD_ERR_NETWORK, NULL, "%s: no answer within %s (timeout)",
                            prefix, limit);
    }
    case CURLE_PEER_FAILED_VERIFICATION: {
        long verify = 0;
        curl_easy_getinfo(h->easy, CURLINFO_SSL_VERIFYRESULT, &verify);
        bool name_problem = strstr(detail, "host name") || strstr(detail, "hostname") ||
                            strstr(detail, "subject name") || strstr(detail, "does not match");
        if (name_problem || verify == 0)
            return kd_error_set(err, KD_ERR_NETWORK, NULL,
                                "%s: the server's TLS certificate does not match the host "
                                "name '%s' (%s)",
                                prefix, h->host, detail);
        return kd_error_set(err, KD_ERR_NETWORK, NULL,
                            "%s: the server's TLS certificate is not trusted (%s)%s", prefix,
                            detail,
                            h->ca_file ? "" : "; a CA file can be named if it uses a private CA");
    }
    case CURLE_SSL_CACERT_BADFILE:
        return kd_error_set(err, KD_ERR_NETWORK, NULL, "%s: cannot use the CA file '%s' (%s)",
                            prefix, h->ca_file ? h->ca_file : "(system default)", detail);
    case CURLE_SSL_CONNECT_ERROR:
        return kd_error_set(err, KD_ERR_NETWORK, NULL,
                            "%s: the TLS handshake with %s failed (%s)", prefix, h->host_port,
                            detail);
    case CURLE_PARTIAL_FILE:
        return kd_error_set(err, KD_ERR_NETWORK, NULL,
                            "%s: the connection closed before the whole response arrived (%s)",
                            prefix, detail);
    case CURLE_GOT_NOTHING:
        return kd_error_set(err, KD_ERR_NETWORK, NULL,
                            "%s: %s closed the connection without answering", prefix,
                            h->host_port);
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        return kd_error_set(err, KD_ERR_NETWORK, NULL, "%s: the connection to %s broke (%s)",
                            prefix, h->host_port, detail);
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
        return kd_error_set(err, KD_ERR_PROTOCOL, NULL,
                            "%s: the server's answer is not valid HTTP (%s)", prefix, detail);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return kd_error_set(err, KD_ERR_INVALID, NULL, "%s: the URL cannot be used (%s)",
                            prefix, detail);
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
    case CURLE_WRITE_ERROR:
        return kd_error_set(err, KD_ERR_INTERNAL, NULL, "%s: %s", prefix, detail);
    default:
        return kd_error_set(err, KD_ERR_NETWORK, NULL, "%s: %s", prefix, detail);
    }
}

/* Transport failures where an idempotent request may simply be sent again. */
static bool transport_retryable(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

static const char *refusal_word(long status)
{
    return status == 429 ? "busy" : "unavailable";
}

/* A 429/503 the retries did not get past. */
static void describe_refusal(const char *prefix, long status, int attempts, long retry_after_s,
                             struct kd_error *err)
{
    char tried[48] = "", asked[64] = "";
    if (attempts > 1)
        snprintf(tried, sizeof tried, " after %d attempts", attempts);
    if (retry_after_s >= 0)
        snprintf(asked, sizeof asked, " and asked to retry after %ld s", retry_after_s);
    kd_error_set(err, KD_ERR_BUSY, NULL, "%s: the server is %s%s (%ld)%s%s", prefix,
                 attempts > 1 ? "still " : "", refusal_word(status), status, tried, asked);
}

/* ---- the request loop --------------------------------------------------- */

static int perform(struct kd_http *h, const char *method, const char *path, const char *body,
                   size_t len, bool idempotent, struct kd_http_response *out,
                   struct kd_error *err)
{
    char prefix[192];
    snprintf(prefix, sizeof prefix, "%s %s", method, path ? path : "(no path)");
    kd_error_clear(err);
    if (out)
        memset(out, 0, sizeof *out);
    if (!h || !out)
        return kd_error_set(err, KD_ERR_INTERNAL, NULL, "%s: no client or response", prefix);
    if (!path || path[0] != '/')
        return kd_error_set(err, KD_ERR_INVALID, NULL, "%s: the path must start with '/'",
                            prefix);

    char *url = kd_xasprintf("%s%s", h->base_url, path);
    bool is_post = strcmp(method, "POST") == 0;
    CURL *e = h->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    if (is_post) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, &h->post_content_type);
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, &h->common_headers[HEADER_ACCEPT]);
    }

    struct attempt a = {.h = h};
    int rc = -1;
    for (int attempt_no = 1;; attempt_no++) {
        free(a.body);
        a = (struct attempt){.h = h, .retry_after_s = -1};
        h->errbuf[0] = '\0';
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &a);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, &a);
        curl_easy_setopt(e, CURLOPT_XFERINFODATA, &a);
        out->attempts = attempt_no;
        out->status = 0;

        CURLcode cc = run_transfer(h);
        bool may_retry = attempt_no <= h->retries;
        long status = 0;
        if (cc == CURLE_OK)
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        out->status = status;

        if (cc != CURLE_OK) {
            if (!(may_retry && idempotent && transport_retryable(cc) && !a.cancelled)) {
                describe_failure(h, prefix, cc, &a, err);
                if (attempt_no > 1 && err && err->code == KD_ERR_NETWORK) {
                    size_t used = strlen(err->message);
                    snprintf(err->message + used, sizeof err->message - used,
                             "; tried %d times", attempt_no);
                }
                break;
            }
            if (!wait_before_retry(h, backoff_ms(h, attempt_no))) {
                kd_error_set(err, KD_ERR_CANCELLED, NULL, "%s: cancelled", prefix);
                break;
            }
            continue;
        }

        /* 429 and 503 say the request was not processed, so any request may be
         * sent again; 502 and 504 leave that unknown. */
        bool refused = status == 429 || status == 503;
        bool retry_status = refused || (idempotent && (status == 502 || status == 504));
        if (refused && a.retry_after_s >= 0 && a.retry_after_s * 1000 > h->retry_after_max_ms) {
            /* Waiting that long inside a TUI keypress is worse than saying so. */
            describe_refusal(prefix, status, attempt_no, a.retry_after_s, err);
            break;
        }
        if (retry_status && may_retry) {
            long wait = a.retry_after_s >= 0 ? a.retry_after_s * 1000 : backoff_ms(h, attempt_no);
            if (wait > h->retry_after_max_ms)
                wait = h->retry_after_max_ms;
            if (!wait_before_retry(h, wait)) {
                kd_error_set(err, KD_ERR_CANCELLED, NULL, "%s: cancelled", prefix);
                break;
            }
            continue;
        }
        if (refused) {
            describe_refusal(prefix, status, attempt_no, a.retry_after_s, err);
            break;
        }

        /* Any other status is the caller's to interpret. */
        if (!a.body)
            a.body = kd_xmalloc(1);
        a.body[a.len] = '\0';
        out->body = a.body;
        out->len = a.len;
        a.body = NULL;
        rc = 0;
        break;
    }
    free(a.body);
    /* The easy handle keeps pointers to the caller's body and to `a`; drop them. */
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, (char *)NULL);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)NULL);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)NULL);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, (void *)NULL);
    free(url);
    return rc;
}

int kd_http_post(struct kd_http *h, const char *path, const char *body, size_t len,
                 bool idempotent, struct kd_http_response *out, struct kd_error *err)
{
    return perform(h, "POST", path, body, len, idempotent, out, err);
}

int kd_http_get(struct kd_http *h, const char *path, struct kd_http_response *out,
                struct kd_error *err)
{
    return perform(h, "GET", path, NULL, 0, true, out, err);
}
