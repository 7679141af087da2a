/* cmd_registry.c — registry verbs (publish, yank, unyank, search, info;
 * docs/registry.md, docs/cli.md).  The registry options of the verbs that
 * load templates are in sources.c. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "exitcodes.h"
#include "registry.h"
#include "tpl_int.h"
#include "tpl_registry.h"

/* ---- verbs -------------------------------------------------------------------------- */

static void usage_publish(FILE *f)
{
    fprintf(f, "usage: cmdai-policyc publish --registry DIR --key SECKEY TEMPLATE\n"
               "\n"
               "Add TEMPLATE (one YAML file; bases named, not paths) to the registry directory DIR:\n"
               "its archive under archives/<sha256>.yaml and one signed line in index/<name>.\n"
               "A published version never changes: the same content again is a no-op, other\n"
               "content under the same version is refused.  New names must follow the naming\n"
               "rules (docs/registry.md).  Exit 0, 64 usage, 65 refused, 66 cannot open, 73 cannot write.\n");
}

int cmd_publish(int argc, char **argv)
{
    static const struct option lo[] = {CLI_REG_OPTIONS, {"key", required_argument, 0, 'k'},
                                       {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    cli_src o = {0};
    const char *key = NULL;
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:h", lo, NULL)) != -1) {
        if (c == 'k')
            key = optarg;
        else if (c == 'j')
            json = true;
        else if (c == 'h')
            return usage_publish(stdout), 0;
        else if (cli_src_opt(&o, c, optarg) != 1)
            return usage_publish(stderr), EXIT_USAGE;
    }
    if (optind + 1 != argc || o.nurls != 1 || !key) {
        fprintf(stderr, "%s publish: needs one --registry DIR, --key SECKEY and one TEMPLATE\n", cli_prog);
        usage_publish(stderr);
        return EXIT_USAGE;
    }
    diag d;
    diag_init(&d);
    json_t *line;
    bool already;
    if (reg_publish(o.urls[0], key, argv[optind], &line, &already, &d)) {
        cli_diag(&d);
        return d.code == CMDAI_E_IO && strstr(d.text, "cannot create") ? EXIT_CANTCREAT : cli_exit(&d);
    }
    const char *n = json_string_value(json_object_get(line, "name"));
    const char *v = json_string_value(json_object_get(line, "vers"));
    const char *g = json_string_value(json_object_get(line, "digest"));
    if (json) {
        char *s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
        puts(s);
        free(s);
    } else if (already) {
        printf("%s %s is already published with this content (%s); nothing to do\n", n, v, g);
    } else {
        printf("published %s %s (%s) by %s\n", n, v, g, json_string_value(json_object_get(line, "publisher")));
    }
    json_decref(line);
    return 0;
}

static int yank_common(int argc, char **argv, bool yanked)
{
    static const struct option lo[] = {CLI_REG_OPTIONS, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    cli_src o = {0};
    int c;
    optind = 1;
    const char *verb = yanked ? "yank" : "unyank";
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'h') {
            printf("usage: cmdai-policyc %s --registry DIR NAME@VERSION\n\n"
                   "%s: resolution %s that version (a lockfile that pins it keeps working).\n",
                   verb, yanked ? "Mark a published version yanked" : "Undo a yank",
                   yanked ? "no longer picks" : "may pick again");
            return 0;
        }
        if (cli_src_opt(&o, c, optarg) != 1)
            return EXIT_USAGE;
    }
    const char *spec = optind + 1 == argc ? argv[optind] : NULL, *at = spec ? strchr(spec, '@') : NULL;
    if (!at || o.nurls != 1) {
        fprintf(stderr, "%s %s: needs one --registry DIR and NAME@VERSION\n", cli_prog, verb);
        return EXIT_USAGE;
    }
    char name[REG_NAME_MAX + 1];
    if ((size_t)(at - spec) > REG_NAME_MAX) {
        fprintf(stderr, "%s %s: name too long\n", cli_prog, verb);
        return EXIT_USAGE;
    }
    snprintf(name, sizeof name, "%.*s", (int)(at - spec), spec);
    diag d;
    diag_init(&d);
    if (reg_set_yanked(o.urls[0], name, at + 1, yanked, &d)) {
        cli_diag(&d);
        return cli_exit(&d);
    }
    printf("%s %s %s\n", yanked ? "yanked" : "unyanked", name, at + 1);
    return 0;
}

