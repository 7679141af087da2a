/* cmdai_check.c — a bash loadable builtin that decides in process:
 *   enable -f build/lib/cmdai_check.so cmdai_check
 *   cmdai_check 'command line'   # status as `cmdai-policy check`; text in $CMDAI_VERDICT
 *   cmdai_check -H LAST          # the newest history line, if its number is not LAST
 * The bash hook snippet (runtime/hooks/cmdai.bash) uses it when it loads, which
 * saves the forks (history, program) and a bundle verification per line.  The
 * bundle is opened once and reopened only when its file or the CMDAI_POLICY_*
 * variables change.
 */
#include "loadables.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmdai/policy.h"
#include "exitcodes.h"

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
    struct stat st;
} cache;

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
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
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
    if (cache.b && have && same_file(&st, &cache.st) && !strcmp(path, cache.path) &&
        !strcmp(trust ? trust : "", cache.trust) && !strcmp(state ? state : "", cache.state))
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
    cache.st = st;
    return cache.b;
}

/* The same text as `cmdai-policy check` prints: action (risk): rules — message. */
static void format_verdict(const cmdai_bundle *b, const cmdai_verdict *v, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "%s", cmdai_action_name(v->action));
    if (v->risk && n < cap)
        n += (size_t)snprintf(out + n, cap - n, " (risk %s)", cmdai_risk_name(v->risk));
    unsigned k = v->nrules < CMDAI_VERDICT_RULES ? v->nrules : CMDAI_VERDICT_RULES;
    for (unsigned i = 0; i < k && n < cap; i++) {
        cmdai_rule_info ri;
        if (cmdai_rule_get(b, v->rules[i], &ri) == CMDAI_OK)
            n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : ": ", ri.id);
    }
    if (v->message && *v->message && n < cap)
        snprintf(out + n, cap - n, " — %s", v->message);
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
    cmdai_bundle *b = current(&rc);
    if (!b)
        return rc;
    cmdai_verdict v;
    int e = cmdai_eval(b, cmd, strlen(cmd), &v);
    char text[1024];
    format_verdict(b, &v, text, sizeof text);
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
}

static char *cmdai_check_doc[] = {
    "Decide on a command line with the cmdai policy bundle.",
    "",
    "Exit status as `cmdai-policy check`: 0 allow, 10 warn, 20 confirm, 30 deny,",
    "65 cannot analyse, 66-80 no usable bundle.  The verdict text is left in",
    "CMDAI_VERDICT.  Honours CMDAI_POLICY_BUNDLE, CMDAI_POLICY_TRUST, CMDAI_POLICY_STATE.",
    "With -H LAST: decide on the newest history line unless its number is LAST",
    "(then status 125, nothing decided); its number is left in CMDAI_HISTNUM.",
    NULL,
};

struct builtin cmdai_check_struct = {
    "cmdai_check", cmdai_check_builtin, BUILTIN_ENABLED, cmdai_check_doc, "cmdai_check [--] COMMAND-LINE | -H LAST", 0,
};
