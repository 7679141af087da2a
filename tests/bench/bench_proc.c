/* bench_proc.c — child processes for `make bench`: wall time of a fresh
 * process (cold eval = `cmdai-policy check` minus `true`), and instruction
 * counts of the eval path under callgrind (stable where wall time is noisy). */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

extern char **environ;

static int run_quiet(char *const argv[])
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

double bench_spawn_median_ns(char *const argv[], int n)
{
    double *v = malloc((size_t)n * sizeof *v);
    if (!v)
        abort();
    if (run_quiet(argv) < 0) { /* warm the page cache, and check that it starts */
        free(v);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        uint64_t t0 = bench_now_ns();
        run_quiet(argv);
        v[i] = (double)(bench_now_ns() - t0);
    }
    double m = bench_quantile(v, (size_t)n, 0.5);
    free(v);
    return m;
}

int bench_spawn_pair_ns(char *const a[], char *const b[], int n, double *a_med, double *b_med)
{
    double *va = malloc((size_t)n * sizeof *va), *vb = malloc((size_t)n * sizeof *vb);
    if (!va || !vb)
        abort();
    int rc = run_quiet(a) < 0 || run_quiet(b) < 0 ? -1 : 0; /* warm the page cache; both must start */
    for (int i = 0; i < n && !rc; i++) {
        uint64_t t0 = bench_now_ns();
        run_quiet(a);
        uint64_t t1 = bench_now_ns();
        run_quiet(b);
        va[i] = (double)(t1 - t0);
        vb[i] = (double)(bench_now_ns() - t1);
    }
    if (!rc) {
        *a_med = bench_quantile(va, (size_t)n, 0.5);
        *b_med = bench_quantile(vb, (size_t)n, 0.5);
    }
    free(va);
    free(vb);
    return rc;
}

double bench_callgrind_ir(const char *driver, char *const args[], const char *fn, const char *outfile)
{
    static const char *const vg[] = {"/usr/bin/valgrind", "/usr/local/bin/valgrind"};
    const char *valgrind = NULL;
    for (size_t i = 0; i < 2 && !valgrind; i++)
        if (access(vg[i], X_OK) == 0)
            valgrind = vg[i];
    if (!valgrind)
        return -1;
    remove(outfile); /* a stale file must not pass for this run's */
    char toggle[128], out[512];
    if (fn)
        snprintf(toggle, sizeof toggle, "--toggle-collect=%s", fn);
    else /* the whole process, dynamic loader included */
        snprintf(toggle, sizeof toggle, "--collect-atstart=yes");
    snprintf(out, sizeof out, "--callgrind-out-file=%s", outfile);
    char *argv[32];
    int k = 0;
    argv[k++] = (char *)valgrind;
    argv[k++] = (char *)"--tool=callgrind";
    argv[k++] = toggle;
    argv[k++] = out;
    argv[k++] = (char *)driver;
    for (int i = 0; args[i] && k < 31; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    if (run_quiet(argv) < 0) /* any exit status: `check` exits with its verdict */
        return -1;
    FILE *fp = fopen(outfile, "r");
    if (!fp)
        return -1;
    char line[512];
    double ir = -1;
    while (fgets(line, sizeof line, fp)) /* "summary: N" (older) or "totals: N" */
        if (!strncmp(line, "summary:", 8) || !strncmp(line, "totals:", 7))
            ir = strtod(strchr(line, ':') + 1, NULL);
    fclose(fp);
    return ir;
}
