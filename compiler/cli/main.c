/* main.c — `cmdai-policyc`: verb dispatch and the helpers every verb shares. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "exitcodes.h"

const char *cli_prog = "cmdai-policyc";

void cli_diag(const diag *d)
{
    char buf[2048];
    diag_format(d, buf, sizeof buf);
    fputs(buf, stderr);
}

int cli_exit(const diag *d)
{
    if (d->code == CMDAI_E_IO)
        return EXIT_NOINPUT;
    return exit_for_code(d->code);
}

const char *cli_stdlib(const char *opt)
{
    static char buf[PATH_MAX];
    struct stat sb;
    if (opt)
        return opt;
    const char *e = getenv("CMDAI_STDLIB");
    if (e && *e)
        return e;
    char exe[PATH_MAX - 64]; /* room for the relative suffixes below */
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char *rel[] = {"/../share/cmdai/stdlib-templates", "/../../stdlib-templates"};
            for (size_t i = 0; i < 2; i++) {
                snprintf(buf, sizeof buf, "%s%s", exe, rel[i]);
                if (stat(buf, &sb) == 0 && S_ISDIR(sb.st_mode))
                    return buf;
            }
        }
    }
    return "stdlib-templates";
}

int cli_bundle_view(cli_bundle *cb, const unsigned char *data, size_t len, cmdai_error *err)
{
    cb->mem = malloc(len ? len : 1);
    if (!cb->mem)
        abort();
    memcpy(cb->mem, data, len);
    int rc = rt_bundle_check(&cb->b, cb->mem, len, err);
    if (rc != CMDAI_OK) {
        free(cb->mem);
        cb->mem = NULL;
    }
    return rc;
}

void cli_bundle_free(cli_bundle *cb)
{
    free(cb->mem);
    cb->mem = NULL;
}

int cli_read_file(const char *path, unsigned char **out, size_t *len, diag *d)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return diag_set(d, CMDAI_E_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    size_t cap = 65536, n = 0;
    unsigned char *p = malloc(cap);
    if (!p)
        abort();
    size_t k;
    while ((k = fread(p + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            if (cap > CPB_MAX_SIZE) {
                fclose(f);
                free(p);
                return diag_set(d, CMDAI_E_FORMAT, path, 0, 0, "file is larger than %u bytes", CPB_MAX_SIZE);
            }
            cap *= 2;
            p = realloc(p, cap);
            if (!p)
                abort();
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(p);
        return diag_set(d, CMDAI_E_IO, path, 0, 0, "read error");
    }
    *out = p;
    *len = n;
    return 0;
}

int cli_parse_pct(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0.0 && v <= 100.0))
        return -1;
    *out = v;
    return 0;
}

int cli_check_output(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0 || S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode))
        return 0;
    fprintf(stderr, "%s: error: not a regular file; refusing to replace it\n", path);
    fprintf(stderr, "  hint: write the output to a regular file path\n");
    return -1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cmdai-policyc <verb> [options]\n"
            "\n"
            "Compile governance templates into signed decision-automaton bundles.\n"
            "\n"
            "verbs:\n"
            "  lint TEMPLATE...        validate templates (syntax, schema, patterns, automaton)\n"
            "  fmt TEMPLATE...         print, check or rewrite templates in canonical form\n"
            "  build TEMPLATE          compile into a .cpb bundle (optionally signed)\n"
            "  test TEMPLATE...        run the templates' inline tests\n"
            "  inspect BUNDLE          show a bundle's header, metadata, rules and tables\n"
            "  explain SRC -- CMD      show how a command is normalized and decided\n"
            "  keygen                  create a minisign-compatible key pair\n"
            "  sign BUNDLE             sign a bundle (writes BUNDLE.minisig)\n"
            "  verify BUNDLE           verify a bundle's signature and tables\n"
            "  diff OLD NEW            witness commands whose decision differs between two policies\n"
            "  publish TEMPLATE        add a template to a registry directory (signed, immutable)\n"
            "  yank NAME@VERSION       mark a published version yanked (unyank undoes it)\n"
            "  search [QUERY]          list templates in the configured registries\n"
            "  info NAME               every published version of a template\n"
            "  provision               write or update a signed fleet repository (docs/fleet.md)\n"
            "  report --framework FW BUNDLE [LOG...]  compliance report: controls, rules, audit evidence\n"
            "\n"
            "Run 'cmdai-policyc <verb> --help' for the options of a verb.  Exit status:\n"
            "0 success, 1 tests failed, 64 usage, 65 invalid template, 66 cannot open,\n"
            "67 malformed bundle, 68 format too new, 73 cannot write, 77 bad signature,\n"
            "78 unknown key, 79 expired, 80 rolled back.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } verbs[] = {{"lint", cmd_lint},       {"fmt", cmd_fmt},       {"build", cmd_build},   {"test", cmd_test},
                 {"inspect", cmd_inspect}, {"explain", cmd_explain}, {"keygen", cmd_keygen},
                 {"sign", cmd_sign},       {"verify", cmd_verify},
                 {"diff", cmd_diff},       {"publish", cmd_publish}, {"yank", cmd_yank},
                 {"unyank", cmd_unyank},   {"search", cmd_search}, {"info", cmd_info},
                 {"report", cmd_report},   {"provision", cmd_provision}};
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (!strcmp(argv[1], verbs[i].name))
            return verbs[i].fn(argc - 1, argv + 1);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("cmdai-policyc %s\n", CMDAI_VERSION);
        return 0;
    }
    fprintf(stderr, "%s: unknown verb '%s'\n", cli_prog, argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
