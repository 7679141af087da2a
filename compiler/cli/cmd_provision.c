/* cmd_provision.c — `cmdai-policyc provision`: write or update the signed
 * fleet repository (compiler/fleet.c, docs/fleet.md). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "exitcodes.h"
#include "fleet.h"

static void usage_provision(FILE *f)
{
    fprintf(f,
            "usage: cmdai-policyc provision --repo DIR [--keys KEYDIR] [--scope NAME=BUNDLE]...\n"
            "                               [--ROLE-key PREFIX] [--rotate-ROLE PREFIX]\n"
            "                               [--expires T] [--timestamp-expires T] [--root-expires T]\n"
            "\n"
            "Write a new version of the fleet repository DIR (served as static files): the\n"
            "bundles of the given scopes under targets/<scope>/, then targets.json,\n"
            "snapshot.json and timestamp.json, each signed by its role's key.  The first run\n"
            "creates root.json (1.root.json), making missing keys in KEYDIR.\n"
            "\n"
            "  --keys KEYDIR          role keys are KEYDIR/<role>.key and .pub (default: DIR/../keys)\n"
            "  --ROLE-key P[,P...]    key(s) of ROLE (root, targets, snapshot, timestamp): P.key/.pub\n"
            "  --rotate-ROLE P[,P...] new key(s) for ROLE: writes root N+1 signed by the old and the new\n"
            "                         root keys; the old keys are revoked for clients that update\n"
            "  --threshold ROLE=N     signatures clients require for ROLE (default 1; a change writes\n"
            "                         a new root like a rotation)\n"
            "  --scope NAME=BUNDLE    publish BUNDLE (and BUNDLE.minisig) for hosts of scope NAME\n"
            "  --expires T            targets and snapshot expiry (default +30d)\n"
            "  --timestamp-expires T  timestamp expiry (default +1d): clients refuse a frozen repository\n"
            "  --root-expires T       root expiry (default +365d)\n"
            "T: +30d, +12h, +45m, +10s, -1m (in the past), or unix seconds.\n"
            "Exit 0, 64 usage, 66 cannot open, 73 cannot write.\n");
}

static int parse_when(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    if (s[0] == '+' || s[0] == '-') {
        long long v = strtoll(s + 1, &end, 10);
        long long mul = *end == 'd' ? 86400 : *end == 'h' ? 3600 : *end == 'm' ? 60 : *end == 's' ? 1 : 0;
        if (errno || end == s + 1 || !mul || end[1] || v < 0)
            return -1;
        *out = (int64_t)time(NULL) + (s[0] == '-' ? -1 : 1) * v * mul;
        return 0;
    }
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

enum { O_KEYS = 0x300, O_SCOPE, O_EXP, O_TSEXP, O_ROOTEXP, O_THRESH, O_KEY0 = 0x310, O_ROT0 = 0x320 };

int cmd_provision(int argc, char **argv)
{
    static const struct option lo[] = {
        {"repo", required_argument, 0, 'r'},          {"keys", required_argument, 0, O_KEYS},
        {"scope", required_argument, 0, O_SCOPE},     {"expires", required_argument, 0, O_EXP},
        {"timestamp-expires", required_argument, 0, O_TSEXP}, {"root-expires", required_argument, 0, O_ROOTEXP},
        {"threshold", required_argument, 0, O_THRESH},
        {"root-key", required_argument, 0, O_KEY0 + FLEET_ROOT},
        {"targets-key", required_argument, 0, O_KEY0 + FLEET_TARGETS},
        {"snapshot-key", required_argument, 0, O_KEY0 + FLEET_SNAPSHOT},
        {"timestamp-key", required_argument, 0, O_KEY0 + FLEET_TIMESTAMP},
        {"rotate-root", required_argument, 0, O_ROT0 + FLEET_ROOT},
        {"rotate-targets", required_argument, 0, O_ROT0 + FLEET_TARGETS},
        {"rotate-snapshot", required_argument, 0, O_ROT0 + FLEET_SNAPSHOT},
        {"rotate-timestamp", required_argument, 0, O_ROT0 + FLEET_TIMESTAMP},
        {"help", no_argument, 0, 'h'},                {0, 0, 0, 0}};
    fleet_provision_opts o = {0};
    const char *keydir = NULL;
    fleet_scope scopes[64];
    size_t nscopes = 0;
    int64_t now = (int64_t)time(NULL);
    o.expires[FLEET_ROOT] = now + 365 * 86400;
    o.expires[FLEET_TARGETS] = o.expires[FLEET_SNAPSHOT] = now + 30 * 86400;
    o.expires[FLEET_TIMESTAMP] = now + 86400;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:h", lo, NULL)) != -1) {
        int64_t t;
        switch (c) {
        case 'r': o.repo = optarg; break;
        case O_KEYS: keydir = optarg; break;
        case O_SCOPE: {
            char *eq = strchr(optarg, '=');
            if (!eq || nscopes == 64) {
                fprintf(stderr, "%s provision: --scope takes NAME=BUNDLE\n", cli_prog);
                return EXIT_USAGE;
            }
            *eq = '\0';
            if (!fleet_scope_valid(optarg)) {
                fprintf(stderr, "%s provision: invalid scope name '%s' ([a-z0-9][a-z0-9._-]*, at most 64)\n",
                        cli_prog, optarg);
                return EXIT_USAGE;
            }
            scopes[nscopes].scope = optarg;
            scopes[nscopes++].bundle = eq + 1;
            break;
        }
        case O_EXP:
        case O_TSEXP:
        case O_ROOTEXP:
            if (parse_when(optarg, &t)) {
                fprintf(stderr, "%s provision: bad time '%s' (+30d, -1m or unix seconds)\n", cli_prog, optarg);
                return EXIT_USAGE;
            }
            if (c == O_EXP)
                o.expires[FLEET_TARGETS] = o.expires[FLEET_SNAPSHOT] = t;
            else
                o.expires[c == O_TSEXP ? FLEET_TIMESTAMP : FLEET_ROOT] = t;
            break;
        case O_THRESH: {
            char *eq = strchr(optarg, '='), *end = NULL;
            int r = -1;
            for (int q = 0; eq && q < FLEET_NROLES; q++)
                if ((size_t)(eq - optarg) == strlen(fleet_role_names[q]) &&
                    !strncmp(optarg, fleet_role_names[q], (size_t)(eq - optarg)))
                    r = q;
            long n = eq ? strtol(eq + 1, &end, 10) : 0;
            if (r < 0 || n < 1 || n > FLEET_MAX_KEYS || !end || *end) {
                fprintf(stderr, "%s provision: --threshold takes ROLE=N (root, targets, snapshot or timestamp; "
                                "N from 1 to %d)\n", cli_prog, FLEET_MAX_KEYS);
                return EXIT_USAGE;
            }
            o.threshold[r] = (int)n;
            break;
        }
        case 'h': usage_provision(stdout); return 0;
        default:
            if (c >= O_KEY0 && c < O_KEY0 + FLEET_NROLES) {
                o.keys[c - O_KEY0] = optarg;
                break;
            }
            if (c >= O_ROT0 && c < O_ROT0 + FLEET_NROLES) {
                o.rotate[c - O_ROT0] = optarg;
                break;
            }
            usage_provision(stderr);
            return EXIT_USAGE;
        }
    }
    if (!o.repo || optind != argc) {
        fprintf(stderr, "%s provision: needs --repo DIR and no other arguments\n", cli_prog);
        usage_provision(stderr);
        return EXIT_USAGE;
    }
    char kd[PATH_MAX], pref[FLEET_NROLES][PATH_MAX + 16];
    if (!keydir) {
        snprintf(kd, sizeof kd, "%s/../keys", o.repo);
        keydir = kd;
    }
    for (int r = 0; r < FLEET_NROLES; r++) {
        if (o.keys[r])
            continue;
        snprintf(pref[r], sizeof pref[r], "%s/%s", keydir, fleet_role_names[r]);
        o.keys[r] = pref[r];
    }
    if (mkdir(keydir, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "%s: error: cannot create: %s\n", keydir, strerror(errno));
        return EXIT_CANTCREAT;
    }
    o.scopes = scopes;
    o.nscopes = nscopes;
    diag d;
    diag_init(&d);
    char *summary, *warnings;
    int prc = fleet_provision(&o, &summary, &warnings, &d);
    if (warnings)
        fprintf(stderr, "%s", warnings);
    free(warnings);
    if (prc) {
        cli_diag(&d);
        return d.code == CMDAI_E_IO && !strncmp(d.text, "cannot open", 11) ? EXIT_NOINPUT
               : d.code == CMDAI_E_IO                                     ? EXIT_CANTCREAT
                                                                          : cli_exit(&d);
    }
    fputs(summary, stdout);
    free(summary);
    return 0;
}
