/* rollback.c — anti-rollback state: the highest bundle serial accepted per
 * (signing key, bundle name), one small file each in the state directory,
 * replaced atomically.  Runtime stage, after the signature verified (sig.c)
 * and the header was read (bundle.c), which supplies key id, name and serial.
 *
 * note [rollback state]: "<dir>/serial-<KEYIDHEX>-<name>" holds the decimal
 * serial and "\n".  A state file that is present but unreadable or corrupt is
 * an error, never a reset to zero: a reset is exactly the rollback this file
 * exists to prevent.  Failing to *record* a newer serial is not an error (an
 * unprivileged user may check against a root-owned state). */
#include "sig.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define NAME_MAX_KEEP 48   /* sanitized name bytes kept; the path stays short */
#define STATE_MAX 64       /* bytes of a state file: 20 digits and "\n" fit */

/* Map `name` to [a-z0-9-]: letters are lowered, anything else becomes '-'.
 * When that changed or cut the name, a hash of the original is appended so
 * that "a.b" and "a_b" keep separate serials. */
static void sanitize(const char *name, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = strlen(name), o = 0;
    bool changed = len == 0 || len > NAME_MAX_KEEP;
    for (size_t i = 0; i < len && i < NAME_MAX_KEEP; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c >= 'A' && c <= 'Z') {
            c = (unsigned char)(c - 'A' + 'a');
            changed = true;
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            c = '-';
            changed = true;
        }
        out[o++] = (char)c;
    }
    if (changed) {
        uint8_t h[8];
        crypto_generichash(h, sizeof h, (const unsigned char *)name, len, NULL, 0);
        if (o)
            out[o++] = '-';
        for (size_t i = 0; i < sizeof h; i++) {
            out[o++] = hex[h[i] >> 4];
            out[o++] = hex[h[i] & 15];
        }
    }
    out[o] = '\0';
    (void)cap;
}

/* The default directory; 0, or -1 when no home directory can be found. */
static int default_dir(char *out, size_t cap)
{
    const char *env = getenv("CMDAI_POLICY_STATE");
    int n;
    if (env && *env) {
        n = snprintf(out, cap, "%s", env);
    } else if (geteuid() == 0) {
        n = snprintf(out, cap, "/var/lib/cmdai");
    } else if ((env = getenv("XDG_STATE_HOME")) && env[0] == '/') {
        /* XDG: a relative value is invalid and must be ignored. */
        n = snprintf(out, cap, "%s/cmdai", env);
    } else {
        const char *home = getenv("HOME");
        struct passwd pw, *res = NULL;
        char buf[4096];
        if ((!home || home[0] != '/') && getpwuid_r(geteuid(), &pw, buf, sizeof buf, &res) == 0 && res)
            home = res->pw_dir;
        if (!home || home[0] != '/')
            return -1;
        n = snprintf(out, cap, "%s/.local/state/cmdai", home);
    }
    return (n > 0 && (size_t)n < cap) ? 0 : -1;
}

/* mkdir -p with mode 0700 for the components we create. */
static int mkdirs(const char *dir)
{
    char tmp[4096];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof tmp)
        return -1;
    memcpy(tmp, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char c = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        tmp[i] = c;
    }
    struct stat st;
    return (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) ? 0 : -1;
}

