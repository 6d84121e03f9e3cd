/*
 * main.c — keydeckd: options, the libmicrohttpd daemon (a thread pool, each
 * thread with its own keystore connection, because one SQLite connection is
 * not for sharing), the request body collection and an orderly shutdown on
 * SIGTERM/SIGINT that lets requests in flight finish and flushes every
 * connection's buffered verification records.
 */
#include "server/server.h"

#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/xalloc.h"

#define DEFAULT_LISTEN "127.0.0.1:7070"
#define DRAIN_MS 5000      /* how long shutdown waits for open connections */
#define IDLE_TIMEOUT_S 30  /* an idle keep-alive connection is closed after this */
#define DISCARD_MAX (16u * 1024 * 1024) /* past this an oversized body is not even read */

struct options {
    const char *keystore;
    const char *listen;
    const char *cert, *key;
    const char *log;
    const char *port_file;
    long threads;
};

/* ---- secrets in jansson's heap ----
 * Response bodies carry new keys, revealed keys and the bodies of verifyKey
 * requests; every block jansson frees is wiped first. */
static void *json_alloc(size_t n)
{
    return malloc(n);
}

static void json_wipe_free(void *p)
{
    if (p) {
        explicit_bzero(p, malloc_usable_size(p));
        free(p);
    }
}

/* ---- per-thread keystore connections ---- */

struct worker {
    struct kd_backend *b;
    struct kd_srv_auth_memo auth; /* auth.c's memory */
    struct worker *next;
};

static const char *keystore_path;
static pthread_mutex_t workers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct worker *workers; /* every thread's, closed at shutdown */
static _Thread_local struct worker *this_worker;

static struct worker *thread_worker(struct kd_error *err)
{
    if (this_worker)
        return this_worker;
    /* The audit log records "keydeckd"; which root key asked is in the request
     * log (a backend's actor is fixed when it is opened). */
    struct kd_local_options lo = {.keystore_path = keystore_path, .actor = "keydeckd"};
    struct kd_backend *b = kd_backend_local_open(&lo, err);
    if (!b)
        return NULL;
    struct worker *w = kd_xcalloc(1, sizeof *w);
    w->b = b;
    pthread_mutex_lock(&workers_lock);
    w->next = workers;
    workers = w;
    pthread_mutex_unlock(&workers_lock);
    this_worker = w;
    return w;
}

/* After the daemon has stopped: no thread uses them any more. */
static void close_workers(void)
{
    pthread_mutex_lock(&workers_lock);
    while (workers) {
        struct worker *w = workers;
        workers = w->next;
        kd_backend_close(w->b); /* flushes buffered verification records */
        kd_srv_auth_memo_free(&w->auth);
        free(w);
    }
    pthread_mutex_unlock(&workers_lock);
}

/* ---- requests ---- */

/* splitmix64: a bijection, so distinct inputs give distinct ids. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* "req_" + 24 base58 characters: a random per-thread salt and a counter, so
 * an id costs no system call (getrandom per request showed in profiles). */
static void request_id(char out[KD_SRV_REQUEST_ID_LEN + 1])
{
    static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    static _Thread_local uint64_t salt, counter;
    if (!salt) {
        randombytes_buf(&salt, sizeof salt);
        salt |= 1;
    }
    uint64_t halves[2] = {mix64(salt ^ counter), mix64(salt + ~counter)};
    counter++;
    memcpy(out, "req_", 4);
    for (int h = 0; h < 2; h++)
        for (int i = 0; i < 12; i++) {
            out[4 + h * 12 + i] = alphabet[halves[h] % 58];
            halves[h] /= 58;
        }
    out[KD_SRV_REQUEST_ID_LEN] = '\0';
}

/* What a connection collects for one request. */
struct pending {
    char *body;
    size_t len, cap;
    size_t received; /* including what was dropped */
    bool too_large;
    struct timespec start;
};

static double elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

static void wipe_buffer(void *p)
{
    json_wipe_free(p);
}

