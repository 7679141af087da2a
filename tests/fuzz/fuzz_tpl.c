/* fuzz_tpl.c — libFuzzer harness for the template loader (compiler/tpl_*.c):
 * any bytes through tpl_load_mem() must give a template or an error with a
 * message, never a crash, leak or hang.  stdlib_dir is NULL, so `extends` by
 * name fails; by path it reads files relative to the current directory. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "tpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena a;
    diag d;
    tpl *t = NULL;
    arena_init(&a);
    diag_init(&d);
    int rc = tpl_load_mem(&a, "<fuzz>", (const char *)data, size, NULL, &t, &d);
    if (rc == 0) {
        if (!t || !t->name || !t->version)
            abort();
        for (size_t i = 0; i < t->nrules; i++)
            if (!t->rules[i].id || !t->rules[i].match.ast || t->rules[i].action < CMDAI_ALLOW ||
                t->rules[i].action > CMDAI_DENY)
                abort();
        for (size_t i = 0; i < t->nlists; i++)
            if (tpl_find_list(t, t->lists[i].name) != &t->lists[i])
                abort();
    } else if (d.code == CMDAI_OK || !d.text[0]) {
        abort(); /* every failure must say why */
    }
    arena_release(&a);
    return 0;
}
