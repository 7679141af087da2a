/* min.c — Hopcroft partition refinement (note [hopcroft]), then a
 * breadth-first renumbering that makes the result canonical (reproducible
 * bundles whatever the rule order). */
#include "min.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpus.h"

static void *xmalloc(size_t n, size_t elem)
{
    if (elem && n > SIZE_MAX / elem) {
        fputs("cmdai: out of memory\n", stderr);
        abort();
    }
    void *p = malloc(n * elem > 0 ? n * elem : 1);
    if (!p) {
        fputs("cmdai: out of memory\n", stderr);
        abort();
    }
    return p;
}

static int cmp_by_label(const void *x, const void *y, void *ctx)
{
    const uint32_t *label = ctx;
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    if (label[a] != label[b])
        return label[a] < label[b] ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* elem[] = 0 .. n-1 ordered by (label, state).  Labels are small (record
 * numbers), so a counting sort, stable, hence the same order as sorting by
 * (label, state); qsort with a callback was 70 M instructions at 10,000
 * rules.  Falls back to qsort for sparse labels. */
static void sort_by_label(uint32_t n, const uint32_t *label, uint32_t *elem)
{
    uint32_t maxl = 0;
    for (uint32_t s = 0; s < n; s++)
        if (label[s] > maxl)
            maxl = label[s];
    if (maxl > 4 * (uint64_t)n + 1024) {
        for (uint32_t s = 0; s < n; s++)
            elem[s] = s;
        qsort_r(elem, n, sizeof *elem, cmp_by_label, (void *)label);
        return;
    }
    uint32_t *cnt = calloc((size_t)maxl + 2, sizeof *cnt);
    if (!cnt)
        abort();
    for (uint32_t s = 0; s < n; s++)
        cnt[label[s] + 1]++;
    for (uint32_t l = 1; l <= maxl + 1; l++)
        cnt[l] += cnt[l - 1];
    for (uint32_t s = 0; s < n; s++)
        elem[cnt[label[s]]++] = s;
    free(cnt);
}

/* The number of pair (t, c) (note [inverse by target]): t's first pair
 * plus the classes below c that t is entered on. */
static inline uint32_t pair_of(const uint64_t *em, uint32_t first, uint32_t c)
{
    uint32_t x = first;
    for (uint32_t w = 0; w < c / 64; w++)
        x += (uint32_t)__builtin_popcountll(em[w]);
    return x + (uint32_t)__builtin_popcountll(em[c / 64] & (((uint64_t)1 << (c % 64)) - 1));
}

/* note [parallel inverse]: the passes that build the inverse transitions
 * are split by target range over a few threads.  Each thread reads every
 * row but writes only its own targets' masks, counters and lists, in the
 * same order as one thread would, so the tables are the same entry for
 * entry whatever the number of threads. */
typedef struct inv_job {
    const uint32_t *trans;
    uint32_t n, k;
    size_t W;
    uint64_t *emask;
    const uint32_t *icoff;
    uint32_t *ipos, *fillp, *isrc;
    uint32_t tlo, thi;
    int pass; /* 0: class masks, 1: count per pair, 2: fill */
} inv_job;

static void *inv_pass(void *arg)
{
    const inv_job *j = arg;
    uint32_t k = j->k, lo = j->tlo, hi = j->thi;
    size_t W = j->W;
    for (uint32_t s = 0; s < j->n; s++) {
        const uint32_t *row = j->trans + (size_t)s * k;
        for (uint32_t c = 0; c < k;) {
            uint32_t t = row[c], e = c + 1;
            /* a run of classes to t: its pairs are consecutive */
            while (e < k && row[e] == t)
                e++;
            if (t < lo || t >= hi) {
                c = e;
                continue;
            }
            if (j->pass == 0) {
                for (; c < e; c++)
                    j->emask[(size_t)t * W + c / 64] |= (uint64_t)1 << (c % 64);
                continue;
            }
            uint32_t x = pair_of(j->emask + (size_t)t * W, j->icoff[t], c);
            if (j->pass == 1)
                for (; c < e; c++, x++)
                    j->ipos[x + 1]++;
            else
                for (; c < e; c++, x++)
                    j->isrc[j->fillp[x]++] = s;
        }
    }
    return NULL;
}

enum { INV_THREADS_MAX = 4, INV_PAR_MIN = 1u << 20 /* entries: below, threads cost more than they save */ };

/* Run one pass over the targets cut at split[0..nt]. */
static void inv_run(const inv_job *base, int pass, const uint32_t *split, int nt)
{
    inv_job jobs[INV_THREADS_MAX];
    pthread_t th[INV_THREADS_MAX];
    int started[INV_THREADS_MAX] = {0};
    for (int i = 0; i < nt; i++) {
        jobs[i] = *base;
        jobs[i].pass = pass;
        jobs[i].tlo = split[i];
        jobs[i].thi = split[i + 1];
    }
    for (int i = 1; i < nt; i++)
        started[i] = pthread_create(&th[i], NULL, inv_pass, &jobs[i]) == 0;
    inv_pass(&jobs[0]);
    for (int i = 1; i < nt; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        else
            inv_pass(&jobs[i]); /* no thread: do its share here */
    }
}

/* The splitters waiting, (block, class) as block * k + class, each at most
 * once (a bit per pair). */
typedef struct splitq {
    uint64_t *v;
    size_t n, cap;
    uint8_t *waiting;
    uint32_t k;
} splitq;

/* Queue (B, c) for every class c that state s is entered on, unless waiting:
 * a splitter whose states have no predecessor on c splits nothing. */
static void sq_entered(splitq *q, uint32_t B, uint32_t s, const uint32_t *icoff, const uint8_t *icls)
{
    for (uint32_t j = icoff[s]; j < icoff[s + 1]; j++) {
        size_t w = (size_t)B * q->k + icls[j];
        if (q->waiting[w / 8] & (1u << (w % 8)))
            continue;
        q->waiting[w / 8] |= (uint8_t)(1u << (w % 8));
        if (q->n == q->cap) {
            q->cap = q->cap * 2 + q->k;
            q->v = realloc(q->v, q->cap * sizeof *q->v);
            if (!q->v)
                abort();
        }
        q->v[q->n++] = w;
    }
}

/* note [hopcroft]: partition refinement with inverse transitions, splitting
 * by the smaller half, O(k n log n).  Moore's rounds cost O(k n) each and a
 * policy needs about as many rounds as its longest literal, which made
 * minimisation a fifth of compile time at 10,000 rules.  The coarsest
 * partition is unique, so the result (after the canonical numbering below)
 * is the same.  Fills blk[s], returns the number of blocks; *rep_out
 * (malloc'd) maps a block to one of its states. */
static uint32_t refine(uint32_t n, uint32_t k, const uint32_t *trans, const uint32_t *label, uint32_t *blk,
                       uint32_t **rep_out)
{
    size_t nk = (size_t)n * k;
    /* Predecessors by (target, class), note [inverse by target]: the
     * classes target t is entered on are the bits of emask[t*W ..], their
     * (t, c) pairs numbered from icoff[t] in class order, and the
     * predecessors of pair x are isrc[ipos[x] .. ipos[x+1]), ascending.  A
     * table indexed by t*k + c (31 MB at 10,000 rules) cost three passes of
     * scattered accesses, half of minimisation; these passes touch tables
     * of n and of the distinct pairs, and go by runs: most classes of a row
     * lead to the same target, whose pairs are then consecutive. */
    size_t W = ((size_t)k + 63) / 64;
    uint64_t *emask = calloc((size_t)n * W + 1, sizeof *emask);
    uint32_t *icoff = xmalloc((size_t)n + 1, sizeof *icoff);
    uint32_t *isrc = xmalloc(nk ? nk : 1, sizeof *isrc);
    if (!emask)
        abort();
    int nthr = 1;
    if (nk >= INV_PAR_MIN) {
        int ncpu = cc_cpus();
        nthr = ncpu > INV_THREADS_MAX ? INV_THREADS_MAX : ncpu;
    }
    uint32_t split[INV_THREADS_MAX + 1];
    for (int i = 0; i <= nthr; i++)
        split[i] = (uint32_t)((uint64_t)n * (uint64_t)i / (uint64_t)nthr);
    inv_job job = {trans, n, k, W, emask, icoff, NULL, NULL, isrc, 0, n, 0};
    inv_run(&job, 0, split, nthr);
    uint32_t ni = 0; /* distinct (target, class) pairs */
    for (uint32_t t = 0; t < n; t++) {
        icoff[t] = ni;
        for (size_t w = 0; w < W; w++)
            ni += (uint32_t)__builtin_popcountll(emask[(size_t)t * W + w]);
    }
    icoff[n] = ni;
    uint32_t *ipos = calloc((size_t)ni + 1, sizeof *ipos), *fillp = xmalloc((size_t)ni + 1, sizeof *fillp);
    uint8_t *icls = xmalloc(ni ? ni : 1, 1);
    if (!ipos)
        abort();
    job.ipos = ipos;
    job.fillp = fillp;
    inv_run(&job, 1, split, nthr);
    for (uint32_t x = 0; x < ni; x++)
        ipos[x + 1] += ipos[x];
    memcpy(fillp, ipos, (size_t)ni * sizeof *fillp);
    /* the fill writes every entry once: cut it where the entries halve */
    for (int i = 1, t = 0; i < nthr; i++) {
        uint64_t want = (uint64_t)nk * (uint64_t)i / (uint64_t)nthr;
        while ((uint32_t)t < n && ipos[icoff[t]] < want)
            t++;
        split[i] = (uint32_t)t;
    }
    inv_run(&job, 2, split, nthr);
    free(fillp);
    for (uint32_t t = 0, x = 0; t < n; t++)
        for (size_t w = 0; w < W; w++)
            for (uint64_t m = emask[(size_t)t * W + w]; m; m &= m - 1)
                icls[x++] = (uint8_t)(w * 64 + (size_t)__builtin_ctzll(m));

    /* Blocks are runs of elem[]; a block's marked states come first. */
    uint32_t *elem = xmalloc(n, sizeof *elem), *loc = xmalloc(n, sizeof *loc);
    uint32_t *first = xmalloc(n, sizeof *first), *end = xmalloc(n, sizeof *end), *nmark = xmalloc(n, sizeof *nmark);
    uint32_t *touched = xmalloc(n, sizeof *touched), *scratch = xmalloc(n, sizeof *scratch);
    uint8_t *inwl = calloc(nk / 8 + 1, 1); /* (block, class) waiting, one bit each */
    if (!inwl)
        abort();
    sort_by_label(n, label, elem);
    uint32_t nb = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i == 0 || label[elem[i]] != label[elem[i - 1]]) {
            first[nb] = i;
            nmark[nb] = 0;
            nb++;
        }
        end[nb - 1] = i + 1;
        blk[elem[i]] = nb - 1;
        loc[elem[i]] = i;
    }
    /* Work list of (block, class) splitters: every initial block but the
     * largest (splitting by all blocks but one splits by that one too). */
    splitq q = {xmalloc((size_t)nb * k + 64, sizeof(uint64_t)), 0, (size_t)nb * k + 64, inwl, k};
    uint32_t largest = 0;
    for (uint32_t b = 1; b < nb; b++)
        if (end[b] - first[b] > end[largest] - first[largest])
            largest = b;
    for (uint32_t b = 0; b < nb; b++)
        if (b != largest)
            for (uint32_t i = first[b]; i < end[b]; i++)
                sq_entered(&q, b, elem[i], icoff, icls);
    while (q.n) {
        uint64_t w = q.v[--q.n];
        uint32_t B = (uint32_t)(w / k), c = (uint32_t)(w % k);
        inwl[w / 8] &= (uint8_t)~(1u << (w % 8));
        /* B's states first: marking below reorders blocks, B among them. */
        uint32_t bn = end[B] - first[B], nt = 0;
        memcpy(scratch, elem + first[B], bn * sizeof *scratch);
        for (uint32_t i = 0; i < bn; i++) {
            uint32_t t = scratch[i];
            const uint64_t *em = emask + (size_t)t * W;
            if (!(em[c / 64] >> (c % 64) & 1))
                continue; /* not entered on c */
            uint32_t x = pair_of(em, icoff[t], c);
            for (uint32_t j = ipos[x]; j < ipos[x + 1]; j++) {
                uint32_t s = isrc[j], X = blk[s], at = first[X] + nmark[X];
                if (loc[s] < at || end[X] - first[X] == 1)
                    continue; /* already marked, or a single state: nothing to split */
                uint32_t o = elem[at];
                elem[at] = s;
                elem[loc[s]] = o;
                loc[o] = loc[s];
                loc[s] = at;
                if (nmark[X]++ == 0)
                    touched[nt++] = X;
            }
        }
        for (uint32_t t = 0; t < nt; t++) {
            uint32_t X = touched[t], m = nmark[X], size = end[X] - first[X];
            nmark[X] = 0;
            if (m == size)
                continue;
            /* The smaller side becomes the new block Y. */
            uint32_t Y = nb++;
            nmark[Y] = 0;
            if (m <= size - m) {
                first[Y] = first[X];
                end[Y] = first[X] + m;
                first[X] = end[Y];
            } else {
                first[Y] = first[X] + m;
                end[Y] = end[X];
                end[X] = first[Y];
            }
            /* (X, cc) waiting: Y must wait too; not waiting: the smaller
             * half suffices.  Y is the smaller half, so Y either way, for
             * the classes its states are entered on. */
            for (uint32_t i = first[Y]; i < end[Y]; i++) {
                blk[elem[i]] = Y;
                sq_entered(&q, Y, elem[i], icoff, icls);
            }
        }
    }
    uint32_t *rep = xmalloc(nb ? nb : 1, sizeof *rep);
    for (uint32_t b = 0; b < nb; b++)
        rep[b] = elem[first[b]];
    *rep_out = rep;
    free(isrc);
    free(icoff);
    free(icls);
    free(ipos);
    free(emask);
    free(elem);
    free(loc);
    free(first);
    free(end);
    free(nmark);
    free(touched);
    free(scratch);
    free(inwl);
    free(q.v);
    return nb;
}

