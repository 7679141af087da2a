/* nfa.c — Thompson construction of byte NFAs and token-level fragments
 * (literals, globs, regexes).  Consumed by compiler/pattern.c, which lays
 * tokens out in the canonical command form, and by compiler/dfa.c. */
#include "nfa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"

static void nfa_oom(void)
{
    fputs("cmdai: out of memory\n", stderr);
    abort();
}

static void *xrealloc(void *p, size_t n, size_t elem)
{
    if (elem && n > SIZE_MAX / elem)
        nfa_oom();
    p = realloc(p, n * elem);
    if (!p)
        nfa_oom();
    return p;
}

const bset nfa_tokbytes = {{~(uint64_t)0xff, ~(uint64_t)0, ~(uint64_t)0, ~(uint64_t)0}};

void nfa_init(nfa *m, uint32_t limit)
{
    memset(m, 0, sizeof *m);
    m->limit = limit;
    m->set_hash_cap = 1024;
    m->set_hash = calloc(m->set_hash_cap, sizeof *m->set_hash);
    if (!m->set_hash)
        nfa_oom();
}

void nfa_release(nfa *m)
{
    free(m->st);
    free(m->sets);
    free(m->set_hash);
    memset(m, 0, sizeof *m);
}

int nfa_full(const nfa *m)
{
    return m->limit && m->n >= m->limit;
}

static uint32_t bset_hash(const bset *s)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 4; i++)
        h = (h ^ s->w[i]) * 1099511628211ull;
    return (uint32_t)(h ^ (h >> 32));
}

uint32_t nfa_intern(nfa *m, const bset *s)
{
    if (m->nsets * 2 >= m->set_hash_cap) {
        uint32_t ncap = m->set_hash_cap * 2;
        uint32_t *nh = calloc(ncap, sizeof *nh);
        if (!nh)
            nfa_oom();
        for (uint32_t i = 0; i < m->nsets; i++) {
            uint32_t j = bset_hash(&m->sets[i]) & (ncap - 1);
            while (nh[j])
                j = (j + 1) & (ncap - 1);
            nh[j] = i + 1;
        }
        free(m->set_hash);
        m->set_hash = nh;
        m->set_hash_cap = ncap;
    }
    uint32_t j = bset_hash(s) & (m->set_hash_cap - 1);
    while (m->set_hash[j]) {
        uint32_t k = m->set_hash[j] - 1;
        if (!memcmp(&m->sets[k], s, sizeof *s))
            return k;
        j = (j + 1) & (m->set_hash_cap - 1);
    }
    if (m->nsets == m->setcap) {
        m->setcap = m->setcap ? m->setcap * 2 : 64;
        m->sets = xrealloc(m->sets, m->setcap, sizeof *m->sets);
    }
    m->sets[m->nsets] = *s;
    m->set_hash[j] = m->nsets + 1;
    return m->nsets++;
}

uint32_t nfa_new(nfa *m)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->st = xrealloc(m->st, m->cap, sizeof *m->st);
    }
    nfa_state *s = &m->st[m->n];
    s->e1 = s->e2 = s->set = s->to = NFA_NONE;
    s->accept = -1;
    s->owner = m->owner;
    return m->n++;
}

void nfa_link(nfa *m, uint32_t from, uint32_t to)
{
    nfa_state *s = &m->st[from];
    if (s->e1 == NFA_NONE)
        s->e1 = to;
    else if (s->e2 == NFA_NONE)
        s->e2 = to;
    else
        abort(); /* construction bug: an exit state has at most two successors */
}

nfa_frag nfa_set(nfa *m, const bset *s)
{
    uint32_t set = nfa_intern(m, s);
    uint32_t a = nfa_new(m), b = nfa_new(m);
    m->st[a].set = set;
    m->st[a].to = b;
    return (nfa_frag){a, b};
}

nfa_frag nfa_byte(nfa *m, unsigned c)
{
    bset s = {{0}};
    bset_add(&s, c);
    return nfa_set(m, &s);
}

nfa_frag nfa_empty(nfa *m)
{
    uint32_t a = nfa_new(m);
    return (nfa_frag){a, a};
}

nfa_frag nfa_cat(nfa *m, nfa_frag a, nfa_frag b)
{
    nfa_link(m, a.out, b.in);
    return (nfa_frag){a.in, b.out};
}

nfa_frag nfa_alt(nfa *m, nfa_frag a, nfa_frag b)
{
    uint32_t s = nfa_new(m), o = nfa_new(m);
    nfa_link(m, s, a.in);
    nfa_link(m, s, b.in);
    nfa_link(m, a.out, o);
    nfa_link(m, b.out, o);
    return (nfa_frag){s, o};
}

nfa_frag nfa_star(nfa *m, nfa_frag a)
{
    uint32_t s = nfa_new(m), o = nfa_new(m);
    nfa_link(m, s, a.in);
    nfa_link(m, s, o);
    nfa_link(m, a.out, s);
    return (nfa_frag){s, o};
}

nfa_frag nfa_opt(nfa *m, nfa_frag a)
{
    uint32_t s = nfa_new(m), o = nfa_new(m);
    nfa_link(m, s, a.in);
    nfa_link(m, s, o);
    nfa_link(m, a.out, o);
    return (nfa_frag){s, o};
}

