/* opts.c — per-program option tables (opts.h): which options take a value,
 * which programs spell long options with one dash, which take no options.
 * Shared by the shell normalizer and the compiler.  A program missing here
 * gets the defaults ("-abc" is a cluster, nothing takes the next word).
 *
 * Why an option is *not* listed matters as much as why one is: an option that
 * takes a value in one subcommand but is a switch in another (docker -f: build
 * file vs rm --force; git -s: merge strategy vs commit --signoff) is left out,
 * because wrongly eating the next word hides an operand from the rules, while
 * wrongly leaving it as a positional only adds one. */
#include <string.h>

#include "opts.h"

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})
#define P(name) name, sizeof name - 1 /* prog and its length */

/* note [opts table order]: sorted by strcmp of prog (rt_opts_table's
 * promise, and rt_opts_find's binary search before its index exists);
 * tests/runtime/test_shell.c checks the order. */
static const rt_prog_opts table[] = {
    {P("["), RT_OPT_NO_FLAGS, "", NULL},
    {P("ansible"), 0, "MTaefilmtu",
     L("--args", "--module-name", "--inventory", "--extra-vars", "--forks", "--limit", "--user", "--tags",
       "--become-user", "--private-key", "--timeout")},
    {P("ansible-playbook"), 0, "Tefilmtu",
     L("--inventory", "--extra-vars", "--forks", "--limit", "--user", "--tags", "--skip-tags", "--become-user",
       "--private-key", "--timeout", "--vault-password-file")},
    {P("apt"), 0, "cot", L("--option", "--target-release", "--config-file")},
    {P("apt-get"), 0, "cot", L("--option", "--target-release", "--config-file")},
    {P("awk"), 0, "Ffv", L("--file", "--assign", "--field-separator")},
    {P("aws"), 0, "",
     L("--region", "--profile", "--output", "--query", "--endpoint-url", "--ca-bundle", "--color",
       "--cli-read-timeout", "--cli-connect-timeout", "--bucket", "--key", "--instance-ids", "--stack-name",
       "--function-name", "--role-name", "--user-name", "--policy-arn", "--cluster", "--service",
       "--db-instance-identifier", "--table-name", "--filters", "--secret-id")},
    {P("az"), 0, "gnol",
     L("--resource-group", "--name", "--output", "--location", "--subscription", "--query", "--ids",
       "--public-access", "--account-name", "--container-name", "--vault-name")},
    {P("bash"), 0, "oO", L("--rcfile", "--init-file")},
    {P("chgrp"), 0, "", L("--reference")},
    {P("chmod"), 0, "", L("--reference")},
    {P("chown"), 0, "", L("--reference", "--from")},
    {P("chroot"), 0, "", L("--userspec", "--groups")},
    {P("cp"), 0, "St", L("--target-directory", "--suffix")},
    {P("crontab"), 0, "u", NULL},
    {P("curl"), 0, "ACDEFHKQTUXYbcdemoruwxyz",
     L("--output", "--header", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--data-ascii",
       "--request", "--user", "--user-agent", "--referer", "--cert", "--cookie", "--cookie-jar", "--config",
       "--write-out", "--upload-file", "--proxy", "--range", "--max-time", "--form", "--form-string",
       "--connect-timeout", "--retry", "--url", "--resolve", "--cacert", "--key", "--output-dir", "--json",
       "--oauth2-bearer", "--unix-socket", "--interface", "--dump-header", "--proxy-user", "--quote")},
    {P("cut"), 0, "bcdf", L("--bytes", "--characters", "--delimiter", "--fields", "--output-delimiter")},
    {P("dash"), 0, "oO", NULL},
    {P("date"), 0, "dfrs", L("--date", "--file", "--reference", "--set")},
    {P("dd"), RT_OPT_NO_FLAGS, "", NULL},
    {P("doas"), 0, "Cu", NULL},
    {P("docker"), 0, "Hcempuvw",
     L("--volume", "--env", "--env-file", "--name", "--publish", "--mount", "--workdir", "--user", "--network",
       "--label", "--entrypoint", "--memory", "--cap-add", "--cap-drop", "--security-opt", "--device", "--pid",
       "--ipc", "--restart", "--log-driver", "--tag", "--build-arg", "--target", "--format", "--filter",
       "--hostname", "--add-host", "--tmpfs", "--ulimit", "--gpus", "--runtime", "--userns", "--cgroupns",
       "--volumes-from", "--link", "--dns", "--expose", "--context", "--host", "--config", "--log-level",
       "--file", "--platform", "--cpus", "--cpu-shares", "--uts", "--detach-keys")},
    {P("docker-compose"), 0, "fp", L("--file", "--project-name", "--project-directory", "--env-file", "--profile")},
    {P("du"), 0, "BXdt", L("--block-size", "--exclude", "--exclude-from", "--max-depth", "--threshold")},
    {P("echo"), RT_OPT_NO_FLAGS, "", NULL},
    {P("env"), 0, "CSu", L("--unset", "--chdir", "--split-string")},
    {P("exec"), 0, "a", NULL},
    {P("expr"), RT_OPT_NO_FLAGS, "", NULL},
    {P("find"), RT_OPT_LONG_SINGLE_DASH, "DO",
     L("-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-type", "-xtype",
       "-perm", "-size", "-user", "-group", "-uid", "-gid", "-newer", "-anewer", "-cnewer", "-mtime", "-atime",
       "-ctime", "-mmin", "-amin", "-cmin", "-maxdepth", "-mindepth", "-links", "-inum", "-samefile", "-printf",
       "-fprintf", "-fprint", "-fprint0", "-fls", "-lname", "-ilname", "-used", "-context", "-regextype",
       "-fstype", "-newermt", "-newerat", "-newerct", "-files0-from")},
    {P("fish"), 0, "Cc", L("--command", "--init-command")},
    {P("gawk"), 0, "Ffv", L("--file", "--assign", "--field-separator", "--include", "--load")},
    {P("gcloud"), 0, "",
     L("--project", "--zone", "--region", "--format", "--account", "--configuration", "--filter",
       "--impersonate-service-account", "--verbosity")},
    /* gh: -X/--method and -H/--header are api's, -R/--repo every subcommand's */
    {P("gh"), 0, "HRX", L("--repo", "--method", "--header", "--hostname", "--jq", "--template", "--input")},
    {P("git"), 0, "CFXbcm",
     L("--git-dir", "--work-tree", "--namespace", "--message", "--author", "--branch", "--depth", "--origin",
       "--template", "--separate-git-dir", "--reference", "--file", "--onto", "--exec", "--date",
       "--config-env", "--strategy", "--strategy-option", "--reuse-message", "--reedit-message",
       "--shallow-since", "--shallow-exclude", "--push-option", "--receive-pack", "--upload-pack")},
    {P("go"), RT_OPT_LONG_SINGLE_DASH, "",
     L("-o", "-run", "-tags", "-ldflags", "-gcflags", "-asmflags", "-mod", "-modfile", "-C", "-p", "-exec",
       "-timeout", "-count", "-bench", "-benchtime", "-cpu", "-coverprofile", "-cpuprofile", "-memprofile",
       "-covermode", "-coverpkg", "-overlay", "-pkgdir", "-toolexec", "-parallel", "-skip")},
    {P("grep"), 0, "ABCDdefm",
     L("--regexp", "--file", "--max-count", "--context", "--after-context", "--before-context", "--label",
       "--include", "--exclude", "--exclude-dir", "--exclude-from", "--devices", "--directories", "--binary-files")},
    {P("gsutil"), 0, "hop", NULL},
    {P("head"), 0, "cn", L("--bytes", "--lines")},
    {P("helm"), 0, "fno",
     L("--namespace", "--values", "--set", "--set-string", "--set-file", "--version", "--kube-context",
       "--kubeconfig", "--output", "--repo", "--timeout", "--post-renderer")},
    {P("heroku"), 0, "ar", L("--app", "--remote", "--team")},
    {P("install"), 0, "Sgmot", L("--suffix", "--group", "--mode", "--owner", "--target-directory")},
    {P("ionice"), 0, "Pcnpu", L("--class", "--classdata", "--pid", "--pgid", "--uid")},
    {P("ip6tables"), 0, "ADEIJLNPRXdgijmopst",
     L("--append", "--delete", "--insert", "--replace", "--new-chain", "--policy", "--rename-chain", "--table",
       "--protocol", "--source", "--destination", "--jump", "--goto", "--in-interface", "--out-interface",
       "--match", "--dport", "--sport", "--dports", "--sports", "--to-destination", "--to-source", "--to-ports",
       "--state", "--ctstate", "--comment", "--set-mark", "--log-prefix", "--uid-owner", "--limit",
       "--icmpv6-type")},
    {P("iptables"), 0, "ADEIJLNPRXdgijmopst",
     L("--append", "--delete", "--insert", "--replace", "--new-chain", "--policy", "--rename-chain", "--table",
       "--protocol", "--source", "--destination", "--jump", "--goto", "--in-interface", "--out-interface",
       "--match", "--dport", "--sport", "--dports", "--sports", "--to-destination", "--to-source", "--to-ports",
       "--state", "--ctstate", "--comment", "--set-mark", "--log-prefix", "--uid-owner", "--limit",
       "--icmp-type")},
    {P("java"), RT_OPT_LONG_SINGLE_DASH, "",
     L("-cp", "-classpath", "--class-path", "-jar", "--module-path", "-p", "-m", "--module", "--add-opens",
       "--add-exports", "--add-modules")},
    {P("journalctl"), 0, "DFMSUcgioptu",
     L("--unit", "--user-unit", "--since", "--until", "--vacuum-size", "--vacuum-time", "--vacuum-files",
       "--output", "--priority", "--identifier", "--directory", "--file", "--root", "--grep", "--cursor",
       "--after-cursor", "--field", "--machine")},
    {P("kill"), RT_OPT_LONG_SINGLE_DASH, "", L("-s", "-n", "--signal")},
    {P("ksh"), 0, "oO", NULL},
    {P("kubectl"), 0, "Lcfklnos",
     L("--namespace", "--filename", "--output", "--selector", "--context", "--cluster", "--user", "--kubeconfig",
       "--container", "--field-selector", "--image", "--replicas", "--patch", "--timeout", "--server",
       "--kustomize", "--token", "--as", "--as-group", "--type", "--for", "--grace-period", "--port")},
    {P("ln"), 0, "St", L("--target-directory", "--suffix")},
    {P("ls"), 0, "ITw", L("--ignore", "--hide", "--tabsize", "--width", "--block-size", "--sort", "--format")},
    {P("ltrace"), 0, "ADFaelnopsux", L("--output", "--library")},
    {P("make"), 0, "CIWfo", L("--directory", "--file", "--makefile", "--include-dir", "--old-file", "--what-if")},
    {P("mariadb"), RT_OPT_ATTACHED, "DPSehu",
     L("--user", "--host", "--port", "--database", "--execute", "--socket", "--defaults-file", "--init-command")},
    {P("mawk"), 0, "Ffv", NULL},
    {P("mkdir"), 0, "m", L("--mode", "--context")},
    {P("mktemp"), 0, "p", L("--tmpdir", "--suffix")},
    /* mongo / mongosh: -p (--password) may stand alone and prompt, so it takes nothing */
    {P("mongo"), 0, "fu",
     L("--host", "--port", "--username", "--eval", "--file", "--authenticationDatabase",
       "--authenticationMechanism", "--tlsCAFile", "--tlsCertificateKeyFile", "--apiVersion")},
    {P("mongosh"), 0, "fu",
     L("--host", "--port", "--username", "--eval", "--file", "--authenticationDatabase",
       "--authenticationMechanism", "--tlsCAFile", "--tlsCertificateKeyFile", "--apiVersion")},
    {P("mount"), 0, "LUot", L("--types", "--options", "--label", "--uuid", "--target", "--source")},
    {P("mv"), 0, "St", L("--target-directory", "--suffix")},
    {P("mysql"), RT_OPT_ATTACHED, "DPSehu",
     L("--user", "--host", "--port", "--database", "--execute", "--socket", "--defaults-file", "--init-command")},
    {P("mysqldump"), RT_OPT_ATTACHED, "PShruw",
     L("--user", "--host", "--port", "--socket", "--result-file", "--where", "--defaults-file", "--tables")},
    {P("nc"), 0, "Xceipqswx", NULL},
    {P("ncat"), 0, "ceipsw", L("--exec", "--sh-exec", "--lua-exec", "--source-port", "--wait")},
    {P("netcat"), 0, "Xceipqswx", NULL},
    {P("nice"), 0, "n", L("--adjustment")},
    {P("node"), 0, "epr", L("--eval", "--print", "--require", "--import")},
    {P("openssl"), RT_OPT_LONG_SINGLE_DASH, "",
     L("-in", "-out", "-key", "-passin", "-passout", "-config", "-subj", "-days", "-newkey", "-keyout", "-CA",
       "-CAkey", "-CAfile", "-inkey", "-certfile", "-name", "-engine", "-pass", "-k", "-kfile", "-md", "-cipher",
       "-servername", "-connect", "-cert", "-signkey", "-extfile", "-extensions", "-set_serial", "-nameopt",
       "-sigopt", "-pkeyopt", "-iter", "-digest", "-keyform", "-inform", "-outform")},
    {P("perl"), 0, "EIMem", NULL},
    {P("php"), 0, "cdfr", NULL},
    {P("ping"), 0, "IWcipstw", NULL},
    {P("pip"), 0, "cefirt", L("--requirement", "--constraint", "--editable", "--index-url", "--extra-index-url",
                              "--target", "--find-links", "--prefix", "--root")},
    {P("pip3"), 0, "cefirt", L("--requirement", "--constraint", "--editable", "--index-url", "--extra-index-url",
                               "--target", "--find-links", "--prefix", "--root")},
    {P("podman"), 0, "Hcempuvw",
     L("--volume", "--env", "--env-file", "--name", "--publish", "--mount", "--workdir", "--user", "--network",
       "--label", "--entrypoint", "--memory", "--cap-add", "--cap-drop", "--security-opt", "--device", "--pid",
       "--ipc", "--restart", "--tag", "--build-arg", "--target", "--format", "--filter", "--hostname",
       "--add-host", "--tmpfs", "--ulimit", "--userns", "--volumes-from", "--dns", "--expose", "--file",
       "--platform", "--uts")},
    {P("printf"), RT_OPT_NO_FLAGS, "", NULL},
    {P("psql"), 0, "FPRTUcdfhopv",
     L("--command", "--dbname", "--host", "--username", "--file", "--port", "--set", "--variable", "--output",
       "--pset", "--field-separator", "--record-separator")},
    {P("python"), 0, "WXcm", NULL},
    {P("python3"), 0, "WXcm", NULL},
    {P("redis-cli"), 0, "adhinprsu", L("--user", "--pass", "--cacert", "--cert", "--key", "--sni", "--askpass")},
    {P("rsync"), 0, "BMTef",
     L("--rsh", "--filter", "--exclude", "--include", "--exclude-from", "--include-from", "--files-from",
       "--block-size", "--temp-dir", "--rsync-path", "--log-file", "--password-file", "--backup-dir", "--suffix",
       "--chmod", "--chown", "--timeout", "--port", "--remote-option", "--compare-dest", "--copy-dest",
       "--link-dest", "--partial-dir", "--max-size", "--min-size", "--bwlimit", "--usermap", "--groupmap")},
    {P("ruby"), 0, "CIer", NULL},
    {P("scp"), 0, "DFJPSXcilo", NULL},
    {P("sed"), 0, "efl", L("--expression", "--file", "--line-length")},
    {P("sftp"), 0, "BDFPRSXbcilo", NULL},
    {P("sh"), 0, "oO", NULL},
    {P("shred"), 0, "ns", L("--iterations", "--size", "--random-source")},
    {P("sort"), 0, "STkot",
     L("--key", "--output", "--field-separator", "--buffer-size", "--temporary-directory", "--parallel",
       "--files0-from", "--compress-program")},
    {P("ssh"), 0, "BDEFIJLOQRSWbceilmopw", NULL},
    {P("sshpass"), 0, "Pdfp", NULL},
    {P("stdbuf"), 0, "eio", L("--input", "--output", "--error")},
    {P("strace"), 0, "EIOPSXabeopsu", L("--output", "--attach", "--trace-path", "--string-limit", "--user")},
    {P("su"), 0, "CGcgsw",
     L("--command", "--session-command", "--shell", "--group", "--supp-group", "--whitelist-environment")},
    {P("sudo"), 0, "CDTUghprtu",
     L("--user", "--group", "--chdir", "--chroot", "--close-from", "--host", "--prompt", "--role", "--type",
       "--command-timeout", "--other-user")},
    {P("systemctl"), 0, "HMnopst",
     L("--host", "--machine", "--lines", "--output", "--property", "--signal", "--type", "--state",
       "--kill-whom", "--root", "--job-mode", "--what")},
    {P("tail"), 0, "cns", L("--bytes", "--lines", "--pid", "--sleep-interval", "--max-unchanged-stats")},
    {P("tar"), 0, "CFHIKLNTVXbfg",
     L("--directory", "--file", "--exclude", "--exclude-from", "--files-from", "--transform", "--xform",
       "--use-compress-program", "--to-command", "--owner", "--group", "--mode", "--format", "--label",
       "--newer", "--after-date", "--blocking-factor", "--index-file", "--rsh-command", "--info-script",
       "--new-volume-script", "--volno-file", "--strip-components", "--checkpoint-action", "--listed-incremental")},
    {P("tcpdump"), 0, "Wcirswyz", NULL},
    {P("terraform"), RT_OPT_LONG_SINGLE_DASH, "",
     L("-var", "-var-file", "-target", "-out", "-state", "-state-out", "-backup", "-parallelism", "-replace",
       "-lock-timeout", "-chdir")},
    {P("test"), RT_OPT_NO_FLAGS, "", NULL},
    {P("time"), 0, "fo", L("--format", "--output")},
    {P("timeout"), 0, "ks", L("--signal", "--kill-after")},
    {P("tofu"), RT_OPT_LONG_SINGLE_DASH, "",
     L("-var", "-var-file", "-target", "-out", "-state", "-state-out", "-backup", "-parallelism", "-replace",
       "-lock-timeout", "-chdir")},
    {P("truncate"), 0, "rs", L("--reference", "--size")},
    {P("unzip"), 0, "dx", NULL},
    {P("vi"), 0, "STUWcistuw", NULL},
    {P("vim"), 0, "STUWcistuw", NULL},
    {P("watch"), 0, "n", L("--interval")},
    {P("wget"), 0, "ABDIOPQRTUXaeilotw",
     L("--output-document", "--output-file", "--directory-prefix", "--user-agent", "--header", "--post-data",
       "--post-file", "--tries", "--timeout", "--user", "--password", "--input-file", "--method", "--body-data",
       "--body-file", "--execute", "--append-output", "--level", "--domains", "--accept", "--reject")},
    {P("xargs"), 0, "EILPadns",
     L("--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-chars", "--max-lines",
       "--process-slot-var")},
    {P("zsh"), 0, "oO", NULL},
};

