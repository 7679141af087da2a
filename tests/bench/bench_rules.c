/* bench_rules.c — the generated rule sets of `make bench` and their exact
 * translation to regexes over canonical units, so that PCRE2, Hyperscan and
 * RE2::Set run the SAME rules on the SAME bytes as the automaton.  The regex
 * is written from the rule's shape, not from its DSL text: each shape's
 * atoms (literal token, flag group, `...`, glob, list, adjacent pipe stage)
 * map onto the canonical form of docs/command-model.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static const char *const progs[] = {
    "rm",     "git",  "kubectl",   "docker",    "terraform", "aws",      "gcloud", "az",     "helm",   "psql",
    "mysql",  "redis-cli", "systemctl", "iptables", "chmod",  "chown",   "dd",     "mkfs.ext4", "curl", "wget",
    "ssh",    "scp",  "rsync",     "tar",       "find",      "npm",      "pip",    "cargo",  "apt-get", "yum",
    "brew",   "make", "go",        "java",      "python3",   "node",     "sed",    "awk",    "crontab", "useradd",
    "userdel", "passwd", "mount",  "umount",    "kill",      "pkill",    "shutdown", "nc"};
static const char *const words[] = {"delete", "destroy", "drop",  "push",  "reset", "prune", "purge",
                                    "remove", "apply",   "stop",  "restart", "install", "exec", "run",
                                    "rm",     "clean",   "wipe",  "flush", "kill",  "scale"};

/* A realistic mix: literal subcommands (as in "git push", "kubectl delete"),
 * flags (single and alternatives), globs, lists, `...`, pipelines.  Many
 * rules of one program that each search with `...` for an independent word
 * and no subcommand are not realistic: every such rule is an independent
 * condition and they multiply states (docs/dsl.md, "How combined patterns
 * are judged").  Here `...` follows a subcommand, as policies write it. */
static int gen_rule(char *m, size_t cap, const bench_rule *r)
{
    const char *p = r->prog, *w = r->word;
    unsigned i = r->idx;
    switch (r->shape) {
    case 0: return snprintf(m, cap, "%s %s%u", p, w, i);
    case 1: return snprintf(m, cap, "%s %s%u {-f,--force}", p, w, i);
    case 2: return snprintf(m, cap, "%s %s%u -r ... @roots", p, w, i);
    case 3: return snprintf(m, cap, "%s %s ... arg%u*", p, w, i);
    case 4: return snprintf(m, cap, "%s %s%u ... | sh", p, w, i);
    default: return snprintf(m, cap, "%s {%s%u,%s%ux} --opt%u", p, w, i, w, i, i % 7);
    }
}

char *bench_gen_template(unsigned n, unsigned seed, bench_rule **rules)
{
    size_t cap = 256 + (size_t)n * 200, o = 0;
    char *y = malloc(cap);
    bench_rule *rv = malloc((n ? n : 1) * sizeof *rv);
    if (!y || !rv)
        abort();
    srand(seed);
    o += (size_t)snprintf(y + o, cap - o,
                          "template:\n  name: bench-%u\n  version: 1.0.0\n  lists:\n    roots: [\"/\", \"/*\", \"~\", "
                          "\"$HOME\"]\n  safety:\n    default: allow\n    rules:\n",
                          n);
    for (unsigned i = 0; i < n; i++) {
        bench_rule *r = &rv[i];
        r->idx = i;
        r->prog = progs[(unsigned)rand() % (sizeof progs / sizeof progs[0])];
        r->word = words[(unsigned)rand() % (sizeof words / sizeof words[0])];
        r->shape = (unsigned)(rand() % 6);
        char m[200];
        gen_rule(m, sizeof m, r);
        o += (size_t)snprintf(y + o, cap - o, "      - id: r%05u\n        match: \"%s\"\n        risk: %s\n", i, m,
                              i % 3 ? "high" : "critical");
    }
    snprintf(y + o, cap - o, "  tests:\n    allow: [ls]\n");
    if (rules)
        *rules = rv;
    else
        free(rv);
    return y;
}

