/* Unit tests of the outstation simulator's sans-I/O logic (tests/harness/
 * outstation.c): request octets in, response octets out, for each feature
 * and each fault. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "outstation.h"

#define T0 1700000000000ULL

/* ---- helpers: a tiny master on the other side ---- */

typedef struct rsp {
    uint8_t frag[4096];
    size_t len;
    dnp3kit_app_header h;
} rsp;

typedef struct world {
    dnp3kit_outstation os;
    uint64_t now;
    uint8_t mseq;               /* master's transport sequence */
    dnp3kit_link_parser lp;     /* parses what the outstation sent */
    dnp3kit_reassembler tr;
    uint8_t trbuf[4096];
    /* secondary link frames seen */
    unsigned link_replies;
    uint8_t last_link_func;
    bool last_link_ctrl_ok;
    unsigned bad_frames;
    unsigned bad_dir;
} world;

static world *W;

static void setup_cfg(dnp3kit_os_config *cfg)
{
    dnp3kit_os_config_default(cfg);
}

static world *make(const dnp3kit_os_config *cfg)
{
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    w->now = T0;
    assert_int_equal(dnp3kit_outstation_init(&w->os, cfg, w->now), DNP3KIT_OK);
    dnp3kit_link_parser_init(&w->lp);
    dnp3kit_reassembler_init(&w->tr, w->trbuf, sizeof w->trbuf);
    return w;
}

static void destroy(world *w)
{
    dnp3kit_outstation_free(&w->os);
    free(w);
}

static int send_seg(void *user, const uint8_t *seg, size_t len)
{
    world *w = user;
    uint8_t fr[300];
    int n = dnp3kit_link_build(dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA),
                               w->os.cfg.address, w->os.cfg.master, seg, len, fr, sizeof fr);
    assert_true(n > 0);
    /* feed it one octet at a time: the outstation must accept any chunking */
    for (int i = 0; i < n; i++)
        dnp3kit_outstation_receive(&w->os, fr + i, 1, w->now);
    return 0;
}

static void send_frag(world *w, const uint8_t *frag, int len)
{
    assert_true(len >= 2);
    assert_int_equal(dnp3kit_transport_segment(frag, (size_t)len, 249, &w->mseq, send_seg, w), 0);
}

/* Pull the next response fragment the outstation has sent; false if none. */
static bool next_rsp(world *w, rsp *r)
{
    const uint8_t *p;
    size_t n = dnp3kit_outstation_output(&w->os, w->now, &p);
    uint8_t buf[1 << 16];
    assert_true(n <= sizeof buf);
    if (n)
        memcpy(buf, p, n);
    dnp3kit_outstation_consume(&w->os, n);
    const uint8_t *q = buf;
    dnp3kit_link_frame f;
    /* leftovers stay in the parser between calls only through its buffer */
    static uint8_t pend[1 << 16];
    static size_t npend;
    if (npend + n > sizeof pend)
        npend = 0;
    if (n)
        memcpy(pend + npend, buf, n);
    npend += n;
    q = pend;
    size_t len = npend;
    bool got = false;
    while (!got && dnp3kit_link_parser_step(&w->lp, &q, &len, &f, NULL) == 1) {
        if (!f.crc_ok) {
            w->bad_frames++;
            continue;
        }
        if (f.dir)
            w->bad_dir++;
        if (!f.prm) {
            w->link_replies++;
            w->last_link_func = f.func;
            w->last_link_ctrl_ok = (f.ctrl & 0xF0) == 0 && f.dst == w->os.cfg.master && f.src == w->os.cfg.address;
            continue;
        }
        const uint8_t *m;
        size_t ml;
        if (dnp3kit_reassembler_push(&w->tr, f.user, f.user_len, &m, &ml, NULL) == 1) {
            assert_true(ml <= sizeof r->frag);
            memcpy(r->frag, m, ml);
            r->len = ml;
            assert_int_equal(dnp3kit_app_validate(r->frag, r->len, NULL, NULL), DNP3KIT_OK);
            assert_int_equal(dnp3kit_app_header_decode(r->frag, r->len, &r->h, NULL), DNP3KIT_OK);
            got = true;
        }
    }
    memmove(pend, q, len);
    npend = len;
    return got;
}

static void expect_rsp(world *w, rsp *r)
{
    assert_true(next_rsp(w, r));
}

static void expect_none(world *w)
{
    rsp r;
    assert_false(next_rsp(w, &r));
}

static uint8_t seq_;
static uint8_t next_seq(void)
{
    uint8_t s = seq_;
    seq_ = (uint8_t)((seq_ + 1) & 0x0F);
    return s;
}

/* Request/response round trip. */
static void rt(world *w, const uint8_t *req, int len, rsp *r)
{
    send_frag(w, req, len);
    expect_rsp(w, r);
    assert_int_equal(r->h.seq, req[0] & 0x0F);
    assert_int_equal(r->h.func, DNP3KIT_FC_RESPONSE);
    assert_false(r->h.uns);
}

static void confirm(world *w, uint8_t seq, bool uns)
{
    uint8_t c[4];
    send_frag(w, c, dnp3kit_build_confirm(c, sizeof c, seq, uns));
}

/* Object header number k of a response (asserts it exists). */
static dnp3kit_object_header header_at(const rsp *r, unsigned k)
{
    dnp3kit_object_iter it;
    dnp3kit_object_header oh;
    dnp3kit_object_iter_init(&it, r->frag, r->len, &r->h);
    for (unsigned i = 0; i <= k; i++)
        assert_int_equal(dnp3kit_object_iter_next(&it, &oh, NULL), 1);
    return oh;
}

static unsigned nheaders(const rsp *r)
{
    dnp3kit_object_iter it;
    dnp3kit_object_header oh;
    unsigned n = 0;
    dnp3kit_object_iter_init(&it, r->frag, r->len, &r->h);
    while (dnp3kit_object_iter_next(&it, &oh, NULL) == 1)
        n++;
    return n;
}

static dnp3kit_point point_at(const rsp *r, unsigned hdr, unsigned k)
{
    dnp3kit_object_header oh = header_at(r, hdr);
    dnp3kit_point_iter pi;
    dnp3kit_point pt;
    dnp3kit_point_iter_init(&pi, r->frag, r->len, &oh);
    for (unsigned i = 0; i <= k; i++)
        assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), 1);
    return pt;
}

static world *std_world(void)
{
    dnp3kit_os_config cfg;
    setup_cfg(&cfg);
    return make(&cfg);
}

/* Clear DEVICE_RESTART and NEED_TIME so IIN checks see only what a test did. */
static void settle(world *w)
{
    uint8_t req[64];
    rsp r;
    rt(w, req, dnp3kit_build_clear_restart(req, sizeof req, next_seq()), &r);
    rt(w, req, dnp3kit_build_write_time(req, sizeof req, next_seq(), 1, T0), &r);
    assert_int_equal(r.h.iin, 0);
}

/* ---- link layer ---- */

