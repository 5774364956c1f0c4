/* SPDX-License-Identifier: MIT */
/*
 * test-trend - the downsampled life used / temperature series (agent/trend.h)
 * from histories built with sm_history_add(). Every expected point below is
 * worked out by hand from the rule in trend.h (written next to each case).
 */
#include "agent/trend.h"
#include "test/check.h"

#define T0   1699920000LL /* 2023-11-14 00:00:00 UTC */
#define HOUR 3600LL
#define DAY  86400LL

static struct sm_history h;
static struct sm_trend tr;

static void add(int64_t t, int life_e4, int temp)
{
        struct sm_hist_sample s = {.t = t};

        if (life_e4 >= 0)
                sm_hist_set_life(&s, life_e4 / 10000.0);
        if (temp > -200)
                sm_hist_set_temp(&s, temp);
        sm_history_add(&h, &s);
}

static void check_point(const struct sm_trend_series *s, unsigned i, int64_t t, int v,
                        const char *ctx)
{
        CHECK(i < s->n, "%s: point %u of %u", ctx, i, s->n);
        if (i >= s->n)
                return;
        CHECK(s->t0 + s->dt[i] == t, "%s: point %u at %lld, want %lld", ctx, i,
              (long long)(s->t0 + s->dt[i]), (long long)t);
        CHECK(s->v[i] == v, "%s: point %u value %d, want %d", ctx, i, s->v[i], v);
}

static void test_empty(void)
{
        sm_history_init(&h, "wwn:a", "node");
        sm_trend_compute(&h, &tr);
        CHECK(tr.life.n == 0 && tr.temp.n == 0, "empty: no series");
        CHECK_STR(sm_trend_missing(&tr, &tr.life), "fewer than 2 samples in the history", "empty");
        add(T0, 1200, 40);
        sm_trend_compute(&h, &tr);
        CHECK(tr.life.n == 0 && tr.temp.n == 0, "1 sample: no series");
        CHECK_U64(tr.ring_samples, 1, "1 sample");
        CHECK_STR(sm_trend_missing(&tr, &tr.temp), "fewer than 2 samples in the history",
                  "1 sample");
}

/* 5 hourly samples at T0 + 30 min + i h: every sample is a point. */
static void test_few(void)
{
        static const int temps[5] = {30, 35, 33, 40, 38};

        sm_history_init(&h, "wwn:b", "node");
        for (int i = 0; i < 5; i++)
                add(T0 + 1800 + i * HOUR, 1200 + 50 * i, temps[i]);
        sm_trend_compute(&h, &tr);
        CHECK(tr.res == SM_TREND_HOURLY, "5 samples: hourly");
        CHECK_STR(sm_trend_res_name(tr.res), "hourly", "name");
        CHECK_U64(tr.life.n, 5, "5 life points");
        CHECK_U64(tr.temp.n, 5, "5 temperature points");
        check_point(&tr.life, 0, T0 + 1800, 1200, "few life");
        check_point(&tr.life, 2, T0 + 1800 + 2 * HOUR, 1300, "few life");
        check_point(&tr.life, 4, T0 + 1800 + 4 * HOUR, 1400, "few life");
        check_point(&tr.temp, 1, T0 + 1800 + HOUR, 35, "few temp");
        check_point(&tr.temp, 3, T0 + 1800 + 3 * HOUR, 40, "few temp");
        CHECK(sm_trend_missing(&tr, &tr.life) == NULL, "few: life drawn");
}

/*
 * 100 hourly samples i = 0..99 at T0 + 30 min + i h, life 1000 + i (1/10000),
 * temperature 30 + i mod 7: 48 groups [floor(100k/48), floor(100(k+1)/48)).
 *   k = 0:  [0, 2)    newest 1:  life 1001; temps 30, 31 -> 31
 *   k = 1:  [2, 4)    newest 3:  life 1003; temps 32, 33 -> 33
 *   k = 23: [47, 50)  newest 49: life 1049; temps 35, 36, 30 -> 36
 *   k = 47: [97, 100) newest 99: life 1099; temps 36, 30, 31 -> 36
 * (4 + 1 days of daily samples: fewer than 15, so hourly.)
 */
static void test_downsampled(void)
{
        sm_history_init(&h, "wwn:c", "node");
        for (int i = 0; i < 100; i++)
                add(T0 + 1800 + i * HOUR, 1000 + i, 30 + i % 7);
        sm_trend_compute(&h, &tr);
        CHECK(tr.res == SM_TREND_HOURLY, "100 hours: hourly");
        CHECK_U64(tr.ring_samples, 100, "100 hourly samples");
        CHECK_U64(tr.life.n, 48, "48 life points");
        CHECK_U64(tr.temp.n, 48, "48 temperature points");
        CHECK_U64(tr.life.samples, 100, "drawn from 100");
        check_point(&tr.life, 0, T0 + 1800 + 1 * HOUR, 1001, "k=0 life");
        check_point(&tr.temp, 0, T0 + 1800 + 1 * HOUR, 31, "k=0 temp");
        check_point(&tr.life, 1, T0 + 1800 + 3 * HOUR, 1003, "k=1 life");
        check_point(&tr.temp, 1, T0 + 1800 + 3 * HOUR, 33, "k=1 temp");
        check_point(&tr.life, 23, T0 + 1800 + 49 * HOUR, 1049, "k=23 life");
        check_point(&tr.temp, 23, T0 + 1800 + 49 * HOUR, 36, "k=23 temp");
        check_point(&tr.life, 47, T0 + 1800 + 99 * HOUR, 1099, "k=47 life");
        check_point(&tr.temp, 47, T0 + 1800 + 99 * HOUR, 36, "k=47 temp");
}

