/*
 * Master <-> simulator over real loopback TCP: the blocking API against
 * dnp3-outstation started as a subprocess, every feature and every fault
 * knob of the simulator. Each test is bounded in time (short timeouts).
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "testutil.h"
#include "dnp3kit/master.h"

/* ---- the simulator as a subprocess ---- */

typedef struct sim {
    pid_t pid;
    uint16_t port;
} sim;

static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

static bool can_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* Start dnp3-outstation --port P extra... (NULL-terminated), wait until it listens. */
static sim sim_start(const char *first, ...)
{
    sim s = {0, free_port()};
    const char *argv[32];
    char ps[8];
    int n = 0;
    snprintf(ps, sizeof ps, "%u", s.port);
    argv[n++] = DNP3KIT_OUTSTATION_BIN;
    argv[n++] = "--port";
    argv[n++] = ps;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && n < 30; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    s.pid = fork();
    assert_true(s.pid >= 0);
    if (s.pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* a failed test never leaves a simulator behind */
        freopen("/dev/null", "w", stderr);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 300; i++) {
        if (can_connect(s.port)) {
            usleep(20000); /* let it take the probe's close */
            return s;
        }
        usleep(10000);
    }
    fail_msg("dnp3-outstation did not start on port %u", s.port);
    return s;
}

static void sim_stop(sim *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGTERM);
    for (int i = 0; i < 300; i++) {
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            return;
        }
        usleep(10000);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
}

static dnp3kit_master *open_master(uint16_t port, uint32_t timeout_ms, uint32_t retries)
{
    dnp3kit_master_config c;
    dnp3kit_error_detail d;
    dnp3kit_master_config_default(&c);
    c.port = port;
    c.response_timeout_ms = timeout_ms;
    c.connect_timeout_ms = 1000;
    c.retries = retries;
    c.retry_delay_ms = 50;
    dnp3kit_master *m = dnp3kit_master_new(&c, &d);
    assert_non_null(m);
    return m;
}

static uint64_t ms_now(void)
{
    return dnp3kit_master_now_ms();
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

/* ---- features ---- */

static void test_poll_and_reads(void **state)
{
    (void)state;
    sim s = sim_start("--set", "ai.2=1234", "--set", "bi.1=1", NULL);
    dnp3kit_master *m = open_master(s.port, 2000, 1);
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    assert_int_equal(dnp3kit_master_connect(m, &d), DNP3KIT_OK);
    assert_int_equal(dnp3kit_master_integrity_poll(m, &r, &d), DNP3KIT_OK);
    assert_true(r.count >= 50);
    bool saw_ai = false, saw_bi = false;
    for (size_t i = 0; i < r.count; i++) {
        const dnp3kit_master_point *p = &r.points[i];
        if (p->type == DNP3KIT_POINT_AI && p->index == 2 && !p->event) {
            saw_ai = true;
            assert_true(p->value == 1234);
            assert_true(p->has_flags && (p->flags & DNP3KIT_FLAG_ONLINE));
        }
        if (p->type == DNP3KIT_POINT_BI && p->index == 1 && !p->event) {
            saw_bi = true;
            assert_true(p->value == 1);
        }
    }
    assert_true(saw_ai && saw_bi);
    /* every point type by range, variation 0 and a chosen one */
    static const struct { dnp3kit_point_type t; uint8_t v; } reads[] = {
        {DNP3KIT_POINT_BI, 0}, {DNP3KIT_POINT_BI, 2}, {DNP3KIT_POINT_DBI, 0}, {DNP3KIT_POINT_BO, 0},
        {DNP3KIT_POINT_COUNTER, 0}, {DNP3KIT_POINT_COUNTER, 1}, {DNP3KIT_POINT_FROZEN_COUNTER, 0},
        {DNP3KIT_POINT_AI, 0}, {DNP3KIT_POINT_AI, 5}, {DNP3KIT_POINT_AO, 0}, {DNP3KIT_POINT_AO, 1},
    };
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
        int rc = dnp3kit_master_read_range(m, reads[i].t, reads[i].v, 1, 3, &r, &d);
        if (rc != DNP3KIT_OK)
            fail_msg("read %s v%u: %s", dnp3kit_master_point_type_name(reads[i].t), reads[i].v, d.message);
        assert_int_equal(r.count, 3);
        for (size_t k = 0; k < r.count; k++) {
            assert_int_equal(r.points[k].type, reads[i].t);
            assert_int_equal(r.points[k].index, 1 + k);
            if (reads[i].v)
                assert_int_equal(r.points[k].variation, reads[i].v);
        }
    }
    assert_int_equal(dnp3kit_master_read_range(m, DNP3KIT_POINT_AI, 5, 2, 2, &r, &d), DNP3KIT_OK);
    assert_true(r.points[0].value == 1234);
    assert_int_equal(dnp3kit_master_read_class(m, 0x0E, &r, &d), DNP3KIT_OK);
    dnp3kit_master_result_free(&r);
    dnp3kit_master_free(m);
    sim_stop(&s);
}

