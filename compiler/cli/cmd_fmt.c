/* cmd_fmt.c — `cmdai-policyc fmt`: print, check or rewrite templates in the
 * canonical form of compiler/fmt.c (docs/fmt.md).
 *
 * Nothing is written unless the template loads (the loader's file:line:column
 * error otherwise), and the formatted text is checked before it replaces the
 * file: it must load to the same template (every field the compiler and the
 * tests read) and be a fixed point of fmt.  The new text goes to a temporary
 * file in the same directory, fsync'd, then renamed over the old one. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "exitcodes.h"
#include "fmt.h"

extern char **environ;

static void usage_fmt(FILE *f)
{
    fprintf(f,
            "usage: cmdai-policyc fmt [--check] [--diff] [-w|--write] [SOURCE OPTIONS] TEMPLATE...\n"
            "\n"
            "Print each template in the canonical form (docs/fmt.md): comments kept, keys in\n"
            "schema order, two-space indentation, short lists as [a, b], quoted scalars in single\n"
            "quotes.  Values and patterns are never changed; a template that does not load is\n"
            "not formatted (its error is printed).\n"
            "\n"
            "  --check      print nothing but a unified diff for each file that is not in canonical\n"
            "               form; exit 1 if there is one\n"
            "  --diff       print a unified diff instead of the formatted text\n"
            "  -w, --write  rewrite files that are not in canonical form (atomically)\n"
            "source options (a template is loaded, bases included, before and after formatting;\n"
            "fmt reads cmdai.lock but never writes it):\n"
            CLI_SRC_HELP
            "\n"
            "Exit 0 on success, 1 when --check finds a file to reformat, 65 invalid template,\n"
            "66 cannot read, 73 cannot write, 64 usage.\n");
}

static bool streq(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static bool strs_eq(const char **a, size_t na, const char **b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (!streq(a[i], b[i]))
            return false;
    return true;
}

/* The same template for every purpose: what is compiled, tested and shown. */
static bool same_model(const tpl *x, const tpl *y)
{
    if (!streq(x->name, y->name) || !streq(x->version, y->version) || !streq(x->author, y->author) ||
        !streq(x->license, y->license) || !streq(x->description, y->description) || x->tolerance != y->tolerance ||
        x->default_action != y->default_action || x->dynamic_action != y->dynamic_action ||
        x->has_tools != y->has_tools || x->tools_default != y->tools_default ||
        !strs_eq(x->frameworks, x->nframeworks, y->frameworks, y->nframeworks) ||
        !strs_eq(x->tools_allow, x->ntools, y->tools_allow, y->ntools) ||
        !strs_eq(x->extends, x->nextends, y->extends, y->nextends) || x->nrules != y->nrules ||
        x->nlists != y->nlists || x->ntests != y->ntests)
        return false;
    for (size_t i = 0; i < x->nrules; i++) {
        const tpl_rule *a = &x->rules[i], *b = &y->rules[i];
        if (!streq(a->id, b->id) || !streq(a->match.src, b->match.src) || a->nunless != b->nunless ||
            a->risk != b->risk || a->action != b->action || a->action_explicit != b->action_explicit ||
            !streq(a->message, b->message) || a->locked != b->locked || !streq(a->layer, b->layer) ||
            !strs_eq(a->compliance, a->ncompliance, b->compliance, b->ncompliance) || a->ncases != b->ncases)
            return false;
        for (size_t k = 0; k < a->nunless; k++)
            if (!streq(a->unless[k].src, b->unless[k].src))
                return false;
        for (size_t k = 0; k < a->ncases; k++) { /* fmt orders match before no_match: compare as sets */
            size_t j = 0;
            while (j < b->ncases && !(streq(a->cases[k].command, b->cases[j].command) && a->cases[k].match == b->cases[j].match))
                j++;
            if (j == b->ncases)
                return false;
        }
    }
    for (size_t i = 0; i < x->nlists; i++)
        if (!streq(x->lists[i].name, y->lists[i].name) ||
            !strs_eq(x->lists[i].items, x->lists[i].nitems, y->lists[i].items, y->lists[i].nitems))
            return false;
    for (size_t i = 0; i < x->ntests; i++) { /* grouped by decision in fmt's key order: compare as sets */
        size_t j = 0;
        while (j < y->ntests && !(streq(x->tests[i].command, y->tests[j].command) && x->tests[i].expect == y->tests[j].expect))
            j++;
        if (j == y->ntests)
            return false;
    }
    return true;
}

