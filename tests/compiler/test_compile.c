/* test_compile.c — compiler semantics (compiler/compile.c, pattern.c, nfa.c,
 * dfa.c, min.c, emit.c) seen through the public decision: every case loads a
 * template from memory, compiles it (cc_compile), emits the bundle
 * (emit_bundle), validates an 8-aligned copy (rt_bundle_check) and asks
 * cmdai_eval, exactly as `cmdai-policyc test` does.  Tables below: one per
 * DSL construct family, one per decision rule, the state budget, the shipped
 * core-safety template, and a differential check of the automaton against a
 * slow reference matcher written here over the normalized units.
 * Run with cwd = tests/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "bundle.h"
#include "canon.h"
#include "cmdai/policy.h"
#include "diag.h"
#include "emit.h"
#include "ir.h"
#include "shell.h"
#include "tpl.h"

#include "ref_match.h"

#define STDLIB_DIR "../stdlib-templates"
#define CORE_SAFETY STDLIB_DIR "/core-safety.yaml"

/* ---- a compiled policy, in memory ------------------------------------------ */

typedef struct policy {
    arena a;
    tpl *t;
    ir *r;
    unsigned char *bytes; /* emit_bundle output */
    size_t len;
    unsigned char *mem;   /* 8-aligned copy the view points into */
    struct cmdai_bundle b;
    diag d;
} policy;

static int policy_finish(policy *p, uint32_t max_states)
{
    if (cc_compile(&p->a, p->t, max_states, &p->r, &p->d))
        return -1;
    emit_opts eo = {.serial = 1, .created = 0, .expires = 0, .scope = "test"};
    if (emit_bundle(p->r, &eo, &p->bytes, &p->len, &p->d))
        return -1;
    p->mem = malloc(p->len ? p->len : 1); /* malloc memory is at least 8-aligned */
    assert_non_null(p->mem);
    assert_true(((uintptr_t)p->mem & 7u) == 0);
    memcpy(p->mem, p->bytes, p->len);
    cmdai_error err;
    memset(&err, 0, sizeof err);
    if (rt_bundle_check(&p->b, p->mem, p->len, &err) != CMDAI_OK)
        return diag_set(&p->d, err.code, "<bundle>", 0, 0, "emitted bundle does not validate: %s", err.text);
    return 0;
}

/* Returns 0, or -1 with p->d filled.  Always release with policy_free(). */
static int policy_build(policy *p, const char *yaml, uint32_t max_states)
{
    memset(p, 0, sizeof *p);
    arena_init(&p->a);
    diag_init(&p->d);
    /* "<test>" is no file, so the source digest is the same for every build. */
    if (tpl_load_mem(&p->a, "<test>", yaml, strlen(yaml), STDLIB_DIR, &p->t, &p->d))
        return -1;
    return policy_finish(p, max_states);
}

static int policy_load(policy *p, const char *path)
{
    memset(p, 0, sizeof *p);
    arena_init(&p->a);
    diag_init(&p->d);
    if (tpl_load(&p->a, path, STDLIB_DIR, &p->t, &p->d))
        return -1;
    return policy_finish(p, CC_DEFAULT_MAX_STATES);
}

static void policy_free(policy *p)
{
    ir_free(p->r);
    free(p->bytes);
    free(p->mem);
    arena_release(&p->a);
    memset(p, 0, sizeof *p);
}

static void must_build(policy *p, const char *what, const char *yaml)
{
    if (policy_build(p, yaml, CC_DEFAULT_MAX_STATES)) {
        char buf[1024];
        diag_format(&p->d, buf, sizeof buf);
        fail_msg("%s: template does not compile: %s\n--- yaml ---\n%s", what, buf, yaml);
    }
}

static cmdai_verdict policy_eval(const policy *p, const char *cmd)
{
    cmdai_verdict v;
    int rc = cmdai_eval(&p->b, cmd, strlen(cmd), &v);
    (void)rc; /* v.error carries it */
    return v;
}

/* Rule ids of a verdict, most severe first, joined by ','. */
static void verdict_rules(const policy *p, const cmdai_verdict *v, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    unsigned n = v->nrules < CMDAI_VERDICT_RULES ? v->nrules : CMDAI_VERDICT_RULES;
    for (unsigned i = 0; i < n; i++) {
        int k = snprintf(out + o, cap - o, "%s%s", i ? "," : "", p->b.str + p->b.rules[v->rules[i]].id);
        if (k < 0 || (size_t)k >= cap - o)
            break;
        o += (size_t)k;
    }
}

/* The canonical form of a command, for failure messages (and for the lead to
 * route normalizer questions). */
static void render(const char *cmd, char *out, size_t cap)
{
    static rt_norm n; /* about 110 KiB: not on the stack */
    int rc = rt_norm_run(&n, cmd, strlen(cmd));
    size_t o = 0;
    out[0] = '\0';
    for (uint32_t u = 0; u < n.nunits && o + 8 < cap; u++) {
        if (u) {
            memcpy(out + o, " ;; ", 5);
            o += 4;
        }
        size_t k = rt_norm_render(&n, u, out + o, cap - o);
        o += k < cap - o ? k : cap - o - 1;
    }
    if (rc && o + 16 < cap)
        snprintf(out + o, cap - o, " [error %d]", rc);
}

static const char *aname(int a)
{
    return cmdai_action_name((cmdai_action)a);
}

/* ---- YAML building ---------------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        assert_true(k >= 0);
        if (b->s && (size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        b->cap = (b->cap + (size_t)k + 1) * 2;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
}

/* A YAML single-quoted scalar: ' doubles. */
static void sb_sq(sbuf *b, const char *s)
{
    sb_printf(b, "'");
    for (; *s; s++)
        sb_printf(b, *s == '\'' ? "''" : "%c", *s);
    sb_printf(b, "'");
}

#define HEAD "template:\n  name: t\n  version: 1.0.0\n"

/* ---- 1. DSL constructs, end to end --------------------------------------------
 * One rule `r` (deny) with the pattern, default allow: each hit must be
 * denied by exactly that rule, each miss allowed by the default. */

#define LISTS                                                                                                  \
    "  lists:\n"                                                                                               \
    "    roots: [\"/\", \"/home/*\", 're\"^/dev/sd[a-z]$\"', '/\\*']\n"                                         \
    "    shells: [sh, bash]\n"

