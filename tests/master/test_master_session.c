/*
 * Sans-I/O tests of the master session (master/src/session.c): a scripted
 * outstation made of the core's builders talks to the session through
 * octets and a fake clock; no sockets.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "testutil.h"
#include "dnp3kit/master.h"
/* the static build's tests reach the master's private helpers too (master/src is
 * on their include path; the *_shared build has the public API only) */
#if __has_include("master_private.h")
#include "master_private.h"
#define HAVE_MASTER_PRIVATE 1
#endif

#define OS_ADDR 10
#define M_ADDR 1

typedef struct done_rec {
    uint32_t id;
    bool internal;
    int err;
    dnp3kit_error_detail d;
    dnp3kit_master_result r;
} done_rec;

typedef struct fx {
    dnp3kit_master_session *s;
    dnp3kit_master_config cfg;
    uint64_t now;
    /* what the master sent, decoded */
    dnp3kit_link_parser lp;
    dnp3kit_reassembler ra;
    uint8_t rabuf[4096];
    uint8_t reqs[32][2048];
    size_t req_len[32];
    size_t nreq;
    int link_funcs[32]; /* non-user-data link frames the master sent (func | prm << 8) */
    uint8_t link_ctrl[32]; /* ... their control octets */
    size_t nlink;
    done_rec done[16];
    size_t ndone;
    int uns_count;
    size_t uns_points;
    uint8_t os_tseq;
    /* findings the session reported */
    size_t func_count[256];   /* requests by application function */
    size_t clear_restarts;    /* WRITE g80v1 among them */
    size_t nstuck;
    dnp3kit_finding last_stuck;
    char stuck_text[160];
} fx;

static fx F;

static void cb_done(void *user, uint32_t id, bool internal, int err, const dnp3kit_error_detail *d,
                    dnp3kit_master_result *r)
{
    fx *f = user;
    if (f->ndone >= 16)
        return;
    done_rec *x = &f->done[f->ndone++];
    x->id = id;
    x->internal = internal;
    x->err = err;
    x->d = *d;
    memset(&x->r, 0, sizeof x->r);
    dnp3kit_master_result_take(&x->r, r);
}

static void cb_uns(void *user, const dnp3kit_master_result *r)
{
    fx *f = user;
    f->uns_count++;
    f->uns_points += r->count;
}

static void cb_finding(void *user, const dnp3kit_finding *f)
{
    fx *x = user;
    if (f->code == DNP3KIT_F_SESSION_IIN_STUCK) {
        x->nstuck++;
        x->last_stuck = *f;
        dnp3kit_finding_format(f, x->stuck_text, sizeof x->stuck_text);
    }
}

static uint64_t cb_wall(void *user)
{
    (void)user;
    return 1700000000000ull + F.now;
}

static void setup_cfg(dnp3kit_master_config *c)
{
    dnp3kit_master_config_default(c);
    c->response_timeout_ms = 1000;
    c->retry_delay_ms = 100;
    c->retries = 2;
}

static void fx_start(const dnp3kit_master_config *cfg)
{
    for (size_t i = 0; i < F.ndone; i++)
        dnp3kit_master_result_free(&F.done[i].r);
    memset(&F, 0, sizeof F);
    F.cfg = *cfg;
    dnp3kit_master_callbacks cb = {cb_done, cb_uns, NULL, NULL, cb_finding, cb_wall};
    dnp3kit_error_detail d;
    F.s = dnp3kit_master_session_new(cfg, &cb, &F, &d);
    assert_non_null(F.s);
    dnp3kit_link_parser_init(&F.lp);
    dnp3kit_reassembler_init(&F.ra, F.rabuf, sizeof F.rabuf);
    F.now = 1000;
    dnp3kit_master_session_connected(F.s, F.now);
}

/* A session with setup_cfg's configuration, connected: most tests start here. */
static void fx_default(void)
{
    dnp3kit_master_config c;
    setup_cfg(&c);
    fx_start(&c);
}

static int fx_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < F.ndone; i++)
        dnp3kit_master_result_free(&F.done[i].r);
    F.ndone = 0;
    dnp3kit_master_session_free(F.s);
    F.s = NULL;
    return 0;
}

/* Take everything the master wants to send and decode it. */
static void drain(void)
{
    const uint8_t *p;
    size_t n;
    while ((n = dnp3kit_master_session_pending(F.s, &p)) > 0) {
        uint8_t copy[8192];
        assert_true(n <= sizeof copy);
        memcpy(copy, p, n);
        dnp3kit_master_session_sent(F.s, n);
        const uint8_t *q = copy;
        size_t left = n;
        dnp3kit_link_frame fr;
        while (left > 0) {
            if (dnp3kit_link_parser_step(&F.lp, &q, &left, &fr, NULL) != 1)
                continue;
            assert_true(fr.crc_ok);
            assert_true(fr.dir);
            assert_int_equal(fr.dst, OS_ADDR);
            assert_int_equal(fr.src, M_ADDR);
            if ((fr.func == DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA ||
                 (fr.func == DNP3KIT_LINK_PRI_CONFIRMED_USER_DATA && F.cfg.link_confirm)) &&
                fr.prm) {
                if (fr.func == DNP3KIT_LINK_PRI_CONFIRMED_USER_DATA) {
                    assert_true(F.nlink < 32);
                    F.link_ctrl[F.nlink] = fr.ctrl;
                    F.link_funcs[F.nlink++] = fr.func | 0x100;
                }
                const uint8_t *msg;
                size_t ml;
                if (dnp3kit_reassembler_push(&F.ra, fr.user, fr.user_len, &msg, &ml, NULL) == 1) {
                    /* the log keeps the last 32 (long runs count requests beyond that) */
                    memcpy(F.reqs[F.nreq % 32], msg, ml);
                    F.req_len[F.nreq % 32] = ml;
                    F.nreq++;
                    if (ml >= 2)
                        F.func_count[msg[1]]++;
                    if (ml >= 4 && msg[1] == DNP3KIT_FC_WRITE && msg[2] == 80)
                        F.clear_restarts++;
                }
            } else {
                assert_true(F.nlink < 32);
                F.link_ctrl[F.nlink] = fr.ctrl;
                F.link_funcs[F.nlink++] = fr.func | (fr.prm ? 0x100 : 0);
            }
        }
    }
}

static int emit_os(void *user, const uint8_t *seg, size_t len)
{
    uint8_t fr[300];
    uint8_t ctrl = *(const uint8_t *)user;
    int n = dnp3kit_link_build(ctrl, M_ADDR, OS_ADDR, seg, len, fr, sizeof fr);
    assert_true(n > 0);
    dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    return 0;
}

/* Send an application fragment from the outstation (link: DIR=0, PRM=1, unconfirmed). */
static void os_send(const uint8_t *frag, size_t len)
{
    uint8_t ctrl = dnp3kit_link_ctrl(false, true, false, false, DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA);
    dnp3kit_transport_segment(frag, len, 249, &F.os_tseq, emit_os, &ctrl);
    drain();
}

/* Build a response: ctrl, func, iin, then raw object octets from hex. */
static size_t resp(uint8_t *out, uint8_t ctrl, uint8_t func, uint16_t iin, const char *objs_hex)
{
    out[0] = ctrl;
    out[1] = func;
    out[2] = (uint8_t)(iin >> 8);
    out[3] = (uint8_t)iin;
    return 4 + (objs_hex ? tu_hex(objs_hex, out + 4, 2000) : 0);
}

static uint8_t last_seq(void)
{
    assert_true(F.nreq > 0);
    return F.reqs[(F.nreq - 1) % 32][0] & 0x0F;
}

static uint8_t last_func(void)
{
    assert_true(F.nreq > 0);
    return F.reqs[(F.nreq - 1) % 32][1];
}

static void advance(uint64_t ms)
{
    F.now += ms;
    dnp3kit_master_session_tick(F.s, F.now);
    drain();
}

static int submit(const dnp3kit_master_request *rq)
{
    dnp3kit_error_detail d;
    int id = dnp3kit_master_session_submit(F.s, rq, F.now, &d);
    dnp3kit_master_session_tick(F.s, F.now);
    drain();
    return id;
}

static int submit_poll(void)
{
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_READ_CLASS;
    rq.classes = 0x0F;
    return submit(&rq);
}

/* null response to the last request */
static void answer_null(uint16_t iin)
{
    uint8_t b[8];
    size_t n = resp(b, dnp3kit_app_ctrl(true, true, false, false, last_seq()), DNP3KIT_FC_RESPONSE, iin, NULL);
    os_send(b, n);
}

/* ---- tests ---- */

/* A fresh session with no retries and a poll in flight. */
static void start_poll_once(void)
{
    dnp3kit_master_config c;
    setup_cfg(&c);
    c.retries = 0;
    fx_start(&c);
    submit_poll();
}

