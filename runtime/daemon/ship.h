/* ship.h — cmdai-policyd's shipper: a thread that posts durable decision
 * records to a Splunk HEC or Datadog HTTP endpoint (docs/daemon.md
 * "Shipping").  The audit trail itself is the on-disk queue; a cursor file
 * remembers the last seq the endpoint acknowledged. */
#ifndef CMDAI_SHIP_H
#define CMDAI_SHIP_H

#include <jansson.h>
#include <stdint.h>

#include "audit.h"

typedef struct ship ship;

/* Start shipping records of the trail at log_path (written by `audit`) to
 * url in `format` ("splunk-hec" or "datadog"); token (may be NULL) goes into
 * the Authorization / DD-API-KEY header.  NULL with errbuf filled on failure. */
ship *ship_start(const char *url, const char *format, const char *token, const char *log_path, rt_audit *audit,
                 char *errbuf, size_t errcap);

/* Wake the thread (new durable records). */
void ship_poke(ship *s);

/* Shipping figures into a status object. */
json_t *ship_status(ship *s);

/* Stop after one last attempt to send what is durable; NULL is a no-op. */
void ship_stop(ship *s);

#endif
