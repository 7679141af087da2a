/* dfa.c — byte equivalence classes and subset construction.
 * Classes: the partition of 0..255 refined by every distinct byte set of the
 * NFA, so the DFA has one column per class instead of per byte.  Subsets keep
 * only "important" NFA states (byte transitions, accepts), are sorted, and are
 * hash-consed; each distinct bucket of target NFA states is closed once per
 * build (note [bucket memo]), from closures computed once per NFA state
 * (note [seed closures]), and classes a subset does not tell apart share one
 * bucket (note [class groups]). */
#include "dfa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"

static void dfa_oom(void)
{
    fputs("cmdai: out of memory\n", stderr);
    abort();
}

static void *xrealloc(void *p, size_t n, size_t elem)
{
    if (elem && n > SIZE_MAX / elem)
        dfa_oom();
    p = realloc(p, n ? n * elem : 1);
    if (!p)
        dfa_oom();
    return p;
}

typedef struct u32vec {
    uint32_t *v;
    size_t n, cap;
} u32vec;

/* Room for `more` entries. */
static __attribute__((noinline)) void vgrow(u32vec *a, size_t more)
{
    while (a->n + more > a->cap)
        a->cap = a->cap ? a->cap * 2 : 64;
    a->v = xrealloc(a->v, a->cap, sizeof *a->v);
}