static void test_integrity_poll_points_and_iin(void **state)
{
    (void)state;
    fx_default();
    int id = submit_poll();
    assert_true(id > 0);
    assert_int_equal(F.nreq, 1);
    assert_int_equal(last_func(), DNP3KIT_FC_READ);
    uint8_t b[256];
    /* g30v1 0..1 (flags ONLINE, 1234 and -5), g1v2 index 0..0 (ONLINE|STATE) */
    size_t n = resp(b, dnp3kit_app_ctrl(true, true, false, false, last_seq()), DNP3KIT_FC_RESPONSE, 0,
                    "1e 01 00 00 01  01 d2 04 00 00  01 fb ff ff ff  01 02 00 00 00 81");
    os_send(b, n);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
    assert_int_equal(F.done[0].id, (uint32_t)id);
    dnp3kit_master_result *r = &F.done[0].r;
    assert_int_equal(r->count, 3);
    assert_int_equal(r->points[0].type, DNP3KIT_POINT_AI);
    assert_true(r->points[0].value == 1234);
    assert_true(r->points[1].value == -5);
    assert_int_equal(r->points[1].index, 1);
    assert_int_equal(r->points[2].type, DNP3KIT_POINT_BI);
    assert_true(r->points[2].value == 1);
    assert_false(r->points[2].event);
    assert_true(r->has_iin);
}

static void test_wrong_and_late_seq_never_taken(void **state)
{
    (void)state;
    fx_default();
    submit_poll();
    uint8_t first = last_seq();
    uint8_t b[64];
    /* wrong SEQ: ignored */
    size_t n = resp(b, dnp3kit_app_ctrl(true, true, false, false, (uint8_t)((first + 1) & 15)), DNP3KIT_FC_RESPONSE,
                    0, "1e 01 00 00 00 01 07 00 00 00");
    os_send(b, n);
    assert_int_equal(F.ndone, 0);
    /* timeout, retry with a new SEQ */
    advance(1000);
    advance(100);
    assert_int_equal(F.nreq, 2);
    uint8_t second = last_seq();
    assert_int_not_equal(first, second);
    /* the late answer to the first request arrives now: not taken */
    n = resp(b, dnp3kit_app_ctrl(true, true, false, false, first), DNP3KIT_FC_RESPONSE, 0,
             "1e 01 00 00 00 01 07 00 00 00");
    os_send(b, n);
    assert_int_equal(F.ndone, 0);
    n = resp(b, dnp3kit_app_ctrl(true, true, false, false, second), DNP3KIT_FC_RESPONSE, 0,
             "1e 01 00 00 00 01 09 00 00 00");
    os_send(b, n);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
    assert_true(F.done[0].r.points[0].value == 9);
}

static void test_timeout_after_retries(void **state)
{
    (void)state;
    fx_default();
    submit_poll();
    for (int i = 0; i < 10 && F.ndone == 0; i++)
        advance(1000);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_ERR_TIMEOUT);
    assert_int_equal(F.nreq, 3); /* 1 + 2 retries */
    assert_true(F.done[0].d.timeout_s > 0.99 && F.done[0].d.timeout_s < 1.01);
    assert_int_equal(F.done[0].d.port, 20000);
    assert_non_null(strstr(F.done[0].d.message, "3 attempts"));
}

static void test_multi_fragment_confirms(void **state)
{
    (void)state;
    fx_default();
    submit_poll();
    uint8_t s0 = last_seq();
    uint8_t b[64];
    size_t n = resp(b, dnp3kit_app_ctrl(true, false, true, false, s0), DNP3KIT_FC_RESPONSE, 0,
                    "1e 01 00 00 00 01 01 00 00 00");
    os_send(b, n);
    assert_int_equal(F.nreq, 2);
    assert_int_equal(last_func(), DNP3KIT_FC_CONFIRM);
    assert_int_equal(last_seq(), s0);
    assert_int_equal(F.reqs[1][0] & DNP3KIT_AC_UNS, 0);
    /* a continuation with FIR again is refused */
    n = resp(b, dnp3kit_app_ctrl(true, true, false, false, (uint8_t)((s0 + 1) & 15)), DNP3KIT_FC_RESPONSE, 0, NULL);
    os_send(b, n);
    assert_int_equal(F.ndone, 0);
    n = resp(b, dnp3kit_app_ctrl(false, true, true, false, (uint8_t)((s0 + 1) & 15)), DNP3KIT_FC_RESPONSE, 0,
             "1e 01 00 01 01 01 02 00 00 00");
    os_send(b, n);
    assert_int_equal(F.nreq, 3);
    assert_int_equal(last_func(), DNP3KIT_FC_CONFIRM);
    assert_int_equal(last_seq(), (s0 + 1) & 15);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].r.count, 2);
    assert_int_equal(F.done[0].r.fragments, 2);
}

static void test_unsolicited_confirmed_once(void **state)
{
    (void)state;
    fx_default();
    uint8_t b[64];
    size_t n = resp(b, dnp3kit_app_ctrl(true, true, true, true, 5), DNP3KIT_FC_UNSOLICITED_RESPONSE, 0,
                    "02 01 28 01 00 03 00 81");
    os_send(b, n);
    assert_int_equal(F.uns_count, 1);
    assert_int_equal(F.uns_points, 1);
    assert_int_equal(F.nreq, 1);
    assert_int_equal(last_func(), DNP3KIT_FC_CONFIRM);
    assert_int_equal(last_seq(), 5);
    assert_true(F.reqs[0][0] & DNP3KIT_AC_UNS);
    /* a repeat (our confirm was lost): not delivered again; confirmed again, but at most
     * once per reaction window (an outstation repeating it without end gets no stream of
     * confirms) */
    os_send(b, n);
    assert_int_equal(F.uns_count, 1);
    assert_int_equal(F.nreq, 1);
    advance(F.cfg.reaction_window_ms);
    os_send(b, n);
    os_send(b, n);
    assert_int_equal(F.uns_count, 1);
    assert_int_equal(F.nreq, 2);
    assert_int_equal(last_func(), DNP3KIT_FC_CONFIRM);
    /* after a reconnection the first repeat is confirmed at once */
    dnp3kit_master_session_closed(F.s, F.now);
    dnp3kit_master_session_connected(F.s, F.now);
    os_send(b, n);
    assert_int_equal(F.nreq, 3);
    assert_int_equal(F.uns_count, 1);
    /* an unsolicited response while a poll waits is not its answer */
    submit_poll();
    uint8_t pseq = last_seq();
    n = resp(b, dnp3kit_app_ctrl(true, true, true, true, pseq), DNP3KIT_FC_UNSOLICITED_RESPONSE, 0,
             "02 01 28 01 00 04 00 01");
    os_send(b, n);
    assert_int_equal(F.ndone, 0);
    assert_int_equal(F.uns_count, 2);
}

static void crob_request(dnp3kit_control_mode mode)
{
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_CROB;
    rq.index = 3;
    rq.mode = mode;
    rq.crob.op = DNP3KIT_OP_PULSE_ON;
    rq.crob.tcc = DNP3KIT_TCC_TRIP;
    rq.crob.count = 1;
    rq.crob.on_ms = 100;
    assert_true(submit(&rq) > 0);
}

/* Echo the last request as a response with a status. */
static void echo_last(uint8_t status)
{
    uint8_t b[128];
    size_t rl = F.req_len[F.nreq - 1];
    b[0] = dnp3kit_app_ctrl(true, true, false, false, last_seq());
    b[1] = DNP3KIT_FC_RESPONSE;
    b[2] = b[3] = 0;
    memcpy(b + 4, F.reqs[F.nreq - 1] + 2, rl - 2);
    b[4 + rl - 2 - 1] = status;
    os_send(b, 4 + rl - 2);
}

static void test_sbo_operates_identical_objects(void **state)
{
    (void)state;
    fx_default();
    crob_request(DNP3KIT_CONTROL_SBO);
    assert_int_equal(last_func(), DNP3KIT_FC_SELECT);
    /* trip code: TCC 10 in bits 6-7, pulse on */
    assert_int_equal(F.reqs[0][9], 0x81);
    echo_last(0);
    assert_int_equal(F.nreq, 2);
    assert_int_equal(last_func(), DNP3KIT_FC_OPERATE);
    assert_int_equal(F.req_len[0], F.req_len[1]);
    assert_memory_equal(F.reqs[0] + 2, F.reqs[1] + 2, F.req_len[0] - 2);
    echo_last(0);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
}

static void test_control_status_reported(void **state)
{
    (void)state;
    fx_default();
    crob_request(DNP3KIT_CONTROL_SBO);
    echo_last(DNP3KIT_STATUS_NOT_SUPPORTED);
    assert_int_equal(F.nreq, 1); /* no OPERATE after a failed SELECT */
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_ERR_CONTROL);
    assert_int_equal(F.done[0].d.control_status, DNP3KIT_STATUS_NOT_SUPPORTED);
    assert_non_null(strstr(F.done[0].d.message, "NOT_SUPPORTED"));
    /* a response that does not echo the objects is never a success */
    crob_request(DNP3KIT_CONTROL_DIRECT);
    assert_int_equal(last_func(), DNP3KIT_FC_DIRECT_OPERATE);
    answer_null(0);
    assert_int_equal(F.ndone, 2);
    assert_int_equal(F.done[1].err, DNP3KIT_ERR_PROTOCOL);
}

static void test_select_timeout(void **state)
{
    (void)state;
    dnp3kit_master_config c;
    setup_cfg(&c);
    c.select_timeout_ms = 200;
    fx_start(&c);
    crob_request(DNP3KIT_CONTROL_SBO);
    F.now += 500; /* the echo arrives late */
    echo_last(0);
    assert_int_equal(F.nreq, 1);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_ERR_TIMEOUT);
}