static void test_link_status_and_reset(void **state)
{
    (void)state;
    world *w = std_world();
    uint8_t fr[64];
    rsp r;
    int n = dnp3kit_link_build(dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS), 10, 1,
                               NULL, 0, fr, sizeof fr);
    dnp3kit_outstation_receive(&w->os, fr, (size_t)n, w->now);
    expect_none(w);
    assert_int_equal(w->link_replies, 1);
    assert_int_equal(w->last_link_func, DNP3KIT_LINK_SEC_LINK_STATUS);
    assert_true(w->last_link_ctrl_ok);
    /* confirmed user data before a reset: NACK, not processed */
    uint8_t seg[16] = {0xC0, 0xC0, 0x01, 60, 1, 6};
    n = dnp3kit_link_build(dnp3kit_link_ctrl(true, true, true, true, DNP3KIT_LINK_PRI_CONFIRMED_USER_DATA), 10, 1, seg,
                           6, fr, sizeof fr);
    assert_true(n > 0);
    uint8_t cud[64];
    memcpy(cud, fr, (size_t)n);
    int ncud = n;
    dnp3kit_outstation_receive(&w->os, cud, (size_t)ncud, w->now);
    expect_none(w);
    assert_int_equal(w->last_link_func, DNP3KIT_LINK_SEC_NACK);
    n = dnp3kit_link_build(dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_RESET_LINK_STATES), 10, 1, NULL,
                           0, fr, sizeof fr);
    dnp3kit_outstation_receive(&w->os, fr, (size_t)n, w->now);
    expect_none(w);
    assert_int_equal(w->last_link_func, DNP3KIT_LINK_SEC_ACK);
    /* now FCB=1 is expected: ACK and a response */
    dnp3kit_outstation_receive(&w->os, cud, (size_t)ncud, w->now);
    expect_rsp(w, &r);
    assert_int_equal(w->last_link_func, DNP3KIT_LINK_SEC_ACK);
    assert_int_equal(r.h.seq, 0);
    /* the same frame again (same FCB) is acknowledged but not processed */
    unsigned before = w->link_replies;
    dnp3kit_outstation_receive(&w->os, cud, (size_t)ncud, w->now);
    expect_none(w);
    assert_int_equal(w->link_replies, before + 1);
    /* frames for another address or from another master are ignored */
    n = dnp3kit_link_build(dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS), 11, 1,
                           NULL, 0, fr, sizeof fr);
    dnp3kit_outstation_receive(&w->os, fr, (size_t)n, w->now);
    n = dnp3kit_link_build(dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS), 10, 2,
                           NULL, 0, fr, sizeof fr);
    dnp3kit_outstation_receive(&w->os, fr, (size_t)n, w->now);
    expect_none(w);
    assert_int_equal(w->link_replies, before + 1);
    assert_int_equal(w->bad_dir, 0);
    destroy(w);
}

/* ---- reads ---- */

static void test_integrity_poll(void **state)
{
    (void)state;
    world *w = std_world();
    uint8_t req[64];
    rsp r;
    rt(w, req, dnp3kit_build_integrity_poll(req, sizeof req, 3), &r);
    assert_true(r.h.fir && r.h.fin);
    assert_false(r.h.con);
    assert_int_equal(r.h.iin, DNP3KIT_IIN_DEVICE_RESTART | DNP3KIT_IIN_NEED_TIME);
    static const uint8_t gv[][2] = {{1, 2}, {3, 2}, {10, 2}, {20, 1}, {21, 1}, {30, 1}, {40, 1}};
    assert_int_equal(nheaders(&r), 7);
    for (unsigned k = 0; k < 7; k++) {
        dnp3kit_object_header oh = header_at(&r, k);
        assert_int_equal(oh.group, gv[k][0]);
        assert_int_equal(oh.variation, gv[k][1]);
        assert_int_equal(oh.qualifier, 0x00);
        assert_int_equal(oh.start, 0);
    }
    dnp3kit_point pt = point_at(&r, 0, 0);
    assert_int_equal(pt.flags, DNP3KIT_FLAG_ONLINE);
    destroy(w);
}

static void test_clear_restart_and_time(void **state)
{
    (void)state;
    world *w = std_world();
    uint8_t req[64];
    rsp r;
    rt(w, req, dnp3kit_build_clear_restart(req, sizeof req, 0), &r);
    assert_int_equal(r.h.iin, DNP3KIT_IIN_NEED_TIME);
    /* writing 1 to DEVICE_RESTART is refused */
    const uint8_t bad[] = {0xC1, 0x02, 80, 1, 0, 7, 7, 1};
    rt(w, bad, sizeof bad, &r);
    assert_true(r.h.iin & DNP3KIT_IIN_PARAMETER_ERROR);
    /* LAN time: g50v3 without RECORD_CURRENT_TIME first is a parameter error */
    rt(w, req, dnp3kit_build_write_time(req, sizeof req, 2, 3, T0 + 5000), &r);
    assert_true(r.h.iin & DNP3KIT_IIN_PARAMETER_ERROR);
    assert_true(r.h.iin & DNP3KIT_IIN_NEED_TIME);
    rt(w, req, dnp3kit_build_record_current_time(req, sizeof req, 3), &r);
    w->now += 100;
    rt(w, req, dnp3kit_build_write_time(req, sizeof req, 4, 3, T0 + 5000), &r);
    assert_int_equal(r.h.iin, 0);
    /* the clock now reads master time: recorded at T0 as T0 + 5000, 100 ms ago */
    const uint8_t rd[] = {0xC5, 0x01, 50, 1, 7, 1};
    rt(w, rd, sizeof rd, &r);
    dnp3kit_point pt = point_at(&r, 0, 0);
    assert_int_equal(pt.time_ms, T0 + 5100);
    /* non-LAN g50v1 */
    world *w2 = std_world();
    rt(w2, req, dnp3kit_build_write_time(req, sizeof req, 0, 1, 1234567), &r);
    assert_int_equal(r.h.iin, DNP3KIT_IIN_DEVICE_RESTART);
    destroy(w2);
    destroy(w);
}

