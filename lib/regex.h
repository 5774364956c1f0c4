/* SPDX-License-Identifier: MIT */
/*
 * regex.h - the device name patterns (--collector.device-include/-exclude):
 * POSIX extended regular expressions, compiled once, with a bound on what
 * compiling them may cost.
 *
 * glibc's regcomp copies the parsed tree for every bounded repeat ({m,n}
 * makes n copies, {m,} m+1) and for every "+" (two copies), and copies of
 * copies multiply: a{1,}{1,}... twenty times took 723 MB, a{64}{64}++++++++
 * 226 MB. The guard parses the pattern the way regcomp does and counts the
 * nodes the copies would make; over SM_REGEX_MAX_NODES (or over
 * SM_REGEX_MAX_LEN characters) the pattern is refused before regcomp sees it.
 */
#ifndef SM_REGEX_H
#define SM_REGEX_H

#include <regex.h>
#include <stddef.h>

#define SM_REGEX_MAX_LEN   128
#define SM_REGEX_MAX_NODES 1000

/*
 * Check the cost, then regcomp (REG_EXTENDED | REG_NOSUB) into *ret. -EINVAL
 * with the reason in why ("too complex ..." or regerror's text) otherwise.
 */
int sm_regex_compile(regex_t *ret, const char *pattern, char *why, size_t whylen);

/* The guard alone: nodes the compiled tree would have, or SIZE_MAX when over the bound. */
size_t sm_regex_cost(const char *pattern);

#endif
