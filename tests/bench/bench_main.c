/* bench_main.c — `make bench`: for generated rule sets of 10 ... 10,000
 * rules and the stdlib templates, compile one automaton each, then measure
 * over the command workload: eval and walk-only ns/command, compile time,
 * size, open+verify, cold eval in a fresh process, callgrind instruction
 * counts, the command-length sweep, and the same rules as regexes in PCRE2,
 * Hyperscan and RE2::Set with their verdicts checked against the automaton.
 * Prints tables and writes BUILD/bench.json.  Asserts nothing about time.
 * usage: bench_main BUILD_DIR [MAX_RULES [TEMPLATE_GLOB]]   (cwd: the repository
 * root; the glob defaults to stdlib-templates/ *.yaml) */
#include <float.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "bundle.h"
#include "emit.h"
#include "ir.h"
#include "shell.h"
#include "sign.h"
#include "tpl.h"

enum { NENG = 3, BATCHES = 2, K_EVAL = 8, K_WALK = 32, K_ENGINE = 8, MAX_EXAMPLES = 5, NSWEEP = 5 };
/* Up to 4 KiB: longer lines of ~10-byte words pass RT_NORM_STAGE_TOKS words
 * in one stage and are refused (CMDAI_E_TOO_COMPLEX), which times the
 * refusal, not the decision; sweep_error in the JSON says when that happens. */
static const size_t sweep_len[NSWEEP] = {16, 64, 256, 1024, 4096};

typedef struct eng_result {
    int ok;
    char err[200];
    double compile_ms, p50, p99, mean, first_mean;
    size_t checked, mismatches, sample;
} eng_result;

typedef struct set_result {
    char label[48];
    int ok;
    unsigned nrules;
    uint32_t nstates, nclasses;
    size_t bytes;
    double load_ms, compile_ms, emit_ms, check_us, open_verify_us;
    double walk_p50, walk_p99, walk_mean, eval_p50, eval_p99, eval_mean;
    double cold_us, cold_raw_us, true_us, cold_ir;
    double ir_eval, ir_walk;
    size_t deny, errors;
    double sweep_eval[NSWEEP], sweep_walk[NSWEEP];
    int has_engines;
    eng_result eng[NENG];
} set_result;

static const bench_engine *const engines[NENG] = {&bench_pcre2, &bench_hyperscan, &bench_re2set};

static const char *build_dir;
static char keysec[512], keypub[512], statedir[512], cgcmds[512];
static double true_ns, true_ir;
static size_t cg_count;
static int sweep_err[NSWEEP];
static volatile unsigned sink;

/* ---- the automaton -------------------------------------------------------------- */

static double time_eval(const struct cmdai_bundle *b, const bench_cmd *c)
{
    double best = DBL_MAX;
    for (int r = 0; r < BATCHES; r++) {
        cmdai_verdict v;
        uint64_t t0 = bench_now_ns();
        for (int k = 0; k < K_EVAL; k++) {
            cmdai_eval(b, c->text, c->len, &v);
            sink += v.action;
        }
        double t = (double)(bench_now_ns() - t0) / K_EVAL;
        best = t < best ? t : best;
    }
    return best;
}

static double time_walk(const struct cmdai_bundle *b, const rt_norm *n)
{
    double best = DBL_MAX;
    for (int r = 0; r < BATCHES; r++) {
        cmdai_verdict v;
        uint64_t t0 = bench_now_ns();
        for (int k = 0; k < K_WALK; k++) {
            memset(&v, 0, sizeof v);
            rt_decide_units(b, n, &v);
            sink += v.action;
        }
        double t = (double)(bench_now_ns() - t0) / K_WALK;
        best = t < best ? t : best;
    }
    return best;
}