static void test_range_reads(void **state)
{
    (void)state;
    world *w = std_world();
    settle(w);
    uint8_t req[64];
    rsp r;
    dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_AI, 2, 40000.4, DNP3KIT_FLAG_ONLINE, w->now);
    /* g30v2 (16-bit): 40000 does not fit: clamped with OVER_RANGE */
    rt(w, req, dnp3kit_build_read_range(req, sizeof req, next_seq(), 30, 2, 1, 3), &r);
    dnp3kit_object_header oh = header_at(&r, 0);
    assert_int_equal(oh.group, 30);
    assert_int_equal(oh.variation, 2);
    assert_int_equal(oh.start, 1);
    assert_int_equal(oh.stop, 3);
    dnp3kit_point pt = point_at(&r, 0, 1);
    assert_int_equal(pt.index, 2);
    assert_int_equal(pt.i, 32767);
    assert_true(pt.flags & DNP3KIT_FLAG_OVER_RANGE);
    /* v0: default variation; g30v5 float */
    rt(w, req, dnp3kit_build_read_range(req, sizeof req, next_seq(), 30, 0, 2, 2), &r);
    assert_int_equal(header_at(&r, 0).variation, 1);
    assert_int_equal(point_at(&r, 0, 0).i, 40000);
    rt(w, req, dnp3kit_build_read_range(req, sizeof req, next_seq(), 30, 5, 2, 2), &r);
    assert_true(fabs(point_at(&r, 0, 0).f - 40000.4) < 0.01);
    /* packed binary inputs g1v1 */
    dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_BI, 9, 1, DNP3KIT_FLAG_ONLINE, w->now);
    rt(w, req, dnp3kit_build_read_range(req, sizeof req, next_seq(), 1, 1, 0, 9), &r);
    assert_true(point_at(&r, 0, 9).b);
    assert_false(point_at(&r, 0, 8).b);
    /* the change above made events; CLASS_1 is reported */
    assert_true(r.h.iin & DNP3KIT_IIN_CLASS_1_EVENTS);
    /* beyond the database: the points that exist, and PARAMETER_ERROR */
    rt(w, req, dnp3kit_build_read_range(req, sizeof req, next_seq(), 20, 1, 8, 20), &r);
    assert_true(r.h.iin & DNP3KIT_IIN_PARAMETER_ERROR);
    assert_int_equal(header_at(&r, 0).stop, 9);
    rt(w, req, dnp3kit_build_read_range(req, sizeof req, next_seq(), 20, 1, 300, 301), &r);
    assert_true(r.h.iin & DNP3KIT_IIN_PARAMETER_ERROR);
    assert_int_equal(nheaders(&r), 0);
    /* an unknown object */
    rt(w, req, dnp3kit_build_read_range(req, sizeof req, next_seq(), 30, 77, 0, 0), &r);
    assert_true(r.h.iin & DNP3KIT_IIN_OBJECT_UNKNOWN);
    rt(w, req, dnp3kit_build_read_range(req, sizeof req, next_seq(), 88, 1, 0, 0), &r);
    assert_true(r.h.iin & DNP3KIT_IIN_OBJECT_UNKNOWN);
    /* qualifiers 0x06, 0x07, 0x17, 0x28, 0x01 */
    uint8_t q06[] = {0, 0x01, 10, 2, 0x06};
    q06[0] = (uint8_t)(0xC0 | next_seq());
    rt(w, q06, sizeof q06, &r);
    assert_int_equal(header_at(&r, 0).count, 4);
    uint8_t q07[] = {0, 0x01, 20, 0, 0x07, 3};
    q07[0] = (uint8_t)(0xC0 | next_seq());
    rt(w, q07, sizeof q07, &r);
    assert_int_equal(header_at(&r, 0).stop, 2);
    uint8_t q17[] = {0, 0x01, 30, 1, 0x17, 2, 4, 2};
    q17[0] = (uint8_t)(0xC0 | next_seq());
    rt(w, q17, sizeof q17, &r);
    oh = header_at(&r, 0);
    assert_int_equal(oh.qualifier, 0x17);
    assert_int_equal(oh.count, 2);
    assert_int_equal(point_at(&r, 0, 1).index, 2);
    assert_int_equal(point_at(&r, 0, 1).i, 40000);
    uint8_t q28[] = {0, 0x01, 1, 1, 0x28, 1, 0, 9, 0};
    q28[0] = (uint8_t)(0xC0 | next_seq());
    rt(w, q28, sizeof q28, &r);
    oh = header_at(&r, 0);
    assert_int_equal(oh.qualifier, 0x28);
    assert_int_equal(oh.variation, 2); /* packed cannot carry an index: with flags */
    assert_true(point_at(&r, 0, 0).flags & DNP3KIT_FLAG_STATE);
    uint8_t q01[] = {0, 0x01, 40, 2, 0x01, 1, 0, 3, 0};
    q01[0] = (uint8_t)(0xC0 | next_seq());
    rt(w, q01, sizeof q01, &r);
    assert_int_equal(header_at(&r, 0).count, 3);
    /* a reserved qualifier: PARAMETER_ERROR or OBJECT_UNKNOWN, never silence */
    uint8_t qbad[] = {0, 0x01, 30, 1, 0x0A};
    qbad[0] = (uint8_t)(0xC0 | next_seq());
    rt(w, qbad, sizeof qbad, &r);
    assert_true(r.h.iin & (DNP3KIT_IIN_PARAMETER_ERROR | DNP3KIT_IIN_OBJECT_UNKNOWN));
    destroy(w);
}

/* g110 (octet strings) and g102 (unsigned integers) by index list (0x17/0x28),
 * as every point type: the asked indices in the asked order, one beyond the
 * database skipped with PARAMETER_ERROR (an empty answer would look like
 * "no such points"). */
static void test_extra_index_lists(void **state)
{
    (void)state;
    dnp3kit_os_config cfg;
    setup_cfg(&cfg);
    cfg.octet_strings = 3;
    cfg.uints = 2;
    world *w = make(&cfg);
    settle(w);
    rsp r;
    uint8_t q110[] = {0, 0x01, 110, 0, 0x17, 2, 2, 0};
    q110[0] = (uint8_t)(0xC0 | next_seq());
    rt(w, q110, sizeof q110, &r);
    assert_int_equal(nheaders(&r), 1);
    dnp3kit_object_header oh = header_at(&r, 0);
    assert_int_equal(oh.group, 110);
    assert_int_equal(oh.variation, 8);
    assert_int_equal(oh.qualifier, 0x17);
    assert_int_equal(oh.count, 2);
    const uint8_t *o = r.frag + oh.data_offset;
    assert_int_equal(o[0], 2);
    assert_memory_equal(o + 1, "text-002", 8);
    assert_int_equal(o[9], 0);
    assert_memory_equal(o + 10, "text-000", 8);
    assert_false(r.h.iin & DNP3KIT_IIN_PARAMETER_ERROR);
    /* 0x28 (2-octet indices), one of them beyond the two g102 points */
    uint8_t q102[] = {0, 0x01, 102, 1, 0x28, 2, 0, 1, 0, 7, 0};
    q102[0] = (uint8_t)(0xC0 | next_seq());
    rt(w, q102, sizeof q102, &r);
    assert_int_equal(nheaders(&r), 1);
    oh = header_at(&r, 0);
    assert_int_equal(oh.group, 102);
    assert_int_equal(oh.qualifier, 0x28);
    assert_int_equal(oh.count, 1);
    o = r.frag + oh.data_offset;
    assert_int_equal(o[0] | o[1] << 8, 1);
    assert_int_equal(o[2], 1 * 37 + 5);
    assert_true(r.h.iin & DNP3KIT_IIN_PARAMETER_ERROR);
    destroy(w);
}

/* ---- events ---- */

