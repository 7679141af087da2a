/* eval.c — the decision: normalize, then walk each unit through the one
 * automaton and fold the record read after every END byte.  No allocation,
 * no locks: the bundle is immutable after rt_bundle_check(). */
#include <string.h>

#include "bundle.h"
#include "canon.h"
#include "shell.h"

static const char *fixed_message(unsigned reason)
{
    if (reason & CMDAI_REASON_ERROR)
        return "the command could not be analysed; refused";
    if (reason & CMDAI_REASON_DYNAMIC)
        return "the program name is only known at run time";
    if (reason & CMDAI_REASON_TOOLS)
        return "the program is not in the tools allowlist";
    return NULL;
}

/* Keep v->rules ordered most severe first (action, risk, index). */
static void add_rule(const struct cmdai_bundle *b, cmdai_verdict *v, uint32_t r)
{
    unsigned n = v->nrules < CMDAI_VERDICT_RULES ? v->nrules : CMDAI_VERDICT_RULES;
    for (unsigned i = 0; i < n; i++)
        if (v->rules[i] == r)
            return;
    v->nrules++;
    const cpb_rule *x = &b->rules[r];
    unsigned at = n;
    while (at > 0) {
        const cpb_rule *y = &b->rules[v->rules[at - 1]];
        if (y->action > x->action || (y->action == x->action && (y->risk > x->risk ||
                                                                   (y->risk == x->risk && v->rules[at - 1] < r))))
            break;
        at--;
    }
    if (at >= CMDAI_VERDICT_RULES)
        return;
    unsigned last = n < CMDAI_VERDICT_RULES ? n : CMDAI_VERDICT_RULES - 1;
    memmove(&v->rules[at + 1], &v->rules[at], (last - at) * sizeof v->rules[0]);
    v->rules[at] = r;
}

static void fold(const struct cmdai_bundle *b, cmdai_verdict *v, const cpb_record *r)
{
    if (r->action > v->action)
        v->action = r->action;
    if (r->risk > v->risk)
        v->risk = r->risk;
    v->reason |= r->reason;
    for (uint32_t i = 0; i < r->n; i++)
        add_rule(b, v, b->recrules[r->first + i]);
}

static const cpb_record *default_record(const struct cmdai_bundle *b, cpb_record *tmp)
{
    *tmp = (cpb_record){b->meta->default_action, CMDAI_RISK_NONE, CMDAI_REASON_DEFAULT, 0, 0, 0};
    return tmp;
}

/* note [decision records] in compiler/ir.h: a state's record is reported on
 * the byte that enters it; a simple command that reported nothing by its END
 * gets the template default.  Inlined into both callers, so the verdict walk
 * pays no indirect call per byte; only states below nacc can report (note
 * [reporting states first] in bundle_fmt.h), so most bytes cost one compare
 * and no load beyond the step. */
static inline void walk_records(const struct cmdai_bundle *b, const unsigned char *p, size_t n,
                                void (*on_record)(void *ctx, unsigned stage, const cpb_record *r), void *ctx)
{
    /* Locals: the callback may not be assumed to leave *b alone, so the
     * fields would be reloaded on every byte. */
    const cpb_state *states = b->states;
    const uint32_t *comb = b->comb, *acc = b->acc;
    const uint8_t *cls = b->cls;
    uint32_t nacc = b->nacc, s = b->start;
    unsigned stage = 0;
    int reported = 0;
    cpb_record def;
    for (size_t i = 0; i < n; i++) {
        const cpb_state *st = states + s;
        if (st->def & CPB_DEF_SKIP) { /* note [token skip] */
            while (p[i] >= RT_C_MIN_TOKEN)
                if (++i == n)
                    return;
        }
        uint32_t c = cls[p[i]], v = comb[st->base + c];
        /* A branch, not a conditional move (the empty asm keeps the compiler
         * from if-converting it): when it is predicted, the next step starts
         * from the default without waiting for the comb load, a fifth of the
         * time per byte on states that scan arguments. */
        if ((v & 0xffu) == c) {
            __asm__("");
            s = v >> 8;
        } else {
            s = st->def & CPB_DEF_MASK;
        }
        if (s < nacc) {
            uint32_t a = acc[s];
            if (a) {
                on_record(ctx, stage, &b->recs[a]);
                reported = 1;
            }
        }
        if (p[i] == RT_C_END) {
            if (!reported)
                on_record(ctx, stage, default_record(b, &def));
            reported = 0;
            stage++;
        }
    }
}

typedef struct fold_ctx {
    const struct cmdai_bundle *b;
    cmdai_verdict *v;
} fold_ctx;

static void fold_cb(void *ctx, unsigned stage, const cpb_record *r)
{
    fold_ctx *f = ctx;
    (void)stage;
    fold(f->b, f->v, r);
}

static void walk(const struct cmdai_bundle *b, const unsigned char *p, size_t n, cmdai_verdict *v)
{
    fold_ctx f = {b, v};
    walk_records(b, p, n, fold_cb, &f);
}

void rt_explain_unit(const struct cmdai_bundle *b, const unsigned char *p, size_t n,
                     void (*on_record)(void *ctx, unsigned stage, const cpb_record *r), void *ctx)
{
    walk_records(b, p, n, on_record, ctx);
}

void rt_decide_units(const struct cmdai_bundle *b, const rt_norm *n, cmdai_verdict *out)
{
    size_t from = 0;
    for (uint32_t u = 0; u < n->nunits; u++) {
        walk(b, n->buf + from, n->unit_end[u] - from, out);
        from = n->unit_end[u];
    }
}

int cmdai_eval(const cmdai_bundle *b, const char *cmd, size_t len, cmdai_verdict *out)
{
    rt_norm n;
    memset(out, 0, sizeof *out);
    if (!b || (!cmd && len)) {
        out->action = CMDAI_DENY;
        out->reason = CMDAI_REASON_ERROR;
        out->error = CMDAI_E_USAGE;
        out->message = fixed_message(out->reason);
        return CMDAI_E_USAGE;
    }
    int rc = rt_norm_run(&n, cmd ? cmd : "", len);
    rt_decide_units(b, &n, out);
    if (rc != CMDAI_OK) {
        out->action = CMDAI_DENY; /* fail closed */
        out->reason |= CMDAI_REASON_ERROR;
        out->error = rc;
    }
    if (out->nrules && !(out->reason & CMDAI_REASON_ERROR)) {
        const cpb_rule *top = &b->rules[out->rules[0]];
        /* The top rule explains the verdict only if nothing else is more severe. */
        if (top->action >= out->action)
            out->message = b->str + top->message;
    }
    if (!out->message)
        out->message = fixed_message(out->reason);
    if (!out->message && out->nrules)
        out->message = b->str + b->rules[out->rules[0]].message;
    return rc;
}
