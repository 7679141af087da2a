/* cmdai/policy.h — the whole public surface of libcmdai-policy.
 *
 * Load a signed decision-automaton bundle (.cpb + detached .minisig), then
 * decide allow / warn / confirm / deny for shell command lines.  The bundle is
 * verified before any byte of it is parsed and every table is bounds-checked
 * once at load; after that the handle is immutable and cmdai_eval() may be
 * called from any number of threads without locks and without allocating.
 */
#ifndef CMDAI_POLICY_H
#define CMDAI_POLICY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CMDAI_API __attribute__((visibility("default")))
#else
#define CMDAI_API
#endif

#define CMDAI_VERSION "0.1.0"

/* Result codes.  CMDAI_OK is 0; everything else is an error.  Stable numbers:
 * new codes are only ever appended. */
typedef enum cmdai_code {
    CMDAI_OK = 0,
    CMDAI_E_USAGE = 1,        /* bad argument to an API call */
    CMDAI_E_IO = 2,           /* cannot open / read / write a file */
    CMDAI_E_NOMEM = 3,
    CMDAI_E_FORMAT = 4,       /* malformed or truncated bundle / key / signature */
    CMDAI_E_VERSION = 5,      /* bundle format newer than this runtime */
    CMDAI_E_SIGNATURE = 6,    /* signature does not verify */
    CMDAI_E_UNKNOWN_KEY = 7,  /* signed by a key that is not trusted */
    CMDAI_E_EXPIRED = 8,      /* bundle past its expiry time */
    CMDAI_E_ROLLBACK = 9,     /* serial lower than one already accepted */
    CMDAI_E_TOO_LONG = 10,    /* command line longer than CMDAI_MAX_COMMAND */
    CMDAI_E_TOO_DEEP = 11,    /* nesting deeper than CMDAI_MAX_DEPTH */
    CMDAI_E_TOO_COMPLEX = 12, /* normalized form exceeds the fixed work buffer */
    CMDAI_E_SYNTAX = 13,      /* syntax error in a source (template, DSL) */
    CMDAI_E_SEMANTIC = 14,    /* valid syntax, invalid meaning (unknown list, ...) */
    CMDAI_E_BUDGET = 15,      /* automaton exceeds the state budget */
    CMDAI_E_NO_TRUST = 16,    /* no trusted key configured at all */
    CMDAI_E_NUL = 17          /* command line contains a NUL byte */
} cmdai_code;

/* First error wins: a function that fails fills *err once (err may be NULL). */
typedef struct cmdai_error {
    int code;          /* enum cmdai_code */
    int line, column;  /* 1-based; -1 when the error is not about a text position */
    char source[80];   /* file or "<memory>"; long names keep their tail */
    char text[160];    /* one sentence, no trailing newline */
} cmdai_error;

/* Actions, ordered by severity: the most severe one wins. */
typedef enum cmdai_action {
    CMDAI_ALLOW = 0,
    CMDAI_WARN = 1,
    CMDAI_CONFIRM = 2,
    CMDAI_DENY = 3
} cmdai_action;

typedef enum cmdai_risk {
    CMDAI_RISK_NONE = 0, /* no rule matched */
    CMDAI_RISK_LOW = 1,
    CMDAI_RISK_MODERATE = 2,
    CMDAI_RISK_HIGH = 3,
    CMDAI_RISK_CRITICAL = 4
} cmdai_risk;

/* Why the verdict is what it is (bit set: several can hold at once). */
enum cmdai_reason {
    CMDAI_REASON_RULE = 1u << 0,    /* at least one rule matched */
    CMDAI_REASON_DEFAULT = 1u << 1, /* some simple command matched no rule */
    CMDAI_REASON_DYNAMIC = 1u << 2, /* a program name unknown until run time */
    CMDAI_REASON_TOOLS = 1u << 3,   /* a program outside tools.allow */
    CMDAI_REASON_ERROR = 1u << 4    /* input could not be analysed: fail closed */
};

/* Limits on attacker-controlled input; exceeding one is an error, never a crash. */
#define CMDAI_MAX_COMMAND (1u << 20)   /* bytes of one command line */
#define CMDAI_MAX_DEPTH 8              /* nesting of $( ), bash -c, eval, ... */
#define CMDAI_VERDICT_RULES 16         /* rule ids reported per verdict */

