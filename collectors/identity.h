/* SPDX-License-Identifier: MIT */
/*
 * identity.h - the one place an identity string (model, serial, firmware)
 * enters the agent, whether from udev (ID_*_ENC, decoded), sysfs, or the
 * drive's own IDENTIFY / Identify Controller data.
 *
 * What comes out is trimmed, valid, printable UTF-8: each byte of an ill-formed
 * sequence, and each control character (C0, DEL, C1), becomes U+FFFD (the
 * Unicode "maximal subpart" practice, one per byte here), and a truncation never
 * splits a character. So one drive with garbage in its IDENTIFY strings cannot
 * make /metrics or the JSON invalid. When something was replaced, the original
 * bytes are kept in an escaped, ASCII-only form (printable ASCII as is except
 * '\', every other byte as \xNN, udev's own notation) for the JSON's *_raw field.
 */
#ifndef SM_IDENTITY_H
#define SM_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Clean len bytes of src into dst (n bytes, NUL-terminated); leading and trailing
 * whitespace and NULs are dropped first. raw (rawn bytes) gets the escaped
 * original when anything was replaced, "" otherwise. Returns true when replaced.
 */
bool sm_ident_clean(char *dst, size_t n, char *raw, size_t rawn, const void *src, size_t len);

#endif
