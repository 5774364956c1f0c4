/* SPDX-License-Identifier: MIT */
/*
 * test-forecast - rates and days left over months of simulated collections.
 *
 * The simulated drive (1 TB, always powered on) is collected every 20 minutes
 * from T0 (a UTC day boundary):
 *   power-on    = 1000 days + (t - T0)
 *   life used   = 10 % + 1 % at T0 + 5 d, 15 d, 25 d, ... (integer percent, like NVMe)
 *   written     = 5.12e12 B + 204.8e6 B per collection (400 NVMe data units)
 *               = 14,745,600,000 B per day (204.8e6 x 72 collections)
 * Every expected value below is worked out by hand from these rules and the
 * method in forecast.h, with the sample times the agent keeps: an hourly
 * sample holds the last collection of its hour (HH:40), a daily one the last
 * of its day (23:40), and the series is the daily samples older than the
 * first hourly one, then the hourly ones (14 days of them).
 */
#include <math.h>

#include "agent/forecast.h"
#include "test/check.h"

#define T0   1699920000LL /* 2023-11-14 00:00:00 UTC */
#define DAY  86400LL
#define HOUR 3600LL
#define MIN  60LL
#define CAP  1000000000000ULL /* 1 TB */
#define W0   5120000000000ULL

static struct sm_history h;

static bool near(double got, double want)
{
        return fabs(got - want) <= 1e-9 * fabs(want) + 1e-15;
}

#define CHECK_NEAR(val, want, ctx)                                                     \
        do {                                                                           \
                const struct sm_fc_value v_ = (val);                                   \
                double w_ = (want);                                                    \
                CHECK(v_.known &&near(v_.v, w_), "%s: got %s%.12g, want %.12g", (ctx), \
                      v_.known ? "" : "(unknown) ", v_.v, w_);                         \
        } while (0)

static int life_pct(int64_t t)
{
        return 10 + (int)((t - T0 + 5 * DAY) / (10 * DAY));
}

/* Collections k = from..to (t = T0 + 1200 k); life and writes stop changing after freeze_k. */
static void run(int64_t from, int64_t to, int64_t freeze_k)
{
        for (int64_t k = from; k <= to; k++) {
                int64_t t = T0 + 1200 * k, kw = k < freeze_k ? k : freeze_k;
                struct sm_hist_sample s = {.t = t};

                sm_hist_set_power_on(&s, (uint64_t)(1000 * DAY + (t - T0)));
                sm_hist_set_life(&s, life_pct(T0 + 1200 * kw) / 100.0);
                sm_hist_set_written(&s, W0 + 204800000ULL * (uint64_t)kw);
                sm_hist_set_temp(&s, 40);
                sm_history_add(&h, &s);
        }
}

static void test_twelve_hours(void)
{
        struct sm_forecast fc;

        sm_history_init(&h, "wwn:sim", "node");
        run(0, 36, 1 << 30); /* T0 .. T0 + 12 h */
        sm_forecast_compute(&h, CAP, &fc);
        /* Hourly samples: hours 0..11 at HH:40, hour 12 at 12:00: 13 samples. */
        CHECK_U64(fc.samples, 13, "samples after 12 h");
        /* Oldest T0 + 40 min, newest T0 + 12 h: span 11 h 20 min. */
        CHECK(near(fc.span_s, 11 * 3600 + 20 * 60), "span %g", fc.span_s);
        CHECK(!fc.written_per_day[SM_FC_RECENT].known, "recent writes need a day");
        CHECK_STR(fc.recent_write_why, "history shorter than one day", "why");
        CHECK(!fc.life_per_day[SM_FC_RECENT].known, "no life change yet");
        CHECK_STR(fc.recent_life_why, "endurance used did not change in the history", "why");
        /* lifetime: 0.10 over 1000.5 power-on days */
        CHECK_NEAR(fc.life_per_day[SM_FC_LIFETIME], 0.10 / 1000.5, "lifetime rate 12 h");
        /* (1 - 0.10) / (0.10 / 1000.5) = 9004.5 */
        CHECK_NEAR(fc.days_left[SM_FC_LIFETIME], 9004.5, "lifetime days left 12 h");
        CHECK(!fc.days_left[SM_FC_RECENT].known, "no recent days left");
        CHECK(sm_fc_best(fc.days_left) == SM_FC_LIFETIME, "best: lifetime");
        /* written: 5.12e12 + 36 x 204.8e6 = 5,127,372,800,000 over 1000.5 days */
        CHECK_NEAR(fc.written_per_day[SM_FC_LIFETIME], 5127372800000.0 / 1000.5, "lifetime w");
}