static void measure_automaton(set_result *s, const struct cmdai_bundle *b, const bench_workload *w,
                              cmdai_verdict *verdicts)
{
    static rt_norm n;
    double *ev = malloc(w->n * sizeof *ev), *wv = malloc(w->n * sizeof *wv);
    if (!ev || !wv)
        abort();
    /* Stream: one pass over the whole workload, caches as they come. */
    uint64_t t0 = bench_now_ns();
    for (size_t i = 0; i < w->n; i++)
        cmdai_eval(b, w->cmd[i].text, w->cmd[i].len, &verdicts[i]);
    s->eval_mean = (double)(bench_now_ns() - t0) / (double)w->n;
    double wsum = 0;
    for (size_t i = 0; i < w->n; i++) {
        s->deny += verdicts[i].action == CMDAI_DENY;
        s->errors += verdicts[i].error != CMDAI_OK;
        ev[i] = time_eval(b, &w->cmd[i]);
        rt_norm_run(&n, w->cmd[i].text, w->cmd[i].len);
        wv[i] = time_walk(b, &n);
        wsum += wv[i];
    }
    s->walk_mean = wsum / (double)w->n;
    s->eval_p50 = bench_quantile(ev, w->n, 0.5);
    s->eval_p99 = bench_quantile(ev, w->n, 0.99);
    s->walk_p50 = bench_quantile(wv, w->n, 0.5);
    s->walk_p99 = bench_quantile(wv, w->n, 0.99);
    free(ev);
    free(wv);
}

static void measure_sweep(set_result *s, const struct cmdai_bundle *b, const bench_workload *sw)
{
    static rt_norm n;
    for (size_t i = 0; i < sw->n && i < NSWEEP; i++) {
        s->sweep_eval[i] = time_eval(b, &sw->cmd[i]);
        sweep_err[i] = sw->cmd[i].norm_error;
        rt_norm_run(&n, sw->cmd[i].text, sw->cmd[i].len);
        s->sweep_walk[i] = time_walk(b, &n);
    }
}

/* ---- baselines --------------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Every rule an engine reports for a command (all units), sorted, unique. */
static size_t engine_rules(const bench_engine *e, void *ctx, const bench_cmd *c, uint32_t *ids, size_t cap)
{
    size_t k = 0, from = 0;
    for (uint32_t u = 0; u < c->nunits; u++) {
        size_t got = e->match(ctx, c->canon + from, c->uend[u] - from, ids + k, cap - k);
        k += got < cap - k ? got : cap - k;
        from = c->uend[u];
    }
    qsort(ids, k, sizeof *ids, cmp_u32);
    size_t o = 0;
    for (size_t i = 0; i < k; i++)
        if (!o || ids[o - 1] != ids[i])
            ids[o++] = ids[i];
    return o;
}

/* The automaton's verdict lists the CMDAI_VERDICT_RULES most severe rules and
 * counts all of them: equal when the counts agree and every listed rule is
 * one the engine found. */
static int same_rules(const cmdai_verdict *v, const uint32_t *ids, size_t n)
{
    if (v->nrules != n)
        return 0;
    for (unsigned i = 0; i < v->nrules && i < CMDAI_VERDICT_RULES; i++)
        if (!bsearch(&v->rules[i], ids, n, sizeof *ids, cmp_u32))
            return 0;
    return 1;
}

static void print_example(FILE *f, const char *engine, const bench_cmd *c, const cmdai_verdict *v,
                          const uint32_t *ids, size_t n, const bench_rule *rules)
{
    static rt_norm nn;
    char canon[1024];
    rt_norm_run(&nn, c->text, c->len);
    canon[0] = '\0';
    size_t o = 0;
    for (uint32_t u = 0; u < nn.nunits && o + 8 < sizeof canon; u++) {
        if (u)
            o += (size_t)snprintf(canon + o, sizeof canon - o, " ; ");
        size_t need = rt_norm_render(&nn, u, canon + o, sizeof canon - o);
        o += need < sizeof canon - o ? need : sizeof canon - o - 1;
    }
    fprintf(f, "  mismatch %s: [%s] canonical [%s]\n    automaton %u rules:", engine, c->text, canon, v->nrules);
    for (unsigned i = 0; i < v->nrules && i < CMDAI_VERDICT_RULES; i++)
        fprintf(f, " r%05u", v->rules[i]);
    fprintf(f, "\n    %s %zu rules:", engine, n);
    for (size_t i = 0; i < n && i < 16; i++)
        fprintf(f, " r%05u", ids[i]);
    fprintf(f, "\n");
    for (size_t i = 0; i < n && i < 4; i++) {
        char *re = bench_rule_regex(&rules[ids[i]]);
        fprintf(f, "    r%05u regex %s\n", ids[i], re);
        free(re);
    }
}

