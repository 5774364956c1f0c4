/* SPDX-License-Identifier: MIT */
/*
 * etag.h - conditional GET (RFC 9110 13.1.2): does an If-None-Match header
 * value match an entity tag? Weak comparison, as the RFC requires for
 * If-None-Match: W/"x" matches "x"; "*" matches any current representation.
 */
#ifndef SM_ETAG_H
#define SM_ETAG_H

#include <stdbool.h>

/* etag is a complete entity tag with its quotes, e.g. "\"g5\"". */
bool sm_etag_none_match_hit(const char *if_none_match, const char *etag);

#endif
