/* ship.c — the shipper threads of cmdai-policyd (docs/daemon.md "Shipping").
 * Each reads decision records from the audit trail after its cursor (the
 * last seq its endpoint acknowledged, kept in LOG.shipped for HTTP and
 * LOG.shipped-syslog for syslog), only up to what the writer has made
 * durable, sends them in batches and advances the cursor (temp file, fsync,
 * rename) once the batch is acknowledged: a 2xx for HTTP (libcurl); for
 * syslog over TCP (RFC 5424 in RFC 6587 octet-counting frames) the
 * receiver's TCP stack having acknowledged every byte (SIOCOUTQ 0) on a
 * connection that is still open; for UDP (RFC 5426, one datagram per
 * record) the send.  While the endpoint is down the records wait in the
 * trail itself; retries back off to 5 s.  A crash between the
 * acknowledgement and the cursor update resends one batch: receivers can
 * drop duplicates by seq/hash. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_cli.h"
#include "ship.h"

#define BATCH_MAX 500
#define BACKOFF_MAX_MS 5000 /* retry a down endpoint at least this often */
#define UDP_MAX 65000       /* bytes of one syslog datagram (IPv4 allows 65,507) */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum ship_kind { SHIP_HTTP, SHIP_SYSLOG_TCP, SHIP_SYSLOG_UDP };

struct ship {
    enum ship_kind kind;
    char host[256], port[16]; /* syslog */
    int fd;                   /* syslog socket, -1 when not connected; shipper thread only */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, poked;
    char *url, *format, *token, *log_path, *cursor_path;
    rt_audit *audit;
    /* guarded by mu */
    uint64_t shipped;   /* records acknowledged (cursor + 1 = next seq wanted) */
    int64_t cursor;     /* last acknowledged seq, -1: none */
    uint64_t batches, failures;
    char last_error[256];
    /* Where the live file's unread part starts, so that a poll does not reread
     * the trail: valid while the file has inode pos_ino and pos_seq <= cursor.
     * cand_* is the position after the batch in flight, taken on a 2xx.
     * Shipper thread only. */
    ino_t pos_ino, cand_ino;
    off_t pos_off, cand_off;
    int64_t pos_seq, cand_seq;
};

