/* cpus.h — how many CPUs the compiler may use for its helper threads
 * (compiler/dfa.c note [planned rows], compiler/min.c note [parallel
 * inverse]). */
#ifndef CMDAI_CPUS_H
#define CMDAI_CPUS_H

/* The CPUs this process may run on (its affinity mask: a container's
 * cpuset or `taskset` counts, not the machine's), at least 1.  Helper
 * threads on a single CPU would only take turns with the thread they help,
 * and a waiting helper would take the CPU from it. */
int cc_cpus(void);

#endif