static const struct construct_case {
    const char *name, *pattern;
    const char *hits[10], *misses[10];
} construct_cases[] = {
    /* program */
    {"literal program", "rm",
     {"rm", "rm -rf /", "/bin/rm x", "\\rm x", "\"rm\" x", "FOO=1 rm x", "r''m x"},
     {"rmdir x", "ls", "echo rm", "rm.sh", "xrm"}},
    {"glob program", "mkfs.*",
     {"mkfs.ext4 /dev/sda", "/sbin/mkfs.xfs /dev/sdb", "mkfs. x"},
     {"mkfs /dev/sda", "xmkfs.ext4", "mkfsext4"}},
    {"any program glob", "* secret", {"cat secret", "ls secret x"}, {"cat public", "secret"}},
    {"regex program", "re\"^py(thon)?[0-9]*$\"",
     {"python3 x", "py", "/usr/bin/python", "python27"}, {"ipython", "pythonx"}},
    /* regex tokens */
    {"anchored regex token", "dd re\"^of=/dev/sd[a-z]$\"",
     {"dd of=/dev/sda", "dd of=/dev/sdz bs=1M"},
     {"dd of=/dev/sda1", "dd of=/dev/sdA", "dd if=/dev/sda", "dd if=x of=/dev/sdz" /* positionals are a prefix */}},
    {"regex token after ...", "dd ... re\"^of=/dev/sd[a-z]$\"", {"dd if=x of=/dev/sdz bs=1M"}, {"dd if=x of=y"}},
    {"unanchored regex token searches", "cat re\"secret\"",
     {"cat my-secret-file", "cat secret"}, {"cat public", "cat x secret"}},
    {"case-insensitive regex", "grep re\"(?i)^passw\"", {"grep PassWord f", "grep passwd"}, {"grep xpassw"}},
    /* globs on args */
    {"glob arg matches last component", "rm *.pem",
     {"rm key.pem", "rm /etc/ssl/key.pem", "rm .pem"}, {"rm key.pem.bak", "rm key.txt", "rm x key.pem"}},
    {"glob with slash matches whole token", "rm /etc/*",
     {"rm /etc/passwd"}, {"rm /etc/ssl/x", "rm /etc", "rm etc/passwd"}},
    {"double star crosses slashes", "rm /etc/**", {"rm /etc/ssl/x", "rm /etc/a"}, {"rm /etcx/a"}},
    /* alternatives */
    {"alternatives program", "{curl,wget} x", {"curl x", "wget x y"}, {"fetch x", "curl y"}},
    {"alternatives arg mixed items", "rm {a,*.pem,\"b c\",re\"^z+$\"}",
     {"rm a", "rm k.pem", "rm 'b c'", "rm zzz"}, {"rm b", "rm c", "rm zy", "rm aa"}},
    /* lists */
    {"list: literal, glob, regex and escaped literal", "rm ... @roots",
     {"rm /", "rm /home/bob", "rm /dev/sdb", "rm '/*'", "rm x /"},
     {"rm /home/bob/x", "rm /dev/sdb1", "rm /tmp", "rm /a", "rm /home"}},
    {"list as program", "@shells -c", {"sh -c x", "bash -c x"}, {"zsh -c x", "sh x"}},
    /* ... and positional order */
    {"positionals are a prefix", "rm /", {"rm /", "rm / x"}, {"rm x /", "rm"}},
    {"... is any run", "rm -r ... /",
     {"rm -r /", "rm -r a b /", "rm -r a / b", "rm a -r /"}, {"rm -r a b", "rm / -x"}},
    {"... between positionals", "cp a ... b", {"cp a b", "cp a x y b", "cp a b c"}, {"cp b a", "cp x a b"}},
    {"path normalization of literal args", "rm /etc/", {"rm /etc", "rm //etc/.", "rm /usr/../etc"}, {"rm /etcx"}},
    /* $ */
    {"$ ends positionals", "ls $", {"ls", "ls -l", "ls > out", "ls -- "}, {"ls x", "ls -l x"}},
    {"$ after positionals", "kill ... 1 $", {"kill -9 1", "kill 5 1", "kill 1"}, {"kill 1 5", "kill 1234", "kill"}},
    /* flags */
    {"short flag is cluster-aware", "rm -r",
     {"rm -r x", "rm -rf x", "rm -fr x", "rm -f -r", "rm -vrf", "rm x -r"},
     {"rm -R x", "rm --recursive x", "rm x", "rm -- -r", "rm -f"}},
    {"flag alternatives", "rm {-r,-R,--recursive}",
     {"rm -r", "rm -R x", "rm --recursive x", "rm -Rf"}, {"rm -f", "rm --recursive-ish", "rm --rec"}},
    {"cluster in a pattern needs both", "rm -rf", {"rm -rf", "rm -fr", "rm -r -f", "rm -f -v -r"}, {"rm -r", "rm -f"}},
    {"long flag is exact", "git push --force",
     {"git push --force", "git push origin --force"}, {"git push --force-with-lease", "git push", "git --force pull"}},
    {"flags unordered, positionals ordered", "git push -f origin main",
     {"git push origin main -f", "git -f push origin main", "git push origin -f main"},
     {"git push main origin -f", "git push origin main"}},
    /* flag values */
    {"named flag without value matches any value", "curl -o", {"curl -o out x", "curl -oout", "curl --x -o f"},
     {"curl --output f", "curl x"}},
    {"short flag value", "sort -o=x", {"sort -o x", "sort -ox", "sort -r -o x"}, {"sort -o y", "sort -o", "sort x"}},
    {"long flag value glob", "foo --name=*.pem",
     {"foo --name=key.pem", "foo --name=/etc/ssl/k.pem", "foo --name=.pem"},
     {"foo --name=key.txt", "foo --name key.pem", "foo --name", "foo --namex=k.pem", "foo --nam=k.pem"}},
    {"glob in the flag name is over the whole flag", "rm --no-*",
     {"rm --no-preserve-root /", "rm --no-"}, {"rm --nope", "rm -n", "rm -- --no-x"}},
    {"literal flag value is path-normalized", "tar -C=/tmp/",
     {"tar -C /tmp -x", "tar -C /tmp/ -x", "tar -xC//tmp"}, {"tar -C /tmpx", "tar -C /"}},
    {"option table: value in a pattern", "tar -C /",
     {"tar -C / -xf x.tar", "tar -xf x.tar -C /", "tar -C/ -x", "tar --x -C /"},
     {"tar -C /tmp -xf x.tar", "tar -xf x.tar /"}},
    {"option table: value is not a positional", "tar ... /",
     {"tar -xf x.tar /", "tar -x /"}, {"tar -C / -xf x.tar", "tar -xf / x"}},
    {"cluster with a value-taking option", "tar -xzf x.tar",
     {"tar -x -z -f x.tar", "tar -zxf x.tar", "tar -xzfx.tar", "tar -f x.tar -xz"},
     {"tar -xzf y.tar", "tar -xf x.tar", "tar -xz x.tar"}},
    {"value word from a list", "curl -o @roots", {"curl -o / x", "curl -o/home/al"}, {"curl -o /tmp", "curl / -o x"}},
    {"flags with $", "ls -l $", {"ls -l", "ls -la", "ls -l > f"}, {"ls -l x", "ls x -l", "ls"}},
    {"flags, positional and $", "ls -l x $", {"ls -l x", "ls x -al"}, {"ls -l x y", "ls x", "ls -l"}},
    {"same flag twice in a pattern", "rm -r -r", {"rm -r", "rm -rf"}, {"rm -f"}},
    {"overlapping flag alternatives", "rm -r {-r,-f}", {"rm -r", "rm -rf"}, {"rm -f", "rm -R"}},
    {"repeated cluster letter", "rm -rr", {"rm -r"}, {"rm -f"}},
    /* -- */
    {"-- ends flags in a pattern", "rm -- -rf", {"rm -- -rf", "rm -f -- -rf"}, {"rm -rf", "rm -- -r"}},
    {"quoted word is never a flag", "rm \"-r\"", {"rm -- -r"}, {"rm -r"}},
    {"flag pattern does not match a positional", "rm -rf", {"rm -rf"}, {"rm -- -rf"}},
    /* redirections */
    {"redirection target", "* > /etc/passwd",
     {"echo x > /etc/passwd", "echo x 1>/etc/passwd", "echo x>/etc/passwd", "x &> /etc/passwd", "cat a 2> /etc/passwd"},
     {"echo x >> /etc/passwd", "cat < /etc/passwd", "cat /etc/passwd", "echo x > /etc/passwdx"}},
    {"append redirection", "x >> log", {"x >> log", "x 2>>log"}, {"x > log", "x >> log2"}},
    {"dup redirection, fd ignored in pattern", "x 2>&1", {"x 2>&1", "x >&1", "x 1>&1"}, {"x >&2", "x > 1"}},
    {"input redirection", "x < in", {"x < in", "x 0<in"}, {"x > in", "x in"}},
    {"redirection with any target and args", "cat ... > ...", {"cat a > b", "cat > /x"}, {"cat a", "cat a < b"}},
    {"two redirections unordered", "x > a < b", {"x > a < b", "x < b > a", "x < b 2>c > a"}, {"x > a", "x < b"}},
    /* pipelines */
    {"pipeline: the very next stage", "curl ... | sh",
     {"curl x | sh", "curl -s x | sh -x", "ls | curl x | sh", "curl x | sh | tee y"},
     {"curl x | tee f | sh", "sh | curl x", "curl x; sh", "curl x && sh"}},
    {"pipeline stage alternatives", "(curl x or wget y) | sh", {"curl x | sh", "wget y | sh"}, {"wget x | sh", "curl y | sh"}},
    {"redirection target is path-normalized", "* > /etc//passwd", {"echo > /etc/passwd", "echo >/etc/./passwd"}, {"echo > /etc"}},
    {"quoted program", "'(self)' ... | '(self)'", {":(){ :|:& };:"}, {": | :"}},
    {"three-stage pipeline", "a | b | c", {"a | b | c", "x | a | b | c | d"}, {"a | c | b", "a | b", "a | x | b | c"}},
    {"pipeline with list stage", "{curl,wget} ... | @shells", {"wget -qO- x | bash"}, {"wget x | zsh"}},
    /* and/or/not/unless, parentheses */
    {"and", "rm -r and rm -f", {"rm -rf", "rm -f -r x"}, {"rm -r", "rm -f"}},
    {"or", "rm ... / or mv ... /", {"rm /", "mv a /"}, {"cp /", "rm a"}},
    {"not", "not ls", {"cat x", "lsx"}, {"ls", "ls -l x"}},
    {"not with and", "rm ... and not rm -i", {"rm x", "rm -f x"}, {"rm -i x", "rm -fi x", "ls"}},
    {"unless keyword", "rm -r ... unless rm -r ./build $",
     {"rm -r /", "rm -r ./build x", "rm -r build2"}, {"rm -r ./build", "rm -r ./x/../build", "rm -r .//build/", "rm x"}},
    {"unless without $ keeps the implicit trailing ...", "rm -r ... unless rm -r ./build",
     {"rm -r /", "rm -r x ./build"}, {"rm -r ./build", "rm -r ./build /"}},
    {"unless binds loosest", "rm or mv unless rm x", {"rm y", "mv x"}, {"rm x"}},
    {"parentheses group", "(rm or mv) and * -f", {"rm -f", "mv -f a b"}, {"rm x", "cp -f", "mv a"}},
    {"without parentheses and binds tighter", "rm or mv and * -f", {"rm x", "rm -f", "mv -f a"}, {"mv a", "cp -f"}},
    /* A pipeline pattern completes at its last stage, so 'not P | Q' is judged
     * there: "sh not fed by curl" works, "curl not feeding sh" cannot (the
     * curl stage is decided before the sh stage is read). */
    {"not a pipeline, judged at its last stage", "sh ... and not curl ... | sh",
     {"sh x", "wget x | sh", "curl x | tee | sh"}, {"curl x | sh", "curl x | sh -s y"}},
};

