/* Builders (build.c): known answers against hand-written fragments (IEEE 1815
 * examples and what real masters put on the wire), value checks, buffer limits. */
#include "testutil.h"

#include <math.h>
#include <string.h>

typedef int (*builder_fn)(uint8_t *buf, size_t cap, const void *arg);

/* Check a builder's output against hex, then that every smaller buffer gives
 * ERR_BUFFER and nothing is written at or past cap. */
static void expect(const char *name, int (*fn)(uint8_t *, size_t, const void *), const void *arg,
                   const char *hex)
{
    uint8_t want[256], got[256];
    size_t n = tu_hex(hex, want, sizeof want);
    memset(got, 0xEE, sizeof got);
    int len = fn(got, sizeof got, arg);
    if (len != (int)n)
        fail_msg("%s: length %d, want %zu", name, len, n);
    assert_memory_equal(got, want, n);
    for (size_t cap = 0; cap < n; cap++) {
        memset(got, 0xEE, sizeof got);
        int r = fn(got, cap, arg);
        if (r != DNP3KIT_ERR_BUFFER)
            fail_msg("%s: cap %zu gave %d", name, cap, r);
        for (size_t i = cap; i < n; i++)
            assert_int_equal(got[i], 0xEE);
    }
    /* what we build is a valid fragment */
    tu_findings fs;
    tu_findings_init(&fs);
    int v = dnp3kit_app_validate(want, n, NULL, &fs.sink);
    if (v != DNP3KIT_OK) {
        tu_dump(&fs);
        fail_msg("%s: does not validate: %d", name, v);
    }
}

/* ---- adapters: each builder as (buf, cap, arg) ---- */

struct args {
    uint8_t seq, func, variation;
    unsigned classes;
    bool flag, flag2;
    uint16_t index, iin, delay;
    uint32_t start, stop;
    uint8_t group;
    uint64_t ms;
    dnp3kit_crob crob;
    dnp3kit_ao_type ao;
    double value;
};
#define A(x) const struct args *x = (const struct args *)arg

static int b_integrity(uint8_t *b, size_t c, const void *arg) { A(a); return dnp3kit_build_integrity_poll(b, c, a->seq); }
static int b_class(uint8_t *b, size_t c, const void *arg) { A(a); return dnp3kit_build_read_class(b, c, a->seq, a->classes); }
static int b_range(uint8_t *b, size_t c, const void *arg)
{
    A(a);
    return dnp3kit_build_read_range(b, c, a->seq, a->group, a->variation, a->start, a->stop);
}
static int b_confirm(uint8_t *b, size_t c, const void *arg) { A(a); return dnp3kit_build_confirm(b, c, a->seq, a->flag); }
static int b_crob(uint8_t *b, size_t c, const void *arg)
{
    A(a);
    return dnp3kit_build_crob(b, c, a->seq, a->func, a->index, &a->crob);
}
static int b_crob_resp(uint8_t *b, size_t c, const void *arg)
{
    A(a);
    return dnp3kit_build_crob_response(b, c, a->seq, a->iin, a->index, &a->crob);
}
static int b_ao(uint8_t *b, size_t c, const void *arg)
{
    A(a);
    return dnp3kit_build_analog_output(b, c, a->seq, a->func, a->index, a->ao, a->value);
}
static int b_freeze(uint8_t *b, size_t c, const void *arg) { A(a); return dnp3kit_build_freeze(b, c, a->seq, a->flag, a->flag2); }
static int b_restart(uint8_t *b, size_t c, const void *arg) { A(a); return dnp3kit_build_restart(b, c, a->seq, a->flag); }
static int b_unsol(uint8_t *b, size_t c, const void *arg)
{
    A(a);
    return dnp3kit_build_unsolicited(b, c, a->seq, a->flag, a->classes);
}
static int b_clear_restart(uint8_t *b, size_t c, const void *arg) { A(a); return dnp3kit_build_clear_restart(b, c, a->seq); }
static int b_delay(uint8_t *b, size_t c, const void *arg) { A(a); return dnp3kit_build_delay_measure(b, c, a->seq); }
static int b_record(uint8_t *b, size_t c, const void *arg) { A(a); return dnp3kit_build_record_current_time(b, c, a->seq); }
static int b_time(uint8_t *b, size_t c, const void *arg)
{
    A(a);
    return dnp3kit_build_write_time(b, c, a->seq, a->variation, a->ms);
}
static int b_null(uint8_t *b, size_t c, const void *arg)
{
    A(a);
    return dnp3kit_build_null_response(b, c, 0xC0 | a->seq, a->func, a->iin);
}
static int b_delay_resp(uint8_t *b, size_t c, const void *arg)
{
    A(a);
    return dnp3kit_build_time_delay_response(b, c, a->seq, a->iin, a->variation, a->delay);
}

