/* sources.c — where templates come from, for every verb that loads one
 * (docs/cli.md "Template sources"): --stdlib and the registry options
 * (docs/registry.md), their configuration file, and registry resolution
 * with cmdai.lock around tpl_load. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "exitcodes.h"
#include "tpl_registry.h"

/* --registry-config, else $CMDAI_REGISTRY_CONFIG, else
 * $XDG_CONFIG_HOME/cmdai/registries.json (~/.config/...) when it exists. */
static const char *config_path(const char *opt, char *buf, size_t cap)
{
    if (opt)
        return opt;
    const char *e = getenv("CMDAI_REGISTRY_CONFIG");
    if (e && *e)
        return e;
    const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (x && *x)
        snprintf(buf, cap, "%s/cmdai/registries.json", x);
    else
        snprintf(buf, cap, "%s/.config/cmdai/registries.json", home && *home ? home : ".");
    struct stat st;
    return stat(buf, &st) == 0 ? buf : NULL;
}

int cli_reg_client(const cli_src *o, reg_client *c, cli_trust trust_mode, json_t **cfg_keep)
{
    char buf[PATH_MAX];
    const char *cp = config_path(o->config, buf, sizeof buf);
    json_t *cfg = NULL;
    memset(c, 0, sizeof *c);
    *cfg_keep = NULL;
    if (cp) {
        if (access(cp, R_OK)) {
            fprintf(stderr, "%s: error: cannot open: %s\n", cp, strerror(errno));
            return EXIT_NOINPUT;
        }
        json_error_t je;
        cfg = json_load_file(cp, JSON_REJECT_DUPLICATES, &je);
        if (!cfg || !json_is_object(cfg)) {
            fprintf(stderr, "%s:%d:%d: error: %s\n", cp, je.line, je.column, cfg ? "not a JSON object" : je.text);
            json_decref(cfg);
            return EXIT_DATAERR;
        }
        *cfg_keep = cfg;
    }
    for (size_t i = 0; i < o->nurls; i++)
        c->urls[c->nurls++] = o->urls[i];
    json_t *regs = json_object_get(cfg, "registries"), *u;
    size_t i;
    if (!o->nurls && json_is_array(regs))
        json_array_foreach(regs, i, u)
            if (json_is_string(u) && c->nurls < REG_MAX_REGISTRIES)
                c->urls[c->nurls++] = json_string_value(u);
    c->cache_dir = o->cache ? o->cache : json_string_value(json_object_get(cfg, "cache"));
    c->offline = o->offline || json_is_true(json_object_get(cfg, "offline"));
    const char *trust = o->trust ? o->trust : json_string_value(json_object_get(cfg, "trust"));
    if (!trust)
        trust = getenv("CMDAI_REGISTRY_TRUST");
    if (trust_mode == CLI_TRUST_SKIP)
        return 0;
    if (!trust || !*trust) {
        if (trust_mode == CLI_TRUST_IF_ANY)
            return 0;
        fprintf(stderr, "%s: error: no trusted publisher keys (--registry-trust FILE|DIR, \"trust\" in the "
                        "registry configuration, or $CMDAI_REGISTRY_TRUST)\n", cli_prog);
        return EXIT_UNKNOWNKEY;
    }
    cmdai_error e = {0};
    if (rt_trust_load(trust, c->keys, RT_TRUST_MAX, &c->nkeys, &e) != CMDAI_OK) {
        fprintf(stderr, "%s: error: %s\n", e.source, e.text);
        return exit_for_code(e.code);
    }
    return 0;
}

int cli_src_opt(cli_src *o, int c, const char *arg)
{
    switch (c) {
    case CLI_SRC_OPT_STDLIB: o->stdlib = arg; return 1;
    case CLI_SRC_OPT_REGISTRY:
        if (o->nurls >= REG_MAX_REGISTRIES) {
            fprintf(stderr, "%s: at most %d --registry options\n", cli_prog, REG_MAX_REGISTRIES);
            return -1;
        }
        o->urls[o->nurls++] = arg;
        return 1;
    case CLI_SRC_OPT_CONFIG: o->config = arg; return 1;
    case CLI_SRC_OPT_TRUST: o->trust = arg; return 1;
    case CLI_SRC_OPT_CACHE: o->cache = arg; return 1;
    case CLI_SRC_OPT_LOCKFILE: o->lockfile = arg; return 1;
    case CLI_SRC_OPT_OFFLINE: o->offline = true; return 1;
    case CLI_SRC_OPT_LOCKED: o->locked = true; return 1;
    default: return 0;
    }
}

struct cli_reg {
    tpl_reg r;
    json_t *cfg;
    char lock[PATH_MAX];
};