static inline void vpush(u32vec *a, uint32_t x)
{
    if (__builtin_expect(a->n == a->cap, 0))
        vgrow(a, 1);
    a->v[a->n++] = x;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t hash_u32s(const uint32_t *v, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ n;
    for (size_t i = 0; i < n; i++)
        h = (h ^ v[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

typedef struct span {
    uint32_t off, len;
} span;

typedef struct builder {
    const nfa *m;
    uint32_t marker;
    /* classes */
    uint32_t nclasses;
    uint8_t cls[256];
    uint32_t *set_cls_off, *set_cls_len; /* classes of each interned set */
    u32vec set_cls;
    /* subsets */
    u32vec pool;                 /* concatenated subsets */
    u32vec sub_off, sub_len;
    uint64_t *htab_hash;
    uint32_t *htab;              /* state + 1, 0 = empty */
    size_t hcap;
    /* closure scratch */
    uint32_t *mark, stamp;
    u32vec stack, tmp;
    uint32_t *sc_off, *sc_len; /* seed closures, UINT32_MAX = not yet */
    u32vec sc_pool;
    span *sp;                  /* their byte transitions: (set, to) pairs in sp_pool */
    u32vec sp_pool;
    u32vec ds_pool, ds_off, ds_len; /* seeds each DFA state was built from */
    int32_t *accept_of;             /* m->st[i].accept */
    /* output */
    u32vec trans;
    u32vec acc_off, acc_len, acc_pool;
    uint8_t *marked;
    size_t marked_cap;
} builder;

static void make_classes(builder *b)
{
    const nfa *m = b->m;
    uint32_t cid[256] = {0}, n = 1;
    for (uint32_t s = 0; s < m->nsets; s++) {
        int32_t map[256][2];
        memset(map, -1, sizeof map);
        uint32_t nn = 0;
        uint32_t ncid[256];
        ncid[0] = 0; /* byte 0 is set apart below (note [NUL]) */
        for (int c = 1; c < 256; c++) {
            int bit = bset_has(&m->sets[s], (unsigned)c);
            if (map[cid[c]][bit] < 0)
                map[cid[c]][bit] = (int32_t)nn++;
            ncid[c] = (uint32_t)map[cid[c]][bit];
        }
        memcpy(cid, ncid, sizeof cid);
        n = nn;
    }
    /* note [NUL]: the normalizer never writes byte 0 (canon.h), so it is not
     * told apart from RT_C_SUB, which stands for it inside tokens.  That
     * bounds the classes to 255 and leaves class 255 free to mark an empty
     * comb slot (note [comb tables] in bundle_fmt.h). */
    cid[0] = cid[RT_C_SUB];
    /* Canonical numbering: by smallest byte, so equal NFAs give equal tables. */
    int32_t ren[256];
    memset(ren, -1, sizeof ren);
    uint32_t k = 0;
    for (int c = 0; c < 256; c++) {
        if (ren[cid[c]] < 0)
            ren[cid[c]] = (int32_t)k++;
        b->cls[c] = (uint8_t)ren[cid[c]];
    }
    (void)n;
    b->nclasses = k;
    b->set_cls_off = xrealloc(NULL, m->nsets + 1, sizeof(uint32_t));
    b->set_cls_len = xrealloc(NULL, m->nsets + 1, sizeof(uint32_t));
    for (uint32_t s = 0; s < m->nsets; s++) {
        b->set_cls_off[s] = (uint32_t)b->set_cls.n;
        uint8_t seen[256] = {0};
        for (int c = 1; c < 256; c++)
            if (bset_has(&m->sets[s], (unsigned)c) && !seen[b->cls[c]]) {
                seen[b->cls[c]] = 1;
                vpush(&b->set_cls, b->cls[c]);
            }
        b->set_cls_len[s] = (uint32_t)b->set_cls.n - b->set_cls_off[s];
    }
}

static void sort_unique(u32vec *a);

static int important(const nfa_state *s)
{
    return s->set != NFA_NONE || s->accept >= 0;
}

/* Epsilon closure of one NFA state -> sorted important states, computed once
 * and kept in sc_pool (note [seed closures]). */
static void seed_closure(builder *b, uint32_t seed)
{
    const nfa *m = b->m;
    if (b->sc_off[seed] != UINT32_MAX)
        return;
    if (++b->stamp == 0) {
        memset(b->mark, 0, m->n * sizeof *b->mark);
        b->stamp = 1;
    }
    size_t from = b->sc_pool.n;
    b->stack.n = 0;
    b->mark[seed] = b->stamp;
    vpush(&b->stack, seed);
    while (b->stack.n) {
        uint32_t s = b->stack.v[--b->stack.n];
        const nfa_state *st = &m->st[s];
        if (important(st))
            vpush(&b->sc_pool, s);
        if (st->e1 != NFA_NONE && b->mark[st->e1] != b->stamp) {
            b->mark[st->e1] = b->stamp;
            vpush(&b->stack, st->e1);
        }
        if (st->e2 != NFA_NONE && b->mark[st->e2] != b->stamp) {
            b->mark[st->e2] = b->stamp;
            vpush(&b->stack, st->e2);
        }
    }
    size_t n = b->sc_pool.n - from;
    if (n > 1)
        qsort(b->sc_pool.v + from, n, sizeof(uint32_t), cmp_u32);
    b->sc_off[seed] = (uint32_t)from;
    b->sc_len[seed] = (uint32_t)n;
    b->sp[seed].off = (uint32_t)(b->sp_pool.n / 2);
    for (size_t i = 0; i < n; i++) {
        const nfa_state *st = &m->st[b->sc_pool.v[from + i]];
        if (st->set != NFA_NONE) {
            vpush(&b->sp_pool, st->set);
            vpush(&b->sp_pool, st->to);
        }
    }
    b->sp[seed].len = (uint32_t)(b->sp_pool.n / 2) - b->sp[seed].off;
}

/* Remember the seeds a new DFA state was built from (note [seed closures]). */
static void state_seeds(builder *b, const uint32_t *seeds, size_t n)
{
    vpush(&b->ds_off, (uint32_t)b->ds_pool.n);
    vpush(&b->ds_len, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        vpush(&b->ds_pool, seeds[i]);
}

/* Epsilon closure of seeds (sorted, distinct) -> sorted important states in
 * b->tmp.  note [seed closures]: the closure of a set is the union of its
 * members' closures, each computed once per build.  The small ones are
 * concatenated and sorted, then merged once with the largest, so the one
 * large closure a bucket often holds (the hub after CMD: one entry per atom)
 * is copied, not sorted or walked again. */
static void closure(builder *b, const uint32_t *seeds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        seed_closure(b, seeds[i]);
    b->tmp.n = 0;
    if (n == 1) {
        const uint32_t *v = b->sc_pool.v + b->sc_off[seeds[0]];
        for (uint32_t i = 0; i < b->sc_len[seeds[0]]; i++)
            vpush(&b->tmp, v[i]);
        return;
    }
    /* All but the largest closure: concatenated, sorted, made unique. */
    uint32_t big = seeds[0];
    for (size_t i = 1; i < n; i++)
        if (b->sc_len[seeds[i]] > b->sc_len[big])
            big = seeds[i];
    for (size_t i = 0; i < n; i++) {
        if (seeds[i] == big)
            continue;
        const uint32_t *v = b->sc_pool.v + b->sc_off[seeds[i]];
        for (uint32_t k = 0; k < b->sc_len[seeds[i]]; k++)
            vpush(&b->tmp, v[k]);
    }
    sort_unique(&b->tmp);
    /* Then one merge with the largest. */
    const uint32_t *v = b->sc_pool.v + b->sc_off[big];
    size_t vn = b->sc_len[big], x = 0, y = 0;
    b->stack.n = 0;
    while (x < b->tmp.n && y < vn) {
        uint32_t p = b->tmp.v[x], q = v[y];
        vpush(&b->stack, p < q ? p : q);
        x += p <= q;
        y += q <= p;
    }
    while (x < b->tmp.n)
        vpush(&b->stack, b->tmp.v[x++]);
    while (y < vn)
        vpush(&b->stack, v[y++]);
    u32vec t = b->tmp;
    b->tmp = b->stack;
    b->stack = t;
}

static void hgrow(builder *b)
{
    size_t ncap = b->hcap ? b->hcap * 2 : 4096;
    uint32_t *nt = calloc(ncap, sizeof *nt);
    uint64_t *nh = calloc(ncap, sizeof *nh);
    if (!nt || !nh)
        dfa_oom();
    for (size_t i = 0; i < b->hcap; i++)
        if (b->htab[i]) {
            size_t j = b->htab_hash[i] & (ncap - 1);
            while (nt[j])
                j = (j + 1) & (ncap - 1);
            nt[j] = b->htab[i];
            nh[j] = b->htab_hash[i];
        }
    free(b->htab);
    free(b->htab_hash);
    b->htab = nt;
    b->htab_hash = nh;
    b->hcap = ncap;
}

/* Find or add the state for subset b->tmp; *isnew set when added. */
static uint32_t intern(builder *b, int *isnew)
{
    uint32_t nst = (uint32_t)b->sub_off.n;
    if ((nst + 1) * 2 >= b->hcap)
        hgrow(b);
    uint64_t h = hash_u32s(b->tmp.v, b->tmp.n);
    size_t j = h & (b->hcap - 1);
    while (b->htab[j]) {
        uint32_t s = b->htab[j] - 1;
        if (b->htab_hash[j] == h && b->sub_len.v[s] == b->tmp.n &&
            !memcmp(b->pool.v + b->sub_off.v[s], b->tmp.v, b->tmp.n * sizeof(uint32_t))) {
            *isnew = 0;
            return s;
        }
        j = (j + 1) & (b->hcap - 1);
    }
    b->htab[j] = nst + 1;
    b->htab_hash[j] = h;
    vpush(&b->sub_off, (uint32_t)b->pool.n);
    vpush(&b->sub_len, (uint32_t)b->tmp.n);
    if (b->pool.n + b->tmp.n > b->pool.cap)
        vgrow(&b->pool, b->tmp.n);
    if (b->tmp.n)
        memcpy(b->pool.v + b->pool.n, b->tmp.v, b->tmp.n * sizeof *b->tmp.v);
    b->pool.n += b->tmp.n;
    /* accepting atoms and the marker */
    if (nst >= b->marked_cap) {
        b->marked_cap = b->marked_cap ? b->marked_cap * 2 : 1024;
        b->marked = xrealloc(b->marked, b->marked_cap, 1);
    }
    b->marked[nst] = 0;
    vpush(&b->acc_off, (uint32_t)b->acc_pool.n);
    uint32_t na = 0;
    for (size_t i = 0; i < b->tmp.n; i++) {
        int32_t at = b->accept_of[b->tmp.v[i]]; /* a dense copy: the NFA states are 24 bytes each */
        if (b->tmp.v[i] == b->marker)
            b->marked[nst] = 1;
        if (at >= 0) {
            vpush(&b->acc_pool, (uint32_t)at);
            na++;
        }
    }
    if (na) /* acc_pool.v is still NULL before the first accepting state: qsort(NULL, 0) is UB */
        qsort(b->acc_pool.v + b->acc_off.v[nst], na, sizeof(uint32_t), cmp_u32);
    vpush(&b->acc_len, na);
    *isnew = 1;
    return nst;
}

static void blame_fill(builder *b, dfa_blame *bl)
{
    memset(bl, 0, sizeof *bl);
    uint32_t maxo = 0;
    for (uint32_t i = 0; i < b->m->n; i++)
        if (b->m->st[i].owner != UINT32_MAX && b->m->st[i].owner > maxo)
            maxo = b->m->st[i].owner;
    uint32_t *cnt = calloc((size_t)maxo + 1, sizeof *cnt);
    if (!cnt)
        dfa_oom();
    for (size_t i = 0; i < b->pool.n; i++) {
        uint32_t o = b->m->st[b->pool.v[i]].owner;
        if (o != UINT32_MAX)
            cnt[o]++;
    }
    for (int k = 0; k < 3; k++) {
        uint32_t best = UINT32_MAX, bc = 0;
        for (uint32_t o = 0; o <= maxo; o++)
            if (cnt[o] > bc) {
                bc = cnt[o];
                best = o;
            }
        if (best == UINT32_MAX)
            break;
        bl->owner[bl->n] = best;
        bl->count[bl->n] = bc;
        bl->n++;
        cnt[best] = 0;
    }
    free(cnt);
}

/* Bucket memo (note [bucket memo]): open addressing over (hash, bucket). */
typedef struct memo {
    uint64_t *hash;
    uint32_t *off, *len, *target; /* bucket in pool[off .. off+len) */
    size_t cap, n;
    u32vec pool;
} memo;

static void memo_grow(memo *M)
{
    size_t ncap = M->cap ? M->cap * 2 : 4096;
    uint64_t *nh = xrealloc(NULL, ncap, sizeof *nh);
    uint32_t *no = xrealloc(NULL, ncap, sizeof *no), *nl = xrealloc(NULL, ncap, sizeof *nl),
             *nt = xrealloc(NULL, ncap, sizeof *nt);
    for (size_t i = 0; i < ncap; i++)
        nt[i] = UINT32_MAX;
    for (size_t i = 0; i < M->cap; i++)
        if (M->target[i] != UINT32_MAX) {
            size_t j = M->hash[i] & (ncap - 1);
            while (nt[j] != UINT32_MAX)
                j = (j + 1) & (ncap - 1);
            nh[j] = M->hash[i];
            no[j] = M->off[i];
            nl[j] = M->len[i];
            nt[j] = M->target[i];
        }
    free(M->hash);
    free(M->off);
    free(M->len);
    free(M->target);
    M->hash = nh;
    M->off = no;
    M->len = nl;
    M->target = nt;
    M->cap = ncap;
}

/* The DFA state of bucket v[0..n), or UINT32_MAX with *slot where to add it. */
static uint32_t memo_find(memo *M, uint64_t h, const uint32_t *v, uint32_t n, size_t *slot)
{
    if ((M->n + 1) * 2 > M->cap)
        memo_grow(M);
    size_t j = h & (M->cap - 1);
    for (; M->target[j] != UINT32_MAX; j = (j + 1) & (M->cap - 1))
        if (M->hash[j] == h && M->len[j] == n && !memcmp(M->pool.v + M->off[j], v, n * sizeof *v))
            return M->target[j];
    *slot = j;
    return UINT32_MAX;
}

static void memo_add(memo *M, size_t slot, uint64_t h, const uint32_t *v, uint32_t n, uint32_t target)
{
    M->hash[slot] = h;
    M->off[slot] = (uint32_t)M->pool.n;
    M->len[slot] = n;
    M->target[slot] = target;
    M->n++;
    for (uint32_t i = 0; i < n; i++)
        vpush(&M->pool, v[i]);
}

static void memo_release(memo *M)
{
    free(M->hash);
    free(M->off);
    free(M->len);
    free(M->target);
    free(M->pool.v);
}

/* Sort (already sorted is the common case: checked first) and drop repeats. */
static void sort_unique(u32vec *a)
{
    size_t i = 1;
    while (i < a->n && a->v[i - 1] <= a->v[i])
        i++;
    if (i < a->n)
        qsort(a->v, a->n, sizeof *a->v, cmp_u32);
    size_t o = a->n ? 1 : 0;
    for (i = 1; i < a->n; i++)
        if (a->v[i] != a->v[o - 1])
            a->v[o++] = a->v[i];
    a->n = o;
}

int dfa_build(const nfa *m, uint32_t start, uint32_t marker, uint32_t max_states, dfa *out, dfa_blame *blame)
{
    builder b;
    memset(&b, 0, sizeof b);
    b.m = m;
    b.marker = marker;
    make_classes(&b);
    b.mark = calloc(m->n ? m->n : 1, sizeof *b.mark);
    b.sc_off = xrealloc(NULL, m->n ? m->n : 1, sizeof *b.sc_off);
    b.sc_len = xrealloc(NULL, m->n ? m->n : 1, sizeof *b.sc_len);
    b.sp = xrealloc(NULL, m->n ? m->n : 1, sizeof *b.sp);
    if (!b.mark)
        dfa_oom();
    memset(b.sc_off, 0xff, (m->n ? m->n : 1) * sizeof *b.sc_off);
    b.accept_of = xrealloc(NULL, m->n ? m->n : 1, sizeof *b.accept_of);
    for (uint32_t i = 0; i < m->n; i++)
        b.accept_of[i] = m->st[i].accept;
    uint32_t K = b.nclasses;
    u32vec bk = {0};
    uint32_t *set_stamp = calloc(m->nsets ? m->nsets : 1, sizeof *set_stamp);
    uint32_t *set_local = calloc(m->nsets ? m->nsets : 1, sizeof *set_local);
    uint32_t *lset = NULL, lcap = 0;
    u32vec *ltgt = NULL;
    uint64_t *mem = NULL;
    size_t memcap = 0;
    uint32_t grep_cls[256], gof[256], gt[256];
    if (!set_stamp || !set_local)
        dfa_oom();
    /* note [bucket memo]: the target of a bucket (the NFA states one class
     * leads to) is a pure function of the bucket, and the same buckets recur
     * across DFA states: every stage-end state moves on CMD to the hub, and
     * every state inside a token moves to the same [token]* loops.  One
     * global table from sorted, de-duplicated bucket to DFA state makes
     * each distinct bucket cost one epsilon closure for the whole build. */
    memo M;
    memset(&M, 0, sizeof M);
    int isnew;
    b.tmp.n = 0;
    intern(&b, &isnew); /* state 0: dead */
    state_seeds(&b, NULL, 0);
    closure(&b, &start, 1);
    uint32_t s0 = intern(&b, &isnew);
    if (isnew)
        state_seeds(&b, &start, 1);
    int rc = 0;
    uint64_t work = 0, work_limit = (uint64_t)max_states * DFA_WORK_PER_STATE; /* note [work budget] */
    for (uint32_t d = 0; d < b.sub_off.n; d++) {
        /* note [class groups]: the targets of this subset grouped by the
         * byte set of their NFA state, then the classes grouped by which of
         * those sets contain them.  Classes of one group have the same
         * bucket, so a subset whose states all loop on [token]* builds and
         * looks up a handful of buckets, not one per class. */
        uint32_t nl = 0;
        /* The subset is the union of its seeds' closures: read their
         * (set, to) pairs, sequential, instead of every member's NFA state. */
        for (uint32_t q = 0; q < b.ds_len.v[d]; q++) {
            uint32_t seed = b.ds_pool.v[b.ds_off.v[d] + q];
            span sp = b.sp[seed]; /* one load: off and len side by side */
            const uint32_t *pr = b.sp_pool.v + 2 * (size_t)sp.off;
            work += sp.len;
            for (uint32_t i = 0; i < sp.len; i++) {
                uint32_t set = pr[2 * i], to = pr[2 * i + 1];
                if (set_stamp[set] != d + 1) {
                    set_stamp[set] = d + 1;
                    set_local[set] = nl;
                    if (nl == lcap) {
                        lcap = lcap ? lcap * 2 : 64;
                        lset = xrealloc(lset, lcap, sizeof *lset);
                        ltgt = xrealloc(ltgt, lcap, sizeof *ltgt);
                        memset(ltgt + nl, 0, (lcap - nl) * sizeof *ltgt);
                    }
                    lset[nl] = set;
                    ltgt[nl].n = 0;
                    nl++;
                }
                vpush(&ltgt[set_local[set]], to);
            }
        }
        if (nl == 0) { /* no byte transition (the dead state): every class leads to it */
            for (uint32_t c = 0; c < K; c++)
                vpush(&b.trans, 0);
            continue;
        }
        size_t W = (nl + 63) / 64;
        if (W * K > memcap) {
            memcap = W * K;
            mem = xrealloc(mem, memcap, sizeof *mem);
        }
        memset(mem, 0, W * K * sizeof *mem);
        for (uint32_t j = 0; j < nl; j++) {
            const uint32_t *cl = b.set_cls.v + b.set_cls_off[lset[j]];
            for (uint32_t k = 0; k < b.set_cls_len[lset[j]]; k++)
                mem[cl[k] * W + j / 64] |= (uint64_t)1 << (j % 64);
        }
        uint32_t ng = 0;
        for (uint32_t c = 0; c < K; c++) {
            uint32_t g = 0;
            while (g < ng && memcmp(mem + grep_cls[g] * W, mem + c * W, W * sizeof *mem))
                g++;
            if (g == ng)
                grep_cls[ng++] = c;
            gof[c] = g;
        }
        for (uint32_t g = 0; g < ng; g++) {
            const uint64_t *bits = mem + grep_cls[g] * W;
            bk.n = 0;
            for (uint32_t j = 0; j < nl; j++)
                if (bits[j / 64] >> (j % 64) & 1)
                    for (size_t i = 0; i < ltgt[j].n; i++)
                        vpush(&bk, ltgt[j].v[i]);
            uint32_t t = 0;
            if (bk.n) {
                sort_unique(&bk);
                uint64_t h = hash_u32s(bk.v, bk.n);
                size_t slot;
                t = memo_find(&M, h, bk.v, (uint32_t)bk.n, &slot);
                if (t == UINT32_MAX) {
                    closure(&b, bk.v, bk.n);
                    t = intern(&b, &isnew);
                    if (isnew)
                        state_seeds(&b, bk.v, bk.n);
                    work += b.tmp.n;
                    if (max_states && ((isnew && b.sub_off.n > max_states) || work > work_limit)) {
                        if (blame) {
                            blame_fill(&b, blame);
                            blame->work = work > work_limit;
                        }
                        rc = -1;
                        goto done;
                    }
                    memo_add(&M, slot, h, bk.v, (uint32_t)bk.n, t);
                }
            }
            gt[g] = t;
        }
        for (uint32_t c = 0; c < K; c++)
            vpush(&b.trans, gt[gof[c]]);
    }
done:
    free(bk.v);
    free(set_stamp);
    free(set_local);
    for (uint32_t j = 0; j < lcap; j++)
        free(ltgt[j].v);
    free(ltgt);
    free(lset);
    free(mem);
    memo_release(&M);
    free(b.mark);
    free(b.stack.v);
    free(b.tmp.v);
    free(b.sc_off);
    free(b.sc_len);
    free(b.sc_pool.v);
    free(b.accept_of);
    free(b.sp);
    free(b.sp_pool.v);
    free(b.ds_pool.v);
    free(b.ds_off.v);
    free(b.ds_len.v);
    free(b.pool.v);
    free(b.sub_off.v);
    free(b.sub_len.v);
    free(b.htab);
    free(b.htab_hash);
    free(b.set_cls.v);
    free(b.set_cls_off);
    free(b.set_cls_len);
    if (rc) {
        free(b.trans.v);
        free(b.acc_off.v);
        free(b.acc_len.v);
        free(b.acc_pool.v);
        free(b.marked);
        return rc;
    }
    memset(out, 0, sizeof *out);
    out->nstates = (uint32_t)b.sub_off.n;
    out->nclasses = K;
    out->start = s0;
    memcpy(out->cls, b.cls, 256);
    out->trans = b.trans.v;
    out->acc_off = b.acc_off.v;
    out->acc_len = b.acc_len.v;
    out->acc_pool = b.acc_pool.v;
    out->marked = b.marked;
    return 0;
}

void dfa_release(dfa *d)
{
    free(d->trans);
    free(d->acc_off);
    free(d->acc_len);
    free(d->acc_pool);
    free(d->marked);
    memset(d, 0, sizeof *d);
}
