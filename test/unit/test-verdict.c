/* SPDX-License-Identifier: MIT */
/*
 * test-verdict - reasons and the overall state from hand-built readings and
 * histories. Each case states the rule of docs/health.md it checks; the
 * boundaries (exactly 90 %, exactly threshold + 10 points, exactly WCTEMP,
 * 30 days back) are tested on both sides.
 */
#include "agent/verdict.h"
#include "test/check.h"

#define T0  1699920000LL
#define DAY 86400LL

static struct sm_history h;
static struct sm_verdict v;

static const struct sm_verdict_input nvme_ok = {
        .smart_healthy = 1,
        .has_critical_warning = true,
        .has_temperature = true,
        .temperature_c = 40,
        .has_temp_warning = true,
        .temp_warning_c = 70,
        .has_spare_threshold = true,
        .spare_threshold = 0.10,
};

static struct sm_hist_sample nvme_sample(int64_t t, double life, double spare, uint32_t media)
{
        struct sm_hist_sample s = {.t = t};

        sm_hist_set_life(&s, life);
        sm_hist_set_spare(&s, spare);
        sm_hist_set_media(&s, media);
        sm_hist_set_power_on(&s, (uint64_t)(t - T0 + 100 * DAY));
        return s;
}

static void one(double life, double spare, uint32_t media)
{
        struct sm_hist_sample s = nvme_sample(T0, life, spare, media);

        sm_history_init(&h, "wwn:v", "node");
        sm_history_add(&h, &s);
}

#define IS(r)    sm_verdict_has(&v, SM_REASON_##r)
#define KNOWN(r) ((v.known >> SM_REASON_##r) & 1u)

static void test_nvme_ok(void)
{
        one(0.05, 1.0, 0);
        sm_verdict_compute(&nvme_ok, &h, NULL, &v);
        CHECK(v.state_known && v.state == SM_HEALTH_OK, "healthy NVMe: ok (%d)", v.state);
        CHECK(v.set == 0, "no reason set: %x", v.set);
        /* Known: smart_failing, critical_warning, temperature, endurance x2, spare x2, media. */
        CHECK(KNOWN(SMART_FAILING) && KNOWN(CRITICAL_WARNING) && KNOWN(TEMPERATURE_OVER_WARNING) &&
                      KNOWN(ENDURANCE_OVER_90) && KNOWN(ENDURANCE_EXHAUSTED) &&
                      KNOWN(SPARE_NEAR_THRESHOLD) && KNOWN(SPARE_BELOW_THRESHOLD) &&
                      KNOWN(MEDIA_ERRORS_GROWING),
              "known reasons %x", v.known);
        /* Not reported by this drive: self-test, reallocations; no forecast given. */
        CHECK(!KNOWN(SELF_TEST_FAILED) && !KNOWN(REALLOCATIONS_GROWING) &&
                      !KNOWN(ENDURANCE_DAYS_LEFT_UNDER_30),
              "unknown reasons %x", v.known);
        CHECK_STR(sm_health_state_name(v.state), "ok", "name");
}

static void test_endurance(void)
{
        one(0.89, 1.0, 0); /* 89 %: under 90 */
        sm_verdict_compute(&nvme_ok, &h, NULL, &v);
        CHECK(!IS(ENDURANCE_OVER_90) && v.state == SM_HEALTH_OK, "89 %%");
        one(0.90, 1.0, 0); /* exactly 90 %: warning */
        sm_verdict_compute(&nvme_ok, &h, NULL, &v);
        CHECK(IS(ENDURANCE_OVER_90) && !IS(ENDURANCE_EXHAUSTED) && v.state == SM_HEALTH_WARNING,
              "90 %%: %x", v.set);
        one(1.00, 1.0, 0); /* 100 %: exhausted, critical */
        sm_verdict_compute(&nvme_ok, &h, NULL, &v);
        CHECK(IS(ENDURANCE_OVER_90) && IS(ENDURANCE_EXHAUSTED) && v.state == SM_HEALTH_CRITICAL,
              "100 %%: %x", v.set);
        CHECK_STR(sm_health_state_name(v.state), "critical", "name");
}

