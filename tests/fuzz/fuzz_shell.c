/* fuzz_shell.c — libFuzzer harness for the shell normalizer: any bytes as a
 * command line must give units or a limit error, never a crash or an
 * out-of-bounds read; every unit is well-formed canonical bytes and renders;
 * and a second run gives the same bytes (determinism). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "cmdai/policy.h"
#include "shell.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static rt_norm norm, again; /* too large for the stack */
static char out[RT_NORM_BUF * 4];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy so ASan catches any read past `size`. */
    char *src = malloc(size ? size : 1);
    if (!src)
        return 0;
    if (size)
        memcpy(src, data, size);
    int rc = rt_norm_run(&norm, src, size);
    if (rc != CMDAI_OK && rc != CMDAI_E_TOO_DEEP && rc != CMDAI_E_TOO_COMPLEX && rc != CMDAI_E_TOO_LONG &&
        !(rc == CMDAI_E_NUL && memchr(src, 0, size)))
        abort();
    if (norm.len > RT_NORM_BUF || norm.nunits > RT_NORM_MAX_UNITS)
        abort();
    size_t prev = 0;
    for (uint32_t u = 0; u < norm.nunits; u++) {
        size_t end = norm.unit_end[u];
        if (end <= prev || end > norm.len || norm.buf[prev] != RT_C_CMD || norm.buf[end - 1] != RT_C_END)
            abort();
        prev = end;
        rt_norm_render(&norm, u, out, sizeof out);
    }
    if (prev != norm.len)
        abort();
    if (rt_norm_run(&again, src, size) != rc || again.len != norm.len || memcmp(again.buf, norm.buf, norm.len) != 0)
        abort();
    free(src);
    return 0;
}