/* ---- master requests ---- */

static void test_integrity_poll(void **state)
{
    (void)state;
    struct args a = {0};
    /* the classic class 1,2,3,0 poll, seq 0 */
    expect("integrity", b_integrity, &a, "C0 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    a.seq = 9;
    expect("integrity seq 9", b_integrity, &a, "C9 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
}

static void test_read_class(void **state)
{
    (void)state;
    struct args a = {.seq = 5, .classes = 0x2 | 0x8};
    expect("class 1+3", b_class, &a, "C5 01 3C 02 06 3C 04 06");
    a.classes = 1;
    expect("class 0", b_class, &a, "C5 01 3C 01 06");
    a.classes = 0xE;
    expect("events", b_class, &a, "C5 01 3C 02 06 3C 03 06 3C 04 06");
    uint8_t buf[32];
    assert_int_equal(dnp3kit_build_read_class(buf, sizeof buf, 0, 0), DNP3KIT_ERR_ARG);
    assert_int_equal(dnp3kit_build_read_class(buf, sizeof buf, 0, 0x10), DNP3KIT_ERR_ARG);
    assert_int_equal(dnp3kit_build_read_class(buf, sizeof buf, 16, 1), DNP3KIT_ERR_ARG);
}

static void test_read_range(void **state)
{
    (void)state;
    struct args a = {.group = 30, .variation = 1, .start = 0, .stop = 9};
    expect("g30v1 0-9", b_range, &a, "C0 01 1E 01 00 00 09");
    a.start = 10, a.stop = 300;
    expect("g30v1 10-300", b_range, &a, "C0 01 1E 01 01 0A 00 2C 01");
    a.start = 0, a.stop = 70000;
    expect("g30v1 0-70000", b_range, &a, "C0 01 1E 01 02 00 00 00 00 70 11 01 00");
    uint8_t buf[32];
    assert_int_equal(dnp3kit_build_read_range(buf, sizeof buf, 0, 30, 1, 5, 4), DNP3KIT_ERR_ARG);
}

static void test_confirm(void **state)
{
    (void)state;
    struct args a = {.seq = 3};
    expect("confirm", b_confirm, &a, "C3 00");
    a.flag = true; /* confirm of an unsolicited response: UNS */
    expect("confirm uns", b_confirm, &a, "D3 00");
}

static void test_crob(void **state)
{
    (void)state;
    /* DIRECT_OPERATE g12v1 qualifier 0x28, index 3, LATCH_ON count 1 */
    struct args a = {.seq = 1, .func = DNP3KIT_FC_DIRECT_OPERATE, .index = 3,
                     .crob = {.op = DNP3KIT_OP_LATCH_ON, .count = 1}};
    expect("crob latch on", b_crob, &a, "C1 05 0C 01 28 01 00 03 00 03 01 00 00 00 00 00 00 00 00 00");
    /* SELECT PULSE_ON TRIP, 1000 ms on, 500 ms off, index 0x0102 */
    struct args s = {.seq = 14, .func = DNP3KIT_FC_SELECT, .index = 0x0102,
                     .crob = {.op = DNP3KIT_OP_PULSE_ON, .tcc = DNP3KIT_TCC_TRIP, .count = 1,
                              .on_ms = 1000, .off_ms = 500}};
    expect("crob select trip", b_crob, &s, "CE 03 0C 01 28 01 00 02 01 81 01 E8 03 00 00 F4 01 00 00 00");
    s.func = DNP3KIT_FC_OPERATE;
    s.crob.clear = true;
    s.crob.tcc = DNP3KIT_TCC_CLOSE;
    expect("crob operate close clear", b_crob, &s,
           "CE 04 0C 01 28 01 00 02 01 61 01 E8 03 00 00 F4 01 00 00 00");
    uint8_t buf[64];
    a.func = DNP3KIT_FC_READ;
    assert_int_equal(b_crob(buf, sizeof buf, &a), DNP3KIT_ERR_ARG);
    a.func = DNP3KIT_FC_DIRECT_OPERATE_NR;
    assert_true(b_crob(buf, sizeof buf, &a) > 0);
    assert_int_equal(buf[1], 6);
    a.crob.op = 16;
    assert_int_equal(b_crob(buf, sizeof buf, &a), DNP3KIT_ERR_ARG);
    a.crob.op = 1, a.crob.tcc = 4;
    assert_int_equal(b_crob(buf, sizeof buf, &a), DNP3KIT_ERR_ARG);
    assert_int_equal(dnp3kit_build_crob(buf, sizeof buf, 0, DNP3KIT_FC_SELECT, 0, NULL), DNP3KIT_ERR_ARG);

    /* the outstation's echo with status */
    struct args r = {.seq = 1, .iin = 0x0000, .index = 3,
                     .crob = {.op = DNP3KIT_OP_LATCH_ON, .count = 1, .status = DNP3KIT_STATUS_NOT_SUPPORTED}};
    expect("crob response", b_crob_resp, &r,
           "C1 81 00 00 0C 01 28 01 00 03 00 03 01 00 00 00 00 00 00 00 00 04");
}

static void test_analog_output(void **state)
{
    (void)state;
    struct args a = {.seq = 2, .func = DNP3KIT_FC_DIRECT_OPERATE, .index = 1, .ao = DNP3KIT_AO_INT16,
                     .value = 1000};
    expect("g41v2 1000", b_ao, &a, "C2 05 29 02 28 01 00 01 00 E8 03 00");
    a.value = -32768;
    expect("g41v2 -32768", b_ao, &a, "C2 05 29 02 28 01 00 01 00 00 80 00");
    a.ao = DNP3KIT_AO_INT32, a.value = -2147483648.0;
    expect("g41v1 min", b_ao, &a, "C2 05 29 01 28 01 00 01 00 00 00 00 80 00");
    a.ao = DNP3KIT_AO_FLOAT32, a.value = 1.5;
    expect("g41v3 1.5", b_ao, &a, "C2 05 29 03 28 01 00 01 00 00 00 C0 3F 00");
    a.ao = DNP3KIT_AO_FLOAT64, a.value = 1.5, a.func = DNP3KIT_FC_SELECT;
    expect("g41v4 1.5", b_ao, &a, "C2 03 29 04 28 01 00 01 00 00 00 00 00 00 00 F8 3F 00");

    uint8_t buf[64];
    struct {
        dnp3kit_ao_type t;
        double v;
    } bad[] = {
        {DNP3KIT_AO_INT16, 40000}, {DNP3KIT_AO_INT16, 1.5}, {DNP3KIT_AO_INT16, -32769},
        {DNP3KIT_AO_INT16, NAN}, {DNP3KIT_AO_INT32, 2147483648.0}, {DNP3KIT_AO_INT32, 0.25},
        {DNP3KIT_AO_INT32, -2147483649.0}, {DNP3KIT_AO_FLOAT32, 1e39}, {DNP3KIT_AO_FLOAT32, INFINITY},
        {DNP3KIT_AO_FLOAT32, NAN}, {DNP3KIT_AO_FLOAT64, NAN}, {DNP3KIT_AO_FLOAT64, -INFINITY},
        {DNP3KIT_AO_FLOAT32, 1e-40}, {DNP3KIT_AO_FLOAT32, -1e-45},
        {(dnp3kit_ao_type)5, 1}, {(dnp3kit_ao_type)0, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int r = dnp3kit_build_analog_output(buf, sizeof buf, 0, DNP3KIT_FC_DIRECT_OPERATE, 0, bad[i].t, bad[i].v);
        if (r != DNP3KIT_ERR_ARG)
            fail_msg("case %zu: %d", i, r);
    }
    assert_int_equal(dnp3kit_build_analog_output(buf, sizeof buf, 0, DNP3KIT_FC_WRITE, 0, DNP3KIT_AO_INT16, 1),
                     DNP3KIT_ERR_ARG);
    assert_true(dnp3kit_build_analog_output(buf, sizeof buf, 0, DNP3KIT_FC_OPERATE, 0, DNP3KIT_AO_INT16, 32767) > 0);
    /* float32 takes the nearest float32, as any float does: 0.1 -> 0x3DCCCCCD */
    int n = dnp3kit_build_analog_output(buf, sizeof buf, 0, DNP3KIT_FC_OPERATE, 0, DNP3KIT_AO_FLOAT32, 0.1);
    assert_int_equal(n, 2 + 3 + 2 + 2 + 5); /* header, g41v3 0x28, count, index, value + status */
    assert_int_equal(buf[9] | buf[10] << 8 | buf[11] << 16 | (uint32_t)buf[12] << 24, 0x3DCCCCCDu);
    assert_true(dnp3kit_build_analog_output(buf, sizeof buf, 0, DNP3KIT_FC_OPERATE, 0, DNP3KIT_AO_FLOAT32, 0.0) > 0);
}

static void test_freeze_restart_unsolicited(void **state)
{
    (void)state;
    struct args a = {.seq = 3};
    expect("freeze", b_freeze, &a, "C3 07 14 00 06");
    a.flag2 = true;
    expect("freeze nr", b_freeze, &a, "C3 08 14 00 06");
    a.flag = true, a.flag2 = false;
    expect("freeze clear", b_freeze, &a, "C3 09 14 00 06");
    a.flag2 = true;
    expect("freeze clear nr", b_freeze, &a, "C3 0A 14 00 06");

    struct args r = {.seq = 0, .flag = true};
    expect("cold restart", b_restart, &r, "C0 0D");
    r.flag = false;
    expect("warm restart", b_restart, &r, "C0 0E");

    struct args u = {.seq = 2, .flag = true, .classes = 0xE};
    expect("enable unsolicited", b_unsol, &u, "C2 14 3C 02 06 3C 03 06 3C 04 06");
    u.flag = false, u.classes = 0x2;
    expect("disable unsolicited class 1", b_unsol, &u, "C2 15 3C 02 06");
    uint8_t buf[32];
    assert_int_equal(dnp3kit_build_unsolicited(buf, sizeof buf, 0, true, 0x1), DNP3KIT_ERR_ARG);
    assert_int_equal(dnp3kit_build_unsolicited(buf, sizeof buf, 0, true, 0x0), DNP3KIT_ERR_ARG);
    assert_int_equal(dnp3kit_build_unsolicited(buf, sizeof buf, 0, true, 0x3), DNP3KIT_ERR_ARG);
}

static void test_time_and_restart_bit(void **state)
{
    (void)state;
    struct args a = {.seq = 4};
    /* WRITE g80v1 0x00 7..7 = 0: clear IIN1.7 */
    expect("clear restart", b_clear_restart, &a, "C4 02 50 01 00 07 07 00");
    expect("delay measure", b_delay, &a, "C4 17");
    expect("record current time", b_record, &a, "C4 18");
    /* 2024-01-02T03:04:05.678Z = 1704164645678 ms = 0x018CC820DB2E */
    a.variation = 1, a.ms = 1704164645678ull;
    expect("write time g50v1", b_time, &a, "C4 02 32 01 07 01 2E DB 20 C8 8C 01");
    a.variation = 3;
    expect("write time g50v3", b_time, &a, "C4 02 32 03 07 01 2E DB 20 C8 8C 01");
    uint8_t buf[32];
    assert_int_equal(dnp3kit_build_write_time(buf, sizeof buf, 0, 2, 0), DNP3KIT_ERR_ARG);
    assert_int_equal(dnp3kit_build_write_time(buf, sizeof buf, 0, 1, 1ull << 48), DNP3KIT_ERR_ARG);
}

static void test_responses(void **state)
{
    (void)state;
    struct args a = {.seq = 0, .func = DNP3KIT_FC_RESPONSE, .iin = 0x9000};
    expect("null response", b_null, &a, "C0 81 90 00");
    struct args d = {.seq = 5, .iin = 0x0000, .variation = 2, .delay = 300};
    expect("time delay fine", b_delay_resp, &d, "C5 81 00 00 34 02 07 01 2C 01");
    d.variation = 1, d.delay = 5;
    expect("time delay coarse", b_delay_resp, &d, "C5 81 00 00 34 01 07 01 05 00");
    uint8_t buf[32];
    assert_int_equal(dnp3kit_build_time_delay_response(buf, sizeof buf, 0, 0, 3, 1), DNP3KIT_ERR_ARG);
}

/* ---- the writer ---- */

static void test_writer_sticky(void **state)
{
    (void)state;
    uint8_t buf[8];
    memset(buf, 0xEE, sizeof buf);
    dnp3kit_app_writer w;
    dnp3kit_app_writer_init(&w, buf, 6, 0xC0, DNP3KIT_FC_READ, -1);
    dnp3kit_app_write_all(&w, 60, 2);
    assert_int_equal(dnp3kit_app_writer_finish(&w), 5);
    dnp3kit_app_write_all(&w, 60, 3); /* does not fit: error, nothing written */
    assert_int_equal(dnp3kit_app_writer_finish(&w), DNP3KIT_ERR_BUFFER);
    assert_int_equal(buf[5], 0xEE);
    dnp3kit_app_write_raw(&w, (const uint8_t *)"x", 1); /* would fit, but the error sticks */
    assert_int_equal(buf[5], 0xEE);
    assert_int_equal(w.len, 5);
    assert_int_equal(dnp3kit_app_writer_finish(&w), DNP3KIT_ERR_BUFFER);

    /* response header needs 4 octets */
    memset(buf, 0xEE, sizeof buf);
    dnp3kit_app_writer_init(&w, buf, 3, 0xC0, DNP3KIT_FC_RESPONSE, 0);
    assert_int_equal(dnp3kit_app_writer_finish(&w), DNP3KIT_ERR_BUFFER);
    assert_int_equal(buf[3], 0xEE);
    dnp3kit_app_writer_init(&w, NULL, 0, 0xC0, DNP3KIT_FC_READ, -1);
    assert_int_equal(dnp3kit_app_writer_finish(&w), DNP3KIT_ERR_BUFFER);
}

static void test_writer_headers(void **state)
{
    (void)state;
    uint8_t buf[64], want[64];
    dnp3kit_app_writer w;
    dnp3kit_app_writer_init(&w, buf, sizeof buf, 0xC0, DNP3KIT_FC_READ, -1);
    dnp3kit_app_write_count_header(&w, 50, 1, 1);
    dnp3kit_app_write_count_header(&w, 2, 0, 300);
    dnp3kit_app_write_count_header(&w, 2, 0, 70000);
    dnp3kit_app_write_range_header(&w, 1, 2, 255, 256);
    size_t n = tu_hex("C0 01 32 01 07 01 02 00 08 2C 01 02 00 09 70 11 01 00 01 02 01 FF 00 00 01", want, sizeof want);
    assert_int_equal(dnp3kit_app_writer_finish(&w), (int)n);
    assert_memory_equal(buf, want, n);
}

static void test_writer_objects(void **state)
{
    (void)state;
    uint8_t buf[64], want[64];
    size_t n;
    dnp3kit_app_writer w;
    dnp3kit_point pts[3];
    memset(pts, 0, sizeof pts);
    for (int k = 0; k < 3; k++) {
        pts[k].nfields = 2;
        pts[k].fields[0].type = DNP3KIT_FT_FLAGS;
        pts[k].fields[0].v.u = 0x01;
        pts[k].fields[1].type = DNP3KIT_FT_I16;
        pts[k].fields[1].v.i = 100 * (k + 1);
        pts[k].index = (uint64_t)(k * 10);
    }
    /* g30v2 with a range, 0x17 and 0x28 */
    dnp3kit_app_writer_init(&w, buf, sizeof buf, 0xE0, DNP3KIT_FC_RESPONSE, 0);
    dnp3kit_app_write_range(&w, 30, 2, 0, pts, 2);
    dnp3kit_app_write_indexed(&w, 30, 2, 0x17, pts, 2);
    dnp3kit_app_write_indexed(&w, 30, 2, 0x28, pts + 2, 1);
    n = tu_hex("E0 81 00 00 1E 02 00 00 01 01 64 00 01 C8 00"
               " 1E 02 17 02 00 01 64 00 0A 01 C8 00"
               " 1E 02 28 01 00 14 00 01 2C 01",
               want, sizeof want);
    assert_int_equal(dnp3kit_app_writer_finish(&w), (int)n);
    assert_memory_equal(buf, want, n);

    /* an index that does not fit the prefix, a value that does not fit the type */
    dnp3kit_app_writer_init(&w, buf, sizeof buf, 0xC0, DNP3KIT_FC_RESPONSE, 0);
    pts[0].index = 256;
    dnp3kit_app_write_indexed(&w, 30, 2, 0x17, pts, 1);
    assert_int_equal(dnp3kit_app_writer_finish(&w), DNP3KIT_ERR_ARG);
    pts[0].index = 0;
    dnp3kit_app_writer_init(&w, buf, sizeof buf, 0xC0, DNP3KIT_FC_RESPONSE, 0);
    pts[1].fields[1].v.i = 40000;
    dnp3kit_app_write_range(&w, 30, 2, 0, pts, 2);
    assert_int_equal(dnp3kit_app_writer_finish(&w), DNP3KIT_ERR_ARG);
    pts[1].fields[1].v.i = 200;
    /* qualifier that is not index-prefixed; unknown object; no objects */
    dnp3kit_app_writer_init(&w, buf, sizeof buf, 0xC0, DNP3KIT_FC_RESPONSE, 0);
    dnp3kit_app_write_indexed(&w, 30, 2, 0x07, pts, 1);
    assert_int_equal(dnp3kit_app_writer_finish(&w), DNP3KIT_ERR_ARG);
    dnp3kit_app_writer_init(&w, buf, sizeof buf, 0xC0, DNP3KIT_FC_RESPONSE, 0);
    dnp3kit_app_write_range(&w, 30, 9, 0, pts, 1);
    assert_int_equal(dnp3kit_app_writer_finish(&w), DNP3KIT_ERR_UNSUPPORTED);
    dnp3kit_app_writer_init(&w, buf, sizeof buf, 0xC0, DNP3KIT_FC_RESPONSE, 0);
    dnp3kit_app_write_range(&w, 30, 2, 0, pts, 0);
    assert_int_equal(dnp3kit_app_writer_finish(&w), DNP3KIT_ERR_ARG);
    /* 256 objects do not fit a 1-octet count */
    static dnp3kit_point many[256];
    for (int k = 0; k < 256; k++)
        many[k] = pts[0];
    dnp3kit_app_writer_init(&w, buf, sizeof buf, 0xC0, DNP3KIT_FC_RESPONSE, 0);
    dnp3kit_app_write_indexed(&w, 30, 2, 0x17, many, 256);
    assert_int_equal(dnp3kit_app_writer_finish(&w), DNP3KIT_ERR_ARG);

    /* packed: 10 binaries from index 2, LSB first, unused bits zero */
    dnp3kit_point bits[10];
    memset(bits, 0, sizeof bits);
    static const int v[10] = {1, 0, 1, 0, 0, 0, 0, 0, 0, 1};
    for (int k = 0; k < 10; k++) {
        bits[k].nfields = 1;
        bits[k].fields[0].type = DNP3KIT_FT_BIT;
        bits[k].fields[0].v.u = (uint64_t)v[k];
    }
    dnp3kit_app_writer_init(&w, buf, sizeof buf, 0xC0, DNP3KIT_FC_RESPONSE, 0);
    dnp3kit_app_write_range(&w, 1, 1, 2, bits, 10);
    n = tu_hex("C0 81 00 00 01 01 00 02 0B 05 02", want, sizeof want);
    assert_int_equal(dnp3kit_app_writer_finish(&w), (int)n);
    assert_memory_equal(buf, want, n);
    bits[3].fields[0].v.u = 2; /* not a bit */
    dnp3kit_app_writer_init(&w, buf, sizeof buf, 0xC0, DNP3KIT_FC_RESPONSE, 0);
    dnp3kit_app_write_range(&w, 1, 1, 2, bits, 10);
    assert_int_equal(dnp3kit_app_writer_finish(&w), DNP3KIT_ERR_ARG);
    /* packed objects cannot be index-prefixed */
    dnp3kit_app_writer_init(&w, buf, sizeof buf, 0xC0, DNP3KIT_FC_RESPONSE, 0);
    dnp3kit_app_write_indexed(&w, 1, 1, 0x17, bits, 1);
    assert_int_equal(dnp3kit_app_writer_finish(&w), DNP3KIT_ERR_ARG);

    /* double-bit packed: 4 per octet */
    dnp3kit_point dbits[5];
    memset(dbits, 0, sizeof dbits);
    for (int k = 0; k < 5; k++) {
        dbits[k].nfields = 1;
        dbits[k].fields[0].type = DNP3KIT_FT_DBIT;
        dbits[k].fields[0].v.u = (uint64_t)(k % 4);
    }
    dnp3kit_app_writer_init(&w, buf, sizeof buf, 0xC0, DNP3KIT_FC_RESPONSE, 0);
    dnp3kit_app_write_range(&w, 3, 1, 0, dbits, 5);
    n = tu_hex("C0 81 00 00 03 01 00 00 04 E4 00", want, sizeof want);
    assert_int_equal(dnp3kit_app_writer_finish(&w), (int)n);
    assert_memory_equal(buf, want, n);
}

static void test_writer_free(void **state)
{
    (void)state;
    uint8_t buf[64], want[64];
    dnp3kit_app_writer w;
    const uint8_t o1[] = {1, 2, 3}, o2[] = {9};
    const uint8_t *objs[] = {o1, o2};
    size_t lens[] = {3, 1};
    dnp3kit_app_writer_init(&w, buf, sizeof buf, 0xC0, DNP3KIT_FC_WRITE, -1);
    dnp3kit_app_write_free(&w, 70, 8, objs, lens, 2);
    size_t n = tu_hex("C0 02 46 08 5B 02 03 00 01 02 03 01 00 09", want, sizeof want);
    assert_int_equal(dnp3kit_app_writer_finish(&w), (int)n);
    assert_memory_equal(buf, want, n);
    lens[1] = 0; /* a zero-size free object is invalid */
    dnp3kit_app_writer_init(&w, buf, sizeof buf, 0xC0, DNP3KIT_FC_WRITE, -1);
    dnp3kit_app_write_free(&w, 70, 8, objs, lens, 2);
    assert_int_equal(dnp3kit_app_writer_finish(&w), DNP3KIT_ERR_ARG);
    /* free-format rows need 0x5B */
    dnp3kit_point p;
    memset(&p, 0, sizeof p);
    p.nfields = 1;
    p.fields[0].type = DNP3KIT_FT_OCTETS;
    p.fields[0].octets = o1;
    p.fields[0].octets_len = 3;
    dnp3kit_app_writer_init(&w, buf, sizeof buf, 0xC0, DNP3KIT_FC_WRITE, -1);
    dnp3kit_app_write_range(&w, 70, 8, 0, &p, 1);
    assert_int_equal(dnp3kit_app_writer_finish(&w), DNP3KIT_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integrity_poll),
        cmocka_unit_test(test_read_class),
        cmocka_unit_test(test_read_range),
        cmocka_unit_test(test_confirm),
        cmocka_unit_test(test_crob),
        cmocka_unit_test(test_analog_output),
        cmocka_unit_test(test_freeze_restart_unsolicited),
        cmocka_unit_test(test_time_and_restart_bit),
        cmocka_unit_test(test_responses),
        cmocka_unit_test(test_writer_sticky),
        cmocka_unit_test(test_writer_headers),
        cmocka_unit_test(test_writer_objects),
        cmocka_unit_test(test_writer_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
