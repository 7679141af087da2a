/* hook_serve.c — `cmdai-policy hook serve`: the per-shell coprocess that the
 * fish, zsh and bash snippets start lazily, so that a command line costs a
 * write and a read on a pipe instead of a process start and a full bundle
 * verification (docs/hooks.md "Overhead").
 *
 *   request  ID NUL CWD NUL COMMAND NUL        (ID a positive integer; 0 quits)
 *   answer   ID SP STATUS SP TEXT LF          (STATUS and TEXT as `check` gives them)
 *
 * on stdin/stdout, or with --fifo DIR on DIR/req and DIR/ans (fish cannot
 * keep a file descriptor open, so it opens the FIFOs per line; we hold both
 * open read-write so that its opens never wait while we are alive).  Each
 * line goes to cmdai-policyd when one is running (one kept connection), else
 * is decided in process with a bundle verified in full when it was opened;
 * the cache is dropped, and the bundle verified again, when the bundle, its
 * signature or the trust path changes on disk (device, inode, size, mtime,
 * ctime), when it expires, when $CMDAI_POLICY_* point elsewhere, and at the
 * latest every CACHE_MAX_AGE seconds. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exitcodes.h"
#include "hook.h"
#include "hook_client.h"
#include "verdict_json.h"

#define CACHE_MAX_AGE 30             /* seconds a verified bundle is used without verifying again */
#define SERVE_MAX_BUF (4u << 20)     /* a request larger than this is not a command line */
#define SERVE_FD_REQ 63              /* where the FIFOs are held (the fish snippet checks them) */
#define SERVE_FD_ANS 64

typedef struct file_id {
    bool present;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
} file_id;

typedef struct serve_cache {
    char path[4096], trust[4096], state[4096];
    file_id bundle, sig, trustf;
    cmdai_bundle *b;
    int64_t expires;
    time_t opened;
} serve_cache;

typedef struct serve {
    serve_cache c;
    int dfd; /* cmdai-policyd connection or -1 */
    const char *shell;
} serve;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void id_of(const char *path, file_id *f)
{
    struct stat st;
    memset(f, 0, sizeof *f);
    if (stat(path, &st) != 0)
        return;
    f->present = true;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->size = st.st_size;
    f->mtime = st.st_mtim;
    f->ctime = st.st_ctim;
}