static int64_t read_cursor(const char *path)
{
    FILE *f = fopen(path, "r");
    long long v = -1;
    if (f) {
        if (fscanf(f, "%lld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

static int write_cursor(const char *path, int64_t seq)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%" PRId64 "\n", seq);
    int rc = write(fd, buf, (size_t)n) == n && fsync(fd) == 0 ? 0 : -1;
    close(fd);
    return rc == 0 ? rename(tmp, path) : -1;
}

/* Collect up to BATCH_MAX decision records with cursor < seq < limit, in
 * chain order across rotated files.  *last is the highest seq looked at
 * (checkpoints included), so that the cursor can move past them. */
static json_t *collect(ship *s, int64_t cursor, uint64_t limit, int64_t *last)
{
    json_t *batch = json_array();
    glob_t g;
    char pat[4096];
    snprintf(pat, sizeof pat, "%s.[0-9]*", s->log_path);
    size_t nf = 0;
    const char **files = NULL;
    if (glob(pat, 0, NULL, &g) != 0)
        g.gl_pathc = 0;
    files = malloc((g.gl_pathc + 1) * sizeof *files);
    if (!files) {
        globfree(&g);
        return batch;
    }
    for (size_t i = 0; i < g.gl_pathc; i++)
        if (!strstr(g.gl_pathv[i], ".shipped"))
            files[nf++] = g.gl_pathv[i];
    files[nf++] = s->log_path;
    rt_audit_sort_files(files, nf);
    *last = cursor;
    char *line = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < nf && json_array_size(batch) < BATCH_MAX; i++) {
        FILE *f = fopen(files[i], "rb");
        if (!f)
            continue;
        struct stat st;
        bool live = files[i] == s->log_path && fstat(fileno(f), &st) == 0;
        off_t off = 0;
        if (live && st.st_ino == s->pos_ino && s->pos_seq <= cursor && fseeko(f, s->pos_off, SEEK_SET) == 0)
            off = s->pos_off;
        ssize_t n;
        while ((n = getline(&line, &cap, f)) > 0 && json_array_size(batch) < BATCH_MAX) {
            if (line[n - 1] != '\n')
                break; /* being written */
            off += n;
            unsigned long long seq;
            if (sscanf(line, "{\"seq\":%llu", &seq) != 1 || (int64_t)seq <= cursor)
                continue;
            if (seq >= limit)
                break; /* not durable yet */
            *last = (int64_t)seq;
            if (live) {
                s->cand_ino = st.st_ino;
                s->cand_off = off;
                s->cand_seq = (int64_t)seq;
            }
            if (!strstr(line, "\"type\":\"decision\""))
                continue;
            json_t *r = json_loadb(line, (size_t)n, 0, NULL);
            if (!r)
                continue;
            if (s->kind != SHIP_HTTP) {
                char *line5424 = audit_to_syslog(r);
                if (line5424)
                    json_array_append_new(batch, json_string(line5424));
                free(line5424);
            } else {
                json_array_append_new(batch, !strcmp(s->format, "datadog") ? audit_to_datadog(r) : audit_to_splunk_hec(r));
            }
            json_decref(r);
        }
        fclose(f);
    }
    free(line);
    free(files);
    globfree(&g);
    return batch;
}

static size_t sink(char *p, size_t size, size_t n, void *u)
{
    (void)p, (void)u;
    return size * n;
}

/* POST one batch; 0 on a 2xx. */
static int post(ship *s, CURL *c, json_t *batch, char *err, size_t errcap)
{
    char *body;
    if (!strcmp(s->format, "datadog")) {
        body = json_dumps(batch, JSON_COMPACT);
    } else { /* HEC: events concatenated */
        size_t total = 0;
        char **parts = calloc(json_array_size(batch), sizeof *parts);
        for (size_t i = 0; parts && i < json_array_size(batch); i++) {
            parts[i] = json_dumps(json_array_get(batch, i), JSON_COMPACT);
            total += parts[i] ? strlen(parts[i]) + 1 : 0;
        }
        body = parts ? malloc(total + 1) : NULL;
        size_t o = 0;
        for (size_t i = 0; parts && i < json_array_size(batch); i++) {
            if (body && parts[i]) {
                size_t l = strlen(parts[i]);
                memcpy(body + o, parts[i], l);
                body[o + l] = '\n';
                o += l + 1;
            }
            free(parts[i]);
        }
        if (body)
            body[o] = '\0';
        free(parts);
    }
    if (!body) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    char auth[512];
    if (s->token) {
        if (!strcmp(s->format, "datadog"))
            snprintf(auth, sizeof auth, "DD-API-KEY: %s", s->token);
        else
            snprintf(auth, sizeof auth, "Authorization: Splunk %s", s->token);
        h = curl_slist_append(h, auth);
    }
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, s->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    free(body);
    if (rc != CURLE_OK) {
        snprintf(err, errcap, "%s", curl_easy_strerror(rc));
        return -1;
    }
    if (code < 200 || code > 299) {
        snprintf(err, errcap, "HTTP %ld", code);
        return -1;
    }
    return 0;
}

static void syslog_close(ship *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

/* Connect to the syslog receiver (TCP: within 5 s). */
static int syslog_connect(ship *s, char *err, size_t errcap)
{
    struct addrinfo hints = {.ai_socktype = s->kind == SHIP_SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM}, *ai, *a;
    int g = getaddrinfo(s->host, s->port, &hints, &ai);
    if (g != 0) {
        snprintf(err, errcap, "%.100s: %.100s", s->host, gai_strerror(g));
        return -1;
    }
    int fd = -1;
    for (a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0)
            continue;
        int rc = connect(fd, a->ai_addr, a->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int e = 0;
            socklen_t el = sizeof e;
            rc = poll(&p, 1, 5000) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0 ? 0 : -1;
            if (rc != 0)
                errno = e ? e : ETIMEDOUT;
        }
        if (rc != 0) {
            snprintf(err, errcap, "connect %.100s:%s: %.100s", s->host, s->port, strerror(errno));
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0)
        return -1;
    s->fd = fd;
    return 0;
}

/* The receiver closed or reset the connection (read side: it never sends). */
static bool tcp_gone(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};
    if (poll(&p, 1, 0) <= 0)
        return false;
    if (p.revents & (POLLERR | POLLHUP | POLLRDHUP))
        return true;
    char c;
    ssize_t r = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static int send_all(int fd, const char *p, size_t n, int64_t deadline)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd q = {.fd = fd, .events = POLLOUT};
            int64_t left = deadline - mono_ms();
            if (left <= 0 || poll(&q, 1, (int)left) <= 0) {
                errno = ETIMEDOUT;
                return -1;
            }
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

/* Send one batch of RFC 5424 lines; 0 once acknowledged (see the top). */
static int send_syslog(ship *s, json_t *batch, char *err, size_t errcap)
{
    if (s->fd >= 0 && s->kind == SHIP_SYSLOG_TCP && tcp_gone(s->fd))
        syslog_close(s); /* closed since the last batch: nothing of this one was sent */
    if (s->fd < 0 && syslog_connect(s, err, errcap) != 0)
        return -1;
    int64_t deadline = mono_ms() + 10000;
    if (s->kind == SHIP_SYSLOG_UDP) {
        for (size_t i = 0; i < json_array_size(batch); i++) {
            json_t *l = json_array_get(batch, i);
            /* A datagram holds at most 65,507 bytes; a longer record (a command
             * near the trail's 64 KiB cap) loses the end of its MSG, cut on a
             * UTF-8 boundary, rather than blocking the queue with EMSGSIZE. */
            const char *p = json_string_value(l);
            size_t n = json_string_length(l);
            if (n > UDP_MAX) {
                n = UDP_MAX;
                while (n && ((unsigned char)p[n] & 0xc0) == 0x80)
                    n--;
            }
            if (send(s->fd, p, n, MSG_NOSIGNAL) < 0) {
                snprintf(err, errcap, "send to %.100s:%s: %.100s", s->host, s->port, strerror(errno));
                syslog_close(s);
                return -1;
            }
        }
        return 0;
    }
    char *frames = NULL;
    size_t flen = 0;
    FILE *f = open_memstream(&frames, &flen);
    for (size_t i = 0; f && i < json_array_size(batch); i++) {
        json_t *l = json_array_get(batch, i);
        fprintf(f, "%zu %s", json_string_length(l), json_string_value(l)); /* RFC 6587 3.4.1 */
    }
    if (!f || fclose(f) != 0) {
        free(frames);
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    int rc = send_all(s->fd, frames, flen, deadline);
    free(frames);
    /* Delivered when the receiver's TCP has acknowledged every byte and the
     * connection is still up; a reset before that resends the batch. */
    int outq = 1;
    while (rc == 0 && !tcp_gone(s->fd) && ioctl(s->fd, SIOCOUTQ, &outq) == 0 && outq > 0 && mono_ms() < deadline) {
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    if (rc != 0 || outq != 0 || tcp_gone(s->fd)) {
        snprintf(err, errcap, "send to %.100s:%s: %.100s", s->host, s->port,
                 rc != 0 ? strerror(errno) : outq ? "not acknowledged within 10 s" : "connection closed");
        syslog_close(s);
        return -1;
    }
    return 0;
}

static void *run(void *arg)
{
    ship *s = arg;
    CURL *c = curl_easy_init();
    int64_t backoff_ms = 0, next_try = 0;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        /* New records poke us, but while the endpoint is failing only the
         * backoff timer does: a busy daemon must not hammer a down SIEM. */
        if (!s->stop && (!s->poked || mono_ms() < next_try)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t wait = next_try > mono_ms() ? next_try - mono_ms() : 1000;
            ts.tv_sec += wait / 1000;
            ts.tv_nsec += (wait % 1000) * 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&s->cv, &s->mu, &ts);
        }
        bool stop = s->stop;
        if (!stop && mono_ms() < next_try) {
            pthread_mutex_unlock(&s->mu);
            continue;
        }
        s->poked = false;
        int64_t cursor = s->cursor;
        pthread_mutex_unlock(&s->mu);
        rt_audit_stats st;
        rt_audit_get_stats(s->audit, &st);
        for (int rounds = 0; rounds < 100; rounds++) { /* drain, a batch at a time */
            int64_t last;
            json_t *batch = collect(s, cursor, st.synced_seq, &last);
            if (last == cursor) {
                json_decref(batch);
                break;
            }
            char err[256] = "";
            int rc = !json_array_size(batch)     ? 0
                     : s->kind == SHIP_HTTP ? post(s, c, batch, err, sizeof err)
                                            : send_syslog(s, batch, err, sizeof err);
            if (rc == 0 && write_cursor(s->cursor_path, last) != 0) {
                snprintf(err, sizeof err, "cannot write the cursor %s: %s", s->cursor_path, strerror(errno));
                rc = -1;
            }
            pthread_mutex_lock(&s->mu);
            if (rc == 0) {
                s->cursor = cursor = last;
                if (s->cand_seq == last) {
                    s->pos_ino = s->cand_ino;
                    s->pos_off = s->cand_off;
                    s->pos_seq = s->cand_seq;
                }
                s->shipped += json_array_size(batch);
                s->batches++;
                s->last_error[0] = '\0';
                backoff_ms = 0;
            } else {
                s->failures++;
                snprintf(s->last_error, sizeof s->last_error, "%s", err);
                backoff_ms = backoff_ms ? backoff_ms * 2 : 250;
                if (backoff_ms > BACKOFF_MAX_MS)
                    backoff_ms = BACKOFF_MAX_MS;
                next_try = mono_ms() + backoff_ms;
            }
            pthread_mutex_unlock(&s->mu);
            json_decref(batch);
            if (rc != 0)
                break;
        }
        if (stop)
            break;
    }
    curl_easy_cleanup(c);
    syslog_close(s);
    return NULL;
}

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

ship *ship_start(const char *url, const char *format, const char *token, const char *log_path, rt_audit *audit,
                 char *errbuf, size_t errcap)
{
    enum ship_kind kind = SHIP_HTTP;
    char host[256] = "", port[16] = "";
    if (!strcmp(format, "syslog")) {
        /* tcp://HOST:PORT or udp://HOST:PORT; HOST may be [IPv6] */
        const char *h = !strncmp(url, "tcp://", 6) ? url + 6 : !strncmp(url, "udp://", 6) ? url + 6 : NULL;
        kind = url[0] == 't' ? SHIP_SYSLOG_TCP : SHIP_SYSLOG_UDP;
        const char *colon = h ? strrchr(h, ':') : NULL;
        size_t hl = colon ? (size_t)(colon - h) : 0;
        if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']')
            h++, hl -= 2;
        char *end = NULL;
        long pn = colon ? strtol(colon + 1, &end, 10) : 0;
        if (!h || !hl || hl >= sizeof host || !end || *end || pn < 1 || pn > 65535) {
            snprintf(errbuf, errcap, "--ship-syslog wants tcp://HOST:PORT or udp://HOST:PORT, not '%s'", url);
            return NULL;
        }
        memcpy(host, h, hl);
        snprintf(port, sizeof port, "%ld", pn);
    } else if (strcmp(format, "splunk-hec") && strcmp(format, "datadog")) {
        snprintf(errbuf, errcap, "--ship-format must be splunk-hec or datadog");
        return NULL;
    }
    if (!audit) {
        snprintf(errbuf, errcap, "shipping needs the audit trail (not --no-audit)");
        return NULL;
    }
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, curl_init_once);
    ship *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(errbuf, errcap, "out of memory");
        return NULL;
    }
    size_t cl = strlen(log_path) + 32;
    s->cursor_path = malloc(cl);
    s->url = strdup(url);
    s->format = strdup(format);
    s->token = token ? strdup(token) : NULL;
    s->log_path = strdup(log_path);
    s->audit = audit;
    snprintf(s->cursor_path, cl, kind == SHIP_HTTP ? "%s.shipped" : "%s.shipped-syslog", log_path);
    s->kind = kind;
    s->fd = -1;
    memcpy(s->host, host, sizeof host);
    memcpy(s->port, port, sizeof port);
    s->cursor = read_cursor(s->cursor_path);
    s->pos_seq = s->cand_seq = INT64_MAX; /* no position yet */
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->th, NULL, run, s) != 0) {
        snprintf(errbuf, errcap, "cannot start the shipper thread");
        return NULL;
    }
    return s;
}

void ship_poke(ship *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->poked = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

json_t *ship_status(ship *s)
{
    pthread_mutex_lock(&s->mu);
    json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", "url", s->url, "format", s->format, "cursor",
                          (json_int_t)s->cursor, "shipped", (json_int_t)s->shipped, "batches",
                          (json_int_t)s->batches, "failures", (json_int_t)s->failures);
    json_object_set_new(o, "last_error", s->last_error[0] ? json_string(s->last_error) : json_null());
    pthread_mutex_unlock(&s->mu);
    return o;
}

void ship_stop(ship *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->th, NULL);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->url);
    free(s->format);
    if (s->token)
        free(s->token);
    free(s->log_path);
    free(s->cursor_path);
    free(s);
}
