/* verdict_json.h — one verdict as a JSON object (jansson), shared by
 * `cmdai-policy check --json/--batch` and `cmdai-policyc explain --json`. */
#ifndef CMDAI_VERDICT_JSON_H
#define CMDAI_VERDICT_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "cmdai/policy.h"

/* A JSON string from arbitrary bytes: invalid UTF-8 becomes U+FFFD. */
json_t *vj_string(const char *s, size_t len);
json_t *vj_verdict(const cmdai_bundle *b, const cmdai_verdict *v, int rc);
json_t *vj_reasons(unsigned reason);

/* The words after "--" joined with single spaces into one command line, as a
 * shell would have received it.  Owner: caller (free). */
char *vj_join_words(int n, char **w, size_t *len);

/* The bundle when none is given: $CMDAI_POLICY_BUNDLE, then
 * ~/.config/cmdai/policy.cpb if readable, then /etc/cmdai/policy.cpb
 * (DESIGN.md "Configuration and trust").  May point into buf. */
const char *vj_default_bundle(char *buf, size_t cap);

#endif