static void run_engine(eng_result *er, const bench_engine *e, char **pats, const bench_rule *rules, size_t nrules,
                       const bench_workload *w, const cmdai_verdict *verdicts)
{
    uint64_t t0 = bench_now_ns();
    void *ctx = e->compile((const char *const *)pats, nrules, er->err, sizeof er->err);
    er->compile_ms = (double)(bench_now_ns() - t0) / 1e6;
    if (!ctx)
        return;
    er->ok = 1;
    /* PCRE2 tries every rule on every command: a stride sample keeps the run
     * to seconds at 10,000 rules.  The others see every command. */
    size_t stride = 1;
    if (e == &bench_pcre2) {
        size_t want = 4000000 / (nrules ? nrules : 1);
        want = want < 200 ? 200 : want;
        stride = w->n > want ? w->n / want : 1;
    }
    size_t cap = nrules + 16;
    uint32_t *ids = malloc(cap * sizeof *ids);
    double *tv = malloc(w->n * sizeof *tv);
    if (!ids || !tv)
        abort();
    /* First pass: the verdict check, timed too (a lazy DFA builds its states here). */
    size_t examples = 0;
    t0 = bench_now_ns();
    for (size_t i = 0; i < w->n; i += stride) {
        size_t n = engine_rules(e, ctx, &w->cmd[i], ids, cap);
        er->checked++;
        if (!same_rules(&verdicts[i], ids, n)) {
            er->mismatches++;
            if (examples++ < MAX_EXAMPLES)
                print_example(stderr, e->name, &w->cmd[i], &verdicts[i], ids, n, rules);
        }
    }
    er->first_mean = (double)(bench_now_ns() - t0) / (double)er->checked;
    /* Timed: per command, a batch of K_ENGINE scans of all its units. */
    int k_rep = e == &bench_pcre2 ? 1 : K_ENGINE, batches = e == &bench_pcre2 ? 1 : BATCHES;
    size_t nt = 0;
    double sum = 0;
    for (size_t i = 0; i < w->n; i += stride) {
        const bench_cmd *c = &w->cmd[i];
        double best = DBL_MAX;
        for (int r = 0; r < batches; r++) {
            uint64_t s0 = bench_now_ns();
            for (int k = 0; k < k_rep; k++) {
                size_t from = 0;
                for (uint32_t u = 0; u < c->nunits; u++) {
                    sink += (unsigned)e->match(ctx, c->canon + from, c->uend[u] - from, ids, cap);
                    from = c->uend[u];
                }
            }
            double t = (double)(bench_now_ns() - s0) / k_rep;
            best = t < best ? t : best;
        }
        tv[nt++] = best;
        sum += best;
    }
    er->sample = nt;
    er->mean = sum / (double)nt;
    er->p50 = bench_quantile(tv, nt, 0.5);
    er->p99 = bench_quantile(tv, nt, 0.99);
    free(tv);
    free(ids);
    e->release(ctx);
}

/* ---- processes: open+verify, cold eval, callgrind ------------------------------- */

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t k = fwrite(p, 1, n, f);
    return fclose(f) == 0 && k == n ? 0 : -1;
}