static void test_controls(void **state)
{
    (void)state;
    sim s = sim_start(NULL);
    dnp3kit_master *m = open_master(s.port, 2000, 1);
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    dnp3kit_crob c = {DNP3KIT_OP_LATCH_ON, DNP3KIT_TCC_NUL, false, 1, 0, 0, 0};
    assert_int_equal(dnp3kit_master_operate_binary(m, 1, &c, DNP3KIT_CONTROL_SBO, &d), DNP3KIT_OK);
    assert_int_equal(dnp3kit_master_read_range(m, DNP3KIT_POINT_BO, 0, 1, 1, &r, &d), DNP3KIT_OK);
    assert_true(r.points[0].value == 1);
    c.op = DNP3KIT_OP_LATCH_OFF;
    assert_int_equal(dnp3kit_master_operate_binary(m, 1, &c, DNP3KIT_CONTROL_DIRECT, &d), DNP3KIT_OK);
    assert_int_equal(dnp3kit_master_read_range(m, DNP3KIT_POINT_BO, 0, 1, 1, &r, &d), DNP3KIT_OK);
    assert_true(r.points[0].value == 0);
    static const struct { uint8_t op, tcc; } ops[] = {
        {DNP3KIT_OP_PULSE_ON, DNP3KIT_TCC_NUL}, {DNP3KIT_OP_PULSE_OFF, DNP3KIT_TCC_NUL},
        {DNP3KIT_OP_PULSE_ON, DNP3KIT_TCC_TRIP}, {DNP3KIT_OP_PULSE_ON, DNP3KIT_TCC_CLOSE},
    };
    for (size_t i = 0; i < 4; i++) {
        dnp3kit_crob p = {ops[i].op, ops[i].tcc, false, 1, 100, 100, 0};
        int rc = dnp3kit_master_operate_binary(m, 2, &p, DNP3KIT_CONTROL_SBO, &d);
        /* an outstation may refuse a code for a point; it must say so by name */
        if (rc != DNP3KIT_OK) {
            assert_int_equal(rc, DNP3KIT_ERR_CONTROL);
            assert_true(d.control_status > 0);
        }
    }
    c.op = DNP3KIT_OP_LATCH_ON;
    assert_int_equal(dnp3kit_master_operate_binary(m, 0, &c, DNP3KIT_CONTROL_DIRECT_NO_ACK, &d), DNP3KIT_OK);
    /* unknown point: NOT_SUPPORTED, by name */
    assert_int_equal(dnp3kit_master_operate_binary(m, 999, &c, DNP3KIT_CONTROL_SBO, &d), DNP3KIT_ERR_CONTROL);
    assert_int_equal(d.control_status, DNP3KIT_STATUS_NOT_SUPPORTED);
    assert_non_null(strstr(d.message, "NOT_SUPPORTED"));
    /* analog outputs, every type */
    assert_int_equal(dnp3kit_master_operate_analog(m, 0, DNP3KIT_AO_INT32, -100000, DNP3KIT_CONTROL_SBO, &d), DNP3KIT_OK);
    assert_int_equal(dnp3kit_master_operate_analog(m, 1, DNP3KIT_AO_INT16, 1234, DNP3KIT_CONTROL_DIRECT, &d), DNP3KIT_OK);
    assert_int_equal(dnp3kit_master_operate_analog(m, 2, DNP3KIT_AO_FLOAT32, 12.5, DNP3KIT_CONTROL_SBO, &d), DNP3KIT_OK);
    assert_int_equal(dnp3kit_master_operate_analog(m, 3, DNP3KIT_AO_FLOAT64, 0.1, DNP3KIT_CONTROL_DIRECT, &d), DNP3KIT_OK);
    assert_int_equal(dnp3kit_master_operate_analog(m, 1, DNP3KIT_AO_INT16, 70000, DNP3KIT_CONTROL_DIRECT, &d),
                     DNP3KIT_ERR_ARG);
    /* read back as g40v4 (double) so every value is exact */
    assert_int_equal(dnp3kit_master_read_range(m, DNP3KIT_POINT_AO, 4, 0, 3, &r, &d), DNP3KIT_OK);
    assert_int_equal(r.count, 4);
    assert_true(r.points[0].value == -100000);
    assert_true(r.points[1].value == 1234);
    assert_true(r.points[2].value == 12.5);
    assert_true(r.points[3].value == 0.1);
    dnp3kit_master_result_free(&r);
    dnp3kit_master_free(m);
    sim_stop(&s);
}

