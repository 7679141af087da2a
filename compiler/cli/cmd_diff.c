/* cmd_diff.c — `cmdai-policyc diff OLD NEW`: the exact semantic difference of
 * two policies, computed on their automata.
 *
 * note [diff product]: a breadth-first walk of the product of both DFAs with
 * a small automaton of well-formed canonical stages (so every path spells a
 * command the normalizer could produce), tracking per side the most severe
 * action reported so far in the current simple command.  At each END byte
 * the two decisions are compared (the default applies when nothing was
 * reported); the shortest paths that differ are witnesses.  Each witness is
 * rendered as a command and re-checked by evaluating it on both bundles, so
 * what is printed is a fact, not a claim of the product walk. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "cli.h"
#include "exitcodes.h"
#include "verdict_json.h"

/* The canonical grammar (canon.h), made strict where witnesses must read
 * back as the same command: a flag token starts with '-', a program is not
 * empty. */
enum { G_PROG0 = RT_G_N, G_FLAG0 };
static int gram(int g, unsigned char c)
{
    if (g == G_PROG0)
        return c == RT_C_DYN || c >= RT_C_MIN_TOKEN ? RT_G_PROG : RT_G_DEAD;
    if (g == G_FLAG0)
        return c == '-' ? RT_G_FLAG : RT_G_DEAD;
    int n = rt_canon_next(g, c);
    if (n == RT_G_PROG && g == RT_G_STAGE)
        return G_PROG0;
    if (c == RT_C_FLAG && n == RT_G_FLAG)
        return G_FLAG0;
    return n;
}

typedef struct node {
    uint32_t sa, sb;
    uint8_t g, acta, actb, flags; /* flags: 1 = A reported, 2 = B reported */
    uint32_t parent;
    unsigned char byte;
} node;

typedef struct walk {
    node *v;
    size_t n, cap;
    uint64_t *hkey;
    uint32_t *hval;
    size_t hcap;
} walk;

static uint64_t node_key(const node *x)
{
    return ((uint64_t)x->sa * 1000003u ^ (uint64_t)x->sb) * 64 + (uint64_t)x->g * 64 * 0 +
           ((uint64_t)x->g << 58) + ((uint64_t)x->acta << 54) + ((uint64_t)x->actb << 50) + ((uint64_t)x->flags << 48);
}

static int same(const node *a, const node *b)
{
    return a->sa == b->sa && a->sb == b->sb && a->g == b->g && a->acta == b->acta && a->actb == b->actb &&
           a->flags == b->flags;
}

/* Add x unless seen; returns 1 when added. */
static int visit(walk *w, const node *x)
{
    if ((w->n + 1) * 2 >= w->hcap) {
        size_t nc = w->hcap ? w->hcap * 2 : 1 << 16;
        uint64_t *nk = calloc(nc, sizeof *nk);
        uint32_t *nv = calloc(nc, sizeof *nv);
        if (!nk || !nv)
            abort();
        for (size_t i = 0; i < w->hcap; i++)
            if (w->hval[i]) {
                size_t j = w->hkey[i] * 0x9E3779B97F4A7C15ull >> 20 & (nc - 1);
                while (nv[j])
                    j = (j + 1) & (nc - 1);
                nk[j] = w->hkey[i];
                nv[j] = w->hval[i];
            }
        free(w->hkey);
        free(w->hval);
        w->hkey = nk;
        w->hval = nv;
        w->hcap = nc;
    }
    uint64_t k = node_key(x);
    size_t j = k * 0x9E3779B97F4A7C15ull >> 20 & (w->hcap - 1);
    while (w->hval[j]) {
        if (w->hkey[j] == k && same(&w->v[w->hval[j] - 1], x))
            return 0;
        j = (j + 1) & (w->hcap - 1);
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 1 << 16;
        w->v = realloc(w->v, w->cap * sizeof *w->v);
        if (!w->v)
            abort();
    }
    w->v[w->n] = *x;
    w->hkey[j] = k;
    w->hval[j] = (uint32_t)++w->n;
    return 1;
}

/* One representative byte per joint class: prefer readable bytes. */
static int repr_score(int c)
{
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return 4;
    if (c == '.' || c == '_' || c == '-' || c == '/')
        return 3;
    if (c > ' ' && c < 127 && c != '\'' && c != '"' && c != '\\' && c != '$' && c != '`')
        return 2;
    return c >= RT_C_MIN_TOKEN ? 1 : 0;
}

/* Canonical witness bytes -> a shell command line the normalizer maps back
 * onto the same canonical form (tokens single-quoted when needed). */
