/* cmd_coverage.c — `cmdai-policyc test --coverage`: after a template's tests
 * ran, walk its inline tests and corpora again through compiler/coverage.c
 * and print which rules fired and which accept states were entered, as a
 * table or (--format json) one JSON document for CI.  cmd_test calls the
 * cli_cov_* hooks; the counting is coverage.c's. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "coverage.h"
#include "exitcodes.h"

int cli_cov_option(cli_cov *cc, int opt, const char *arg)
{
    switch (opt) {
    case CLI_COV_OPT_COVERAGE: cc->on = 1; return 0;
    case CLI_COV_OPT_MIN:
    case CLI_COV_OPT_MIN_STATES:
        if (cli_parse_pct(arg, opt == CLI_COV_OPT_MIN ? &cc->min_rules : &cc->min_states)) {
            fprintf(stderr, "%s test: --%s takes a percentage from 0 to 100\n", cli_prog,
                    opt == CLI_COV_OPT_MIN ? "min-coverage" : "min-state-coverage");
            return EXIT_USAGE;
        }
        cc->on = 1;
        return 0;
    case CLI_COV_OPT_FORMAT:
        if (strcmp(arg, "text") && strcmp(arg, "json")) {
            fprintf(stderr, "%s test: --format takes text or json\n", cli_prog);
            return EXIT_USAGE;
        }
        cc->json = !strcmp(arg, "json");
        return 0;
    default: return EXIT_USAGE;
    }
}

int cli_cov_begin(cli_cov *cc)
{
    if (cc->json && !cc->on) {
        fprintf(stderr, "%s test: --format json is the coverage report's format: add --coverage\n", cli_prog);
        return EXIT_USAGE;
    }
    cc->out = stdout;
    if (!cc->json)
        return 0;
    /* stdout carries the JSON document alone: the test's own lines (PASS,
     * FAIL, MISS, the totals) go to stderr. */
    fflush(stdout);
    int fd = dup(STDOUT_FILENO);
    if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0 || !(cc->out = fdopen(fd, "w"))) {
        fprintf(stderr, "%s test: cannot set up the JSON output: %s\n", cli_prog, strerror(errno));
        return EXIT_SOFTWARE;
    }
    cc->doc = json_array();
    return 0;
}

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 100.0;
}

/* Walk one corpus file with the same line rules as `test --corpus`. */
static int walk_corpus(cov *c, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s test: %s: cannot open: %s\n", cli_prog, path, strerror(errno));
        return EXIT_NOINPUT;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) != -1) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (len == 0 || line[0] == '#')
            continue;
        cov_add(c, line, (size_t)len, COV_CORPUS);
    }
    free(line);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s test: %s: read error\n", cli_prog, path);
        return EXIT_NOINPUT;
    }
    return 0;
}

/* layers[r]: the template (file) that defined bundle rule r, NULL when t
 * does not know it.  Bundle rules are sorted by id (docs/bundle-format.md),
 * so each rule of t is found by binary search. */
