/* hook_client.c — ask cmdai-policyd over its Unix socket (hook_client.h).
 * Requests and answers are the daemon's JSON lines (docs/daemon.md), built
 * and parsed with jansson. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "exitcodes.h"
#include "hook_client.h"
#include "verdict_json.h"

#define HC_TIMEOUT_S 3
#define HC_MAX_ANSWER (1u << 20)

void hc_answer_release(hc_answer *a)
{
    json_decref(a->json);
    a->json = NULL;
}

int hc_connect(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (!path || !*path || strlen(path) >= sizeof sa.sun_path)
        return -1;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {.tv_sec = HC_TIMEOUT_S};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    /* Only a daemon run by root or by ourselves may decide for us: anyone
     * else able to put a socket at that path could answer "allow". */
    struct ucred cr;
    socklen_t cl = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 || (cr.uid != 0 && cr.uid != geteuid())) {
        close(fd);
        return -1;
    }
    return fd;
}

int hc_connect_default(bool chosen)
{
    const char *e = getenv("CMDAI_POLICYD_SOCKET");
    if (e)
        return *e ? hc_connect(e) : -1;
    if (chosen)
        return -1;
    const char *x = getenv("XDG_RUNTIME_DIR");
    if (x && *x && geteuid() != 0) {
        char p[4096];
        snprintf(p, sizeof p, "%s/cmdai-policyd.sock", x);
        int fd = hc_connect(p);
        if (fd >= 0)
            return fd;
    }
    return hc_connect("/run/cmdai/policyd.sock");
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

/* One line from fd (without the newline).  Owner: caller (free). */
static char *read_line(int fd, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *nb = cap >= HC_MAX_ANSWER ? NULL : realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb, cap *= 2;
        }
        ssize_t r = recv(fd, buf + n, cap - n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        char *nl = memchr(buf + n, '\n', (size_t)r);
        n += (size_t)r;
        if (nl) {
            /* One request in flight: nothing follows the answer's newline. */
            *len = (size_t)(nl - buf);
            return buf;
        }
    }
    free(buf);
    return NULL;
}

static size_t add(char *out, size_t cap, size_t n, const char *fmt, const char *a)
{
    if (n < cap)
        n += (size_t)snprintf(out + n, cap - n, fmt, a);
    return n;
}

/* The daemon's verdict object in `check`'s words. */
static int answer_from_json(json_t *o, hc_answer *a)
{
    const char *action = json_string_value(json_object_get(o, "action"));
    const char *err = json_string_value(json_object_get(o, "error"));
    size_t n = 0, cap = sizeof a->text;
    a->text[0] = '\0';
    if (!action) {
        /* {"error": "audit log unavailable: decision refused (fail closed)"},
         * "request too large": the daemon refused; so do we. */
        if (!err)
            return -1;
        snprintf(a->text, cap, "cmdai-policyd: %s; refusing (fail closed)", err);
        a->status = EXIT_DATAERR;
        return 0;
    }
    static const char *const names[] = {"allow", "warn", "confirm", "deny"};
    int k;
    for (k = 0; k < 4 && strcmp(action, names[k]); k++)
        ;
    if (k == 4)
        return -1;
    a->status = err ? EXIT_DATAERR : k * EXIT_VERDICT_STEP;
    if (err)
        n = add(a->text, cap, n, "cmdai-policy: %s: refusing (fail closed); ", err);
    n = add(a->text, cap, n, "%s", action);
    const char *risk = json_string_value(json_object_get(o, "risk"));
    if (risk && strcmp(risk, "none"))
        n = add(a->text, cap, n, " (risk %s)", risk);
    json_t *rules = json_object_get(o, "rules");
    for (size_t i = 0; i < json_array_size(rules); i++) {
        const char *id = json_string_value(json_array_get(rules, i));
        if (id)
            n = add(a->text, cap, n, i ? ", %s" : ": %s", id);
    }
    const char *msg = json_string_value(json_object_get(o, "message"));
    if (msg && *msg)
        add(a->text, cap, n, " — %s", msg);
    return 0;
}

int hc_ask(int fd, const char *cmd, size_t len, const char *shell, const char *agent, const char *cwd,
           hc_answer *a)
{
    memset(a, 0, sizeof *a);
    json_t *rq = json_object();
    json_object_set_new(rq, "cmd", vj_string(cmd, len));
    if (shell)
        json_object_set_new(rq, "shell", json_string(shell));
    if (agent)
        json_object_set_new(rq, "agent", json_string(agent));
    char wd[4096];
    if (!cwd && getcwd(wd, sizeof wd))
        cwd = wd;
    if (cwd)
        json_object_set_new(rq, "cwd", vj_string(cwd, strlen(cwd)));
    const char *sess = getenv("CMDAI_SESSION");
    if (sess && *sess)
        json_object_set_new(rq, "session", vj_string(sess, strlen(sess)));
    char *s = json_dumps(rq, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(rq);
    if (!s)
        return -1;
    size_t sl = strlen(s);
    s[sl] = '\n'; /* json_dumps' NUL becomes the line end; we send sl + 1 bytes */
    int w = write_all(fd, s, sl + 1);
    free(s);
    if (w != 0)
        return -1;
    size_t n;
    char *line = read_line(fd, &n);
    if (!line)
        return -1;
    json_t *o = json_loadb(line, n, 0, NULL);
    free(line);
    if (!json_is_object(o) || answer_from_json(o, a) != 0) {
        json_decref(o);
        return -1;
    }
    a->json = o;
    return 0;
}

void hc_verdict_text(const cmdai_bundle *b, const cmdai_verdict *v, int rc, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    if (rc != CMDAI_OK)
        n = add(out, cap, n, "cmdai-policy: %s: refusing (fail closed); ", cmdai_code_name(rc));
    n = add(out, cap, n, "%s", cmdai_action_name(v->action));
    if (v->risk)
        n = add(out, cap, n, " (risk %s)", cmdai_risk_name(v->risk));
    unsigned k = v->nrules < CMDAI_VERDICT_RULES ? v->nrules : CMDAI_VERDICT_RULES;
    for (unsigned i = 0, m = 0; i < k; i++) {
        cmdai_rule_info ri;
        if (cmdai_rule_get(b, v->rules[i], &ri) == CMDAI_OK)
            n = add(out, cap, n, m++ ? ", %s" : ": %s", ri.id);
    }
    if (v->message && *v->message)
        add(out, cap, n, " — %s", v->message);
}