static void test_dsl_constructs(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof construct_cases / sizeof construct_cases[0]; i++) {
        const struct construct_case *c = &construct_cases[i];
        sbuf y = {0};
        sb_printf(&y, HEAD LISTS "  safety:\n    default: allow\n    rules:\n      - id: r\n        match: ");
        sb_sq(&y, c->pattern);
        sb_printf(&y, "\n        risk: high\n        action: deny\n        message: hit\n");
        policy p;
        if (policy_build(&p, y.s, CC_DEFAULT_MAX_STATES)) {
            char buf[1024];
            diag_format(&p.d, buf, sizeof buf);
            print_error("%s: pattern %s does not compile: %s\n", c->name, c->pattern, buf);
            failures++;
            policy_free(&p);
            free(y.s);
            continue;
        }
        for (int hit = 1; hit >= 0; hit--) {
            const char *const *cmds = hit ? c->hits : c->misses;
            for (int k = 0; k < 10 && cmds[k]; k++) {
                cmdai_verdict v = policy_eval(&p, cmds[k]);
                int ok = hit ? (v.action == CMDAI_DENY && v.nrules == 1 && v.rules[0] == 0 &&
                                (v.reason & CMDAI_REASON_RULE) && !strcmp(v.message, "hit"))
                             : (v.action == CMDAI_ALLOW && v.nrules == 0 && v.reason == CMDAI_REASON_DEFAULT);
                if (!ok) {
                    char canon[512];
                    render(cmds[k], canon, sizeof canon);
                    print_error("%s: pattern [%s] command [%s] should %s; got %s (nrules %u, reason %#x); "
                                "canonical: [%s]\n",
                                c->name, c->pattern, cmds[k], hit ? "match" : "not match", aname(v.action),
                                v.nrules, v.reason, canon);
                    failures++;
                }
            }
        }
        policy_free(&p);
        free(y.s);
    }
    if (failures)
        fail_msg("%d construct checks failed", failures);
}

/* ---- 2. decision semantics ----------------------------------------------------- */

typedef struct expect {
    const char *cmd;
    int action;
    int risk;            /* -1: not checked */
    unsigned reason;     /* 0: not checked */
    const char *rules;   /* ids most severe first, "" none; NULL: not checked */
    const char *message; /* NULL: not checked */
} expect;

#define NOCHK -1