static void measure_signed(set_result *s, const unsigned char *bytes, size_t len)
{
    diag d;
    diag_init(&d);
    char *sig = NULL;
    size_t siglen = 0;
    if (sign_file_mem(keysec, bytes, len, NULL, &sig, &siglen, &d) != CMDAI_OK) {
        fprintf(stderr, "%s: sign_file_mem failed\n", s->label);
        return;
    }
    cmdai_open_opts oo = {.trust = keypub, .flags = CMDAI_OPEN_NO_ROLLBACK_STATE};
    enum { N = 21 };
    double v[N];
    for (int i = 0; i < N; i++) {
        cmdai_error err;
        uint64_t t0 = bench_now_ns();
        cmdai_bundle *h = cmdai_open_mem(bytes, len, sig, siglen, &oo, &err);
        v[i] = (double)(bench_now_ns() - t0);
        if (!h) {
            fprintf(stderr, "%s: cmdai_open_mem: %s\n", s->label, err.text);
            free(sig);
            return;
        }
        cmdai_close(h);
    }
    s->open_verify_us = bench_quantile(v, N, 0.5) / 1e3;

    char path[600], sigpath[620], bin[600];
    snprintf(path, sizeof path, "%s/bench/%s.cpb", build_dir, s->label);
    snprintf(sigpath, sizeof sigpath, "%s.minisig", path);
    if (write_file(path, bytes, len) || write_file(sigpath, sig, siglen)) {
        free(sig);
        return;
    }
    free(sig);
    snprintf(bin, sizeof bin, "%s/bin/cmdai-policy", build_dir);
    char *argv[] = {bin,     (char *)"check", (char *)"--bundle", path,          (char *)"--trust", keypub,
                    (char *)"--state", statedir, (char *)"--",   (char *)"git", (char *)"push",
                    (char *)"--force", (char *)"origin", (char *)"main", NULL};
    char *targv[] = {(char *)"/bin/true", NULL};
    double raw, t_ns;
    if (bench_spawn_pair_ns(targv, argv, 41, &t_ns, &raw) == 0) {
        s->cold_raw_us = raw / 1e3;
        s->true_us = t_ns / 1e3;
        s->cold_us = (raw - t_ns) / 1e3;
    } else {
        s->cold_us = s->cold_raw_us = -1;
    }
    /* The same in instructions, which machine load does not move: the whole
     * `check` process under callgrind, minus the whole of `true`. */
    char outc[700];
    snprintf(outc, sizeof outc, "%s/bench/%s.cold.callgrind", build_dir, s->label);
    double ic = bench_callgrind_ir(bin, argv + 1, NULL, outc);
    s->cold_ir = ic >= 0 && true_ir >= 0 ? ic - true_ir : -1;
    char driver[600], oute[700], outw[700];
    snprintf(driver, sizeof driver, "%s/bench/bench_cg_driver", build_dir);
    snprintf(oute, sizeof oute, "%s/bench/%s.eval.callgrind", build_dir, s->label); /* for callgrind_annotate */
    snprintf(outw, sizeof outw, "%s/bench/%s.walk.callgrind", build_dir, s->label);
    char *eargs[] = {path, keypub, cgcmds, (char *)"eval", NULL};
    char *wargs[] = {path, keypub, cgcmds, (char *)"walk", NULL};
    double ie = bench_callgrind_ir(driver, eargs, "cmdai_eval", oute);
    double iw = bench_callgrind_ir(driver, wargs, "rt_decide_units", outw);
    s->ir_eval = ie >= 0 && cg_count ? ie / (double)cg_count : -1;
    s->ir_walk = iw >= 0 && cg_count ? iw / (double)cg_count : -1;
}

/* ---- one rule set ----------------------------------------------------------------- */