static bool same_id(const file_id *a, const file_id *b)
{
    return a->present == b->present && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
           a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static const char *env_or(const char *name, const char *dflt)
{
    const char *e = getenv(name);
    return e && *e ? e : dflt;
}

/* The verified bundle for this request, or NULL with *status and text set as
 * `check` would report the failure. */
static cmdai_bundle *cached_bundle(serve_cache *c, int *status, char *text, size_t cap)
{
    char buf[4096], sig[4200];
    const char *path = vj_default_bundle(buf, sizeof buf);
    const char *trust = env_or("CMDAI_POLICY_TRUST", "/etc/cmdai/trusted.d");
    const char *state = env_or("CMDAI_POLICY_STATE", "");
    file_id bid, sid, tid;
    snprintf(sig, sizeof sig, "%s.minisig", path);
    id_of(path, &bid);
    id_of(sig, &sid);
    id_of(trust, &tid);
    time_t now = time(NULL);
    if (c->b && (strcmp(c->path, path) || strcmp(c->trust, trust) || strcmp(c->state, state) ||
                 !same_id(&c->bundle, &bid) || !same_id(&c->sig, &sid) || !same_id(&c->trustf, &tid) ||
                 (c->expires && now > c->expires) || now - c->opened >= CACHE_MAX_AGE || now < c->opened)) {
        cmdai_close(c->b);
        c->b = NULL;
    }
    if (c->b)
        return c->b;
    cmdai_open_opts oo = {0};
    oo.trust = getenv("CMDAI_POLICY_TRUST");
    oo.state_dir = getenv("CMDAI_POLICY_STATE");
    cmdai_error err = {0};
    cmdai_bundle *b = cmdai_open(path, &oo, &err);
    if (!b) {
        snprintf(text, cap, "cmdai-policy: %s: %s (%s)", err.source, err.text, cmdai_code_name(err.code));
        *status = exit_for_code(err.code);
        return NULL;
    }
    cmdai_bundle_info bi;
    cmdai_bundle_get_info(b, &bi);
    snprintf(c->path, sizeof c->path, "%s", path);
    snprintf(c->trust, sizeof c->trust, "%s", trust);
    snprintf(c->state, sizeof c->state, "%s", state);
    /* The identities from before the open: a change during it shows next time. */
    c->bundle = bid, c->sig = sid, c->trustf = tid;
    c->expires = bi.expires;
    c->opened = now;
    c->b = b;
    return b;
}

static int decide(serve *S, const char *cwd, const char *cmd, size_t len, char *text, size_t cap)
{
    for (int tries = 0; tries < 2; tries++) {
        if (S->dfd < 0) {
            const char *eb = getenv("CMDAI_POLICY_BUNDLE");
            S->dfd = hc_connect_default(eb && *eb);
            if (S->dfd < 0)
                break;
        }
        hc_answer a;
        if (hc_ask(S->dfd, cmd, len, S->shell, NULL, *cwd ? cwd : NULL, &a) == 0) {
            snprintf(text, cap, "%s", a.text);
            hc_answer_release(&a);
            return a.status;
        }
        close(S->dfd); /* dropped (daemon restarted): connect again once */
        S->dfd = -1;
    }
    int status;
    cmdai_bundle *b = cached_bundle(&S->c, &status, text, cap);
    if (!b)
        return status;
    cmdai_verdict v;
    int e = cmdai_eval(b, cmd, len, &v);
    hc_verdict_text(b, &v, e, text, cap);
    return e != CMDAI_OK ? EXIT_DATAERR : (int)v.action * EXIT_VERDICT_STEP;
}

/* One answer line; at most PIPE_BUF bytes so that a pipe write is atomic.
 * A reader that went away (EPIPE) or a full FIFO nobody reads (EAGAIN)
 * loses the answer: the shell waiting for it times out and falls back. */
static void send_answer(int fd, unsigned long long id, int status, const char *text)
{
    char line[PIPE_BUF];
    int n = snprintf(line, sizeof line, "%llu %d %s", id, status, text);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 2)
        n = (int)sizeof line - 2;
    for (int i = 0; i < n; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ';';
    line[n++] = '\n';
    ssize_t w;
    do
        w = write(fd, line, (size_t)n);
    while (w < 0 && errno == EINTR);
}

static bool parent_gone(pid_t parent, pid_t ppid0)
{
    if (parent <= 0)
        return false;
    if (ppid0 == parent && getppid() != parent)
        return true;
    return kill(parent, 0) != 0 && errno == ESRCH;
}

static int open_fifo(const char *dir, const char *name, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISFIFO(st.st_mode) || st.st_uid != geteuid()) {
        fprintf(stderr, "cmdai-policy hook serve: %s: not a FIFO of ours\n", path);
        return -1;
    }
    int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        fprintf(stderr, "cmdai-policy hook serve: %s: %s\n", path, strerror(errno));
    return fd;
}

static void usage_serve(FILE *f)
{
    fprintf(f, "usage: cmdai-policy hook serve [--fifo DIR] [--parent PID] [--shell NAME]\n"
               "\n"
               "The coprocess the shell snippets start (docs/hooks.md): reads ID NUL CWD NUL COMMAND NUL\n"
               "requests on stdin (or the FIFO DIR/req), answers 'ID STATUS TEXT' lines on stdout (or\n"
               "DIR/ans), STATUS and TEXT as 'cmdai-policy check'.  Asks cmdai-policyd when it runs,\n"
               "else decides in process with a cached, verified bundle.  Exits on end of input, on\n"
               "request ID 0, or when the process PID is gone.\n");
}