static void test_other_functions(void **state)
{
    (void)state;
    sim s = sim_start("--unsolicited", NULL);
    dnp3kit_master *m = open_master(s.port, 2000, 1);
    dnp3kit_error_detail d;
    uint32_t delay = 0;
    assert_int_equal(dnp3kit_master_freeze(m, false, &d), DNP3KIT_OK);
    assert_int_equal(dnp3kit_master_freeze(m, true, &d), DNP3KIT_OK);
    assert_int_equal(dnp3kit_master_time_sync(m, DNP3KIT_TIME_SYNC_LAN, &d), DNP3KIT_OK);
    assert_int_equal(dnp3kit_master_time_sync(m, DNP3KIT_TIME_SYNC_NON_LAN, &d), DNP3KIT_OK);
    assert_int_equal(dnp3kit_master_link_status(m, &d), DNP3KIT_OK);
    assert_int_equal(dnp3kit_master_disable_unsolicited(m, 0x0E, &d), DNP3KIT_OK);
    assert_int_equal(dnp3kit_master_enable_unsolicited(m, 0x02, &d), DNP3KIT_OK);
    assert_int_equal(dnp3kit_master_warm_restart(m, &delay, &d), DNP3KIT_OK);
    assert_true(delay > 0);
    delay = 0;
    assert_int_equal(dnp3kit_master_cold_restart(m, &delay, &d), DNP3KIT_OK);
    assert_true(delay > 0);
    /* after the restart the master clears DEVICE_RESTART on its own */
    dnp3kit_master_result r = {0};
    assert_int_equal(dnp3kit_master_integrity_poll(m, &r, &d), DNP3KIT_OK);
    assert_int_equal(dnp3kit_master_integrity_poll(m, &r, &d), DNP3KIT_OK);
    assert_false(r.iin & DNP3KIT_IIN_DEVICE_RESTART);
    assert_false(r.iin & DNP3KIT_IIN_NEED_TIME);
    dnp3kit_master_result_free(&r);
    dnp3kit_master_free(m);
    sim_stop(&s);
}

static void test_startup_sequence(void **state)
{
    (void)state;
    sim s = sim_start("--unsolicited", NULL);
    dnp3kit_master_config c;
    dnp3kit_error_detail d;
    dnp3kit_master_config_default(&c);
    c.port = s.port;
    c.startup = true;
    c.response_timeout_ms = 2000;
    dnp3kit_master *m = dnp3kit_master_new(&c, &d);
    assert_int_equal(dnp3kit_master_connect(m, &d), DNP3KIT_OK);
    dnp3kit_master_result r = {0};
    assert_int_equal(dnp3kit_master_read_class(m, 0x0E, &r, &d), DNP3KIT_OK);
    assert_false(r.iin & (DNP3KIT_IIN_DEVICE_RESTART | DNP3KIT_IIN_NEED_TIME));
    dnp3kit_master_result_free(&r);
    dnp3kit_master_free(m);
    sim_stop(&s);
}

