/* dfa.c — byte equivalence classes and subset construction.
 * Classes: the partition of 0..255 refined by every distinct byte set of the
 * NFA, so the DFA has one column per class instead of per byte.  Subsets keep
 * only "important" NFA states (byte transitions, accepts), are sorted, and are
 * hash-consed; each distinct bucket of target NFA states is closed once per
 * build (note [bucket memo]), from closures computed once per NFA state
 * (note [seed closures]), and classes a subset does not tell apart share one
 * bucket (note [class groups]).  The rows of a batch of states are planned
 * by two threads and resolved by one, in order (note [planned rows]). */
#include "dfa.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canon.h"
#include "cpus.h"

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
static _Thread_local pthread_rwlock_t *tl_grow_lock;

static __attribute__((noinline)) void vgrow(u32vec *a, size_t more)
{
    while (a->n + more > a->cap)
        a->cap = a->cap ? a->cap * 2 : 64;
    if (tl_grow_lock) /* a planner may be reading this vector (note [planned rows]) */
        pthread_rwlock_wrlock(tl_grow_lock);
    a->v = xrealloc(a->v, a->cap, sizeof *a->v);
    if (tl_grow_lock)
        pthread_rwlock_unlock(tl_grow_lock);
}

static inline void vpush(u32vec *a, uint32_t x)
{
    if (__builtin_expect(a->n == a->cap, 0))
        vgrow(a, 1);
    a->v[a->n++] = x;
}

/* Sort v[0..n): insertion sort when short, else an LSD radix sort by bytes
 * (passes where every key has the same byte are skipped).  No comparison
 * callback: qsort's was a tenth of the build at 10,000 rules. */