static void render(const unsigned char *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
#define PUT(ch)                  \
    do {                         \
        if (o + 1 < cap)         \
            out[o++] = (char)(ch); \
    } while (0)
    int need_space = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i++];
        if (c == RT_C_END) {
            if (i < n) {
                PUT(' ');
                PUT('|');
                need_space = 1;
            }
            continue;
        }
        if (c == RT_C_RTGT)
            continue;
        if (c == RT_C_DYN) {
            if (need_space)
                PUT(' ');
            PUT('$');
            PUT('X');
            need_space = 1;
            continue;
        }
        if (c < RT_C_MIN_TOKEN) {
            if (need_space)
                PUT(' ');
            need_space = 0;
            if (c == RT_C_REDIR) { /* op then target, glued */
                while (i < n && p[i] >= RT_C_MIN_TOKEN)
                    PUT(p[i++]);
                if (i < n && p[i] == RT_C_RTGT)
                    i++;
            }
            /* token follows */
            size_t b = i;
            int quote = 0;
            while (i < n && p[i] >= RT_C_MIN_TOKEN) {
                unsigned char t = p[i];
                if (!((t >= 'a' && t <= 'z') || (t >= 'A' && t <= 'Z') || (t >= '0' && t <= '9') ||
                      strchr("./_-=:,+@%^~", t)))
                    quote = 1;
                i++;
            }
            if (i == b && c == RT_C_ARG)
                quote = 1;
            if (quote)
                PUT('\'');
            for (size_t k = b; k < i; k++) {
                if (p[k] == '\'') {
                    PUT('\'');
                    PUT('\\');
                    PUT('\'');
                }
                PUT(p[k]);
            }
            if (quote)
                PUT('\'');
            need_space = 1;
        }
    }
    out[o < cap ? o : cap - 1] = '\0';
#undef PUT
}

static void usage_diff(FILE *f)
{
    fprintf(f,
            "usage: cmdai-policyc diff [--max N] [--exit-code | --fail-weaker] [SOURCE OPTIONS] OLD NEW\n"
            "\n"
            "The exact semantic difference of two policies (templates or .cpb bundles),\n"
            "computed on their automata: witness commands whose decision changes, shortest\n"
            "first, one per change of (old rule, new rule, old action, new action), each\n"
            "checked by evaluating it on both policies.\n"
            "\n"
            "  --max N        print at most N witnesses (default 20)\n"
            "  --exit-code    exit 1 when any decision changes\n"
            "  --fail-weaker  exit 1 when some decision becomes less severe (a CI gate for\n"
            "                 \"this change weakens the policy\")\n"
            "source options (for template operands; each reads the cmdai.lock beside it, or\n"
            "--lockfile, and diff never writes one):\n"
            CLI_SRC_HELP);
}

static const char *top_rule(const struct cmdai_bundle *b, const cmdai_verdict *v)
{
    return v->nrules ? b->str + b->rules[v->rules[0]].id : "-";
}