static void run_set(set_result *s, const char *label, const char *yaml, const char *path, const bench_rule *rules,
                    unsigned ngen, const bench_workload *w, const bench_workload *sw)
{
    snprintf(s->label, sizeof s->label, "%s", label);
    arena a;
    arena_init(&a);
    diag d;
    diag_init(&d);
    tpl *t;
    char buf[1024];
    uint64_t t0 = bench_now_ns();
    int rc = yaml ? tpl_load_mem(&a, label, yaml, strlen(yaml), "stdlib-templates", &t, &d)
                  : tpl_load(&a, path, "stdlib-templates", &t, &d);
    s->load_ms = (double)(bench_now_ns() - t0) / 1e6;
    ir *r = NULL;
    if (!rc) {
        t0 = bench_now_ns();
        rc = cc_compile(&a, t, CC_DEFAULT_MAX_STATES, &r, &d);
        s->compile_ms = (double)(bench_now_ns() - t0) / 1e6;
    }
    if (rc) {
        diag_format(&d, buf, sizeof buf);
        fprintf(stderr, "%s: %s", label, buf);
        arena_release(&a);
        return;
    }
    emit_opts eo = {.serial = 1, .scope = "bench"};
    unsigned char *bytes;
    size_t len;
    t0 = bench_now_ns();
    if (emit_bundle(r, &eo, &bytes, &len, &d)) {
        fprintf(stderr, "%s: emit failed\n", label);
        ir_free(r);
        arena_release(&a);
        return;
    }
    s->emit_ms = (double)(bench_now_ns() - t0) / 1e6;
    s->nrules = r->nrules;
    s->nstates = r->nstates;
    s->nclasses = r->nclasses;
    s->bytes = len;
    unsigned char *mem = malloc(len); /* malloc: 8-aligned, as rt_bundle_check needs */
    if (!mem)
        abort();
    memcpy(mem, bytes, len);
    struct cmdai_bundle b;
    cmdai_error err;
    t0 = bench_now_ns();
    if (rt_bundle_check(&b, mem, len, &err) != CMDAI_OK) {
        fprintf(stderr, "%s: bundle check failed: %s\n", label, err.text);
        goto out;
    }
    s->check_us = (double)(bench_now_ns() - t0) / 1e3;
    s->ok = 1;
    fprintf(stderr, "[%s] %u rules, %u states: measuring\n", label, s->nrules, s->nstates);
    cmdai_verdict *verdicts = malloc(w->n * sizeof *verdicts);
    if (!verdicts)
        abort();
    measure_automaton(s, &b, w, verdicts);
    measure_sweep(s, &b, sw);
    measure_signed(s, bytes, len);
    if (rules) {
        s->has_engines = 1;
        char **pats = malloc(ngen * sizeof *pats);
        if (!pats)
            abort();
        for (unsigned i = 0; i < ngen; i++)
            pats[i] = bench_rule_regex(&rules[i]);
        for (int e = 0; e < NENG; e++) {
            fprintf(stderr, "[%s] %s\n", label, engines[e]->name);
            run_engine(&s->eng[e], engines[e], pats, rules, ngen, w, verdicts);
        }
        for (unsigned i = 0; i < ngen; i++)
            free(pats[i]);
        free(pats);
    }
    free(verdicts);
out:
    free(mem);
    free(bytes);
    ir_free(r);
    arena_release(&a);
}

/* ---- report ------------------------------------------------------------------------ */

