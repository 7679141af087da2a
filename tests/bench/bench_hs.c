/* bench_hs.c — baseline (b) of `make bench`: every rule's regex in one
 * Hyperscan block-mode database, scanned once per unit.  Built only when
 * libhs is found (BENCH_HAVE_HS); otherwise a stub that says so. */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#ifdef BENCH_HAVE_HS
#include <hs/hs.h>

typedef struct hs_set {
    hs_database_t *db;
    hs_scratch_t *scratch;
} hs_set;

typedef struct hs_hits {
    uint32_t *ids;
    size_t k, cap;
} hs_hits;

static void hs_release(void *ctx)
{
    hs_set *s = ctx;
    if (!s)
        return;
    hs_free_scratch(s->scratch);
    hs_free_database(s->db);
    free(s);
}

static void *hs_comp(const char *const *pats, size_t n, char *err, size_t errcap)
{
    unsigned *flags = malloc((n ? n : 1) * sizeof *flags), *idv = malloc((n ? n : 1) * sizeof *idv);
    hs_set *s = calloc(1, sizeof *s);
    if (!flags || !idv || !s)
        abort();
    for (size_t i = 0; i < n; i++) {
        flags[i] = HS_FLAG_SINGLEMATCH; /* is there a match, not where: the same question the automaton answers */
        idv[i] = (unsigned)i;
    }
    hs_compile_error_t *ce = NULL;
    if (hs_compile_multi(pats, flags, idv, (unsigned)n, HS_MODE_BLOCK, NULL, &s->db, &ce) != HS_SUCCESS) {
        snprintf(err, errcap, "pattern %d: %s", ce ? ce->expression : -1, ce ? ce->message : "?");
        hs_free_compile_error(ce);
        free(s);
        s = NULL;
    } else if (hs_alloc_scratch(s->db, &s->scratch) != HS_SUCCESS) {
        snprintf(err, errcap, "hs_alloc_scratch failed");
        hs_release(s);
        s = NULL;
    }
    free(flags);
    free(idv);
    return s;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned fl, void *ctx)
{
    (void)from, (void)to, (void)fl;
    hs_hits *h = ctx;
    if (h->k < h->cap)
        h->ids[h->k] = id;
    h->k++;
    return 0;
}

static size_t hs_match(void *ctx, const unsigned char *p, size_t n, uint32_t *ids, size_t cap)
{
    hs_set *s = ctx;
    hs_hits h = {ids, 0, cap};
    hs_scan(s->db, (const char *)p, (unsigned)n, 0, s->scratch, on_match, &h);
    return h.k;
}

const bench_engine bench_hyperscan = {"hyperscan", hs_comp, hs_match, hs_release};
#else
static void *hs_none(const char *const *pats, size_t n, char *err, size_t errcap)
{
    (void)pats, (void)n;
    snprintf(err, errcap, "not built: libhs (Hyperscan) not found (make bench-deps)");
    return NULL;
}
const bench_engine bench_hyperscan = {"hyperscan", hs_none, NULL, NULL};
#endif
