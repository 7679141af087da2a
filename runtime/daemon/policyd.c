/* policyd.c — cmdai-policyd: decisions over a Unix socket (docs/daemon.md).
 * The main thread accepts, handles signals, reloads and timers, and hands
 * each connection to one of N shard threads (--threads, default the CPU
 * count); each shard runs its own epoll loop over its clients:
 * newline-delimited JSON requests, one verdict per line back, each decision
 * appended to the audit trail with the peer's SO_PEERCRED identity.  Group
 * commit: the answers produced in one shard turn are held until
 * rt_audit_sync() made their records durable (concurrent syncs of the
 * shards share one fdatasync), so an acknowledged decision is always on
 * disk.  Reload swaps the bundle under a write lock; shards decide under
 * the read lock.  Non-blocking sockets, a request
 * size limit, an idle timeout for incomplete requests and a cap on unread
 * answers keep malformed, huge and slow clients from stalling the others. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cmdai/policy.h"
#include "exitcodes.h"
#include "ship.h"
#include "fleet.h"
#include "request.h"
#include "verdict_json.h"

#define READ_CHUNK 65536
#define WBUF_HIGH (1u << 20) /* unread answers per client before we stop reading its requests */

struct shard;

typedef struct client {
    struct shard *sh; /* the shard whose epoll and list it is on */
    int fd;
    long uid, gid, pid;
    char user[64];
    char *rbuf;
    size_t rlen, rcap;
    char *wbuf;
    size_t wlen, wcap, woff, wready; /* bytes [woff, wready) may be sent: their records are durable */
    int64_t last_ms;
    bool closing, dead, paused, touched;
    unsigned pending; /* entries in the shard's commit queue: not freed before they are released */
    uint32_t events; /* as registered with epoll */
    struct client *prev, *next; /* every client, for the idle sweep and the end-of-turn free */
} client;

typedef struct server server;

/* One event loop thread and its clients.  Only the main thread's accept adds
 * to `clients` (under mu); everything else is the shard thread's own. */
typedef struct shard {
    server *s;
    int ep;
    pthread_t th;
    pthread_mutex_t mu;
    client *clients; /* list head */
    client **touched;
    size_t ntouched, touched_cap;
    bool any_dead;
    rt_abuf out; /* an answer being formatted, reused from answer to answer */
    /* Asynchronous group commit (durable trail): each turn's answers wait in
     * a FIFO of batches until the syncer thread made their records durable;
     * meanwhile the loop goes on reading and deciding. */
    int efd;            /* eventfd: the syncer finished an fdatasync */
    uint64_t turn_end;  /* one past the last seq this turn appended; 0: none */
    struct qent {
        client *c;
        size_t upto; /* c->wbuf bytes up to here may go out with this batch */
    } *q;
    size_t qhead, qlen, qcap;
    struct qbatch {
        uint64_t need; /* records < need must be durable */
        size_t end;    /* its entries are q[previous end, end) */
    } *bq;
    size_t bhead, blen, bcap;
} shard;