static const struct scenario {
    const char *name, *yaml;
    expect ex[16];
} scenarios[] = {
    {"most severe rule wins, rules most severe first, message of the top rule",
     HEAD "  safety:\n    rules:\n"
          "      - {id: a.warn, match: rm ..., risk: low, action: warn, message: A}\n"
          "      - {id: b.deny, match: rm -r, risk: critical, action: deny, message: B}\n"
          "      - {id: c.confirm, match: rm ... /, risk: high, action: confirm, message: C}\n"
          "      - {id: d.deny, match: rm -r ... /, risk: high, action: deny, message: D}\n",
     {{"rm x", CMDAI_WARN, CMDAI_RISK_LOW, CMDAI_REASON_RULE, "a.warn", "A"},
      {"rm -r x", CMDAI_DENY, CMDAI_RISK_CRITICAL, CMDAI_REASON_RULE, "b.deny,a.warn", "B"},
      {"rm /", CMDAI_CONFIRM, CMDAI_RISK_HIGH, CMDAI_REASON_RULE, "c.confirm,a.warn", "C"},
      {"rm -r /", CMDAI_DENY, CMDAI_RISK_CRITICAL, CMDAI_REASON_RULE, "b.deny,d.deny,c.confirm,a.warn", "B"},
      {"ls", CMDAI_ALLOW, CMDAI_RISK_NONE, CMDAI_REASON_DEFAULT, "", NULL}}},
    {"most severe across the simple commands of a line",
     HEAD "  safety:\n    rules:\n"
          "      - {id: rm-root, match: rm -r ... /, risk: critical, action: deny, message: no}\n"
          "      - {id: ls-warn, match: ls -R, risk: low, action: warn, message: slow}\n",
     {{"ls; rm -rf /", CMDAI_DENY, CMDAI_RISK_CRITICAL, CMDAI_REASON_RULE | CMDAI_REASON_DEFAULT, "rm-root", "no"},
      {"rm -rf / && ls", CMDAI_DENY, NOCHK, 0, "rm-root", NULL},
      {"ls | rm -rf /", CMDAI_DENY, NOCHK, 0, "rm-root", NULL},
      {"ls -R || rm -rf /", CMDAI_DENY, CMDAI_RISK_CRITICAL, CMDAI_REASON_RULE, "rm-root,ls-warn", "no"},
      {"ls -R; ls", CMDAI_WARN, CMDAI_RISK_LOW, CMDAI_REASON_RULE | CMDAI_REASON_DEFAULT, "ls-warn", "slow"},
      {"ls -R & ls -R", CMDAI_WARN, NOCHK, CMDAI_REASON_RULE, "ls-warn", NULL},
      {"echo $(rm -rf /)", CMDAI_DENY, NOCHK, 0, "rm-root", NULL},
      {"ls\nrm -r /", CMDAI_DENY, NOCHK, 0, "rm-root", NULL}}},
    {"unless carves exceptions from its own rule only",
     HEAD "  safety:\n    rules:\n"
          "      - id: rm-rec\n        match: rm -r ...\n        unless: [rm -r ./build $, rm -r ... node_modules $]\n"
          "        risk: high\n        action: deny\n"
          "      - {id: rm-build, match: rm ... ./build, risk: low, action: warn}\n",
     {{"rm -r ./build", CMDAI_WARN, CMDAI_RISK_LOW, CMDAI_REASON_RULE, "rm-build", NULL},
      {"rm -r node_modules", CMDAI_ALLOW, CMDAI_RISK_NONE, CMDAI_REASON_DEFAULT, "", NULL},
      {"rm -r x node_modules", CMDAI_ALLOW, NOCHK, CMDAI_REASON_DEFAULT, "", NULL},
      {"rm -r node_modules x", CMDAI_DENY, NOCHK, CMDAI_REASON_RULE, "rm-rec", NULL},
      {"rm -r /x", CMDAI_DENY, CMDAI_RISK_HIGH, CMDAI_REASON_RULE, "rm-rec", NULL},
      {"rm -r ./build /", CMDAI_DENY, NOCHK, 0, "rm-rec,rm-build", NULL},
      {"rm ./build", CMDAI_WARN, NOCHK, 0, "rm-build", NULL}}},
    {"unless field and the keyword are the same",
     HEAD "  safety:\n    rules:\n"
          "      - {id: a, match: 'git push ... unless git push ... --dry-run', risk: high, action: deny}\n"
          "      - {id: b, match: 'git pull', unless: 'git pull --ff-only', risk: high, action: confirm}\n",
     {{"git push", CMDAI_DENY, NOCHK, 0, "a", NULL},
      {"git push --dry-run origin", CMDAI_ALLOW, NOCHK, 0, "", NULL},
      {"git pull", CMDAI_CONFIRM, NOCHK, 0, "b", NULL},
      {"git pull --ff-only", CMDAI_ALLOW, NOCHK, 0, "", NULL}}},
    {"safety.default for commands no rule reported on; explicit allow overrides it",
     HEAD "  safety:\n    default: confirm\n    rules:\n"
          "      - {id: ls-ok, match: ls, risk: low, action: allow}\n"
          "      - {id: rm-warn, match: rm, risk: low, action: warn}\n",
     {{"ls -l", CMDAI_ALLOW, CMDAI_RISK_LOW, CMDAI_REASON_RULE, "ls-ok", NULL},
      {"cat x", CMDAI_CONFIRM, CMDAI_RISK_NONE, CMDAI_REASON_DEFAULT, "", NULL},
      {"rm x", CMDAI_WARN, CMDAI_RISK_LOW, CMDAI_REASON_RULE, "rm-warn", NULL},
      {"ls; cat x", CMDAI_CONFIRM, CMDAI_RISK_LOW, CMDAI_REASON_RULE | CMDAI_REASON_DEFAULT, "ls-ok", NULL},
      {"ls | cat", CMDAI_CONFIRM, NOCHK, CMDAI_REASON_RULE | CMDAI_REASON_DEFAULT, "ls-ok", NULL},
      {"ls | rm x", CMDAI_WARN, NOCHK, CMDAI_REASON_RULE, "rm-warn,ls-ok", NULL}}},
    {"safety.default deny",
     HEAD "  safety:\n    default: deny\n    rules:\n"
          "      - {id: ok, match: '{ls,cat} ...', risk: low, action: allow}\n",
     {{"ls", CMDAI_ALLOW, NOCHK, CMDAI_REASON_RULE, "ok", NULL},
      {"cat x | grep y", CMDAI_DENY, NOCHK, CMDAI_REASON_RULE | CMDAI_REASON_DEFAULT, "ok", NULL},
      {"true", CMDAI_DENY, NOCHK, CMDAI_REASON_DEFAULT, "", NULL}}},
    {"safety.dynamic for program names from $VAR and $(..)",
     HEAD "  safety:\n    default: allow\n    dynamic: deny\n    rules:\n"
          "      - {id: r, match: rm -r, risk: low, action: warn}\n",
     {{"$X foo", CMDAI_DENY, CMDAI_RISK_NONE, CMDAI_REASON_DYNAMIC, "", NULL},
      {"$(which rm) -rf /", CMDAI_DENY, NOCHK, CMDAI_REASON_DYNAMIC | CMDAI_REASON_DEFAULT, "", NULL},
      {"\"$CMD\" x", CMDAI_DENY, NOCHK, CMDAI_REASON_DYNAMIC, "", NULL},
      {"rm -r x", CMDAI_WARN, NOCHK, CMDAI_REASON_RULE, "r", NULL},
      {"ls $X", CMDAI_ALLOW, NOCHK, CMDAI_REASON_DEFAULT, "", NULL}}},
    {"safety.dynamic warn is folded with rules",
     HEAD "  safety:\n    dynamic: warn\n    rules:\n"
          "      - {id: r, match: rm -r, risk: high, action: confirm}\n",
     {{"$X; rm -r x", CMDAI_CONFIRM, CMDAI_RISK_HIGH, CMDAI_REASON_DYNAMIC | CMDAI_REASON_RULE, "r", NULL},
      {"${X} a", CMDAI_WARN, NOCHK, CMDAI_REASON_DYNAMIC, "", NULL}}},
    {"tools.allow and tools.default",
     HEAD "  safety:\n    default: allow\n    rules:\n"
          "      - {id: git-force, match: git push --force, risk: high, action: confirm}\n"
          "  tools:\n    allow: [git, ls, make]\n    default: deny\n",
     {{"git status", CMDAI_ALLOW, NOCHK, CMDAI_REASON_DEFAULT, "", NULL},
      {"ls -l /", CMDAI_ALLOW, NOCHK, 0, "", NULL},
      {"/usr/bin/make all", CMDAI_ALLOW, NOCHK, 0, "", NULL},
      {"rm x", CMDAI_DENY, NOCHK, CMDAI_REASON_TOOLS, "", NULL},
      {"gitx", CMDAI_DENY, NOCHK, CMDAI_REASON_TOOLS, "", NULL},
      {"gi", CMDAI_DENY, NOCHK, CMDAI_REASON_TOOLS, "", NULL},
      {"l", CMDAI_DENY, NOCHK, 0, "", NULL},
      {"mak -x", CMDAI_DENY, NOCHK, 0, "", NULL},
      {"lsblk", CMDAI_DENY, NOCHK, 0, "", NULL},
      {"ls | rm x", CMDAI_DENY, NOCHK, CMDAI_REASON_TOOLS | CMDAI_REASON_DEFAULT, "", NULL},
      {"git push --force", CMDAI_CONFIRM, CMDAI_RISK_HIGH, CMDAI_REASON_RULE, "git-force", NULL},
      {"ls > out", CMDAI_ALLOW, NOCHK, 0, "", NULL}}},
    {"tools.default warn, with a rule on an unlisted program",
     HEAD "  safety:\n    rules:\n"
          "      - {id: rm-deny, match: rm -r, risk: critical, action: deny}\n"
          "      - {id: cat-ok, match: cat, risk: low, action: allow}\n"
          "  tools:\n    allow: [ls]\n    default: warn\n",
     {{"rm -r x", CMDAI_DENY, NOCHK, CMDAI_REASON_RULE | CMDAI_REASON_TOOLS, "rm-deny", NULL},
      {"rm x", CMDAI_WARN, NOCHK, CMDAI_REASON_TOOLS, "", NULL},
      {"cat x", CMDAI_WARN, NOCHK, CMDAI_REASON_RULE | CMDAI_REASON_TOOLS, "cat-ok", NULL},
      {"ls", CMDAI_ALLOW, NOCHK, CMDAI_REASON_DEFAULT, "", NULL}}},
    {"a rule without message reports an empty or fixed text, never a wrong one",
     HEAD "  safety:\n    rules:\n"
          "      - {id: quiet, match: rm, risk: low, action: warn}\n"
          "      - {id: loud, match: rm -r, risk: low, action: warn, message: LOUD}\n",
     {{"rm -r", CMDAI_WARN, CMDAI_RISK_LOW, CMDAI_REASON_RULE, "loud,quiet", NULL}}},
};

static int check_expect(const policy *p, const char *scen, const expect *e)
{
    cmdai_verdict v = policy_eval(p, e->cmd);
    char got_rules[512];
    verdict_rules(p, &v, got_rules, sizeof got_rules);
    const char *why = NULL;
    if ((int)v.action != e->action)
        why = "action";
    else if (e->risk != NOCHK && (int)v.risk != e->risk)
        why = "risk";
    else if (e->reason && v.reason != e->reason)
        why = "reason";
    else if (e->rules && strcmp(got_rules, e->rules))
        why = "rules";
    else if (e->message && (!v.message || strcmp(v.message, e->message)))
        why = "message";
    if (!why)
        return 0;
    char canon[512];
    render(e->cmd, canon, sizeof canon);
    print_error("%s: [%s]: wrong %s: got action %s risk %d reason %#x rules [%s] message [%s]; "
                "want %s risk %d reason %#x rules [%s] message [%s]; canonical [%s]\n",
                scen, e->cmd, why, aname(v.action), v.risk, v.reason, got_rules, v.message ? v.message : "(null)",
                aname(e->action), e->risk, e->reason, e->rules ? e->rules : "-", e->message ? e->message : "-",
                canon);
    return 1;
}