int hook_serve(int argc, char **argv)
{
    const char *dir = NULL, *shell = NULL;
    long parent = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage_serve(stdout);
            return 0;
        }
        if (i + 1 < argc && !strcmp(argv[i], "--fifo"))
            dir = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--shell"))
            shell = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--parent")) {
            char *end;
            parent = strtol(argv[++i], &end, 10);
            if (*end || parent <= 0) {
                fprintf(stderr, "cmdai-policy hook serve: --parent wants a process id, not '%s'\n", argv[i]);
                return EXIT_USAGE;
            }
        } else {
            usage_serve(stderr);
            return EXIT_USAGE;
        }
    }
    int in = 0, out = 1;
    char rq[4200], an[4200];
    if (dir) {
        struct stat st;
        if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
            fprintf(stderr, "cmdai-policy hook serve: %s: want a directory of ours, mode 0700\n", dir);
            return EXIT_NOINPUT;
        }
        if ((in = open_fifo(dir, "req", rq, sizeof rq)) < 0 || (out = open_fifo(dir, "ans", an, sizeof an)) < 0)
            return EXIT_NOINPUT;
        /* At fixed numbers, so that the shell can check that this very process
         * holds its FIFOs before opening them (`test /proc/PID/fd/63 -ef
         * DIR/req`): a dead coprocess whose pid was reused cannot hang it. */
        if (dup3(in, SERVE_FD_REQ, O_CLOEXEC) < 0 || dup3(out, SERVE_FD_ANS, O_CLOEXEC) < 0) {
            fprintf(stderr, "cmdai-policy hook serve: %s\n", strerror(errno));
            return EXIT_NOINPUT;
        }
        close(in);
        close(out);
        in = SERVE_FD_REQ;
        out = SERVE_FD_ANS;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGINT, SIG_IGN); /* ^C at the prompt is for the shell, not for us */
    signal(SIGPIPE, SIG_IGN);
    pid_t ppid0 = getppid();
    if (parent && ppid0 == parent)
        prctl(PR_SET_PDEATHSIG, SIGTERM);

    serve S = {.dfd = -1, .shell = shell};
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    int rc = 0;
    while (buf && !stop) {
        if (parent_gone((pid_t)parent, ppid0))
            break;
        struct pollfd p = {.fd = in, .events = POLLIN};
        int pr = poll(&p, 1, 1000);
        if (pr <= 0)
            continue;
        if (len == cap) {
            char *nb = cap >= SERVE_MAX_BUF ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                rc = EXIT_DATAERR;
                break;
            }
            buf = nb, cap *= 2;
        }
        ssize_t r = read(in, buf + len, cap - len);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0)
            break; /* end of input: the shell is gone */
        len += (size_t)r;
        /* Every complete ID NUL CWD NUL COMMAND NUL in the buffer. */
        size_t off = 0;
        bool quit = false;
        for (;;) {
            char *f1 = memchr(buf + off, '\0', len - off);
            char *f2 = f1 ? memchr(f1 + 1, '\0', (size_t)(buf + len - f1 - 1)) : NULL;
            char *f3 = f2 ? memchr(f2 + 1, '\0', (size_t)(buf + len - f2 - 1)) : NULL;
            if (!f3)
                break;
            char *end, *idp = buf + off;
            unsigned long long id = strtoull(idp, &end, 10);
            const char *cwd = f1 + 1, *cmd = f2 + 1;
            size_t clen = (size_t)(f3 - cmd);
            off = (size_t)(f3 + 1 - buf);
            if (end == idp || end != f1)
                continue; /* not a number: nobody can be waiting for this answer */
            if (id == 0) {
                quit = true;
                break;
            }
            char text[HC_TEXT_MAX];
            int status = decide(&S, cwd, cmd, clen, text, sizeof text);
            send_answer(out, id, status, text);
        }
        memmove(buf, buf + off, len - off);
        len -= off;
        if (quit)
            break;
    }
    free(buf);
    if (S.dfd >= 0)
        close(S.dfd);
    cmdai_close(S.c.b);
    if (dir) {
        char h[4200];
        snprintf(h, sizeof h, "%s/h", dir); /* the bash snippet's history scratch file */
        unlink(rq);
        unlink(an);
        unlink(h);
        rmdir(dir);
    }
    return rc;
}
