/* cli.h — shared pieces of the cmdai-policyc driver (the files in compiler/cli), the
 * only compiler code that prints or exits. */
#ifndef CMDAI_CLI_H
#define CMDAI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "arena.h"
#include "bundle.h"
#include "diag.h"
#include "emit.h"
#include "ir.h"
#include "tpl.h"

extern const char *cli_prog;

/* Print a diagnostic to stderr as file:line:column: error: ... + hint. */
void cli_diag(const diag *d);
/* Exit status for a diagnostic code (exitcodes.h). */
int cli_exit(const diag *d);

/* --stdlib, else $CMDAI_STDLIB, else next to the executable. */
const char *cli_stdlib(const char *opt);

/* An unsigned, in-memory view of bundle bytes for test/explain/inspect:
 * copies into aligned memory and runs rt_bundle_check. */
typedef struct cli_bundle {
    struct cmdai_bundle b;
    unsigned char *mem;
} cli_bundle;
int cli_bundle_view(cli_bundle *cb, const unsigned char *data, size_t len, cmdai_error *err);
void cli_bundle_free(cli_bundle *cb);

/* Where templates come from (sources.c; docs/cli.md "Template sources"):
 * --stdlib and the registry options of docs/registry.md, one option table
 * and one parser for every verb that loads a template (lint, fmt, build,
 * test, inspect, explain, diff, report).  A verb puts CLI_SRC_OPTIONS in its
 * getopt table, hands the options it does not know to cli_src_opt, prints
 * CLI_SRC_HELP in its --help, and loads templates through
 * cli_template_bundle / cli_load_source, or between cli_src_begin and
 * cli_src_end when it calls tpl_load itself.  The registry verbs (search,
 * info, publish, yank) take the CLI_REG_OPTIONS subset. */
enum {
    CLI_SRC_OPT_STDLIB = 0x280, CLI_SRC_OPT_REGISTRY, CLI_SRC_OPT_CONFIG, CLI_SRC_OPT_TRUST, CLI_SRC_OPT_CACHE,
    CLI_SRC_OPT_OFFLINE, CLI_SRC_OPT_LOCKFILE, CLI_SRC_OPT_LOCKED
};
#define CLI_REG_OPTIONS                                                                                           \
    {"registry", required_argument, 0, CLI_SRC_OPT_REGISTRY},                                                     \
        {"registry-config", required_argument, 0, CLI_SRC_OPT_CONFIG},                                            \
        {"registry-trust", required_argument, 0, CLI_SRC_OPT_TRUST},                                              \
        {"cache", required_argument, 0, CLI_SRC_OPT_CACHE}, {"offline", no_argument, 0, CLI_SRC_OPT_OFFLINE}
#define CLI_SRC_OPTIONS                                                                                           \
    {"stdlib", required_argument, 0, CLI_SRC_OPT_STDLIB}, CLI_REG_OPTIONS,                                        \
        {"lockfile", required_argument, 0, CLI_SRC_OPT_LOCKFILE}, {"locked", no_argument, 0, CLI_SRC_OPT_LOCKED}
#define CLI_SRC_HELP                                                                                              \
    "  --stdlib DIR, --registry URL|DIR, --registry-config F, --registry-trust F|DIR,\n"                          \
    "  --cache DIR, --offline, --lockfile F, --locked\n"                                                          \
    "                       where 'extends:' finds bases: the standard template directory\n"                    \
    "                       and registries with cmdai.lock (docs/cli.md \"Template sources\")\n"
typedef struct cli_src {
    const char *stdlib; /* --stdlib; cli_stdlib() supplies the default */
    const char *urls[8];
    size_t nurls;
    const char *config, *trust, *cache, *lockfile;
    bool offline, locked;
    bool write_lock; /* build and test: write cmdai.lock when resolution changed it */
} cli_src;
/* 1 when `c` is a source option (stored), 0 when not, -1 on a bad value. */
int cli_src_opt(cli_src *o, int c, const char *arg);
struct cli_reg;
/* Before tpl_load: install registry resolution when a registry is
 * configured (*out stays NULL otherwise).  0 or an exit status (printed). */
int cli_src_begin(const cli_src *o, const char *template_path, struct cli_reg **out);
/* After tpl_load (loaded: it succeeded): write (write_lock) or check
 * cmdai.lock, free.  0 or an exit status (printed). */
int cli_src_end(struct cli_reg *r, bool loaded);
/* The registry client of the options and the configuration file;
 * *cfg_keep owns its strings.  0 or an exit status (printed). */
typedef enum { CLI_TRUST_SKIP, CLI_TRUST_IF_ANY, CLI_TRUST_REQUIRED } cli_trust;
struct reg_client;
int cli_reg_client(const cli_src *o, struct reg_client *c, cli_trust trust, json_t **cfg_keep);

/* Compile a template (in arena a, which keeps *t; bases resolved as `src`
 * says, NULL: the defaults) into an in-memory bundle view; diagnostics are
 * printed.  0, or the exit status to report. */
int cli_template_bundle(arena *a, const char *path, const cli_src *src, const char *scope, tpl **t,
                        cli_bundle *cb);
/* A .cpb file (tables checked, signature not) or a template compiled in
 * memory.  0, or the exit status to report (diagnostics printed). */
int cli_load_source(const char *path, const cli_src *src, cli_bundle *cb);
int cli_read_file(const char *path, unsigned char **out, size_t *len, diag *d);
/* Outputs are replaced by rename(): refuse a path that exists and is not a
 * regular file or a symlink (as root, `-o /dev/null` would otherwise replace
 * the device with a file).  0, or -1 after printing why. */
int cli_check_output(const char *path);

/* A percentage option value (0..100, decimals allowed): 0, or -1 when malformed. */
int cli_parse_pct(const char *s, double *out);

int cmd_lint(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* test --coverage (cmd_coverage.c): cmd_test puts CLI_COV_OPTIONS in its
 * option table, hands those options to cli_cov_option, calls cli_cov_begin
 * after parsing, cli_cov_template per compiled template and cli_cov_end
 * (1 when a --min-*coverage threshold was missed) last. */
enum { CLI_COV_OPT_COVERAGE = 0x200, CLI_COV_OPT_MIN, CLI_COV_OPT_MIN_STATES, CLI_COV_OPT_FORMAT };
#define CLI_COV_OPTIONS                                                                                            \
    {"coverage", no_argument, 0, CLI_COV_OPT_COVERAGE}, {"min-coverage", required_argument, 0, CLI_COV_OPT_MIN},  \
        {"min-state-coverage", required_argument, 0, CLI_COV_OPT_MIN_STATES},                                     \
        {"format", required_argument, 0, CLI_COV_OPT_FORMAT}
typedef struct cli_cov {
    int on, json, below;
    double min_rules, min_states; /* 0: no threshold */
    void *out;                    /* FILE *: stdout, or the saved stdout under --format json */
    void *doc;                    /* json_t array of templates (json) */
} cli_cov;
int cli_cov_option(cli_cov *cc, int opt, const char *arg);
int cli_cov_begin(cli_cov *cc);
int cli_cov_template(cli_cov *cc, const char *path, const tpl *t, const cli_bundle *cb, const char *const *corpora,
                     size_t ncorpora);
int cli_cov_end(cli_cov *cc);

/* Registry verbs (cmd_registry.c, docs/registry.md). */
int cmd_publish(int argc, char **argv);
int cmd_yank(int argc, char **argv);
int cmd_unyank(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_provision(int argc, char **argv);

#endif