int cli_src_begin(const cli_src *o, const char *template_path, struct cli_reg **out)
{
    *out = NULL;
    struct cli_reg *cr = calloc(1, sizeof *cr);
    if (!cr)
        abort();
    /* The publisher keys are read when given; a registry name resolved
     * without any is refused there (tpl_registry.c), so a configuration
     * without "trust" does not stop verbs on templates that use none. */
    int rc = cli_reg_client(o, &cr->r.c, CLI_TRUST_IF_ANY, &cr->cfg);
    if (rc)
        goto fail;
    if (!cr->r.c.nurls) { /* no registry configured: names come from the standard directory */
        if (o->locked) {
            fprintf(stderr, "%s: error: --locked needs a registry (--registry or a registry configuration)\n",
                    cli_prog);
            rc = EXIT_USAGE;
            goto fail;
        }
        json_decref(cr->cfg);
        free(cr);
        return 0;
    }
    if (o->lockfile) {
        snprintf(cr->lock, sizeof cr->lock, "%s", o->lockfile);
    } else {
        const char *slash = strrchr(template_path, '/');
        if (slash)
            snprintf(cr->lock, sizeof cr->lock, "%.*s/cmdai.lock", (int)(slash - template_path), template_path);
        else
            snprintf(cr->lock, sizeof cr->lock, "cmdai.lock");
    }
    diag d;
    diag_init(&d);
    cr->r.read_only = !o->write_lock;
    if (tpl_reg_open(&cr->r, cr->lock, o->locked, &d)) {
        cli_diag(&d);
        rc = cli_exit(&d);
        tpl_reg_release(&cr->r);
        goto fail;
    }
    *out = cr;
    return 0;
fail:
    json_decref(cr->cfg);
    free(cr);
    return rc;
}

int cli_src_end(struct cli_reg *cr, bool loaded)
{
    if (!cr)
        return 0;
    int rc = 0;
    diag d;
    diag_init(&d);
    bool changed = false;
    if (loaded) {
        if (tpl_reg_finish(&cr->r, &changed, &d)) {
            cli_diag(&d);
            rc = cli_exit(&d);
        } else if (changed) {
            fprintf(stderr, "%s: wrote %s\n", cli_prog, cr->lock);
        }
    }
    tpl_reg_release(&cr->r);
    json_decref(cr->cfg);
    free(cr);
    return rc;
}

/* Load + resolve + compile + emit, with registry resolution around the load. */
int cli_template_bundle(arena *a, const char *path, const cli_src *src, const char *scope, tpl **t, cli_bundle *cb)
{
    static const cli_src none = {0};
    diag d;
    diag_init(&d);
    ir *r = NULL;
    unsigned char *bytes = NULL;
    size_t len;
    emit_opts eo = {.serial = 1, .scope = scope};
    struct cli_reg *reg = NULL;
    if (!src)
        src = &none;
    int rc = cli_src_begin(src, path, &reg);
    if (rc)
        return rc;
    int lrc = tpl_load(a, path, cli_stdlib(src->stdlib), t, &d);
    if ((rc = cli_src_end(reg, lrc == 0))) /* under --locked, a changed resolution is the error */
        return rc;
    if (lrc || cc_compile(a, *t, CC_DEFAULT_MAX_STATES, &r, &d) || emit_bundle(r, &eo, &bytes, &len, &d)) {
        cli_diag(&d);
        ir_free(r);
        return cli_exit(&d);
    }
    ir_free(r);
    cmdai_error err;
    rc = cli_bundle_view(cb, bytes, len, &err);
    free(bytes);
    if (rc != CMDAI_OK) {
        fprintf(stderr, "%s: internal error: emitted bundle does not validate: %s\n", cli_prog, err.text);
        return EXIT_SOFTWARE;
    }
    return 0;
}

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && !strcmp(s + n - k, suf);
}

/* Bundle bytes from a .cpb file (unverified view) or by compiling a template. */
int cli_load_source(const char *path, const cli_src *src, cli_bundle *cb)
{
    if (!ends_with(path, ".cpb")) {
        arena a;
        arena_init(&a);
        tpl *t;
        int rc = cli_template_bundle(&a, path, src, "explain", &t, cb);
        arena_release(&a);
        return rc;
    }
    diag d;
    diag_init(&d);
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (cli_read_file(path, &bytes, &len, &d)) {
        cli_diag(&d);
        return cli_exit(&d);
    }
    cmdai_error err;
    int rc = cli_bundle_view(cb, bytes, len, &err);
    free(bytes);
    if (rc != CMDAI_OK) {
        fprintf(stderr, "%s: %s: %s\n", cli_prog, path, err.text);
        return exit_for_code(rc);
    }
    return 0;
}
