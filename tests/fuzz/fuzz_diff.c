/* fuzz_diff.c — differential libFuzzer harness: the input bytes choose a
 * small rule set (literal programs and args, flags and flag alternatives,
 * `...`, `$`, sometimes an unless) and commands over the same vocabulary,
 * some derived from a rule and perturbed (near misses are where automata go
 * wrong).  The set is compiled in memory exactly as `cmdai-policyc test`
 * does (tpl_load_mem -> cc_compile -> emit_bundle -> rt_bundle_check on an
 * 8-aligned copy -> cmdai_eval) and every verdict must equal the slow
 * reference matcher's (tests/ref_match.h) over rt_norm_run's units; a
 * difference prints the rules and the command, then aborts.  Seeds:
 * tests/fuzz/corpus/fuzz_diff/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ref_match.h"
#include "arena.h"
#include "bundle.h"
#include "diag.h"
#include "emit.h"
#include "ir.h"
#include "tpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a stream of choices; past its end every choice is 0, so any
 * prefix is a complete, valid test. */
typedef struct src {
    const uint8_t *p;
    size_t n, i;
} src;

static uint32_t pick(src *s, uint32_t n)
{
    return s->i < s->n ? s->p[s->i++] % n : 0;
}

static const char *const progs[] = {"rm", "foo", "bar"};
static const char *const flags[] = {"-r", "-f", "-x", "-R", "--force", "--all"};
/* Rules may require any of the six flags: up to 3 groups of up to 3
 * alternatives, all distinct.  (The vocabulary was cut to 3 flags per
 * program while k required flags compiled in k! orders, minutes for 5; the
 * lattice of note [item lattice] in compiler/pattern.c compiles them in
 * milliseconds.)  Commands use every flag. */
static const char *const args[] = {"a", "b", "/", "x.txt", "-r", "..."};

static int flag_used(const ref_pat *p, int upto, const char *f)
{
    for (int g = 0; g <= upto; g++)
        for (int k = 0; k < REF_MAX_ALTS && p->alts[g][k]; k++)
            if (!strcmp(p->alts[g][k], f))
                return 1;
    return 0;
}

static void gen_pat(src *s, ref_pat *p, unsigned prog)
{
    memset(p, 0, sizeof *p);
    p->prog = progs[prog];
    p->ngroups = (int)pick(s, REF_MAX_GROUPS + 1);
    for (int g = 0; g < p->ngroups; g++) {
        int na = 1 + (int)pick(s, REF_MAX_ALTS);
        for (int k = 0; k < na; k++) {
            /* Distinct flags across the pattern, as test_compile.c's
             * differential does: the next unused one after the pick. */
            unsigned fi = pick(s, 6);
            const char *f = NULL;
            for (unsigned t = 0; t < 6 && !f; t++)
                if (!flag_used(p, g, flags[(fi + t) % 6]))
                    f = flags[(fi + t) % 6];
            if (!f) {
                if (k == 0)
                    p->ngroups = g; /* nothing left to pick: drop the group */
                break;
            }
            p->alts[g][k] = f;
        }
        if (g >= p->ngroups)
            break;
    }
    p->npos = (int)pick(s, REF_MAX_POS + 1);
    for (int i = 0; i < p->npos; i++)
        p->pos[i] = args[pick(s, 6)];
    p->eol = pick(s, 6) == 0;
}

typedef struct sbuf {
    char s[1024];
    size_t n;
} sbuf;

static void sb_add(sbuf *b, const char *t)
{
    size_t k = strlen(t);
    if (b->n + k < sizeof b->s) {
        memcpy(b->s + b->n, t, k + 1);
        b->n += k;
    }
}