static enum MHD_Result answer(struct MHD_Connection *conn, struct pending *pd, const char *url,
                              const char *method)
{
    struct kd_srv_request r;
    memset(&r, 0, sizeof r);
    request_id(r.request_id);
    r.method = method;
    r.path = url;
    struct kd_error err;
    kd_error_clear(&err);
    struct worker *w = thread_worker(&err);
    if (w) {
        r.b = w->b;
        r.memo = &w->auth;
        const char *auth =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        kd_srv_dispatch(&r, auth, pd->body, pd->len, pd->too_large);
    } else {
        kd_srv_fail(&r, &err);
    }
    char *text = json_dumps(r.response, JSON_COMPACT);
    if (!text)
        text = kd_xstrdup("{}");
    struct MHD_Response *resp =
        MHD_create_response_from_buffer_with_free_callback(strlen(text), text, wipe_buffer);
    enum MHD_Result ret = MHD_NO;
    if (resp) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                r.content_type ? r.content_type : "application/json");
        if (r.allow)
            MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r.allow);
        ret = MHD_queue_response(conn, (unsigned)r.status, resp);
        MHD_destroy_response(resp);
    } else {
        json_wipe_free(text);
    }
    kd_reqlog_write(&r, elapsed_ms(&pd->start));
    kd_srv_request_clear(&r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)cls;
    (void)version;
    struct pending *pd = *con_cls;
    if (!pd) {
        pd = kd_xcalloc(1, sizeof *pd);
        clock_gettime(CLOCK_MONOTONIC, &pd->start);
        *con_cls = pd;
        /* A body somewhat over the limit is read and dropped, so that a client
         * that writes it all before reading gets its 400; an absurd one is
         * answered at once (and the connection closed). */
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > DISCARD_MAX) {
            pd->too_large = true;
            return answer(conn, pd, url, method);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        pd->received += n;
        if (!pd->too_large && pd->len + n <= KD_SRV_MAX_BODY) {
            pd->body = kd_xgrow(pd->body, &pd->cap, pd->len + n + 1, 1);
            memcpy(pd->body + pd->len, upload_data, n);
            pd->len += n;
        } else if (!pd->too_large) {
            pd->too_large = true;
            explicit_bzero(pd->body, pd->len);
            pd->len = 0;
        }
        *upload_data_size = 0;
        /* A chunked body without end: drop the connection. */
        return pd->received > DISCARD_MAX ? MHD_NO : MHD_YES;
    }
    return answer(conn, pd, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct pending *pd = *con_cls;
    if (!pd)
        return;
    if (pd->body)
        explicit_bzero(pd->body, pd->cap); /* verifyKey and whoami bodies hold keys */
    free(pd->body);
    free(pd);
    *con_cls = NULL;
}

