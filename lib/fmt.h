/* SPDX-License-Identifier: MIT */
/*
 * fmt.h - numbers as exact decimal text: 64- and 128-bit integers (NVMe
 * counters are 128 bits, JSON and Prometheus consumers want them exact) and
 * doubles in their shortest round-trip form, spelled the way the Prometheus
 * text format wants (NaN, +Inf, -Inf).
 */
#ifndef SM_FMT_H
#define SM_FMT_H

#include <stddef.h>
#include <stdint.h>

__extension__ typedef unsigned __int128 sm_u128;

/* Room for any value these functions print, NUL included. */
#define SM_FMT_MAX 48

/* v * mult as an exact decimal (v < 2^128, mult < 2^32) into buf (>= 48 bytes). */
void sm_fmt_u128(sm_u128 v, uint32_t mult, char *buf, size_t n);

/* v as a decimal. */
void sm_fmt_u64(uint64_t v, char *buf, size_t n);

/*
 * v for the Prometheus text format: NaN, +Inf, -Inf; integers below 2^53 without
 * exponent or fraction; otherwise the shortest of %.15g..%.17g that reads back as v.
 */
void sm_fmt_double(double v, char *buf, size_t n);

#endif