static void gen_command(src *s, sbuf *c)
{
    static const char *const cprogs[] = {"rm", "foo", "bar", "baz", "/bin/rm", "\\foo", "sudo rm", "r\"m\""};
    static const char *const cflags[] = {"-r", "-f", "-x", "-R", "-rf", "-fr", "-rx", "-Rf", "--force",
                                         "--all", "--force-with-lease", "--all=1", "-v", "--forc", "-r=1", "--"};
    static const char *const cargs[] = {"a", "b", "/", "x.txt", "-r", "./-r", "'a'", "//", "./a", "x.txt/"};
    int nst = 1 + (int)pick(s, 3);
    for (int st = 0; st < nst; st++) {
        if (st)
            sb_add(c, pick(s, 2) ? " ; " : " | ");
        sb_add(c, cprogs[pick(s, 8)]);
        int nw = (int)pick(s, 8), dd = 0;
        for (int w = 0; w < nw; w++) {
            sb_add(c, " ");
            uint32_t k = pick(s, 10);
            if (k < 4 && !dd) {
                const char *f = cflags[pick(s, 16)];
                dd = !strcmp(f, "--");
                sb_add(c, f);
            } else {
                sb_add(c, cargs[pick(s, 10)]);
            }
        }
    }
}

/* A command derived from a pattern, then perturbed. */
static void gen_near(src *s, sbuf *c, const ref_pat *p)
{
    sb_add(c, p->prog);
    int skip = pick(s, 3) == 0 ? (int)pick(s, 8) : -1, w = 0;
    for (int g = 0; g < p->ngroups; g++, w++) {
        if (w == skip)
            continue;
        int k = 0;
        while (k + 1 < REF_MAX_ALTS && p->alts[g][k + 1] && pick(s, 2))
            k++;
        const char *f = p->alts[g][k];
        sb_add(c, " ");
        sb_add(c, f);
        if (f[1] != '-' && pick(s, 3) == 0)
            sb_add(c, pick(s, 2) ? "v" : "R"); /* a cluster with another flag */
    }
    int dd = pick(s, 4) == 0;
    if (dd)
        sb_add(c, " --");
    for (int i = 0; i < p->npos; i++, w++) {
        if (w == skip)
            continue;
        if (!strcmp(p->pos[i], "...")) {
            for (int k = (int)pick(s, 3); k > 0; k--)
                sb_add(c, " "), sb_add(c, args[pick(s, 4)]);
        } else if (p->pos[i][0] == '-') {
            sb_add(c, dd || pick(s, 2) ? " -r" : " ./-r");
        } else {
            sb_add(c, " "), sb_add(c, p->pos[i]);
        }
    }
    if (pick(s, 3) == 0)
        sb_add(c, pick(s, 2) ? " a" : " -x");
}

static const char *const act[] = {"allow", "warn", "confirm", "deny"};
static const char *const rk[] = {"none", "low", "moderate", "high", "critical"};