nfa_frag nfa_literal(nfa *m, const char *s, size_t len)
{
    nfa_frag f = nfa_empty(m);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < RT_C_MIN_TOKEN) /* the normalizer maps these the same way */
            c = RT_C_SUB;
        f = nfa_cat(m, f, nfa_byte(m, c));
    }
    return f;
}

nfa_frag nfa_any_token_bytes(nfa *m)
{
    return nfa_star(m, nfa_set(m, &nfa_tokbytes));
}

static bset tok_noslash(void)
{
    bset s = nfa_tokbytes;
    s.w['/' >> 6] &= ~((uint64_t)1 << ('/' & 63));
    return s;
}

/* Parse a [...] class at g[*i] (pointing after '['); returns 0 if unterminated
 * (then '[' is literal, as in fnmatch). */
static int glob_class(const char *g, size_t len, size_t *i, bset *out)
{
    size_t j = *i;
    int neg = 0;
    bset s = {{0}};
    if (j < len && (g[j] == '!' || g[j] == '^')) {
        neg = 1;
        j++;
    }
    int first = 1;
    while (j < len && (g[j] != ']' || first)) {
        unsigned lo = (unsigned char)g[j];
        if (g[j] == '\\' && j + 1 < len)
            lo = (unsigned char)g[++j];
        unsigned hi = lo;
        if (j + 2 < len && g[j + 1] == '-' && g[j + 2] != ']') {
            hi = (unsigned char)g[j + 2];
            if (g[j + 2] == '\\' && j + 3 < len) {
                hi = (unsigned char)g[j + 3];
                j++;
            }
            j += 2;
        }
        for (unsigned c = lo; c <= hi && c < 256; c++)
            bset_add(&s, c);
        j++;
        first = 0;
    }
    if (j >= len)
        return 0;
    if (neg)
        for (int k = 0; k < 4; k++)
            s.w[k] = ~s.w[k];
    bset tok = tok_noslash();
    for (int k = 0; k < 4; k++)
        s.w[k] &= tok.w[k];
    *out = s;
    *i = j + 1;
    return 1;
}

nfa_frag nfa_glob(nfa *m, const char *g, size_t len)
{
    bset noslash = tok_noslash();
    nfa_frag f = nfa_empty(m);
    if (!memchr(g, '/', len)) {
        /* No '/': match the last path component, like .gitignore. */
        nfa_frag dir = nfa_cat(m, nfa_any_token_bytes(m), nfa_byte(m, '/'));
        f = nfa_cat(m, f, nfa_opt(m, dir));
    }
    for (size_t i = 0; i < len;) {
        char c = g[i];
        if (c == '*') {
            if (i + 1 < len && g[i + 1] == '*') {
                f = nfa_cat(m, f, nfa_any_token_bytes(m));
                i += 2;
                while (i < len && g[i] == '*')
                    i++;
            } else {
                f = nfa_cat(m, f, nfa_star(m, nfa_set(m, &noslash)));
                i++;
            }
        } else if (c == '?') {
            f = nfa_cat(m, f, nfa_set(m, &noslash));
            i++;
        } else if (c == '[') {
            size_t j = i + 1;
            bset s;
            if (glob_class(g, len, &j, &s)) {
                f = nfa_cat(m, f, nfa_set(m, &s));
                i = j;
            } else {
                f = nfa_cat(m, f, nfa_literal(m, "[", 1));
                i++;
            }
        } else if (c == '\\' && i + 1 < len) {
            f = nfa_cat(m, f, nfa_literal(m, g + i + 1, 1));
            i += 2;
        } else {
            f = nfa_cat(m, f, nfa_literal(m, g + i, 1));
            i++;
        }
    }
    return f;
}

static nfa_frag rx_frag(nfa *m, const rx_node *n)
{
    switch (n->kind) {
    case RX_EMPTY:
        return nfa_empty(m);
    case RX_SET: {
        bset s;
        memcpy(s.w, n->set, sizeof s.w);
        for (int k = 0; k < 4; k++)
            s.w[k] &= nfa_tokbytes.w[k];
        return nfa_set(m, &s);
    }
    case RX_CAT:
        return nfa_cat(m, rx_frag(m, n->a), rx_frag(m, n->b));
    case RX_ALT:
        return nfa_alt(m, rx_frag(m, n->a), rx_frag(m, n->b));
    case RX_STAR:
        return nfa_star(m, rx_frag(m, n->a));
    case RX_PLUS: {
        nfa_frag a = rx_frag(m, n->a);
        return nfa_cat(m, a, nfa_star(m, rx_frag(m, n->a)));
    }
    case RX_OPT:
        return nfa_opt(m, rx_frag(m, n->a));
    case RX_REPEAT: {
        nfa_frag f = nfa_empty(m);
        for (int i = 0; i < n->min; i++)
            f = nfa_cat(m, f, rx_frag(m, n->a));
        if (n->max < 0)
            f = nfa_cat(m, f, nfa_star(m, rx_frag(m, n->a)));
        else
            for (int i = n->min; i < n->max; i++)
                f = nfa_cat(m, f, nfa_opt(m, rx_frag(m, n->a)));
        return f;
    }
    }
    return nfa_empty(m);
}

nfa_frag nfa_regex(nfa *m, const rx *r)
{
    nfa_frag f = r->anchored_start ? nfa_empty(m) : nfa_any_token_bytes(m);
    f = nfa_cat(m, f, rx_frag(m, r->root));
    if (!r->anchored_end)
        f = nfa_cat(m, f, nfa_any_token_bytes(m));
    return f;
}