static void test_ten_days(void)
{
        struct sm_forecast fc;

        run(37, 720, 1 << 30); /* .. T0 + 10 d */
        sm_forecast_compute(&h, CAP, &fc);
        /* One change (11 % at 5 d): no recent endurance rate yet. */
        CHECK(!fc.life_per_day[SM_FC_RECENT].known, "one edge only");
        CHECK_STR(fc.recent_life_why, "endurance used changed only once in the history", "why");
        /* 11 % over 1010 days; days left 0.89 x 1010 / 0.11 = 8171.8181... */
        CHECK_NEAR(fc.days_left[SM_FC_LIFETIME], 0.89 * 1010 / 0.11, "lifetime days left 10 d");
        /* 7-day window from T0 + 3 d: oldest sample 3 d 00:40, span 6 d 23 h 20 min; writes
           are linear, so the rate is exactly 14,745,600,000 B/day. */
        CHECK_NEAR(fc.written_per_day[SM_FC_RECENT], 14745600000.0, "recent writes 10 d");
        CHECK_NEAR(fc.dwpd[SM_FC_RECENT], 0.0147456, "recent DWPD 10 d");
}

static void test_four_months(void)
{
        struct sm_forecast fc;

        run(721, 8640, 1 << 30); /* .. T0 + 120 d */
        sm_forecast_compute(&h, CAP, &fc);
        /* 336 hourly (106 d 01:40 .. 120 d 00:00) + daily days 0..105 = 442 samples. */
        CHECK_U64(fc.samples, 336 + 106, "samples after 120 d");
        /*
         * Life is 22 % now. Edges as kept: 95 d (daily, seen at 95 d 23:40, 20 %),
         * 105 d (daily, 105 d 23:40, 21 %), 115 d (hourly, 115 d 00:40, 22 %); all three
         * within 30 days of 120 d. Rate = 2 % / (115 d 00:40 - 95 d 23:40) = 0.02 / 19 d 1 h
         * = 0.02 / (457/24) d = 0.48 / 457 per day. Cap: 1 % / (120 d - 115 d 00:40 =
         * 4.97 d) = 0.002 > rate, no cap. Days left = 0.78 x 457 / 0.48 = 742.625.
         */
        CHECK_NEAR(fc.life_per_day[SM_FC_RECENT], 0.48 / 457, "recent rate 120 d");
        CHECK_NEAR(fc.days_left[SM_FC_RECENT], 742.625, "recent days left 120 d");
        CHECK(fc.recent_life_why == NULL, "recent known");
        /* Lifetime: 0.22 / 1120 days; days left 0.78 x 1120 / 0.22 = 3970.909... */
        CHECK_NEAR(fc.life_per_day[SM_FC_LIFETIME], 0.22 / 1120, "lifetime rate 120 d");
        CHECK_NEAR(fc.days_left[SM_FC_LIFETIME], 0.78 * 1120 / 0.22, "lifetime days left");
        CHECK(sm_fc_best(fc.days_left) == SM_FC_RECENT, "best: recent");
        /* Writes: recent 14,745,600,000 B/day; lifetime (5.12e12 + 8640 x 204.8e6) / 1120
           = 6,889,472,000,000 / 1120 = 6,151,314,285.714... B/day. */
        CHECK_NEAR(fc.written_per_day[SM_FC_RECENT], 14745600000.0, "recent writes 120 d");
        CHECK_NEAR(fc.written_per_day[SM_FC_LIFETIME], 6889472000000.0 / 1120, "lifetime writes");
        CHECK_NEAR(fc.dwpd[SM_FC_LIFETIME], 6889472000000.0 / 1120 / 1e12, "lifetime DWPD");
}

