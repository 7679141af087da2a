/* audit_cli.h — `cmdai-policy audit verify|export|record` (docs/audit.md,
 * docs/siem.md). */
#ifndef CMDAI_AUDIT_CLI_H
#define CMDAI_AUDIT_CLI_H

int cmd_audit(int argc, char **argv);

#endif
