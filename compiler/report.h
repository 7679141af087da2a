/* report.h — the compliance report (`cmdai-policyc report`, docs/report.md):
 * a framework's controls in scope (report_controls.c), the bundle rules that
 * implement each one (their compliance tags) and the evidence an audit trail
 * holds for them, as one jansson model; report_html.c renders the model as a
 * standalone page.  Library code: returns codes, never prints. */
#ifndef CMDAI_REPORT_H
#define CMDAI_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdai/policy.h"

struct cmdai_bundle;

/* How a control's evidence is read from the trail (docs/report.md):
 * RULES — decisions in which one of its implementing rules fired;
 * TRAIL — every recorded decision (the trail is the control: logging);
 * INTEGRITY — the hash chain of the trail verified. */
enum rpt_kind { RPT_RULES, RPT_TRAIL, RPT_INTEGRITY };

typedef struct rpt_control {
    const char *id, *title;
    enum rpt_kind kind;
    const char *covers; /* what cmdai-policy rules or evidence cover it (docs/compliance/<FW>.md) */
} rpt_control;

typedef struct rpt_framework {
    const char *id, *name;
    const rpt_control *controls;
    size_t ncontrols;
} rpt_framework;

/* SOC2, ISO27001, HIPAA, PCI-DSS (report_controls.c); NULL when unknown. */
const rpt_framework *rpt_framework_find(const char *id);
extern const rpt_framework *const rpt_frameworks[];
extern const size_t rpt_nframeworks;
const char *rpt_kind_name(enum rpt_kind k);

/* The control of fw that compliance tag `tag` ("FW:control") names: the
 * control itself or one of its sub-items ("PCI-DSS:10.2.1" -> 10.2,
 * "HIPAA:164.312(e)(1)" -> itself).  NULL when the tag is of another
 * framework or names a control out of the report's scope. */
const rpt_control *rpt_control_for_tag(const rpt_framework *fw, const char *tag);

typedef struct rpt_opts {
    const rpt_framework *fw;
    const struct cmdai_bundle *b;  /* tables checked (cli_bundle_view) */
    const char *bundle_path;
    const char **logs;             /* audit files, any order (sorted into chain order here) */
    size_t nlogs;
    const uint8_t *pk, *keyid;     /* audit public key: checkpoint signatures checked; NULL: not */
    const char *since, *until;     /* YYYY-MM-DD (UTC, inclusive) or NULL */
    const char *generated;         /* RFC 3339 time the report is stamped with */
    size_t recent;                 /* denials/confirms listed (most recent last) */
} rpt_opts;

/* Build the report model (shape in docs/report.md).  CMDAI_OK with *out
 * (owner: caller, json_decref), or CMDAI_E_IO when an audit file cannot be
 * read (err->source names it) and nothing is built.  A trail that does not
 * verify is not an error here: the model says so ("audit.verified": false)
 * and counts only the records before the first bad line. */
int rpt_build(const rpt_opts *o, json_t **out, cmdai_error *err);

/* The model as one standalone HTML page (inline CSS and SVG, no script, every
 * string escaped).  Owner: caller, free().  NULL when out of memory. */
char *rpt_html(const json_t *model, size_t *len);

#endif
