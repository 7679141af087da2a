/* cmdai_check.c — a bash loadable builtin that decides in process:
 *   enable -f build/lib/cmdai_check.so cmdai_check
 *   cmdai_check 'command line'   # status as `cmdai-policy check`; text in $CMDAI_VERDICT
 *   cmdai_check -H LAST          # the newest history line, if its number is not LAST
 * The bash hook snippet (runtime/hooks/cmdai.bash) uses it when it loads, which
 * saves the forks (history, program) and a bundle verification per line.
 * When cmdai-policyd runs (CMDAI_POLICYD_SOCKET, or the default socket when no
 * bundle was chosen; docs/daemon.md "Clients") it asks the daemon over one
 * kept connection, so the decision is recorded in the daemon's trail.
 * Otherwise the bundle is verified once and verified again when its file, its
 * signature or the trust path changes (device, inode, size, mtime, ctime),
 * when it expires, when the CMDAI_POLICY_* variables change, and every 30 s
 * (docs/hooks.md "Overhead").
 */
#include "loadables.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmdai/policy.h"
#include "exitcodes.h"
#include "hook_client.h"

#define CACHE_MAX_AGE 30 /* seconds, as hook serve */

/* readline's history list, linked into bash and exported by it; declared
 * here so the builtin needs no readline headers (history.h HIST_ENTRY). */
typedef struct {
    char *line, *timestamp;
    void *data;
} rl_hist_entry;
extern rl_hist_entry *history_get(int);
extern int history_base, history_length;

/* -H: no history entry newer than LAST (history off, ignorespace, ignoredups). */
#define NO_NEW_LINE 125

/* Bash's headers do not declare these prototypes strictly; ours do. */
int cmdai_check_builtin(WORD_LIST *list);
int cmdai_check_builtin_load(char *name);
void cmdai_check_builtin_unload(char *name);

static struct {
    cmdai_bundle *b;
    char path[4096], trust[4096], state[4096];
    struct stat st, sig, tst;
    int have_sig, have_tst;
    int64_t expires;
    time_t opened;
} cache;

/* cmdai-policyd: the connection, the path it is to, and when connecting last
 * failed (not retried within a second, so no daemon costs no syscalls). */
static struct {
    int fd;
    char path[4096];
    time_t failed;
} daemon_conn = {-1, "", 0};

static const char *var(const char *name)
{
    const char *v = get_string_value(name);
    return v && *v ? v : NULL;
}

