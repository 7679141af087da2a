/* bench.h — shared declarations of the `make bench` program (tests/bench/):
 * generated rule sets and their regex translation (bench_rules.c), the
 * command workload (bench_workload.c), timing (bench_time.c), the baseline
 * engines (bench_pcre.c, bench_hs.c, bench_re2.cc) and child processes for
 * cold eval and callgrind (bench_proc.c).  A benchmark, not a test: nothing
 * here asserts anything about time.  Also included by bench_re2.cc (C++). */
#ifndef CMDAI_BENCH_H
#define CMDAI_BENCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- rule sets (bench_rules.c) ------------------------------------------- */

/* One generated rule; its shape decides both its DSL text and its regex. */
typedef struct bench_rule {
    unsigned shape; /* 0..5, see gen_rule() in bench_rules.c */
    unsigned idx;   /* rule index = order of the ids r00000, r00001, ... */
    const char *prog, *word;
} bench_rule;

/* The YAML template of n generated rules; *rules (may be NULL) receives the
 * rules.  Owner: caller, free() both. */
char *bench_gen_template(unsigned n, unsigned seed, bench_rule **rules);

/* A regex over ONE canonical unit (docs/command-model.md) that matches
 * exactly when the rule's pattern matches some stage of the unit, in the
 * syntax common to PCRE2, Hyperscan and RE2 (bytes, \xHH escapes, no
 * lookaround).  Owner: caller, free(). */
char *bench_rule_regex(const bench_rule *r);

/* ---- workload (bench_workload.c) ----------------------------------------- */

typedef struct bench_cmd {
    const char *text;
    size_t len;
    const unsigned char *canon; /* all units back to back */
    size_t clen;
    uint32_t nunits;
    const uint32_t *uend;       /* unit i = canon[i ? uend[i-1] : 0 .. uend[i]) */
    int norm_error;             /* rt_norm_run's result */
} bench_cmd;

typedef struct bench_workload {
    bench_cmd *cmd;
    size_t n;
    size_t nfiles;
    char files[8][128];
    void *mem; /* private */
} bench_workload;

/* ../shared/corpora/ *.txt and tests/corpus/ *.txt (one command a line),
 * normalized once. */
int bench_workload_load(bench_workload *w);
/* Commands of about `len` bytes: a realistic prefix and more arguments. */
int bench_workload_sweep(bench_workload *w, const size_t *lens, size_t nlens);
void bench_workload_release(bench_workload *w);

/* ---- timing (bench_time.c) ----------------------------------------------- */

uint64_t bench_now_ns(void);
/* Sorts v in place; the q-quantile (0..1). */
double bench_quantile(double *v, size_t n, double q);

/* ---- baseline engines (bench_pcre.c, bench_hs.c, bench_re2.cc) ----------- */

typedef struct bench_engine {
    const char *name;
    /* NULL with err filled when the engine is not built in or fails. */
    void *(*compile)(const char *const *pats, size_t n, char *err, size_t errcap);
    /* Append the index of every pattern matching p[0..n) to ids (at most
     * cap); returns how many matched. */
    size_t (*match)(void *ctx, const unsigned char *p, size_t n, uint32_t *ids, size_t cap);
    void (*release)(void *ctx);
} bench_engine;

extern const bench_engine bench_pcre2, bench_hyperscan, bench_re2set;

/* ---- child processes (bench_proc.c) -------------------------------------- */

/* Median wall time of running argv (stdout, stderr to /dev/null), n times;
 * negative when it cannot be started. */
double bench_spawn_median_ns(char *const argv[], int n);
/* Run a and b alternately n times (so both see the same machine load);
 * their median wall times.  0, or -1 when one cannot be started. */
int bench_spawn_pair_ns(char *const a[], char *const b[], int n, double *a_med, double *b_med);
/* Run argv under callgrind with --toggle-collect=fn (fn NULL: the whole
 * process); total Ir collected, or -1 (valgrind missing or failed). */
double bench_callgrind_ir(const char *driver, char *const args[], const char *fn, const char *outfile);

#ifdef __cplusplus
}
#endif

#endif
