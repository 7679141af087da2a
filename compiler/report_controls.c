/* report_controls.c — the controls of each framework that command governance
 * can implement or evidence: the report's scope.  docs/compliance/<FW>.md is
 * the prose form of these tables (tests/cli/report.sh keeps the two, and
 * docs/compliance/controls/<FW>.txt, the full id lists lint checks tags
 * against, in agreement).  No id here is a sub-item of another, so a tag maps
 * to at most one control. */
#include <string.h>

#include "report.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const rpt_control soc2[] = {
    {"CC6.1", "Logical access security software, infrastructure and architectures protect information assets",
     RPT_RULES, "rules that deny or confirm destructive and privileged operations on system roots"},
    {"CC6.3", "Access is authorized, modified or removed based on roles, responsibilities and least privilege",
     RPT_RULES, "rules on sudoers, setuid, permission and ownership changes"},
    {"CC6.6", "Logical access security measures protect against threats from sources outside system boundaries",
     RPT_RULES, "rules on reverse shells, remote code piped to a shell, firewall flushes"},
    {"CC6.7", "Transmission, movement and removal of information is restricted to authorized users and processes",
     RPT_RULES, "rules on exfiltration, public sharing and unencrypted transfer"},
    {"CC6.8", "Controls prevent or detect the introduction of unauthorized or malicious software", RPT_RULES,
     "rules on unsigned or piped installs, decoded payloads run by a shell"},
    {"CC7.1", "Detection and monitoring procedures identify configuration changes that introduce vulnerabilities",
     RPT_RULES, "rules on disabling SELinux, firewalls and security services"},
    {"CC7.2", "System components are monitored for anomalies indicative of malicious acts, errors and failures",
     RPT_TRAIL, "the audit trail: every decision, allowed or not, is recorded (rules that stop audit daemons)"},
    {"CC8.1", "Changes to infrastructure, data, software and procedures are authorized, tested, approved and "
              "implemented", RPT_RULES, "rules on force pushes, history rewrites, infrastructure destroy and deploys"},
    {"A1.1", "Current processing capacity and use of system components are maintained, monitored and evaluated",
     RPT_RULES, "rules on fork bombs, power-off and stopping critical services"},
    {"A1.2", "Environmental protections, software, data back-up processes and recovery infrastructure are in place",
     RPT_RULES, "rules on deleting backups, snapshots and volumes"},
};

static const rpt_control iso27001[] = {
    {"A.5.15", "Access control", RPT_RULES, "rules that gate privileged and destructive commands"},
    {"A.5.17", "Authentication information", RPT_RULES, "rules on reading or exposing keys, tokens and passwords"},
    {"A.5.28", "Collection of evidence", RPT_INTEGRITY,
     "the hash-chained, signed audit trail verified by the report (rules that tamper with logs)"},
    {"A.8.2", "Privileged access rights", RPT_RULES, "rules on sudoers, setuid and privilege escalation"},
    {"A.8.3", "Information access restriction", RPT_RULES, "rules on world-writable and public data"},
    {"A.8.7", "Protection against malware", RPT_RULES, "rules on remote code piped to a shell, decoded payloads"},
    {"A.8.9", "Configuration management", RPT_RULES, "rules on security configuration changes"},
    {"A.8.10", "Information deletion", RPT_RULES, "rules on recursive deletes, disk wipes and shredding"},
    {"A.8.12", "Data leakage prevention", RPT_RULES, "rules on exfiltration and public sharing"},
    {"A.8.13", "Information backup", RPT_RULES, "rules on deleting backups and snapshots"},
    {"A.8.15", "Logging", RPT_TRAIL, "the audit trail: every decision is recorded"},
    {"A.8.16", "Monitoring activities", RPT_TRAIL, "decisions per day, denials and confirmations in the trail"},
    {"A.8.18", "Use of privileged utility programs", RPT_RULES, "rules on disk, partition and kernel utilities"},
    {"A.8.19", "Installation of software on operational systems", RPT_RULES, "rules on package installs"},
    {"A.8.20", "Networks security", RPT_RULES, "rules on firewall flushes and reverse shells"},
    {"A.8.24", "Use of cryptography", RPT_RULES, "rules on disabled certificate checks and plaintext protocols"},
    {"A.8.32", "Change management", RPT_RULES, "rules on force pushes, history rewrites and infrastructure destroy"},
};

