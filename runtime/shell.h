/* shell.h — the shell normalizer: command line -> canonical units
 * (note [canonical form] in canon.h).  Runtime stage; the compiler links it
 * for `test` and `explain`.  No allocation: all output goes into the caller's
 * rt_norm, whose fixed sizes bound the work done on attacker input.
 */
#ifndef CMDAI_SHELL_H
#define CMDAI_SHELL_H

#include <stddef.h>
#include <stdint.h>

#define RT_NORM_BUF (64u * 1024u)  /* canonical bytes for one command line */
#define RT_NORM_MAX_UNITS 1024u
#define RT_NORM_SCRATCH (32u * 1024u) /* de-quoted words of the stages being parsed, all levels */
#define RT_NORM_MAX_TOKS 1024u        /* word descriptors, all nesting levels together */
#define RT_NORM_STAGE_TOKS 512u       /* words + redirections of one simple command */

/* One de-quoted word in rt_norm.scratch; private to runtime/shell_*.c. */
typedef struct rt_norm_tok {
    uint32_t off, len;
    uint32_t flags;
} rt_norm_tok;

typedef struct rt_norm {
    int error;            /* CMDAI_OK or CMDAI_E_TOO_LONG / _TOO_DEEP / _TOO_COMPLEX */
    size_t err_offset;    /* byte offset in the input where the error was found */
    uint32_t nunits;
    uint32_t unit_end[RT_NORM_MAX_UNITS]; /* unit i is buf[i ? unit_end[i-1] : 0 .. unit_end[i]) */
    size_t len;           /* bytes used in buf */
    unsigned char buf[RT_NORM_BUF];
    /* Working memory of rt_norm_run, private to runtime/shell_*.c: the
     * normalizer allocates nothing, so its scratch lives in the caller's
     * rt_norm too (about 44 KiB; docs/command-model.md "Limits"). */
    rt_norm_tok tok[RT_NORM_MAX_TOKS];
    unsigned char scratch[RT_NORM_SCRATCH];
} rt_norm;

/* Normalize cmd[0..len).  Returns n->error.  On error the units already
 * written stay valid (callers fail closed anyway). */
int rt_norm_run(rt_norm *n, const char *cmd, size_t len);

/* The normalizer's lexical path normalization of one argument (no-op for
 * words that are not path-like; in key=value words, the value), for the compiler to canonicalize pattern
 * literals exactly like command words.  out has room for n bytes; returns
 * the new length. */
size_t rt_path_normalize(const unsigned char *t, size_t n, unsigned char *out);

/* Human-readable rendering of unit i for tests, `explain` and `--dump`:
 * stages joined by " | "; a stage is prog, then each flag, then "::" and each
 * arg, then each redirection as op+target; tokens with spaces or that are
 * empty are single-quoted; RT_C_DYN prints as "$?".  Example:
 *   "sudo rm -rf -- /x" -> unit 0: "rm -f -r :: /x"   unit 1: "sudo :: rm -rf -- /x"
 * Writes at most cap bytes including the NUL; returns the length it needed. */
size_t rt_norm_render(const rt_norm *n, uint32_t unit, char *out, size_t cap);

#endif