static void test_events_confirmed(void **state)
{
    (void)state;
    world *w = std_world();
    settle(w);
    uint8_t req[64];
    rsp r;
    dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_BI, 3, 1, DNP3KIT_FLAG_ONLINE, w->now);
    w->now += 10;
    dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_AI, 1, -77, DNP3KIT_FLAG_ONLINE, w->now);
    dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_CNT, 0, 5, DNP3KIT_FLAG_ONLINE, w->now);
    assert_int_equal(dnp3kit_outstation_events(&w->os, 1), 1);
    uint8_t s = next_seq();
    rt(w, req, dnp3kit_build_read_class(req, sizeof req, s, 0x2 | 0x4), &r);
    assert_true(r.h.con);
    assert_int_equal(nheaders(&r), 2);
    dnp3kit_object_header oh = header_at(&r, 0);
    assert_int_equal(oh.group, 2);
    assert_int_equal(oh.variation, 2);
    assert_int_equal(oh.qualifier, 0x28);
    dnp3kit_point pt = point_at(&r, 0, 0);
    assert_int_equal(pt.index, 3);
    assert_true(pt.flags & DNP3KIT_FLAG_STATE);
    assert_int_equal(pt.time_ms, T0);
    oh = header_at(&r, 1);
    assert_int_equal(oh.group, 32);
    assert_int_equal(oh.variation, 3);
    assert_int_equal(point_at(&r, 1, 0).i, -77);
    assert_int_equal(point_at(&r, 1, 0).time_ms, T0 + 10);
    /* class 3 still buffered */
    assert_int_equal(r.h.iin, DNP3KIT_IIN_CLASS_3_EVENTS);
    /* no confirm: the events stay after the confirm timeout */
    w->now += 3000;
    dnp3kit_outstation_tick(&w->os, w->now);
    assert_int_equal(dnp3kit_outstation_events(&w->os, 1), 1);
    s = next_seq();
    rt(w, req, dnp3kit_build_read_class(req, sizeof req, s, 0xE), &r);
    assert_int_equal(nheaders(&r), 3);
    assert_int_equal(header_at(&r, 2).group, 22);
    /* a wrong confirm is ignored, the right one removes them */
    confirm(w, (uint8_t)((s + 1) & 15), false);
    assert_int_equal(dnp3kit_outstation_events(&w->os, 1) + w->os.ev_count, 3);
    confirm(w, s, false);
    assert_int_equal(w->os.ev_count, 0);
    rt(w, req, dnp3kit_build_read_class(req, sizeof req, next_seq(), 0xE), &r);
    assert_false(r.h.con);
    assert_int_equal(r.h.iin, 0);
    assert_int_equal(nheaders(&r), 0);
    /* reading one event type with a chosen variation, and a count limit */
    for (int i = 0; i < 5; i++)
        dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_AI, 0, i + 1, DNP3KIT_FLAG_ONLINE, w->now);
    uint8_t g32[] = {0, 0x01, 32, 1, 0x07, 2};
    g32[0] = (uint8_t)(0xC0 | (s = next_seq()));
    rt(w, g32, sizeof g32, &r);
    assert_int_equal(header_at(&r, 0).variation, 1);
    assert_int_equal(header_at(&r, 0).count, 2);
    assert_int_equal(point_at(&r, 0, 1).i, 2);
    confirm(w, s, false);
    assert_int_equal(dnp3kit_outstation_events(&w->os, 2), 3);
    destroy(w);
}

/* Events asked for with relative time (g2v3) come behind a CTO (g51v1); an
 * event more than 65535 ms after the CTO gets a new CTO (IEEE 1815 g51/g2v3). */
static void test_events_relative_time(void **state)
{
    (void)state;
    world *w = std_world();
    settle(w);
    rsp r;
    dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_BI, 1, 1, DNP3KIT_FLAG_ONLINE, w->now);
    uint64_t t1 = w->now;
    w->now += 1234;
    dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_BI, 2, 1, DNP3KIT_FLAG_ONLINE, w->now);
    uint64_t t2 = w->now;
    w->now += 70000;
    dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_BI, 1, 0, DNP3KIT_FLAG_ONLINE, w->now);
    uint64_t t3 = w->now;
    uint8_t s = next_seq();
    uint8_t g2v3[] = {(uint8_t)(0xC0 | s), 0x01, 2, 3, 0x06};
    rt(w, g2v3, sizeof g2v3, &r);
    assert_int_equal(r.h.iin & (DNP3KIT_IIN_OBJECT_UNKNOWN | DNP3KIT_IIN_PARAMETER_ERROR), 0);
    assert_int_equal(nheaders(&r), 4); /* CTO, 2 events, CTO, 1 event */
    assert_int_equal(header_at(&r, 0).group, 51);
    assert_int_equal(header_at(&r, 0).variation, 1);
    assert_int_equal(point_at(&r, 0, 0).time_ms, t1);
    assert_int_equal(header_at(&r, 1).group, 2);
    assert_int_equal(header_at(&r, 1).variation, 3);
    assert_int_equal(header_at(&r, 1).count, 2);
    assert_true(point_at(&r, 1, 0).time_relative);
    assert_int_equal(point_at(&r, 1, 0).time_ms, 0);
    assert_int_equal(point_at(&r, 1, 1).time_ms, t2 - t1);
    assert_int_equal(point_at(&r, 1, 1).index, 2);
    assert_int_equal(point_at(&r, 2, 0).time_ms, t3);
    assert_int_equal(point_at(&r, 3, 0).time_ms, 0);
    assert_false(point_at(&r, 3, 0).flags & DNP3KIT_FLAG_STATE);
    confirm(w, s, false);
    assert_int_equal(w->os.ev_count, 0);
    destroy(w);
}

static void test_event_overflow(void **state)
{
    (void)state;
    dnp3kit_os_config cfg;
    setup_cfg(&cfg);
    cfg.event_buffer = 3;
    world *w = make(&cfg);
    settle(w);
    for (int i = 0; i < 5; i++)
        dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_AI, 0, i + 1, DNP3KIT_FLAG_ONLINE, w->now);
    assert_int_equal(w->os.ev_count, 3);
    uint8_t req[64];
    rsp r;
    uint8_t s = next_seq();
    rt(w, req, dnp3kit_build_read_class(req, sizeof req, s, 0x4), &r);
    assert_true(r.h.iin & DNP3KIT_IIN_EVENT_BUFFER_OVERFLOW);
    /* the newest three are kept */
    assert_int_equal(point_at(&r, 0, 0).i, 3);
    confirm(w, s, false);
    rt(w, req, dnp3kit_build_read_class(req, sizeof req, next_seq(), 0x4), &r);
    assert_false(r.h.iin & DNP3KIT_IIN_EVENT_BUFFER_OVERFLOW);
    destroy(w);
}

static void test_multi_fragment(void **state)
{
    (void)state;
    dnp3kit_os_config cfg;
    setup_cfg(&cfg);
    cfg.max_fragment = 128;
    cfg.count[DNP3KIT_OS_AI] = 100;
    world *w = make(&cfg);
    settle(w);
    for (uint32_t i = 0; i < 100; i++)
        dnp3kit_outstation_set_initial(&w->os, DNP3KIT_OS_AI, i, i * 10.0);
    uint8_t req[64];
    rsp r;
    uint8_t s = next_seq();
    send_frag(w, req, dnp3kit_build_read_range(req, sizeof req, s, 30, 1, 0, 99));
    uint32_t next = 0;
    unsigned frags = 0;
    for (;;) {
        expect_rsp(w, &r);
        assert_true(r.len <= 128);
        assert_int_equal(r.h.fir, frags == 0);
        assert_int_equal(r.h.seq, (s + frags) & 15);
        dnp3kit_object_header oh = header_at(&r, 0);
        assert_int_equal(oh.start, next);
        for (uint64_t k = 0; k < oh.count; k++)
            assert_int_equal(point_at(&r, 0, (unsigned)k).i, (int64_t)(next + k) * 10);
        next = (uint32_t)oh.stop + 1;
        frags++;
        if (r.h.fin) {
            assert_false(r.h.con);
            break;
        }
        assert_true(r.h.con);
        expect_none(w); /* nothing more before the confirm */
        confirm(w, r.h.seq, false);
    }
    assert_int_equal(next, 100);
    assert_true(frags >= 4);
    /* a new request abandons a multi-fragment response waiting for its confirm */
    s = next_seq();
    send_frag(w, req, dnp3kit_build_read_range(req, sizeof req, s, 30, 1, 0, 99));
    expect_rsp(w, &r);
    assert_true(r.h.con && !r.h.fin);
    s = next_seq();
    rt(w, req, dnp3kit_build_read_range(req, sizeof req, s, 30, 1, 0, 0), &r);
    assert_true(r.h.fir && r.h.fin);
    confirm(w, (uint8_t)((s - 1) & 15), false);
    expect_none(w);
    destroy(w);
}