/* A temporary file beside `path` holding `data`; its name in *tmp (arena). */
static int write_temp(arena *a, const char *path, const char *data, size_t len, mode_t mode, char **tmp)
{
    *tmp = arena_printf(a, "%s.fmt-XXXXXX", path);
    int fd = mkstemp(*tmp);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        off += (size_t)w;
    }
    if (off != len || fchmod(fd, mode & 07777) || fsync(fd)) {
        int e = errno;
        close(fd);
        unlink(*tmp);
        errno = e;
        return -1;
    }
    if (close(fd)) {
        unlink(*tmp);
        return -1;
    }
    return 0;
}

static int show_diff(const char *path, const char *tmp)
{
    fflush(stdout);
    char *label_b = NULL;
    if (asprintf(&label_b, "%s (formatted)", path) < 0)
        abort();
    char *const args[] = {"diff", "-u", "--label", (char *)path, "--label", label_b, (char *)path, (char *)tmp, NULL};
    pid_t pid;
    int st = 0;
    int e = posix_spawnp(&pid, "diff", NULL, NULL, args, environ);
    free(label_b);
    if (e) {
        fprintf(stderr, "%s fmt: cannot run diff: %s\n", cli_prog, strerror(e));
        return -1;
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) && WEXITSTATUS(st) <= 1 ? 0 : -1;
}

enum { M_PRINT, M_CHECK, M_DIFF, M_WRITE };

/* One file: 0, 1 (--check: not canonical), or an exit status. */
static int fmt_one(const char *path, const char *stdlib, int mode)
{
    arena a;
    arena_init(&a);
    diag d;
    diag_init(&d);
    tpl *t0 = NULL, *t1 = NULL;
    unsigned char *src = NULL;
    size_t len = 0, olen = 0, o2len = 0;
    char *out = NULL, *out2 = NULL, *tmp = NULL;
    int rc = 0;
    struct stat sb;
    if (tpl_load(&a, path, stdlib, &t0, &d) || cli_read_file(path, &src, &len, &d)) {
        cli_diag(&d);
        rc = cli_exit(&d);
        goto done;
    }
    if (stat(path, &sb))
        sb.st_mode = 0644;
    if (fmt_template(&a, path, (const char *)src, len, &out, &olen, &d)) {
        cli_diag(&d);
        rc = cli_exit(&d);
        goto done;
    }
    bool same = olen == len && !memcmp(out, src, len);
    /* Self-check before anything is shown or written. */
    diag d2;
    diag_init(&d2);
    if (fmt_template(&a, path, out, olen, &out2, &o2len, &d2) || o2len != olen || memcmp(out, out2, olen)) {
        fprintf(stderr, "%s: internal error: fmt is not idempotent on this file; nothing written\n", path);
        rc = EXIT_SOFTWARE;
        goto done;
    }
    /* -w through a symlink rewrites the file it points to, and keeps the link */
    char *real = realpath(path, NULL);
    const char *target = real ? arena_strdup(&a, real) : path;
    free(real);
    bool have_tmp = !same && write_temp(&a, target, out, olen, sb.st_mode, &tmp) == 0;
    if (!same && !have_tmp && mode == M_WRITE) {
        fprintf(stderr, "%s: error: cannot write a temporary file beside it: %s\n", path, strerror(errno));
        rc = EXIT_CANTCREAT;
        goto done;
    }
    if (have_tmp) {
        /* loaded from the same directory, so relative extends resolve alike */
        arena b;
        arena_init(&b);
        diag_init(&d2);
        bool ok = tpl_load(&b, tmp, stdlib, &t1, &d2) == 0;
        ok = ok && same_model(t0, t1); /* positions and file names differ, nothing else may */
        arena_release(&b);
        if (!ok) {
            unlink(tmp);
            fprintf(stderr, "%s: internal error: the formatted template does not load to the same template; "
                            "nothing written\n", path);
            if (d2.code)
                cli_diag(&d2);
            rc = EXIT_SOFTWARE;
            goto done;
        }
    }
    switch (mode) {
    case M_PRINT: fwrite(out, 1, olen, stdout); break;
    case M_CHECK:
    case M_DIFF:
        if (!same) {
            if (!have_tmp || show_diff(path, tmp))
                fprintf(stderr, "%s: not in canonical form\n", path);
            rc = mode == M_CHECK ? 1 : 0;
        }
        break;
    case M_WRITE:
        if (!same) {
            if (rename(tmp, target)) {
                fprintf(stderr, "%s: error: cannot replace it: %s\n", path, strerror(errno));
                rc = EXIT_CANTCREAT;
                break;
            }
            have_tmp = false;
            fprintf(stderr, "%s: formatted\n", path);
        }
        break;
    }
    if (have_tmp)
        unlink(tmp);
done:
    free(src);
    arena_release(&a);
    return rc;
}

