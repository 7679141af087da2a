/* bundle.c — validate once, then walk (STYLE.md section 6).  After
 * rt_bundle_check() succeeds, every index the evaluator can compute is in
 * range, so eval.c carries no bounds checks on its hot path. */
#include "bundle.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int rt_error(cmdai_error *err, int code, const char *source, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    err->line = err->column = -1;
    const char *src = source ? source : "<memory>";
    size_t n = strlen(src);
    if (n >= sizeof err->source)
        src += n - (sizeof err->source - 1);
    snprintf(err->source, sizeof err->source, "%s", src);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
    return code;
}

#define BAD(...) return rt_error(err, CMDAI_E_FORMAT, "<bundle>", __VA_ARGS__)

int rt_bundle_check(struct cmdai_bundle *b, const unsigned char *data, size_t len, cmdai_error *err)
{
    memset(b, 0, sizeof *b);
    if (len < sizeof(cpb_header))
        BAD("truncated bundle: %zu bytes is smaller than the header", len);
    if ((uintptr_t)data % CPB_ALIGN)
        BAD("bundle buffer is not aligned");
    const cpb_header *h = (const cpb_header *)data;
    if (memcmp(h->magic, CPB_MAGIC, 8))
        BAD("not a cmdai policy bundle (bad magic)");
    if (h->major > CPB_MAJOR)
        return rt_error(err, CMDAI_E_VERSION, "<bundle>",
                        "bundle format %u.%u is newer than this runtime (%u.%u): upgrade cmdai-policy", h->major,
                        h->minor, CPB_MAJOR, CPB_MINOR);
    if (h->major != CPB_MAJOR)
        BAD("unsupported bundle format %u.%u", h->major, h->minor);
    if (h->header_size != sizeof(cpb_header))
        BAD("bad header size %u", h->header_size);
    if (h->file_size != len)
        BAD("truncated or extended bundle: header says %llu bytes, file has %zu", (unsigned long long)h->file_size,
            len);
    if (h->nsections != CPB_S_LAST || h->flags != 0)
        BAD("bad section count %u", h->nsections);
    size_t tab_end = sizeof(cpb_header) + (size_t)h->nsections * sizeof(cpb_section);
    if (tab_end > len)
        BAD("truncated section table");
    const cpb_section *sec = (const cpb_section *)(data + sizeof(cpb_header));
    const uint32_t elem[CPB_S_LAST + 1] = {
        0, sizeof(cpb_meta), 1, sizeof(cpb_rule), 4, 1, sizeof(cpb_state), 4, sizeof(cpb_record), 4, 4};
    size_t prev_end = tab_end;
    const void *p[CPB_S_LAST + 1] = {0};
    uint32_t cnt[CPB_S_LAST + 1] = {0};
    for (uint32_t i = 0; i < h->nsections; i++) {
        const cpb_section *s = &sec[i];
        if (s->id != i + 1)
            BAD("section %u has id %u, expected %u", i, s->id, i + 1);
        if (s->offset % CPB_ALIGN || s->offset < prev_end || s->offset > len || s->size > len - s->offset)
            BAD("section %u lies outside the file or overlaps another", s->id);
        if (s->id != CPB_S_STRINGS) {
            if ((uint64_t)s->count * elem[s->id] != s->size)
                BAD("section %u: size %u does not hold %u entries", s->id, s->size, s->count);
        }
        p[s->id] = data + s->offset;
        cnt[s->id] = s->id == CPB_S_STRINGS ? s->size : s->count;
        prev_end = (size_t)s->offset + s->size;
    }
    if (cnt[CPB_S_META] != 1)
        BAD("missing metadata");
    if (cnt[CPB_S_CLASSES] != 256)
        BAD("class map must have 256 entries");
    b->data = data;
    b->len = len;
    b->h = h;
    b->meta = p[CPB_S_META];
    b->str = p[CPB_S_STRINGS];
    b->nstr = cnt[CPB_S_STRINGS];
    b->rules = p[CPB_S_RULES];
    b->nrules = cnt[CPB_S_RULES];
    b->comp = p[CPB_S_COMPLIANCE];
    b->ncomp = cnt[CPB_S_COMPLIANCE];
    b->cls = p[CPB_S_CLASSES];
    b->states = p[CPB_S_STATES];
    b->nstates = cnt[CPB_S_STATES];
    b->comb = p[CPB_S_COMB];
    b->ncomb = cnt[CPB_S_COMB];
    b->acc = p[CPB_S_ACC];
    b->nacc = cnt[CPB_S_ACC];
    b->recs = p[CPB_S_RECORDS];
    b->nrecs = cnt[CPB_S_RECORDS];
    b->recrules = p[CPB_S_RECRULES];
    b->nrecrules = cnt[CPB_S_RECRULES];

    /* Strings: any offset below nstr reaches a NUL. */
    if (b->nstr == 0 || b->str[b->nstr - 1] != '\0')
        BAD("string table is not NUL-terminated");
    const cpb_meta *m = b->meta;
    if (m->name >= b->nstr || m->version >= b->nstr || m->scope >= b->nstr || m->json >= b->nstr)
        BAD("metadata string out of range");
    if (m->default_action > CMDAI_DENY || m->dynamic_action > CMDAI_DENY || m->tools_default > CMDAI_DENY ||
        m->has_tools > 1)
        BAD("metadata action out of range");
    if (m->nclasses == 0 || m->nclasses > CPB_MAX_CLASSES || m->reserved != 0)
        BAD("bad class count %u", m->nclasses);
    b->nclasses = m->nclasses;
    if (b->nstates == 0 || b->nstates > CPB_MAX_STATES || m->start >= b->nstates)
        BAD("start state out of range");
    b->start = m->start;
    for (int c = 0; c < 256; c++)
        if (b->cls[c] >= m->nclasses)
            BAD("byte %d maps to class %u of %u", c, b->cls[c], m->nclasses);
    if (b->nrecs == 0)
        BAD("no decision records");
    if (b->nacc > b->nstates)
        BAD("%u state records for %u states", b->nacc, b->nstates);
    for (uint32_t s = 0; s < b->nstates; s++) {
        if ((uint64_t)b->states[s].base + m->nclasses > b->ncomb)
            BAD("state %u: transition row outside the table", s);
        uint32_t def = b->states[s].def;
        if ((def & ~(CPB_DEF_SKIP | CPB_DEF_MASK)) || (def & CPB_DEF_MASK) >= b->nstates)
            BAD("state %u: target out of range", s);
    }
    for (uint32_t s = 0; s < b->nacc; s++)
        if (b->acc[s] >= b->nrecs)
            BAD("state %u: record out of range", s);
    for (uint32_t i = 0; i < b->ncomb; i++) {
        uint32_t v = b->comb[i];
        if (v == CPB_COMB_EMPTY)
            continue;
        if ((v & 0xffu) >= m->nclasses || (v >> 8) >= b->nstates)
            BAD("transition %u out of range", i);
    }
    for (uint32_t i = 0; i < b->nrecs; i++) {
        const cpb_record *r = &b->recs[i];
        if (r->action > CMDAI_DENY || r->risk > CMDAI_RISK_CRITICAL || r->reason > 0x1f)
            BAD("record %u: bad action or risk", i);
        if (r->first > b->nrecrules || r->n > b->nrecrules - r->first)
            BAD("record %u: rule list out of range", i);
    }
    for (uint32_t i = 0; i < b->nrecrules; i++)
        if (b->recrules[i] >= b->nrules)
            BAD("record rule %u out of range", i);
    for (uint32_t i = 0; i < b->nrules; i++) {
        const cpb_rule *r = &b->rules[i];
        if (r->id >= b->nstr || r->message >= b->nstr || r->match >= b->nstr)
            BAD("rule %u: string out of range", i);
        if (r->action > CMDAI_DENY || r->risk > CMDAI_RISK_CRITICAL || r->risk == CMDAI_RISK_NONE)
            BAD("rule %u: bad action or risk", i);
        if (r->compliance_first > b->ncomp || r->ncompliance > b->ncomp - r->compliance_first)
            BAD("rule %u: compliance list out of range", i);
    }
    for (uint32_t i = 0; i < b->ncomp; i++)
        if (b->comp[i] >= b->nstr)
            BAD("compliance tag %u out of range", i);
    return CMDAI_OK;
}