static void test_direct_no_ack_completes_on_send(void **state)
{
    (void)state;
    fx_default();
    crob_request(DNP3KIT_CONTROL_DIRECT_NO_ACK);
    assert_int_equal(last_func(), DNP3KIT_FC_DIRECT_OPERATE_NR);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
}

static void test_analog_output_never_truncated(void **state)
{
    (void)state;
    fx_default();
    dnp3kit_master_request rq = {0};
    dnp3kit_error_detail d;
    rq.type = DNP3KIT_TASK_ANALOG_OUTPUT;
    rq.ao_type = DNP3KIT_AO_INT16;
    rq.ao_value = 40000;
    assert_int_equal(dnp3kit_master_session_submit(F.s, &rq, F.now, &d), DNP3KIT_ERR_ARG);
    assert_non_null(strstr(d.message, "int16"));
    rq.ao_value = 1.5;
    assert_int_equal(dnp3kit_master_session_submit(F.s, &rq, F.now, &d), DNP3KIT_ERR_ARG);
    rq.ao_type = DNP3KIT_AO_FLOAT32;
    rq.ao_value = 1e39; /* beyond float32 */
    assert_int_equal(dnp3kit_master_session_submit(F.s, &rq, F.now, &d), DNP3KIT_ERR_ARG);
    rq.ao_value = 1e-40; /* would arrive as a subnormal or 0 */
    assert_int_equal(dnp3kit_master_session_submit(F.s, &rq, F.now, &d), DNP3KIT_ERR_ARG);
    rq.ao_type = DNP3KIT_AO_FLOAT64;
    rq.mode = DNP3KIT_CONTROL_DIRECT;
    assert_true(dnp3kit_master_session_submit(F.s, &rq, F.now, &d) > 0);
    dnp3kit_master_session_tick(F.s, F.now);
    drain();
    assert_int_equal(last_func(), DNP3KIT_FC_DIRECT_OPERATE);
    assert_int_equal(F.reqs[0][2], 41);
    assert_int_equal(F.reqs[0][3], 4);
    echo_last(0);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
}

static void test_iin_reactions_restart_and_time(void **state)
{
    (void)state;
    fx_default();
    submit_poll();
    answer_null(DNP3KIT_IIN_DEVICE_RESTART | DNP3KIT_IIN_NEED_TIME);
    assert_int_equal(F.ndone, 1);
    /* clear restart first: WRITE g80v1 index 7 = 0 */
    assert_int_equal(last_func(), DNP3KIT_FC_WRITE);
    assert_int_equal(F.reqs[F.nreq - 1][2], 80);
    assert_int_equal(F.reqs[F.nreq - 1][3], 1);
    answer_null(DNP3KIT_IIN_NEED_TIME);
    /* then LAN time sync: RECORD_CURRENT_TIME, WRITE g50v3 */
    assert_int_equal(last_func(), DNP3KIT_FC_RECORD_CURRENT_TIME);
    uint64_t rec = cb_wall(NULL);
    answer_null(DNP3KIT_IIN_NEED_TIME);
    assert_int_equal(last_func(), DNP3KIT_FC_WRITE);
    const uint8_t *w = F.reqs[F.nreq - 1];
    assert_int_equal(w[2], 50);
    assert_int_equal(w[3], 3);
    uint64_t t = 0;
    for (int i = 0; i < 6; i++)
        t |= (uint64_t)w[6 + i] << (8 * i);
    assert_true(t == rec);
    answer_null(0);
    assert_int_equal(F.ndone, 3);
    assert_true(F.done[1].internal && F.done[2].internal);
    assert_int_equal(dnp3kit_master_session_tasks(F.s), 0);
}

static void test_non_lan_time_sync_corrects_delay(void **state)
{
    (void)state;
    dnp3kit_master_config c;
    setup_cfg(&c);
    c.time_sync = DNP3KIT_TIME_SYNC_NON_LAN;
    fx_start(&c);
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_TIME_SYNC;
    submit(&rq);
    assert_int_equal(last_func(), DNP3KIT_FC_DELAY_MEASURE);
    F.now += 100; /* round trip 100 ms, of which the outstation took 20 */
    uint8_t b[32];
    size_t n = resp(b, dnp3kit_app_ctrl(true, true, false, false, last_seq()), DNP3KIT_FC_RESPONSE, 0,
                    "34 02 07 01 14 00");
    os_send(b, n);
    assert_int_equal(last_func(), DNP3KIT_FC_WRITE);
    const uint8_t *w = F.reqs[F.nreq - 1];
    assert_int_equal(w[3], 1);
    uint64_t t = 0;
    for (int i = 0; i < 6; i++)
        t |= (uint64_t)w[6 + i] << (8 * i);
    assert_true(t == cb_wall(NULL) + 40);
    answer_null(0);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
}

static void test_iin_error_is_protocol_error(void **state)
{
    (void)state;
    fx_default();
    submit_poll();
    answer_null(DNP3KIT_IIN_OBJECT_UNKNOWN);
    assert_int_equal(F.done[0].err, DNP3KIT_ERR_PROTOCOL);
    assert_int_equal(F.done[0].d.iin, DNP3KIT_IIN_OBJECT_UNKNOWN);
    assert_non_null(strstr(F.done[0].d.message, "OBJECT_UNKNOWN"));
}

static void test_overflow_triggers_integrity(void **state)
{
    (void)state;
    fx_default();
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_READ_CLASS;
    rq.classes = 0x02;
    submit(&rq);
    answer_null(DNP3KIT_IIN_EVENT_BUFFER_OVERFLOW);
    assert_int_equal(F.nreq, 2);
    assert_int_equal(last_func(), DNP3KIT_FC_READ);
    /* class 1, 2, 3, 0: four g60 headers */
    assert_int_equal(F.req_len[1], 2 + 4 * 3);
}

static void test_link_layer(void **state)
{
    (void)state;
    fx_default();
    uint8_t fr[300];
    /* REQUEST_LINK_STATUS from the outstation: LINK_STATUS back */
    int n = dnp3kit_link_build(dnp3kit_link_ctrl(false, true, false, false, DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS),
                               M_ADDR, OS_ADDR, NULL, 0, fr, sizeof fr);
    dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    drain();
    assert_int_equal(F.nlink, 1);
    assert_int_equal(F.link_funcs[0], DNP3KIT_LINK_SEC_LINK_STATUS);
    n = dnp3kit_link_build(dnp3kit_link_ctrl(false, true, false, false, DNP3KIT_LINK_PRI_RESET_LINK_STATES), M_ADDR,
                           OS_ADDR, NULL, 0, fr, sizeof fr);
    dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    drain();
    assert_int_equal(F.link_funcs[1], DNP3KIT_LINK_SEC_ACK);
    /* a response from another outstation, or with DIR=1, is not ours */
    submit_poll();
    uint8_t b[32];
    size_t m = resp(b, dnp3kit_app_ctrl(true, true, false, false, last_seq()), DNP3KIT_FC_RESPONSE, 0, NULL);
    uint8_t seg[40];
    seg[0] = 0xC0;
    memcpy(seg + 1, b, m);
    n = dnp3kit_link_build(dnp3kit_link_ctrl(false, true, false, false, 4), M_ADDR, 11, seg, m + 1, fr, sizeof fr);
    dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    n = dnp3kit_link_build(dnp3kit_link_ctrl(true, true, false, false, 4), M_ADDR, OS_ADDR, seg, m + 1, fr, sizeof fr);
    dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    assert_int_equal(F.ndone, 0);
    /* link status request of ours */
    answer_null(0);
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_LINK_STATUS;
    submit(&rq);
    assert_int_equal(F.link_funcs[F.nlink - 1], 0x100 | DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS);
    n = dnp3kit_link_build(dnp3kit_link_ctrl(false, false, false, false, DNP3KIT_LINK_SEC_LINK_STATUS), M_ADDR,
                           OS_ADDR, NULL, 0, fr, sizeof fr);
    dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    assert_int_equal(F.ndone, 2);
    assert_int_equal(F.done[1].err, DNP3KIT_OK);
}

static void test_bad_crc_named_in_timeout(void **state)
{
    (void)state;
    start_poll_once();
    uint8_t b[64], fr[300], seg[80];
    size_t m = resp(b, dnp3kit_app_ctrl(true, true, false, false, last_seq()), DNP3KIT_FC_RESPONSE, 0,
                    "1e 01 00 00 00 01 07 00 00 00");
    seg[0] = 0xC0;
    memcpy(seg + 1, b, m);
    int n = dnp3kit_link_build(dnp3kit_link_ctrl(false, true, false, false, 4), M_ADDR, OS_ADDR, seg, m + 1, fr,
                               sizeof fr);
    fr[n - 1] ^= 0xFF; /* last block CRC */
    dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    assert_int_equal(F.ndone, 0);
    advance(1000);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_ERR_TIMEOUT);
    assert_int_equal(F.done[0].d.finding, DNP3KIT_F_LINK_BAD_BLOCK_CRC);
    assert_non_null(strstr(F.done[0].d.message, "link_bad_block_crc"));
}

