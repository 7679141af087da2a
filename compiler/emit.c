/* emit.c — ir -> .cpb bytes.  Comb compression of the transition table
 * (note [comb tables] in bundle_fmt.h), string interning, canonical JSON
 * metadata (jansson, sorted keys).  Nothing here depends on time or on the
 * order of rules in the sources, so builds are reproducible. */
#include "emit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle_fmt.h"
#include "canon.h"

typedef struct buf {
    unsigned char *p;
    size_t n, cap;
} buf;

static void buf_put(buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->n + n)
            nc *= 2;
        b->p = realloc(b->p, nc);
        if (!b->p)
            abort();
        b->cap = nc;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void buf_align(buf *b)
{
    static const unsigned char z[CPB_ALIGN] = {0};
    if (b->n % CPB_ALIGN)
        buf_put(b, z, CPB_ALIGN - b->n % CPB_ALIGN);
}

/* String table with de-duplication (linear probing on FNV). */
typedef struct strtab {
    buf data;
    uint32_t *slot; /* offset + 1 */
    size_t cap, count;
} strtab;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static uint32_t str_add(strtab *t, const char *s)
{
    if (!s)
        s = "";
    if ((t->count + 1) * 2 >= t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 256;
        uint32_t *ns = calloc(nc, sizeof *ns);
        if (!ns)
            abort();
        for (size_t i = 0; i < t->cap; i++)
            if (t->slot[i]) {
                size_t j = fnv((char *)t->data.p + t->slot[i] - 1) & (nc - 1);
                while (ns[j])
                    j = (j + 1) & (nc - 1);
                ns[j] = t->slot[i];
            }
        free(t->slot);
        t->slot = ns;
        t->cap = nc;
    }
    size_t j = fnv(s) & (t->cap - 1);
    while (t->slot[j]) {
        if (!strcmp((char *)t->data.p + t->slot[j] - 1, s))
            return t->slot[j] - 1;
        j = (j + 1) & (t->cap - 1);
    }
    uint32_t off = (uint32_t)t->data.n;
    buf_put(&t->data, s, strlen(s) + 1);
    t->slot[j] = off + 1;
    t->count++;
    return off;
}

static const char *action_word(int a)
{
    static const char *w[] = {"allow", "warn", "confirm", "deny"};
    return a >= 0 && a < 4 ? w[a] : "?";
}

static char *meta_json(const ir *r, const emit_opts *o)
{
    const tpl *t = r->t;
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(t->name ? t->name : ""));
    json_object_set_new(j, "version", json_string(t->version ? t->version : ""));
    if (t->author)
        json_object_set_new(j, "author", json_string(t->author));
    if (t->license)
        json_object_set_new(j, "license", json_string(t->license));
    if (t->description)
        json_object_set_new(j, "description", json_string(t->description));
    json_t *fw = json_array();
    for (size_t i = 0; i < t->nframeworks; i++)
        json_array_append_new(fw, json_string(t->frameworks[i]));
    json_object_set_new(j, "compliance_frameworks", fw);
    static const char *tol[] = {"low", "medium", "high"};
    json_object_set_new(j, "risk_tolerance", json_string(tol[t->tolerance % 3]));
    json_object_set_new(j, "default", json_string(action_word(t->default_action)));
    json_object_set_new(j, "dynamic", json_string(action_word(t->dynamic_action)));
    if (t->has_tools) {
        json_t *tools = json_object(), *al = json_array();
        for (size_t i = 0; i < t->ntools; i++)
            json_array_append_new(al, json_string(t->tools_allow[i]));
        json_object_set_new(tools, "allow", al);
        json_object_set_new(tools, "default", json_string(action_word(t->tools_default)));
        json_object_set_new(j, "tools", tools);
    }
    json_object_set_new(j, "scope", json_string(o->scope ? o->scope : "default"));
    json_t *src = json_array();
    for (size_t i = 0; i < t->nsources; i++) {
        char *cp = strdup(t->sources[i]);
        if (!cp)
            abort();
        json_array_append_new(src, json_string(basename(cp)));
        free(cp);
    }
    json_object_set_new(j, "sources", src);
    json_t *st = json_object();
    json_object_set_new(st, "rules", json_integer(r->nrules));
    json_object_set_new(st, "states", json_integer(r->nstates));
    json_object_set_new(st, "classes", json_integer(r->nclasses));
    json_object_set_new(st, "records", json_integer(r->nrecords));
    json_object_set_new(j, "automaton", st);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    json_decref(j);
    if (!s)
        abort();
    return s;
}