static void report(const char *yaml, const char *cmd, const rt_norm *n, const cmdai_verdict *got,
                   const cmdai_verdict *want)
{
    char canon[1024];
    size_t o = 0;
    canon[0] = '\0';
    for (uint32_t u = 0; u < n->nunits && o + 8 < sizeof canon; u++) {
        if (u)
            o += (size_t)snprintf(canon + o, sizeof canon - o, " ; ");
        size_t need = rt_norm_render(n, u, canon + o, sizeof canon - o);
        o += need < sizeof canon - o ? need : sizeof canon - o - 1;
    }
    fprintf(stderr, "fuzz_diff MISMATCH\ncommand: %s\ncanonical: %s\n", cmd, canon);
    const cmdai_verdict *v[2] = {got, want};
    for (int k = 0; k < 2; k++) {
        fprintf(stderr, "%s: %s risk %d reason %#x rules", k ? "reference" : "automaton", act[v[k]->action & 3],
                v[k]->risk, v[k]->reason);
        for (unsigned i = 0; i < v[k]->nrules && i < CMDAI_VERDICT_RULES; i++)
            fprintf(stderr, " r%02u", v[k]->rules[i]);
        fprintf(stderr, "\n");
    }
    fprintf(stderr, "--- rules ---\n%s", yaml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    src s = {data, size, 0};
    ref_rule rules[REF_MAX_RULES];
    int nr = 1 + (int)pick(&s, 6), def = (int)pick(&s, 3);
    static char yaml[8192];
    size_t o = (size_t)snprintf(yaml, sizeof yaml,
                                "template:\n  name: t\n  version: 1.0.0\n  safety:\n    default: %s\n    rules:\n",
                                act[def]);
    for (int r = 0; r < nr; r++) {
        ref_rule *R = &rules[r];
        memset(R, 0, sizeof *R);
        snprintf(R->id, sizeof R->id, "r%02d", r);
        unsigned prog = pick(&s, 3);
        gen_pat(&s, &R->match, prog);
        R->has_unless = pick(&s, 4) == 0;
        if (R->has_unless)
            gen_pat(&s, &R->unless, prog);
        R->action = (int)pick(&s, 4);
        R->risk = 1 + (int)pick(&s, 4);
        char m[256], u[256];
        ref_pat_text(m, sizeof m, &R->match);
        o += (size_t)snprintf(yaml + o, sizeof yaml - o, "      - id: %s\n        match: '%s'\n", R->id, m);
        if (R->has_unless) {
            ref_pat_text(u, sizeof u, &R->unless);
            o += (size_t)snprintf(yaml + o, sizeof yaml - o, "        unless: '%s'\n", u);
        }
        o += (size_t)snprintf(yaml + o, sizeof yaml - o, "        risk: %s\n        action: %s\n        message: m%02d\n",
                              rk[R->risk], act[R->action], r);
    }

    if (getenv("FUZZ_DIFF_PRINT")) /* reproduce a case by hand: the rules of this input */
        fputs(yaml, stderr);
    arena a;
    arena_init(&a);
    diag d;
    diag_init(&d);
    tpl *t;
    ir *ir = NULL;
    unsigned char *bytes = NULL, *mem = NULL;
    size_t len = 0;
    if (tpl_load_mem(&a, "<fuzz>", yaml, strlen(yaml), NULL, &t, &d) ||
        cc_compile(&a, t, 200000, &ir, &d)) {
        /* The vocabulary is always valid DSL and small: a refusal is a finding. */
        char buf[1024];
        diag_format(&d, buf, sizeof buf);
        fprintf(stderr, "fuzz_diff: rule set refused: %s--- rules ---\n%s", buf, yaml);
        abort();
    }
    emit_opts eo = {.serial = 1, .scope = "fuzz"};
    if (emit_bundle(ir, &eo, &bytes, &len, &d))
        abort();
    mem = malloc(len); /* malloc: 8-aligned */
    if (!mem)
        abort();
    memcpy(mem, bytes, len);
    struct cmdai_bundle b;
    cmdai_error err;
    if (rt_bundle_check(&b, mem, len, &err) != CMDAI_OK) {
        fprintf(stderr, "fuzz_diff: emitted bundle does not validate: %s\n", err.text);
        abort();
    }
    static rt_norm n;
    int ncmd = 1 + (int)pick(&s, 16);
    for (int k = 0; k < ncmd; k++) {
        sbuf c = {.n = 0};
        c.s[0] = '\0';
        if (pick(&s, 2))
            gen_command(&s, &c);
        else {
            const ref_rule *R = &rules[pick(&s, (uint32_t)nr)];
            gen_near(&s, &c, R->has_unless && pick(&s, 2) ? &R->unless : &R->match);
        }
        if (rt_norm_run(&n, c.s, c.n) != CMDAI_OK)
            continue;
        cmdai_verdict want, got;
        if (ref_reference(rules, nr, def, &n, &want))
            continue;
        cmdai_eval(&b, c.s, c.n, &got);
        int same = got.action == want.action && got.risk == want.risk && got.reason == want.reason &&
                   got.nrules == want.nrules && !memcmp(got.rules, want.rules, want.nrules * sizeof want.rules[0]);
        if (!same) {
            report(yaml, c.s, &n, &got, &want);
            abort();
        }
    }
    free(mem);
    free(bytes);
    ir_free(ir);
    arena_release(&a);
    return 0;
}