static void test_garbage_and_byte_by_byte(void **state)
{
    (void)state;
    fx_default();
    submit_poll();
    uint8_t b[64], fr[300], seg[80], all[400];
    size_t m = resp(b, dnp3kit_app_ctrl(true, true, false, false, last_seq()), DNP3KIT_FC_RESPONSE, 0,
                    "1e 01 00 00 00 01 07 00 00 00");
    seg[0] = 0xC0;
    memcpy(seg + 1, b, m);
    int n = dnp3kit_link_build(dnp3kit_link_ctrl(false, true, false, false, 4), M_ADDR, OS_ADDR, seg, m + 1, fr,
                               sizeof fr);
    memcpy(all, "\x05\xff\x00\x64garbage", 11);
    memcpy(all + 11, fr, (size_t)n);
    for (size_t i = 0; i < 11 + (size_t)n; i++)
        dnp3kit_master_session_recv(F.s, all + i, 1, F.now);
    drain();
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
}

/* A peer streaming octets that are no frame for this master: after 64 KiB the
 * session reports session_rx_overrun and wants the connection closed, and the
 * failed request names it; a good frame in between resets the count. */
static void test_rx_overrun_closes(void **state)
{
    (void)state;
    start_poll_once();
    static uint8_t junk[16384];
    memset(junk, 0x11, sizeof junk);
    /* frames from another outstation count too: 60 KiB, then our answer, then 60 KiB more */
    for (int i = 0; i < 3; i++)
        dnp3kit_master_session_recv(F.s, junk, sizeof junk, F.now);
    uint8_t fr[300];
    int n = dnp3kit_link_build(dnp3kit_link_ctrl(false, true, false, false, 4), M_ADDR, OS_ADDR + 1,
                               (const uint8_t *)"\xC0\xC0\x81\x00\x00", 5, fr, sizeof fr);
    for (int i = 0; i < 64; i++)
        dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    assert_false(dnp3kit_master_session_wants_close(F.s));
    answer_null(0);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
    for (int i = 0; i < 3; i++)
        dnp3kit_master_session_recv(F.s, junk, sizeof junk, F.now);
    assert_false(dnp3kit_master_session_wants_close(F.s)); /* the answer reset the count */
    submit_poll();
    for (int i = 0; i < 2 && !dnp3kit_master_session_wants_close(F.s); i++)
        dnp3kit_master_session_recv(F.s, junk, sizeof junk, F.now);
    assert_true(dnp3kit_master_session_wants_close(F.s));
    dnp3kit_master_session_closed(F.s, F.now);
    assert_int_equal(F.ndone, 2);
    assert_int_equal(F.done[1].err, DNP3KIT_ERR_CLOSED);
    assert_int_equal(F.done[1].d.finding, DNP3KIT_F_SESSION_RX_OVERRUN);
    assert_non_null(strstr(F.done[1].d.message, "octets with no frame for this master: connection closed"));
}

/* Part of a frame and then silence: the timeout says the sender is too slow. */
static void test_slow_frame_named_in_timeout(void **state)
{
    (void)state;
    start_poll_once();
    dnp3kit_master_session_recv(F.s, (const uint8_t *)"\x05\x64\x0a", 3, F.now);
    advance(1000);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_ERR_TIMEOUT);
    assert_non_null(strstr(F.done[0].d.message, "only 3 octets of a frame arrived: the outstation sends too slowly"));
}

static void test_cto_resolves_relative_time(void **state)
{
    (void)state;
    fx_default();
    submit_poll();
    uint8_t b[64];
    /* g51v1 CTO = 1000000 ms, then g2v3 index 4 ONLINE|STATE rel 250 ms */
    size_t n = resp(b, dnp3kit_app_ctrl(true, true, false, false, last_seq()), DNP3KIT_FC_RESPONSE, 0,
                    "33 01 07 01 40 42 0f 00 00 00  02 03 28 01 00 04 00 81 fa 00");
    os_send(b, n);
    assert_int_equal(F.done[0].r.count, 1);
    const dnp3kit_master_point *p = &F.done[0].r.points[0];
    assert_true(p->event);
    assert_true(p->has_time);
    assert_true(p->time_ms == 1000250);
    assert_int_equal(p->index, 4);
}

static void test_closed_then_retried(void **state)
{
    (void)state;
    fx_default();
    submit_poll();
    dnp3kit_master_session_closed(F.s, F.now);
    assert_int_equal(F.ndone, 0);
    F.now += 200;
    dnp3kit_master_session_tick(F.s, F.now);
    dnp3kit_link_parser_init(&F.lp);
    dnp3kit_master_session_connected(F.s, F.now);
    drain();
    assert_int_equal(F.nreq, 2);
    answer_null(0);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
    /* connection failures use up attempts and fail with the I/O layer's detail */
    dnp3kit_master_session_closed(F.s, F.now);
    submit_poll();
    dnp3kit_error_detail why;
    dnp3kit_error_detail_clear(&why);
    why.code = DNP3KIT_ERR_CONNECT;
    snprintf(why.message, sizeof why.message, "refused");
    for (int i = 0; i < 3; i++)
        dnp3kit_master_session_connect_failed(F.s, F.now, &why);
    assert_int_equal(F.ndone, 2);
    assert_int_equal(F.done[1].err, DNP3KIT_ERR_CONNECT);
}

static void test_keepalive(void **state)
{
    (void)state;
    dnp3kit_master_config c;
    setup_cfg(&c);
    c.keepalive_ms = 500;
    fx_start(&c);
    assert_true(dnp3kit_master_session_next_timer(F.s) == F.now + 500);
    advance(500);
    assert_int_equal(F.nlink, 1);
    assert_int_equal(F.link_funcs[0], 0x100 | DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS);
    assert_false(dnp3kit_master_session_wants_close(F.s));
    advance(1000);
    assert_true(dnp3kit_master_session_wants_close(F.s));
}

static void test_config_validation(void **state)
{
    (void)state;
    dnp3kit_master_config c;
    dnp3kit_error_detail d;
    setup_cfg(&c);
    assert_int_equal(dnp3kit_master_config_validate(&c, &d), DNP3KIT_OK);
    c.outstation_address = 65520;
    assert_int_equal(dnp3kit_master_config_validate(&c, &d), DNP3KIT_ERR_ARG);
    assert_non_null(strstr(d.message, "0-65519"));
    setup_cfg(&c);
    c.max_frame_size = 300;
    assert_int_equal(dnp3kit_master_config_validate(&c, &d), DNP3KIT_ERR_ARG);
    setup_cfg(&c);
    c.port = 0;
    assert_int_equal(dnp3kit_master_config_validate(&c, &d), DNP3KIT_ERR_ARG);
    setup_cfg(&c);
    c.response_timeout_ms = 0;
    assert_int_equal(dnp3kit_master_config_validate(&c, &d), DNP3KIT_ERR_ARG);
    assert_null(dnp3kit_master_session_new(&c, NULL, NULL, &d));
}

static void test_startup_sequence(void **state)
{
    (void)state;
    dnp3kit_master_config c;
    setup_cfg(&c);
    c.startup = true;
    fx_start(&c);
    drain();
    static const uint8_t want[] = {DNP3KIT_FC_WRITE, DNP3KIT_FC_DISABLE_UNSOLICITED, DNP3KIT_FC_READ,
                                   DNP3KIT_FC_RECORD_CURRENT_TIME, DNP3KIT_FC_WRITE, DNP3KIT_FC_ENABLE_UNSOLICITED};
    for (size_t i = 0; i < sizeof want; i++) {
        assert_int_equal(F.nreq, i + 1);
        assert_int_equal(last_func(), want[i]);
        answer_null(i == 2 ? DNP3KIT_IIN_NEED_TIME : 0);
    }
    assert_int_equal(F.ndone, 1);
    assert_true(F.done[0].internal);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
}

/* ---- hostile outstations: the master never storms one ---- */

/* Answer every request (not confirms) the master has sent since `answered` with a null
 * response carrying iin; returns how many were answered. */
static size_t answer_pending(size_t *answered, uint16_t iin)
{
    size_t n = 0;
    while (*answered < F.nreq) {
        size_t i = (*answered)++;
        if (F.reqs[i % 32][1] == DNP3KIT_FC_CONFIRM)
            continue;
        uint8_t b[8];
        size_t m = resp(b, dnp3kit_app_ctrl(true, true, false, false, F.reqs[i % 32][0] & 0x0F), DNP3KIT_FC_RESPONSE,
                        iin, NULL);
        os_send(b, m);
        n++;
    }
    return n;
}

/* An outstation whose every response carries iin, polled every poll_ms for ms (fake clock). */
static size_t hostile_run(size_t *answered, uint16_t iin, uint64_t ms, uint64_t poll_ms)
{
    size_t polls = 0;
    for (uint64_t t = 0; t < ms; t += 10) {
        if (t % poll_ms == 0 && dnp3kit_master_session_tasks(F.s) == 0) {
            submit_poll();
            polls++;
        }
        answer_pending(answered, iin);
        advance(10);
    }
    answer_pending(answered, iin);
    return polls;
}