/* ---- faults ---- */

static void test_silence_times_out_after_retries(void **state)
{
    (void)state;
    sim s = sim_start("--fault", "silent", NULL);
    dnp3kit_master *m = open_master(s.port, 200, 2);
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    uint64_t t0 = ms_now();
    assert_int_equal(dnp3kit_master_integrity_poll(m, &r, &d), DNP3KIT_ERR_TIMEOUT);
    uint64_t el = ms_now() - t0;
    assert_true(el >= 600 && el < 3000);
    assert_true(d.timeout_s > 0.19 && d.timeout_s < 0.21);
    assert_int_equal(d.port, s.port);
    assert_non_null(strstr(d.message, "3 attempts"));
    dnp3kit_master_result_free(&r);
    dnp3kit_master_free(m);
    sim_stop(&s);
}

static void test_connection_refused(void **state)
{
    (void)state;
    uint16_t port = free_port();
    dnp3kit_master *m = open_master(port, 200, 1);
    dnp3kit_error_detail d;
    uint64_t t0 = ms_now();
    int rc = dnp3kit_master_connect(m, &d);
    assert_int_equal(rc, DNP3KIT_ERR_CONNECT);
    assert_int_equal(d.port, port);
    assert_string_equal(d.host, "127.0.0.1");
    assert_non_null(strstr(d.message, "refused"));
    dnp3kit_master_result r = {0};
    assert_int_equal(dnp3kit_master_integrity_poll(m, &r, &d), DNP3KIT_ERR_CONNECT);
    assert_true(ms_now() - t0 < 3000);
    dnp3kit_master_free(m);
}

static void test_close_mid_fragment(void **state)
{
    (void)state;
    sim s = sim_start("--fault", "close-mid-fragment", NULL);
    dnp3kit_master *m = open_master(s.port, 500, 1);
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    uint64_t t0 = ms_now();
    int rc = dnp3kit_master_integrity_poll(m, &r, &d);
    assert_true(rc == DNP3KIT_ERR_CLOSED || rc == DNP3KIT_ERR_TIMEOUT);
    assert_true(ms_now() - t0 < 5000);
    dnp3kit_master_result_free(&r);
    dnp3kit_master_free(m);
    sim_stop(&s);
}

static void test_bad_crc(void **state)
{
    (void)state;
    sim s = sim_start("--fault", "bad-crc", NULL);
    dnp3kit_master *m = open_master(s.port, 300, 1);
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    assert_int_equal(dnp3kit_master_integrity_poll(m, &r, &d), DNP3KIT_ERR_TIMEOUT);
    assert_true(d.finding == DNP3KIT_F_LINK_BAD_BLOCK_CRC || d.finding == DNP3KIT_F_LINK_BAD_HEADER_CRC);
    assert_non_null(strstr(d.message, "crc"));
    dnp3kit_master_result_free(&r);
    dnp3kit_master_free(m);
    sim_stop(&s);
}

static void test_wrong_seq(void **state)
{
    (void)state;
    sim s = sim_start("--fault", "wrong-seq", NULL);
    dnp3kit_master *m = open_master(s.port, 300, 1);
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    assert_int_equal(dnp3kit_master_integrity_poll(m, &r, &d), DNP3KIT_ERR_TIMEOUT);
    assert_int_equal(r.count, 0);
    dnp3kit_master_result_free(&r);
    dnp3kit_master_free(m);
    sim_stop(&s);
}

static void test_late_response(void **state)
{
    (void)state;
    /* every answer arrives 300 ms after its request; the master waits 200 ms:
     * a late answer must never complete the retry it arrives during */
    sim s = sim_start("--fault", "delay:300", NULL);
    dnp3kit_master *m = open_master(s.port, 200, 3);
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    assert_int_equal(dnp3kit_master_integrity_poll(m, &r, &d), DNP3KIT_ERR_TIMEOUT);
    assert_int_equal(r.count, 0);
    dnp3kit_master_free(m);
    /* with time enough, the same delay is fine */
    m = open_master(s.port, 1500, 0);
    assert_int_equal(dnp3kit_master_integrity_poll(m, &r, &d), DNP3KIT_OK);
    assert_true(r.count > 0);
    dnp3kit_master_result_free(&r);
    dnp3kit_master_free(m);
    sim_stop(&s);
}