/* ---- controls ---- */

static void test_crob_sbo(void **state)
{
    (void)state;
    world *w = std_world();
    settle(w);
    uint8_t req[64], req2[64];
    rsp r;
    dnp3kit_crob c = {.op = DNP3KIT_OP_LATCH_ON, .count = 1};
    /* operate without select */
    int n = dnp3kit_build_crob(req, sizeof req, next_seq(), DNP3KIT_FC_OPERATE, 2, &c);
    rt(w, req, n, &r);
    assert_int_equal(point_at(&r, 0, 0).status, DNP3KIT_STATUS_NO_SELECT);
    assert_true(w->os.points[DNP3KIT_OS_BO][2].value == 0);
    /* select, then operate with SEQ+1: success, echo identical but SEQ */
    uint8_t s = next_seq();
    n = dnp3kit_build_crob(req, sizeof req, s, DNP3KIT_FC_SELECT, 2, &c);
    rt(w, req, n, &r);
    assert_int_equal(point_at(&r, 0, 0).status, DNP3KIT_STATUS_SUCCESS);
    assert_int_equal(r.len, (size_t)n + 2);
    assert_memory_equal(r.frag + 4, req + 2, (size_t)n - 2);
    assert_true(w->os.points[DNP3KIT_OS_BO][2].value == 0); /* select does not operate */
    n = dnp3kit_build_crob(req2, sizeof req2, next_seq(), DNP3KIT_FC_OPERATE, 2, &c);
    rt(w, req2, n, &r);
    assert_int_equal(point_at(&r, 0, 0).status, DNP3KIT_STATUS_SUCCESS);
    assert_true(w->os.points[DNP3KIT_OS_BO][2].value == 1);
    /* the select is used up */
    n = dnp3kit_build_crob(req2, sizeof req2, next_seq(), DNP3KIT_FC_OPERATE, 2, &c);
    rt(w, req2, n, &r);
    assert_int_equal(point_at(&r, 0, 0).status, DNP3KIT_STATUS_NO_SELECT);
    /* operate with other objects than selected */
    s = next_seq();
    rt(w, req, dnp3kit_build_crob(req, sizeof req, s, DNP3KIT_FC_SELECT, 1, &c), &r);
    c.op = DNP3KIT_OP_LATCH_OFF;
    rt(w, req2, dnp3kit_build_crob(req2, sizeof req2, next_seq(), DNP3KIT_FC_OPERATE, 1, &c), &r);
    assert_int_equal(point_at(&r, 0, 0).status, DNP3KIT_STATUS_NO_SELECT);
    /* operate after the select timeout */
    s = next_seq();
    rt(w, req, dnp3kit_build_crob(req, sizeof req, s, DNP3KIT_FC_SELECT, 1, &c), &r);
    w->now += 6000;
    rt(w, req2, dnp3kit_build_crob(req2, sizeof req2, next_seq(), DNP3KIT_FC_OPERATE, 1, &c), &r);
    assert_int_equal(point_at(&r, 0, 0).status, DNP3KIT_STATUS_TIMEOUT);
    /* operate with a SEQ that is not select's + 1 */
    s = next_seq();
    rt(w, req, dnp3kit_build_crob(req, sizeof req, s, DNP3KIT_FC_SELECT, 1, &c), &r);
    next_seq();
    rt(w, req2, dnp3kit_build_crob(req2, sizeof req2, next_seq(), DNP3KIT_FC_OPERATE, 1, &c), &r);
    assert_int_equal(point_at(&r, 0, 0).status, DNP3KIT_STATUS_NO_SELECT);
    destroy(w);
}