static void test_stuck_restart_and_need_time_bounded(void **state)
{
    (void)state;
    fx_default();
    const uint16_t stuck = DNP3KIT_IIN_DEVICE_RESTART | DNP3KIT_IIN_NEED_TIME;
    size_t answered = 0;
    /* one poll: the two reactions once each, then nothing (they used to trigger each other without end) */
    submit_poll();
    while (answer_pending(&answered, stuck) > 0)
        ;
    assert_int_equal(F.nreq, 4); /* READ, WRITE g80 (clear), RECORD_CURRENT_TIME, WRITE g50 */
    assert_int_equal(F.clear_restarts, 1);
    assert_int_equal(F.func_count[DNP3KIT_FC_RECORD_CURRENT_TIME], 1);
    assert_int_equal(dnp3kit_master_session_tasks(F.s), 0);
    assert_int_equal(F.nstuck, 2);
    assert_non_null(strstr(F.stuck_text, "NEED_TIME still set after synchronising the time once"));
    /* a minute of polls every 100 ms: each reaction at most once per window, given up after 3 */
    size_t polls = hostile_run(&answered, stuck, 60000, 100);
    assert_true(polls > 500);
    assert_int_equal(F.clear_restarts, F.cfg.reaction_attempts);
    assert_int_equal(F.func_count[DNP3KIT_FC_RECORD_CURRENT_TIME], F.cfg.reaction_attempts);
    assert_int_equal(F.nreq, 1 + polls + 2 * F.cfg.reaction_attempts + F.cfg.reaction_attempts);
    assert_int_equal(F.nstuck, 2 * F.cfg.reaction_attempts);
    assert_int_equal(F.last_stuck.index, 1); /* given up */
    assert_int_equal(F.last_stuck.actual, F.cfg.reaction_attempts);
    dnp3kit_master_stats st;
    dnp3kit_master_session_stats(F.s, &st);
    assert_int_equal(st.requests, F.nreq);
    assert_int_equal(st.iin_stuck, F.nstuck);
    /* the bits seen clear once: the master reacts again when they come back (after the window) */
    hostile_run(&answered, 0, 1000, 100);
    size_t before = F.clear_restarts;
    hostile_run(&answered, stuck, 4900, 100);
    assert_int_equal(F.clear_restarts, before + 1);
}

static void test_restart_window_configurable(void **state)
{
    (void)state;
    dnp3kit_master_config c;
    setup_cfg(&c);
    c.reaction_window_ms = 1000;
    c.reaction_attempts = 5;
    c.time_sync = DNP3KIT_TIME_SYNC_NONE;
    fx_start(&c);
    size_t answered = 0;
    hostile_run(&answered, DNP3KIT_IIN_DEVICE_RESTART, 3500, 100);
    /* t = 0, 1000, 2000, 3000 */
    assert_int_equal(F.clear_restarts, 4);
    assert_int_equal(F.func_count[DNP3KIT_FC_RECORD_CURRENT_TIME], 0);
    assert_int_equal(F.last_stuck.index, 0);
    hostile_run(&answered, DNP3KIT_IIN_DEVICE_RESTART, 10000, 100);
    assert_int_equal(F.clear_restarts, 5);
    assert_int_equal(F.last_stuck.index, 1);
    assert_non_null(strstr(F.stuck_text, "DEVICE_RESTART still set after clearing it 5 times"));
}

static void test_overflow_judged_by_next_response(void **state)
{
    (void)state;
    fx_default();
    size_t answered = 0;
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_READ_CLASS;
    rq.classes = 0x02;
    submit(&rq);
    answer_pending(&answered, DNP3KIT_IIN_EVENT_BUFFER_OVERFLOW);
    assert_int_equal(F.nreq, 2); /* the integrity poll */
    /* its own answer may still say overflow (the events are not confirmed yet) */
    answer_pending(&answered, DNP3KIT_IIN_EVENT_BUFFER_OVERFLOW);
    assert_int_equal(F.nstuck, 0);
    assert_int_equal(F.nreq, 2);
    /* the next answer still does: the integrity poll did not help */
    submit(&rq);
    answer_pending(&answered, DNP3KIT_IIN_EVENT_BUFFER_OVERFLOW);
    assert_int_equal(F.nstuck, 1);
    assert_non_null(strstr(F.stuck_text, "EVENT_BUFFER_OVERFLOW still set after an integrity poll"));
    assert_int_equal(F.nreq, 3); /* and no second integrity poll within the window */
    /* a clean answer later: no finding */
    submit(&rq);
    answer_pending(&answered, 0);
    assert_int_equal(F.nstuck, 1);
}

static void test_request_rate_cap(void **state)
{
    (void)state;
    dnp3kit_master_config c;
    setup_cfg(&c);
    c.max_requests_per_s = 10;
    fx_start(&c);
    size_t answered = 0;
    for (int i = 0; i < 30; i++) {
        dnp3kit_master_request rq = {0};
        rq.type = DNP3KIT_TASK_READ_CLASS;
        rq.classes = 0x0F;
        assert_true(dnp3kit_master_session_submit(F.s, &rq, F.now, NULL) > 0);
    }
    /* answered at once, on a clock that stands still: the burst of 10, then nothing */
    for (int k = 0; k < 50; k++) {
        dnp3kit_master_session_tick(F.s, F.now);
        drain();
        answer_pending(&answered, 0);
    }
    assert_int_equal(F.nreq, 10);
    assert_true(dnp3kit_master_session_next_timer(F.s) == F.now + 100);
    dnp3kit_master_stats st;
    dnp3kit_master_session_stats(F.s, &st);
    assert_true(st.rate_limited > 0);
    /* then 10 per second */
    for (int ms = 0; ms < 1000; ms += 10) {
        advance(10);
        answer_pending(&answered, 0);
    }
    assert_int_equal(F.nreq, 20);
    /* 0: no cap */
    fx_teardown(NULL);
    c.max_requests_per_s = 0;
    fx_start(&c);
    answered = 0;
    for (int i = 0; i < 30; i++)
        submit_poll(), answer_pending(&answered, 0);
    assert_int_equal(F.nreq, 30);
}

/* A response (to the request of SEQ seq) in a link frame of this function, FCB and FCV. */
static void send_frame(uint8_t func, bool fcb, bool fcv, uint8_t seq, uint16_t iin)
{
    uint8_t b[32], fr[300], seg[40];
    size_t m = resp(b, dnp3kit_app_ctrl(true, true, false, false, seq), DNP3KIT_FC_RESPONSE, iin, NULL);
    seg[0] = (uint8_t)(0xC0 | (F.os_tseq++ & 0x3F));
    memcpy(seg + 1, b, m);
    int n = dnp3kit_link_build(dnp3kit_link_ctrl(false, true, fcb, fcv, func), M_ADDR, OS_ADDR, seg, m + 1, fr,
                               sizeof fr);
    assert_true(n > 0);
    dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    drain();
}

/* A response to the last request in a link frame of the given function and FCV. */
static void send_in_frame(uint8_t func, bool fcv, uint16_t iin)
{
    send_frame(func, false, fcv, last_seq(), iin);
}

/* A response in CONFIRMED_USER_DATA with this FCB (FCV=1). */
static void send_confirmed(bool fcb, uint8_t seq)
{
    send_frame(DNP3KIT_LINK_PRI_CONFIRMED_USER_DATA, fcb, true, seq, 0);
}

/* The outstation's link answer (ACK, NACK) to the master's frame. */
static void os_link_answer(uint8_t func)
{
    uint8_t fr[16];
    int n = dnp3kit_link_build(dnp3kit_link_ctrl(false, false, false, false, func), M_ADDR, OS_ADDR, NULL, 0, fr,
                               sizeof fr);
    dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    drain();
}

#define PRI(func) (0x100 | DNP3KIT_LINK_PRI_##func)
#define CTRL_CUD(fcb) dnp3kit_link_ctrl(true, true, fcb, true, DNP3KIT_LINK_PRI_CONFIRMED_USER_DATA)

/* cfg.link_confirm (IEEE 1815 clause 9.2.6): RESET_LINK_STATES first, then
 * CONFIRMED_USER_DATA with FCB 1, 0 ...; each waits for its ACK; a link timeout
 * sends the same frame again; a NACK resets the link and sends it again; the
 * response timeout runs from the ACK; too many timeouts or NACKs fail the task. */
