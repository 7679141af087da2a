/* shell_int.h — internals shared by the shell normalizer's files:
 *   shell.c        units in rt_norm.buf (partial pipelines, side units), render, entry
 *   shell_lex.c    words, quotes, expansions, redirections, heredoc bodies
 *   shell_path.c   lexical path normalization
 *   shell_parse.c  lists, pipelines, compound commands, functions
 *   shell_cmd.c    one simple command: flags, wrappers, interpreters, emission
 * Nothing here is visible outside the runtime library.
 *
 * note [unit order]: units are written into rt_norm.buf as they complete, but
 * a pipeline is only complete when its last stage is; nested commands found
 * meanwhile ($(..), bash -c, sudo's own unit) complete first.  Every active
 * parse level keeps its unfinished pipeline ("partial") at the very end of
 * buf, levels in nesting order; a unit completed meanwhile is rotated in front
 * of all partials (rt_sh_side_commit), and a finished pipeline is rotated in
 * front of the units found while it was being parsed (rt_sh_pipe_finish).
 * The result is pre-order: a pipeline, then the units nested in it.
 */
#ifndef CMDAI_SHELL_INT_H
#define CMDAI_SHELL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "canon.h"
#include "cmdai/policy.h"
#include "opts.h"
#include "shell.h"

enum {
    SH_MAX_LEVELS = CMDAI_MAX_DEPTH + 2, /* a level per nesting step, plus the top */
    SH_MAX_HEREDOCS = 8,                 /* pending heredocs of one command line */
    SH_DELIM_MAX = 64                    /* bytes of a heredoc delimiter */
};

/* Token flags (rt_norm_tok.flags). */
enum {
    TF_DYN = 1u << 0,     /* value known only at run time: $x, $(..), `..`, unquoted glob */
    TF_QUOTED = 1u << 1,  /* some part was quoted or escaped */
    TF_ASSIGN = 1u << 2,  /* NAME=value (unquoted NAME) */
    TF_REDIR = 1u << 3,   /* a redirection operator; its target is the next token */
    TF_RTGT = 1u << 4,    /* a redirection target */
    TF_HERESTR = 1u << 5, /* with TF_REDIR: "<<<"; the target is text fed to stdin */
    TF_FLAG = 1u << 6     /* emission item: a flag (else an arg) */
};

/* Separator tokens between stages / pipelines. */
enum { T_EOF, T_NL, T_SEMI, T_AMP, T_AND, T_OR, T_PIPE, T_DSEMI, T_RPAREN, T_RBRACE };

/* What ends a parse level. */
enum { TERM_EOF, TERM_PAREN, TERM_BRACE };

/* The byte that stands for "text of a command substitution" inside scratch
 * words; emitted as "...".  Input bytes < RT_C_MIN_TOKEN are replaced by
 * RT_C_SUB when words are lexed, so only the normalizer can write it, and a
 * synthesized source (bash -c text) can recognise its own "$(\1)". */
#define SH_MARK 0x01

typedef struct sh_ctx {
    rt_norm *n;
    const unsigned char *in; /* the caller's command line, for error offsets */
    size_t inlen;
    int depth;               /* current nesting, <= CMDAI_MAX_DEPTH */
    int nlev;                /* active parse levels */
    size_t pstart[SH_MAX_LEVELS];   /* buf offset of each level's partial pipeline */
    uint32_t pk[SH_MAX_LEVELS];     /* unit count when that pipeline began */
    uint32_t stop;           /* scratch top */
    uint32_t ntok;           /* tok stack top */
} sh_ctx;

typedef struct sh_hd {
    unsigned char delim[SH_DELIM_MAX];
    unsigned char dlen, strip, quoted, shell;
    uint32_t stage; /* index of the stage in its pipeline */
} sh_hd;