static void print_tables(const set_result *s, size_t n, const bench_workload *w)
{
    printf("\nworkload: %zu commands from", w->n);
    for (size_t i = 0; i < w->nfiles; i++)
        printf(" %s", w->files[i]);
    printf("\nns per command: p50/p99 of per-command batches (walk x%d, eval x%d), mean = one pass over the "
           "workload\n\n",
           K_WALK, K_EVAL);
    printf("| set | rules | states | bytes | B/rule | compile ms | open+verify us | walk p50/p99/mean ns | eval "
           "p50/p99/mean ns | cold us / kIr | Ir walk/eval |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        if (!s[i].ok) {
            printf("| %s | failed |\n", s[i].label);
            continue;
        }
        printf("| %s | %u | %u | %zu | %.0f | %.1f | %.0f | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f | %.0f / %.0f | "
               "%.0f / %.0f |\n",
               s[i].label, s[i].nrules, s[i].nstates, s[i].bytes, s[i].nrules ? (double)s[i].bytes / s[i].nrules : 0,
               s[i].compile_ms, s[i].open_verify_us, s[i].walk_p50, s[i].walk_p99, s[i].walk_mean, s[i].eval_p50,
               s[i].eval_p99, s[i].eval_mean, s[i].cold_us, s[i].cold_ir / 1e3, s[i].ir_walk, s[i].ir_eval);
    }
    printf("\nbaselines: the same rules as regexes over the same canonical units; ratio = engine p50 / automaton "
           "walk p50 (and / eval p50)\n\n");
    printf("| set | engine | compile ms | p50 ns | p99 ns | mean ns | first-pass mean ns | x walk | x eval | "
           "checked | mismatches |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        if (!s[i].has_engines)
            continue;
        for (int e = 0; e < NENG; e++) {
            const eng_result *r = &s[i].eng[e];
            if (!r->ok) {
                printf("| %s | %s | %s |\n", s[i].label, engines[e]->name, r->err);
                continue;
            }
            printf("| %s | %s | %.1f | %.0f | %.0f | %.0f | %.0f | %.1f | %.1f | %zu | %zu |\n", s[i].label,
                   engines[e]->name, r->compile_ms, r->p50, r->p99, r->mean, r->first_mean, r->p50 / s[i].walk_p50,
                   r->p50 / s[i].eval_p50, r->checked, r->mismatches);
        }
    }
    printf("\ncommand-length sweep (git push + arguments): ns per command, walk / eval\n\n| set |");
    for (int k = 0; k < NSWEEP; k++)
        printf(" %zu B%s |", sweep_len[k], sweep_err[k] ? " (refused)" : "");
    printf("\n|---|");
    for (int k = 0; k < NSWEEP; k++)
        printf("---|");
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        if (!s[i].ok)
            continue;
        printf("| %s |", s[i].label);
        for (int k = 0; k < NSWEEP; k++)
            printf(" %.0f / %.0f |", s[i].sweep_walk[k], s[i].sweep_eval[k]);
        printf("\n");
    }
    const set_result *lo = NULL, *hi = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i].ok && s[i].has_engines) {
            if (!lo || s[i].nrules < lo->nrules)
                lo = &s[i];
            if (!hi || s[i].nrules > hi->nrules)
                hi = &s[i];
        }
    if (lo && hi)
        printf("\nwalk p50 %s / %s = %.2f   eval p50 = %.2f   cold eval beyond `true` (%.0f us) in %s: %.0f us\n",
               hi->label, lo->label, hi->walk_p50 / lo->walk_p50, hi->eval_p50 / lo->eval_p50, hi->true_us,
               hi->label, hi->cold_us);
}

static void json_num(FILE *f, const char *k, double v, int comma)
{
    fprintf(f, "\"%s\":%.6g%s", k, v, comma ? "," : "");
}

