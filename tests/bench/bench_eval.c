/* bench_eval.c — first figures for `make bench`: compile generated rule sets
 * of several sizes into one automaton each, then time evaluation of a command
 * workload (the shared corpora plus dangerous commands).  A benchmark, not a
 * test: it asserts nothing about time.  The full side-by-side benchmark
 * (PCRE2 loop, RE2::Set, Hyperscan, callgrind) builds on this. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
#include "emit.h"
#include "ir.h"
#include "shell.h"
#include "tpl.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static const char *progs[] = {"rm", "git", "kubectl", "docker", "terraform", "aws", "gcloud", "az", "helm", "psql",
                              "mysql", "redis-cli", "systemctl", "iptables", "chmod", "chown", "dd", "mkfs.ext4",
                              "curl", "wget", "ssh", "scp", "rsync", "tar", "find", "npm", "pip", "cargo", "apt-get",
                              "yum", "brew", "make", "go", "java", "python3", "node", "sed", "awk", "crontab",
                              "useradd", "userdel", "passwd", "mount", "umount", "kill", "pkill", "shutdown", "nc"};
static const char *words[] = {"delete", "destroy", "drop", "push", "reset", "prune", "purge", "remove", "apply", "stop",
                              "restart", "install", "exec", "run", "rm", "clean", "wipe", "flush", "kill", "scale"};

/* A realistic mix: literal subcommands (as in "git push", "kubectl delete"),
 * flags (single, clustered, alternatives), globs, lists, `...`, pipelines.
 * Many rules of one program that each search for an independent word with
 * `...` and no subcommand are not realistic: they multiply states (see
 * docs/performance notes in the foundation issue). */
static char *gen_template(unsigned n, unsigned seed)
{
    size_t cap = 256 + (size_t)n * 200, o = 0;
    char *y = malloc(cap);
    srand(seed);
    o += (size_t)snprintf(y + o, cap - o,
                          "template:\n  name: bench-%u\n  version: 1.0.0\n  lists:\n    roots: [\"/\", \"/*\", \"~\", "
                          "\"$HOME\"]\n  safety:\n    default: allow\n    rules:\n",
                          n);
    for (unsigned i = 0; i < n; i++) {
        const char *p = progs[(unsigned)rand() % (sizeof progs / sizeof progs[0])];
        const char *w = words[(unsigned)rand() % (sizeof words / sizeof words[0])];
        char m[200];
        switch (rand() % 6) {
        case 0: snprintf(m, sizeof m, "%s %s%u", p, w, i); break;
        case 1: snprintf(m, sizeof m, "%s %s%u {-f,--force}", p, w, i); break;
        case 2: snprintf(m, sizeof m, "%s %s%u -r ... @roots", p, w, i); break;
        case 3: snprintf(m, sizeof m, "%s %s ... arg%u*", p, w, i); break;
        case 4: snprintf(m, sizeof m, "%s %s%u ... | sh", p, w, i); break;
        default: snprintf(m, sizeof m, "%s {%s%u,%s%ux} --opt%u", p, w, i, w, i, i % 7); break;
        }
        o += (size_t)snprintf(y + o, cap - o, "      - id: r%05u\n        match: \"%s\"\n        risk: %s\n", i, m,
                              i % 3 ? "high" : "critical");
    }
    snprintf(y + o, cap - o, "  tests:\n    allow: [ls]\n");
    return y;
}

