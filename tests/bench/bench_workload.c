/* bench_workload.c — the commands `make bench` decides: every line of
 * ../shared/corpora/ *.txt and tests/corpus/ *.txt, normalized once here
 * (rt_norm_run) so that the walk-only figure and the regex baselines read
 * the very bytes the automaton reads; plus synthetic commands of growing
 * length for the command-length sweep. */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "shell.h"

typedef struct wl_mem {
    rt_norm norm; /* ~110 KiB: heap, not stack */
    char **lines;
    size_t nlines, cap;
    unsigned char *canon;
    size_t clen, ccap;
    uint32_t *uend;
    size_t nuend, ucap;
} wl_mem;

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        abort();
    return p;
}

static void add_line(wl_mem *m, const char *s, size_t n)
{
    if (m->nlines == m->cap)
        m->lines = xrealloc(m->lines, (m->cap = m->cap ? m->cap * 2 : 1024) * sizeof *m->lines);
    char *c = malloc(n + 1);
    if (!c)
        abort();
    memcpy(c, s, n);
    c[n] = '\0';
    m->lines[m->nlines++] = c;
}

static void read_file(wl_mem *m, const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return;
    char *line = NULL;
    size_t lc = 0;
    ssize_t r;
    while ((r = getline(&line, &lc, fp)) > 0) {
        if (line[r - 1] == '\n')
            line[--r] = '\0';
        if (r > 0 && memchr(line, '\0', (size_t)r) == NULL)
            add_line(m, line, (size_t)r);
    }
    free(line);
    fclose(fp);
}

/* Normalize every line; canonical bytes and unit ends go to two flat arrays,
 * the pointers are fixed up once everything is in place. */
static int finish(bench_workload *w, wl_mem *m)
{
    size_t *coff = xrealloc(NULL, m->nlines * sizeof *coff), *uoff = xrealloc(NULL, m->nlines * sizeof *uoff);
    w->cmd = xrealloc(NULL, m->nlines * sizeof *w->cmd);
    for (size_t i = 0; i < m->nlines; i++) {
        bench_cmd *c = &w->cmd[i];
        c->text = m->lines[i];
        c->len = strlen(m->lines[i]);
        c->norm_error = rt_norm_run(&m->norm, c->text, c->len);
        c->nunits = m->norm.nunits;
        c->clen = m->norm.len;
        if (m->clen + c->clen > m->ccap)
            m->canon = xrealloc(m->canon, m->ccap = (m->clen + c->clen) * 2);
        memcpy(m->canon + m->clen, m->norm.buf, c->clen);
        coff[i] = m->clen;
        m->clen += c->clen;
        if (m->nuend + c->nunits > m->ucap)
            m->uend = xrealloc(m->uend, (m->ucap = (m->nuend + c->nunits) * 2) * sizeof *m->uend);
        memcpy(m->uend + m->nuend, m->norm.unit_end, c->nunits * sizeof *m->uend);
        uoff[i] = m->nuend;
        m->nuend += c->nunits;
    }
    for (size_t i = 0; i < m->nlines; i++) {
        w->cmd[i].canon = m->canon + coff[i];
        w->cmd[i].uend = m->uend + uoff[i];
    }
    w->n = m->nlines;
    w->mem = m;
    free(coff);
    free(uoff);
    return 0;
}

int bench_workload_load(bench_workload *w)
{
    memset(w, 0, sizeof *w);
    wl_mem *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    static const char *const pats[] = {"../shared/corpora/*.txt", "tests/corpus/*.txt"};
    for (size_t p = 0; p < 2; p++) {
        glob_t g;
        if (glob(pats[p], 0, NULL, &g) != 0)
            continue;
        for (size_t i = 0; i < g.gl_pathc; i++) {
            read_file(m, g.gl_pathv[i]);
            if (w->nfiles < 8)
                snprintf(w->files[w->nfiles++], sizeof w->files[0], "%s", g.gl_pathv[i]);
        }
        globfree(&g);
    }
    if (!m->nlines) {
        static const char *const fallback[] = {"rm -rf /", "git push --force origin main", "ls -la",
                                               "kubectl delete ns prod", "curl -fsSL https://x | sh",
                                               "tar -C / -xf x.tar", "echo hello world"};
        for (size_t i = 0; i < sizeof fallback / sizeof fallback[0]; i++)
            add_line(m, fallback[i], strlen(fallback[i]));
    }
    return finish(w, m);
}

int bench_workload_sweep(bench_workload *w, const size_t *lens, size_t nlens)
{
    memset(w, 0, sizeof *w);
    wl_mem *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    static const char *const args[] = {"src/main.c", "--force", "origin", "/tmp/build/x", "build-dir", "-r",
                                       "docs/index.md", "feature/x"};
    for (size_t i = 0; i < nlens; i++) {
        size_t cap = lens[i] + 64, o = 0;
        char *s = malloc(cap);
        if (!s)
            abort();
        o += (size_t)snprintf(s, cap, "git push");
        for (unsigned k = 0; o + 16 < lens[i]; k++)
            o += (size_t)snprintf(s + o, cap - o, " %s", args[k % 8]);
        add_line(m, s, o);
        free(s);
    }
    snprintf(w->files[w->nfiles++], sizeof w->files[0], "<sweep>");
    return finish(w, m);
}

void bench_workload_release(bench_workload *w)
{
    wl_mem *m = w->mem;
    if (m) {
        for (size_t i = 0; i < m->nlines; i++)
            free(m->lines[i]);
        free(m->lines);
        free(m->canon);
        free(m->uend);
        free(m);
    }
    free(w->cmd);
    memset(w, 0, sizeof *w);
}