static void set_verdict(const char *text)
{
    bind_variable("CMDAI_VERDICT", (char *)text, 0);
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* stat into *st; 1 when there is a file.  Absent both times counts as the same. */
static int stat_or_zero(const char *path, struct stat *st)
{
    if (stat(path, st) == 0)
        return 1;
    memset(st, 0, sizeof *st);
    return 0;
}

/* The daemon connection for the current variables, or -1 (decide here).
 * Bash keeps exported variables in its own table, so they are read from
 * there, not with getenv. */
static int daemon_fd(void)
{
    const char *sock = get_string_value("CMDAI_POLICYD_SOCKET");
    char cand[2][4096];
    int n = 0;
    if (sock) {
        if (!*sock)
            return -1;
        snprintf(cand[n++], sizeof cand[0], "%s", sock);
    } else {
        if (var("CMDAI_POLICY_BUNDLE"))
            return -1; /* the user chose a bundle: theirs, in process */
        const char *x = var("XDG_RUNTIME_DIR");
        if (x && geteuid() != 0)
            snprintf(cand[n++], sizeof cand[0], "%s/cmdai-policyd.sock", x);
        snprintf(cand[n++], sizeof cand[0], "/run/cmdai/policyd.sock");
    }
    if (daemon_conn.fd >= 0) {
        for (int i = 0; i < n; i++)
            if (!strcmp(cand[i], daemon_conn.path))
                return daemon_conn.fd;
        close(daemon_conn.fd);
        daemon_conn.fd = -1;
    }
    time_t now = time(NULL);
    if (daemon_conn.failed && now - daemon_conn.failed < 1 && now >= daemon_conn.failed)
        return -1;
    for (int i = 0; i < n; i++) {
        int fd = hc_connect(cand[i]);
        if (fd >= 0) {
            daemon_conn.fd = fd;
            snprintf(daemon_conn.path, sizeof daemon_conn.path, "%.4095s", cand[i]);
            daemon_conn.failed = 0;
            return fd;
        }
    }
    daemon_conn.failed = now;
    return -1;
}

/* Ask the daemon; 0 with *rc and $CMDAI_VERDICT set, -1 to decide here. */
static int ask_daemon(const char *cmd, int *rc)
{
    for (int tries = 0; tries < 2; tries++) {
        int fd = daemon_fd();
        if (fd < 0)
            return -1;
        hc_answer a;
        const char *cwd = var("PWD");
        if (hc_ask(fd, cmd, strlen(cmd), "bash", NULL, cwd, &a) == 0) {
            set_verdict(a.text);
            *rc = a.status;
            hc_answer_release(&a);
            return 0;
        }
        close(fd); /* dropped (daemon restarted): connect again once */
        daemon_conn.fd = -1;
    }
    return -1;
}

/* The bundle for the current variables, opened or reused.  NULL with a
 * message in $CMDAI_VERDICT and *rc set when there is none. */
static cmdai_bundle *current(int *rc)
{
    char path[4096];
    const char *e = var("CMDAI_POLICY_BUNDLE"), *home = var("HOME");
    struct stat st;
    if (e) {
        snprintf(path, sizeof path, "%s", e);
    } else {
        snprintf(path, sizeof path, "%s/.config/cmdai/policy.cpb", home ? home : "");
        if (!home || access(path, R_OK) != 0)
            snprintf(path, sizeof path, "/etc/cmdai/policy.cpb");
    }
    const char *trust = var("CMDAI_POLICY_TRUST"), *state = var("CMDAI_POLICY_STATE");
    int have = stat(path, &st) == 0;
    char sigp[4200];
    struct stat sst, tst;
    snprintf(sigp, sizeof sigp, "%s.minisig", path);
    int have_sig = stat_or_zero(sigp, &sst);
    int have_tst = stat_or_zero(trust ? trust : "/etc/cmdai/trusted.d", &tst);
    time_t now = time(NULL);
    if (cache.b && have && same_file(&st, &cache.st) && have_sig == cache.have_sig && same_file(&sst, &cache.sig) &&
        have_tst == cache.have_tst && same_file(&tst, &cache.tst) && !strcmp(path, cache.path) &&
        !strcmp(trust ? trust : "", cache.trust) && !strcmp(state ? state : "", cache.state) &&
        !(cache.expires && now > cache.expires) && now - cache.opened < CACHE_MAX_AGE && now >= cache.opened)
        return cache.b;
    cmdai_close(cache.b);
    cache.b = NULL;
    cmdai_open_opts oo = {0};
    oo.trust = trust;
    oo.state_dir = state;
    cmdai_error err = {0};
    cache.b = cmdai_open(path, &oo, &err);
    if (!cache.b) {
        char msg[512];
        snprintf(msg, sizeof msg, "cmdai-policy: %s: %s (%s)", err.source, err.text, cmdai_code_name(err.code));
        set_verdict(msg);
        *rc = exit_for_code(err.code);
        return NULL;
    }
    snprintf(cache.path, sizeof cache.path, "%s", path);
    snprintf(cache.trust, sizeof cache.trust, "%s", trust ? trust : "");
    snprintf(cache.state, sizeof cache.state, "%s", state ? state : "");
    cache.st = st; /* identities from before the open: a change during it shows next time */
    cache.sig = sst;
    cache.tst = tst;
    cache.have_sig = have_sig;
    cache.have_tst = have_tst;
    cmdai_bundle_info bi;
    cmdai_bundle_get_info(cache.b, &bi);
    cache.expires = bi.expires;
    cache.opened = now;
    return cache.b;
}

int cmdai_check_builtin(WORD_LIST *list)
{
    const char *cmd;
    if (list && list->word && !strcmp(list->word->word, "-H")) {
        if (!list->next || list->next->next) {
            builtin_usage();
            return EX_USAGE;
        }
        int num = history_base + history_length - 1;
        char nbuf[32];
        snprintf(nbuf, sizeof nbuf, "%d", num);
        rl_hist_entry *h = history_length > 0 ? history_get(num) : NULL;
        if (!h || !h->line || !strcmp(nbuf, list->next->word->word))
            return NO_NEW_LINE;
        bind_variable("CMDAI_HISTNUM", nbuf, 0);
        cmd = h->line;
    } else {
        if (list && list->word && !strcmp(list->word->word, "--"))
            list = list->next;
        if (!list || list->next) {
            builtin_usage();
            return EX_USAGE;
        }
        cmd = list->word->word;
    }
    int rc = 0;
    if (ask_daemon(cmd, &rc) == 0)
        return rc;
    cmdai_bundle *b = current(&rc);
    if (!b)
        return rc;
    cmdai_verdict v;
    int e = cmdai_eval(b, cmd, strlen(cmd), &v);
    char text[1024];
    /* the verdict's text alone, as before: the exit status carries an eval error */
    hc_verdict_text(b, &v, CMDAI_OK, text, sizeof text);
    set_verdict(text);
    return e != CMDAI_OK ? EXIT_DATAERR : (int)v.action * EXIT_VERDICT_STEP;
}

int cmdai_check_builtin_load(char *name)
{
    (void)name;
    return 1;
}

void cmdai_check_builtin_unload(char *name)
{
    (void)name;
    cmdai_close(cache.b);
    cache.b = NULL;
    if (daemon_conn.fd >= 0)
        close(daemon_conn.fd);
    daemon_conn.fd = -1;
}

static char *cmdai_check_doc[] = {
    "Decide on a command line with the cmdai policy bundle.",
    "",
    "Exit status as `cmdai-policy check`: 0 allow, 10 warn, 20 confirm, 30 deny,",
    "65 cannot analyse, 66-80 no usable bundle.  The verdict text is left in",
    "CMDAI_VERDICT.  Honours CMDAI_POLICY_BUNDLE, CMDAI_POLICY_TRUST, CMDAI_POLICY_STATE,",
    "and asks cmdai-policyd when it runs (CMDAI_POLICYD_SOCKET; docs/daemon.md).",
    "With -H LAST: decide on the newest history line unless its number is LAST",
    "(then status 125, nothing decided); its number is left in CMDAI_HISTNUM.",
    NULL,
};

struct builtin cmdai_check_struct = {
    "cmdai_check", cmdai_check_builtin, BUILTIN_ENABLED, cmdai_check_doc, "cmdai_check [--] COMMAND-LINE | -H LAST", 0,
};
