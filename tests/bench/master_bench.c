/*
 * Master benchmark against a running dnp3-outstation (tests/bench/master_bench.sh
 * starts it):
 *   dnp3-master-bench rtt PORT [N [CAP]]           integrity poll round trip, blocking API: median, p99
 *                                                  (paced under the request-rate cap; CAP 0: back to back)
 *   dnp3-master-bench scale PORT SESSIONS SECONDS  SESSIONS sessions in one socket loop (one thread),
 *                                                  outstation addresses 10..10+SESSIONS-1 on one port,
 *                                                  each polling back to back: polls/s, memory per session
 *   dnp3-master-bench multidrop DEV[:BAUD] ADDRS SECONDS [TIMEOUT_MS]
 *                                                  one session per address of ADDRS ("20,21,22" or "10-41")
 *                                                  on one serial line in one socket loop (multi-drop), each
 *                                                  polling back to back: polls and errors per address, how
 *                                                  often two requests were out at once (must be 0), polls/s
 *                                                  against the line-rate limit from the octets on the wire
 *   dnp3-master-bench dialin PORT SESSIONS SECONDS  SESSIONS sessions (addresses 10..) in one socket loop
 *                                                  listening on 127.0.0.1:PORT for outstations that dial
 *                                                  in (dnp3-outstation --connect --count): prints
 *                                                  "listening", then how long until all dialled in, then
 *                                                  polls/s like scale (DNP3KIT_BENCH_TLS_CERT/_KEY: the
 *                                                  master listens with TLS, that certificate and key;
 *                                                  DNP3KIT_BENCH_LISTEN_PEER: listen_peer of each session)
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

/* The next class 0-3 poll of a session: what every benchmark loop keeps queued. */
static void submit_class_poll(dnp3kit_master_session *s)
{
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_READ_CLASS;
    rq.classes = 0x0F;
    dnp3kit_master_session_submit(s, &rq, dnp3kit_master_now_ms(), NULL);
}

