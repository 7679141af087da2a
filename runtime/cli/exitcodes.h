/* exitcodes.h — exit statuses shared by cmdai-policy and cmdai-policyc
 * (docs/cli.md).  Verdicts: 0 allow, 10 warn, 20 confirm, 30 deny. */
#ifndef CMDAI_EXITCODES_H
#define CMDAI_EXITCODES_H

#include "cmdai/policy.h"

enum {
    EXIT_VERDICT_STEP = 10, /* allow 0, warn 10, confirm 20, deny 30 */
    EXIT_TESTFAIL = 1,      /* a template's inline tests failed */
    EXIT_USAGE = 64,
    EXIT_DATAERR = 65,      /* bad input: template, DSL, command line too long */
    EXIT_NOINPUT = 66,      /* cannot open a file */
    EXIT_MALFORMED = 67,    /* bundle truncated or malformed */
    EXIT_TOONEW = 68,       /* bundle format newer than this runtime */
    EXIT_SOFTWARE = 70,
    EXIT_CANTCREAT = 73,    /* cannot write an output file */
    EXIT_BADSIG = 77,       /* signature does not verify */
    EXIT_UNKNOWNKEY = 78,   /* signed by an untrusted key, or no key configured */
    EXIT_EXPIRED = 79,
    EXIT_ROLLBACK = 80
};

static inline int exit_for_code(int code)
{
    switch (code) {
    case CMDAI_OK: return 0;
    case CMDAI_E_USAGE: return EXIT_USAGE;
    case CMDAI_E_IO: return EXIT_NOINPUT;
    case CMDAI_E_FORMAT: return EXIT_MALFORMED;
    case CMDAI_E_VERSION: return EXIT_TOONEW;
    case CMDAI_E_SIGNATURE: return EXIT_BADSIG;
    case CMDAI_E_UNKNOWN_KEY:
    case CMDAI_E_NO_TRUST: return EXIT_UNKNOWNKEY;
    case CMDAI_E_EXPIRED: return EXIT_EXPIRED;
    case CMDAI_E_ROLLBACK: return EXIT_ROLLBACK;
    case CMDAI_E_NUL:
    case CMDAI_E_TOO_LONG:
    case CMDAI_E_TOO_DEEP:
    case CMDAI_E_TOO_COMPLEX:
    case CMDAI_E_SYNTAX:
    case CMDAI_E_SEMANTIC:
    case CMDAI_E_BUDGET: return EXIT_DATAERR;
    default: return EXIT_SOFTWARE;
    }
}

#endif