static void test_link_confirm_primary(void **state)
{
    (void)state;
    dnp3kit_master_config c;
    setup_cfg(&c);
    c.link_confirm = true;
    c.link_timeout_ms = 200;
    c.link_retries = 1;
    c.retries = 0;
    fx_start(&c);
    submit_poll();
    assert_int_equal(F.nlink, 1);
    assert_int_equal(F.link_funcs[0], PRI(RESET_LINK_STATES));
    advance(150); /* nothing new before the link timeout */
    assert_int_equal(F.nlink, 1);
    os_link_answer(DNP3KIT_LINK_SEC_ACK);
    assert_int_equal(F.nlink, 2);
    assert_int_equal(F.link_ctrl[1], CTRL_CUD(true));
    assert_int_equal(last_func(), DNP3KIT_FC_READ);
    /* NACK (the outstation restarted): reset again, then the same frame with FCB 1 */
    os_link_answer(DNP3KIT_LINK_SEC_NACK);
    assert_int_equal(F.link_funcs[2], PRI(RESET_LINK_STATES));
    os_link_answer(DNP3KIT_LINK_SEC_ACK);
    assert_int_equal(F.link_ctrl[3], CTRL_CUD(true));
    /* no ACK: after the link timeout the same frame, FCB 1 again */
    advance(200);
    assert_int_equal(F.nlink, 5);
    assert_int_equal(F.link_ctrl[4], CTRL_CUD(true));
    os_link_answer(DNP3KIT_LINK_SEC_ACK);
    /* the response timeout (1000 ms) runs from the ACK: 900 ms later still waiting */
    advance(900);
    assert_int_equal(F.ndone, 0);
    answer_null(0);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
    /* the next request: FCB 0 */
    submit_poll();
    assert_int_equal(F.link_ctrl[5], CTRL_CUD(false));
    os_link_answer(DNP3KIT_LINK_SEC_ACK);
    answer_null(0);
    assert_int_equal(F.ndone, 2);
    dnp3kit_master_stats st;
    dnp3kit_master_session_stats(F.s, &st);
    assert_int_equal(st.link_resets, 2);
    assert_int_equal(st.link_frames, 4);
    assert_int_equal(st.link_repeats, 1);
    assert_int_equal(st.link_nacks, 1);
    /* silent: 1 + link_retries sends, then the task fails naming the link layer */
    submit_poll();
    assert_int_equal(F.link_ctrl[6], CTRL_CUD(true));
    advance(200);
    assert_int_equal(F.link_ctrl[7], CTRL_CUD(true));
    advance(200);
    assert_int_equal(F.ndone, 3);
    assert_int_equal(F.done[2].err, DNP3KIT_ERR_TIMEOUT);
    assert_non_null(strstr(F.done[2].d.message, "no link-layer ACK to CONFIRMED_USER_DATA (READ request)"));
    assert_non_null(strstr(F.done[2].d.message, "(2 attempts)"));
    /* ... and the next frame resets the link again; NACKs beyond link_retries fail it */
    submit_poll();
    assert_int_equal(F.link_funcs[8], PRI(RESET_LINK_STATES));
    os_link_answer(DNP3KIT_LINK_SEC_ACK);
    os_link_answer(DNP3KIT_LINK_SEC_NACK);
    os_link_answer(DNP3KIT_LINK_SEC_ACK);
    os_link_answer(DNP3KIT_LINK_SEC_NACK);
    assert_int_equal(F.ndone, 4);
    assert_int_equal(F.done[3].err, DNP3KIT_ERR_PROTOCOL);
    assert_non_null(strstr(F.done[3].d.message, "answered with NACK 2 times"));
}

static void test_wrong_fcv_rejected(void **state)
{
    (void)state;
    fx_default();
    submit_poll();
    /* unconfirmed user data with FCV=1, confirmed user data with FCV=0: not valid frames */
    send_in_frame(DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA, true, 0);
    send_in_frame(DNP3KIT_LINK_PRI_CONFIRMED_USER_DATA, false, 0);
    assert_int_equal(F.ndone, 0);
    assert_int_equal(F.nlink, 0); /* and no ACK for the confirmed one */
    dnp3kit_master_stats st;
    dnp3kit_master_session_stats(F.s, &st);
    assert_int_equal(st.frames_rejected, 2);
    /* a link request with FCV=1 is not answered either */
    uint8_t fr[32];
    int n = dnp3kit_link_build(dnp3kit_link_ctrl(false, true, false, true, DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS),
                               M_ADDR, OS_ADDR, NULL, 0, fr, sizeof fr);
    dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    drain();
    assert_int_equal(F.nlink, 0);
    /* the right FCV is taken (confirmed user data is acknowledged) */
    send_in_frame(DNP3KIT_LINK_PRI_CONFIRMED_USER_DATA, true, 0);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
    assert_int_equal(F.nlink, 1);
    assert_int_equal(F.link_funcs[0], DNP3KIT_LINK_SEC_ACK);
    dnp3kit_master_session_stats(F.s, &st);
    assert_int_equal(st.frames_rejected, 3);
}

/* IEEE 1815 clause 9: after the outstation's RESET_LINK_STATES the master, as the
 * secondary station, takes CONFIRMED_USER_DATA with FCB 1, 0, 1 ...; a frame with
 * the FCB of the last one taken is the outstation's retry after a lost ACK: ACKed
 * again, never taken twice. A new RESET_LINK_STATES starts again at FCB 1. */
static void test_confirmed_user_data_fcb(void **state)
{
    (void)state;
    fx_default();
    uint8_t fr[32];
    int n = dnp3kit_link_build(dnp3kit_link_ctrl(false, true, false, false, DNP3KIT_LINK_PRI_RESET_LINK_STATES), M_ADDR,
                               OS_ADDR, NULL, 0, fr, sizeof fr);
    dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    drain();
    assert_int_equal(F.link_funcs[0], DNP3KIT_LINK_SEC_ACK);
    submit_poll();
    uint8_t seq = last_seq();
    send_confirmed(true, seq); /* FCB 1: taken */
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.nlink, 2);
    submit_poll();
    uint8_t seq2 = last_seq();
    /* the same FCB again (a retry of the first; here carrying an answer the second poll
     * would take if it were not refused as a repeat) */
    send_confirmed(true, seq2);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.nlink, 3);
    assert_int_equal(F.link_funcs[2], DNP3KIT_LINK_SEC_ACK);
    dnp3kit_master_stats st;
    dnp3kit_master_session_stats(F.s, &st);
    assert_int_equal(st.frames_repeated, 1);
    send_confirmed(false, seq2); /* FCB 0: the next frame, taken */
    assert_int_equal(F.ndone, 2);
    assert_int_equal(F.done[1].err, DNP3KIT_OK);
    /* a reset starts over at FCB 1 */
    dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    drain();
    submit_poll();
    send_confirmed(true, last_seq());
    assert_int_equal(F.ndone, 3);
    dnp3kit_master_session_stats(F.s, &st);
    assert_int_equal(st.frames_repeated, 1);
}

static void test_response_memory_bounded(void **state)
{
    (void)state;
    dnp3kit_master_config c;
    setup_cfg(&c);
    c.max_points = 10;
    fx_start(&c);
    submit_poll();
    uint8_t b[2048];
    char hex[4096] = "01 01 00 00 ff ";
    for (int i = 0; i < 32; i++)
        strcat(hex, "ff ");
    size_t n = resp(b, dnp3kit_app_ctrl(true, true, false, false, last_seq()), DNP3KIT_FC_RESPONSE, 0, hex);
    os_send(b, n);
    assert_int_equal(F.done[0].r.count, 10);
    assert_int_equal(F.done[0].r.dropped, 246);
    assert_true(dnp3kit_master_session_memory(F.s) < 64 * 1024);
}

/* ---- every object kept (issue 11) ---- */

static const dnp3kit_master_object *obj_of(const dnp3kit_master_result *r, uint8_t g, size_t nth)
{
    for (size_t i = 0; i < r->nobjects; i++)
        if (r->objects[i].group == g && nth-- == 0)
            return &r->objects[i];
    return NULL;
}

static void test_other_objects_kept(void **state)
{
    (void)state;
    fx_default();
    submit_poll();
    uint8_t b[256];
    /* g30v1 0..0; g50v1 count 1 (time 0x0102030405 ms); g110v4 0..1 "ABCD" "EFGH";
     * g102v1 0..0 = 42; g121v1 0..0 (flags ONLINE, assoc 3, value 77); g52v2 count 1 = 1000 ms */
    size_t n = resp(b, dnp3kit_app_ctrl(true, true, false, false, last_seq()), DNP3KIT_FC_RESPONSE, 0,
                    "1e 01 00 00 00  01 07 00 00 00"
                    "32 01 07 01  05 04 03 02 01 00"
                    "6e 04 00 00 01  41 42 43 44  45 46 47 48"
                    "66 01 00 00 00  2a"
                    "79 01 00 00 00  01 03 00 4d 00 00 00"
                    "34 02 07 01  e8 03");
    os_send(b, n);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
    dnp3kit_master_result *r = &F.done[0].r;
    assert_int_equal(r->count, 1);
    assert_int_equal(r->nobjects, 6);
    /* g52v2 (time delay fine): taken as the delay AND kept as an object */
    assert_true(r->has_delay);
    assert_int_equal(r->delay_ms, 1000);
    assert_non_null(obj_of(r, 52, 0));
    assert_non_null(obj_of(r, 52, 0)->name);
    assert_int_equal(r->dropped, 0);
    assert_int_equal(r->undecoded, 0);
    const dnp3kit_master_object *o = obj_of(r, 50, 0);
    assert_non_null(o);
    assert_string_equal(o->name, "Time and Date - Absolute Time");
    assert_int_equal(dnp3kit_master_object_field(o, "time")->v.u, 0x0102030405ull);
    o = obj_of(r, 110, 1);
    assert_non_null(o);
    assert_true(o->has_index);
    assert_int_equal(o->index, 1);
    const dnp3kit_master_field *f = dnp3kit_master_object_field(o, "value");
    assert_int_equal(f->octets_len, 4);
    assert_memory_equal(dnp3kit_master_field_octets(r, f), "EFGH", 4);
    o = obj_of(r, 102, 0);
    assert_int_equal(dnp3kit_master_object_field(o, "value")->v.u, 42);
    o = obj_of(r, 121, 0);
    assert_int_equal(dnp3kit_master_object_field(o, "assoc")->v.u, 3);
    assert_int_equal(dnp3kit_master_object_field(o, "value")->v.u, 77);
    assert_int_equal(dnp3kit_master_object_field(o, "flags")->v.u, 1);
}

/* the rest of issue 11's list: a CTO (g51), a security statistic event (g122), a
 * data set (g87, size-prefixed), a file command status (g70v4) and a virtual
 * terminal event (g113, the variation is its length) all reach the result */
