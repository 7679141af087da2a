/* cpus.c — the CPUs the compiler may use (cpus.h). */
#include "cpus.h"

#include <sched.h>
#include <unistd.h>

int cc_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        return n > 0 ? n : 1;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN); /* no affinity call: the online CPUs */
    return n > 0 ? (int)n : 1;
}
