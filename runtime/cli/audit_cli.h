/* audit_cli.h — `cmdai-policy audit verify|export|record` (docs/audit.md,
 * docs/siem.md). */
#ifndef CMDAI_AUDIT_CLI_H
#define CMDAI_AUDIT_CLI_H

#include <jansson.h>

int cmd_audit(int argc, char **argv);

/* One decision record (parsed) as a Splunk HEC event / a Datadog log entry
 * (docs/siem.md).  New reference; the record is borrowed.  Shared with the
 * daemon's shipper (runtime/daemon/ship.c). */
json_t *audit_to_splunk_hec(json_t *rec);
json_t *audit_to_datadog(json_t *rec);
/* The RFC 5424 line of `audit export --format syslog`, without a newline.
 * Owner: caller (free); NULL when out of memory. */
char *audit_to_syslog(json_t *rec);

#endif