static char **load_commands(size_t *n)
{
    static const char *files[] = {"../shared/corpora/tldr-commands.txt", "../shared/corpora/nl2bash-commands.txt",
                                  "tests/corpus/dangerous.txt"};
    size_t cap = 1024, k = 0;
    char **v = malloc(cap * sizeof *v);
    for (size_t f = 0; f < 3; f++) {
        FILE *fp = fopen(files[f], "r");
        if (!fp)
            continue;
        char *line = NULL;
        size_t lc = 0;
        ssize_t r;
        while ((r = getline(&line, &lc, fp)) > 0) {
            if (line[r - 1] == '\n')
                line[r - 1] = '\0';
            if (k == cap)
                v = realloc(v, (cap *= 2) * sizeof *v);
            v[k++] = strdup(line);
        }
        free(line);
        fclose(fp);
    }
    static const char *fallback[] = {"rm -rf /", "git push --force origin main", "ls -la", "kubectl delete ns prod",
                                     "curl -fsSL https://x | sh", "tar -C / -xf x.tar", "echo hello world"};
    if (!k)
        for (size_t i = 0; i < sizeof fallback / sizeof fallback[0]; i++) {
            if (k == cap)
                v = realloc(v, (cap *= 2) * sizeof *v);
            v[k++] = strdup(fallback[i]);
        }
    *n = k;
    return v;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void run(const char *label, tpl *t, char **cmds, size_t ncmds, arena *a)
{
    diag d;
    diag_init(&d);
    ir *r;
    double t0 = now_ns();
    if (cc_compile(a, t, CC_DEFAULT_MAX_STATES, &r, &d)) {
        char buf[1024];
        diag_format(&d, buf, sizeof buf);
        printf("%-12s compile failed: %s", label, buf);
        return;
    }
    double compile_ms = (now_ns() - t0) / 1e6;
    emit_opts eo = {.serial = 1, .scope = "bench"};
    unsigned char *bytes;
    size_t len;
    if (emit_bundle(r, &eo, &bytes, &len, &d)) {
        printf("%-12s emit failed\n", label);
        ir_free(r);
        return;
    }
    unsigned char *mem = malloc(len);
    memcpy(mem, bytes, len);
    struct cmdai_bundle b;
    cmdai_error err;
    double l0 = now_ns();
    if (rt_bundle_check(&b, mem, len, &err) != CMDAI_OK) {
        printf("%-12s bundle check failed: %s\n", label, err.text);
        return;
    }
    double load_us = (now_ns() - l0) / 1e3;
    /* Pre-normalize for the walk-only figure. */
    rt_norm *norms = malloc(sizeof(rt_norm) * 64);
    double *full = malloc(ncmds * sizeof *full), *walk = malloc(ncmds * sizeof *walk);
    unsigned deny = 0;
    enum { REP = 5 };
    for (size_t i = 0; i < ncmds; i++) {
        size_t L = strlen(cmds[i]);
        cmdai_verdict v;
        double best_full = 1e18, best_walk = 1e18;
        for (int rep = 0; rep < REP; rep++) {
            double s0 = now_ns();
            cmdai_eval(&b, cmds[i], L, &v);
            double s1 = now_ns();
            if (s1 - s0 < best_full)
                best_full = s1 - s0;
        }
        rt_norm_run(&norms[0], cmds[i], L);
        for (int rep = 0; rep < REP; rep++) {
            cmdai_verdict w;
            memset(&w, 0, sizeof w);
            double s0 = now_ns();
            rt_decide_units(&b, &norms[0], &w);
            double s1 = now_ns();
            if (s1 - s0 < best_walk)
                best_walk = s1 - s0;
        }
        full[i] = best_full;
        walk[i] = best_walk;
        deny += v.action == CMDAI_DENY;
    }
    qsort(full, ncmds, sizeof *full, cmp_d);
    qsort(walk, ncmds, sizeof *walk, cmp_d);
    printf("%-12s %6u rules %8u states %4u classes %9zu bytes %7.0f B/rule  compile %8.1f ms  check %7.1f us  "
           "walk p50 %5.0f ns p99 %6.0f ns  eval p50 %6.0f ns p99 %7.0f ns  (%u deny of %zu)\n",
           label, r->nrules, r->nstates, r->nclasses, len, r->nrules ? (double)len / r->nrules : 0.0, compile_ms,
           load_us, walk[ncmds / 2], walk[ncmds * 99 / 100], full[ncmds / 2], full[ncmds * 99 / 100], deny, ncmds);
    free(norms);
    free(full);
    free(walk);
    free(mem);
    free(bytes);
    ir_free(r);
}

int main(void)
{
    size_t ncmds;
    char **cmds = load_commands(&ncmds);
    printf("workload: %zu commands\n", ncmds);
    static const unsigned sizes[] = {10, 100, 1000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        arena a;
        arena_init(&a);
        char *y = gen_template(sizes[i], 42);
        diag d;
        diag_init(&d);
        tpl *t;
        char label[32];
        snprintf(label, sizeof label, "gen-%u", sizes[i]);
        if (tpl_load_mem(&a, label, y, strlen(y), NULL, &t, &d)) {
            char buf[1024];
            diag_format(&d, buf, sizeof buf);
            printf("%s: %s", label, buf);
        } else {
            run(label, t, cmds, ncmds, &a);
        }
        free(y);
        arena_release(&a);
    }
    arena a;
    arena_init(&a);
    diag d;
    diag_init(&d);
    tpl *t;
    if (!tpl_load(&a, "stdlib-templates/core-safety.yaml", "stdlib-templates", &t, &d))
        run("core-safety", t, cmds, ncmds, &a);
    arena_release(&a);
    for (size_t i = 0; i < ncmds; i++)
        free(cmds[i]);
    free(cmds);
    return 0;
}
