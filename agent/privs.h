/* SPDX-License-Identifier: MIT */
/*
 * privs.h - least privilege. SMART needs exactly two capabilities:
 * CAP_SYS_RAWIO (ATA PASS-THROUGH over SG_IO) and CAP_SYS_ADMIN (NVMe admin
 * Get Log Page). Everything else is dropped, from the bounding set too, and
 * no_new_privs is set. Capabilities are per thread: call before any thread
 * is created.
 */
#ifndef SM_PRIVS_H
#define SM_PRIVS_H

#include <stdbool.h>
#include <stddef.h>

struct sm_privs_report {
        bool rawio; /* CAP_SYS_RAWIO kept: ATA SMART possible */
        bool admin; /* CAP_SYS_ADMIN kept: NVMe health log possible */
};

/* Keep only what live SMART reads need (nothing when need_smart is false). */
int sm_privs_drop(bool need_smart, struct sm_privs_report *ret, char *err, size_t errlen);

/* Which of the two capabilities the process has now (effective set). */
void sm_privs_current(struct sm_privs_report *ret);

#endif