/*
 * Two collections a day, 06:00 (30 C, life 1000 + 10 d) and 18:00 (45 C, life
 * 1005 + 10 d), for `days` days. 14 days: 14 daily samples, so hourly: 28 points
 * alternating 30/45. 15 days: daily, 15 points, each at 18:00 with 45 C (the
 * day's maximum) and the evening life.
 */
static void run_days(int days)
{
        sm_history_init(&h, "wwn:d", "node");
        for (int d = 0; d < days; d++) {
                add(T0 + d * DAY + 6 * HOUR, 1000 + 10 * d, 30);
                add(T0 + d * DAY + 18 * HOUR, 1005 + 10 * d, 45);
        }
        sm_trend_compute(&h, &tr);
}

static void test_resolution(void)
{
        run_days(14);
        CHECK(tr.res == SM_TREND_HOURLY, "14 days: hourly");
        CHECK_U64(tr.temp.n, 28, "14 days: 28 hourly points");
        check_point(&tr.temp, 0, T0 + 6 * HOUR, 30, "14 days temp");
        check_point(&tr.temp, 1, T0 + 18 * HOUR, 45, "14 days temp");
        check_point(&tr.life, 27, T0 + 13 * DAY + 18 * HOUR, 1135, "14 days life");

        run_days(15);
        CHECK(tr.res == SM_TREND_DAILY, "15 days: daily");
        CHECK_STR(sm_trend_res_name(tr.res), "daily", "name");
        CHECK_U64(tr.temp.n, 15, "15 days: 15 daily points");
        CHECK_U64(tr.life.n, 15, "15 days: 15 daily points");
        check_point(&tr.temp, 0, T0 + 18 * HOUR, 45, "daily temp: the day's maximum");
        check_point(&tr.temp, 14, T0 + 14 * DAY + 18 * HOUR, 45, "daily temp");
        check_point(&tr.life, 0, T0 + 18 * HOUR, 1005, "daily life: the day's last");
        check_point(&tr.life, 14, T0 + 14 * DAY + 18 * HOUR, 1145, "daily life");

        /* 60 days daily: 60 > 48 points, groups [floor(60k/48), ...): k = 0 is [0, 1),
         * k = 1 is [1, 2), k = 3 is [3, 5) (newest day 4), k = 47 is [58, 60). */
        run_days(60);
        CHECK(tr.res == SM_TREND_DAILY, "60 days: daily");
        CHECK_U64(tr.life.n, 48, "60 days: 48 points");
        check_point(&tr.life, 0, T0 + 18 * HOUR, 1005, "60 days k=0");
        check_point(&tr.life, 3, T0 + 4 * DAY + 18 * HOUR, 1045, "60 days k=3");
        check_point(&tr.life, 47, T0 + 59 * DAY + 18 * HOUR, 1595, "60 days k=47");
}

/* Values a sample does not hold are skipped; a series needs two samples with it. */
static void test_missing(void)
{
        sm_history_init(&h, "wwn:e", "node");
        add(T0, -1, -300);
        add(T0 + HOUR, 1500, -300);
        add(T0 + 2 * HOUR, -1, -300);
        add(T0 + 3 * HOUR, 1600, -300);
        sm_trend_compute(&h, &tr);
        CHECK_U64(tr.life.n, 2, "life in 2 of 4 samples");
        check_point(&tr.life, 0, T0 + HOUR, 1500, "sparse life");
        check_point(&tr.life, 1, T0 + 3 * HOUR, 1600, "sparse life");
        CHECK_U64(tr.temp.n, 0, "no temperature");
        CHECK_STR(sm_trend_missing(&tr, &tr.temp), "the drive does not report a temperature",
                  "no temperature");

        sm_history_init(&h, "wwn:f", "node");
        add(T0, 1500, 40);
        add(T0 + HOUR, -1, 41);
        sm_trend_compute(&h, &tr);
        CHECK_U64(tr.life.n, 0, "one life sample");
        CHECK_STR(sm_trend_missing(&tr, &tr.life), "fewer than 2 samples with endurance used",
                  "one life sample");

        /* 400 % used (40000/10000) saturates at INT16_MAX 1/10000. */
        sm_history_init(&h, "wwn:g", "node");
        add(T0, 40000, 40);
        add(T0 + HOUR, 40000, 40);
        sm_trend_compute(&h, &tr);
        check_point(&tr.life, 1, T0 + HOUR, 32767, "saturated life");
}

int main(void)
{
        printf("sizeof(struct sm_trend) = %zu bytes per drive\n", sizeof(struct sm_trend));
        test_empty();
        test_few();
        test_downsampled();
        test_resolution();
        test_missing();
        return check_summary();
}