static void test_garbage_between_frames(void **state)
{
    (void)state;
    sim s = sim_start("--fault", "garbage:20", NULL);
    dnp3kit_master *m = open_master(s.port, 1000, 1);
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    for (int i = 0; i < 3; i++)
        assert_int_equal(dnp3kit_master_integrity_poll(m, &r, &d), DNP3KIT_OK);
    assert_true(r.count >= 50);
    dnp3kit_master_result_free(&r);
    dnp3kit_master_free(m);
    sim_stop(&s);
}

static int flood_count;
static void count_uns(void *user, const dnp3kit_master_result *r)
{
    (void)user;
    (void)r;
    flood_count++;
}

static void test_unsolicited_flood_bounded(void **state)
{
    (void)state;
    sim s = sim_start("--unsolicited", "--fault", "unsolicited-flood:1", NULL);
    dnp3kit_master *m = open_master(s.port, 1000, 1);
    dnp3kit_error_detail d;
    dnp3kit_master_set_unsolicited(m, count_uns, NULL);
    assert_int_equal(dnp3kit_master_connect(m, &d), DNP3KIT_OK);
    dnp3kit_master_result r = {0};
    flood_count = 0;
    (void)dnp3kit_master_process(m, 300, &d);
    long before = rss_kib();
    for (int i = 0; i < 5; i++) {
        (void)dnp3kit_master_process(m, 200, &d);
        /* requests still get their own answers in the flood */
        assert_int_equal(dnp3kit_master_read_range(m, DNP3KIT_POINT_AI, 0, 0, 1, &r, &d), DNP3KIT_OK);
        assert_int_equal(r.count, 2);
    }
    long after = rss_kib();
    assert_true(flood_count > 100);
    if (before > 0 && after > 0)
        assert_true(after - before < 4096);
    dnp3kit_master_result_free(&r);
    dnp3kit_master_free(m);
    sim_stop(&s);
}

static void test_64k_response_many_fragments(void **state)
{
    (void)state;
    sim s = sim_start("--analog-inputs", "6000", "--counters", "6000", "--max-fragment", "1024", NULL);
    dnp3kit_master *m = open_master(s.port, 2000, 0);
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    assert_int_equal(dnp3kit_master_integrity_poll(m, &r, &d), DNP3KIT_OK);
    assert_true(r.count >= 12000);
    assert_true(r.fragments >= 60);
    size_t ai = 0;
    for (size_t i = 0; i < r.count; i++)
        ai += r.points[i].type == DNP3KIT_POINT_AI;
    assert_int_equal(ai, 6000);
    dnp3kit_master_result_free(&r);
    dnp3kit_master_free(m);
    sim_stop(&s);
}

/* ---- threads ---- */

typedef struct th_arg {
    dnp3kit_master *m;
    int id, failures;
} th_arg;

static void *worker(void *p)
{
    th_arg *a = p;
    dnp3kit_master_result r = {0};
    dnp3kit_error_detail d;
    for (int i = 0; i < 15; i++) {
        if (dnp3kit_master_integrity_poll(a->m, &r, &d) != DNP3KIT_OK || r.count < 50)
            a->failures++;
        dnp3kit_crob c = {(i & 1) ? DNP3KIT_OP_LATCH_ON : DNP3KIT_OP_LATCH_OFF, 0, false, 1, 0, 0, 0};
        if (dnp3kit_master_operate_binary(a->m, (uint16_t)(a->id % 4), &c, DNP3KIT_CONTROL_SBO, &d) != DNP3KIT_OK)
            a->failures++;
    }
    dnp3kit_master_result_free(&r);
    return NULL;
}

