/* Transport function: reassembly rules of IEEE 1815-2012 clause 8 and the segmenter. */
#include "testutil.h"

#include <string.h>

typedef struct {
    uint8_t segs[64][250];
    size_t lens[64];
    size_t n;
} segs;

static int collect_seg(void *user, const uint8_t *seg, size_t len)
{
    segs *s = user;
    if (s->n >= 64)
        return -1;
    memcpy(s->segs[s->n], seg, len);
    s->lens[s->n++] = len;
    return 0;
}

static void test_segment_reassemble_sizes(void **state)
{
    (void)state;
    static uint8_t msg[2048];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7);
    size_t sizes[] = {0, 1, 248, 249, 250, 498, 2048};
    uint8_t seq = 60; /* wraps 63 -> 0 inside the message */
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        segs s = {0};
        assert_int_equal(dnp3kit_transport_segment(msg, sizes[k], 249, &seq, collect_seg, &s), 0);
        assert_int_equal(s.n, sizes[k] ? (sizes[k] + 248) / 249 : 1);
        uint8_t buf[2048];
        dnp3kit_reassembler r;
        dnp3kit_reassembler_init(&r, buf, sizeof buf);
        tu_findings c;
        tu_findings_init(&c);
        const uint8_t *out = NULL;
        size_t out_len = 0;
        for (size_t i = 0; i < s.n; i++) {
            int rc = dnp3kit_reassembler_push(&r, s.segs[i], s.lens[i], &out, &out_len, &c.sink);
            assert_int_equal(rc, i + 1 == s.n ? 1 : 0);
        }
        assert_int_equal(out_len, sizes[k]);
        assert_memory_equal(out, msg, sizes[k]);
        assert_int_equal(c.n, 0);
    }
}

static int push(dnp3kit_reassembler *r, uint8_t hdr, size_t plen, tu_findings *c, size_t *out_len)
{
    uint8_t seg[250] = {hdr};
    memset(seg + 1, 0xAB, plen);
    const uint8_t *out;
    size_t ol = 0;
    int rc = dnp3kit_reassembler_push(r, seg, plen + 1, &out, &ol, &c->sink);
    if (out_len)
        *out_len = ol;
    return rc;
}

#define FIR 0x40
#define FIN 0x80

static void test_rules(void **state)
{
    (void)state;
    uint8_t buf[2048];
    dnp3kit_reassembler r;
    tu_findings c;
    size_t ol;

    /* non-FIR with nothing in progress */
    dnp3kit_reassembler_init(&r, buf, sizeof buf);
    tu_findings_init(&c);
    assert_int_equal(push(&r, FIN | 5, 10, &c, NULL), 0);
    assert_int_equal(tu_count(&c, DNP3KIT_F_TRANSPORT_NO_FIR), 1);

    /* sequence gap discards the message */
    tu_findings_init(&c);
    assert_int_equal(push(&r, FIR | 10, 249, &c, NULL), 0);
    assert_int_equal(push(&r, FIN | 12, 10, &c, NULL), 0);
    assert_int_equal(tu_count(&c, DNP3KIT_F_TRANSPORT_SEQUENCE_GAP), 1);
    assert_int_equal(tu_find(&c, DNP3KIT_F_TRANSPORT_SEQUENCE_GAP)->expected, 11);

    /* FIR while in progress discards the partial one and starts anew */
    tu_findings_init(&c);
    assert_int_equal(push(&r, FIR | 1, 249, &c, NULL), 0);
    assert_int_equal(push(&r, FIR | FIN | 7, 4, &c, &ol), 1);
    assert_int_equal(ol, 4);
    assert_int_equal(tu_count(&c, DNP3KIT_F_TRANSPORT_PARTIAL_DISCARDED), 1);

    /* wrap 63 -> 0 is legal; a header-only FIN segment ends the message */
    tu_findings_init(&c);
    assert_int_equal(push(&r, FIR | 63, 100, &c, NULL), 0);
    assert_int_equal(push(&r, 0, 100, &c, NULL), 0);
    assert_int_equal(push(&r, FIN | 1, 0, &c, &ol), 1);
    assert_int_equal(ol, 200);
    assert_int_equal(c.n, 0);

    /* duplicate (link retry) is ignored */
    tu_findings_init(&c);
    assert_int_equal(push(&r, FIR | 20, 100, &c, NULL), 0);
    assert_int_equal(push(&r, FIR | 20, 100, &c, NULL), 0); /* FIR again: restarts, partial discarded */
    assert_int_equal(push(&r, 21, 100, &c, NULL), 0);
    assert_int_equal(push(&r, 21, 100, &c, NULL), 0);
    assert_int_equal(tu_count(&c, DNP3KIT_F_TRANSPORT_DUPLICATE_SEGMENT), 1);
    assert_int_equal(push(&r, FIN | 22, 1, &c, &ol), 1);
    assert_int_equal(ol, 201);

    /* incomplete at the end */
    tu_findings_init(&c);
    assert_int_equal(push(&r, FIR | 30, 10, &c, NULL), 0);
    dnp3kit_reassembler_finish(&r, &c.sink);
    assert_int_equal(tu_count(&c, DNP3KIT_F_TRANSPORT_INCOMPLETE), 1);

    /* empty segment */
    uint8_t empty = 0;
    const uint8_t *o;
    assert_int_equal(dnp3kit_reassembler_push(&r, &empty, 0, &o, &ol, NULL), DNP3KIT_ERR_INVALID);
}

static void test_too_large_bounded(void **state)
{
    (void)state;
    uint8_t buf[300];
    dnp3kit_reassembler r;
    dnp3kit_reassembler_init(&r, buf, sizeof buf);
    tu_findings c;
    tu_findings_init(&c);
    size_t ol;
    /* an endless non-FIN message: one finding, then silence, memory never grows */
    assert_int_equal(push(&r, FIR | 0, 249, &c, NULL), 0);
    for (unsigned i = 1; i < 1000; i++)
        assert_int_equal(push(&r, (uint8_t)(i & 63), 249, &c, NULL), 0);
    assert_int_equal(tu_count(&c, DNP3KIT_F_TRANSPORT_MESSAGE_TOO_LARGE), 1);
    assert_int_equal(tu_count(&c, DNP3KIT_F_TRANSPORT_NO_FIR), 0);
    assert_true(r.len <= r.cap);
    /* its FIN ends the discard; the next message is accepted */
    assert_int_equal(push(&r, FIN | 40, 10, &c, NULL), 0);
    assert_int_equal(push(&r, FIR | FIN | 41, 10, &c, &ol), 1);
    assert_int_equal(ol, 10);
    assert_int_equal(c.n, 1);
}

static void test_segmenter_args(void **state)
{
    (void)state;
    uint8_t seq = 0, m[10] = {0};
    segs s = {0};
    assert_int_equal(dnp3kit_transport_segment(m, 10, 0, &seq, collect_seg, &s), DNP3KIT_ERR_ARG);
    assert_int_equal(dnp3kit_transport_segment(m, 10, 250, &seq, collect_seg, &s), DNP3KIT_ERR_ARG);
    assert_int_equal(dnp3kit_transport_segment(m, 10, 3, &seq, collect_seg, &s), 0);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.segs[0][0], FIR | 0);
    assert_int_equal(s.segs[1][0], 1);
    assert_int_equal(s.segs[3][0], FIN | 3);
    assert_int_equal(s.lens[3], 2);
    assert_int_equal(seq, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segment_reassemble_sizes),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_too_large_bounded),
        cmocka_unit_test(test_segmenter_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
