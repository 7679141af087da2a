/* bench_pcre.c — baseline (a) of `make bench`: one PCRE2 regex per rule,
 * tried one after the other on every unit (JIT-compiled when PCRE2 has a
 * JIT, the fastest way to run such a loop).  Built only when libpcre2-8 is
 * found (BENCH_HAVE_PCRE2); otherwise a stub that says so. */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#ifdef BENCH_HAVE_PCRE2
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

typedef struct pc_set {
    pcre2_code **re;
    size_t n;
    pcre2_match_data *md;
} pc_set;

static void pc_release(void *ctx)
{
    pc_set *s = ctx;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        pcre2_code_free(s->re[i]);
    pcre2_match_data_free(s->md);
    free(s->re);
    free(s);
}

static void *pc_compile(const char *const *pats, size_t n, char *err, size_t errcap)
{
    pc_set *s = calloc(1, sizeof *s);
    s->re = calloc(n ? n : 1, sizeof *s->re);
    if (!s || !s->re)
        abort();
    for (size_t i = 0; i < n; i++, s->n++) {
        int ec;
        PCRE2_SIZE eo;
        s->re[i] = pcre2_compile((PCRE2_SPTR)pats[i], PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
        if (!s->re[i]) {
            PCRE2_UCHAR msg[120];
            pcre2_get_error_message(ec, msg, sizeof msg);
            snprintf(err, errcap, "pattern %zu at %zu: %s", i, (size_t)eo, (const char *)msg);
            pc_release(s);
            return NULL;
        }
        pcre2_jit_compile(s->re[i], PCRE2_JIT_COMPLETE); /* no JIT: the interpreter runs it */
    }
    s->md = pcre2_match_data_create(1, NULL);
    return s;
}

static size_t pc_match(void *ctx, const unsigned char *p, size_t n, uint32_t *ids, size_t cap)
{
    pc_set *s = ctx;
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (pcre2_match(s->re[i], p, n, 0, 0, s->md, NULL) >= 0) {
            if (k < cap)
                ids[k] = (uint32_t)i;
            k++;
        }
    return k;
}

const bench_engine bench_pcre2 = {"pcre2-loop", pc_compile, pc_match, pc_release};
#else
static void *pc_none(const char *const *pats, size_t n, char *err, size_t errcap)
{
    (void)pats, (void)n;
    snprintf(err, errcap, "not built: libpcre2-8 not found (make bench-deps)");
    return NULL;
}
const bench_engine bench_pcre2 = {"pcre2-loop", pc_none, NULL, NULL};
#endif
