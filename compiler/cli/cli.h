/* cli.h — shared pieces of the cmdai-policyc driver (the files in compiler/cli), the
 * only compiler code that prints or exits. */
#ifndef CMDAI_CLI_H
#define CMDAI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Load + resolve + compile a template.  0 or -1 with d filled. */
int cli_compile(arena *a, const char *path, const char *stdlib, uint32_t max_states, tpl **t, ir **r, diag *d);

/* An unsigned, in-memory view of bundle bytes for test/explain/inspect:
 * copies into aligned memory and runs rt_bundle_check. */
typedef struct cli_bundle {
    struct cmdai_bundle b;
    unsigned char *mem;
} cli_bundle;
int cli_bundle_view(cli_bundle *cb, const unsigned char *data, size_t len, cmdai_error *err);
void cli_bundle_free(cli_bundle *cb);
/* Compile a template (in arena a, which keeps *t) into an in-memory bundle
 * view; diagnostics are printed.  0, or the exit status to report. */
int cli_template_bundle(arena *a, const char *path, const char *stdlib, const char *scope, tpl **t,
                        cli_bundle *cb);
int cli_read_file(const char *path, unsigned char **out, size_t *len, diag *d);
/* Outputs are replaced by rename(): refuse a path that exists and is not a
 * regular file or a symlink (as root, `-o /dev/null` would otherwise replace
 * the device with a file).  0, or -1 after printing why. */
int cli_check_output(const char *path);

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

/* Registries (issue 6, cmd_registry.c): the options `build` shares with the
 * registry verbs, and resolution with a lockfile around tpl_load. */
enum {
    CLI_REG_OPT_REGISTRY = 0x280, CLI_REG_OPT_CONFIG, CLI_REG_OPT_TRUST, CLI_REG_OPT_CACHE,
    CLI_REG_OPT_LOCKFILE, CLI_REG_OPT_OFFLINE, CLI_REG_OPT_LOCKED
};
#define CLI_REG_BUILD_OPTIONS                                                                                     \
    {"registry", required_argument, 0, CLI_REG_OPT_REGISTRY},                                                     \
        {"registry-config", required_argument, 0, CLI_REG_OPT_CONFIG},                                            \
        {"registry-trust", required_argument, 0, CLI_REG_OPT_TRUST},                                              \
        {"cache", required_argument, 0, CLI_REG_OPT_CACHE}, {"lockfile", required_argument, 0, CLI_REG_OPT_LOCKFILE}, \
        {"offline", no_argument, 0, CLI_REG_OPT_OFFLINE}, {"locked", no_argument, 0, CLI_REG_OPT_LOCKED}
typedef struct cli_reg_opts {
    const char *urls[8];
    size_t nurls;
    const char *config, *trust, *cache, *lockfile;
    bool offline, locked;
} cli_reg_opts;
struct cli_reg;
/* 1 when `c` is a registry option (stored), 0 when not, -1 on a bad value. */
int cli_reg_opt(cli_reg_opts *o, int c, const char *arg);
/* Before tpl_load: install registry resolution when a registry is
 * configured (*out stays NULL otherwise).  0 or an exit status (printed). */
int cli_reg_begin(cli_reg_opts *o, const char *template_path, struct cli_reg **out);
/* After tpl_load (loaded: it succeeded): write or check cmdai.lock, free. */
int cli_reg_end(struct cli_reg *r, bool loaded);
int cmd_publish(int argc, char **argv);
int cmd_yank(int argc, char **argv);
int cmd_unyank(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_provision(int argc, char **argv);

/* A .cpb file (tables checked, signature not) or a template compiled in
 * memory.  0, or the exit status to report (diagnostics printed). */
int cli_load_source(const char *path, const char *stdlib, cli_bundle *cb);

#endif
