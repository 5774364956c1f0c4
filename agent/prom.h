/* SPDX-License-Identifier: MIT */
/*
 * prom.h - Prometheus text exposition format 0.0.4 helpers used by every
 * renderer: one family header, then samples with escaped label values.
 */
#ifndef SM_PROM_H
#define SM_PROM_H

#include <stdint.h>

#include "lib/buf.h"

/* "# HELP name help\n# TYPE name type\n" (type: "gauge", "counter", ...). */
void sm_prom_family(struct sm_buf *b, const char *name, const char *type, const char *help);

/*
 * One sample. Labels come as NULL-terminated key/value pairs after the value:
 *   sm_prom_sample(b, "ssdmon_device_up", 1, "device", "sda", NULL);
 * Values are printed exactly: integers without exponent, NaN/Inf as Prometheus spells them.
 */
void sm_prom_sample(struct sm_buf *b, const char *name, double value, ...)
        __attribute__((sentinel));

/* Same, for a 64-bit counter printed exactly (Prometheus parses it as float64). */
void sm_prom_sample_u64(struct sm_buf *b, const char *name, uint64_t value, ...)
        __attribute__((sentinel));

/* Append a label value escaped for the text format (\\, \" and \n). */
void sm_prom_escape(struct sm_buf *b, const char *value);

#endif