static void test_threads_share_one_master(void **state)
{
    (void)state;
    sim s = sim_start(NULL);
    dnp3kit_master *m = open_master(s.port, 2000, 1);
    pthread_t th[4];
    th_arg a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (th_arg){m, i, 0};
        pthread_create(&th[i], NULL, worker, &a[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(a[i].failures, 0);
    }
    dnp3kit_master_free(m);
    sim_stop(&s);
}

/* One socket loop, channels of two kinds: outstations 10 and 11 over UDP,
 * 12 over TCP, all on one simulator; every session's poll completes. A fourth
 * session, UDP to a simulator that has no UDP socket, times out: the UDP
 * sessions did not quietly use TCP. */
typedef struct loop_done {
    int done, err;
    size_t points;
} loop_done;

static void loop_task_done(void *user, uint32_t id, bool internal, int err, const dnp3kit_error_detail *d,
                           dnp3kit_master_result *r)
{
    (void)id;
    (void)d;
    loop_done *ld = user;
    if (internal)
        return;
    ld->done++;
    ld->err = err;
    ld->points = r->count;
}

static void test_loop_udp_and_tcp_channels(void **state)
{
    (void)state;
    sim s = sim_start("--udp", "--count", "3", NULL);
    sim tcp_only = sim_start(NULL);
    dnp3kit_master_loop *l = dnp3kit_master_loop_new();
    assert_non_null(l);
    dnp3kit_master_session *ss[4];
    loop_done ld[4];
    memset(ld, 0, sizeof ld);
    dnp3kit_master_callbacks cb = {0};
    cb.on_task_done = loop_task_done;
    for (int i = 0; i < 4; i++) {
        dnp3kit_master_config c;
        dnp3kit_error_detail d;
        dnp3kit_master_config_default(&c);
        c.port = i < 3 ? s.port : tcp_only.port;
        c.outstation_address = (uint16_t)(i < 3 ? 10 + i : 10);
        c.transport = i == 2 ? DNP3KIT_TRANSPORT_TCP : DNP3KIT_TRANSPORT_UDP;
        c.response_timeout_ms = i < 3 ? 5000 : 300;
        c.retries = i < 3 ? 2 : 0;
        ss[i] = dnp3kit_master_session_new(&c, &cb, &ld[i], &d);
        assert_non_null(ss[i]);
        assert_true(dnp3kit_master_loop_add(l, ss[i], &d) >= 0);
        dnp3kit_master_request rq = {0};
        rq.type = DNP3KIT_TASK_READ_CLASS;
        rq.classes = 0x0F;
        assert_true(dnp3kit_master_session_submit(ss[i], &rq, ms_now(), &d) > 0);
    }
    uint64_t end = ms_now() + 20000;
    while (ms_now() < end && !(ld[0].done && ld[1].done && ld[2].done && ld[3].done))
        assert_true(dnp3kit_master_loop_run_once(l, 100) >= 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ld[i].done, 1);
        assert_int_equal(ld[i].err, DNP3KIT_OK);
        assert_true(ld[i].points >= 50);
    }
    assert_int_equal(ld[3].done, 1);
    assert_int_equal(ld[3].err, DNP3KIT_ERR_TIMEOUT);
    dnp3kit_master_loop_free(l);
    for (int i = 0; i < 4; i++)
        dnp3kit_master_session_free(ss[i]);
    sim_stop(&s);
    sim_stop(&tcp_only);
}

int main(void)
{
    if (!DNP3KIT_OUTSTATION_BIN[0] || access(DNP3KIT_OUTSTATION_BIN, X_OK) != 0) {
        printf("dnp3-outstation not built: skipped\n");
        return 0;
    }
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poll_and_reads),
        cmocka_unit_test(test_controls),
        cmocka_unit_test(test_other_functions),
        cmocka_unit_test(test_startup_sequence),
        cmocka_unit_test(test_silence_times_out_after_retries),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test(test_close_mid_fragment),
        cmocka_unit_test(test_bad_crc),
        cmocka_unit_test(test_wrong_seq),
        cmocka_unit_test(test_late_response),
        cmocka_unit_test(test_garbage_between_frames),
        cmocka_unit_test(test_unsolicited_flood_bounded),
        cmocka_unit_test(test_64k_response_many_fragments),
        cmocka_unit_test(test_threads_share_one_master),
        cmocka_unit_test(test_loop_udp_and_tcp_channels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