static void test_idle_month(void)
{
        struct sm_forecast fc;

        /* From 120 d the workload stops: life stays 22 %, writes stay; power-on goes on. */
        run(8641, 8928, 8640); /* .. T0 + 124 d */
        sm_forecast_compute(&h, CAP, &fc);
        /*
         * The 7-day window from 117 d starts at the hourly sample 117 d 00:40 (collection
         * 117 x 72 + 2 = 8426); writes stopped at collection 8640: 214 x 204.8e6 B over
         * 124 d - 117 d 00:40 = 6 d 23 h 20 min = 502/72 d.
         */
        CHECK_NEAR(fc.written_per_day[SM_FC_RECENT], 214 * 204.8e6 * 72 / 502, "writes 124 d");
        run(8929, 10800, 8640); /* .. T0 + 150 d */
        sm_forecast_compute(&h, CAP, &fc);
        /*
         * No edge within 30 days of 150 d; the last two are 105 d 23:40 (21 %) and
         * 115 d 23:40 (22 %, daily now): 0.01 / 10 d = 0.001 per day. Capped: no change
         * for 150 d - 115 d 23:40 = 34 d 00:20 = 2449/72 d, so under 0.01 x 72 / 2449 per
         * day = 0.000294 < 0.001. Days left 0.78 x 2449 / 0.72 = 2653.0833...
         */
        CHECK_NEAR(fc.life_per_day[SM_FC_RECENT], 0.72 / 2449, "capped recent rate");
        CHECK_NEAR(fc.days_left[SM_FC_RECENT], 0.78 * 2449 / 0.72, "capped days left");
        /* No bytes written for 30 days: recent 0 B/day, DWPD 0. */
        CHECK_NEAR(fc.written_per_day[SM_FC_RECENT], 0.0, "recent writes idle");
        CHECK_NEAR(fc.dwpd[SM_FC_RECENT], 0.0, "recent DWPD idle");
        /* Lifetime: 0.22 / 1150; writes 6,889,472,000,000 / 1150. */
        CHECK_NEAR(fc.life_per_day[SM_FC_LIFETIME], 0.22 / 1150, "lifetime rate 150 d");
        CHECK_NEAR(fc.written_per_day[SM_FC_LIFETIME], 6889472000000.0 / 1150, "lifetime w 150");
}

static void add(int64_t t, double life, uint64_t power_on_s)
{
        struct sm_hist_sample s = {.t = t};

        sm_hist_set_life(&s, life);
        if (power_on_s)
                sm_hist_set_power_on(&s, power_on_s);
        sm_history_add(&h, &s);
}

static void test_edges(void)
{
        struct sm_forecast fc;

        /* Empty history. */
        sm_history_init(&h, "wwn:e", "node");
        sm_forecast_compute(&h, CAP, &fc);
        CHECK(fc.samples == 0 && !fc.days_left[0].known && !fc.days_left[1].known, "empty");
        CHECK(sm_fc_best(fc.days_left) == -1, "nothing known");

        /* Past 100 %: days left 0 for each method whose rate is known. */
        sm_history_init(&h, "wwn:e", "node");
        add(T0, 1.03, 500 * DAY);
        add(T0 + 10 * DAY, 1.04, 510 * DAY);
        add(T0 + 20 * DAY, 1.05, 520 * DAY);
        sm_forecast_compute(&h, CAP, &fc);
        CHECK_NEAR(fc.days_left[SM_FC_RECENT], 0.0, "worn out: recent 0 days");
        CHECK_NEAR(fc.days_left[SM_FC_LIFETIME], 0.0, "worn out: lifetime 0 days");
        /* 0.01 / 10 d; no cap (the newest sample is the edge). */
        CHECK_NEAR(fc.life_per_day[SM_FC_RECENT], 0.001, "worn out: rate");
        CHECK(!fc.dwpd[SM_FC_RECENT].known, "no writes reported: no DWPD");

        /* A new drive: 0 % after 30 power-on days. Rate 0, days left omitted. */
        sm_history_init(&h, "wwn:e", "node");
        add(T0, 0, 30 * DAY);
        sm_forecast_compute(&h, CAP, &fc);
        CHECK_NEAR(fc.life_per_day[SM_FC_LIFETIME], 0.0, "new drive: rate 0");
        CHECK(!fc.days_left[SM_FC_LIFETIME].known, "new drive: days left omitted");

        /* Under one power-on day: no lifetime average. */
        sm_history_init(&h, "wwn:e", "node");
        add(T0, 0.01, 3600);
        sm_forecast_compute(&h, CAP, &fc);
        CHECK(!fc.life_per_day[SM_FC_LIFETIME].known, "1 power-on hour: no lifetime rate");

        /* Capacity unknown: no drive writes per day. */
        sm_history_init(&h, "wwn:e", "node");
        {
                struct sm_hist_sample s = {.t = T0};

                sm_hist_set_written(&s, 1000);
                sm_hist_set_power_on(&s, 2 * DAY);
                sm_history_add(&h, &s);
        }
        sm_forecast_compute(&h, 0, &fc);
        CHECK_NEAR(fc.written_per_day[SM_FC_LIFETIME], 500.0, "1000 B / 2 days");
        CHECK(!fc.dwpd[SM_FC_LIFETIME].known, "no capacity: no DWPD");
        CHECK_STR(sm_fc_method_name(SM_FC_RECENT), "recent", "name");
        CHECK_STR(sm_fc_method_name(SM_FC_LIFETIME), "lifetime", "name");
}

int main(void)
{
        test_twelve_hours();
        test_ten_days();
        test_four_months();
        test_idle_month();
        test_edges();
        return check_summary();
}