static const rpt_control hipaa[] = {
    {"164.308(a)(1)(ii)(D)", "Information system activity review", RPT_TRAIL,
     "the audit trail: decisions per day and the denials to review"},
    {"164.308(a)(4)", "Information access management", RPT_RULES, "rules on copying and exporting PHI"},
    {"164.308(a)(5)(ii)(B)", "Protection from malicious software", RPT_RULES,
     "rules on remote code piped to a shell"},
    {"164.308(a)(7)(ii)(A)", "Data backup plan", RPT_RULES, "rules on deleting backups and snapshots"},
    {"164.310(d)(1)", "Device and media controls", RPT_RULES, "rules on removable media and disk wipes"},
    {"164.312(a)(1)", "Access control", RPT_RULES, "rules on public sharing and privileged access"},
    {"164.312(b)", "Audit controls", RPT_TRAIL,
     "the audit trail records activity (rules that stop auditd, journald or rsyslog)"},
    {"164.312(c)(1)", "Integrity", RPT_RULES, "rules on improper alteration or destruction of data"},
    {"164.312(d)", "Person or entity authentication", RPT_RULES, "rules on authentication material"},
    {"164.312(e)(1)", "Transmission security", RPT_RULES, "rules on sending PHI off the host"},
    {"164.312(e)(2)(ii)", "Encryption (transmission)", RPT_RULES,
     "rules on plaintext protocols and disabled certificate checks"},
    {"164.502(b)", "Minimum necessary", RPT_RULES, "rules on copying or viewing PHI outside the application"},
};

static const rpt_control pci[] = {
    {"1.2", "Network security controls are configured and maintained", RPT_RULES, "rules on firewall changes"},
    {"1.3", "Network access to and from the cardholder data environment is restricted", RPT_RULES,
     "rules on reverse shells and tunnels"},
    {"2.2", "System components are configured and managed securely", RPT_RULES,
     "rules on security configuration changes"},
    {"3.4", "Access to displays of full PAN and ability to copy cardholder data are restricted", RPT_RULES,
     "rules on copying cardholder data"},
    {"3.5", "Primary account number is secured wherever it is stored", RPT_RULES,
     "rules on exporting and dumping cardholder data"},
    {"4.2", "PAN is protected with strong cryptography during transmission", RPT_RULES,
     "rules on plaintext transfer and disabled certificate checks"},
    {"5.2", "Malicious software is prevented, or detected and addressed", RPT_RULES,
     "rules on remote code piped to a shell"},
    {"6.3", "Security vulnerabilities are identified and addressed", RPT_RULES, "rules on unsafe installs"},
    {"6.5", "Changes to all system components are managed securely", RPT_RULES,
     "rules on force pushes and production changes"},
    {"7.2", "Access to system components and data is appropriately defined and assigned", RPT_RULES,
     "rules on sudoers, setuid and permissions"},
    {"9.4", "Media with cardholder data is securely stored, accessed, distributed and destroyed", RPT_RULES,
     "rules on media wipes and removable media"},
    {"10.2", "Audit logs are implemented to support the detection of anomalies and suspicious activity",
     RPT_TRAIL, "the audit trail: every decision with who, what, when, where and outcome (10.2.2)"},
    {"10.3", "Audit logs are protected from destruction and unauthorized modifications", RPT_INTEGRITY,
     "the hash chain and signed checkpoints, verified by the report (rules that delete or truncate logs)"},
    {"11.5", "Network intrusions and unexpected file changes are detected and responded to", RPT_RULES,
     "rules on tampering with system files"},
};

static const rpt_framework fw_soc2 = {"SOC2", "SOC 2 (AICPA Trust Services Criteria, 2017)", soc2, N(soc2)};
static const rpt_framework fw_iso = {"ISO27001", "ISO/IEC 27001:2022 Annex A", iso27001, N(iso27001)};
static const rpt_framework fw_hipaa = {"HIPAA", "HIPAA Security and Privacy Rules (45 CFR 164)", hipaa, N(hipaa)};
static const rpt_framework fw_pci = {"PCI-DSS", "PCI DSS v4.0", pci, N(pci)};

const rpt_framework *const rpt_frameworks[] = {&fw_soc2, &fw_iso, &fw_hipaa, &fw_pci};
const size_t rpt_nframeworks = N(rpt_frameworks);

const rpt_framework *rpt_framework_find(const char *id)
{
    for (size_t i = 0; i < rpt_nframeworks; i++)
        if (!strcmp(rpt_frameworks[i]->id, id))
            return rpt_frameworks[i];
    return NULL;
}

const char *rpt_kind_name(enum rpt_kind k)
{
    return k == RPT_TRAIL ? "trail" : k == RPT_INTEGRITY ? "integrity" : "rules";
}

const rpt_control *rpt_control_for_tag(const rpt_framework *fw, const char *tag)
{
    size_t n = strlen(fw->id);
    if (strncmp(tag, fw->id, n) || tag[n] != ':')
        return NULL;
    const char *c = tag + n + 1;
    for (size_t i = 0; i < fw->ncontrols; i++) {
        size_t k = strlen(fw->controls[i].id);
        if (!strncmp(c, fw->controls[i].id, k) && (c[k] == 0 || c[k] == '.' || c[k] == '('))
            return &fw->controls[i];
    }
    return NULL;
}