/* --locked: resolve once before anything is printed or written, so a
 * lockfile that would change stops fmt before it touches the file.  Load
 * errors are left to fmt_one, which prints them. */
static int check_locked(const cli_src *src, const char *path)
{
    struct cli_reg *reg = NULL;
    int r = cli_src_begin(src, path, &reg);
    if (r)
        return r;
    arena a;
    arena_init(&a);
    diag d;
    diag_init(&d);
    tpl *t;
    int lrc = tpl_load(&a, path, cli_stdlib(src->stdlib), &t, &d);
    r = cli_src_end(reg, lrc == 0);
    arena_release(&a);
    return r;
}

int cmd_fmt(int argc, char **argv)
{
    static const struct option lo[] = {{"check", no_argument, 0, 'c'}, {"diff", no_argument, 0, 'd'},
                                       {"write", no_argument, 0, 'w'}, {"help", no_argument, 0, 'h'},
                                       CLI_SRC_OPTIONS,                {0, 0, 0, 0}};
    int mode = M_PRINT, c, nmodes = 0;
    cli_src src = {0}; /* --stdlib and registries (sources.c); fmt never writes cmdai.lock */
    optind = 1;
    while ((c = getopt_long(argc, argv, "wh", lo, NULL)) != -1) {
        switch (c) {
        case 'c': mode = M_CHECK; nmodes++; break;
        case 'd': mode = M_DIFF; nmodes++; break;
        case 'w': mode = M_WRITE; nmodes++; break;
        case 'h': usage_fmt(stdout); return 0;
        default:
            if (cli_src_opt(&src, c, optarg) == 1)
                break;
            usage_fmt(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc || nmodes > 1) {
        if (nmodes > 1)
            fprintf(stderr, "%s fmt: --check, --diff and --write exclude each other\n", cli_prog);
        usage_fmt(stderr);
        return EXIT_USAGE;
    }
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        if (mode == M_WRITE && cli_check_output(argv[i])) {
            rc = rc ? rc : EXIT_CANTCREAT;
            continue;
        }
        struct cli_reg *reg = NULL;
        int r = src.locked ? check_locked(&src, argv[i]) : 0;
        if (!r)
            r = cli_src_begin(&src, argv[i], &reg);
        if (!r) {
            r = fmt_one(argv[i], cli_stdlib(src.stdlib), mode);
            int e = cli_src_end(reg, r != EXIT_SOFTWARE && r < EXIT_USAGE);
            r = r ? r : e;
        }
        if (r == EXIT_SOFTWARE)
            return r;
        if (r && (!rc || rc == 1))
            rc = r;
    }
    return rc;
}
