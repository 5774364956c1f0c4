/* SPDX-License-Identifier: MIT */
/*
 * sources.c - the per-device reading sources the renderers walk, in order.
 * Add a line here to export a new kind of per-device value from agent/.
 */
#include "collectors/collector.h"
#include "render.h"

static void health_readings(const struct sm_device_state *d, sm_emit_fn emit, void *ctx)
{
        sm_health_readings(&d->health, emit, ctx);
}

static void protocol_readings(const struct sm_device_state *d, sm_emit_fn emit, void *ctx)
{
        const struct sm_collector *col = sm_collector_for(d->id.proto);

        if (col && col->readings)
                col->readings(&d->health, emit, ctx);
}

static const struct sm_source state_source = {
        .name = "state",
        .families = sm_state_families,
        .readings = sm_state_readings,
};

static const struct sm_source health_source = {
        .name = "health",
        .families = sm_health_families,
        .needs_data = true,
        .readings = health_readings,
};

static const struct sm_source protocol_source = {
        .name = "protocol",
        .protocol = true,
        .needs_data = true,
        .readings = protocol_readings,
};

static void risk_readings(const struct sm_device_state *d, sm_emit_fn emit, void *ctx)
{
        sm_risk_readings(&d->risk, emit, ctx);
}

/* History, forecast and verdict (agent/risk.c, docs/health.md). */
static const struct sm_source risk_source = {
        .name = "risk",
        .families = sm_risk_families,
        .needs_data = true,
        .readings = risk_readings,
};

const struct sm_source *const sm_sources[] = {
        &state_source, &health_source, &protocol_source, &risk_source, NULL,
};