/* "Next free slot at or after i" with path compression (union-find), so
 * first fit jumps over occupied runs instead of probing every base: packing
 * stays near linear for automata of 10^5+ states. */
typedef struct freelist {
    uint32_t *next;
    size_t cap;
} freelist;

static size_t fl_find(freelist *f, size_t i)
{
    size_t r = i;
    while (r < f->cap && f->next[r] != r)
        r = f->next[r];
    while (i < f->cap && f->next[i] != i) { /* compress */
        size_t n = f->next[i];
        f->next[i] = (uint32_t)r;
        i = n;
    }
    return r;
}

static void fl_grow(freelist *f, size_t cap)
{
    f->next = realloc(f->next, cap * sizeof *f->next);
    if (!f->next)
        abort();
    for (size_t i = f->cap; i < cap; i++)
        f->next[i] = (uint32_t)i;
    f->cap = cap;
}

/* First-fit memo per exception pattern: slots are only ever filled, so a
 * base that failed for one set of exception classes fails for it forever.
 * Rows with the set a row already used resume the search after that row's
 * base instead of rescanning the comb from its start; the result is the
 * same first fit, reached in near linear time when thousands of rows share
 * a pattern (every state inside a literal token has the same few). */
typedef struct sigmemo {
    uint64_t *hash;
    size_t *next; /* smallest base not yet known to fail, + 1; 0 = empty */
    size_t cap, n;
} sigmemo;

static size_t *sig_slot(sigmemo *m, const uint32_t *exc, uint32_t ne)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 1024;
        uint64_t *nh = calloc(ncap, sizeof *nh);
        size_t *nx = calloc(ncap, sizeof *nx);
        if (!nh || !nx)
            abort();
        for (size_t i = 0; i < m->cap; i++)
            if (m->next[i]) {
                size_t j = m->hash[i] & (ncap - 1);
                while (nx[j])
                    j = (j + 1) & (ncap - 1);
                nh[j] = m->hash[i];
                nx[j] = m->next[i];
            }
        free(m->hash);
        free(m->next);
        m->hash = nh;
        m->next = nx;
        m->cap = ncap;
    }
    /* The class set is identified by its hash alone: a collision only
     * starts one search too late, so the hash is 64-bit and collision-free
     * in practice; a wrong start is still a valid (non-overlapping) base. */
    uint64_t h = 1469598103934665603ull ^ ne;
    for (uint32_t e = 0; e < ne; e++)
        h = (h ^ exc[e]) * 1099511628211ull;
    h |= 1;
    size_t j = h & (m->cap - 1);
    while (m->next[j] && m->hash[j] != h)
        j = (j + 1) & (m->cap - 1);
    if (!m->next[j]) {
        m->hash[j] = h;
        m->next[j] = 1;
        m->n++;
    }
    return &m->next[j];
}

/* note [reporting states first] in bundle_fmt.h: state 0 (dead) stays 0,
 * then the states with a decision record, then the others, each group in
 * the ir's breadth-first order (still canonical).  Returns nacc. */
static uint32_t renumber(const ir *r, uint32_t *perm, uint32_t *inv)
{
    uint32_t k = 0;
    perm[0] = 0;
    inv[k++] = 0;
    for (uint32_t s = 1; s < r->nstates; s++)
        if (r->acc[s]) {
            perm[s] = k;
            inv[k++] = s;
        }
    uint32_t nacc = k;
    for (uint32_t s = 1; s < r->nstates; s++)
        if (!r->acc[s]) {
            perm[s] = k;
            inv[k++] = s;
        }
    return nacc;
}

/* The most frequent target of a row (ties: the lowest state); cnt is
 * zeroed scratch with one counter per state, zeroed again on return. */
static uint32_t row_default(const uint32_t *row, uint32_t K, uint32_t *cnt)
{
    uint32_t best = row[0], bc = 0;
    for (uint32_t c = 0; c < K; c++)
        cnt[row[c]]++;
    for (uint32_t c = 0; c < K; c++)
        if (cnt[row[c]] > bc || (cnt[row[c]] == bc && row[c] < best)) {
            bc = cnt[row[c]];
            best = row[c];
        }
    for (uint32_t c = 0; c < K; c++)
        cnt[row[c]] = 0;
    return best;
}