static void test_decision_semantics(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        const struct scenario *s = &scenarios[i];
        policy p;
        must_build(&p, s->name, s->yaml);
        for (int k = 0; k < 16 && s->ex[k].cmd; k++)
            failures += check_expect(&p, s->name, &s->ex[k]);
        policy_free(&p);
    }
    if (failures)
        fail_msg("%d decision checks failed", failures);
}

/* The message of a verdict is the top rule's; with an empty message it is
 * not some other rule's text. */
static void test_verdict_message_and_rule_info(void **state)
{
    (void)state;
    policy p;
    must_build(&p, "message",
               HEAD "  safety:\n    rules:\n"
                    "      - {id: z.last, match: rm, risk: moderate, action: confirm, message: Z,"
                    " compliance: ['SOC2:CC6.1']}\n"
                    "      - {id: a.first, match: rm x, risk: critical, action: confirm, message: A}\n");
    cmdai_verdict v = policy_eval(&p, "rm x");
    assert_int_equal(v.action, CMDAI_CONFIRM);
    assert_int_equal(v.risk, CMDAI_RISK_CRITICAL);
    assert_int_equal(v.nrules, 2);
    /* Same action: the higher risk comes first. */
    assert_string_equal(p.b.str + p.b.rules[v.rules[0]].id, "a.first");
    assert_string_equal(v.message, "A");
    /* Rules are stored sorted by id whatever their order in the YAML. */
    assert_string_equal(p.b.str + p.b.rules[0].id, "a.first");
    assert_string_equal(p.b.str + p.b.rules[1].id, "z.last");
    assert_int_equal(p.b.rules[1].ncompliance, 1);
    policy_free(&p);
}

/* More matching rules than the verdict holds: the count is complete and
 * the array keeps the most severe ones. */
static void test_verdict_many_rules(void **state)
{
    (void)state;
    static const char *const act[] = {"allow", "warn", "confirm", "deny"};
    sbuf y = {0};
    sb_printf(&y, HEAD "  safety:\n    rules:\n");
    for (int i = 0; i < 24; i++)
        sb_printf(&y, "      - {id: r%02d, match: 'rm ...', risk: low, action: %s}\n", i, act[i == 17 ? 3 : i % 3]);
    policy p;
    must_build(&p, "many rules", y.s);
    cmdai_verdict v = policy_eval(&p, "rm -rf x");
    assert_int_equal(v.action, CMDAI_DENY);
    assert_int_equal(v.nrules, 24);
    assert_string_equal(p.b.str + p.b.rules[v.rules[0]].id, "r17");
    /* then the confirms (i % 3 == 2) in index order, then the warns */
    assert_string_equal(p.b.str + p.b.rules[v.rules[1]].id, "r02");
    for (unsigned i = 1; i < CMDAI_VERDICT_RULES; i++)
        assert_true(p.b.rules[v.rules[i - 1]].action >= p.b.rules[v.rules[i]].action);
    assert_int_equal(p.b.rules[v.rules[CMDAI_VERDICT_RULES - 1]].action, CMDAI_WARN);
    policy_free(&p);
    free(y.s);
}

/* ---- 3. risk_tolerance ---------------------------------------------------------- */

static void test_risk_tolerance_mapping(void **state)
{
    (void)state;
    static const char *const tol[] = {"low", "medium", "high"};
    static const char *const risk[] = {"low", "moderate", "high", "critical"};
    /* DESIGN.md "Decision semantics", docs/templates.md table. */
    static const int want[3][4] = {
        {CMDAI_WARN, CMDAI_CONFIRM, CMDAI_DENY, CMDAI_DENY},
        {CMDAI_ALLOW, CMDAI_WARN, CMDAI_CONFIRM, CMDAI_DENY},
        {CMDAI_ALLOW, CMDAI_ALLOW, CMDAI_WARN, CMDAI_DENY},
    };
    for (int t = 0; t < 3; t++) {
        sbuf y = {0};
        sb_printf(&y, HEAD "  risk_tolerance: %s\n  safety:\n    default: allow\n    rules:\n", tol[t]);
        for (int r = 0; r < 4; r++)
            sb_printf(&y, "      - {id: r%d, match: p%d, risk: %s}\n      - {id: x%d, match: q%d, risk: %s, action: deny}\n",
                      r, r, risk[r], r, r, risk[r]);
        policy p;
        must_build(&p, tol[t], y.s);
        for (int r = 0; r < 4; r++) {
            assert_int_equal(tpl_action_for(t, r + 1), want[t][r]);
            char cmd[16];
            snprintf(cmd, sizeof cmd, "p%d", r);
            cmdai_verdict v = policy_eval(&p, cmd);
            if ((int)v.action != want[t][r] || (int)v.risk != r + 1 || v.nrules != 1)
                fail_msg("tolerance %s, risk %s: got %s risk %d nrules %u, want %s", tol[t], risk[r], aname(v.action),
                         v.risk, v.nrules, aname(want[t][r]));
            /* An explicit action is kept whatever the tolerance. */
            snprintf(cmd, sizeof cmd, "q%d", r);
            v = policy_eval(&p, cmd);
            assert_int_equal(v.action, CMDAI_DENY);
        }
        policy_free(&p);
        free(y.s);
    }
}

/* ---- 4. order independence: byte-identical bundles ------------------------------ */

static const char *const order_rules[] = {
    "      - {id: fs.rm-root, match: 'rm {-r,-R} ... @roots', risk: critical, action: deny, message: M1}\n",
    "      - {id: net.pipe, match: '{curl,wget} ... | sh', risk: critical}\n",
    ("      - id: git.push\n        match: git push ... --force\n        unless: [git push ... --dry-run]\n"
     "        risk: high\n        action: confirm\n"),
    "      - {id: a.dd, match: 'dd re\"^of=/dev/sd[a-z]$\"', risk: high, action: deny}\n",
    "      - {id: m.redir, match: '* > /etc/**', risk: moderate}\n",
    "      - {id: b.not, match: 'kill ... and not kill -0 ...', risk: low, action: warn}\n",
};

static void order_yaml(sbuf *y, const int *perm, int n, int lists_rev)
{
    sb_printf(y, HEAD "  lists:\n");
    if (lists_rev)
        sb_printf(y, "    other: [a]\n    roots: [\"/\", \"~\"]\n");
    else
        sb_printf(y, "    roots: [\"/\", \"~\"]\n    other: [a]\n");
    sb_printf(y, "  safety:\n    default: warn\n    rules:\n");
    for (int i = 0; i < n; i++)
        sb_printf(y, "%s", order_rules[perm[i]]);
}

static void test_rule_order_gives_identical_bundle(void **state)
{
    (void)state;
    enum { N = sizeof order_rules / sizeof order_rules[0] };
    static const int perms[][N] = {
        {0, 1, 2, 3, 4, 5}, {5, 4, 3, 2, 1, 0}, {2, 0, 5, 1, 3, 4}, {3, 5, 1, 4, 0, 2}, {1, 3, 0, 2, 5, 4},
    };
    policy ref;
    sbuf y0 = {0};
    order_yaml(&y0, perms[0], N, 0);
    must_build(&ref, "order 0", y0.s);
    for (size_t k = 1; k < sizeof perms / sizeof perms[0]; k++) {
        sbuf y = {0};
        order_yaml(&y, perms[k], N, (int)(k & 1));
        policy p;
        must_build(&p, "order k", y.s);
        if (p.len != ref.len || memcmp(p.bytes, ref.bytes, p.len)) {
            size_t at = 0;
            while (at < p.len && at < ref.len && p.bytes[at] == ref.bytes[at])
                at++;
            fail_msg("permutation %zu: bundle differs (len %zu vs %zu, first difference at byte %zu)", k, p.len,
                     ref.len, at);
        }
        policy_free(&p);
        free(y.s);
    }
    /* And the automaton is not trivially empty: it decides. */
    assert_int_equal(policy_eval(&ref, "rm -r /").action, CMDAI_DENY);
    assert_int_equal(policy_eval(&ref, "curl x | sh").action, CMDAI_DENY);
    assert_int_equal(policy_eval(&ref, "git push --force").action, CMDAI_CONFIRM);
    assert_int_equal(policy_eval(&ref, "git push --force --dry-run").action, CMDAI_WARN);
    assert_int_equal(policy_eval(&ref, "kill 1").action, CMDAI_WARN);
    policy_free(&ref);
    free(y0.s);
}

