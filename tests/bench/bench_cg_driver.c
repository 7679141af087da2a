/* bench_cg_driver.c — the small program `make bench` runs under callgrind:
 * open a signed bundle, read commands (one a line), decide each one, either
 * fully (cmdai_eval: normalize + walk) or the walk alone over units
 * normalized beforehand (rt_decide_units).  Callgrind collects only inside
 * the function named by --toggle-collect, so opening and reading cost
 * nothing in the count.  usage: DRIVER BUNDLE PUBKEY COMMANDS eval|walk */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cmdai/policy.h"
#include "shell.h"

int main(int argc, char **argv)
{
    if (argc != 5)
        return 64;
    cmdai_open_opts oo = {.trust = argv[2], .flags = CMDAI_OPEN_NO_ROLLBACK_STATE};
    cmdai_error err;
    cmdai_bundle *b = cmdai_open(argv[1], &oo, &err);
    if (!b) {
        fprintf(stderr, "%s: %s\n", argv[1], err.text);
        return 66;
    }
    FILE *fp = fopen(argv[3], "r");
    if (!fp)
        return 66;
    int walk = !strcmp(argv[4], "walk");
    static rt_norm n;
    char *line = NULL;
    size_t lc = 0, count = 0;
    ssize_t r;
    unsigned deny = 0;
    while ((r = getline(&line, &lc, fp)) > 0) {
        if (line[r - 1] == '\n')
            line[--r] = '\0';
        cmdai_verdict v;
        if (walk) {
            rt_norm_run(&n, line, (size_t)r);
            memset(&v, 0, sizeof v);
            rt_decide_units(b, &n, &v);
        } else {
            cmdai_eval(b, line, (size_t)r, &v);
        }
        deny += v.action == CMDAI_DENY;
        count++;
    }
    printf("%zu commands, %u denied\n", count, deny);
    free(line);
    fclose(fp);
    cmdai_close(b);
    return 0;
}
