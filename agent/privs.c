/* SPDX-License-Identifier: MIT */
#include "privs.h"

#include <sys/capability.h>
#include <sys/prctl.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/err.h"

static const cap_value_t wanted[] = {CAP_SYS_RAWIO, CAP_SYS_ADMIN};

static void cap_freep(cap_t *c)
{
        if (*c)
                cap_free(*c);
}

static bool has_cap(cap_t caps, cap_value_t v, cap_flag_t flag)
{
        cap_flag_value_t val = CAP_CLEAR;

        return cap_get_flag(caps, v, flag, &val) == 0 && val == CAP_SET;
}

void sm_privs_current(struct sm_privs_report *ret)
{
        __attribute__((cleanup(cap_freep))) cap_t cur = cap_get_proc();

        ret->rawio = cur && has_cap(cur, CAP_SYS_RAWIO, CAP_EFFECTIVE);
        ret->admin = cur && has_cap(cur, CAP_SYS_ADMIN, CAP_EFFECTIVE);
}

int sm_privs_drop(bool need_smart, struct sm_privs_report *ret, char *err, size_t errlen)
{
        __attribute__((cleanup(cap_freep))) cap_t cur = cap_get_proc();
        __attribute__((cleanup(cap_freep))) cap_t next = cap_init();
        cap_value_t keep[2];
        int n = 0;

        if (!cur || !next)
                return sm_errf(err, errlen, -errno, "cannot read capabilities: %s",
                               strerror(errno));
        for (size_t i = 0; need_smart && i < sizeof(wanted) / sizeof(wanted[0]); i++) {
                if (has_cap(cur, wanted[i], CAP_PERMITTED))
                        keep[n++] = wanted[i];
        }
        /* The bounding set first: dropping from it needs CAP_SETPCAP, which goes next. */
        if (has_cap(cur, CAP_SETPCAP, CAP_EFFECTIVE)) {
                for (cap_value_t v = 0; v <= CAP_LAST_CAP; v++) {
                        bool kept = false;

                        for (int k = 0; k < n; k++)
                                kept |= keep[k] == v;
                        if (!kept && CAP_IS_SUPPORTED(v) && cap_drop_bound(v) < 0 &&
                            errno != EINVAL)
                                return sm_errf(err, errlen, -errno, "cannot drop capability %d: %s",
                                               (int)v, strerror(errno));
                }
        }
        if (n > 0 && (cap_set_flag(next, CAP_PERMITTED, n, keep, CAP_SET) < 0 ||
                      cap_set_flag(next, CAP_EFFECTIVE, n, keep, CAP_SET) < 0))
                return sm_errf(err, errlen, -errno, "cannot build capability set: %s",
                               strerror(errno));
        (void)cap_reset_ambient();
        if (cap_set_proc(next) < 0)
                return sm_errf(err, errlen, -errno, "cannot drop capabilities: %s",
                               strerror(errno));
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return sm_errf(err, errlen, -errno, "cannot set no_new_privs: %s", strerror(errno));
        sm_privs_current(ret);
        return 0;
}