/* Two builds of the same source are byte-identical (no hidden state such as
 * a time stamp or a pointer order in the compiler). */
static void test_rebuild_is_reproducible(void **state)
{
    (void)state;
    int perm[] = {0, 1, 2, 3, 4, 5};
    sbuf y = {0};
    order_yaml(&y, perm, 6, 0);
    policy a, b;
    must_build(&a, "a", y.s);
    must_build(&b, "b", y.s);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.bytes, b.bytes, a.len);
    policy_free(&a);
    policy_free(&b);
    free(y.s);
}

/* ---- 5. state budget ------------------------------------------------------------ */

/* A policy big enough to start the compiler's helper threads (compiler/dfa.c
 * notes [planned rows] and [eager seeds], compiler/min.c note [parallel
 * inverse]; they start on a machine with 2 CPUs or more): it builds, its
 * rules fire where they should, and a state budget that runs out while the
 * planner is running fails cleanly.  `make asan` runs this under ASan and
 * UBSan; tests/cli/compile_threads.sh checks the bytes against a one-CPU
 * build. */
static void test_threaded_large_policy(void **state)
{
    (void)state;
    static const char *const progs[] = {"rm",  "git",  "kubectl", "docker", "terraform", "aws",  "gcloud",
                                        "psql", "curl", "scp",     "chmod",  "dd",        "helm", "tar"};
    enum { NPROG = sizeof progs / sizeof *progs, NRULES = 1500 };
    sbuf y = {0};
    sb_printf(&y, HEAD "  lists:\n    roots: [\"/\", \"/*\", \"~\"]\n  safety:\n    default: allow\n    rules:\n");
    for (int i = 0; i < NRULES; i++) {
        const char *p = progs[i % NPROG];
        switch (i % 5) {
        case 0: sb_printf(&y, "      - {id: r%04d, match: '%s sub%d --opt%d', risk: critical}\n", i, p, i, i); break;
        case 1: sb_printf(&y, "      - {id: r%04d, match: '%s {del%d,rem%d} --force%d', risk: high}\n", i, p, i, i, i); break;
        case 2: sb_printf(&y, "      - {id: r%04d, match: '%s go%d ... arg%d*', risk: critical}\n", i, p, i, i); break;
        case 3: sb_printf(&y, "      - {id: r%04d, match: '%s wipe%d -r ... @roots', risk: high}\n", i, p, i); break;
        default: sb_printf(&y, "      - {id: r%04d, match: '%s exec%d ... | sh', risk: critical}\n", i, p, i); break;
        }
    }
    policy p;
    must_build(&p, "large policy", y.s);
    if (p.r->nstates < 4096)
        fail_msg("only %u states: too small to start the planner", p.r->nstates);
    static const struct {
        const char *cmd, *rules; /* "" and allow: nothing fires */
    } want[] = {
        {"rm sub0 --opt0", "r0000"},
        {"git rem1 --force1", "r0001"},
        {"kubectl go2 x y arg2.txt", "r0002"},
        {"docker wipe3 -r a /", "r0003"},
        {"curl -s x | terraform exec4 a | sh", "r0004"},
        {"rm sub0 --opt1", ""}, /* near miss */
        {"ls -la", ""},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        char ids[256];
        cmdai_verdict v = policy_eval(&p, want[i].cmd);
        verdict_rules(&p, &v, ids, sizeof ids);
        if (strcmp(ids, want[i].rules) != 0)
            fail_msg("%s: rules [%s], want [%s]", want[i].cmd, ids, want[i].rules);
        if (!*want[i].rules)
            assert_int_equal(v.action, CMDAI_ALLOW);
    }
    policy_free(&p);

    /* The budget runs out mid-build, with the planner running. */
    assert_int_not_equal(policy_build(&p, y.s, 10000), 0);
    assert_int_equal(p.d.code, CMDAI_E_BUDGET);
    policy_free(&p);
    free(y.s);
}

static void test_state_budget(void **state)
{
    (void)state;
    /* Rules with `unless` are judged at the END of the command, so each keeps
     * a "seen" bit through the whole stage: 9 of them need 2^9 states. */
    sbuf y = {0};
    sb_printf(&y, HEAD "  safety:\n    rules:\n      - {id: small.ls, match: ls -l, risk: low, action: warn}\n");
    for (int i = 0; i < 9; i++)
        sb_printf(&y, "      - {id: big.r%02d, match: 'p ... a%d', unless: 'p zz', risk: high, action: deny}\n", i, i);
    policy p;
    int rc = policy_build(&p, y.s, 200);
    char buf[1024];
    diag_format(&p.d, buf, sizeof buf);
    if (rc == 0)
        fail_msg("expected the state budget to be exceeded (%u states)", p.r ? p.r->nstates : 0);
    assert_int_equal(p.d.code, CMDAI_E_BUDGET);
    if (!strstr(p.d.text, "200") || !strstr(p.d.text, "big.r") || strstr(p.d.text, "small.ls"))
        fail_msg("budget diagnostic should name the limit and the offending rules: %s", buf);
    /* It points at a rule's pattern in the source. */
    assert_true(p.d.line > 0);
    policy_free(&p);

    /* The same template fits the default budget and decides correctly. */
    must_build(&p, "budget default", y.s);
    assert_int_equal(policy_eval(&p, "p x a3 y a7").action, CMDAI_DENY);
    assert_int_equal(policy_eval(&p, "p zz a3").action, CMDAI_ALLOW);
    assert_int_equal(policy_eval(&p, "p x").action, CMDAI_ALLOW);
    policy_free(&p);
    free(y.s);

    /* note [work budget] in compiler/dfa.h: 150 searches of one program fit
     * 1000 states (612), but every subset carries all 150 threads, so
     * building it takes more than 128 steps per budgeted state. */
    sbuf w = {0};
    sb_printf(&w, HEAD "  safety:\n    rules:\n");
    for (int i = 0; i < 150; i++)
        sb_printf(&w, "      - {id: w.r%03d, match: 'git ... x%d', risk: high, action: deny}\n", i, i);
    rc = policy_build(&p, w.s, 1000);
    diag_format(&p.d, buf, sizeof buf);
    if (rc == 0)
        fail_msg("expected the work budget to run out (%u states)", p.r ? p.r->nstates : 0);
    assert_int_equal(p.d.code, CMDAI_E_BUDGET);
    if (!strstr(p.d.text, "128000 steps") || !strstr(p.d.text, "w.r"))
        fail_msg("work budget diagnostic should name the limit and the rules: %s", buf);
    policy_free(&p);
    must_build(&p, "work budget default", w.s);
    assert_true(p.r->nstates <= 1000);
    assert_int_equal(policy_eval(&p, "git a b x17").action, CMDAI_DENY);
    assert_int_equal(policy_eval(&p, "git a b y17").action, CMDAI_ALLOW);
    policy_free(&p);
    free(w.s);

    /* Any template exceeds a budget of a couple of states. */
    rc = policy_build(&p, HEAD "  safety:\n    rules:\n      - {id: only, match: rm -r, risk: low}\n", 2);
    assert_int_equal(rc, -1);
    assert_int_equal(p.d.code, CMDAI_E_BUDGET);
    policy_free(&p);
}

/* note [item lattice] in compiler/pattern.c: five required flags, in any
 * order, each met by its own token.  As a union over the 5! orders the
 * subset construction took minutes (pre-minimisation states in the
 * hundreds of thousands, for 94 final ones); the lattice needs a few
 * hundred, so a budget of 2000 states is enough. */
