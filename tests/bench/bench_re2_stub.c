/* bench_re2_stub.c — stands in for bench_re2.cc when re2 (C++) is not
 * installed, so `make bench` still runs and says why the column is empty. */
#include <stdio.h>

#include "bench.h"

static void *re2_none(const char *const *pats, size_t n, char *err, size_t errcap)
{
    (void)pats, (void)n;
    snprintf(err, errcap, "not built: re2 not found (make bench-deps)");
    return NULL;
}

const bench_engine bench_re2set = {"re2-set", re2_none, NULL, NULL};