int cmd_yank(int argc, char **argv)
{
    return yank_common(argc, argv, true);
}

int cmd_unyank(int argc, char **argv)
{
    return yank_common(argc, argv, false);
}

static int read_opts(int argc, char **argv, const char *usage, cli_src *o, bool *json)
{
    static const struct option lo[] = {CLI_REG_OPTIONS, {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'j')
            *json = true;
        else if (c == 'h')
            return fputs(usage, stdout), -1;
        else if (cli_src_opt(o, c, optarg) != 1)
            return fputs(usage, stderr), EXIT_USAGE;
    }
    return 0;
}

/* One search result when `name` or the description of line `l` matches q: 1 shown, 0 not. */
static int show_match(const char *name, const json_t *l, const char *q, bool json, const char *url)
{
    const char *desc = json_string_value(json_object_get(l, "description"));
    if (!strstr(name, q) && !(desc && strcasestr(desc, q)))
        return 0;
    if (json) {
        json_t *o2 = json_pack("{s:s,s:O?,s:O?,s:O?,s:s}", "name", name, "version", json_object_get(l, "vers"),
                               "frameworks", json_object_get(l, "frameworks"), "yanked", json_object_get(l, "yanked"),
                               "registry", url);
        char *s = o2 ? json_dumps(o2, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (s)
            puts(s);
        free(s);
        json_decref(o2);
        return 1;
    }
    char fw[256] = "";
    json_t *f;
    size_t k, n = 0;
    json_array_foreach(json_object_get(l, "frameworks"), k, f)
        n += (size_t)snprintf(fw + n, n < sizeof fw ? sizeof fw - n : 0, "%s%s", k ? "," : "", json_string_value(f));
    size_t dl = desc ? strcspn(desc, "\n") : 0;
    printf("%-32s %-10s %-20s %.*s%s\n", name, json_string_value(json_object_get(l, "vers")), fw[0] ? fw : "-",
           (int)(dl > 60 ? 60 : dl), desc ? desc : "", json_is_true(json_object_get(l, "yanked")) ? " (yanked)" : "");
    return 1;
}

int cmd_search(int argc, char **argv)
{
    static const char usage[] =
        "usage: cmdai-policyc search [--registry URL|DIR]... [--registry-config F] [--cache DIR]\n"
        "                            [--offline] [--json] [QUERY]\n"
        "\n"
        "List templates whose name or description contains QUERY (all without one): the\n"
        "newest usable version, its frameworks and description.\n";
    cli_src o = {0};
    bool json = false;
    int rc = read_opts(argc, argv, usage, &o, &json);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (optind + 1 < argc)
        return fputs(usage, stderr), EXIT_USAGE;
    const char *q = optind < argc ? argv[optind] : "";
    reg_client c;
    json_t *cfg;
    if ((rc = cli_reg_client(&o, &c, CLI_TRUST_SKIP, &cfg)))
        return rc;
    if (!c.nurls) {
        fprintf(stderr, "%s search: no registry (--registry or a registry configuration)\n", cli_prog);
        json_decref(cfg);
        return EXIT_USAGE;
    }
    diag d;
    diag_init(&d);
    size_t found = 0;
    for (size_t u = 0; u < c.nurls && !rc; u++) {
        /* One request for all names where the registry keeps a summary;
         * else names and one index file per name. */
        json_t *summary, *names = NULL, *nm;
        size_t i;
        if (reg_fetch_summary(&c, c.urls[u], &summary, &d) ||
            (!summary && reg_fetch_names(&c, c.urls[u], &names, &d))) {
            cli_diag(&d);
            rc = cli_exit(&d);
            break;
        }
        json_array_foreach(summary ? summary : names, i, nm) {
            json_t *lines = NULL, *l = nm;
            const char *name = summary ? json_string_value(json_object_get(nm, "name")) : json_string_value(nm);
            if (!summary) {
                if (reg_fetch_index(&c, c.urls[u], name, &lines, &d)) {
                    cli_diag(&d);
                    rc = cli_exit(&d);
                    break;
                }
                l = lines ? reg_latest(lines) : NULL;
            }
            if (l)
                found += show_match(name, l, q, json, c.urls[u]);
            json_decref(lines);
        }
        json_decref(summary);
        json_decref(names);
    }
    json_decref(cfg);
    if (!rc && !found && !json)
        fprintf(stderr, "%s search: nothing matches '%s'\n", cli_prog, q);
    return rc;
}

int cmd_info(int argc, char **argv)
{
    static const char usage[] =
        "usage: cmdai-policyc info [--registry URL|DIR]... [--registry-trust F|DIR] [--json] NAME\n"
        "\n"
        "Every published version of NAME: digest, dependencies, publisher key, yanked, and\n"
        "whether the publisher signature verifies against the trusted keys (when given).\n";
    cli_src o = {0};
    bool json = false;
    int rc = read_opts(argc, argv, usage, &o, &json);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (optind + 1 != argc)
        return fputs(usage, stderr), EXIT_USAGE;
    const char *name = argv[optind];
    reg_client c;
    json_t *cfg;
    if ((rc = cli_reg_client(&o, &c, o.trust ? CLI_TRUST_REQUIRED : CLI_TRUST_SKIP, &cfg)))
        return rc;
    diag d;
    diag_init(&d);
    for (size_t u = 0; u < c.nurls; u++) {
        json_t *lines, *l;
        size_t i;
        if (reg_fetch_index(&c, c.urls[u], name, &lines, &d)) {
            cli_diag(&d);
            json_decref(cfg);
            return cli_exit(&d);
        }
        if (!lines)
            continue;
        json_array_foreach(lines, i, l) {
            diag vd;
            diag_init(&vd);
            const char *status = !c.nkeys ? "not checked (no --registry-trust)"
                                 : reg_line_verify(&c, l, c.urls[u], &vd) ? vd.text : "verified";
            if (json) {
                json_t *o2 = json_deep_copy(l);
                json_object_del(o2, "sig");
                json_object_set_new(o2, "signature", json_string(status));
                json_object_set_new(o2, "registry", json_string(c.urls[u]));
                char *s = json_dumps(o2, JSON_COMPACT | JSON_PRESERVE_ORDER);
                puts(s);
                free(s);
                json_decref(o2);
                continue;
            }
            printf("%s %s%s\n  digest:     %s\n  publisher:  %s (%s)\n  tolerance:  %s\n", name,
                   json_string_value(json_object_get(l, "vers")),
                   json_is_true(json_object_get(l, "yanked")) ? " (yanked)" : "",
                   json_string_value(json_object_get(l, "digest")),
                   json_string_value(json_object_get(l, "publisher")), status,
                   json_string_value(json_object_get(l, "risk_tolerance")));
            const char *k;
            json_t *v;
            printf("  deps:      ");
            if (!json_object_size(json_object_get(l, "deps")))
                printf(" -");
            json_object_foreach(json_object_get(l, "deps"), k, v)
                printf(" %s@%s", k, json_string_value(v));
            printf("\n");
        }
        json_decref(lines);
        json_decref(cfg);
        return 0;
    }
    fprintf(stderr, "%s info: no registry has a template named '%s'\n", cli_prog, name);
    json_decref(cfg);
    return EXIT_NOINPUT;
}
