/* fsync_probe.c — the storage under the audit trail, alone (figures for
 * `make bench-daemon`, not a test): append 714-byte lines (the size of a
 * daemon decision record) to a new file in DIR and fdatasync() after each,
 * for SECONDS; print how many and the fdatasync latency p50/p99/p99.9.
 * A durable decision is answered only after an fdatasync covering its
 * record, so no durable figure of the daemon can beat this one: it is the
 * floor of the durable rows' latency on that file system.
 * usage: fsync_probe DIR SECONDS */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE 714

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fsync_probe DIR SECONDS\n");
        return 64;
    }
    double secs = strtod(argv[2], NULL);
    if (!(secs > 0)) {
        fprintf(stderr, "fsync_probe: SECONDS > 0\n");
        return 64;
    }
    char path[4096];
    if (snprintf(path, sizeof path, "%s/fsync_probe.%ld", argv[1], (long)getpid()) >= (int)sizeof path) {
        fprintf(stderr, "fsync_probe: %s: path too long\n", argv[1]);
        return 64;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "fsync_probe: %s: %s\n", path, strerror(errno));
        return 73;
    }
    char line[LINE];
    memset(line, 'x', sizeof line - 1);
    line[LINE - 1] = '\n';
    size_t n = 0, cap = 4096;
    double *lat = malloc(cap * sizeof *lat);
    int rc = 0;
    double end = now_s() + secs;
    while (lat && now_s() < end) {
        if (write(fd, line, sizeof line) != (ssize_t)sizeof line) {
            fprintf(stderr, "fsync_probe: write: %s\n", strerror(errno));
            rc = 74;
            break;
        }
        double t = now_s();
        if (fdatasync(fd) != 0) {
            fprintf(stderr, "fsync_probe: fdatasync: %s\n", strerror(errno));
            rc = 74;
            break;
        }
        t = now_s() - t;
        if (n == cap) {
            double *p = realloc(lat, 2 * cap * sizeof *lat);
            if (!p)
                break;
            lat = p;
            cap *= 2;
        }
        lat[n++] = t;
    }
    close(fd);
    unlink(path);
    if (!lat) {
        fprintf(stderr, "fsync_probe: out of memory\n");
        return 71;
    }
    if (rc == 0 && n) {
        qsort(lat, n, sizeof *lat, cmpd);
        printf("fdatasync of a %d-byte append: %zu in %.0f s (%.0f/s)  p50 %7.1f us  p99 %7.1f us  p99.9 %7.1f us\n",
               LINE, n, secs, (double)n / secs, lat[n / 2] * 1e6, lat[(size_t)((double)n * 0.99)] * 1e6,
               lat[(size_t)((double)n * 0.999)] * 1e6);
    } else if (rc == 0) {
        fprintf(stderr, "fsync_probe: no fdatasync finished in %.1f s\n", secs);
        rc = 1;
    }
    free(lat);
    return rc;
}