/* ---- regex translation --------------------------------------------------------
 * Canonical stage: \x01 prog (\x03 arg)* (\x02 flag)* (\x04 op \x05 tgt)* \x06,
 * token bytes >= 0x08 (canon.h).  Building blocks:
 *   TOK   one token byte                       [\x08-\xff]
 *   SEP   the byte after a complete token      [\x02-\x06]
 *   REST  anything up to the next element      (?:[\x02-\x05][^\x06]*)?
 *         (starts with a separator, so the token before it is complete, and
 *         never crosses the stage's END)
 *   FLAG(f)  \x02 f [=\x02-\x06]   a flag with or without "=value", which is
 *         how the automaton matches a flag name (note [canonical form])
 * Args come before flags, so "first arg is W, then some flag" is
 * \x03 W REST FLAG.  Globs without '/' match the last path component. */
#define TOK "[\\x08-\\xff]"
#define NONSLASH "[^/\\x00-\\x07]"
#define SEP "[\\x02-\\x06]"
#define REST "(?:[\\x02-\\x05][^\\x06]*)?"

typedef struct rbuf {
    char *s;
    size_t n, cap;
} rbuf;

static void rb_add(rbuf *b, const char *s)
{
    size_t k = strlen(s);
    if (b->n + k + 1 > b->cap) {
        b->cap = (b->n + k + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            abort();
    }
    memcpy(b->s + b->n, s, k + 1);
    b->n += k;
}

/* A literal: alphanumerics as they are, every other byte as \xHH. */
static void rb_lit(rbuf *b, const char *s)
{
    for (; *s; s++) {
        char t[8];
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            snprintf(t, sizeof t, "%c", c);
        else
            snprintf(t, sizeof t, "\\x%02x", c);
        rb_add(b, t);
    }
}

static void rb_num(rbuf *b, unsigned v)
{
    char t[16];
    snprintf(t, sizeof t, "%u", v);
    rb_add(b, t);
}

char *bench_rule_regex(const bench_rule *r)
{
    rbuf b = {0};
    rb_add(&b, "\\x01");
    rb_lit(&b, r->prog);
    rb_add(&b, "\\x03");
    switch (r->shape) {
    case 0: /* p wI */
        rb_lit(&b, r->word), rb_num(&b, r->idx), rb_add(&b, SEP);
        break;
    case 1: /* p wI {-f,--force} */
        rb_lit(&b, r->word), rb_num(&b, r->idx);
        rb_add(&b, REST "\\x02(?:\\x2df|\\x2d\\x2dforce)[=\\x02-\\x06]");
        break;
    case 2: /* p wI -r ... @roots   (roots: "/", "/" glob "*", "~", "$HOME") */
        rb_lit(&b, r->word), rb_num(&b, r->idx);
        rb_add(&b, "(?:\\x03" TOK "*)*\\x03(?:\\x7e|\\x24HOME|/" NONSLASH "*)" REST "\\x02\\x2dr[=\\x02-\\x06]");
        break;
    case 3: /* p w ... argI* */
        rb_lit(&b, r->word);
        rb_add(&b, "(?:\\x03" TOK "*)*\\x03(?:" TOK "*/)?arg");
        rb_num(&b, r->idx);
        rb_add(&b, NONSLASH "*" SEP);
        break;
    case 4: /* p wI ... | sh   (sh is the very next stage) */
        rb_lit(&b, r->word), rb_num(&b, r->idx);
        rb_add(&b, REST "\\x06\\x01sh" SEP);
        break;
    default: /* p {wI,wIx} --optK */
        rb_add(&b, "(?:");
        rb_lit(&b, r->word), rb_num(&b, r->idx);
        rb_add(&b, "|");
        rb_lit(&b, r->word), rb_num(&b, r->idx), rb_add(&b, "x");
        rb_add(&b, ")" REST "\\x02\\x2d\\x2dopt");
        rb_num(&b, r->idx % 7);
        rb_add(&b, "[=\\x02-\\x06]");
        break;
    }
    return b.s;
}