/* Row displacement (first fit) of the renumbered rows, with distinct bases
 * for every state that owns a slot (note [comb tables]); base 0 is kept for
 * the states that own none.  Returns the comb array. */
static uint32_t *comb_pack(const ir *r, const uint32_t *perm, const uint32_t *inv, cpb_state *st,
                           uint32_t *ncomb_out)
{
    uint32_t K = r->nclasses, n = r->nstates;
    size_t cap = (size_t)K * 4 + 1024, used = 0;
    uint32_t *comb = malloc(cap * sizeof *comb);
    uint8_t *taken = calloc(cap, 1); /* base owned by a state */
    if (!comb || !taken)
        abort();
    for (size_t i = 0; i < cap; i++)
        comb[i] = CPB_COMB_EMPTY;
    taken[0] = 1;
    freelist fl = {NULL, 0};
    fl_grow(&fl, cap);
    uint32_t *cnt = calloc(n ? n : 1, sizeof *cnt);
    uint32_t *exc = malloc(K * sizeof *exc), *row = malloc(K * sizeof *row);
    if (!cnt || !exc || !row)
        abort();
    sigmemo sm = {0};
    /* Rows with more exceptions first (the usual first-fit order: the
     * sparse rows then fill the gaps the dense ones leave). */
    uint32_t *nexc = calloc(n ? n : 1, sizeof *nexc), *order = malloc((n ? n : 1) * sizeof *order);
    uint32_t *start = calloc((size_t)K + 2, sizeof *start);
    if (!nexc || !order || !start)
        abort();
    for (uint32_t s = 0; s < n; s++) {
        const uint32_t *orow = r->trans + (size_t)inv[s] * K;
        for (uint32_t c = 0; c < K; c++)
            row[c] = perm[orow[c]];
        st[s].def = row_default(row, K, cnt);
        for (uint32_t c = 0; c < K; c++)
            nexc[s] += row[c] != st[s].def;
        start[K - nexc[s] + 1]++;
    }
    for (uint32_t k = 1; k <= K + 1; k++)
        start[k] += start[k - 1];
    for (uint32_t s = 0; s < n; s++)
        order[start[K - nexc[s]]++] = s;
    for (uint32_t q = 0; q < n; q++) {
        uint32_t s = order[q];
        const uint32_t *orow = r->trans + (size_t)inv[s] * K;
        for (uint32_t c = 0; c < K; c++)
            row[c] = perm[orow[c]];
        uint32_t best = st[s].def, ne = 0;
        for (uint32_t c = 0; c < K; c++)
            if (row[c] != best)
                exc[ne++] = c;
        if (!ne) {
            st[s].base = 0;
            continue;
        }
        /* Candidate bases put exc[0] on a free slot; try them in order. */
        size_t base, *resume = sig_slot(&sm, exc, ne);
        for (size_t p = fl_find(&fl, exc[0] + *resume - 1);; p = fl_find(&fl, p + 1)) {
            base = p - exc[0];
            if (base + K > cap) {
                size_t nc = cap * 2;
                while (base + K > nc)
                    nc *= 2;
                comb = realloc(comb, nc * sizeof *comb);
                taken = realloc(taken, nc);
                if (!comb || !taken)
                    abort();
                for (size_t i = cap; i < nc; i++) {
                    comb[i] = CPB_COMB_EMPTY;
                    taken[i] = 0;
                }
                fl_grow(&fl, nc + 1);
                cap = nc;
            }
            if (taken[base])
                continue;
            uint32_t e = 1;
            while (e < ne && comb[base + exc[e]] == CPB_COMB_EMPTY)
                e++;
            if (e == ne)
                break;
        }
        *resume = base + 2;
        taken[base] = 1;
        for (uint32_t e = 0; e < ne; e++) {
            comb[base + exc[e]] = row[exc[e]] << 8 | exc[e];
            fl.next[base + exc[e]] = (uint32_t)(base + exc[e] + 1);
        }
        st[s].base = (uint32_t)base;
        if (base + K > used)
            used = base + K;
    }
    if (used < K)
        used = K; /* states with base 0 read comb[0..K) */
    free(fl.next);
    free(cnt);
    free(exc);
    free(row);
    free(nexc);
    free(order);
    free(start);
    free(taken);
    free(sm.hash);
    free(sm.next);
    *ncomb_out = (uint32_t)used;
    return comb;
}