static void test_crob_codes(void **state)
{
    (void)state;
    world *w = std_world();
    settle(w);
    uint8_t req[64];
    rsp r;
    struct { uint8_t op, tcc; uint16_t index; uint8_t status; int value; } cases[] = {
        {DNP3KIT_OP_LATCH_ON, 0, 0, DNP3KIT_STATUS_SUCCESS, 1},
        {DNP3KIT_OP_LATCH_OFF, 0, 0, DNP3KIT_STATUS_SUCCESS, 0},
        {DNP3KIT_OP_PULSE_ON, DNP3KIT_TCC_CLOSE, 0, DNP3KIT_STATUS_SUCCESS, 1},
        {DNP3KIT_OP_PULSE_ON, DNP3KIT_TCC_TRIP, 0, DNP3KIT_STATUS_SUCCESS, 0},
        {DNP3KIT_OP_PULSE_ON, 0, 0, DNP3KIT_STATUS_SUCCESS, 0},
        {DNP3KIT_OP_LATCH_ON, 0, 4, DNP3KIT_STATUS_NOT_SUPPORTED, -1}, /* no output 4 */
        {9, 0, 0, DNP3KIT_STATUS_NOT_SUPPORTED, 0},                      /* unknown op type */
        {DNP3KIT_OP_LATCH_ON, 3, 0, DNP3KIT_STATUS_NOT_SUPPORTED, 0},    /* reserved TCC */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        dnp3kit_crob c = {.op = cases[k].op, .tcc = cases[k].tcc, .count = 1, .on_ms = 100};
        rt(w, req, dnp3kit_build_crob(req, sizeof req, next_seq(), DNP3KIT_FC_DIRECT_OPERATE, cases[k].index, &c),
           &r);
        assert_int_equal(point_at(&r, 0, 0).status, cases[k].status);
        if (cases[k].value >= 0)
            assert_true(w->os.points[DNP3KIT_OS_BO][0].value == cases[k].value);
    }
    /* direct operate no ack: executed, no response */
    dnp3kit_crob c = {.op = DNP3KIT_OP_LATCH_ON, .count = 1};
    send_frag(w, req, dnp3kit_build_crob(req, sizeof req, next_seq(), DNP3KIT_FC_DIRECT_OPERATE_NR, 3, &c));
    expect_none(w);
    assert_true(w->os.points[DNP3KIT_OS_BO][3].value == 1);
    /* a repeated request (same SEQ, same octets) is answered, not executed again */
    int n = dnp3kit_build_crob(req, sizeof req, next_seq(), DNP3KIT_FC_DIRECT_OPERATE, 1, &c);
    rt(w, req, n, &r);
    w->os.points[DNP3KIT_OS_BO][1].value = 0;
    rsp r2;
    rt(w, req, n, &r2);
    assert_int_equal(r2.len, r.len);
    assert_true(w->os.points[DNP3KIT_OS_BO][1].value == 0);
    /* too many objects */
    uint8_t many[2 + 5 + 20 * 13];
    dnp3kit_app_writer wr;
    dnp3kit_app_writer_init(&wr, many, sizeof many, dnp3kit_app_ctrl(true, true, false, false, next_seq()),
                            DNP3KIT_FC_DIRECT_OPERATE, -1);
    uint8_t hh[] = {12, 1, 0x28, 20, 0};
    dnp3kit_app_write_raw(&wr, hh, 5);
    for (int i = 0; i < 20; i++) {
        uint8_t o[13] = {0, 0, 3, 1};
        dnp3kit_app_write_raw(&wr, o, 13);
    }
    rt(w, many, dnp3kit_app_writer_finish(&wr), &r);
    assert_int_equal(point_at(&r, 0, 19).status, DNP3KIT_STATUS_TOO_MANY_OBJS);
    /* an unsupported control object */
    uint8_t g12v2[] = {0, 0x05, 12, 2, 0x07, 1, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    g12v2[0] = (uint8_t)(0xC0 | next_seq());
    rt(w, g12v2, sizeof g12v2, &r);
    assert_true(r.h.iin & DNP3KIT_IIN_OBJECT_UNKNOWN);
    destroy(w);
}

static void test_analog_output(void **state)
{
    (void)state;
    world *w = std_world();
    settle(w);
    uint8_t req[64];
    rsp r;
    static const dnp3kit_ao_type types[] = {DNP3KIT_AO_INT32, DNP3KIT_AO_INT16, DNP3KIT_AO_FLOAT32,
                                            DNP3KIT_AO_FLOAT64};
    static const double values[] = {-100000, -1234, 2.5, 1e10};
    for (int k = 0; k < 4; k++) {
        rt(w, req,
           dnp3kit_build_analog_output(req, sizeof req, next_seq(), DNP3KIT_FC_DIRECT_OPERATE, 1, types[k],
                                       values[k]),
           &r);
        dnp3kit_object_header oh = header_at(&r, 0);
        assert_int_equal(oh.group, 41);
        assert_int_equal(oh.variation, types[k]);
        assert_int_equal(point_at(&r, 0, 0).status, DNP3KIT_STATUS_SUCCESS);
        assert_true(w->os.points[DNP3KIT_OS_AO][1].value == values[k]);
    }
    /* g40v4 reads it back */
    rt(w, req, dnp3kit_build_read_range(req, sizeof req, next_seq(), 40, 4, 1, 1), &r);
    assert_true(point_at(&r, 0, 0).f == 1e10);
    /* SBO of an analog output */
    uint8_t s = next_seq();
    rt(w, req, dnp3kit_build_analog_output(req, sizeof req, s, DNP3KIT_FC_SELECT, 0, DNP3KIT_AO_INT16, 7), &r);
    rt(w, req, dnp3kit_build_analog_output(req, sizeof req, next_seq(), DNP3KIT_FC_OPERATE, 0, DNP3KIT_AO_INT16, 7),
       &r);
    assert_int_equal(point_at(&r, 0, 0).status, DNP3KIT_STATUS_SUCCESS);
    assert_true(w->os.points[DNP3KIT_OS_AO][0].value == 7);
    /* unknown point */
    rt(w, req, dnp3kit_build_analog_output(req, sizeof req, next_seq(), DNP3KIT_FC_DIRECT_OPERATE, 9,
                                           DNP3KIT_AO_INT16, 7),
       &r);
    assert_int_equal(point_at(&r, 0, 0).status, DNP3KIT_STATUS_NOT_SUPPORTED);
    destroy(w);
}

/* ---- freeze, restart, delay, unknown function ---- */

static void test_freeze(void **state)
{
    (void)state;
    world *w = std_world();
    settle(w);
    uint8_t req[64];
    rsp r;
    dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_CNT, 4, 77, DNP3KIT_FLAG_ONLINE, w->now);
    rt(w, req, dnp3kit_build_freeze(req, sizeof req, next_seq(), false, false), &r);
    assert_true(w->os.points[DNP3KIT_OS_FCNT][4].value == 77);
    assert_true(w->os.points[DNP3KIT_OS_CNT][4].value == 77);
    dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_CNT, 4, 80, DNP3KIT_FLAG_ONLINE, w->now);
    send_frag(w, req, dnp3kit_build_freeze(req, sizeof req, next_seq(), true, true));
    expect_none(w);
    assert_true(w->os.points[DNP3KIT_OS_FCNT][4].value == 80);
    assert_true(w->os.points[DNP3KIT_OS_CNT][4].value == 0);
    rt(w, req, dnp3kit_build_read_range(req, sizeof req, next_seq(), 21, 5, 4, 4), &r);
    assert_int_equal(point_at(&r, 0, 0).u, 80);
    assert_int_equal(point_at(&r, 0, 0).time_ms, T0);
    destroy(w);
}

static void test_restart_and_delay(void **state)
{
    (void)state;
    world *w = std_world();
    settle(w);
    uint8_t req[64];
    rsp r;
    dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_AI, 0, 55, DNP3KIT_FLAG_ONLINE, w->now);
    rt(w, req, dnp3kit_build_restart(req, sizeof req, next_seq(), true), &r);
    dnp3kit_object_header oh = header_at(&r, 0);
    assert_int_equal(oh.group, 52);
    assert_int_equal(oh.variation, 1);
    assert_int_equal(point_at(&r, 0, 0).u, 1);
    rt(w, req, dnp3kit_build_read_class(req, sizeof req, next_seq(), 0x1), &r);
    assert_true(r.h.iin & DNP3KIT_IIN_DEVICE_RESTART);
    assert_true(r.h.iin & DNP3KIT_IIN_NEED_TIME);
    assert_true(w->os.points[DNP3KIT_OS_AI][0].value == 0); /* cold: initial values */
    settle(w);
    rt(w, req, dnp3kit_build_restart(req, sizeof req, next_seq(), false), &r);
    oh = header_at(&r, 0);
    assert_int_equal(oh.variation, 2);
    assert_int_equal(point_at(&r, 0, 0).u, 1000);
    rt(w, req, dnp3kit_build_delay_measure(req, sizeof req, next_seq()), &r);
    assert_int_equal(header_at(&r, 0).group, 52);
    assert_int_equal(header_at(&r, 0).variation, 2);
    assert_int_equal(r.h.iin, DNP3KIT_IIN_DEVICE_RESTART);
    /* unknown / unsupported functions */
    const uint8_t initd[] = {0xC9, 15};
    rt(w, initd, sizeof initd, &r);
    assert_true(r.h.iin & DNP3KIT_IIN_NO_FUNC_CODE_SUPPORT);
    const uint8_t fc99[] = {0xCA, 99};
    rt(w, fc99, sizeof fc99, &r);
    assert_true(r.h.iin & DNP3KIT_IIN_NO_FUNC_CODE_SUPPORT);
    destroy(w);
}

/* ---- unsolicited ---- */