int cmd_diff(int argc, char **argv)
{
    static const struct option lo[] = {{"max", required_argument, 0, 'm'},
                                       {"exit-code", no_argument, 0, 'e'},
                                       {"fail-weaker", no_argument, 0, 'w'},
                                       {"help", no_argument, 0, 'h'},
                                       CLI_SRC_OPTIONS,
                                       {0, 0, 0, 0}};
    cli_src src = {0}; /* template operands: --stdlib and registries (sources.c) */
    long maxw = 20;
    int exit_code = 0, fail_weaker = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'm':
            maxw = strtol(optarg, NULL, 10);
            if (maxw <= 0) {
                usage_diff(stderr);
                return EXIT_USAGE;
            }
            break;
        case 'e': exit_code = 1; break;
        case 'w': fail_weaker = 1; break;
        case 'h': usage_diff(stdout); return 0;
        default:
            if (cli_src_opt(&src, c, optarg) == 1)
                break;
            usage_diff(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind + 2 != argc) {
        usage_diff(stderr);
        return EXIT_USAGE;
    }
    cli_bundle A, B;
    int rc = cli_load_source(argv[optind], &src, &A);
    if (rc)
        return rc;
    rc = cli_load_source(argv[optind + 1], &src, &B);
    if (rc) {
        cli_bundle_free(&A);
        return rc;
    }
    const struct cmdai_bundle *a = &A.b, *b = &B.b;

    /* Joint byte classes and their representatives. */
    int rep[256 * 2], nrep = 0;
    {
        int seen[256][256];
        memset(seen, -1, sizeof seen);
        for (int x = 0; x < 256; x++) {
            int *s = &seen[a->cls[x]][b->cls[x]];
            if (*s < 0) {
                *s = nrep;
                rep[nrep++] = x;
            } else if (repr_score(x) > repr_score(rep[*s])) {
                rep[*s] = x;
            }
        }
    }

    enum { MAX_NODES = 4000000, MAX_SIG = 4096 };
    walk w = {0};
    node root = {a->start, b->start, RT_G_STAGE, 0, 0, 0, UINT32_MAX, 0};
    visit(&w, &root);
    unsigned found = 0, weaker = 0, stronger = 0, unconfirmed = 0;
    char (*sigs)[160] = calloc(MAX_SIG, sizeof *sigs);
    unsigned nsig = 0;
    int truncated = 0;
    unsigned char path[4096];
    for (size_t qi = 0; qi < w.n && found < (unsigned)maxw; qi++) {
        if (w.n >= MAX_NODES) {
            truncated = 1;
            break;
        }
        node cur = w.v[qi];
        for (int k = 0; k < nrep; k++) {
            unsigned char byte = (unsigned char)rep[k];
            int g = gram(cur.g, byte);
            if (g == RT_G_DEAD)
                continue;
            node nx = cur;
            nx.g = (uint8_t)g;
            nx.sa = rt_step_any(a, cur.sa, byte);
            nx.sb = rt_step_any(b, cur.sb, byte);
            nx.parent = (uint32_t)qi;
            nx.byte = byte;
            uint32_t ra = rt_state_acc(a, nx.sa), rb = rt_state_acc(b, nx.sb);
            if (ra) {
                nx.flags |= 1;
                if (a->recs[ra].action > nx.acta)
                    nx.acta = a->recs[ra].action;
            }
            if (rb) {
                nx.flags |= 2;
                if (b->recs[rb].action > nx.actb)
                    nx.actb = b->recs[rb].action;
            }
            if (byte == RT_C_END) {
                int da = nx.flags & 1 ? nx.acta : a->meta->default_action;
                int db = nx.flags & 2 ? nx.actb : b->meta->default_action;
                if (da != db) {
                    /* Witness: bytes from the root to here. */
                    size_t len = 0;
                    path[len++] = byte;
                    for (uint32_t p = (uint32_t)qi; p != 0 && len < sizeof path; p = w.v[p].parent)
                        path[len++] = w.v[p].byte;
                    for (size_t i = 0; i < len / 2; i++) {
                        unsigned char t = path[i];
                        path[i] = path[len - 1 - i];
                        path[len - 1 - i] = t;
                    }
                    char cmd[8192];
                    render(path, len, cmd, sizeof cmd);
                    cmdai_verdict va, vb;
                    cmdai_eval(a, cmd, strlen(cmd), &va);
                    cmdai_eval(b, cmd, strlen(cmd), &vb);
                    char sig[160];
                    snprintf(sig, sizeof sig, "%d>%d %s>%s", (int)va.action, (int)vb.action, top_rule(a, &va),
                             top_rule(b, &vb));
                    int dup = 0;
                    for (unsigned q = 0; q < nsig; q++)
                        if (!strcmp(sigs[q], sig))
                            dup = 1;
                    if (!dup && nsig < MAX_SIG) {
                        memcpy(sigs[nsig++], sig, sizeof sig);
                        if (va.action == vb.action) {
                            unconfirmed++; /* the rendering lost what made it differ */
                        } else {
                            found++;
                            if (vb.action < va.action)
                                weaker++;
                            else
                                stronger++;
                            printf("%s: %s -> %s   (%s -> %s)\n", cmd, cmdai_action_name(va.action),
                                   cmdai_action_name(vb.action), top_rule(a, &va), top_rule(b, &vb));
                        }
                    }
                    continue; /* the stage is decided; do not extend a differing path */
                }
                nx.acta = nx.actb = 0;
                nx.flags = 0;
            }
            visit(&w, &nx);
        }
    }
    if (!found)
        printf("no decision differs%s\n", truncated ? " within the explored product (search truncated)" : "");
    else
        printf("%u witness(es): %u weaker, %u stronger%s\n", found, weaker, stronger,
               truncated ? "; search truncated" : found >= (unsigned)maxw ? "; more may exist (--max)" : "");
    if (unconfirmed)
        fprintf(stderr, "%s diff: %u difference(s) found on the automata could not be rendered as a command\n",
                cli_prog, unconfirmed);
    free(sigs);
    free(w.v);
    free(w.hkey);
    free(w.hval);
    cli_bundle_free(&A);
    cli_bundle_free(&B);
    if (fail_weaker && weaker)
        return 1;
    if (exit_code && found)
        return 1;
    return 0;
}