static void test_many_required_flags(void **state)
{
    (void)state;
    policy p;
    int rc = policy_build(&p,
                          HEAD "  safety:\n    rules:\n"
                               "      - {id: five, match: 'rm -r -f -x -R --force', risk: critical, action: deny}\n"
                               "      - {id: alts, match: 'rm {-r,-R} {-f,--force} -v', risk: high, action: confirm}\n",
                          2000);
    char buf[1024];
    diag_format(&p.d, buf, sizeof buf);
    if (rc)
        fail_msg("five required flags should fit 2000 states: %s", buf);
    static const struct {
        const char *cmd;
        cmdai_action action;
    } cases[] = {
        {"rm -r -f -x -R --force a", CMDAI_DENY},
        {"rm --force -xRfr a", CMDAI_DENY},
        {"rm -a -R -b --force -f -r -x -z", CMDAI_DENY},
        {"rm -r -f -x -R a", CMDAI_ALLOW},       /* --force missing */
        {"rm -r -f -x --force a", CMDAI_ALLOW},  /* -R missing */
        {"rm -R --force -v a", CMDAI_CONFIRM},   /* one of each alternative group */
        {"rm -r -f -v a", CMDAI_CONFIRM},
        {"rm -r -R -v a", CMDAI_ALLOW},          /* both from the first group, none from the second */
        {"rm -f --force -v", CMDAI_ALLOW},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cmdai_verdict v = policy_eval(&p, cases[i].cmd);
        if (v.action != cases[i].action) {
            render(cases[i].cmd, buf, sizeof buf);
            fail_msg("%s: action %d, expected %d (canonical: %s)", cases[i].cmd, v.action, cases[i].action, buf);
        }
    }
    policy_free(&p);
}

/* ---- 6. compile-time errors (semantic, not syntax) ------------------------------- */

static const struct error_case {
    const char *name, *pattern;
    int code;
    const char *text;
} error_cases[] = {
    {"and inside a pipeline stage", "a | (b and c)", CMDAI_E_SEMANTIC, "pipeline"},
    {"too many flag groups", "rm -a -b -c -d -e -f", CMDAI_E_SEMANTIC, "flag groups"},
    {"cluster as an alternative", "rm {-rf,-x}", CMDAI_E_SEMANTIC, "cluster"},
};

static void test_compile_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        const struct error_case *c = &error_cases[i];
        sbuf y = {0};
        sb_printf(&y, HEAD "  safety:\n    rules:\n      - id: r\n        match: ");
        sb_sq(&y, c->pattern);
        sb_printf(&y, "\n        risk: low\n");
        policy p;
        int rc = policy_build(&p, y.s, CC_DEFAULT_MAX_STATES);
        char buf[1024];
        diag_format(&p.d, buf, sizeof buf);
        if (rc == 0 || p.d.code != c->code || !strstr(p.d.text, c->text) || p.d.line != 7 ||
            p.d.column < 17)
            fail_msg("%s: want code %d mentioning '%s' at line 7 from column 17, got rc %d: %s", c->name, c->code, c->text, rc, buf);
        policy_free(&p);
        free(y.s);
    }
}

/* ---- 7. the shipped core-safety template ----------------------------------------- */

static const expect core_expect[] = {
    {"rm -rf /", CMDAI_DENY, CMDAI_RISK_CRITICAL, 0, NULL, NULL},
    {"\\rm -rf /", CMDAI_DENY, CMDAI_RISK_CRITICAL, 0, NULL, NULL},
    {"sudo rm -rf --no-preserve-root /", CMDAI_DENY, CMDAI_RISK_CRITICAL, 0, NULL, NULL},
    {"bash -c 'rm -rf /'", CMDAI_DENY, CMDAI_RISK_CRITICAL, 0, NULL, NULL},
    {"echo $(rm -rf ~)", CMDAI_DENY, CMDAI_RISK_CRITICAL, 0, NULL, NULL},
    {"rm -rf ./build", CMDAI_ALLOW, CMDAI_RISK_NONE, CMDAI_REASON_DEFAULT, "", NULL},
    {"echo \"rm -rf /\"", CMDAI_ALLOW, CMDAI_RISK_NONE, CMDAI_REASON_DEFAULT, "", NULL},
    /* a few more from the same family */
    {"rm -r -f /*", CMDAI_DENY, NOCHK, 0, "fs.rm-recursive-root", NULL},
    {"rm --recursive --force ~", CMDAI_DENY, NOCHK, 0, "fs.rm-recursive-root", NULL},
    {"rm -rf '/*'", CMDAI_DENY, NOCHK, 0, "fs.rm-recursive-root", NULL},
    {"rm -Rf /home/alice", CMDAI_DENY, NOCHK, 0, "fs.rm-recursive-root", NULL},
    {"rm -rf /home/alice/tmp", CMDAI_ALLOW, NOCHK, 0, "", NULL},
    {"rm -f /", CMDAI_ALLOW, NOCHK, 0, "", NULL},
    {"git push --force-with-lease", CMDAI_ALLOW, NOCHK, 0, "", NULL},
    {"git push --force origin main", CMDAI_CONFIRM, NOCHK, 0, "git.force-push", NULL},
    {"tar -C / -xf x.tar", CMDAI_ALLOW, NOCHK, 0, "", NULL},
};

static void test_core_safety_must_show(void **state)
{
    (void)state;
    policy p;
    if (policy_load(&p, CORE_SAFETY)) {
        char buf[1024];
        diag_format(&p.d, buf, sizeof buf);
        fail_msg("core-safety does not compile: %s", buf);
    }
    int failures = 0;
    for (size_t i = 0; i < sizeof core_expect / sizeof core_expect[0]; i++)
        failures += check_expect(&p, "core-safety", &core_expect[i]);
    /* The deny verdicts come from the recursive-delete rule with its message. */
    cmdai_verdict v = policy_eval(&p, "rm -rf /");
    char ids[512];
    verdict_rules(&p, &v, ids, sizeof ids);
    assert_string_equal(ids, "fs.rm-recursive-root");
    assert_non_null(strstr(v.message, "Recursive delete"));
    /* Every inline test of the template holds too (what `cmdai-policyc test` runs). */
    for (size_t k = 0; k < p.t->ntests; k++) {
        expect e = {p.t->tests[k].command, p.t->tests[k].expect, NOCHK, 0, NULL, NULL};
        failures += check_expect(&p, "core-safety inline test", &e);
    }
    policy_free(&p);
    if (failures)
        fail_msg("%d core-safety checks failed", failures);
}

/* ---- 8. differential: automaton vs. a slow reference matcher ------------------------
 * Random rule sets over a small vocabulary (literal programs and args, flags
 * and flag alternatives, '...', '$', and sometimes an unless) and random
 * commands; the reference (tests/ref_match.h, shared with fuzz_diff.c)
 * decodes the canonical units (rt_norm_run) and matches every rule directly. */

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

#define DF_MAX_RULES 6
#define DF_MAX_GROUPS 3
#define DF_MAX_POS 4

/* The generators stay inside the reference matcher's limits. */
_Static_assert(DF_MAX_RULES <= REF_MAX_RULES && DF_MAX_GROUPS <= REF_MAX_GROUPS && DF_MAX_POS <= REF_MAX_POS,
               "differential vocabulary exceeds tests/ref_match.h");

static const char *const df_progs[] = {"rm", "foo", "bar"};
static const char *const df_flags[] = {"-r", "-f", "-x", "-R", "--force", "--all"};
static const char *const df_args[] = {"a", "b", "/", "x.txt", "-r"};