static void test_unsolicited(void **state)
{
    (void)state;
    dnp3kit_os_config cfg;
    setup_cfg(&cfg);
    cfg.unsolicited = true;
    world *w = make(&cfg);
    rsp r;
    uint8_t req[64];
    /* startup: a null unsolicited response, confirmed with UNS */
    dnp3kit_outstation_connected(&w->os, w->now);
    expect_rsp(w, &r);
    assert_int_equal(r.h.func, DNP3KIT_FC_UNSOLICITED_RESPONSE);
    assert_true(r.h.uns && r.h.con && r.h.fir && r.h.fin);
    assert_true(r.h.iin & DNP3KIT_IIN_DEVICE_RESTART);
    assert_int_equal(nheaders(&r), 0);
    uint8_t u0 = r.h.seq;
    /* not confirmed: retried, same SEQ */
    w->now += 2500;
    dnp3kit_outstation_tick(&w->os, w->now);
    expect_rsp(w, &r);
    assert_int_equal(r.h.seq, u0);
    /* a solicited confirm does not confirm it */
    confirm(w, u0, false);
    assert_true(w->os.unsol_waiting);
    confirm(w, u0, true);
    assert_false(w->os.unsol_waiting);
    settle(w);
    /* events of disabled classes are not reported unsolicited */
    dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_BI, 0, 1, DNP3KIT_FLAG_ONLINE, w->now);
    dnp3kit_outstation_tick(&w->os, w->now);
    expect_none(w);
    rt(w, req, dnp3kit_build_unsolicited(req, sizeof req, next_seq(), true, 0x2), &r);
    /* enabling sends the buffered class 1 event */
    expect_rsp(w, &r);
    assert_true(r.h.uns && r.h.con);
    assert_int_equal(r.h.seq, (u0 + 1) & 15);
    assert_int_equal(header_at(&r, 0).group, 2);
    /* a solicited read meanwhile does not report the event in flight */
    rsp rs;
    rt(w, req, dnp3kit_build_read_class(req, sizeof req, next_seq(), 0x2), &rs);
    assert_int_equal(nheaders(&rs), 0);
    confirm(w, r.h.seq, true);
    assert_int_equal(w->os.ev_count, 0);
    /* unconfirmed: retries, then the events go back to the buffer */
    dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_BI, 1, 1, DNP3KIT_FLAG_ONLINE, w->now);
    dnp3kit_outstation_tick(&w->os, w->now);
    expect_rsp(w, &r);
    uint8_t useq = r.h.seq;
    for (unsigned k = 0; k < cfg.unsol_retries; k++) {
        w->now += cfg.confirm_timeout_ms;
        dnp3kit_outstation_tick(&w->os, w->now);
        expect_rsp(w, &r);
        assert_int_equal(r.h.seq, useq);
    }
    w->now += cfg.confirm_timeout_ms;
    dnp3kit_outstation_tick(&w->os, w->now);
    expect_none(w);
    assert_int_equal(dnp3kit_outstation_events(&w->os, 1), 1);
    /* after the back-off, a new unsolicited with the next SEQ */
    w->now += cfg.unsol_retry_delay_ms;
    dnp3kit_outstation_tick(&w->os, w->now);
    expect_rsp(w, &r);
    assert_int_equal(r.h.seq, (useq + 1) & 15);
    confirm(w, r.h.seq, true);
    /* disable */
    rt(w, req, dnp3kit_build_unsolicited(req, sizeof req, next_seq(), false, 0xE), &r);
    dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_BI, 2, 1, DNP3KIT_FLAG_ONLINE, w->now);
    dnp3kit_outstation_tick(&w->os, w->now);
    expect_none(w);
    destroy(w);
}

static void test_broadcast(void **state)
{
    (void)state;
    world *w = std_world();
    uint8_t req[64], fr[300];
    rsp r;
    int n = dnp3kit_build_clear_restart(req, sizeof req, next_seq());
    uint8_t seg[64];
    seg[0] = 0xC0;
    memcpy(seg + 1, req, (size_t)n);
    int k = dnp3kit_link_build(dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA),
                               DNP3KIT_ADDR_BCAST_ALL, 1, seg, (size_t)n + 1, fr, sizeof fr);
    dnp3kit_outstation_receive(&w->os, fr, (size_t)k, w->now);
    expect_none(w);
    w->mseq = 1;
    rt(w, req, dnp3kit_build_read_class(req, sizeof req, next_seq(), 0x2), &r);
    assert_true(r.h.iin & DNP3KIT_IIN_ALL_STATIONS);
    assert_false(r.h.iin & DNP3KIT_IIN_DEVICE_RESTART);
    destroy(w);
}

/* ---- faults ---- */

static world *fault_world(const char *spec)
{
    dnp3kit_os_config cfg;
    setup_cfg(&cfg);
    assert_int_equal(dnp3kit_os_fault_parse(spec, &cfg.faults[0]), 0);
    cfg.nfaults = 1;
    return make(&cfg);
}

static void test_fault_parse(void **state)
{
    (void)state;
    dnp3kit_os_fault f;
    assert_int_equal(dnp3kit_os_fault_parse("delay:250", &f), 0);
    assert_int_equal(f.kind, DNP3KIT_FAULT_DELAY);
    assert_int_equal(f.arg, 250);
    assert_int_equal(dnp3kit_os_fault_parse("bad-crc,every=3", &f), 0);
    assert_int_equal(f.every, 3);
    assert_int_equal(dnp3kit_os_fault_parse("garbage:9,p=0.5", &f), 0);
    assert_true(f.probability == 0.5);
    assert_int_equal(dnp3kit_os_fault_parse("silent,p=2", &f), -1);
    assert_int_equal(dnp3kit_os_fault_parse("loud", &f), -1);
    assert_int_equal(dnp3kit_os_fault_parse("delay:x", &f), -1);
}

static void test_fault_silent_and_every(void **state)
{
    (void)state;
    world *w = fault_world("silent");
    uint8_t req[64], fr[16];
    send_frag(w, req, dnp3kit_build_integrity_poll(req, sizeof req, 0));
    expect_none(w);
    int n = dnp3kit_link_build(dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS), 10, 1,
                               NULL, 0, fr, sizeof fr);
    dnp3kit_outstation_receive(&w->os, fr, (size_t)n, w->now);
    expect_none(w);
    assert_int_equal(w->link_replies, 0);
    destroy(w);
    w = fault_world("silent,every=2");
    rsp r;
    unsigned answered = 0;
    for (uint8_t s = 0; s < 6; s++) {
        send_frag(w, req, dnp3kit_build_read_class(req, sizeof req, s, 1));
        answered += next_rsp(w, &r);
    }
    assert_int_equal(answered, 3);
    destroy(w);
}

static void test_fault_wrong_seq_bad_crc_garbage(void **state)
{
    (void)state;
    uint8_t req[64];
    rsp r;
    world *w = fault_world("wrong-seq");
    send_frag(w, req, dnp3kit_build_read_class(req, sizeof req, 5, 1));
    expect_rsp(w, &r);
    assert_int_equal(r.h.seq, 6);
    destroy(w);
    w = fault_world("bad-crc");
    send_frag(w, req, dnp3kit_build_read_class(req, sizeof req, 5, 1));
    expect_none(w);
    assert_int_equal(w->bad_frames, 1);
    destroy(w);
    w = fault_world("garbage:20");
    send_frag(w, req, dnp3kit_build_integrity_poll(req, sizeof req, 5));
    assert_true(w->os.out_len > 20);
    expect_rsp(w, &r); /* the link parser resynchronises after the garbage */
    assert_int_equal(r.h.seq, 5);
    assert_true(w->lp.garbage_octets >= 20 || w->lp.bad_frames == 0);
    destroy(w);
}