static void test_other_objects_kept_more(void **state)
{
    (void)state;
    fx_default();
    submit_poll();
    uint8_t b[256];
    size_t n = resp(b, dnp3kit_app_ctrl(true, true, false, false, last_seq()), DNP3KIT_FC_RESPONSE, 0,
                    "33 01 07 01  01 02 03 04 05 06"
                    "7a 01 28 01 00  02 00  01 03 00 4d 00 00 00"
                    "57 01 5b 01  04 00  aa bb cc dd"
                    "46 04 5b 01  0d 00  01 00 00 00  00 10 00 00  00 04  07 00  00"
                    "71 04 17 01 05  41 42 43 44");
    os_send(b, n);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
    dnp3kit_master_result *r = &F.done[0].r;
    assert_int_equal(r->dropped, 0);
    assert_int_equal(r->undecoded, 0);
    assert_int_equal(r->nobjects, 5);
    for (size_t i = 0; i < r->nobjects; i++)
        assert_non_null(r->objects[i].name);
    const dnp3kit_master_object *o = obj_of(r, 51, 0);
    assert_non_null(o);
    assert_int_equal(dnp3kit_master_object_field(o, "time")->v.u, 0x060504030201ull);
    o = obj_of(r, 122, 0);
    assert_non_null(o);
    assert_true(o->has_index);
    assert_int_equal(o->index, 2);
    assert_int_equal(dnp3kit_master_object_field(o, "assoc")->v.u, 3);
    assert_int_equal(dnp3kit_master_object_field(o, "value")->v.u, 77);
    o = obj_of(r, 87, 0);
    assert_non_null(o);
    assert_int_equal(o->fields[0].octets_len, 4);
    assert_memory_equal(dnp3kit_master_field_octets(r, &o->fields[0]), "\xaa\xbb\xcc\xdd", 4);
    o = obj_of(r, 70, 0);
    assert_non_null(o);
    assert_int_equal(o->variation, 4);
    assert_int_equal(dnp3kit_master_object_field(o, "handle")->v.u, 1);
    assert_int_equal(dnp3kit_master_object_field(o, "file_size")->v.u, 0x1000);
    assert_int_equal(dnp3kit_master_object_field(o, "max_block")->v.u, 1024);
    assert_int_equal(dnp3kit_master_object_field(o, "request_id")->v.u, 7);
    assert_int_equal(dnp3kit_master_object_field(o, "status_code")->v.u, 0);
    o = obj_of(r, 113, 0);
    assert_non_null(o);
    assert_int_equal(o->index, 5);
    const dnp3kit_master_field *f = dnp3kit_master_object_field(o, "value");
    assert_int_equal(f->octets_len, 4);
    assert_memory_equal(dnp3kit_master_field_octets(r, f), "ABCD", 4);
}

static void test_partial_response_keeps_valid_prefix(void **state)
{
    (void)state;
    fx_default();
    submit_poll();
    uint8_t b[256];
    /* a good g30v1 point, then g30v99 (undefined) with data: the rest cannot be sized */
    size_t n = resp(b, dnp3kit_app_ctrl(true, true, false, false, last_seq()), DNP3KIT_FC_RESPONSE, 0,
                    "1e 01 00 00 00  01 07 00 00 00  1e 63 00 00 00  01 02 03");
    os_send(b, n);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_ERR_INVALID);
    dnp3kit_master_result *r = &F.done[0].r;
    assert_int_equal(r->count, 1);
    assert_true(r->points[0].value == 7);
    assert_int_equal(r->undecoded, 1);
    assert_int_equal(r->nobjects, 1);
    assert_null(r->objects[0].name);
    assert_int_equal(r->objects[0].group, 30);
    assert_int_equal(r->objects[0].variation, 99);
    assert_int_equal(r->objects[0].fields[0].octets_len, 8);
    assert_memory_equal(dnp3kit_master_field_octets(r, &r->objects[0].fields[0]), "\x1e\x63\x00\x00\x00", 5);
}

/* IEEE 1815 annex A: a g120 object shorter than its fixed fields cannot be
 * read; the master refuses the response (naming the defect) instead of
 * decoding it, and keeps what came before as a partial result. */
static void test_sa_object_too_short_refused(void **state)
{
    (void)state;
    fx_default();
    submit_poll();
    uint8_t b[64];
    /* a good g30v1 point, then g120v1 (challenge: 8 fixed octets) under 0x5B declaring 3 */
    size_t n = resp(b, dnp3kit_app_ctrl(true, true, false, false, last_seq()), DNP3KIT_FC_RESPONSE, 0,
                    "1e 01 00 00 00  01 07 00 00 00  78 01 5b 01 03 00  01 02 03");
    os_send(b, n);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_ERR_INVALID);
    assert_int_equal(F.done[0].d.finding, DNP3KIT_F_APP_OBJECT_TOO_SHORT);
    assert_non_null(strstr(F.done[0].d.message, "app_object_too_short"));
    dnp3kit_master_result *r = &F.done[0].r;
    assert_int_equal(r->count, 1);
    assert_true(r->points[0].value == 7);
    /* the short object is not decoded into fields: at most kept as octets */
    for (size_t i = 0; i < r->nobjects; i++)
        if (r->objects[i].group == 120)
            assert_null(r->objects[i].name);
}

static void test_attribute_overrun_named(void **state)
{
    (void)state;
    fx_default();
    submit_poll();
    uint8_t b[64];
    /* g0v252 VSTR claiming 16 octets with 2 left */
    size_t n = resp(b, dnp3kit_app_ctrl(true, true, false, false, last_seq()), DNP3KIT_FC_RESPONSE, 0,
                    "00 fc 00 00 00  01 10 41 42");
    os_send(b, n);
    assert_int_equal(F.done[0].err, DNP3KIT_ERR_INVALID);
    dnp3kit_master_result *r = &F.done[0].r;
    assert_int_equal(r->undecoded, 1);
    assert_int_equal(r->objects[0].group, 0);
    assert_int_equal(r->objects[0].variation, 252);
    assert_null(r->objects[0].name);
    /* the error names the defect and the object: g0v252, header 0, its octets at 9 */
    assert_string_equal(F.done[0].d.message, "malformed response to READ: app_object_truncated in g0v252 (object "
                                              "header 0, fragment octet 9)");
}

static void test_raw_request_and_attributes(void **state)
{
    (void)state;
    fx_default();
    static const uint8_t obj[] = {0, 254, 0x06};
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_RAW;
    rq.func = DNP3KIT_FC_READ;
    rq.objects = obj;
    rq.objects_len = sizeof obj;
    assert_true(submit(&rq) > 0);
    assert_int_equal(F.req_len[0], 5);
    assert_memory_equal(F.reqs[0] + 1, "\x01\x00\xfe\x06", 4);
    uint8_t b[64];
    size_t n = resp(b, dnp3kit_app_ctrl(true, true, false, false, last_seq()), DNP3KIT_FC_RESPONSE, 0,
                    "00 fc 00 00 00  01 03 41 42 43");
    os_send(b, n);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
    dnp3kit_master_result *r = &F.done[0].r;
    assert_int_equal(r->nobjects, 1);
    assert_int_equal(dnp3kit_master_object_field(&r->objects[0], "data_type")->v.u, 1);
    const dnp3kit_master_field *f = dnp3kit_master_object_field(&r->objects[0], "value");
    assert_memory_equal(dnp3kit_master_field_octets(r, f), "ABC", 3);
    /* a request that cannot be a request is refused */
    dnp3kit_error_detail d;
    rq.func = DNP3KIT_FC_RESPONSE;
    assert_int_equal(dnp3kit_master_session_submit(F.s, &rq, F.now, &d), DNP3KIT_ERR_ARG);
}

static void test_startup_result_is_the_poll(void **state)
{
    (void)state;
    dnp3kit_master_config c;
    setup_cfg(&c);
    c.startup = true;
    fx_start(&c);
    drain();
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(F.nreq, i + 1);
        uint8_t b[64];
        /* every answer carries an object; only the poll's (step 2) are the result */
        size_t n = resp(b, dnp3kit_app_ctrl(true, true, false, false, last_seq()), DNP3KIT_FC_RESPONSE,
                        i == 2 ? DNP3KIT_IIN_NEED_TIME : 0, i == 2 ? "1e 01 00 00 00 01 07 00 00 00" : "66 01 00 00 00 2a");
        os_send(b, n);
    }
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_OK);
    assert_int_equal(F.done[0].r.fragments, 1);
    assert_int_equal(F.done[0].r.count, 1);
    assert_int_equal(F.done[0].r.nobjects, 0);
}

static void test_timeout_names_other_address(void **state)
{
    (void)state;
    start_poll_once();
    /* the device at the other end answers from link address 11 */
    uint8_t fr[64];
    uint8_t ctrl = dnp3kit_link_ctrl(false, true, false, false, DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA);
    static const uint8_t seg[] = {0xC0, 0xC0, 0x81, 0x00, 0x00};
    int n = dnp3kit_link_build(ctrl, M_ADDR, 11, seg, sizeof seg, fr, sizeof fr);
    dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    advance(1000);
    assert_int_equal(F.done[0].err, DNP3KIT_ERR_TIMEOUT);
    assert_non_null(strstr(F.done[0].d.message, "outstation answered from address 11, not 10"));
}

#ifdef HAVE_MASTER_PRIVATE
/* multi-drop: frames from the line's other outstations (here 11, answering or
 * reporting unsolicited while ours is silent) are their own traffic, not a hint
 * that ours answers from another address; an address not on the line still is */