static void write_json(const set_result *s, size_t n, const bench_workload *w, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", path);
        return;
    }
    char cpu[256] = "?";
    FILE *ci = fopen("/proc/cpuinfo", "r");
    if (ci) {
        char line[512];
        while (fgets(line, sizeof line, ci))
            if (!strncmp(line, "model name", 10)) {
                char *c = strchr(line, ':');
                snprintf(cpu, sizeof cpu, "%.200s", c ? c + 2 : line);
                cpu[strcspn(cpu, "\n\"\\")] = '\0';
                break;
            }
        fclose(ci);
    }
    fprintf(f, "{\"machine\":{\"cpu\":\"%s\",\"nproc\":%ld},", cpu, sysconf(_SC_NPROCESSORS_ONLN));
    fprintf(f, "\"workload\":{\"commands\":%zu,\"files\":[", w->n);
    for (size_t i = 0; i < w->nfiles; i++)
        fprintf(f, "%s\"%s\"", i ? "," : "", w->files[i]);
    fprintf(f, "]},\"method\":{\"walk_batch\":%d,\"eval_batch\":%d,\"engine_batch\":%d,\"batches_min_of\":%d},", K_WALK,
            K_EVAL, K_ENGINE, BATCHES);
    json_num(f, "true_process_us", true_ns / 1e3, 1);
    fprintf(f, "\"callgrind_commands\":%zu,\"sweep_bytes\":[", cg_count);
    for (int k = 0; k < NSWEEP; k++)
        fprintf(f, "%s%zu", k ? "," : "", sweep_len[k]);
    fprintf(f, "],\"sets\":[");
    for (size_t i = 0; i < n; i++) {
        const set_result *r = &s[i];
        fprintf(f, "%s{\"label\":\"%s\",\"ok\":%s", i ? "," : "", r->label, r->ok ? "true" : "false");
        if (r->ok) {
            fprintf(f, ",\"rules\":%u,\"states\":%u,\"classes\":%u,\"bundle_bytes\":%zu,", r->nrules, r->nstates,
                    r->nclasses, r->bytes);
            json_num(f, "bytes_per_rule", r->nrules ? (double)r->bytes / r->nrules : 0, 1);
            json_num(f, "template_load_ms", r->load_ms, 1);
            json_num(f, "compile_ms", r->compile_ms, 1);
            json_num(f, "emit_ms", r->emit_ms, 1);
            json_num(f, "check_us", r->check_us, 1);
            json_num(f, "open_verify_us", r->open_verify_us, 1);
            json_num(f, "walk_ns_p50", r->walk_p50, 1);
            json_num(f, "walk_ns_p99", r->walk_p99, 1);
            json_num(f, "walk_ns_mean", r->walk_mean, 1);
            json_num(f, "eval_ns_p50", r->eval_p50, 1);
            json_num(f, "eval_ns_p99", r->eval_p99, 1);
            json_num(f, "eval_ns_mean_stream", r->eval_mean, 1);
            json_num(f, "cold_eval_us_beyond_true", r->cold_us, 1);
            json_num(f, "cold_eval_us_raw", r->cold_raw_us, 1);
            json_num(f, "true_process_us_paired", r->true_us, 1);
            json_num(f, "cold_eval_ir_beyond_true", r->cold_ir, 1);
            json_num(f, "ir_per_command_walk", r->ir_walk, 1);
            json_num(f, "ir_per_command_eval", r->ir_eval, 1);
            fprintf(f, "\"deny\":%zu,\"norm_errors\":%zu,\"sweep_walk_ns\":[", r->deny, r->errors);
            for (int k = 0; k < NSWEEP; k++)
                fprintf(f, "%s%.1f", k ? "," : "", r->sweep_walk[k]);
            fprintf(f, "],\"sweep_error\":[");
            for (int k = 0; k < NSWEEP; k++)
                fprintf(f, "%s%d", k ? "," : "", sweep_err[k]);
            fprintf(f, "],\"sweep_eval_ns\":[");
            for (int k = 0; k < NSWEEP; k++)
                fprintf(f, "%s%.1f", k ? "," : "", r->sweep_eval[k]);
            fprintf(f, "]");
            if (r->has_engines) {
                fprintf(f, ",\"baselines\":{");
                for (int e = 0; e < NENG; e++) {
                    const eng_result *x = &r->eng[e];
                    fprintf(f, "%s\"%s\":{\"ok\":%s", e ? "," : "", engines[e]->name, x->ok ? "true" : "false");
                    if (!x->ok) {
                        fprintf(f, ",\"error\":\"%s\"}", x->err);
                        continue;
                    }
                    fprintf(f, ",");
                    json_num(f, "compile_ms", x->compile_ms, 1);
                    json_num(f, "ns_p50", x->p50, 1);
                    json_num(f, "ns_p99", x->p99, 1);
                    json_num(f, "ns_mean", x->mean, 1);
                    json_num(f, "first_pass_ns_mean", x->first_mean, 1);
                    json_num(f, "ratio_p50_vs_walk", x->p50 / r->walk_p50, 1);
                    json_num(f, "ratio_p50_vs_eval", x->p50 / r->eval_p50, 1);
                    fprintf(f, "\"timed_commands\":%zu,\"checked\":%zu,\"mismatches\":%zu}", x->sample, x->checked,
                            x->mismatches);
                }
                fprintf(f, "}");
            }
        }
        fprintf(f, "}");
    }
    fprintf(f, "]}\n");
    fclose(f);
}