/* One parse level: a source text and where it ends. */
typedef struct sh_par {
    const unsigned char *s;
    size_t n, i;
    size_t base;     /* error offset when s is not the caller's input */
    int synth;       /* s was built by the normalizer (may hold SH_MARK) */
    int term;        /* TERM_* */
    const unsigned char *self; /* function whose body this is (RT_SELF_PROG), or NULL */
    size_t selflen;
    int case_depth, case_pat;
    int lev;         /* index into sh_ctx.pstart */
    uint32_t nstages;
    int last_shell;  /* highest stage index of the pipeline that is a shell */
    int nhd;
    sh_hd hd[SH_MAX_HEREDOCS];
} sh_par;

/* shell.c */
void rt_sh_fail(sh_ctx *c, int code, const sh_par *p);
static inline int rt_sh_err(const sh_ctx *c) { return c->n->error != 0; }
int rt_sh_put(sh_ctx *c, const void *b, size_t len);
int rt_sh_put_tok(sh_ctx *c, unsigned char kind, const unsigned char *t, size_t len);
int rt_sh_level_push(sh_ctx *c);
void rt_sh_level_pop(sh_ctx *c);
void rt_sh_pipe_begin(sh_ctx *c, int lev);
void rt_sh_pipe_finish(sh_ctx *c, int lev);
void rt_sh_side_commit(sh_ctx *c, size_t start);
int rt_sh_depth_in(sh_ctx *c, const sh_par *p);
void rt_sh_depth_out(sh_ctx *c);
uint32_t rt_sh_tok_push(sh_ctx *c, uint32_t off, uint32_t len, uint32_t flags);
int rt_sh_scratch_put(sh_ctx *c, const unsigned char *b, size_t len);

/* shell_lex.c (the two hottest helpers inline: they run per input byte) */
static inline int rt_sh_at(const sh_par *p, size_t k)
{
    return p->i + k < p->n ? p->s[p->i + k] : -1;
}

static inline int rt_sh_is_meta(int b)
{
    /* '\r' separates words too: a CRLF line from a Windows editor or an agent
     * must not smuggle "rm\r" past a rule about rm. */
    return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == ';' || b == '&' || b == '|' || b == '<' ||
           b == '>' || b == '(' || b == ')';
}
/* Byte classes, rt_sh_cls[byte] & C_*: C_PLAIN copied by the lexer as it
 * is; C_NAME / C_NAME1 a shell NAME's bytes / its first byte. */
enum { C_PLAIN = 1, C_NAME = 2, C_NAME1 = 4 };
extern const unsigned char rt_sh_cls[256];
void rt_sh_skip_blanks(sh_par *p);
int rt_sh_redir_start(const sh_par *p);
void rt_sh_lex_redir(sh_ctx *c, sh_par *p, uint32_t stage);
int rt_sh_lex_word(sh_ctx *c, sh_par *p);
int rt_sh_read_sep(sh_ctx *c, sh_par *p);
void rt_sh_read_heredocs(sh_ctx *c, sh_par *p);
void rt_sh_skip_arith(sh_ctx *c, sh_par *p);

/* shell_path.c */
int rt_sh_pathlike(const unsigned char *t, size_t n);
size_t rt_sh_pathnorm(const unsigned char *t, size_t n, unsigned char *out);
/* An operand as the rules see it: a path-like word path-normalized, and so
 * is the value of a key=value operand (dd of=//dev/./sda -> of=/dev/sda);
 * anything else copied.  rt_sh_argnorm_needed says whether it changes
 * anything at all.  Writes at most n bytes. */
int rt_sh_argnorm_needed(const unsigned char *t, size_t n);
size_t rt_sh_argnorm(const unsigned char *t, size_t n, unsigned char *out);

/* shell_parse.c */
int rt_sh_parse_sub(sh_ctx *c, const sh_par *parent, const unsigned char *s, size_t n, size_t *pos, int term,
                    int synth, int inline_ok, const unsigned char *self, size_t selflen);
void rt_sh_parse_list(sh_ctx *c, sh_par *p);

/* shell_cmd.c */
int rt_sh_cmd(sh_ctx *c, sh_par *p, uint32_t t0, uint32_t t1, int *emitted);
int rt_sh_is_shell(const unsigned char *name, size_t len);
void rt_sh_emit_redirs(sh_ctx *c, uint32_t r0, uint32_t r1);

#endif
