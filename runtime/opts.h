/* opts.h — per-program option tables: which flags take a value and which
 * programs use single-dash long options (find -delete, terraform
 * -auto-approve), so that `tar -C / -xf x.tar` is not read as an operation on
 * "/" and `find / -delete` is not de-clustered into -d -e -l -t.  Shared by
 * the normalizer and by the compiler, which canonicalizes rule patterns with
 * the very same table. */
#ifndef CMDAI_OPTS_H
#define CMDAI_OPTS_H

#include <stddef.h>
#include <stdint.h>

enum {
    RT_OPT_LONG_SINGLE_DASH = 1u << 0, /* "-name" is one option, never a cluster */
    RT_OPT_NO_FLAGS = 1u << 1,         /* every word is positional (echo, printf, dd) */
    RT_OPT_ATTACHED = 1u << 2          /* some short option's value is attached-only (rt_opts_attached_value) */
};

typedef struct rt_prog_opts {
    const char *prog;
    size_t plen;                     /* strlen(prog) */
    unsigned flags;
    const char *short_val;           /* short options taking a value, e.g. "Cf" for tar */
    const char *const *long_val;     /* options (with dashes) taking a value; NULL-terminated; may be NULL */
} rt_prog_opts;

/* The table entry for a program (basename), or NULL for "no special knowledge":
 * then "-abc" is the cluster -a -b -c, "--x=v" is flag --x with value v, and no
 * option takes the next word as its value. */
const rt_prog_opts *rt_opts_find(const char *prog, size_t len);

/* Does option `opt` (as written, e.g. "-C" or "--directory") of program entry
 * `po` (may be NULL) take a value? */
int rt_opts_takes_value(const rt_prog_opts *po, const char *opt, size_t len);

/* Is short option letter `o` of `po` (may be NULL) one whose value is
 * optional and only ever attached (mysql -pSECRET; a bare -p prompts)?  In a
 * cluster the rest of the word is its value; the next word never is. */
int rt_opts_attached_value(const rt_prog_opts *po, unsigned char o);

/* FNV-1a of a name, for the program-name hash indexes (this table's and
 * the normalizer's list of programs it looks through). */
static inline uint32_t rt_name_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* The whole table, sorted by prog (strcmp order), for tests and lint. */
const rt_prog_opts *rt_opts_table(size_t *count);

#endif