/* Read the recorded serial: 1 found, 0 absent, or a cmdai code (< 0 never). */
static int read_state(const char *path, uint64_t *serial, cmdai_error *err)
{
    char buf[STATE_MAX + 1];
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return -rt_sig_error(err, CMDAI_E_IO, path, 0, "cannot read rollback state: %s", strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -rt_sig_error(err, CMDAI_E_FORMAT, path, 0, "rollback state is not a regular file");
    }
    while (n < sizeof buf) {
        ssize_t r = read(fd, buf + n, sizeof buf - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return -rt_sig_error(err, CMDAI_E_IO, path, 0, "cannot read rollback state: %s", strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > STATE_MAX)
        return -rt_sig_error(err, CMDAI_E_FORMAT, path, 0, "corrupt rollback state (too long)");
    size_t digits = n;
    if (digits && buf[digits - 1] == '\n')
        digits--;
    uint64_t v = 0;
    if (digits == 0 || digits > 20)
        return -rt_sig_error(err, CMDAI_E_FORMAT, path, 0, "corrupt rollback state (expected a serial number)");
    for (size_t i = 0; i < digits; i++) {
        unsigned d = (unsigned char)buf[i] - '0';
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return -rt_sig_error(err, CMDAI_E_FORMAT, path, 0, "corrupt rollback state (expected a serial number)");
        v = v * 10 + d;
    }
    *serial = v;
    return 1;
}

/* Replace `path` with "serial\n": temp file in the same directory, fsync,
 * rename, fsync the directory.  0 or -1 (nothing left behind). */
static int write_state(const char *dir, const char *path, uint64_t serial)
{
    char tmp[4200], text[32];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return -1;
    int len = snprintf(text, sizeof text, "%llu\n", (unsigned long long)serial);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -1;
    bool ok = write(fd, text, (size_t)len) == len && fsync(fd) == 0;
    ok = (close(fd) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

int rt_rollback_check(const char *state_dir, const uint8_t keyid[8], const char *name, uint64_t serial,
                      bool update, cmdai_error *err)
{
    char dir[4096], path[4200], keyhex[17];
    char safe[NAME_MAX_KEEP + 1 + 16 + 1];

    if (!keyid)
        return rt_sig_error(err, CMDAI_E_USAGE, NULL, 0, "rt_rollback_check: no key id");
    if (rt_sodium_init() != 0)
        return rt_sig_error(err, CMDAI_E_NOMEM, NULL, 0, "libsodium could not be initialised");
    if (state_dir && *state_dir) {
        int n = snprintf(dir, sizeof dir, "%s", state_dir);
        if (n < 0 || (size_t)n >= sizeof dir)
            return rt_sig_error(err, CMDAI_E_USAGE, state_dir, 0, "state directory name too long");
    } else if (default_dir(dir, sizeof dir) != 0) {
        return rt_sig_error(err, CMDAI_E_IO, NULL, 0,
                            "no directory for the rollback state (set CMDAI_POLICY_STATE)");
    }
    rt_keyid_hex(keyid, keyhex);
    sanitize(name ? name : "", safe, sizeof safe);
    int n = snprintf(path, sizeof path, "%s/serial-%s-%s", dir, keyhex, safe);
    if (n < 0 || (size_t)n >= sizeof path)
        return rt_sig_error(err, CMDAI_E_USAGE, dir, 0, "state directory name too long");

    /* Serialise concurrent updaters (two shells opening a new bundle at once)
     * so that the read-compare-write cannot record a lower serial.  A lock we
     * cannot take (read-only state) only matters to writers. */
    int lockfd = -1;
    if (update && mkdirs(dir) == 0) {
        lockfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (lockfd >= 0)
            while (flock(lockfd, LOCK_EX) != 0 && errno == EINTR) {
            }
    }
    uint64_t recorded = 0;
    int rc = CMDAI_OK;
    int found = read_state(path, &recorded, err);
    if (found < 0) {
        rc = -found;
    } else if (found && serial < recorded) {
        rc = rt_sig_error(err, CMDAI_E_ROLLBACK, path, 0,
                          "serial %llu of \"%s\" is lower than %llu, already accepted from key %s",
                          (unsigned long long)serial, name ? name : "", (unsigned long long)recorded, keyhex);
    } else if (update && (!found || serial > recorded)) {
        (void)write_state(dir, path, serial); /* see note [rollback state] */
    }
    if (lockfd >= 0)
        close(lockfd); /* releases the lock */
    return rc;
}
