// bench_re2.cc — baseline (c) of `make bench`: every rule's regex in one
// RE2::Set (lazy DFA, Latin-1 so patterns and input are bytes), matched once
// per unit.  C++, compiled with g++ only when re2 is found; bench_re2_stub.c
// stands in otherwise.
#include <re2/re2.h>
#include <re2/set.h>

#include <cstdio>
#include <vector>

#include "bench.h"

namespace {

struct re2_set {
    RE2::Set set;
    std::vector<int> hits;
    explicit re2_set(const RE2::Options &o) : set(o, RE2::UNANCHORED) {}
};

void *re2_compile(const char *const *pats, size_t n, char *err, size_t errcap)
{
    RE2::Options o;
    o.set_encoding(RE2::Options::EncodingLatin1);
    o.set_max_mem(int64_t{1} << 31);
    o.set_log_errors(false);
    re2_set *s = new re2_set(o);
    for (size_t i = 0; i < n; i++) {
        std::string e;
        if (s->set.Add(pats[i], &e) < 0) {
            std::snprintf(err, errcap, "pattern %zu: %s", i, e.c_str());
            delete s;
            return nullptr;
        }
    }
    if (!s->set.Compile()) {
        std::snprintf(err, errcap, "RE2::Set::Compile failed (out of memory?)");
        delete s;
        return nullptr;
    }
    return s;
}

size_t re2_match(void *ctx, const unsigned char *p, size_t n, uint32_t *ids, size_t cap)
{
    re2_set *s = static_cast<re2_set *>(ctx);
    s->hits.clear();
    if (!s->set.Match(re2::StringPiece(reinterpret_cast<const char *>(p), n), &s->hits))
        return 0;
    for (size_t i = 0; i < s->hits.size() && i < cap; i++)
        ids[i] = static_cast<uint32_t>(s->hits[i]);
    return s->hits.size();
}

void re2_release(void *ctx)
{
    delete static_cast<re2_set *>(ctx);
}

} // namespace

extern "C" const bench_engine bench_re2set = {"re2-set", re2_compile, re2_match, re2_release};