static void test_fault_delay_and_close(void **state)
{
    (void)state;
    uint8_t req[64];
    rsp r;
    world *w = fault_world("delay:300");
    send_frag(w, req, dnp3kit_build_read_class(req, sizeof req, 1, 1));
    expect_none(w);
    assert_true(dnp3kit_outstation_next_deadline(&w->os) <= w->now + 300);
    w->now += 300;
    expect_rsp(w, &r);
    destroy(w);
    w = fault_world("close-mid-fragment");
    send_frag(w, req, dnp3kit_build_integrity_poll(req, sizeof req, 1));
    assert_true(w->os.want_close);
    expect_none(w);
    dnp3kit_outstation_disconnected(&w->os);
    assert_false(w->os.want_close);
    destroy(w);
}

static void test_fault_unsolicited_flood(void **state)
{
    (void)state;
    world *w = fault_world("unsolicited-flood:1");
    rsp r;
    dnp3kit_outstation_tick(&w->os, w->now);
    expect_none(w); /* nobody connected: nothing to flood */
    dnp3kit_outstation_connected(&w->os, w->now);
    unsigned n = 0;
    for (int t = 0; t < 50; t++) {
        w->now += 1;
        dnp3kit_outstation_tick(&w->os, w->now);
        while (next_rsp(w, &r)) {
            assert_int_equal(r.h.func, DNP3KIT_FC_UNSOLICITED_RESPONSE);
            n++;
        }
    }
    assert_true(n >= 50);
    /* unconsumed output is capped */
    for (int t = 0; t < 20000; t++) {
        w->now += 1;
        dnp3kit_outstation_tick(&w->os, w->now);
    }
    assert_true(w->os.out_len <= (1u << 20));
    destroy(w);
}

static void test_max_fragment_unsolicited_seq(void **state)
{
    /* unsolicited SEQs are their own sequence, apart from solicited ones */
    (void)state;
    dnp3kit_os_config cfg;
    setup_cfg(&cfg);
    cfg.unsolicited = true;
    world *w = make(&cfg);
    rsp r;
    dnp3kit_outstation_connected(&w->os, w->now);
    expect_rsp(w, &r);
    assert_int_equal(r.h.seq, 0);
    confirm(w, 0, true);
    uint8_t req[64];
    seq_ = 9;
    settle(w);
    rt(w, req, dnp3kit_build_unsolicited(req, sizeof req, next_seq(), true, 0xE), &r);
    dnp3kit_outstation_set_value(&w->os, DNP3KIT_OS_AI, 0, 3, DNP3KIT_FLAG_ONLINE, w->now);
    dnp3kit_outstation_tick(&w->os, w->now);
    expect_rsp(w, &r);
    assert_true(r.h.uns);
    assert_int_equal(r.h.seq, 1);
    destroy(w);
}

/* ---- hostile input ---- */

static void test_hostile_input(void **state)
{
    (void)state;
    dnp3kit_os_config cfg;
    setup_cfg(&cfg);
    cfg.unsolicited = true;
    cfg.max_fragment = 100;
    world *w = make(&cfg);
    dnp3kit_outstation_connected(&w->os, w->now);
    uint8_t base[8][64];
    int blen[8];
    dnp3kit_crob c = {.op = DNP3KIT_OP_PULSE_ON, .count = 1};
    blen[0] = dnp3kit_build_integrity_poll(base[0], 64, 0);
    blen[1] = dnp3kit_build_crob(base[1], 64, 1, DNP3KIT_FC_SELECT, 1, &c);
    blen[2] = dnp3kit_build_analog_output(base[2], 64, 2, DNP3KIT_FC_DIRECT_OPERATE, 1, DNP3KIT_AO_FLOAT32, 1.5);
    blen[3] = dnp3kit_build_write_time(base[3], 64, 3, 1, T0);
    blen[4] = dnp3kit_build_read_range(base[4], 64, 4, 30, 0, 0, 9);
    blen[5] = dnp3kit_build_clear_restart(base[5], 64, 5);
    blen[6] = dnp3kit_build_freeze(base[6], 64, 6, true, false);
    blen[7] = dnp3kit_build_unsolicited(base[7], 64, 7, true, 0xE);
    uint64_t rng = 12345;
    for (int iter = 0; iter < 30000; iter++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        int k = (int)((rng >> 33) % 8);
        uint8_t m[64];
        size_t n = (size_t)blen[k];
        memcpy(m, base[k], n);
        unsigned muts = 1 + (unsigned)((rng >> 20) % 4);
        for (unsigned j = 0; j < muts; j++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            m[(rng >> 33) % n] = (uint8_t)(rng >> 45);
        }
        if ((rng >> 10) % 5 == 0)
            n = 2 + (size_t)((rng >> 50) % (n - 1)); /* truncated */
        m[0] = (uint8_t)((m[0] & 0x3F) | 0xC0);
        send_frag(w, m, (int)n);
        w->now += (rng >> 40) % 50;
        dnp3kit_outstation_tick(&w->os, w->now);
        rsp r;
        while (next_rsp(w, &r))
            if (r.h.con)
                confirm(w, r.h.seq, r.h.uns);
        /* raw garbage into the link layer too */
        uint8_t junk[40];
        for (size_t j = 0; j < sizeof junk; j++)
            junk[j] = (uint8_t)(rng >> (j % 56));
        junk[0] = 0x05;
        junk[1] = 0x64;
        dnp3kit_outstation_receive(&w->os, junk, sizeof junk, w->now);
    }
    assert_int_equal(w->bad_frames, 0);
    assert_int_equal(w->bad_dir, 0);
    destroy(w);
}

static int reset_seq(void **state)
{
    (void)state;
    seq_ = 0;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_link_status_and_reset, reset_seq),
        cmocka_unit_test_setup(test_integrity_poll, reset_seq),
        cmocka_unit_test_setup(test_clear_restart_and_time, reset_seq),
        cmocka_unit_test_setup(test_range_reads, reset_seq),
        cmocka_unit_test_setup(test_extra_index_lists, reset_seq),
        cmocka_unit_test_setup(test_events_confirmed, reset_seq),
        cmocka_unit_test_setup(test_events_relative_time, reset_seq),
        cmocka_unit_test_setup(test_event_overflow, reset_seq),
        cmocka_unit_test_setup(test_multi_fragment, reset_seq),
        cmocka_unit_test_setup(test_crob_sbo, reset_seq),
        cmocka_unit_test_setup(test_crob_codes, reset_seq),
        cmocka_unit_test_setup(test_analog_output, reset_seq),
        cmocka_unit_test_setup(test_freeze, reset_seq),
        cmocka_unit_test_setup(test_restart_and_delay, reset_seq),
        cmocka_unit_test_setup(test_unsolicited, reset_seq),
        cmocka_unit_test_setup(test_broadcast, reset_seq),
        cmocka_unit_test_setup(test_fault_parse, reset_seq),
        cmocka_unit_test_setup(test_fault_silent_and_every, reset_seq),
        cmocka_unit_test_setup(test_fault_wrong_seq_bad_crc_garbage, reset_seq),
        cmocka_unit_test_setup(test_fault_delay_and_close, reset_seq),
        cmocka_unit_test_setup(test_fault_unsolicited_flood, reset_seq),
        cmocka_unit_test_setup(test_max_fragment_unsolicited_seq, reset_seq),
        cmocka_unit_test_setup(test_hostile_input, reset_seq),
    };
    (void)W;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
