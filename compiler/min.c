/* min.c — Moore partition refinement with hash-consed signatures, then a
 * breadth-first renumbering that makes the result canonical (reproducible
 * bundles whatever the rule order).  O(n*k) per round. */
#include "min.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Hash-cons rows of `w` u32s each; returns the id of row r. */
typedef struct rowtab {
    uint32_t *slot; /* row index + 1 */
    size_t cap;
    const uint32_t *rows;
    size_t w;
} rowtab;

static uint64_t row_hash(const uint32_t *r, size_t w)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < w; i++)
        h = (h ^ r[i]) * 1099511628211ull;
    return h ^ (h >> 31);
}

void min_run(uint32_t n, uint32_t k, const uint32_t *trans, const uint32_t *label, uint32_t start,
             min_result *out)
{
    uint32_t *blk = xmalloc(n, sizeof *blk), *nblk = xmalloc(n, sizeof *nblk);
    size_t w = (size_t)k + 1;
    uint32_t *sig = xmalloc((size_t)n * w, sizeof *sig);
    size_t cap = 1;
    while (cap < (size_t)n * 2)
        cap <<= 1;
    uint32_t *slot = xmalloc(cap, sizeof *slot);
    uint32_t *rep = xmalloc(n, sizeof *rep); /* block -> representative state */

    /* Round 0: by label (dead state 0 keeps label of its own). */
    uint32_t nb = 0, prev = 0;
    for (int round = 0;; round++) {
        memset(slot, 0, cap * sizeof *slot);
        nb = 0;
        for (uint32_t s = 0; s < n; s++) {
            uint32_t *r = sig + (size_t)s * w;
            if (round == 0) {
                r[0] = label[s];
                for (uint32_t c = 0; c < k; c++)
                    r[1 + c] = 0;
            } else {
                r[0] = blk[s];
                for (uint32_t c = 0; c < k; c++)
                    r[1 + c] = blk[trans[(size_t)s * k + c]];
            }
            size_t j = row_hash(r, w) & (cap - 1);
            for (;;) {
                if (!slot[j]) {
                    slot[j] = s + 1;
                    rep[nb] = s;
                    nblk[s] = nb++;
                    break;
                }
                uint32_t o = slot[j] - 1;
                if (!memcmp(sig + (size_t)o * w, r, w * sizeof *r)) {
                    nblk[s] = nblk[o];
                    break;
                }
                j = (j + 1) & (cap - 1);
            }
        }
        uint32_t *t = blk;
        blk = nblk;
        nblk = t;
        if (round > 0 && nb == prev)
            break;
        prev = nb;
    }
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
    free(nblk);
    free(sig);
    free(slot);
    free(rep);
}

void min_release(min_result *r)
{
    free(r->trans);
    free(r->label);
    memset(r, 0, sizeof *r);
}
