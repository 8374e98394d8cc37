/*
 * Master benchmark against a running dnp3-outstation (tests/bench/master_bench.sh
 * starts it):
 *   dnp3-master-bench rtt PORT [N [CAP]]           integrity poll round trip, blocking API: median, p99
 *                                                  (paced under the request-rate cap; CAP 0: back to back)
 *   dnp3-master-bench scale PORT SESSIONS SECONDS  SESSIONS sessions in one socket loop (one thread),
 *                                                  outstation addresses 10..10+SESSIONS-1 on one port,
 *                                                  each polling back to back: polls/s, memory per session
 * DNP3KIT_BENCH_TLS_CA=FILE in the environment: both over TLS, the outstation's
 * certificate checked against FILE (dnp3-outstation --tls ...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnp3kit/master.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &v) == 1)
            break;
    fclose(f);
    return v;
}

static void bench_tls(dnp3kit_master_config *c)
{
    const char *ca = getenv("DNP3KIT_BENCH_TLS_CA");
    if (ca && *ca) {
        c->tls.enabled = true;
        snprintf(c->tls.ca_file, sizeof c->tls.ca_file, "%s", ca);
    }
}

static int rtt(uint16_t port, int n, long cap)
{
    dnp3kit_master_config c;
    dnp3kit_error_detail d;
    dnp3kit_master_config_default(&c);
    c.port = port;
    bench_tls(&c);
    if (cap >= 0)
        c.max_requests_per_s = (uint32_t)cap; /* 0: back to back, no cap (the reaction bounds stay on) */
    dnp3kit_master *m = dnp3kit_master_new(&c, &d);
    if (!m || dnp3kit_master_connect(m, &d) != DNP3KIT_OK) {
        fprintf(stderr, "connect: %s\n", d.message);
        return 1;
    }
    dnp3kit_master_result r = {0};
    uint64_t *t = calloc((size_t)n, sizeof *t);
    size_t points = 0;
    for (int i = 0; i < 20; i++) /* warm up; clears DEVICE_RESTART / NEED_TIME */
        dnp3kit_master_integrity_poll(m, &r, &d);
    /* Paced to stay under the default request-rate cap (c.max_requests_per_s, the bounds
     * on): the figure is the round trip of one poll, not the cap's pacing. */
    uint64_t gap_us = c.max_requests_per_s ? 1000000u / c.max_requests_per_s + 100 : 0;
    for (int i = 0; i < n; i++) {
        if (gap_us) {
            struct timespec ts = {0, (long)gap_us * 1000};
            nanosleep(&ts, NULL);
        }
        uint64_t a = now_us();
        if (dnp3kit_master_integrity_poll(m, &r, &d) != DNP3KIT_OK) {
            fprintf(stderr, "poll: %s\n", d.message);
            return 1;
        }
        t[i] = now_us() - a;
        points = r.count;
    }
    qsort(t, (size_t)n, sizeof *t, cmp_u64);
    printf("integrity poll round trip (%d polls, %zu points each, blocking API, loopback): median %.1f us, p99 %.1f us, max %.1f us\n",
           n, points, (double)t[n / 2], (double)t[(size_t)n * 99 / 100], (double)t[n - 1]);
    free(t);
    dnp3kit_master_result_free(&r);
    dnp3kit_master_free(m);
    return 0;
}

typedef struct slot {
    dnp3kit_master_session *s;
    uint64_t polls, errors;
} slot;

static void resubmit(slot *sl)
{
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_READ_CLASS;
    rq.classes = 0x0F;
    dnp3kit_master_session_submit(sl->s, &rq, dnp3kit_master_now_ms(), NULL);
}

static void on_done(void *user, uint32_t id, bool internal, int err, const dnp3kit_error_detail *d,
                    dnp3kit_master_result *r)
{
    slot *sl = user;
    (void)id, (void)d, (void)r;
    if (internal)
        return;
    if (err == DNP3KIT_OK)
        sl->polls++;
    else
        sl->errors++;
    resubmit(sl);
}

static uint64_t wall(void *u)
{
    (void)u;
    return dnp3kit_master_wall_ms();
}

static int scale(uint16_t port, int n, double seconds)
{
    long rss0 = rss_kib();
    dnp3kit_master_loop *l = dnp3kit_master_loop_new();
    slot *sl = calloc((size_t)n, sizeof *sl);
    dnp3kit_master_callbacks cb = {on_done, NULL, NULL, NULL, NULL, wall};
    for (int i = 0; i < n; i++) {
        dnp3kit_master_config c;
        dnp3kit_error_detail d;
        dnp3kit_master_config_default(&c);
        c.port = port;
        bench_tls(&c);
        c.outstation_address = (uint16_t)(10 + i);
        c.response_timeout_ms = 10000;
        sl[i].s = dnp3kit_master_session_new(&c, &cb, &sl[i], &d);
        if (!sl[i].s || dnp3kit_master_loop_add(l, sl[i].s, &d) < 0) {
            fprintf(stderr, "session %d: %s\n", i, d.message);
            return 1;
        }
        resubmit(&sl[i]);
    }
    /* warm up: connect everyone and let the first polls through */
    uint64_t end = dnp3kit_master_now_ms() + 2000;
    while (dnp3kit_master_now_ms() < end)
        dnp3kit_master_loop_run_once(l, 50);
    uint64_t p0 = 0, e0 = 0;
    for (int i = 0; i < n; i++)
        p0 += sl[i].polls, e0 += sl[i].errors;
    uint64_t t0 = now_us();
    end = dnp3kit_master_now_ms() + (uint64_t)(seconds * 1000);
    while (dnp3kit_master_now_ms() < end)
        dnp3kit_master_loop_run_once(l, 50);
    double el = (double)(now_us() - t0) / 1e6;
    uint64_t p1 = 0, e1 = 0;
    size_t heap = 0;
    int connected = 0;
    for (int i = 0; i < n; i++) {
        p1 += sl[i].polls, e1 += sl[i].errors;
        heap += dnp3kit_master_session_memory(sl[i].s);
        connected += dnp3kit_master_session_is_connected(sl[i].s);
    }
    long rss1 = rss_kib();
    printf("%d sessions in one thread (%d connected): %.0f integrity polls/s sustained over %.1f s, %llu errors\n", n,
           connected, (double)(p1 - p0) / el, el, (unsigned long long)(e1 - e0));
    printf("memory per session: %.1f KiB of session heap (dnp3kit_master_session_memory), %.1f KiB RSS growth per session\n",
           (double)heap / n / 1024.0, rss0 > 0 && rss1 > 0 ? (double)(rss1 - rss0) / n : -1.0);
    dnp3kit_master_loop_free(l);
    for (int i = 0; i < n; i++)
        dnp3kit_master_session_free(sl[i].s);
    free(sl);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "rtt"))
        return rtt((uint16_t)atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 2000, argc > 4 ? atol(argv[4]) : -1);
    if (argc >= 5 && !strcmp(argv[1], "scale"))
        return scale((uint16_t)atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
    fprintf(stderr, "usage: dnp3-master-bench rtt PORT [N [CAP]] | scale PORT SESSIONS SECONDS\n");
    return 2;
}