/* ---- main ---------------------------------------------------------------------------- */

static int setup(const bench_workload *w)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/bench", build_dir);
    mkdir(dir, 0755);
    snprintf(keysec, sizeof keysec, "%s/bench/key.sec", build_dir);
    snprintf(keypub, sizeof keypub, "%s/bench/key.pub", build_dir);
    snprintf(statedir, sizeof statedir, "%s/bench/state", build_dir);
    snprintf(cgcmds, sizeof cgcmds, "%s/bench/callgrind-commands.txt", build_dir);
    mkdir(statedir, 0700);
    diag d;
    diag_init(&d);
    if (sign_keygen(keysec, keypub, true, &d) != CMDAI_OK) {
        fprintf(stderr, "bench: cannot create a signing key in %s\n", dir);
        return -1;
    }
    /* Callgrind decides a stride sample of the workload (the figure is per command). */
    FILE *f = fopen(cgcmds, "w");
    if (!f)
        return -1;
    size_t stride = w->n > 2000 ? w->n / 2000 : 1;
    for (size_t i = 0; i < w->n; i += stride, cg_count++)
        fprintf(f, "%s\n", w->cmd[i].text);
    fclose(f);
    char *targv[] = {(char *)"/bin/true", NULL};
    true_ns = bench_spawn_median_ns(targv, 41);
    char out[600];
    snprintf(out, sizeof out, "%s/bench/true.callgrind", build_dir);
    true_ir = bench_callgrind_ir(targv[0], targv + 1, NULL, out);
    return 0;
}

int main(int argc, char **argv)
{
    build_dir = argc > 1 ? argv[1] : "build";
    unsigned max_rules = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 10000;
    bench_workload w, sw;
    bench_workload_load(&w);
    bench_workload_sweep(&sw, sweep_len, NSWEEP);
    if (setup(&w))
        return 1;
    static const unsigned sizes[] = {10, 100, 1000, 10000};
    set_result res[16];
    memset(res, 0, sizeof res);
    size_t nres = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if (sizes[i] > max_rules)
            continue;
        bench_rule *rules;
        char *y = bench_gen_template(sizes[i], 42, &rules);
        char label[32];
        snprintf(label, sizeof label, "gen-%u", sizes[i]);
        run_set(&res[nres++], label, y, NULL, rules, sizes[i], &w, &sw);
        free(rules);
        free(y);
    }
    glob_t g;
    if (glob(argc > 3 ? argv[3] : "stdlib-templates/*.yaml", 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc && nres < 16; i++) {
            const char *base = strrchr(g.gl_pathv[i], '/') + 1;
            char label[48];
            snprintf(label, sizeof label, "%.*s", (int)(strlen(base) - 5), base);
            run_set(&res[nres++], label, NULL, g.gl_pathv[i], NULL, 0, &w, &sw);
        }
        globfree(&g);
    }
    print_tables(res, nres, &w);
    char json[600];
    snprintf(json, sizeof json, "%s/bench.json", build_dir);
    write_json(res, nres, &w, json);
    printf("\nwrote %s\n", json);
    bench_workload_release(&w);
    bench_workload_release(&sw);
    return 0;
}