/* ---- options ---- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: keydeckd [--keystore PATH] [--listen ADDR:PORT] [--threads N]\n"
            "                [--cert FILE --key FILE] [--log FILE|-] [--port-file FILE]\n"
            "                [--help] [--version]\n\n"
            "Serve a keydeck keystore over Unkey's v2 API.  Requests authenticate with\n"
            "root keys made by `keydeck rootkeys create`.\n\n"
            "  --keystore PATH   the keystore (default: $KEYDECK_KEYSTORE, else\n"
            "                    $XDG_DATA_HOME/keydeck/keystore.db); it must exist\n"
            "  --listen A:P      address and port (default %s; port 0: any free one)\n"
            "  --threads N       worker threads (default: the number of CPUs)\n"
            "  --cert FILE       PEM certificate: serve HTTPS (with --key)\n"
            "  --key FILE        PEM private key of --cert\n"
            "  --log FILE|-      one line per request to FILE or standard error (default: none)\n"
            "  --port-file FILE  write the bound port to FILE once listening\n"
            "  --help, --version\n",
            DEFAULT_LISTEN);
}

static int parse_options(int argc, char **argv, struct options *o, int *exit_now)
{
    *exit_now = -1;
    const char *threads = NULL;
    const struct {
        const char *name;
        const char **value;
    } valued[] = {
        {"--keystore", &o->keystore}, {"--listen", &o->listen}, {"--cert", &o->cert},
        {"--key", &o->key},           {"--log", &o->log},       {"--port-file", &o->port_file},
        {"--threads", &threads},      {NULL, NULL},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            *exit_now = 0;
            return 0;
        }
        if (strcmp(a, "--version") == 0) {
            printf("keydeckd %s\n", PACKAGE_VERSION);
            *exit_now = 0;
            return 0;
        }
        /* --opt VALUE or --opt=VALUE */
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        int k = 0;
        while (valued[k].name &&
               !(strlen(valued[k].name) == nlen && strncmp(a, valued[k].name, nlen) == 0))
            k++;
        if (!valued[k].name) {
            fprintf(stderr, "keydeckd: %s: unknown option (see keydeckd --help)\n", a);
            return -1;
        }
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!v) {
            fprintf(stderr, "keydeckd: %s: needs a value\n", valued[k].name);
            return -1;
        }
        *valued[k].value = v;
    }
    if (threads) {
        char *end;
        errno = 0;
        long n = strtol(threads, &end, 10);
        if (errno || *end || n < 1 || n > 1024) {
            fprintf(stderr, "keydeckd: --threads: expected 1-1024, got '%s'\n", threads);
            return -1;
        }
        o->threads = n;
    }
    if (!o->cert != !o->key) {
        fprintf(stderr, "keydeckd: --cert and --key go together\n");
        return -1;
    }
    return 0;
}

/* "127.0.0.1:7070", "[::1]:7070", "localhost:0" -> a socket address. */
static int resolve_listen(const char *spec, struct sockaddr_storage *addr, socklen_t *len)
{
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || !colon[1]) {
        fprintf(stderr, "keydeckd: --listen: expected ADDR:PORT, got '%s'\n", spec);
        return -1;
    }
    char host[256];
    size_t hlen = (size_t)(colon - spec);
    if (spec[0] == '[' && hlen >= 2 && spec[hlen - 1] == ']') {
        spec++;
        hlen -= 2;
    }
    if (hlen >= sizeof host) {
        fprintf(stderr, "keydeckd: --listen: address too long\n");
        return -1;
    }
    memcpy(host, spec, hlen);
    host[hlen] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0 || !res) {
        fprintf(stderr, "keydeckd: --listen %s: %s\n", spec, gai_strerror(rc));
        return -1;
    }
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static char *read_file(const char *path, const char *what)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "keydeckd: %s %s: %s\n", what, path, strerror(errno));
        return NULL;
    }
    size_t cap = 0, len = 0;
    char *buf = NULL;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        buf = kd_xgrow(buf, &cap, len + n + 1, 1);
        memcpy(buf + len, chunk, n);
        len += n;
    }
    explicit_bzero(chunk, sizeof chunk);
    fclose(f);
    if (!buf) {
        fprintf(stderr, "keydeckd: %s %s is empty\n", what, path);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* The keystore must exist and open: keydeckd never makes an empty one. */
static int check_keystore(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr,
                "keydeckd: no keystore at %s\n"
                "keydeckd: create it with `keydeck apis create --name NAME` or `keydeck demo`,\n"
                "keydeckd: then a root key with `keydeck rootkeys create`\n",
                path);
        return -1;
    }
    struct kd_error err;
    struct kd_local_options lo = {.keystore_path = path, .actor = "keydeckd"};
    struct kd_backend *b = kd_backend_local_open(&lo, &err);
    if (!b) {
        fprintf(stderr, "keydeckd: %s: %s\n", path, err.message);
        return -1;
    }
    kd_backend_close(b);
    return 0;
}

static void write_port_file(const char *path, unsigned port)
{
    /* Write then rename, so a reader never sees a half-written number. */
    char *tmp = kd_xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0)
        fprintf(stderr, "keydeckd: --port-file %s: %s\n", path, strerror(errno));
    free(tmp);
}