static const char **rule_layers(const tpl *t, const struct cmdai_bundle *b)
{
    const char **layers = calloc(b->nrules ? b->nrules : 1, sizeof *layers);
    if (!layers)
        return NULL;
    for (size_t i = 0; i < t->nrules; i++) {
        uint32_t lo = 0, hi = b->nrules;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            int cmp = strcmp(b->str + b->rules[mid].id, t->rules[i].id);
            if (!cmp) {
                layers[mid] = t->rules[i].layer;
                break;
            }
            if (cmp < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    return layers;
}

int cli_cov_template(cli_cov *cc, const char *path, const tpl *t, const cli_bundle *cb, const char *const *corpora,
                     size_t ncorpora)
{
    if (!cc->on)
        return 0;
    const struct cmdai_bundle *b = &cb->b;
    cov c;
    if (cov_init(&c, b)) {
        fprintf(stderr, "%s test: out of memory\n", cli_prog);
        return EXIT_SOFTWARE;
    }
    for (size_t k = 0; k < t->ntests; k++)
        cov_add(&c, t->tests[k].command, strlen(t->tests[k].command), COV_TESTS);
    for (size_t i = 0; i < t->nrules; i++)
        for (size_t k = 0; k < t->rules[i].ncases; k++)
            cov_add(&c, t->rules[i].cases[k].command, strlen(t->rules[i].cases[k].command), COV_TESTS);
    for (size_t k = 0; k < ncorpora; k++) {
        int e = walk_corpus(&c, corpora[k]);
        if (e) {
            cov_release(&c);
            return e;
        }
    }
    cov_finish(&c);
    /* Shortest commands into the accept states nothing entered (bounded:
     * about a second on a large bundle). */
    char **examples = calloc(b->nrules ? b->nrules : 1, sizeof *examples);
    int truncated = 0;
    if (!examples || cov_examples(&c, 40u * 1000 * 1000, examples, &truncated)) {
        free(examples);
        cov_release(&c);
        fprintf(stderr, "%s test: out of memory\n", cli_prog);
        return EXIT_SOFTWARE;
    }
    uint32_t covered = 0, visited = cov_states_visited(&c);
    for (uint32_t r = 0; r < b->nrules; r++)
        covered += c.rule_hits[COV_TESTS][r] || c.rule_hits[COV_CORPUS][r];
    double rp = pct(covered, b->nrules), sp = pct(visited, c.naccept);
    int below_r = cc->min_rules > 0 && rp < cc->min_rules;
    int below_s = cc->min_states > 0 && sp < cc->min_states;
    cc->below |= below_r || below_s;

    if (cc->json) {
        const char **layers = rule_layers(t, b);
        if (!layers) {
            for (uint32_t r = 0; r < b->nrules; r++)
                free(examples[r]);
            free(examples);
            cov_release(&c);
            fprintf(stderr, "%s test: out of memory\n", cli_prog);
            return EXIT_SOFTWARE;
        }
        json_t *o = json_object(), *rules = json_array();
        json_object_set_new(o, "template", json_string(path));
        json_object_set_new(o, "name", json_string(b->str + b->meta->name));
        json_object_set_new(o, "version", json_string(b->str + b->meta->version));
        json_object_set_new(o, "commands", json_pack("{sI sI}", "tests", (json_int_t)c.ncommands[COV_TESTS],
                                                     "corpus", (json_int_t)c.ncommands[COV_CORPUS]));
        json_object_set_new(o, "rule_coverage", json_pack("{sI sI sf sb}", "covered", (json_int_t)covered, "total",
                                                          (json_int_t)b->nrules, "percent", rp, "below", below_r));
        json_object_set_new(o, "state_coverage", json_pack("{sI sI sf sb}", "covered", (json_int_t)visited, "total",
                                                           (json_int_t)c.naccept, "percent", sp, "below", below_s));
        for (uint32_t r = 0; r < b->nrules; r++) {
            const char *id = b->str + b->rules[r].id, *layer = layers[r];
            json_array_append_new(
                rules, json_pack("{ss so sI sI sI sI so}", "id", id, "layer", layer ? json_string(layer) : json_null(),
                                 "tests", (json_int_t)c.rule_hits[COV_TESTS][r], "corpus",
                                 (json_int_t)c.rule_hits[COV_CORPUS][r], "accept_states",
                                 (json_int_t)c.rule_states[r], "accept_states_visited",
                                 (json_int_t)c.rule_states_hit[r], "unvisited_example",
                                 examples[r] ? json_string(examples[r]) : json_null()));
        }
        free(layers);
        json_object_set_new(o, "rules", rules);
        json_object_set_new(o, "examples_truncated", json_boolean(truncated));
        json_array_append_new(cc->doc, o);
    } else {
        FILE *f = cc->out;
        fprintf(f, "coverage %s (%s %s): %llu commands from tests, %llu from corpora\n", path, b->str + b->meta->name,
                b->str + b->meta->version, (unsigned long long)c.ncommands[COV_TESTS],
                (unsigned long long)c.ncommands[COV_CORPUS]);
        fprintf(f, "  %-40s %7s %8s  %s\n", "rule", "tests", "corpora", "accept states");
        for (uint32_t r = 0; r < b->nrules; r++) {
            uint64_t ht = c.rule_hits[COV_TESTS][r], hc = c.rule_hits[COV_CORPUS][r];
            fprintf(f, "  %-40s %7llu %8llu  %u/%u%s\n", b->str + b->rules[r].id, (unsigned long long)ht,
                    (unsigned long long)hc, c.rule_states_hit[r], c.rule_states[r], ht || hc ? "" : "  NOT COVERED");
        }
        fprintf(f, "  rules: %u of %u fired (%.1f %%)%s\n", covered, b->nrules, rp,
                below_r ? "  BELOW --min-coverage" : "");
        const char *sep = "  not covered: ";
        for (uint32_t r = 0; r < b->nrules; r++)
            if (!c.rule_hits[COV_TESTS][r] && !c.rule_hits[COV_CORPUS][r]) {
                fprintf(f, "%s%s", sep, b->str + b->rules[r].id);
                sep = ", ";
            }
        if (covered < b->nrules)
            fputc('\n', f);
        fprintf(f, "  accept states: %u of %u visited (%.1f %%)%s\n", visited, c.naccept, sp,
                below_s ? "  BELOW --min-state-coverage" : "");
        const char *head = "  untested forms (per rule, a shortest command into an accept state nothing entered):\n";
        for (uint32_t r = 0; r < b->nrules; r++)
            if (examples[r]) {
                fprintf(f, "%s    %-38s %s\n", head, b->str + b->rules[r].id, examples[r]);
                head = "";
            }
        if (truncated)
            fprintf(f, "  (the search for untested forms stopped at its step budget)\n");
    }
    for (uint32_t r = 0; r < b->nrules; r++)
        free(examples[r]);
    free(examples);
    cov_release(&c);
    return 0;
}

int cli_cov_end(cli_cov *cc)
{
    if (!cc->on)
        return 0;
    if (cc->json) {
        json_t *o = json_object();
        json_object_set_new(o, "templates", cc->doc);
        json_object_set_new(o, "min_coverage", cc->min_rules > 0 ? json_real(cc->min_rules) : json_null());
        json_object_set_new(o, "min_state_coverage", cc->min_states > 0 ? json_real(cc->min_states) : json_null());
        json_object_set_new(o, "below", json_boolean(cc->below));
        char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fprintf(cc->out, "%s\n", s ? s : "{}");
        free(s);
        json_decref(o);
        cc->doc = NULL;
        fflush(cc->out);
    }
    return cc->below;
}