static void test_spare(void)
{
        one(0.1, 0.21, 0); /* 21 % vs 10 % + 10: fine */
        sm_verdict_compute(&nvme_ok, &h, NULL, &v);
        CHECK(!IS(SPARE_NEAR_THRESHOLD) && !IS(SPARE_BELOW_THRESHOLD), "21 %%");
        one(0.1, 0.20, 0); /* exactly threshold + 10 points: near */
        sm_verdict_compute(&nvme_ok, &h, NULL, &v);
        CHECK(IS(SPARE_NEAR_THRESHOLD) && !IS(SPARE_BELOW_THRESHOLD) &&
                      v.state == SM_HEALTH_WARNING,
              "20 %%: %x", v.set);
        one(0.1, 0.10, 0); /* at the threshold: near, not below */
        sm_verdict_compute(&nvme_ok, &h, NULL, &v);
        CHECK(IS(SPARE_NEAR_THRESHOLD) && !IS(SPARE_BELOW_THRESHOLD), "10 %%: %x", v.set);
        one(0.1, 0.09, 0); /* below: critical */
        sm_verdict_compute(&nvme_ok, &h, NULL, &v);
        CHECK(IS(SPARE_BELOW_THRESHOLD) && v.state == SM_HEALTH_CRITICAL, "9 %%: %x", v.set);
        /* No threshold reported: neither reason is known. */
        struct sm_verdict_input in = nvme_ok;
        in.has_spare_threshold = false;
        sm_verdict_compute(&in, &h, NULL, &v);
        CHECK(!KNOWN(SPARE_BELOW_THRESHOLD) && !KNOWN(SPARE_NEAR_THRESHOLD), "no threshold");
}

static void test_temperature(void)
{
        struct sm_verdict_input in = nvme_ok;

        one(0.1, 1.0, 0);
        in.temperature_c = 69; /* under WCTEMP 70 */
        sm_verdict_compute(&in, &h, NULL, &v);
        CHECK(!IS(TEMPERATURE_OVER_WARNING), "69 vs 70");
        in.temperature_c = 70; /* at WCTEMP: the drive's own warning level is reached */
        sm_verdict_compute(&in, &h, NULL, &v);
        CHECK(IS(TEMPERATURE_OVER_WARNING) && v.state == SM_HEALTH_WARNING, "70 vs 70");
        in.has_temp_warning = false; /* no threshold: over 70 C */
        sm_verdict_compute(&in, &h, NULL, &v);
        CHECK(!IS(TEMPERATURE_OVER_WARNING), "70 without threshold");
        in.temperature_c = 71;
        sm_verdict_compute(&in, &h, NULL, &v);
        CHECK(IS(TEMPERATURE_OVER_WARNING), "71 without threshold");
        in.has_temp_warning = true; /* a drive rated warm: 75 C under its WCTEMP 80 */
        in.temp_warning_c = 80;
        in.temperature_c = 75;
        sm_verdict_compute(&in, &h, NULL, &v);
        CHECK(!IS(TEMPERATURE_OVER_WARNING), "75 vs 80");
        in.has_temperature = false;
        sm_verdict_compute(&in, &h, NULL, &v);
        CHECK(!KNOWN(TEMPERATURE_OVER_WARNING), "no temperature: unknown");
}

static void test_drive_says(void)
{
        struct sm_verdict_input in = nvme_ok;

        one(0.1, 1.0, 0);
        in.critical_warning = 0x04; /* reliability degraded */
        sm_verdict_compute(&in, &h, NULL, &v);
        CHECK(IS(CRITICAL_WARNING) && v.state == SM_HEALTH_CRITICAL, "critical warning");
        in.critical_warning = 0;
        in.smart_healthy = 0;
        sm_verdict_compute(&in, &h, NULL, &v);
        CHECK(IS(SMART_FAILING) && v.state == SM_HEALTH_CRITICAL, "smart failing");
        in.smart_healthy = -1;
        sm_verdict_compute(&in, &h, NULL, &v);
        CHECK(!KNOWN(SMART_FAILING) && v.state == SM_HEALTH_OK, "smart unknown");
        in.has_self_test = true;
        in.self_test_failed = false;
        sm_verdict_compute(&in, &h, NULL, &v);
        CHECK(KNOWN(SELF_TEST_FAILED) && !IS(SELF_TEST_FAILED), "self-test passed");
        in.self_test_failed = true;
        sm_verdict_compute(&in, &h, NULL, &v);
        CHECK(IS(SELF_TEST_FAILED) && v.state == SM_HEALTH_CRITICAL, "self-test failed");
}