typedef struct cmdai_verdict {
    cmdai_action action;
    cmdai_risk risk;
    unsigned reason;         /* enum cmdai_reason bits */
    int error;               /* CMDAI_OK, or why the input could not be analysed */
    unsigned nrules;         /* matched rules in total (may exceed the array) */
    uint32_t rules[CMDAI_VERDICT_RULES]; /* rule indexes, most severe first */
    const char *message;     /* of the most severe rule, or a fixed text; borrowed */
} cmdai_verdict;

typedef struct cmdai_bundle cmdai_bundle; /* opaque */

/* How to trust a bundle.  Zero-initialise and set what you need. */
typedef struct cmdai_open_opts {
    const char *trust;     /* minisign .pub file or a directory of them; NULL: $CMDAI_POLICY_TRUST, then /etc/cmdai/trusted.d */
    const char *state_dir; /* anti-rollback state; NULL: $CMDAI_POLICY_STATE, then default */
    int64_t now;           /* unix time for the expiry check; 0: current time */
    unsigned flags;        /* enum cmdai_open_flags */
} cmdai_open_opts;

enum cmdai_open_flags {
    CMDAI_OPEN_NO_ROLLBACK_STATE = 1u << 0, /* neither read nor record the accepted serial */
    CMDAI_OPEN_NO_STATE_UPDATE = 1u << 1    /* check the serial but do not record it */
};

/* Open PATH and its detached signature PATH.minisig; verify, then load.
 * NULL on failure with *err filled.  Owner: caller, release with cmdai_close(). */
CMDAI_API cmdai_bundle *cmdai_open(const char *path, const cmdai_open_opts *opts, cmdai_error *err);

/* The same for a bundle and signature already in memory.  Both buffers are
 * borrowed for the call only (the handle keeps its own copy). */
CMDAI_API cmdai_bundle *cmdai_open_mem(const void *data, size_t len, const char *minisig, size_t siglen,
                                       const cmdai_open_opts *opts, cmdai_error *err);

CMDAI_API void cmdai_close(cmdai_bundle *b);

/* Decide on one command line (any bytes; NUL not required).  Thread-safe, no
 * allocation; uses about 115 KiB of stack (give threads >= 256 KiB).  Returns CMDAI_OK, or an error code
 * (too long, too deep, too complex) in which case *out is a fail-closed deny
 * with reason CMDAI_REASON_ERROR. */
CMDAI_API int cmdai_eval(const cmdai_bundle *b, const char *cmd, size_t len, cmdai_verdict *out);

/* Bundle identity, borrowed from the handle. */
typedef struct cmdai_bundle_info {
    const char *name, *version, *scope;
    uint64_t serial;
    int64_t created, expires; /* unix seconds; expires 0 = never */
    char key_id[17];          /* hex, as minisign prints it */
    char digest[129];         /* BLAKE2b-512 of the bundle, hex */
    uint32_t nrules, nstates;
} cmdai_bundle_info;
CMDAI_API void cmdai_bundle_get_info(const cmdai_bundle *b, cmdai_bundle_info *out);

/* One rule of the bundle; strings borrowed from the handle.  Returns CMDAI_OK
 * or CMDAI_E_USAGE for an index out of range. */
typedef struct cmdai_rule_info {
    const char *id, *message, *match;
    cmdai_action action;
    cmdai_risk risk;
    unsigned ncompliance;
} cmdai_rule_info;
CMDAI_API int cmdai_rule_get(const cmdai_bundle *b, uint32_t index, cmdai_rule_info *out);
CMDAI_API const char *cmdai_rule_compliance(const cmdai_bundle *b, uint32_t index, unsigned i);

CMDAI_API const char *cmdai_action_name(cmdai_action a);  /* "allow", ... */
CMDAI_API const char *cmdai_risk_name(cmdai_risk r);      /* "none", "low", ... */
CMDAI_API const char *cmdai_code_name(int code);          /* "bad signature", ... */

#ifdef __cplusplus
}
#endif
#endif
