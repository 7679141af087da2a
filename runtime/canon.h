/* canon.h — the canonical byte form of a command, shared by the shell
 * normalizer (which writes it) and the compiler (whose automaton reads it).
 *
 * note [canonical form]: a command line becomes a list of *units*; a unit is
 * one pipeline of *stages*; a stage is one simple command:
 *
 *   stage := CMD prog (ARG arg)* (FLAG flag)* (REDIR op RTGT target)* END
 *   unit  := stage+
 *
 * prog is the program's basename with quotes/escapes resolved (or the single
 * byte DYN when the name is only known at run time).  Flags are de-clustered
 * (-rf -> -f -r) and come after the args, so that a subcommand (the first
 * arg: "git push", "kubectl delete") splits the automaton into small
 * branches before flags are tracked; they carry a value as "-o=value" / "--name=value" when the
 * program's option table says they take one, and are sorted (memcmp) with
 * duplicates removed.  Args keep their order.  Redirection ops are one of
 * ">", ">>", "<", "<>", ">&", "<&" (fd numbers dropped).  Token bytes are never
 * < RT_C_MIN_TOKEN: a control byte that would collide is replaced by RT_C_SUB.
 * The automaton reports a decision after every END byte; see compiler/nfa.c.
 */
#ifndef CMDAI_CANON_H
#define CMDAI_CANON_H

enum {
    RT_C_CMD = 0x01,   /* starts a stage; program name follows */
    RT_C_FLAG = 0x02,  /* starts a flag token */
    RT_C_ARG = 0x03,   /* starts a positional token */
    RT_C_REDIR = 0x04, /* starts a redirection: op bytes, RT_C_RTGT, target bytes */
    RT_C_RTGT = 0x05,  /* separates a redirection op from its target */
    RT_C_END = 0x06,   /* ends a stage */
    RT_C_DYN = 0x07,   /* the whole program name when it is dynamic ($VAR, $(..)) */
    RT_C_MIN_TOKEN = 0x08,
    RT_C_SUB = 0x1a    /* stands in for a byte < RT_C_MIN_TOKEN inside a token */
};

/* Program name the normalizer gives to a call of a shell function from inside
 * its own body (the fork-bomb shape ":(){ :|:& };:"). Cannot be spelled as a
 * real program without quoting. */
#define RT_SELF_PROG "(self)"

/* The canonical stage grammar as a tiny automaton, a superset of what the
 * normalizer writes.  The compiler uses it to learn which bytes can occur in
 * each automaton state (the rest are "don't care" and cost no table space,
 * note [dont care] in compiler/compile.c); `cmdai-policyc diff` walks it to
 * spell witnesses.  rt_canon_next returns RT_G_DEAD for an impossible byte. */
enum { RT_G_STAGE, RT_G_PROG, RT_G_ARG, RT_G_FLAG, RT_G_OP, RT_G_TGT, RT_G_DEAD, RT_G_N };

static inline int rt_canon_next(int g, unsigned char c)
{
    int tok = c >= RT_C_MIN_TOKEN;
    if (g == RT_G_STAGE)
        return c == RT_C_CMD ? RT_G_PROG : RT_G_DEAD;
    if (g == RT_G_OP)
        return tok ? RT_G_OP : c == RT_C_RTGT ? RT_G_TGT : RT_G_DEAD;
    if (g < RT_G_STAGE || g >= RT_G_DEAD)
        return RT_G_DEAD;
    if (tok || (g == RT_G_PROG && c == RT_C_DYN))
        return g;
    if (c == RT_C_END)
        return RT_G_STAGE;
    if (c == RT_C_REDIR)
        return RT_G_OP;
    if (g == RT_G_TGT)
        return RT_G_DEAD; /* after a redirection only more redirections */
    if (c == RT_C_FLAG)
        return RT_G_FLAG;
    if (c == RT_C_ARG && g != RT_G_FLAG) /* args come before flags */
        return RT_G_ARG;
    return RT_G_DEAD;
}

#endif