struct server {
    int ep, lfd, sfd;
    const char *sock_path, *bundle_path;
    cmdai_open_opts oo;
    cmdai_bundle *b;
    rt_abuf bjson; /* the audit records' "bundle" member for b (rt_audit_bundle_json), formatted once per load */
    struct stat bst, sst; /* bundle and .minisig as last loaded */
    rt_audit *audit;
    const char *audit_path;
    size_t max_req, max_clients;
    _Atomic size_t nclients;
    int idle_ms;
    _Atomic uint64_t decisions, bad_requests, dropped;
    uint64_t reloads, reload_failures;
    int64_t started_ms, loaded_ms, reload_ms;
    char reload_error[400];
    atomic_bool stop;
    pthread_rwlock_t blk; /* b and the reload fields: shards read, reload writes */
    shard *shards;
    size_t nshards, next_shard;
    ship *shipper;   /* NULL unless --ship-url */
    ship *syslog;    /* NULL unless --ship-syslog */
    fleet *fleet;    /* NULL unless --fleet (issue 6, fleet.c) */
    /* The syncer thread (durable trail only): shards ask for records < want
     * to be made durable and go on; it runs rt_audit_sync (one fdatasync
     * covers every record appended by then, from every shard) and pokes
     * every shard's eventfd. */
    bool async_sync;
    pthread_t syncer;
    pthread_mutex_t sy_mu;
    pthread_cond_t sy_cv;
    uint64_t sy_want, sy_done;
    bool sy_quit;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cmdai-policyd: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- bundle ------------------------------------------------------------------ */

static void stat_pair(const char *path, struct stat *b, struct stat *s)
{
    char sig[4096];
    memset(b, 0, sizeof *b);
    memset(s, 0, sizeof *s);
    stat(path, b);
    snprintf(sig, sizeof sig, "%s.minisig", path);
    stat(sig, s);
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Load (or reload) the bundle; on failure keep the last good one. */
static int load_bundle(server *s, const char *why)
{
    cmdai_error err = {0};
    struct stat bst, sst;
    stat_pair(s->bundle_path, &bst, &sst);
    cmdai_bundle *nb = cmdai_open(s->bundle_path, &s->oo, &err); /* verified before any lock */
    rt_abuf nj = {0};
    if (nb) {
        rt_audit_bundle_json(&nj, nb);
        if (nj.oom) {
            cmdai_close(nb);
            nb = NULL;
            rt_abuf_release(&nj);
            err = (cmdai_error){.code = CMDAI_E_NOMEM};
            snprintf(err.source, sizeof err.source, "%s", s->bundle_path);
            snprintf(err.text, sizeof err.text, "out of memory");
        }
    }
    pthread_rwlock_wrlock(&s->blk);
    s->bst = bst;
    s->sst = sst;
    s->reload_ms = now_ms();
    if (!nb) {
        snprintf(s->reload_error, sizeof s->reload_error, "%s: %s (%s)", err.source, err.text,
                 cmdai_code_name(err.code));
        s->reload_failures++;
        logmsg("%s: %s%s", why, s->reload_error, s->b ? "; keeping the last good bundle" : "");
        pthread_rwlock_unlock(&s->blk);
        return err.code;
    }
    if (s->b)
        cmdai_close(s->b); /* write lock held: no shard is deciding */
    s->b = nb;
    rt_abuf_release(&s->bjson);
    s->bjson = nj;
    s->reload_error[0] = '\0';
    s->loaded_ms = s->reload_ms;
    s->reloads++;
    pthread_rwlock_unlock(&s->blk);
    cmdai_bundle_info bi;
    cmdai_bundle_get_info(nb, &bi);
    logmsg("%s: loaded %s %s serial %" PRIu64 " (%u rules)", why, bi.name, bi.version, bi.serial, bi.nrules);
    if (s->audit) {
        cmdai_error e2 = {0};
        rt_audit_checkpoint(s->audit, "reload", &e2);
    }
    return CMDAI_OK;
}

/* ---- clients ----------------------------------------------------------------- */

static void client_kill(server *s, client *c)
{
    if (c->dead)
        return;
    c->dead = true;
    epoll_ctl(c->sh->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    s->nclients--;
    c->sh->any_dead = true;
}

/* End of a turn: free dead clients (no pointer to them survives the turn)
 * and drop slow-loris and stuck readers. */
static void sweep(shard *sh, int64_t now, bool idle_check)
{
    server *s = sh->s;
    pthread_mutex_lock(&sh->mu);
    client *c = sh->clients;
    bool kept = false;
    while (c) {
        client *nx = c->next;
        if (!c->dead && idle_check && now - c->last_ms > s->idle_ms && (c->rlen > 0 || c->wlen > c->woff)) {
            s->dropped++; /* an incomplete request or unread answers for too long */
            client_kill(s, c);
        }
        if (c->dead && c->pending) {
            kept = true; /* still in the commit queue: freed once released */
        } else if (c->dead) {
            if (c->prev)
                c->prev->next = c->next;
            else
                sh->clients = c->next;
            if (c->next)
                c->next->prev = c->prev;
            free(c->rbuf);
            free(c->wbuf);
            free(c);
        }
        c = nx;
    }
    sh->any_dead = kept;
    pthread_mutex_unlock(&sh->mu);
}

static void update_events(client *c)
{
    struct epoll_event ev = {0};
    ev.data.ptr = c;
    ev.events = (c->paused || c->closing ? 0 : EPOLLIN) | (c->wready > c->woff ? EPOLLOUT : 0) | EPOLLRDHUP;
    if (ev.events == c->events)
        return; /* one syscall saved per answer in the common case */
    c->events = ev.events;
    epoll_ctl(c->sh->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void client_flush(server *s, client *c)
{
    while (!c->dead && c->wready > c->woff) {
        ssize_t w = send(c->fd, c->wbuf + c->woff, c->wready - c->woff, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w <= 0) {
            client_kill(s, c);
            return;
        }
        c->woff += (size_t)w;
        c->last_ms = now_ms();
    }
    if (c->woff == c->wlen) {
        c->woff = c->wlen = c->wready = 0;
        if (c->wcap > WBUF_HIGH) { /* give back what a burst took */
            free(c->wbuf);
            c->wbuf = NULL;
            c->wcap = 0;
        }
        if (c->closing) {
            client_kill(s, c);
            return;
        }
    }
    c->paused = c->wlen - c->woff > WBUF_HIGH;
    update_events(c);
}

/* Queue one answer line; it is sent after the turn's group commit. */
static void answer_text(server *s, client *c, const char *t, size_t n)
{
    if (c->wlen + n + 1 > c->wcap) {
        size_t cap = c->wcap ? c->wcap : 4096;
        while (cap < c->wlen + n + 1)
            cap *= 2;
        char *p = realloc(c->wbuf, cap);
        if (!p) {
            client_kill(s, c);
            return;
        }
        c->wbuf = p;
        c->wcap = cap;
    }
    memcpy(c->wbuf + c->wlen, t, n);
    c->wbuf[c->wlen + n] = '\n';
    c->wlen += n + 1;
    if (!c->touched) {
        c->touched = true;
        shard *sh = c->sh;
        if (sh->ntouched == sh->touched_cap) {
            size_t cap = sh->touched_cap ? 2 * sh->touched_cap : 64;
            client **tp = realloc(sh->touched, cap * sizeof *tp);
            if (!tp)
                abort();
            sh->touched = tp;
            sh->touched_cap = cap;
        }
        sh->touched[sh->ntouched++] = c;
    }
}

static void answer(server *s, client *c, json_t *o)
{
    char *t = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    if (t)
        answer_text(s, c, t, strlen(t));
    free(t);
}

/* The verdict as `cmdai-policy check --json` prints it (runtime/cli/verdict_json.c
 * vj_verdict, same members and order) plus id and seq, written directly: this
 * is the daemon's hot path and jansson's object building was half its time. */
static void answer_verdict(server *s, client *c, const cmdai_verdict *v, int rc, json_t *id, long long seq)
{
    static const char *const reasons[] = {"rule", "default", "dynamic", "tools", "error"};
    rt_abuf b = c->sh->out; /* the shard's buffer: no malloc per answer */
    if (b.oom || b.cap > WBUF_HIGH)
        rt_abuf_release(&b);
    b.len = 0;
    RT_ABUF_LIT(&b, "{\"action\":\"");
    rt_abuf_puts(&b, cmdai_action_name(v->action));
    RT_ABUF_LIT(&b, "\",\"risk\":\"");
    rt_abuf_puts(&b, cmdai_risk_name(v->risk));
    RT_ABUF_LIT(&b, "\",\"rules\":[");
    const char *comp[64];
    unsigned ncomp = 0, n = v->nrules < CMDAI_VERDICT_RULES ? v->nrules : CMDAI_VERDICT_RULES, k = 0;
    for (unsigned i = 0; i < n; i++) {
        cmdai_rule_info ri;
        if (cmdai_rule_get(s->b, v->rules[i], &ri) != CMDAI_OK)
            continue;
        if (k++)
            RT_ABUF_LIT(&b, ",");
        rt_abuf_json_cstr(&b, ri.id);
        for (unsigned q = 0; q < ri.ncompliance; q++) {
            const char *cs = cmdai_rule_compliance(s->b, v->rules[i], q);
            bool dup = !cs;
            for (unsigned z = 0; z < ncomp && !dup; z++)
                dup = !strcmp(comp[z], cs);
            if (!dup && ncomp < sizeof comp / sizeof *comp)
                comp[ncomp++] = cs;
        }
    }
    RT_ABUF_LIT(&b, "],\"message\":");
    rt_abuf_json_cstr(&b, v->message);
    RT_ABUF_LIT(&b, ",\"compliance\":[");
    for (unsigned z = 0; z < ncomp; z++) {
        if (z)
            RT_ABUF_LIT(&b, ",");
        rt_abuf_json_cstr(&b, comp[z]);
    }
    RT_ABUF_LIT(&b, "],\"reason\":[");
    for (unsigned i = 0, m = 0; i < 5; i++)
        if (v->reason & (1u << i)) {
            if (m++)
                RT_ABUF_LIT(&b, ",\"");
            else
                RT_ABUF_LIT(&b, "\"");
            rt_abuf_puts(&b, reasons[i]);
            RT_ABUF_LIT(&b, "\"");
        }
    RT_ABUF_LIT(&b, "]");
    if (rc != CMDAI_OK) {
        RT_ABUF_LIT(&b, ",\"error\":");
        rt_abuf_json_cstr(&b, cmdai_code_name(rc));
    }
    if (id) {
        char *t = json_dumps(id, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
        if (t) {
            RT_ABUF_LIT(&b, ",\"id\":");
            rt_abuf_puts(&b, t);
        }
        free(t);
    }
    if (seq >= 0) { /* no printf on the hot path */
        char d[24];
        size_t i = sizeof d;
        do {
            d[--i] = (char)('0' + seq % 10);
            seq /= 10;
        } while (seq);
        RT_ABUF_LIT(&b, ",\"seq\":");
        rt_abuf_put(&b, d + i, sizeof d - i);
    }
    RT_ABUF_LIT(&b, "}");
    if (b.oom)
        client_kill(s, c);
    else
        answer_text(s, c, b.p, b.len);
    c->sh->out = b;
}

static json_t *error_answer(const char *text, json_t *id)
{
    json_t *o = json_pack("{s:s}", "error", text);
    if (id)
        json_object_set(o, "id", id);
    return o;
}

static json_t *bundle_json(const cmdai_bundle *b)
{
    cmdai_bundle_info bi;
    cmdai_bundle_get_info(b, &bi);
    return json_pack("{s:s,s:s,s:I,s:s,s:s,s:i}", "name", bi.name, "version", bi.version, "serial",
                     (json_int_t)bi.serial, "digest", bi.digest, "key_id", bi.key_id, "rules", (int)bi.nrules);
}

static json_t *status_json(server *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string(s->reload_error[0] ? "degraded" : "ok"));
    json_object_set_new(o, "pid", json_integer(getpid()));
    json_object_set_new(o, "version", json_string(CMDAI_VERSION));
    json_object_set_new(o, "uptime_ms", json_integer(now_ms() - s->started_ms));
    json_object_set_new(o, "bundle_path", json_string(s->bundle_path));
    json_object_set_new(o, "bundle", bundle_json(s->b));
    json_t *rl = json_pack("{s:b,s:I,s:I,s:I}", "ok", !s->reload_error[0], "time_ms", (json_int_t)s->reload_ms,
                           "loads", (json_int_t)s->reloads, "failures", (json_int_t)s->reload_failures);
    if (s->reload_error[0]) {
        json_object_set_new(rl, "error", json_string(s->reload_error));
        json_object_set_new(rl, "note", json_string("the new bundle was refused; still serving the last good one"));
    }
    json_object_set_new(o, "last_reload", rl);
    json_object_set_new(o, "clients", json_integer((json_int_t)s->nclients));
    json_object_set_new(o, "threads", json_integer((json_int_t)s->nshards));
    json_object_set_new(o, "decisions", json_integer((json_int_t)s->decisions));
    json_object_set_new(o, "bad_requests", json_integer((json_int_t)s->bad_requests));
    json_object_set_new(o, "dropped_clients", json_integer((json_int_t)s->dropped));
    if (s->audit) {
        rt_audit_stats st;
        rt_audit_get_stats(s->audit, &st);
        json_object_set_new(o, "audit",
                            json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:s,s:s}", "path", s->audit_path, "next_seq",
                                      (json_int_t)st.next_seq, "durable_seq", (json_int_t)st.synced_seq,
                                      "checkpoints", (json_int_t)st.checkpoints, "rotations",
                                      (json_int_t)st.rotations, "redactions", (json_int_t)st.redactions, "head",
                                      st.head, "key_id", st.key_id));
    } else {
        json_object_set_new(o, "audit", json_null());
    }
    json_object_set_new(o, "shipping", s->shipper ? ship_status(s->shipper) : json_null());
    json_object_set_new(o, "syslog_shipping", s->syslog ? ship_status(s->syslog) : json_null());
    json_object_set_new(o, "fleet", s->fleet ? fleet_status(s->fleet) : json_null());
    return o;
}

static bool decide(server *s, client *c, const char *line, size_t len)
{
    dm_request r;
    switch (dm_request_parse(line, len, &r)) {
    case DM_REQ_BAD:
        s->bad_requests++;
        answer(s, c, error_answer(r.why, r.id));
        dm_request_free(&r);
        return true;
    case DM_REQ_STATUS: {
        json_t *st = status_json(s);
        if (r.id)
            json_object_set(st, "id", r.id);
        answer(s, c, st);
        dm_request_free(&r);
        return true;
    }
    case DM_REQ_PING:
        answer(s, c, r.id ? json_pack("{s:b,s:O}", "pong", 1, "id", r.id) : json_pack("{s:b}", "pong", 1));
        dm_request_free(&r);
        return true;
    case DM_REQ_CHECK:
        break;
    }
    json_t *id = r.id;
    const char *cmd = r.cmd;
    size_t clen = r.cmd_len;
    cmdai_verdict v;
    int e = cmdai_eval(s->b, cmd, clen, &v);
    long long seq = -1;
    if (s->audit) {
        rt_audit_event ev = {0};
        ev.uid = c->uid;
        ev.gid = c->gid;
        ev.pid = c->pid;
        ev.user = c->user[0] ? c->user : NULL;
        ev.source = "daemon";
        ev.cwd = r.cwd;
        ev.session = r.session;
        ev.shell = r.shell;
        ev.agent = r.agent;
        ev.cmd = cmd;
        ev.cmd_len = clen;
        ev.bundle = s->b;
        ev.bundle_json = s->bjson.p;
        ev.bundle_json_len = s->bjson.len;
        ev.verdict = &v;
        ev.eval_rc = e;
        uint64_t sq;
        cmdai_error err = {0};
        if (rt_audit_append(s->audit, &ev, &sq, &err) != CMDAI_OK) {
            /* Fail closed: a decision that cannot be recorded is not given. */
            logmsg("audit: %s: %s", err.source, err.text);
            answer(s, c, error_answer("audit log unavailable: decision refused (fail closed)", id));
            dm_request_free(&r);
            return true;
        }
        seq = (long long)sq;
        if (sq + 1 > c->sh->turn_end)
            c->sh->turn_end = sq + 1;
    }
    s->decisions++;
    answer_verdict(s, c, &v, e, id, seq);
    dm_request_free(&r);
    return true;
}

static void client_read(server *s, client *c)
{
    /* One bounded read per turn: a flooding client cannot starve the others. */
    if (c->rcap - c->rlen < READ_CHUNK) {
        size_t cap = c->rlen + READ_CHUNK;
        char *p = realloc(c->rbuf, cap);
        if (!p) {
            client_kill(s, c);
            return;
        }
        c->rbuf = p;
        c->rcap = cap;
    }
    ssize_t r = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (r <= 0) {
        /* EOF: answer what is complete (the peer may have half-closed), then go. */
        c->closing = true;
        if (c->wlen == c->woff)
            client_kill(s, c);
        else
            update_events(c);
        if (r < 0)
            client_kill(s, c);
        return;
    }
    c->rlen += (size_t)r;
    c->last_ms = now_ms();
    size_t start = 0;
    for (;;) {
        char *nl = memchr(c->rbuf + start, '\n', c->rlen - start);
        if (!nl)
            break;
        size_t n = (size_t)(nl - (c->rbuf + start));
        if (n > s->max_req)
            break;
        decide(s, c, c->rbuf + start, n);
        start += n + 1;
        if (c->dead)
            return;
    }
    memmove(c->rbuf, c->rbuf + start, c->rlen - start);
    c->rlen -= start;
    if (c->rlen > s->max_req) {
        s->bad_requests++;
        answer(s, c, error_answer("request too large", NULL));
        c->closing = true; /* no way to find the next request boundary we can trust */
        c->rlen = 0;
    }
    if (c->rcap > 4 * READ_CHUNK && c->rlen < READ_CHUNK) { /* give back a big buffer */
        char *p = realloc(c->rbuf, READ_CHUNK);
        if (p) {
            c->rbuf = p;
            c->rcap = READ_CHUNK;
        }
    }
}

static void accept_all(server *s)
{
    for (;;) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (s->nclients >= s->max_clients) {
            static const char full[] = "{\"error\":\"too many clients\"}\n";
            (void)!send(fd, full, sizeof full - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            close(fd);
            s->dropped++;
            continue;
        }
        client *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->uid = c->gid = c->pid = -1;
        struct ucred cr;
        socklen_t cl = sizeof cr;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0) {
            c->uid = (long)cr.uid;
            c->gid = (long)cr.gid;
            c->pid = (long)cr.pid;
            struct passwd pw, *res = NULL;
            char buf[1024];
            if (getpwuid_r(cr.uid, &pw, buf, sizeof buf, &res) == 0 && res)
                snprintf(c->user, sizeof c->user, "%s", pw.pw_name);
        }
        c->last_ms = now_ms();
        shard *sh = &s->shards[s->next_shard++ % s->nshards];
        c->sh = sh;
        struct epoll_event ev = {0};
        ev.events = EPOLLIN | EPOLLRDHUP;
        c->events = ev.events;
        ev.data.ptr = c;
        s->nclients++;
        pthread_mutex_lock(&sh->mu); /* on the list before the shard can see an event */
        c->next = sh->clients;
        if (sh->clients)
            sh->clients->prev = c;
        sh->clients = c;
        pthread_mutex_unlock(&sh->mu);
        if (epoll_ctl(sh->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
            client_kill(s, c); /* freed by the shard's next sweep */
    }
}

/* ---- startup ------------------------------------------------------------------ */

static int listen_on(server *s, const char *group)
{
    struct sockaddr_un sa = {0};
    sa.sun_family = AF_UNIX;
    if (strlen(s->sock_path) >= sizeof sa.sun_path) {
        logmsg("%s: socket path too long", s->sock_path);
        return EXIT_USAGE;
    }
    strncpy(sa.sun_path, s->sock_path, sizeof sa.sun_path - 1);
    struct stat st;
    if (lstat(s->sock_path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            logmsg("%s exists and is not a socket", s->sock_path);
            return EXIT_CANTCREAT;
        }
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
            close(probe);
            logmsg("%s: another daemon is answering there", s->sock_path);
            return 75; /* EX_TEMPFAIL */
        }
        if (probe >= 0)
            close(probe);
        unlink(s->sock_path); /* stale */
    }
    /* Bind under a temporary name, set group and mode, then rename into place:
     * clients never see the socket with the wrong owner. */
    struct sockaddr_un tmp = sa;
    int tl = snprintf(tmp.sun_path, sizeof tmp.sun_path, "%s.%ld.tmp", s->sock_path, (long)getpid());
    if (tl < 0 || (size_t)tl >= sizeof tmp.sun_path) {
        logmsg("%s: socket path too long", s->sock_path);
        return EXIT_USAGE;
    }
    unlink(tmp.sun_path);
    s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    mode_t old = umask(0117); /* born 0660: no window with wider access */
    int rc = bind(s->lfd, (struct sockaddr *)&tmp, sizeof tmp);
    umask(old);
    if (rc != 0 || listen(s->lfd, 512) != 0) {
        logmsg("%s: cannot listen: %s", tmp.sun_path, strerror(errno));
        return EXIT_CANTCREAT;
    }
    if (group) {
        struct group *g = getgrnam(group);
        if (!g || chown(tmp.sun_path, (uid_t)-1, g->gr_gid) != 0) {
            logmsg("%s: cannot give the socket to group %s: %s", s->sock_path, group,
                   g ? strerror(errno) : "no such group");
            unlink(tmp.sun_path);
            return EXIT_CANTCREAT;
        }
    }
    if (chmod(tmp.sun_path, 0660) != 0 || rename(tmp.sun_path, s->sock_path) != 0) {
        logmsg("%s: %s", s->sock_path, strerror(errno));
        unlink(tmp.sun_path);
        return EXIT_CANTCREAT;
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cmdai-policyd [--socket PATH] [--group NAME] [--bundle FILE] [--trust PATH] [--state DIR]\n"
            "                     [--audit-log FILE | --no-audit] [--audit-key SECKEY] [--checkpoint-every N]\n"
            "                     [--checkpoint-secs T] [--rotate-bytes B] [--max-request BYTES]\n"
            "                     [--max-clients N] [--idle-timeout SECONDS] [--no-fsync]\n"
            "                     [--ship-url URL [--ship-format splunk-hec|datadog]]  (token: $CMDAI_SHIP_TOKEN)\n"
            "                     [--fleet URL --fleet-root ROOT.json --scope NAME [--fleet-state DIR]\n"
            "                      [--fleet-interval SECONDS]]  (pull signed bundles: docs/fleet.md)\n"
            "                     [--ship-syslog tcp://HOST:PORT|udp://HOST:PORT]  (RFC 5424; TCP framed per RFC 6587)\n"
            "                     [--threads N]  (event loops; default 1 with a durable trail, else one per CPU, at most 8)\n"
            "\n"
            "Answer newline-delimited JSON requests {\"cmd\": \"...\", \"cwd\", \"session\", \"shell\", \"agent\", \"id\"}\n"
            "with one verdict per line, recording every decision in the audit trail before answering.\n"
            "{\"op\": \"status\"} (or the line 'status') reports the bundle, the last reload and the trail.\n"
            "SIGHUP (or a change of the bundle file) reloads, keeping the last good bundle on failure;\n"
            "SIGTERM/SIGINT stop after sealing the trail.  See docs/daemon.md.\n");
}

static const char *default_socket(char *buf, size_t cap)
{
    const char *x = getenv("CMDAI_POLICYD_SOCKET");
    if (x && *x)
        return x;
    x = getenv("XDG_RUNTIME_DIR");
    if (getuid() != 0 && x && *x) {
        snprintf(buf, cap, "%s/cmdai-policyd.sock", x);
        return buf;
    }
    return "/run/cmdai/policyd.sock";
}

/* ---- shards --------------------------------------------------------------------- */

static void *syncer_run(void *arg)
{
    server *s = arg;
    cmdai_error err = {0};
    pthread_mutex_lock(&s->sy_mu);
    for (;;) {
        while (!s->sy_quit && s->sy_want <= s->sy_done)
            pthread_cond_wait(&s->sy_cv, &s->sy_mu);
        if (s->sy_quit)
            break;
        uint64_t want = s->sy_want;
        pthread_mutex_unlock(&s->sy_mu);
        int rc = rt_audit_sync(s->audit, want - 1, &err);
        if (rc != CMDAI_OK) {
            logmsg("audit: %s: %s; stopping (answers withheld)", err.source, err.text);
            s->stop = true;
        }
        for (size_t i = 0; i < s->nshards; i++) {
            uint64_t one = 1;
            (void)!write(s->shards[i].efd, &one, sizeof one);
        }
        pthread_mutex_lock(&s->sy_mu);
        if (rc != CMDAI_OK)
            break;
        if (want > s->sy_done)
            s->sy_done = want;
    }
    pthread_mutex_unlock(&s->sy_mu);
    return NULL;
}

static void request_sync(server *s, uint64_t need)
{
    pthread_mutex_lock(&s->sy_mu);
    if (need > s->sy_want) {
        s->sy_want = need;
        pthread_cond_signal(&s->sy_cv);
    }
    pthread_mutex_unlock(&s->sy_mu);
}

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *np = realloc(p, c * elem);
    if (!np)
        abort(); /* a few bytes per in-flight answer; nothing sensible to do without them */
    *cap = c;
    return np;
}

/* End of a turn with a durable trail: queue the touched clients' answers
 * behind this turn's records and ask the syncer for them. */
static void queue_turn(server *s, shard *sh)
{
    sh->q = grow(sh->q, &sh->qcap, sh->qlen + sh->ntouched, sizeof *sh->q);
    for (size_t i = 0; i < sh->ntouched; i++) {
        client *cl = sh->touched[i];
        cl->touched = false;
        cl->pending++;
        sh->q[sh->qlen++] = (struct qent){cl, cl->wlen};
    }
    sh->ntouched = 0;
    sh->bq = grow(sh->bq, &sh->bcap, sh->blen + 1, sizeof *sh->bq);
    sh->bq[sh->blen++] = (struct qbatch){sh->turn_end, sh->qlen};
    if (sh->turn_end)
        request_sync(s, sh->turn_end);
    sh->turn_end = 0;
}

/* Send the answers of every batch whose records are durable (in order). */
static void release(server *s, shard *sh, uint64_t durable)
{
    bool any = false;
    while (sh->bhead < sh->blen && sh->bq[sh->bhead].need <= durable) {
        size_t end = sh->bq[sh->bhead++].end;
        for (; sh->qhead < end; sh->qhead++) {
            client *cl = sh->q[sh->qhead].c;
            cl->pending--;
            if (sh->q[sh->qhead].upto > cl->wready)
                cl->wready = sh->q[sh->qhead].upto;
            if (!cl->dead)
                client_flush(s, cl);
            else
                sh->any_dead = true;
        }
        any = true;
    }
    if (sh->bhead == sh->blen) {
        sh->bhead = sh->blen = sh->qhead = sh->qlen = 0;
    } else if (sh->bhead > 1024) { /* compact the FIFOs now and then */
        size_t qb = sh->qhead;
        memmove(sh->q, sh->q + qb, (sh->qlen - qb) * sizeof *sh->q);
        sh->qlen -= qb;
        sh->qhead = 0;
        for (size_t i = sh->bhead; i < sh->blen; i++)
            sh->bq[i].end -= qb;
        memmove(sh->bq, sh->bq + sh->bhead, (sh->blen - sh->bhead) * sizeof *sh->bq);
        sh->blen -= sh->bhead;
        sh->bhead = 0;
    }
    if (any) {
        ship_poke(s->shipper);
        ship_poke(s->syslog);
    }
}

/* One shard's event loop: read and decide (under the bundle's read lock),
 * then one group commit for the turn, then the answers. */
static void *shard_run(void *arg)
{
    shard *sh = arg;
    server *s = sh->s;
    int64_t last_sweep = now_ms();
    struct epoll_event evs[256];
    cmdai_error err = {0};
    while (!s->stop) {
        int n = epoll_wait(sh->ep, evs, 256, 250);
        if (n < 0 && errno != EINTR)
            break;
        pthread_rwlock_rdlock(&s->blk);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == &sh->efd) { /* the syncer finished a sync: see release() below */
                uint64_t v;
                (void)!read(sh->efd, &v, sizeof v);
                continue;
            }
            client *cl = evs[i].data.ptr;
            if (cl->dead)
                continue;
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP | EPOLLERR))
                if (!cl->closing && !cl->paused)
                    client_read(s, cl);
            if (!cl->dead && (evs[i].events & EPOLLOUT))
                client_flush(s, cl);
            if (!cl->dead && (evs[i].events & (EPOLLERR)))
                client_kill(s, cl);
        }
        pthread_rwlock_unlock(&s->blk);
        /* Durable trail: this turn's answers wait for the syncer (one
         * fdatasync covers every record appended by then, from every shard)
         * while the loop goes on; batches already durable go out now. */
        if (s->async_sync) {
            if (sh->ntouched)
                queue_turn(s, sh);
            if (sh->blen)
                release(s, sh, rt_audit_durable(s->audit));
        } else if (sh->ntouched) {
            /* --no-fsync or --no-audit: the records are written (not synced)
             * before the answers go out.  This turn's records only (no
             * stats round to learn the head): when another shard's write
             * already took them, nothing is left to write here. */
            if (s->audit && sh->turn_end) {
                if (rt_audit_sync(s->audit, sh->turn_end - 1, &err) != CMDAI_OK) {
                    logmsg("audit: %s: %s; stopping (answers withheld)", err.source, err.text);
                    s->stop = true;
                    break;
                }
                sh->turn_end = 0;
            }
            for (size_t i = 0; i < sh->ntouched; i++) {
                client *cl = sh->touched[i];
                cl->touched = false;
                cl->wready = cl->wlen;
                if (!cl->dead)
                    client_flush(s, cl);
            }
            sh->ntouched = 0;
            ship_poke(s->shipper);
            ship_poke(s->syslog);
        }
        /* Dead clients are freed here, after every pointer to them in this turn is gone. */
        int64_t now = now_ms();
        bool idle = now - last_sweep >= 250;
        if (idle)
            last_sweep = now;
        if (idle || sh->any_dead)
            sweep(sh, now, idle);
    }
    /* Stopping: what was decided is made durable and answered (unless the
     * trail failed: then those answers are withheld). */
    if (s->async_sync && sh->ntouched)
        queue_turn(s, sh);
    if (s->async_sync && sh->blen) {
        uint64_t need = 0;
        for (size_t i = sh->bhead; i < sh->blen; i++)
            need = sh->bq[i].need > need ? sh->bq[i].need : need;
        if (!need || rt_audit_sync(s->audit, need - 1, &err) == CMDAI_OK)
            release(s, sh, rt_audit_durable(s->audit));
    }
    return NULL;
}