static void df_gen_pat(ref_pat *p, const char *prog)
{
    memset(p, 0, sizeof *p);
    p->prog = prog ? prog : df_progs[rnd(3)];
    p->ngroups = (int)rnd(DF_MAX_GROUPS + 1);
    if (p->ngroups == DF_MAX_GROUPS && rnd(2))
        p->ngroups = 1; /* fewer required flags: more commands hit the rule */
    for (int g = 0; g < p->ngroups; g++) {
        int na = rnd(3) ? 1 : 2;
        for (int k = 0; k < na; k++) {
            const char *f;
            int again;
            do { /* distinct flags across the whole pattern (see the report on duplicates) */
                f = df_flags[rnd(6)];
                again = 0;
                for (int gg = 0; gg <= g; gg++)
                    for (int kk = 0; kk < 3 && p->alts[gg][kk]; kk++)
                        again |= !strcmp(p->alts[gg][kk], f);
            } while (again);
            p->alts[g][k] = f;
        }
    }
    /* Sometimes a group implied by another: the same flag again, or a
     * superset of its alternatives (note [implied flag groups] in pattern.c). */
    if (p->ngroups >= 1 && p->ngroups < DF_MAX_GROUPS && rnd(5) == 0) {
        int g = p->ngroups++;
        p->alts[g][0] = p->alts[0][0];
        if (!p->alts[0][1] && rnd(2))
            p->alts[g][1] = p->alts[0][0][1] == 'r' ? "-f" : "-r";
    }
    p->npos = (int)rnd(rnd(3) ? 3 : DF_MAX_POS + 1);
    for (int i = 0; i < p->npos; i++)
        p->pos[i] = rnd(4) ? df_args[rnd(5)] : "...";
    p->eol = rnd(6) == 0;
}

static void df_yaml_pat(sbuf *y, const ref_pat *p)
{
    char t[512];
    ref_pat_text(t, sizeof t, p);
    sb_printf(y, "%s", t);
}

static void df_gen_command(sbuf *c)
{
    static const char *const progs[] = {"rm", "foo", "bar", "baz", "/bin/rm", "\\foo"};
    static const char *const flags[] = {"-r", "-f", "-x", "-R", "-rf", "-fr", "-rx", "-Rf", "--force",
                                        "--all", "--force-with-lease", "--all=1", "-v", "--forc"};
    int nst = 1 + (rnd(4) == 0);
    for (int s = 0; s < nst; s++) {
        if (s)
            sb_printf(c, rnd(2) ? "; " : " | ");
        sb_printf(c, "%s", progs[rnd(6)]);
        int nw = (int)rnd(6), dd = 0;
        for (int w = 0; w < nw; w++) {
            uint32_t k = rnd(10);
            if (k < 4 && !dd)
                sb_printf(c, " %s", flags[rnd(14)]);
            else if (k == 4 && !dd) {
                sb_printf(c, " --");
                dd = 1;
            } else
                sb_printf(c, " %s", df_args[rnd(dd ? 5 : 4)]);
        }
    }
}

/* A command derived from a rule's pattern, then perturbed: near misses and
 * hits are where an automaton goes wrong. */
static void df_gen_near(sbuf *c, const ref_pat *p)
{
    sb_printf(c, "%s", p->prog);
    int skip = rnd(3) == 0 ? (int)rnd(8) : -1; /* one word left out */
    int w = 0;
    for (int g = 0; g < p->ngroups; g++, w++) {
        if (w == skip)
            continue;
        const char *f = p->alts[g][p->alts[g][1] && rnd(2) ? 1 : 0];
        if (f[1] != '-' && rnd(3) == 0)
            sb_printf(c, " %s%s", f, rnd(2) ? "v" : "R"); /* a cluster with another flag */
        else
            sb_printf(c, " %s", f);
    }
    int dd = rnd(4) == 0;
    if (dd)
        sb_printf(c, " --");
    for (int i = 0; i < p->npos; i++, w++) {
        if (w == skip)
            continue;
        if (!strcmp(p->pos[i], "...")) {
            for (int k = (int)rnd(3); k > 0; k--)
                sb_printf(c, " %s", df_args[rnd(4)]);
        } else if (!strcmp(p->pos[i], "-r")) {
            sb_printf(c, " %s", dd || rnd(2) ? "-r" : "./-r"); /* a flag unless after "--"; "./-r" a near miss */
        } else {
            sb_printf(c, " %s", p->pos[i]);
        }
    }
    if (rnd(3) == 0)
        sb_printf(c, " %s", rnd(2) ? df_args[rnd(4)] : "-x");
}

static void test_differential_reference(void **state)
{
    (void)state;
    static rt_norm n;
    rng_state = 0x9e3779b97f4a7c15ull;
    static const char *const act[] = {"allow", "warn", "confirm", "deny"};
    static const char *const rk[] = {"none", "low", "moderate", "high", "critical"};
    int failures = 0, checked = 0, hits = 0;
    for (int set = 0; set < 24; set++) {
        ref_rule rules[DF_MAX_RULES];
        int nr = 1 + (int)rnd(DF_MAX_RULES);
        int def = (int)rnd(3);
        sbuf y = {0};
        sb_printf(&y, HEAD "  safety:\n    default: %s\n    rules:\n", act[def]);
        for (int r = 0; r < nr; r++) {
            ref_rule *R = &rules[r];
            memset(R, 0, sizeof *R);
            snprintf(R->id, sizeof R->id, "r%02d", r); /* index = sorted id order */
            df_gen_pat(&R->match, NULL);
            R->has_unless = rnd(4) == 0;
            if (R->has_unless)
                df_gen_pat(&R->unless, R->match.prog);
            R->action = (int)rnd(4);
            R->risk = 1 + (int)rnd(4);
            sb_printf(&y, "      - id: %s\n        match: '", R->id);
            df_yaml_pat(&y, &R->match);
            sb_printf(&y, "'\n");
            if (R->has_unless) {
                sb_printf(&y, "        unless: '");
                df_yaml_pat(&y, &R->unless);
                sb_printf(&y, "'\n");
            }
            sb_printf(&y, "        risk: %s\n        action: %s\n        message: m%02d\n", rk[R->risk], act[R->action], r);
        }
        policy p;
        must_build(&p, "differential", y.s);
        for (int k = 0; k < 200; k++) {
            sbuf c = {0};
            if (rnd(2))
                df_gen_command(&c);
            else
                df_gen_near(&c, rnd(4) && rules[0].has_unless ? &rules[0].unless : &rules[rnd((uint32_t)nr)].match);
            int rc = rt_norm_run(&n, c.s, c.n);
            assert_int_equal(rc, CMDAI_OK);
            cmdai_verdict want;
            assert_int_equal(ref_reference(rules, nr, def, &n, &want), 0);
            cmdai_verdict got = policy_eval(&p, c.s);
            checked++;
            hits += want.nrules > 0;
            int same = got.action == want.action && got.risk == want.risk && got.reason == want.reason &&
                       got.nrules == want.nrules &&
                       !memcmp(got.rules, want.rules, want.nrules * sizeof want.rules[0]);
            if (!same) {
                char canon[512], gr[256], wr[256];
                render(c.s, canon, sizeof canon);
                verdict_rules(&p, &got, gr, sizeof gr);
                verdict_rules(&p, &want, wr, sizeof wr);
                if (failures < 20)
                    print_error("set %d: [%s] canonical [%s]: automaton %s risk %d reason %#x rules [%s]; "
                                "reference %s risk %d reason %#x rules [%s]\n--- rules ---\n%s",
                                set, c.s, canon, aname(got.action), got.risk, got.reason, gr, aname(want.action),
                                want.risk, want.reason, wr, y.s);
                failures++;
            }
            free(c.s);
        }
        policy_free(&p);
        free(y.s);
    }
    print_message("differential: %d commands checked, %d matched at least one rule\n", checked, hits);
    assert_true(hits > checked / 10); /* the vocabulary is small enough to hit rules often */
    if (failures)
        fail_msg("%d of %d differential checks failed", failures, checked);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dsl_constructs),
        cmocka_unit_test(test_decision_semantics),
        cmocka_unit_test(test_verdict_message_and_rule_info),
        cmocka_unit_test(test_verdict_many_rules),
        cmocka_unit_test(test_risk_tolerance_mapping),
        cmocka_unit_test(test_rule_order_gives_identical_bundle),
        cmocka_unit_test(test_rebuild_is_reproducible),
        cmocka_unit_test(test_state_budget),
        cmocka_unit_test(test_threaded_large_policy),
        cmocka_unit_test(test_many_required_flags),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_core_safety_must_show),
        cmocka_unit_test(test_differential_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