static void test_timeout_neighbour_not_stray(void **state)
{
    (void)state;
    start_poll_once();
    static const uint16_t line[] = {10, 11, 12};
    master_session_set_neighbours(F.s, line, 3);
    uint8_t fr[64];
    uint8_t ctrl = dnp3kit_link_ctrl(false, true, false, false, DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA);
    static const uint8_t seg[] = {0xC0, 0xF0, 0x82, 0x00, 0x00};
    int n = dnp3kit_link_build(ctrl, M_ADDR, 11, seg, sizeof seg, fr, sizeof fr);
    dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    advance(1000);
    assert_int_equal(F.done[0].err, DNP3KIT_ERR_TIMEOUT);
    assert_null(strstr(F.done[0].d.message, "answered from address"));
    assert_null(strstr(F.done[0].d.message, "frames seen from"));
    /* a frame from 13, which is not on the line, is still named */
    submit_poll();
    n = dnp3kit_link_build(ctrl, M_ADDR, 13, seg, sizeof seg, fr, sizeof fr);
    dnp3kit_master_session_recv(F.s, fr, (size_t)n, F.now);
    advance(1000);
    assert_int_equal(F.done[1].err, DNP3KIT_ERR_TIMEOUT);
    assert_non_null(strstr(F.done[1].d.message, "outstation answered from address 13, not 10"));
}
#endif

static void test_timeout_names_non_dnp3(void **state)
{
    (void)state;
    start_poll_once();
    static const char http[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
    dnp3kit_master_session_recv(F.s, (const uint8_t *)http, sizeof http - 1, F.now);
    advance(1000);
    assert_int_equal(F.done[0].err, DNP3KIT_ERR_TIMEOUT);
    assert_non_null(strstr(F.done[0].d.message, "28 octets received, none of them a DNP3 frame"));
}

static void test_timeout_names_late_answer(void **state)
{
    (void)state;
    dnp3kit_master_config c;
    setup_cfg(&c);
    c.retries = 1;
    fx_start(&c);
    submit_poll();
    uint8_t first = last_seq();
    advance(1000); /* timeout: retry after 100 ms */
    advance(50);
    uint8_t b[16];
    size_t n = resp(b, dnp3kit_app_ctrl(true, true, false, false, first), DNP3KIT_FC_RESPONSE, 0, NULL);
    os_send(b, n); /* 1050 ms after its request */
    advance(50);
    assert_int_equal(F.nreq, 2);
    advance(1000);
    assert_int_equal(F.done[0].err, DNP3KIT_ERR_TIMEOUT);
    assert_non_null(strstr(F.done[0].d.message, "an answer came 1050 ms after its request"));
}

/* A direct operate (no select) of one CROB, LATCH_ON. */
static dnp3kit_master_request direct_latch_on(void)
{
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_CROB;
    rq.mode = DNP3KIT_CONTROL_DIRECT;
    rq.crob.op = DNP3KIT_OP_LATCH_ON;
    rq.crob.count = 1;
    return rq;
}

static void test_direct_operate_timeout_may_have_executed(void **state)
{
    (void)state;
    fx_default();
    dnp3kit_master_request rq = direct_latch_on();
    submit(&rq);
    advance(1000);
    assert_int_equal(F.nreq, 1); /* never repeated */
    assert_int_equal(F.done[0].err, DNP3KIT_ERR_TIMEOUT);
    assert_non_null(strstr(F.done[0].d.message, "the request was sent: the control MAY HAVE EXECUTED"));
}

/* The connection never took the request's octets (a full socket buffer): the
 * timeout says the control was not completely sent, not that it may have run. */
static void test_direct_operate_timeout_not_sent(void **state)
{
    (void)state;
    fx_default();
    dnp3kit_master_request rq = direct_latch_on();
    dnp3kit_error_detail d;
    assert_true(dnp3kit_master_session_submit(F.s, &rq, F.now, &d) > 0);
    dnp3kit_master_session_tick(F.s, F.now);
    const uint8_t *p;
    assert_true(dnp3kit_master_session_pending(F.s, &p) > 0);
    dnp3kit_master_session_sent(F.s, 3); /* three octets of the frame, then nothing */
    for (int i = 0; i < 20 && F.ndone == 0; i++) {
        F.now += 100;
        dnp3kit_master_session_tick(F.s, F.now);
    }
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.done[0].err, DNP3KIT_ERR_TIMEOUT);
    assert_non_null(strstr(F.done[0].d.message, "the request was not completely sent"));
    assert_null(strstr(F.done[0].d.message, "MAY HAVE EXECUTED"));
}

static void test_no_iin_reactions(void **state)
{
    (void)state;
    dnp3kit_master_config c;
    setup_cfg(&c);
    c.iin_reactions = false;
    fx_start(&c);
    submit_poll();
    answer_null(DNP3KIT_IIN_DEVICE_RESTART | DNP3KIT_IIN_NEED_TIME | DNP3KIT_IIN_EVENT_BUFFER_OVERFLOW);
    advance(10);
    assert_int_equal(F.ndone, 1);
    assert_int_equal(F.nreq, 1); /* no clear restart, no time sync, no integrity poll */
    assert_int_equal(dnp3kit_master_session_tasks(F.s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_integrity_poll_points_and_iin, fx_teardown),
        cmocka_unit_test_teardown(test_wrong_and_late_seq_never_taken, fx_teardown),
        cmocka_unit_test_teardown(test_timeout_after_retries, fx_teardown),
        cmocka_unit_test_teardown(test_multi_fragment_confirms, fx_teardown),
        cmocka_unit_test_teardown(test_unsolicited_confirmed_once, fx_teardown),
        cmocka_unit_test_teardown(test_sbo_operates_identical_objects, fx_teardown),
        cmocka_unit_test_teardown(test_control_status_reported, fx_teardown),
        cmocka_unit_test_teardown(test_select_timeout, fx_teardown),
        cmocka_unit_test_teardown(test_direct_no_ack_completes_on_send, fx_teardown),
        cmocka_unit_test_teardown(test_analog_output_never_truncated, fx_teardown),
        cmocka_unit_test_teardown(test_iin_reactions_restart_and_time, fx_teardown),
        cmocka_unit_test_teardown(test_non_lan_time_sync_corrects_delay, fx_teardown),
        cmocka_unit_test_teardown(test_iin_error_is_protocol_error, fx_teardown),
        cmocka_unit_test_teardown(test_overflow_triggers_integrity, fx_teardown),
        cmocka_unit_test_teardown(test_link_layer, fx_teardown),
        cmocka_unit_test_teardown(test_bad_crc_named_in_timeout, fx_teardown),
        cmocka_unit_test_teardown(test_garbage_and_byte_by_byte, fx_teardown),
        cmocka_unit_test_teardown(test_rx_overrun_closes, fx_teardown),
        cmocka_unit_test_teardown(test_slow_frame_named_in_timeout, fx_teardown),
        cmocka_unit_test_teardown(test_cto_resolves_relative_time, fx_teardown),
        cmocka_unit_test_teardown(test_closed_then_retried, fx_teardown),
        cmocka_unit_test_teardown(test_keepalive, fx_teardown),
        cmocka_unit_test(test_config_validation),
        cmocka_unit_test_teardown(test_startup_sequence, fx_teardown),
        cmocka_unit_test_teardown(test_response_memory_bounded, fx_teardown),
        cmocka_unit_test_teardown(test_stuck_restart_and_need_time_bounded, fx_teardown),
        cmocka_unit_test_teardown(test_restart_window_configurable, fx_teardown),
        cmocka_unit_test_teardown(test_overflow_judged_by_next_response, fx_teardown),
        cmocka_unit_test_teardown(test_request_rate_cap, fx_teardown),
        cmocka_unit_test_teardown(test_wrong_fcv_rejected, fx_teardown),
        cmocka_unit_test_teardown(test_confirmed_user_data_fcb, fx_teardown),
        cmocka_unit_test_teardown(test_link_confirm_primary, fx_teardown),
        cmocka_unit_test_teardown(test_other_objects_kept, fx_teardown),
        cmocka_unit_test_teardown(test_other_objects_kept_more, fx_teardown),
        cmocka_unit_test_teardown(test_partial_response_keeps_valid_prefix, fx_teardown),
        cmocka_unit_test_teardown(test_sa_object_too_short_refused, fx_teardown),
        cmocka_unit_test_teardown(test_attribute_overrun_named, fx_teardown),
        cmocka_unit_test_teardown(test_raw_request_and_attributes, fx_teardown),
        cmocka_unit_test_teardown(test_startup_result_is_the_poll, fx_teardown),
        cmocka_unit_test_teardown(test_timeout_names_other_address, fx_teardown),
#ifdef HAVE_MASTER_PRIVATE
        cmocka_unit_test_teardown(test_timeout_neighbour_not_stray, fx_teardown),
#endif
        cmocka_unit_test_teardown(test_timeout_names_non_dnp3, fx_teardown),
        cmocka_unit_test_teardown(test_timeout_names_late_answer, fx_teardown),
        cmocka_unit_test_teardown(test_direct_operate_timeout_may_have_executed, fx_teardown),
        cmocka_unit_test_teardown(test_direct_operate_timeout_not_sent, fx_teardown),
        cmocka_unit_test_teardown(test_no_iin_reactions, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