/* ---- fleet (issue 6): a verified download goes live through load_bundle ---- */
static int fleet_reload(void *arg)
{
    return load_bundle(arg, "fleet") == CMDAI_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"socket", required_argument, 0, 'S'},     {"group", required_argument, 0, 'g'},
        {"bundle", required_argument, 0, 'b'},     {"trust", required_argument, 0, 't'},
        {"state", required_argument, 0, 's'},      {"audit-log", required_argument, 0, 'l'},
        {"no-audit", no_argument, 0, 'N'},         {"audit-key", required_argument, 0, 'k'},
        {"checkpoint-every", required_argument, 0, 'n'}, {"checkpoint-secs", required_argument, 0, 'T'},
        {"rotate-bytes", required_argument, 0, 'R'}, {"max-request", required_argument, 0, 'm'},
        {"max-clients", required_argument, 0, 'M'}, {"idle-timeout", required_argument, 0, 'i'},
        {"no-fsync", no_argument, 0, 'F'},         {"help", no_argument, 0, 'h'},
        {"ship-url", required_argument, 0, 'U'},   {"ship-format", required_argument, 0, 'f'},
        {"ship-syslog", required_argument, 0, 'Y'}, {"threads", required_argument, 0, 0x500},
        {"fleet", required_argument, 0, 0x400},    {"fleet-root", required_argument, 0, 0x401},
        {"scope", required_argument, 0, 0x402},    {"fleet-state", required_argument, 0, 0x403},
        {"fleet-interval", required_argument, 0, 0x404},
        {0, 0, 0, 0}};
    fleet_opts fo = {0};
    server s = {0};
    rt_audit_opts ao = {0};
    const char *group = NULL;
    bool no_audit = false;
    const char *ship_url = NULL, *ship_format = "splunk-hec", *ship_syslog = NULL;
    char sockbuf[4096], bbuf[4096], lbuf[4096];
    s.max_req = 64 * 1024;
    pthread_rwlockattr_t rwa; /* a reload must not wait behind a steady stream of readers */
    pthread_rwlockattr_init(&rwa);
    pthread_rwlockattr_setkind_np(&rwa, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s.blk, &rwa);
    pthread_rwlockattr_destroy(&rwa);
    s.max_clients = 4096;
    s.idle_ms = 10000;
    int c;
    while ((c = getopt_long(argc, argv, "S:g:b:t:s:l:Nk:n:T:R:m:M:i:FhU:f:Y:", lo, NULL)) != -1) {
        switch (c) {
        case 'S': s.sock_path = optarg; break;
        case 'g': group = optarg; break;
        case 'b': s.bundle_path = optarg; break;
        case 't': s.oo.trust = optarg; break;
        case 's': s.oo.state_dir = optarg; break;
        case 'l': s.audit_path = optarg; break;
        case 'N': no_audit = true; break;
        case 'k': ao.key_path = optarg; break;
        case 'n': ao.checkpoint_every = strtoull(optarg, NULL, 10); break;
        case 'T': ao.checkpoint_secs = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'R': ao.rotate_bytes = strtoull(optarg, NULL, 10); break;
        case 'm': s.max_req = strtoull(optarg, NULL, 10); break;
        case 'M': s.max_clients = strtoull(optarg, NULL, 10); break;
        case 'i': s.idle_ms = (int)(strtod(optarg, NULL) * 1000); break;
        case 'F': ao.no_sync = true; break;
        case 'U': ship_url = optarg; break;
        case 'Y': ship_syslog = optarg; break;
        case 0x500: {
            char *end;
            long t = strtol(optarg, &end, 10);
            if (*end || t < 1 || t > 64) {
                logmsg("--threads wants 1 to 64, not '%s'", optarg);
                return EXIT_USAGE;
            }
            s.nshards = (size_t)t;
            break;
        }
        case 'f': ship_format = optarg; break;
        case 0x400: fo.url = optarg; break;
        case 0x401: fo.root_path = optarg; break;
        case 0x402: fo.scope = optarg; break;
        case 0x403: fo.state_dir = optarg; break;
        case 0x404: fo.interval_s = strtod(optarg, NULL); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc || s.max_req < 16 || s.max_clients < 1 || s.idle_ms < 1) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!s.sock_path)
        s.sock_path = default_socket(sockbuf, sizeof sockbuf);
    if (!s.bundle_path) {
        const char *e = getenv("CMDAI_POLICY_BUNDLE"), *home = getenv("HOME");
        s.bundle_path = "/etc/cmdai/policy.cpb";
        if (e && *e)
            s.bundle_path = e;
        else if (home && (snprintf(bbuf, sizeof bbuf, "%s/.config/cmdai/policy.cpb", home), access(bbuf, R_OK) == 0))
            s.bundle_path = bbuf;
    }
    if (!s.audit_path && !no_audit) {
        const char *st = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        if (getuid() == 0)
            s.audit_path = "/var/log/cmdai/audit.log";
        else if (st && *st)
            s.audit_path = (snprintf(lbuf, sizeof lbuf, "%s/cmdai/audit.log", st), lbuf);
        else
            s.audit_path = (snprintf(lbuf, sizeof lbuf, "%s/.local/state/cmdai/audit.log", home ? home : "."), lbuf);
    }
    if (!s.nshards) {
        /* With a durable trail the disk bounds throughput (clients / fdatasync
         * time) and one loop puts every waiting request in the same sync;
         * shards out of phase would each sync half.  Without syncs the CPU
         * bounds it: one loop per CPU, at most 8. */
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        s.nshards = !no_audit && !ao.no_sync ? 1 : nc < 1 ? 1 : nc > 8 ? 8 : (size_t)nc;
    }
    s.started_ms = now_ms();
    signal(SIGPIPE, SIG_IGN);
    dm_request_init(); /* before any thread: it sets jansson's allocator (on failure, plain malloc) */
    if (fo.url) { /* fleet: one verified poll before the first load */
        char e[700];
        s.fleet = fleet_start(&fo, s.bundle_path, e, sizeof e);
        if (!s.fleet) {
            logmsg("fleet: %s", e);
            return EXIT_USAGE;
        }
    }
    if (load_bundle(&s, "start") != CMDAI_OK)
        return EXIT_NOINPUT;
    cmdai_error err = {0};
    if (!no_audit) {
        ao.path = s.audit_path;
        s.audit = rt_audit_open(&ao, &err);
        if (!s.audit) {
            logmsg("audit: %s: %s", err.source, err.text);
            return EXIT_CANTCREAT;
        }
    }
    if (ship_url) {
        char e[256];
        s.shipper = ship_start(ship_url, ship_format, getenv("CMDAI_SHIP_TOKEN"), s.audit_path, s.audit, e, sizeof e);
        if (!s.shipper) {
            logmsg("shipping: %s", e);
            return EXIT_USAGE;
        }
    }
    if (ship_syslog) {
        char e[256];
        s.syslog = ship_start(ship_syslog, "syslog", NULL, s.audit_path, s.audit, e, sizeof e);
        if (!s.syslog) {
            logmsg("shipping: %s", e);
            return EXIT_USAGE;
        }
    }
    int rc = listen_on(&s, group);
    if (rc)
        return rc;
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    s.sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    s.ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {0};
    ev.events = EPOLLIN;
    ev.data.ptr = &s.lfd;
    epoll_ctl(s.ep, EPOLL_CTL_ADD, s.lfd, &ev);
    ev.data.ptr = &s.sfd;
    epoll_ctl(s.ep, EPOLL_CTL_ADD, s.sfd, &ev);
    logmsg("listening on %s (audit: %s)", s.sock_path, s.audit ? s.audit_path : "off");
    fflush(stderr);

    /* Shards: started after the bundle, the trail and the socket are ready. */
    s.shards = calloc(s.nshards, sizeof *s.shards);
    if (!s.shards) {
        logmsg("out of memory");
        return EXIT_SOFTWARE;
    }
    for (size_t i = 0; i < s.nshards; i++) {
        shard *sh = &s.shards[i];
        sh->s = &s;
        pthread_mutex_init(&sh->mu, NULL);
        sh->ep = epoll_create1(EPOLL_CLOEXEC);
        sh->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        struct epoll_event eev = {0};
        eev.events = EPOLLIN;
        eev.data.ptr = &sh->efd;
        if (sh->ep < 0 || sh->efd < 0 || epoll_ctl(sh->ep, EPOLL_CTL_ADD, sh->efd, &eev) != 0) {
            logmsg("cannot set up shard %zu: %s", i, strerror(errno));
            return EXIT_SOFTWARE;
        }
    }
    s.async_sync = s.audit && !ao.no_sync;
    pthread_mutex_init(&s.sy_mu, NULL);
    pthread_cond_init(&s.sy_cv, NULL);
    if (s.async_sync && pthread_create(&s.syncer, NULL, syncer_run, &s) != 0) {
        logmsg("cannot start the syncer thread: %s", strerror(errno));
        return EXIT_SOFTWARE;
    }
    for (size_t i = 0; i < s.nshards; i++) {
        shard *sh = &s.shards[i];
        if (pthread_create(&sh->th, NULL, shard_run, sh) != 0) {
            logmsg("cannot start shard thread %zu: %s", i, strerror(errno));
            return EXIT_SOFTWARE;
        }
    }
    struct epoll_event evs[8];
    while (!s.stop) {
        int n = epoll_wait(s.ep, evs, 8, 250);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == &s.lfd) {
                accept_all(&s);
                continue;
            }
            struct signalfd_siginfo si;
            while (read(s.sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGHUP)
                    load_bundle(&s, "SIGHUP");
                else
                    s.stop = true;
            }
        }
        int64_t now = now_ms();
        if (s.audit)
            rt_audit_tick(s.audit, now, &err);
        if (fleet_pending(s.fleet))
            fleet_activate(s.fleet, fleet_reload, &s);
        struct stat bst, sst;
        static int64_t last_stat;
        if (now - last_stat >= 1000) {
            last_stat = now;
            stat_pair(s.bundle_path, &bst, &sst);
            if (!same_stat(&bst, &s.bst) || !same_stat(&sst, &s.sst))
                load_bundle(&s, "bundle file changed");
        }
    }
    s.stop = true;
    for (size_t i = 0; i < s.nshards; i++) /* each finishes its turn: durable answers go out */
        pthread_join(s.shards[i].th, NULL);
    if (s.async_sync) {
        pthread_mutex_lock(&s.sy_mu);
        s.sy_quit = true;
        pthread_cond_signal(&s.sy_cv);
        pthread_mutex_unlock(&s.sy_mu);
        pthread_join(s.syncer, NULL);
    }
    logmsg("stopping: sealing the audit trail");
    ship_stop(s.shipper); /* one last attempt to send what is durable */
    ship_stop(s.syslog);
    fleet_stop(s.fleet);
    int out = 0;
    if (s.audit && rt_audit_close(s.audit, &err) != CMDAI_OK) {
        logmsg("audit: %s: %s", err.source, err.text);
        out = EXIT_CANTCREAT;
    }
    unlink(s.sock_path);
    for (size_t i = 0; i < s.nshards; i++) {
        shard *sh = &s.shards[i];
        for (client *cl = sh->clients; cl; cl = cl->next)
            client_kill(&s, cl);
        sweep(sh, now_ms(), false);
        close(sh->ep);
        close(sh->efd);
        free(sh->touched);
        free(sh->q);
        free(sh->bq);
        rt_abuf_release(&sh->out);
    }
    free(s.shards);
    cmdai_close(s.b);
    rt_abuf_release(&s.bjson);
    return out;
}