/* ---- the daemon ---- */

static void shut_down(struct MHD_Daemon *d, sigset_t *signals)
{
    /* Stop accepting; requests already in flight go on. */
    MHD_socket listener = MHD_quiesce_daemon(d);
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (int waited = 0; waited < DRAIN_MS; waited += 10) {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!info || info->num_connections == 0)
            break;
        if (sigtimedwait(signals, NULL, &tick) > 0)
            break; /* a second signal: stop now */
    }
    /* Joins the threads, each finishing the request it is in. */
    MHD_stop_daemon(d);
}

int main(int argc, char **argv)
{
    json_set_alloc_funcs(json_alloc, json_wipe_free);
    struct kd_error err;
    kd_error_clear(&err);
    if (sodium_init() < 0) {
        fprintf(stderr, "keydeckd: libsodium cannot start (no usable random source)\n");
        return 1;
    }
    if (kd_clock_init_from_env(&err) < 0) {
        fprintf(stderr, "keydeckd: KEYDECK_NOW: %s\n", err.message);
        return 2;
    }
    struct options o = {.listen = DEFAULT_LISTEN};
    int exit_now;
    if (parse_options(argc, argv, &o, &exit_now) < 0)
        return 2;
    if (exit_now >= 0)
        return exit_now;
    if (o.threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o.threads = n > 0 ? n : 1;
    }

    char *default_path = NULL;
    if (!o.keystore) {
        const char *env = getenv("KEYDECK_KEYSTORE");
        if (env && *env)
            o.keystore = env;
        else
            o.keystore = default_path = kd_default_keystore_path();
    }
    keystore_path = o.keystore;

    struct sockaddr_storage addr;
    socklen_t addr_len = 0;
    char *cert = NULL, *key = NULL;
    int status = 1;
    if (resolve_listen(o.listen, &addr, &addr_len) < 0) {
        status = 2;
        goto out;
    }
    if (check_keystore(o.keystore) < 0)
        goto out;
    if (o.cert) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            fprintf(stderr, "keydeckd: this libmicrohttpd was built without TLS: "
                            "--cert/--key cannot be used (put a TLS proxy in front instead)\n");
            goto out;
        }
        if (!(cert = read_file(o.cert, "--cert")) || !(key = read_file(o.key, "--key")))
            goto out;
    }
    if (kd_reqlog_open(o.log, &err) < 0) {
        fprintf(stderr, "keydeckd: %s: %s\n", err.field, err.message);
        goto out;
    }

    /* Block the stop signals in every thread (MHD's inherit this mask); the
     * main thread takes them with sigwait. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL : MHD_USE_POLL;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (cert)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem tls_opts[] = {
        {cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o.threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)IDLE_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "keydeckd: cannot listen on %s (in use, or not an address of this host?)\n",
                o.listen);
        kd_reqlog_close();
        goto out;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : 0;
    char host[256];
    if (getnameinfo((struct sockaddr *)&addr, addr_len, host, sizeof host, NULL, 0,
                    NI_NUMERICHOST) != 0)
        snprintf(host, sizeof host, "?");
    bool v6 = addr.ss_family == AF_INET6;
    if (o.port_file)
        write_port_file(o.port_file, port);
    fprintf(stderr, "keydeckd: listening on %s://%s%s%s:%u (keystore %s)\n",
            cert ? "https" : "http", v6 ? "[" : "", host, v6 ? "]" : "", port, o.keystore);

    int sig = 0;
    while (sigwait(&signals, &sig) != 0)
        ;
    fprintf(stderr, "keydeckd: %s: finishing requests in flight\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT");
    shut_down(d, &signals);
    close_workers();
    kd_reqlog_close();
    status = 0;
out:
    if (key)
        explicit_bzero(key, strlen(key));
    free(key);
    free(cert);
    free(default_path);
    return status;
}