/* Compare a counted key with a table name in strcmp order. */
static int key_cmp(const char *k, size_t klen, const char *name)
{
    size_t nlen = strlen(name);
    int r = memcmp(k, name, klen < nlen ? klen : nlen);
    if (r)
        return r;
    return klen < nlen ? -1 : klen > nlen;
}

/* Program lookup: an open-addressing hash index over table[], built once
 * when the library is loaded (before any thread can call rt_opts_find), so
 * a lookup hashes the name once and usually compares one entry. */
enum { OPTS_SLOTS = 512 }; /* a power of two, over 4 slots an entry */
_Static_assert(sizeof table / sizeof table[0] < OPTS_SLOTS / 4, "opts: grow OPTS_SLOTS");
static unsigned short slot[OPTS_SLOTS]; /* table index + 1; 0: empty */
static int indexed;

static size_t name_hash(const char *s, size_t n) { return rt_name_hash(s, n) & (OPTS_SLOTS - 1); }

__attribute__((constructor)) static void opts_index(void)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        size_t h = name_hash(table[i].prog, table[i].plen);
        while (slot[h])
            h = (h + 1) & (OPTS_SLOTS - 1);
        slot[h] = (unsigned short)(i + 1);
    }
    indexed = 1;
}

const rt_prog_opts *rt_opts_find(const char *prog, size_t len)
{
    if (!prog || len == 0)
        return NULL; /* every name in the table has a byte */
    if (indexed) {
        for (size_t h = name_hash(prog, len); slot[h]; h = (h + 1) & (OPTS_SLOTS - 1)) {
            const rt_prog_opts *e = &table[slot[h] - 1];
            if (e->plen == len && memcmp(e->prog, prog, len) == 0)
                return e;
        }
        return NULL;
    }
    size_t lo = 0, hi = sizeof table / sizeof table[0]; /* before the index exists: binary search */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = key_cmp(prog, len, table[mid].prog);
        if (r == 0)
            return &table[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Short options with an optional, attached-only value, by program (their
 * table entries have RT_OPT_ATTACHED; tests/runtime/test_shell.c checks). */
static const struct {
    const char *prog, *opts;
} attached[] = {{"mariadb", "p"}, {"mysql", "p"}, {"mysqldump", "p"}};

int rt_opts_attached_value(const rt_prog_opts *po, unsigned char o)
{
    if (!po || !o || !(po->flags & RT_OPT_ATTACHED))
        return 0;
    for (size_t i = 0; i < sizeof attached / sizeof attached[0]; i++)
        if (!strcmp(po->prog, attached[i].prog))
            return strchr(attached[i].opts, o) != NULL;
    return 0;
}

const rt_prog_opts *rt_opts_table(size_t *count)
{
    *count = sizeof table / sizeof table[0];
    return table;
}

int rt_opts_takes_value(const rt_prog_opts *po, const char *opt, size_t len)
{
    if (!po || !opt || len < 2 || opt[0] != '-')
        return 0;
    /* A short option is one letter after one dash.  Unless the program also
     * spells long names with one dash, the long list cannot hold it. */
    if (len == 2 && opt[1] != '-') {
        if (po->short_val && opt[1] != '\0' && strchr(po->short_val, opt[1]))
            return 1;
        if (!(po->flags & RT_OPT_LONG_SINGLE_DASH))
            return 0;
    }
    if (po->long_val)
        for (const char *const *l = po->long_val; *l; l++)
            if ((*l)[1] == opt[1] && (*l)[2] == (len > 2 ? opt[2] : '\0') && key_cmp(opt, len, *l) == 0)
                return 1;
    return 0;
}