static void test_growth(void)
{
        struct sm_hist_sample s;

        /* 3 media errors 40 days ago, none since: not growing (outside 30 days). */
        sm_history_init(&h, "wwn:v", "node");
        s = nvme_sample(T0, 0.1, 1.0, 0);
        sm_history_add(&h, &s);
        s = nvme_sample(T0 + 1 * DAY, 0.1, 1.0, 3);
        sm_history_add(&h, &s);
        s = nvme_sample(T0 + 41 * DAY, 0.1, 1.0, 3);
        sm_history_add(&h, &s);
        sm_verdict_compute(&nvme_ok, &h, NULL, &v);
        CHECK(KNOWN(MEDIA_ERRORS_GROWING) && !IS(MEDIA_ERRORS_GROWING), "old errors: %x", v.set);
        /* One more error exactly 30 days after the 3 at 41 d: the window [41 d, 71 d] is
           inclusive, 4 now vs 3: growing, warning. */
        s = nvme_sample(T0 + 71 * DAY, 0.1, 1.0, 4);
        sm_history_add(&h, &s);
        sm_verdict_compute(&nvme_ok, &h, NULL, &v);
        CHECK(IS(MEDIA_ERRORS_GROWING) && v.state == SM_HEALTH_WARNING, "new error: %x", v.set);
        /* An hour later the window [41 d 1 h, 71 d 1 h] holds only 4s: not growing. */
        s = nvme_sample(T0 + 71 * DAY + 3600, 0.1, 1.0, 4);
        sm_history_add(&h, &s);
        sm_verdict_compute(&nvme_ok, &h, NULL, &v);
        CHECK(!IS(MEDIA_ERRORS_GROWING), "30 days and an hour later: %x", v.set);

        /* An error in the first hour of monitoring: 0 at 10:00, 1 at 10:20 of the same hour.
           The 10:00 sample is kept (counters changed within the hour), so it is growth. */
        sm_history_init(&h, "wwn:v", "node");
        s = nvme_sample(T0 + 10 * 3600, 0.1, 1.0, 0);
        sm_history_add(&h, &s);
        s = nvme_sample(T0 + 10 * 3600 + 1200, 0.1, 1.0, 1);
        CHECK(sm_history_add(&h, &s) == SM_HIST_ADD_NEW_HOUR, "a change splits the hour");
        sm_verdict_compute(&nvme_ok, &h, NULL, &v);
        CHECK(IS(MEDIA_ERRORS_GROWING), "error in the first hour: %x", v.set);
        /* 10:40 with 2 errors: merged into the second sample (at most two per hour). */
        s = nvme_sample(T0 + 10 * 3600 + 2400, 0.1, 1.0, 2);
        CHECK(sm_history_add(&h, &s) == SM_HIST_ADD_MERGED, "no third sample in the hour");
        CHECK_U64(h.n_hourly, 2, "two samples in the hour");
        CHECK_U64(h.n_daily, 2, "two samples in the day");
        CHECK_U64(h.hourly[0].media_errors, 0, "the value before the change is kept");
        CHECK_U64(h.hourly[1].media_errors, 2, "the newest value");

        /* The first sample ever, with errors: nothing to compare, not growing. */
        one(0.1, 1.0, 7);
        sm_verdict_compute(&nvme_ok, &h, NULL, &v);
        CHECK(!IS(MEDIA_ERRORS_GROWING), "first sample with errors");

        /* ATA: reallocated 8 -> 8, pending 0 -> 2 within a day: reallocations growing. */
        struct sm_verdict_input ata = {.smart_healthy = 1};
        sm_history_init(&h, "ms:ata:1", "node");
        s = (struct sm_hist_sample){.t = T0};
        sm_hist_set_realloc(&s, 8);
        sm_hist_set_pending(&s, 0);
        sm_history_add(&h, &s);
        s.t += DAY;
        sm_hist_set_pending(&s, 2);
        sm_history_add(&h, &s);
        sm_verdict_compute(&ata, &h, NULL, &v);
        CHECK(IS(REALLOCATIONS_GROWING) && v.state == SM_HEALTH_WARNING, "pending grew");
        CHECK(!KNOWN(CRITICAL_WARNING) && !KNOWN(MEDIA_ERRORS_GROWING) && !KNOWN(ENDURANCE_OVER_90),
              "ATA without those values: unknown %x", v.known);
        /* Pending 2 -> 0 and reallocated 8 -> 10 (remapped): still growing. */
        s.t += DAY;
        sm_hist_set_pending(&s, 0);
        sm_hist_set_realloc(&s, 10);
        sm_history_add(&h, &s);
        sm_verdict_compute(&ata, &h, NULL, &v);
        CHECK(IS(REALLOCATIONS_GROWING), "remapped");
        /* Pending 0 -> 0 and realloc 10 -> 10 for 31 more days: no longer growing. */
        s.t += 31 * DAY;
        sm_history_add(&h, &s);
        sm_verdict_compute(&ata, &h, NULL, &v);
        CHECK(!IS(REALLOCATIONS_GROWING) && v.state == SM_HEALTH_OK, "stable again");
}

