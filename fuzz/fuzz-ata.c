/* SPDX-License-Identifier: MIT */
/*
 * fuzz-ata.c - the ATA collector on an arbitrary libatasmart blob. The
 * collector only reads blobs from files (there is no decode-from-bytes entry
 * point), so the input goes into a memfd that is read back through
 * /proc/self/fd/N with the collector's real read() in replay mode; a
 * successful read is then rendered through a real snapshot. Slow (libatasmart
 * compiles its quirk regexes on every open), but it covers the record-chain
 * walk, IDENTIFY strings and the attribute table with real library parsing.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/snapshot.h"
#include "collectors/collector.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct sm_device_state d;
        const struct sm_collector *c = sm_collector_for(SM_PROTO_ATA);
        struct sm_agent_stats stats = {.collections_total = 1};
        struct sm_read_opts opts = {.timeout_ms = 1000};
        char err[192];
        int fd, r;

        if (!c)
                return 0;
        fd = memfd_create("ata-blob", MFD_CLOEXEC);
        if (fd < 0)
                return 0;
        if (size && write(fd, data, size) != (ssize_t)size) {
                close(fd);
                return 0;
        }
        memset(&d, 0, sizeof(d));
        sm_strlcpy(d.id.name, "sda", sizeof(d.id.name));
        sm_strlcpy(d.id.bus, "replay", sizeof(d.id.bus));
        snprintf(d.id.devnode, sizeof(d.id.devnode), "/proc/self/fd/%d", fd);
        d.id.replay = true;
        d.id.proto = SM_PROTO_ATA;
        sm_health_init(&d.health);
        memset(err, 'x', sizeof(err));
        r = c->read(&d.id, &opts, &d.health, err, sizeof(err));
        close(fd);
        if (r < 0) {
                if (!memchr(err, '\0', sizeof(err)))
                        abort();
                return 0;
        }
        if (d.health.ata.n_attrs > SM_ATA_MAX_ATTRS)
                abort();
        d.status = SM_READ_OK;
        d.have_data = true;
        {
                struct sm_snapshot *s = sm_snapshot_build(1, true, &stats, &d, 1);

                sm_snapshot_unref(s);
        }
        return 0;
}
