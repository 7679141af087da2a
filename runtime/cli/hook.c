/* hook.c — `cmdai-policy hook bash|zsh|fish|pwsh`: print the shell init
 * snippet that makes an interactive shell ask `cmdai-policy check` before it
 * runs a command line.  The snippets live as editable files in runtime/hooks/;
 * the Makefile turns them into C string literals ($(GEN)/hook_snippets.inc).
 * This file only picks one and fills in absolute paths (docs/hooks.md).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "hook.h"
#include "hook_snippets.inc"

/* How each shell writes a literal string: bash and zsh ('...' with '\''),
 * fish ('...' with \' and \\), PowerShell ('...' with ''). */
enum quoting { Q_POSIX, Q_FISH, Q_PWSH };

static const struct {
    const char *name, *text;
    enum quoting q;
} shells[] = {
    {"bash", hook_cmdai_bash, Q_POSIX},
    {"zsh", hook_cmdai_zsh, Q_POSIX},
    {"fish", hook_cmdai_fish, Q_FISH},
    {"pwsh", hook_cmdai_ps1, Q_PWSH},
};

static void put_quoted(FILE *f, const char *s, enum quoting q)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'' && q == Q_POSIX)
            fputs("'\\''", f);
        else if (*s == '\'' && q == Q_PWSH)
            fputs("''", f);
        else if ((*s == '\'' || *s == '\\') && q == Q_FISH)
            fprintf(f, "\\%c", *s);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

/* The running binary, so a snippet works without cmdai-policy on PATH; the
 * bare name when /proc is not there. */
static void self_path(char *buf, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
    if (n <= 0) {
        snprintf(buf, cap, "cmdai-policy");
        return;
    }
    buf[n] = '\0';
}

/* The bash loadable builtin installed beside us: BIN/../lib/cmdai_check.so.
 * Empty when there is none (the bash snippet then runs the program). */
static void builtin_path(const char *self, char *buf, size_t cap)
{
    buf[0] = '\0';
    const char *slash = strrchr(self, '/');
    if (!slash)
        return;
    char tmp[PATH_MAX + 64];
    snprintf(tmp, sizeof tmp, "%.*s/../lib/cmdai_check.so", (int)(slash - self), self);
    char *real = realpath(tmp, NULL);
    if (real && strlen(real) < cap)
        snprintf(buf, cap, "%s", real);
    free(real);
}

static void usage_hook(FILE *f)
{
    fprintf(f,
            "usage: cmdai-policy hook bash|zsh|fish|pwsh\n"
            "       cmdai-policy hook serve [--fifo DIR] [--parent PID] [--shell NAME]\n"
            "\n"
            "Print the init snippet that checks every interactive command line before it runs:\n"
            "  bash  (~/.bashrc)        eval \"$(cmdai-policy hook bash)\"\n"
            "  zsh   (~/.zshrc)         eval \"$(cmdai-policy hook zsh)\"\n"
            "  fish  (config.fish)      cmdai-policy hook fish | source\n"
            "  pwsh  ($PROFILE)         cmdai-policy hook pwsh | Out-String | Invoke-Expression\n"
            "\n"
            "allow runs silently, warn prints the message and runs, confirm asks y/N on the\n"
            "terminal (no terminal: not run), deny prints the reason and rule id and does not run.\n"
            "The snippet honours CMDAI_POLICY_BUNDLE, CMDAI_POLICY_TRUST, CMDAI_POLICY_STATE and\n"
            "CMDAI_POLICY_FAIL=open|closed (default closed: nothing runs while the bundle is\n"
            "missing or broken).  The snippets decide through cmdai-policyd when it runs, else\n"
            "through a coprocess started on the first line, 'cmdai-policy hook serve' (no process\n"
            "per line; CMDAI_POLICY_COPROC=0 turns it off).  See docs/hooks.md.\n");
}

int cmd_hook(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage_hook(stdout);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "serve"))
        return hook_serve(argc - 1, argv + 1);
    if (argc != 2) {
        usage_hook(stderr);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof shells / sizeof shells[0]; i++) {
        if (strcmp(argv[1], shells[i].name) && !(i == 3 && !strcmp(argv[1], "powershell")))
            continue;
        char self[PATH_MAX], lib[PATH_MAX];
        self_path(self, sizeof self);
        builtin_path(self, lib, sizeof lib);
        /* Placeholders: @CMDAI_POLICY@ and @CMDAI_BUILTIN@, each a quoted word. */
        const char *p = shells[i].text, *at;
        while ((at = strchr(p, '@'))) {
            fwrite(p, 1, (size_t)(at - p), stdout);
            if (!strncmp(at, "@CMDAI_POLICY@", 14)) {
                put_quoted(stdout, self, shells[i].q);
                p = at + 14;
            } else if (!strncmp(at, "@CMDAI_BUILTIN@", 15)) {
                put_quoted(stdout, lib, shells[i].q);
                p = at + 15;
            } else {
                fputc('@', stdout);
                p = at + 1;
            }
        }
        fputs(p, stdout);
        if (fflush(stdout) != 0)
            return EXIT_CANTCREAT;
        return 0;
    }
    fprintf(stderr, "cmdai-policy hook: unknown shell '%s' (bash, zsh, fish or pwsh)\n", argv[1]);
    return EXIT_USAGE;
}