static void test_forecast_reason(void)
{
        struct sm_forecast fc = {0};

        one(0.5, 1.0, 0);
        /* lifetime rate known, 29 days left: running out. */
        fc.life_per_day[SM_FC_LIFETIME] = (struct sm_fc_value){true, 0.5 / 29};
        fc.days_left[SM_FC_LIFETIME] = (struct sm_fc_value){true, 29};
        sm_verdict_compute(&nvme_ok, &h, &fc, &v);
        CHECK(IS(ENDURANCE_DAYS_LEFT_UNDER_30) && v.state == SM_HEALTH_WARNING, "29 days");
        /* The recent rate is known and says 400 days: recent wins, not running out. */
        fc.life_per_day[SM_FC_RECENT] = (struct sm_fc_value){true, 0.5 / 400};
        fc.days_left[SM_FC_RECENT] = (struct sm_fc_value){true, 400};
        sm_verdict_compute(&nvme_ok, &h, &fc, &v);
        CHECK(KNOWN(ENDURANCE_DAYS_LEFT_UNDER_30) && !IS(ENDURANCE_DAYS_LEFT_UNDER_30), "400 d");
        /* Recent rate zero (idle; days left omitted): not running out, lifetime ignored. */
        fc.life_per_day[SM_FC_RECENT] = (struct sm_fc_value){true, 0};
        fc.days_left[SM_FC_RECENT] = (struct sm_fc_value){false, 0};
        sm_verdict_compute(&nvme_ok, &h, &fc, &v);
        CHECK(!IS(ENDURANCE_DAYS_LEFT_UNDER_30), "idle drive");
        /* Exactly 30 days: not under 30. */
        fc.life_per_day[SM_FC_RECENT] = (struct sm_fc_value){true, 0.5 / 30};
        fc.days_left[SM_FC_RECENT] = (struct sm_fc_value){true, 30};
        sm_verdict_compute(&nvme_ok, &h, &fc, &v);
        CHECK(!IS(ENDURANCE_DAYS_LEFT_UNDER_30), "30 days");
}

static void test_nothing(void)
{
        struct sm_verdict_input in = {.smart_healthy = -1};

        sm_verdict_compute(&in, NULL, NULL, &v);
        CHECK(!v.state_known && v.known == 0, "nothing known: no state");
        /* Every reason has a name and a severity. */
        for (unsigned r = 0; r < SM_REASON_COUNT; r++)
                CHECK(sm_reasons[r].name && sm_reasons[r].summary &&
                              sm_reasons[r].severity > SM_HEALTH_OK,
                      "reason %u", r);
}

int main(void)
{
        test_nvme_ok();
        test_endurance();
        test_spare();
        test_temperature();
        test_drive_says();
        test_growth();
        test_forecast_reason();
        test_nothing();
        return check_summary();
}