void min_run(uint32_t n, uint32_t k, const uint32_t *trans, const uint32_t *label, uint32_t start,
             min_result *out)
{
    uint32_t *blk = xmalloc(n, sizeof *blk), *rep;
    uint32_t nb = refine(n, k, trans, label, blk, &rep);
    /* Canonical BFS numbering over blocks: dead block first, then start. */
    uint32_t *newid = xmalloc(nb, sizeof *newid), *queue = xmalloc(nb, sizeof *queue);
    for (uint32_t i = 0; i < nb; i++)
        newid[i] = UINT32_MAX;
    uint32_t qn = 0;
    newid[blk[0]] = qn;
    queue[qn++] = blk[0];
    if (newid[blk[start]] == UINT32_MAX) {
        newid[blk[start]] = qn;
        queue[qn++] = blk[start];
    }
    for (uint32_t qi = 0; qi < qn; qi++) {
        uint32_t s = rep[queue[qi]];
        for (uint32_t c = 0; c < k; c++) {
            uint32_t tb = blk[trans[(size_t)s * k + c]];
            if (newid[tb] == UINT32_MAX) {
                newid[tb] = qn;
                queue[qn++] = tb;
            }
        }
    }
    /* Blocks unreachable from start or dead are dropped (cannot happen for a
     * DFA built by subset construction, but costs nothing to be safe). */
    out->nstates = qn;
    out->start = newid[blk[start]];
    out->trans = xmalloc((size_t)qn * k, sizeof *out->trans);
    out->label = xmalloc(qn, sizeof *out->label);
    for (uint32_t i = 0; i < qn; i++) {
        uint32_t s = rep[queue[i]];
        out->label[i] = label[s];
        for (uint32_t c = 0; c < k; c++)
            out->trans[(size_t)i * k + c] = newid[blk[trans[(size_t)s * k + c]]];
    }
    free(newid);
    free(queue);
    free(blk);
    free(rep);
}

void min_release(min_result *r)
{
    free(r->trans);
    free(r->label);
    memset(r, 0, sizeof *r);
}