int emit_bundle(const ir *r, const emit_opts *o, unsigned char **out, size_t *len, diag *d)
{
    const tpl *t = r->t;
    strtab S = {0};
    str_add(&S, ""); /* offset 0 is the empty string */
    cpb_meta meta = {0};
    meta.name = str_add(&S, t->name);
    meta.version = str_add(&S, t->version);
    meta.scope = str_add(&S, o->scope ? o->scope : "default");
    char *js = meta_json(r, o);
    meta.json = str_add(&S, js);
    free(js);
    meta.default_action = (uint8_t)t->default_action;
    meta.dynamic_action = (uint8_t)t->dynamic_action;
    meta.tools_default = (uint8_t)t->tools_default;
    meta.has_tools = t->has_tools;
    meta.nclasses = r->nclasses;

    cpb_rule *rules = calloc(r->nrules ? r->nrules : 1, sizeof *rules);
    uint32_t ncomp = 0;
    for (uint32_t i = 0; i < r->nrules; i++)
        ncomp += r->rules[i].ncompliance;
    uint32_t *comp = calloc(ncomp ? ncomp : 1, sizeof *comp);
    if (!rules || !comp)
        abort();
    uint32_t ci = 0;
    for (uint32_t i = 0; i < r->nrules; i++) {
        const ir_rule *ru = &r->rules[i];
        rules[i].id = str_add(&S, ru->id);
        rules[i].message = str_add(&S, ru->message);
        rules[i].match = str_add(&S, ru->match);
        rules[i].compliance_first = ci;
        if (ru->ncompliance > UINT16_MAX) {
            free(rules);
            free(comp);
            free(S.data.p);
            free(S.slot);
            return diag_set(d, CMDAI_E_SEMANTIC, t->file, 0, 0, "rule %s has too many compliance tags", ru->id);
        }
        rules[i].ncompliance = (uint16_t)ru->ncompliance;
        rules[i].action = ru->action;
        rules[i].risk = ru->risk;
        for (uint32_t k = 0; k < ru->ncompliance; k++)
            comp[ci++] = str_add(&S, ru->compliance[k]);
    }

    /* note [comb tables]: 24-bit state numbers, class 255 marks an empty slot. */
    if (r->nstates > CPB_MAX_STATES || r->nclasses > CPB_MAX_CLASSES) {
        free(rules);
        free(comp);
        free(S.data.p);
        free(S.slot);
        return diag_set(d, CMDAI_E_BUDGET, t->file, 0, 0,
                        "the automaton has %u states and %u byte classes; a bundle holds at most %u and %u",
                        r->nstates, r->nclasses, CPB_MAX_STATES, CPB_MAX_CLASSES);
    }
    cpb_state *st = calloc(r->nstates, sizeof *st);
    uint32_t *perm = malloc(r->nstates * sizeof *perm), *inv = malloc(r->nstates * sizeof *inv);
    if (!st || !perm || !inv)
        abort();
    uint32_t nacc = renumber(r, perm, inv);
    meta.start = perm[r->start];
    uint32_t *acc = malloc(nacc * sizeof *acc);
    if (!acc)
        abort();
    for (uint32_t i = 0; i < nacc; i++)
        acc[i] = r->acc[inv[i]];
    uint32_t ncomb;
    uint32_t *comb = comb_pack(r, perm, inv, st, &ncomb);
    /* note [token skip]: no record, and every token byte loops back. */
    for (uint32_t i = nacc; i < r->nstates; i++) {
        const uint32_t *orow = r->trans + (size_t)inv[i] * r->nclasses;
        int loop = 1;
        for (unsigned by = RT_C_MIN_TOKEN; by < 256 && loop; by++)
            loop = orow[r->cls[by]] == inv[i];
        if (loop)
            st[i].def |= CPB_DEF_SKIP;
    }
    free(perm);
    free(inv);
    cpb_record *recs = calloc(r->nrecords, sizeof *recs);
    if (!recs)
        abort();
    for (uint32_t i = 0; i < r->nrecords; i++)
        recs[i] = (cpb_record){r->records[i].action, r->records[i].risk, r->records[i].reason, 0,
                               r->records[i].first, r->records[i].n};

    struct {
        uint32_t id;
        const void *p;
        size_t size, count;
    } sec[CPB_S_LAST] = {
        {CPB_S_META, &meta, sizeof meta, 1},
        {CPB_S_STRINGS, S.data.p, S.data.n, S.count},
        {CPB_S_RULES, rules, r->nrules * sizeof *rules, r->nrules},
        {CPB_S_COMPLIANCE, comp, ncomp * sizeof *comp, ncomp},
        {CPB_S_CLASSES, r->cls, 256, 256},
        {CPB_S_STATES, st, r->nstates * sizeof *st, r->nstates},
        {CPB_S_COMB, comb, ncomb * sizeof *comb, ncomb},
        {CPB_S_RECORDS, recs, r->nrecords * sizeof *recs, r->nrecords},
        {CPB_S_RECRULES, r->rec_rules, r->nrec_rules * sizeof(uint32_t), r->nrec_rules},
        {CPB_S_ACC, acc, nacc * sizeof *acc, nacc},
    };
    cpb_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, CPB_MAGIC, 8);
    h.major = CPB_MAJOR;
    h.minor = CPB_MINOR;
    h.header_size = sizeof h;
    h.serial = o->serial;
    h.created = o->created;
    h.expires = o->expires;
    h.nsections = CPB_S_LAST;
    /* Source digest: BLAKE2b-256 over each source file's bytes, in order. */
    crypto_generichash_state gh;
    crypto_generichash_init(&gh, NULL, 0, sizeof h.source_digest);
    for (size_t i = 0; i < t->nsources; i++) {
        FILE *f = fopen(t->sources[i], "rb");
        if (!f)
            continue;
        unsigned char tmp[65536];
        size_t k;
        while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
            crypto_generichash_update(&gh, tmp, k);
        fclose(f);
    }
    crypto_generichash_final(&gh, h.source_digest, sizeof h.source_digest);

    buf B = {0};
    buf_put(&B, &h, sizeof h);
    cpb_section tab[CPB_S_LAST];
    size_t tab_at = B.n;
    buf_put(&B, tab, sizeof tab); /* placeholder */
    int rc = 0;
    for (int i = 0; i < CPB_S_LAST; i++) {
        buf_align(&B);
        if (B.n > UINT32_MAX || sec[i].size > UINT32_MAX) {
            rc = diag_set(d, CMDAI_E_BUDGET, t->file, 0, 0, "bundle larger than 4 GiB");
            break;
        }
        tab[i] = (cpb_section){sec[i].id, (uint32_t)B.n, (uint32_t)sec[i].size, (uint32_t)sec[i].count};
        if (sec[i].size)
            buf_put(&B, sec[i].p, sec[i].size);
    }
    buf_align(&B);
    memcpy(B.p + tab_at, tab, sizeof tab);
    ((cpb_header *)B.p)->file_size = B.n;
    if (!rc && B.n > CPB_MAX_SIZE)
        rc = diag_set(d, CMDAI_E_BUDGET, t->file, 0, 0, "bundle of %zu bytes exceeds the %u-byte limit", B.n,
                      CPB_MAX_SIZE);
    free(rules);
    free(comp);
    free(st);
    free(comb);
    free(acc);
    free(recs);
    free(S.data.p);
    free(S.slot);
    if (rc) {
        free(B.p);
        return -1;
    }
    *out = B.p;
    *len = B.n;
    return 0;
}

int emit_write_file(const char *path, const void *data, size_t len, diag *d)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    if (!tmp)
        abort();
    snprintf(tmp, pl + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        diag_set(d, CMDAI_E_IO, path, 0, 0, "cannot create a file next to it: %s", strerror(errno));
        free(tmp);
        return -1;
    }
    const unsigned char *p = data;
    size_t left = len;
    int err = 0;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && chmod(tmp, 0644) != 0) /* mkstemp made it 0600; bundles are public */
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (err) {
        unlink(tmp);
        diag_set(d, CMDAI_E_IO, path, 0, 0, "cannot write: %s", strerror(err));
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}
