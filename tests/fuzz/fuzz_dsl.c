/* fuzz_dsl.c — libFuzzer harness for the rule DSL front end: any bytes as a
 * pattern (not NUL-terminated), parsed and dumped, must give a tree or a
 * located error, never a crash, a leak or an out-of-bounds read. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy so ASan catches any read past `size`. */
    char *src = malloc(size ? size : 1);
    if (!src)
        return 0;
    if (size)
        memcpy(src, data, size);
    arena a;
    diag d;
    arena_init(&a);
    diag_init(&d);
    ast_node *n = parse_pattern(&a, src, size, "fuzz", 1, 1, &d);
    if (n) {
        if (d.code != CMDAI_OK || !ast_dump(&a, n))
            abort();
    } else if (d.code == CMDAI_OK || d.line < 1 || d.column < 1) {
        abort(); /* every failure is a located error */
    }
    arena_release(&a);
    free(src);
    return 0;
}