static void sort_u32(uint32_t *v, size_t n)
{
    if (n <= 48) {
        for (size_t i = 1; i < n; i++) {
            uint32_t x = v[i];
            size_t j = i;
            for (; j > 0 && v[j - 1] > x; j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
        return;
    }
    uint32_t *tmp = xrealloc(NULL, n, sizeof *tmp), *src = v, *dst = tmp;
    for (int sh = 0; sh < 32; sh += 8) {
        size_t cnt[256] = {0};
        for (size_t i = 0; i < n; i++)
            cnt[src[i] >> sh & 255]++;
        if (cnt[src[0] >> sh & 255] == n)
            continue;
        size_t sum = 0;
        for (int d = 0; d < 256; d++) {
            size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[cnt[src[i] >> sh & 255]++] = src[i];
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    free(tmp);
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
    /* note [hub subsets] */
    uint32_t hseed;            /* the hub: m->st[start].to, NFA_NONE when not used */
    uint32_t hn;               /* |H|, the important states of its closure */
    uint8_t *in_h;             /* NFA state is in H */
    uint8_t *sup_h;            /* seed's closure holds all of H (valid once closed) */
    u32vec hacc;               /* accepting atoms of H, sorted */
    int hmarked;               /* H holds the marker */
    int tflag;                 /* closure(): b->tmp is a delta over H */
    u32vec sub_h;              /* per subset: 1 when it is H + its delta */
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
static void closure_full(builder *b, const uint32_t *seeds, size_t n);
static void hub_canon(builder *b);

static int important(const nfa_state *s)
{
    return s->set != NFA_NONE || s->accept >= 0;
}

/* Where seed closures are computed: scratch for the walk and the pools the
 * closures and their (set, to) pairs go to (the builder's own, or a second
 * thread's, note [eager seeds]). */
typedef struct scx {
    uint32_t *mark, stamp;
    u32vec stack;
    u32vec *sc_pool, *sp_pool;
} scx;

static void seed_closure_in(builder *b, scx *x, uint32_t seed)
{
    const nfa *m = b->m;
    if (++x->stamp == 0) {
        memset(x->mark, 0, m->n * sizeof *x->mark);
        x->stamp = 1;
    }
    u32vec *scp = x->sc_pool, *spp = x->sp_pool;
    size_t from = scp->n;
    x->stack.n = 0;
    x->mark[seed] = x->stamp;
    vpush(&x->stack, seed);
    while (x->stack.n) {
        uint32_t s = x->stack.v[--x->stack.n];
        const nfa_state *st = &m->st[s];
        if (important(st))
            vpush(scp, s);
        if (st->e1 != NFA_NONE && x->mark[st->e1] != x->stamp) {
            x->mark[st->e1] = x->stamp;
            vpush(&x->stack, st->e1);
        }
        if (st->e2 != NFA_NONE && x->mark[st->e2] != x->stamp) {
            x->mark[st->e2] = x->stamp;
            vpush(&x->stack, st->e2);
        }
    }
    size_t n = scp->n - from;
    if (n > 1)
        sort_u32(scp->v + from, n);
    b->sc_off[seed] = (uint32_t)from;
    b->sc_len[seed] = (uint32_t)n;
    b->sp[seed].off = (uint32_t)(spp->n / 2);
    for (size_t i = 0; i < n; i++) {
        const nfa_state *st = &m->st[scp->v[from + i]];
        if (st->set != NFA_NONE) {
            vpush(spp, st->set);
            vpush(spp, st->to);
        }
    }
    b->sp[seed].len = (uint32_t)(spp->n / 2) - b->sp[seed].off;
    if (b->hn) {
        uint32_t k = 0;
        for (size_t i = 0; i < n; i++)
            k += b->in_h[scp->v[from + i]];
        b->sup_h[seed] = k == b->hn;
    }
}

/* Epsilon closure of one NFA state -> sorted important states, computed once
 * and kept in sc_pool (note [seed closures]). */
static void seed_closure(builder *b, uint32_t seed)
{
    if (b->sc_off[seed] != UINT32_MAX)
        return;
    scx x = {b->mark, b->stamp, b->stack, &b->sc_pool, &b->sp_pool};
    seed_closure_in(b, &x, seed);
    b->stamp = x.stamp;
    b->stack = x.stack;
}

/* note [eager seeds]: every target of a byte transition becomes a seed
 * sooner or later (at 10,000 rules, all 297,867 of them), so on a large NFA
 * their closures are computed up front, half of them by a second thread
 * into its own pools, appended to the builder's afterwards.  Where a
 * closure sits in the pool changes nothing downstream (closures are sorted
 * and merged, pairs grouped by set).  A thread stops taking seeds once its
 * pool holds EAGER_PER_STATE entries per NFA state: a policy whose
 * closures are huge is left to the lazy path and its work budget. */
enum { EAGER_MIN_NFA = 1u << 16, EAGER_PER_STATE = 8 };

typedef struct eager_job {
    builder *b;
    scx x;
    u32vec scp, spp;
    const uint32_t *seeds;
    size_t n, done;
} eager_job;

static void *eager_run(void *arg)
{
    eager_job *j = arg;
    size_t cap = (size_t)j->b->m->n * EAGER_PER_STATE;
    for (j->done = 0; j->done < j->n && j->x.sc_pool->n < cap; j->done++)
        seed_closure_in(j->b, &j->x, j->seeds[j->done]);
    return NULL;
}

static void eager_seeds(builder *b)
{
    const nfa *m = b->m;
    if (m->n < EAGER_MIN_NFA || cc_cpus() < 2)
        return;
    uint8_t *is = calloc(m->n, 1);
    uint32_t *seeds = xrealloc(NULL, m->n, sizeof *seeds);
    if (!is)
        dfa_oom();
    size_t ns = 0;
    for (uint32_t i = 0; i < m->n; i++)
        if (m->st[i].set != NFA_NONE && !is[m->st[i].to] && b->sc_off[m->st[i].to] == UINT32_MAX) {
            is[m->st[i].to] = 1;
            seeds[ns++] = m->st[i].to;
        }
    free(is);
    size_t half = ns / 2;
    eager_job j2;
    memset(&j2, 0, sizeof j2);
    j2.b = b;
    j2.x.mark = calloc(m->n, sizeof *j2.x.mark);
    j2.x.sc_pool = &j2.scp;
    j2.x.sp_pool = &j2.spp;
    j2.seeds = seeds + half;
    j2.n = ns - half;
    pthread_t th;
    int started = j2.x.mark && pthread_create(&th, NULL, eager_run, &j2) == 0;
    /* this thread: the first half, into the builder's pools */
    scx x = {b->mark, b->stamp, b->stack, &b->sc_pool, &b->sp_pool};
    eager_job j1 = {b, x, {0}, {0}, seeds, started ? half : 0, 0};
    eager_run(&j1);
    b->stamp = j1.x.stamp;
    b->stack = j1.x.stack;
    if (started) {
        pthread_join(th, NULL);
        /* its closures go after ours: shift their offsets */
        uint32_t sc_base = (uint32_t)b->sc_pool.n, sp_base = (uint32_t)(b->sp_pool.n / 2);
        for (size_t i = 0; i < j2.done; i++) {
            uint32_t sd = j2.seeds[i];
            b->sc_off[sd] += sc_base;
            b->sp[sd].off += sp_base;
        }
        if (j2.scp.n) {
            if (b->sc_pool.n + j2.scp.n > b->sc_pool.cap)
                vgrow(&b->sc_pool, j2.scp.n);
            memcpy(b->sc_pool.v + b->sc_pool.n, j2.scp.v, j2.scp.n * sizeof *j2.scp.v);
            b->sc_pool.n += j2.scp.n;
        }
        if (j2.spp.n) {
            if (b->sp_pool.n + j2.spp.n > b->sp_pool.cap)
                vgrow(&b->sp_pool, j2.spp.n);
            memcpy(b->sp_pool.v + b->sp_pool.n, j2.spp.v, j2.spp.n * sizeof *j2.spp.v);
            b->sp_pool.n += j2.spp.n;
        }
    }
    free(j2.x.mark);
    free(j2.x.stack.v);
    free(j2.scp.v);
    free(j2.spp.v);
    free(seeds);
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
    int flag = 0;
    for (size_t i = 0; i < n; i++) {
        seed_closure(b, seeds[i]);
        flag |= b->hn && b->sup_h[seeds[i]];
    }
    b->tmp.n = 0;
    b->tflag = flag;
    if (flag) { /* note [hub subsets]: only the members outside H */
        for (size_t i = 0; i < n; i++) {
            if (b->sup_h[seeds[i]] && b->sc_len[seeds[i]] == b->hn)
                continue; /* H itself (the hub): nothing outside H */
            const uint32_t *v = b->sc_pool.v + b->sc_off[seeds[i]];
            for (uint32_t k = 0; k < b->sc_len[seeds[i]]; k++)
                if (!b->in_h[v[k]])
                    vpush(&b->tmp, v[k]);
        }
        sort_unique(&b->tmp);
        return;
    }
    closure_full(b, seeds, n);
    hub_canon(b);
}

/* b->tmp (a whole subset): when it holds all of H, keep only its members
 * outside H and set the flag (note [hub subsets]: same canonical form). */
static void hub_canon(builder *b)
{
    if (b->hn && b->tmp.n >= b->hn) { /* H covered by several seeds together: same canonical form */
        uint32_t k = 0;
        for (size_t i = 0; i < b->tmp.n; i++)
            k += b->in_h[b->tmp.v[i]];
        if (k == b->hn) {
            size_t o = 0;
            for (size_t i = 0; i < b->tmp.n; i++)
                if (!b->in_h[b->tmp.v[i]])
                    b->tmp.v[o++] = b->tmp.v[i];
            b->tmp.n = o;
            b->tflag = 1;
        }
    }
}

/* The whole union of the seeds' closures, in b->tmp. */
static void closure_full(builder *b, const uint32_t *seeds, size_t n)
{
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

/* The closure of BH[g] + delta (note [hub buckets]) in b->tmp, as closure()
 * would give it: the delta's closure merged with BH[g]'s (bcl[0..bn), sorted,
 * distinct, known not to hold H).  Returns 0, leaving b->tmp alone, when a
 * delta seed's closure holds H: closure() handles that form. */
static int closure_delta(builder *b, const uint32_t *bcl, uint32_t bn, const u32vec *delta)
{
    for (size_t i = 0; i < delta->n; i++) {
        seed_closure(b, delta->v[i]);
        if (b->hn && b->sup_h[delta->v[i]])
            return 0;
    }
    b->tmp.n = 0;
    b->tflag = 0;
    closure_full(b, delta->v, delta->n);
    if (b->tmp.n + bn > b->stack.cap)
        vgrow(&b->stack, b->tmp.n + bn);
    uint32_t *o = b->stack.v;
    size_t x = 0, y = 0, k = 0;
    while (x < b->tmp.n && y < bn) {
        uint32_t p = b->tmp.v[x], q = bcl[y];
        o[k++] = p < q ? p : q;
        x += p <= q;
        y += q <= p;
    }
    while (x < b->tmp.n)
        o[k++] = b->tmp.v[x++];
    while (y < bn)
        o[k++] = bcl[y++];
    b->stack.n = k;
    u32vec t = b->tmp;
    b->tmp = b->stack;
    b->stack = t;
    hub_canon(b);
    return 1;
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
    uint64_t h = hash_u32s(b->tmp.v, b->tmp.n) ^ (b->tflag ? 0x9e3779b97f4a7c15ull : 0);
    size_t j = h & (b->hcap - 1);
    while (b->htab[j]) {
        uint32_t s = b->htab[j] - 1;
        if (b->htab_hash[j] == h && b->sub_len.v[s] == b->tmp.n && b->sub_h.v[s] == (uint32_t)b->tflag &&
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
    vpush(&b->sub_h, (uint32_t)b->tflag);
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
    b->marked[nst] = b->tflag && b->hmarked;
    vpush(&b->acc_off, (uint32_t)b->acc_pool.n);
    uint32_t na = 0;
    if (b->tflag)
        for (size_t i = 0; i < b->hacc.n; i++, na++)
            vpush(&b->acc_pool, b->hacc.v[i]);
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
        sort_u32(b->acc_pool.v + b->acc_off.v[nst], na);
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
    uint32_t nh = 0; /* subsets holding H count its members too (note [hub subsets]) */
    for (size_t i = 0; i < b->sub_h.n; i++)
        nh += b->sub_h.v[i];
    if (nh)
        for (uint32_t i = 0; i < b->m->n; i++)
            if (b->in_h[i] && b->m->st[i].owner != UINT32_MAX)
                cnt[b->m->st[i].owner] += nh;
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
        sort_u32(a->v, a->n);
    size_t o = a->n ? 1 : 0;
    for (i = 1; i < a->n; i++)
        if (a->v[i] != a->v[o - 1])
            a->v[o++] = a->v[i];
    a->n = o;
}

/* Budget state of one build (note [work budget]). */
typedef struct budget {
    uint64_t work, limit;
    uint32_t max_states;
} budget;

/* The DFA state of bucket bk (sorted, distinct, not empty): from the memo,
 * or closed and interned once (note [bucket memo]).  UINT32_MAX when the
 * budget runs out. */
static uint32_t bucket_state_h(builder *b, memo *M, const u32vec *bk, uint64_t h, budget *bu, const uint32_t *bcl,
                               uint32_t bn, const u32vec *delta)
{
    size_t slot;
    uint32_t t = memo_find(M, h, bk->v, (uint32_t)bk->n, &slot);
    if (t != UINT32_MAX)
        return t;
    int isnew;
    if (!delta || !closure_delta(b, bcl, bn, delta))
        closure(b, bk->v, bk->n);
    t = intern(b, &isnew);
    if (isnew)
        state_seeds(b, bk->v, bk->n);
    bu->work += b->tmp.n + (b->tflag ? b->hn : 0); /* the subset's size, as if H were copied */
    if (bu->max_states && ((isnew && b->sub_off.n > bu->max_states) || bu->work > bu->limit))
        return UINT32_MAX;
    memo_add(M, slot, h, bk->v, (uint32_t)bk->n, t);
    return t;
}

static uint32_t bucket_state(builder *b, memo *M, const u32vec *bk, budget *bu, const uint32_t *bcl, uint32_t bn,
                             const u32vec *delta)
{
    return bucket_state_h(b, M, bk, hash_u32s(bk->v, bk->n), bu, bcl, bn, delta);
}

/* A subset's byte transitions grouped by byte set: lset[0..nl) and the
 * targets of each in ltgt. */
typedef struct groups {
    uint32_t *set_stamp, *set_local;
    uint32_t *lset, lcap, nl;
    u32vec *ltgt;
} groups;

static inline void group_add(groups *G, uint32_t stamp, uint32_t set, uint32_t to)
{
    if (G->set_stamp[set] != stamp) {
        G->set_stamp[set] = stamp;
        G->set_local[set] = G->nl;
        if (G->nl == G->lcap) {
            G->lcap = G->lcap ? G->lcap * 2 : 64;
            G->lset = xrealloc(G->lset, G->lcap, sizeof *G->lset);
            G->ltgt = xrealloc(G->ltgt, G->lcap, sizeof *G->ltgt);
            memset(G->ltgt + G->nl, 0, (G->lcap - G->nl) * sizeof *G->ltgt);
        }
        G->lset[G->nl] = set;
        G->ltgt[G->nl].n = 0;
        G->nl++;
    }
    vpush(&G->ltgt[G->set_local[set]], to);
}

/* Class-membership bits of the groups' sets: row c of W words in *mem. */
static size_t group_bits(const builder *b, const groups *G, uint64_t **mem, size_t *memcap)
{
    size_t W = (G->nl + 63) / 64, K = b->nclasses;
    if (W == 0)
        return 0;
    if (W * K > *memcap) {
        *memcap = W * K;
        *mem = xrealloc(*mem, *memcap, sizeof **mem);
    }
    memset(*mem, 0, W * K * sizeof **mem);
    for (uint32_t j = 0; j < G->nl; j++) {
        const uint32_t *cl = b->set_cls.v + b->set_cls_off[G->lset[j]];
        for (uint32_t k = 0; k < b->set_cls_len[G->lset[j]]; k++)
            (*mem)[cl[k] * W + j / 64] |= (uint64_t)1 << (j % 64);
    }
    return W;
}

/* Rows x and y of the class-membership bits are equal (most subsets have
 * at most 64 sets: one word, no memcmp call). */
static inline int rows_equal(const uint64_t *mem, size_t W, uint32_t x, uint32_t y)
{
    if (W == 1)
        return mem[x] == mem[y];
    for (size_t i = 0; i < W; i++)
        if (mem[x * W + i] != mem[y * W + i])
            return 0;
    return 1;
}

/* The targets of the sets whose bits are set, sorted and distinct, in bk. */
static void group_targets(const groups *G, const uint64_t *bits, u32vec *bk)
{
    bk->n = 0;
    for (uint32_t j = 0; j < G->nl; j++)
        if (bits[j / 64] >> (j % 64) & 1) {
            const u32vec *t = &G->ltgt[j];
            if (bk->n + t->n > bk->cap)
                vgrow(bk, t->n);
            memcpy(bk->v + bk->n, t->v, t->n * sizeof *t->v);
            bk->n += t->n;
        }
    sort_unique(bk);
}

static void groups_release(groups *G)
{
    free(G->set_stamp);
    free(G->set_local);
    for (uint32_t j = 0; j < G->lcap; j++)
        free(G->ltgt[j].v);
    free(G->ltgt);
    free(G->lset);
}

/* note [hub subsets]: every stage-end state moves on CMD to the hub, whose
 * closure H holds the first byte transition of every atom (one per rule), and
 * the states right after CMD are H plus a few pending threads (`a | b`
 * waiting for b).  Such a subset is stored as a flag and its members outside
 * H only, so it is hashed, compared and copied at the size of its delta.  Its
 * transitions are H's, computed once per class group of H (the bucket BH[g]
 * and, lazily, its DFA state tH[g]), joined with the delta's: a class the
 * delta does not move on goes to tH[g] directly, the others through a memo
 * keyed by (g, delta bucket).  Any subset that holds all of H takes this
 * form, however it was reached, so the form is canonical; the classes are
 * grouped and the new states created in the same order as with whole
 * subsets, so the DFA is the same, state for state.  Only used when H has at
 * least H_MIN members. */
enum { H_MIN = 32 };

typedef struct hub {
    uint32_t ng, gof[256];
    uint32_t *boff, *blen, *t; /* BH[g] = bpool[boff[g] .. + blen[g]), tH[g] */
    u32vec bpool;
    /* note [hub buckets]: closure of BH[g] = cpool[coff[g] .. + clen[g]),
     * cst[g] 0 not yet computed, 1 known, 2 it holds H (not kept) */
    uint32_t *cst, *coff, *clen;
    u32vec cpool;
    uint32_t npairs;
} hub;

static void hub_setup(builder *b, uint32_t start, hub *H)
{
    const nfa *m = b->m;
    memset(H, 0, sizeof *H);
    b->hseed = NFA_NONE;
    if (start >= m->n || m->st[start].set == NFA_NONE)
        return;
    uint32_t hs = m->st[start].to;
    seed_closure(b, hs);
    if (b->sc_len[hs] < H_MIN)
        return;
    b->hseed = hs;
    b->hn = b->sc_len[hs];
    const uint32_t *v = b->sc_pool.v + b->sc_off[hs];
    for (uint32_t i = 0; i < b->hn; i++) {
        b->in_h[v[i]] = 1;
        if (b->accept_of[v[i]] >= 0)
            vpush(&b->hacc, (uint32_t)b->accept_of[v[i]]);
        if (v[i] == b->marker)
            b->hmarked = 1;
    }
    if (b->hacc.n > 1)
        sort_u32(b->hacc.v, b->hacc.n);
    b->sup_h[hs] = 1;
}

/* note [hub buckets]: a state right after CMD with a pending thread moves on
 * a class to BH[g] joined with its delta's bucket: hundreds of seeds, whose
 * closure was concatenated and sorted again for every such state.  The
 * closure of BH[g] is computed once here, and closure_delta() merges it with
 * the delta's: the same sorted set, so the same subset and DFA state. */
static void hub_bucket_closure(builder *b, hub *H, uint32_t g)
{
    const uint32_t *v = H->bpool.v + H->boff[g];
    uint32_t n = H->blen[g];
    for (uint32_t i = 0; i < n; i++) {
        seed_closure(b, v[i]);
        if (b->hn && b->sup_h[v[i]]) {
            H->cst[g] = 2;
            return;
        }
    }
    b->tmp.n = 0;
    if (n)
        closure_full(b, v, n);
    H->coff[g] = (uint32_t)H->cpool.n;
    H->clen[g] = (uint32_t)b->tmp.n;
    for (size_t i = 0; i < b->tmp.n; i++)
        vpush(&H->cpool, b->tmp.v[i]);
    H->cst[g] = 1;
}

/* note [planned rows]: a state's row is worked out in two steps.  Its
 * plan (its byte transitions grouped by set, the classes grouped by which
 * sets hold them, the bucket of each class group and its hash) reads only
 * the NFA and what was stored for the state when it was created; resolving
 * the plan (memo, closures, new states) is done in state order by one
 * thread, exactly as one loop doing both would, so the DFA is the same
 * state for state.  A second thread, when there is a second CPU, plans the
 * states already created ahead of the resolver, which plans a state itself
 * when it gets there first.  The planner reads the builder's vectors under
 * a read lock that the resolver takes for writing only to move one
 * (vgrow); entries the planner reads are never written again. */
typedef struct pslot {
    uint32_t ng, work, dead;
    uint8_t *gof; /* the group of each class */
    u32vec rep, boff, blen, bpool; /* per group: a class of it, its bucket in bpool */
    uint64_t *hash;                /* per group: hash of its memo key */
    size_t hcap;
} pslot;

typedef struct pscratch {
    groups G;
    uint32_t stamp;
    uint64_t *mem;
    size_t memcap;
    u32vec bk, key;
} pscratch;

static void pscratch_init(pscratch *S, const nfa *m)
{
    memset(S, 0, sizeof *S);
    S->G.set_stamp = calloc(m->nsets ? m->nsets : 1, sizeof *S->G.set_stamp);
    S->G.set_local = calloc(m->nsets ? m->nsets : 1, sizeof *S->G.set_local);
    if (!S->G.set_stamp || !S->G.set_local)
        dfa_oom();
}

static void pscratch_release(pscratch *S)
{
    groups_release(&S->G);
    free(S->mem);
    free(S->bk.v);
    free(S->key.v);
}

/* The plan of state d into o (note [planned rows]). */
static void plan_state(const builder *b, const hub *H, pscratch *S, pslot *o, uint32_t d)
{
    const nfa *m = b->m;
    uint32_t K = b->nclasses, grep_cls[256];
    groups *G = &S->G;
    /* note [class groups]: the targets of this subset grouped by the byte
     * set of their NFA state, then the classes grouped by which of those
     * sets contain them.  Classes of one group have the same bucket, so a
     * subset whose states all loop on [token]* builds and looks up a
     * handful of buckets, not one per class. */
    G->nl = 0;
    S->stamp++;
    if (!o->gof) /* slots are set up on first use */
        o->gof = xrealloc(NULL, b->nclasses ? b->nclasses : 1, 1);
    o->ng = o->work = o->dead = 0;
    o->rep.n = o->boff.n = o->blen.n = o->bpool.n = 0;
    int hsub = (int)b->sub_h.v[d];
    if (hsub) {
        o->work += H->npairs;
        const uint32_t *v = b->pool.v + b->sub_off.v[d];
        for (uint32_t i = 0; i < b->sub_len.v[d]; i++) {
            const nfa_state *st = &m->st[v[i]];
            if (st->set != NFA_NONE) {
                group_add(G, S->stamp, st->set, st->to);
                o->work++;
            }
        }
    } else {
        /* The subset is the union of its seeds' closures: read their
         * (set, to) pairs, sequential, instead of every member's NFA state. */
        for (uint32_t q = 0; q < b->ds_len.v[d]; q++) {
            uint32_t seed = b->ds_pool.v[b->ds_off.v[d] + q];
            span sp = b->sp[seed]; /* one load: off and len side by side */
            const uint32_t *pr = b->sp_pool.v + 2 * (size_t)sp.off;
            o->work += sp.len;
            for (uint32_t i = 0; i < sp.len; i++)
                group_add(G, S->stamp, pr[2 * i], pr[2 * i + 1]);
        }
        if (G->nl == 0) { /* no byte transition (the dead state): every class leads to it */
            o->dead = 1;
            return;
        }
    }
    size_t W = group_bits(b, G, &S->mem, &S->memcap);
    uint32_t ng = 0;
    for (uint32_t c = 0; c < K; c++) {
        uint32_t g = 0;
        while (g < ng && ((hsub && H->gof[grep_cls[g]] != H->gof[c]) || !rows_equal(S->mem, W, grep_cls[g], c)))
            g++;
        if (g == ng)
            grep_cls[ng++] = c;
        o->gof[c] = (uint8_t)g;
    }
    o->ng = ng;
    if (ng > o->hcap) {
        o->hcap = ng < 64 ? 64 : ng;
        o->hash = xrealloc(o->hash, o->hcap, sizeof *o->hash);
    }
    for (uint32_t g = 0; g < ng; g++) {
        u32vec *bk = &S->bk;
        if (W)
            group_targets(G, S->mem + grep_cls[g] * W, bk);
        else
            bk->n = 0;
        uint64_t h = 0; /* the memo key's hash: (H's group, delta bucket) or the bucket */
        if (hsub && bk->n) {
            S->key.n = 0;
            vpush(&S->key, H->gof[grep_cls[g]]);
            for (size_t i = 0; i < bk->n; i++)
                vpush(&S->key, bk->v[i]);
            h = hash_u32s(S->key.v, S->key.n);
        } else if (bk->n) {
            h = hash_u32s(bk->v, bk->n);
        }
        o->hash[g] = h;
        vpush(&o->rep, grep_cls[g]);
        vpush(&o->boff, (uint32_t)o->bpool.n);
        vpush(&o->blen, (uint32_t)bk->n);
        if (o->bpool.n + bk->n > o->bpool.cap)
            vgrow(&o->bpool, bk->n);
        if (bk->n)
            memcpy(o->bpool.v + o->bpool.n, bk->v, bk->n * sizeof *bk->v);
        o->bpool.n += bk->n;
    }
}

/* The ring of plans between the planner and the resolver. */
enum { PLAN_RING = 4096, PLAN_THREAD_MIN = 4096 /* states created */ };

typedef struct planner {
    pthread_t th;
    int running;
    _Atomic uint32_t published; /* states whose subset and seeds are stored */
    _Atomic uint32_t claimed;   /* the next state to plan, by whichever thread claims it */
    _Atomic uint32_t consumed;  /* states resolved: their slots are free again */
    _Atomic uint32_t ready[PLAN_RING]; /* d + 1 once slot d % PLAN_RING holds d's plan */
    _Atomic int quit;
    pthread_rwlock_t grow;
    pslot slot[PLAN_RING];
    const builder *b;
    const hub *H;
    pscratch S;
} planner;

static void cpu_pause(unsigned *spins)
{
    if (++*spins < 64) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    } else if (*spins < 256) {
        sched_yield();
    } else {
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
}

static void *planner_run(void *arg)
{
    planner *w = arg;
    unsigned spins = 0;
    while (!atomic_load_explicit(&w->quit, memory_order_acquire)) {
        uint32_t d = atomic_load_explicit(&w->claimed, memory_order_relaxed);
        if (d < atomic_load_explicit(&w->published, memory_order_acquire) &&
            d < atomic_load_explicit(&w->consumed, memory_order_acquire) + PLAN_RING &&
            atomic_compare_exchange_weak_explicit(&w->claimed, &d, d + 1, memory_order_acq_rel,
                                                  memory_order_relaxed)) {
            pthread_rwlock_rdlock(&w->grow);
            plan_state(w->b, w->H, &w->S, &w->slot[d % PLAN_RING], d);
            pthread_rwlock_unlock(&w->grow);
            atomic_store_explicit(&w->ready[d % PLAN_RING], d + 1, memory_order_release);
            spins = 0;
            continue;
        }
        cpu_pause(&spins);
    }
    return NULL;
}


int dfa_build(const nfa *m, uint32_t start, uint32_t marker, uint32_t max_states, dfa *out, dfa_blame *blame)
{
    builder b;
    memset(&b, 0, sizeof b);
    b.m = m;
    b.marker = marker;
    make_classes(&b);
    size_t nn = m->n ? m->n : 1;
    b.mark = calloc(nn, sizeof *b.mark);
    b.sc_off = xrealloc(NULL, nn, sizeof *b.sc_off);
    b.sc_len = xrealloc(NULL, nn, sizeof *b.sc_len);
    b.sp = xrealloc(NULL, nn, sizeof *b.sp);
    b.in_h = calloc(nn, 1);
    b.sup_h = calloc(nn, 1);
    if (!b.mark || !b.in_h || !b.sup_h)
        dfa_oom();
    memset(b.sc_off, 0xff, nn * sizeof *b.sc_off);
    b.accept_of = xrealloc(NULL, nn, sizeof *b.accept_of);
    for (uint32_t i = 0; i < m->n; i++)
        b.accept_of[i] = m->st[i].accept;
    uint32_t K = b.nclasses;
    u32vec bk = {0}, kb = {0};
    groups G;
    memset(&G, 0, sizeof G);
    G.set_stamp = calloc(m->nsets ? m->nsets : 1, sizeof *G.set_stamp);
    G.set_local = calloc(m->nsets ? m->nsets : 1, sizeof *G.set_local);
    uint64_t *mem = NULL;
    size_t memcap = 0;
    uint32_t grep_cls[256], gt[256];
    if (!G.set_stamp || !G.set_local)
        dfa_oom();
    /* note [bucket memo]: the target of a bucket (the NFA states one class
     * leads to) is a pure function of the bucket, and the same buckets recur
     * across DFA states: every stage-end state moves on CMD to the hub, and
     * every state inside a token moves to the same [token]* loops.  One
     * global table from sorted, de-duplicated bucket to DFA state makes
     * each distinct bucket cost one epsilon closure for the whole build. */
    memo M, MH; /* MH: (H's class group, delta bucket) -> DFA state */
    memset(&M, 0, sizeof M);
    memset(&MH, 0, sizeof MH);
    hub H;
    hub_setup(&b, start, &H);
    eager_seeds(&b); /* note [eager seeds] */
    int isnew;
    b.tmp.n = 0;
    intern(&b, &isnew); /* state 0: dead */
    state_seeds(&b, NULL, 0);
    closure(&b, &start, 1);
    uint32_t s0 = intern(&b, &isnew);
    if (isnew)
        state_seeds(&b, &start, 1);
    int rc = 0;
    budget bu = {0, (uint64_t)max_states * DFA_WORK_PER_STATE, max_states}; /* note [work budget] */
    uint32_t stamp = 0;
    if (b.hseed != NFA_NONE) { /* H's own groups and buckets, before any state holding H is planned */
        G.nl = 0;
        stamp++;
        for (uint32_t i = 0; i < b.sp[b.hseed].len; i++) {
            const uint32_t *pr = b.sp_pool.v + 2 * ((size_t)b.sp[b.hseed].off + i);
            group_add(&G, stamp, pr[0], pr[1]);
        }
        H.npairs = b.sp[b.hseed].len;
        size_t W = group_bits(&b, &G, &mem, &memcap);
        H.boff = xrealloc(NULL, K, sizeof *H.boff);
        H.blen = xrealloc(NULL, K, sizeof *H.blen);
        H.t = xrealloc(NULL, K, sizeof *H.t);
        H.cst = xrealloc(NULL, K, sizeof *H.cst);
        H.coff = xrealloc(NULL, K, sizeof *H.coff);
        H.clen = xrealloc(NULL, K, sizeof *H.clen);
        memset(H.cst, 0, K * sizeof *H.cst);
        for (uint32_t c = 0; c < K; c++) {
            uint32_t g = 0;
            while (g < H.ng && !rows_equal(mem, W, grep_cls[g], c))
                g++;
            if (g == H.ng) {
                grep_cls[H.ng] = c;
                group_targets(&G, mem + c * W, &bk);
                H.boff[g] = (uint32_t)H.bpool.n;
                H.blen[g] = (uint32_t)bk.n;
                H.t[g] = UINT32_MAX;
                for (size_t i = 0; i < bk.n; i++)
                    vpush(&H.bpool, bk.v[i]);
                H.ng++;
            }
            H.gof[c] = g;
        }
    }
    /* note [planned rows] */
    planner *wk = calloc(1, sizeof *wk);
    if (!wk)
        dfa_oom();
    wk->b = &b;
    wk->H = &H;
    atomic_store(&wk->published, (uint32_t)b.sub_off.n);
    pthread_rwlock_init(&wk->grow, NULL);
    pscratch S0;
    pscratch_init(&S0, m);
    /* the planner starts once the automaton turns out large: a thread
     * costs more than it saves on the small policies most builds have */
    int may_thread = cc_cpus() > 1;
    for (uint32_t d = 0; d < b.sub_off.n; d++) {
        if (may_thread && b.sub_off.n >= PLAN_THREAD_MIN) {
            may_thread = 0;
            pscratch_init(&wk->S, m);
            wk->running = pthread_create(&wk->th, NULL, planner_run, wk) == 0;
            if (wk->running)
                tl_grow_lock = &wk->grow;
            else
                pscratch_release(&wk->S);
        }
        pslot *o = &wk->slot[d % PLAN_RING];
        if (atomic_load_explicit(&wk->ready[d % PLAN_RING], memory_order_acquire) != d + 1) {
            uint32_t c = d;
            if (atomic_compare_exchange_strong_explicit(&wk->claimed, &c, d + 1, memory_order_acq_rel,
                                                        memory_order_relaxed)) {
                plan_state(&b, &H, &S0, o, d); /* got here first: plan it here */
            } else {
                unsigned spins = 0; /* the planner is on it */
                while (atomic_load_explicit(&wk->ready[d % PLAN_RING], memory_order_acquire) != d + 1)
                    cpu_pause(&spins);
            }
        }
        int hsub = (int)b.sub_h.v[d];
        bu.work += o->work;
        if (o->dead) {
            for (uint32_t c = 0; c < K; c++)
                vpush(&b.trans, 0);
        } else {
            for (uint32_t g = 0; g < o->ng; g++) {
                uint32_t t = 0, rc0 = o->rep.v[g];
                uint64_t ph = o->hash[g];
                u32vec bkv = {o->blen.v[g] ? o->bpool.v + o->boff.v[g] : NULL, o->blen.v[g], 0};
                bkv.cap = bkv.n;
                if (hsub) {
                    uint32_t hg = H.gof[rc0];
                    if (bkv.n == 0) {
                        if (H.t[hg] == UINT32_MAX && H.blen[hg]) {
                            kb.n = 0;
                            for (uint32_t i = 0; i < H.blen[hg]; i++)
                                vpush(&kb, H.bpool.v[H.boff[hg] + i]);
                            H.t[hg] = bucket_state(&b, &M, &kb, &bu, NULL, 0, NULL);
                            if (H.t[hg] == UINT32_MAX)
                                goto fail;
                        }
                        t = H.blen[hg] ? H.t[hg] : 0;
                    } else {
                        kb.n = 0;
                        vpush(&kb, hg);
                        for (size_t i = 0; i < bkv.n; i++)
                            vpush(&kb, bkv.v[i]);
                        uint64_t h = ph; /* of kb, hashed when planned */
                        size_t slot;
                        t = memo_find(&MH, h, kb.v, (uint32_t)kb.n, &slot);
                        if (t == UINT32_MAX) {
                            /* the whole bucket: BH[hg] merged with the delta's */
                            const uint32_t *hv = H.bpool.v + H.boff[hg];
                            uint32_t hnb = H.blen[hg], x = 0, y = 0;
                            kb.n = 0;
                            while (x < hnb && y < bkv.n) {
                                uint32_t p = hv[x], q = bkv.v[y];
                                vpush(&kb, p < q ? p : q);
                                x += p <= q;
                                y += q <= p;
                            }
                            while (x < hnb)
                                vpush(&kb, hv[x++]);
                            while (y < bkv.n)
                                vpush(&kb, bkv.v[y++]);
                            if (H.cst[hg] == 0)
                                hub_bucket_closure(&b, &H, hg);
                            int known = H.cst[hg] == 1;
                            t = bucket_state(&b, &M, &kb, &bu, known ? H.cpool.v + H.coff[hg] : NULL,
                                             known ? H.clen[hg] : 0, known ? &bkv : NULL);
                            if (t == UINT32_MAX)
                                goto fail;
                            /* the key again: kb was reused for the bucket */
                            kb.n = 0;
                            vpush(&kb, hg);
                            for (size_t i = 0; i < bkv.n; i++)
                                vpush(&kb, bkv.v[i]);
                            memo_add(&MH, slot, h, kb.v, (uint32_t)kb.n, t);
                        }
                    }
                } else if (bkv.n) {
                    t = bucket_state_h(&b, &M, &bkv, ph, &bu, NULL, 0, NULL);
                    if (t == UINT32_MAX)
                        goto fail;
                }
                gt[g] = t;
            }
            if (b.trans.n + K > b.trans.cap)
                vgrow(&b.trans, K);
            uint32_t *row = b.trans.v + b.trans.n;
            for (uint32_t c = 0; c < K; c++)
                row[c] = gt[o->gof[c]];
            b.trans.n += K;
        }
        atomic_store_explicit(&wk->consumed, d + 1, memory_order_release);
        atomic_store_explicit(&wk->published, (uint32_t)b.sub_off.n, memory_order_release);
    }
    goto done;
fail:
    if (blame) {
        blame_fill(&b, blame);
        blame->work = bu.work > bu.limit;
    }
    rc = -1;
done:
    if (wk->running) {
        atomic_store_explicit(&wk->quit, 1, memory_order_release);
        pthread_join(wk->th, NULL);
        tl_grow_lock = NULL;
        pscratch_release(&wk->S);
    }
    for (uint32_t i = 0; i < PLAN_RING; i++) {
        free(wk->slot[i].gof);
        free(wk->slot[i].rep.v);
        free(wk->slot[i].boff.v);
        free(wk->slot[i].blen.v);
        free(wk->slot[i].bpool.v);
        free(wk->slot[i].hash);
    }
    pthread_rwlock_destroy(&wk->grow);
    free(wk);
    pscratch_release(&S0);
    free(bk.v);
    free(kb.v);
    groups_release(&G);
    free(mem);
    memo_release(&M);
    memo_release(&MH);
    free(H.boff);
    free(H.blen);
    free(H.t);
    free(H.bpool.v);
    free(H.cst);
    free(H.coff);
    free(H.clen);
    free(H.cpool.v);
    free(b.in_h);
    free(b.sup_h);
    free(b.hacc.v);
    free(b.sub_h.v);
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