static void resubmit(slot *sl)
{
    submit_class_poll(sl->s);
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
    /* connect everyone (TLS: the handshakes), timed; then let the first polls through */
    uint64_t c0 = now_us(), call = 0, give_up = dnp3kit_master_now_ms() + 60000;
    while (!call && dnp3kit_master_now_ms() < give_up) {
        dnp3kit_master_loop_run_once(l, 20);
        int k = 0;
        for (int i = 0; i < n; i++)
            k += dnp3kit_master_session_is_connected(sl[i].s);
        if (k == n)
            call = now_us();
    }
    if (call)
        printf("%d sessions connected%s in %.1f ms (%.1f ms a session)\n", n, getenv("DNP3KIT_BENCH_TLS_CA") ? " over TLS" : "",
               (double)(call - c0) / 1000.0, (double)(call - c0) / 1000.0 / n);
    else
        printf("not all %d sessions connected within 60 s\n", n);
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

/* ---- multidrop ---- */

#define MD_MAX 256
typedef struct md_slot {
    dnp3kit_master_session *s;
    uint16_t addr;
    uint64_t polls, errors, timeouts;
    bool out; /* a request of ours is out (sent, its task not done) */
} md_slot;
static md_slot md[MD_MAX];
static int md_n;
static uint64_t md_overlaps, md_octets;

static uint64_t frame_octets(const dnp3kit_link_frame *f)
{
    return 10u + f->user_len + 2u * ((f->user_len + 15u) / 16u);
}

static void md_frame(void *user, bool tx, const dnp3kit_link_frame *f)
{
    md_slot *sl = user;
    md_octets += frame_octets(f);
    if (!tx || !f->prm || f->user_len < 3 || f->user[2] == 0 /* CONFIRM */)
        return;
    for (int i = 0; i < md_n; i++)
        if (&md[i] != sl && md[i].out)
            md_overlaps++;
    sl->out = true;
}

static void md_resubmit(md_slot *sl)
{
    submit_class_poll(sl->s);
}

static void md_done(void *user, uint32_t id, bool internal, int err, const dnp3kit_error_detail *d,
                    dnp3kit_master_result *r)
{
    md_slot *sl = user;
    (void)id, (void)d, (void)r;
    sl->out = false;
    if (internal)
        return;
    if (err == DNP3KIT_OK)
        sl->polls++;
    else
        sl->errors++;
    if (err == DNP3KIT_ERR_TIMEOUT)
        sl->timeouts++;
    md_resubmit(sl);
}

static int parse_addrs(const char *s)
{
    while (*s && md_n < MD_MAX) {
        char *e;
        long a = strtol(s, &e, 10), b = a;
        if (e == s || a < 0 || a > 65519)
            return -1;
        if (*e == '-') {
            s = e + 1;
            b = strtol(s, &e, 10);
            if (e == s || b < a || b > 65519)
                return -1;
        }
        for (long k = a; k <= b && md_n < MD_MAX; k++)
            md[md_n++].addr = (uint16_t)k;
        if (*e == ',')
            e++;
        else if (*e)
            return -1;
        s = e;
    }
    return md_n > 0 ? 0 : -1;
}

/* The loop and the first n sessions (the loop does not own them). */
static void md_free(dnp3kit_master_loop *l, int n)
{
    dnp3kit_master_loop_free(l);
    for (int i = 0; i < n; i++) {
        dnp3kit_master_session_free(md[i].s);
        md[i].s = NULL;
    }
}

static int multidrop(const char *dev, const char *addrs, double seconds, uint32_t timeout_ms)
{
    if (parse_addrs(addrs) < 0) {
        fprintf(stderr, "multidrop: addresses '%s': N, N-M, joined by commas\n", addrs);
        return 2;
    }
    dnp3kit_master_loop *l = dnp3kit_master_loop_new();
    dnp3kit_master_callbacks cb = {md_done, NULL, md_frame, NULL, NULL, wall};
    uint32_t baud = 9600;
    for (int i = 0; i < md_n; i++) {
        dnp3kit_master_config c;
        dnp3kit_error_detail d;
        dnp3kit_master_config_default(&c);
        c.transport = DNP3KIT_TRANSPORT_SERIAL;
        char w[200];
        if (dnp3kit_serial_parse(dev, &c.serial, w, sizeof w) < 0) {
            fprintf(stderr, "multidrop: %s\n", w);
            md_free(l, i);
            return 2;
        }
        baud = c.serial.baud;
        c.outstation_address = md[i].addr;
        c.response_timeout_ms = timeout_ms;
        c.retries = 0;
        c.retry_delay_ms = 0;
        c.iin_reactions = false;
        c.max_requests_per_s = 0;
        md[i].s = dnp3kit_master_session_new(&c, &cb, &md[i], &d);
        if (!md[i].s || dnp3kit_master_loop_add(l, md[i].s, &d) < 0) {
            fprintf(stderr, "outstation %u: %s\n", md[i].addr, d.message);
            md_free(l, i + 1); /* the session the loop refused too */
            return 1;
        }
        md_resubmit(&md[i]);
    }
    uint64_t t0 = now_us();
    uint64_t end = dnp3kit_master_now_ms() + (uint64_t)(seconds * 1000);
    while (dnp3kit_master_now_ms() < end)
        dnp3kit_master_loop_run_once(l, 50);
    double el = (double)(now_us() - t0) / 1e6;
    uint64_t polls = 0, errors = 0;
    for (int i = 0; i < md_n; i++) {
        printf("outstation %u: %llu polls, %llu errors (%llu timeouts)\n", md[i].addr, (unsigned long long)md[i].polls,
               (unsigned long long)md[i].errors, (unsigned long long)md[i].timeouts);
        polls += md[i].polls, errors += md[i].errors;
    }
    /* 10 bits an octet at 8N1 (start, 8 data, stop); the octets of every frame, both ways */
    double per_poll = polls ? (double)md_octets / (double)polls : 0;
    double limit = per_poll > 0 ? (double)baud / 10.0 / per_poll : 0;
    printf("%d outstations on one line at %u baud: %.1f polls/s over %.1f s (%llu polls, %llu errors), "
           "%.0f octets on the wire per poll: line-rate limit %.1f polls/s (%.0f%% of it)\n",
           md_n, baud, (double)polls / el, el, (unsigned long long)polls, (unsigned long long)errors, per_poll, limit,
           limit > 0 ? 100.0 * ((double)polls / el) / limit : 0.0);
    printf("overlaps %llu (requests sent while another outstation's was out)\n", (unsigned long long)md_overlaps);
    md_free(l, md_n);
    return 0;
}

static void bench_log(void *user, int handle, const char *msg)
{
    (void)user;
    fprintf(stderr, "[%d] %s\n", handle, msg);
}

static int dialin(uint16_t port, int n, double seconds)
{
    dnp3kit_master_loop *l = dnp3kit_master_loop_new();
    slot *sl = calloc((size_t)n, sizeof *sl);
    dnp3kit_master_callbacks cb = {on_done, NULL, NULL, NULL, NULL, wall};
    for (int i = 0; i < n; i++) {
        dnp3kit_master_config c;
        dnp3kit_error_detail d;
        dnp3kit_master_config_default(&c);
        c.transport = DNP3KIT_TRANSPORT_TCP_LISTEN;
        c.port = port;
        c.outstation_address = (uint16_t)(10 + i);
        c.response_timeout_ms = 10000;
        c.connect_timeout_ms = 60000;
        c.iin_reactions = false;
        const char *peer = getenv("DNP3KIT_BENCH_LISTEN_PEER");
        if (peer)
            snprintf(c.listen_peer, sizeof c.listen_peer, "%s", peer);
        const char *cert = getenv("DNP3KIT_BENCH_TLS_CERT"), *key = getenv("DNP3KIT_BENCH_TLS_KEY");
        if (cert && *cert) { /* the master is the TLS server: its certificate and key */
            c.tls.enabled = true;
            snprintf(c.tls.cert_file, sizeof c.tls.cert_file, "%s", cert);
            snprintf(c.tls.key_file, sizeof c.tls.key_file, "%s", key && *key ? key : cert);
        }
        sl[i].s = dnp3kit_master_session_new(&c, &cb, &sl[i], &d);
        if (!sl[i].s || dnp3kit_master_loop_add(l, sl[i].s, &d) < 0) {
            fprintf(stderr, "session %d: %s\n", i, d.message);
            return 1;
        }
    }
    if (getenv("DNP3KIT_BENCH_LOG"))
        dnp3kit_master_loop_set_log(l, bench_log, NULL);
    printf("listening on 127.0.0.1:%u for %d outstations\n", port, n);
    fflush(stdout);
    uint64_t first = 0, all = 0, give_up = dnp3kit_master_now_ms() + 60000;
    while (!all && dnp3kit_master_now_ms() < give_up) {
        dnp3kit_master_loop_run_once(l, 20);
        int connected = 0;
        for (int i = 0; i < n; i++)
            connected += dnp3kit_master_session_is_connected(sl[i].s);
        if (connected && !first)
            first = now_us();
        if (connected == n)
            all = now_us();
    }
    if (!all) {
        fprintf(stderr, "not every outstation dialled in within 60 s\n");
        return 1;
    }
    printf("%d outstations dialled in: %.1f ms from the first to the last identified\n", n,
           (double)(all - first) / 1000.0);
    for (int i = 0; i < n; i++)
        resubmit(&sl[i]);
    uint64_t end = dnp3kit_master_now_ms() + 1000;
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
    int connected = 0;
    for (int i = 0; i < n; i++) {
        p1 += sl[i].polls, e1 += sl[i].errors;
        connected += dnp3kit_master_session_is_connected(sl[i].s);
    }
    printf("%d dial-in sessions in one thread (%d connected): %.0f integrity polls/s sustained over %.1f s, %llu errors\n",
           n, connected, (double)(p1 - p0) / el, el, (unsigned long long)(e1 - e0));
    dnp3kit_master_loop_free(l);
    for (int i = 0; i < n; i++)
        dnp3kit_master_session_free(sl[i].s);
    free(sl);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && !strcmp(argv[1], "dialin"))
        return dialin((uint16_t)atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
    if (argc >= 5 && !strcmp(argv[1], "multidrop"))
        return multidrop(argv[2], argv[3], atof(argv[4]), argc > 5 ? (uint32_t)atol(argv[5]) : 1000);
    if (argc >= 3 && !strcmp(argv[1], "rtt"))
        return rtt((uint16_t)atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 2000, argc > 4 ? atol(argv[4]) : -1);
    if (argc >= 5 && !strcmp(argv[1], "scale"))
        return scale((uint16_t)atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
    fprintf(stderr, "usage: dnp3-master-bench rtt PORT [N [CAP]] | scale PORT SESSIONS SECONDS | multidrop DEV[:BAUD] "
                    "ADDRS SECONDS [TIMEOUT_MS] | dialin PORT SESSIONS SECONDS\n");
    return 2;
}
