/* Session analyzer: the rules that span fragments of one association. */
#include "testutil.h"

#include <string.h>

typedef struct {
    dnp3kit_analyzer a;
    tu_findings c;
} sess;

static void feed(sess *s, bool from_master, const char *hex)
{
    uint8_t f[512];
    size_t n = tu_hex(hex, f, sizeof f);
    dnp3kit_app_header h;
    assert_int_equal(dnp3kit_app_header_decode(f, n, &h, NULL), 0);
    dnp3kit_analyzer_feed(&s->a, from_master, false, f, n, &h, &s->c.sink);
}

static void start(sess *s)
{
    dnp3kit_analyzer_init(&s->a);
    tu_findings_init(&s->c);
}

static void test_clean_session(void **state)
{
    (void)state;
    sess s;
    start(&s);
    feed(&s, true, "C0 01 3C 01 06");          /* READ seq 0 */
    feed(&s, false, "E0 81 00 00");            /* response seq 0, CON */
    feed(&s, true, "C0 00");                   /* confirm seq 0 */
    feed(&s, true, "C1 01 3C 02 06");          /* READ seq 1 */
    feed(&s, false, "A1 81 00 00");            /* FIR, CON, seq 1 */
    feed(&s, true, "C1 00");
    feed(&s, false, "02 81 00 00");            /* middle fragment, seq 2 */
    feed(&s, false, "62 81 00 00");            /* last fragment, CON, but seq 2 again: wrong */
    feed(&s, true, "C2 00");                   /* confirms it */
    feed(&s, false, "F5 82 00 00");            /* unsolicited seq 5, CON */
    feed(&s, true, "D5 00");                   /* confirm with UNS */
    feed(&s, false, "F6 82 00 00");
    feed(&s, true, "D6 00");
    feed(&s, true, "C7 00");                   /* confirm with nothing awaiting it */
    dnp3kit_analyzer_finish(&s.a, &s.c.sink);
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_RESPONSE_FRAGMENT_SEQ), 1);
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_UNEXPECTED_CONFIRM), 1);
    assert_int_equal(s.c.n, 2);
}

/* A request after a two-fragment response may continue from either the
 * master's own last SEQ or the response's last fragment (opendnp3 does the
 * latter); any other jump is still a discontinuity. */
static void test_request_seq_after_multi_fragment_response(void **state)
{
    (void)state;
    sess s;
    start(&s);
    feed(&s, true, "C4 01 3C 01 06");          /* READ seq 4 */
    feed(&s, false, "84 81 00 00");            /* FIR, seq 4 */
    feed(&s, false, "45 81 00 00");            /* FIN, seq 5 */
    feed(&s, true, "C6 01 3C 01 06");          /* continues from the fragment: 6 */
    feed(&s, false, "C6 81 00 00");
    feed(&s, true, "C7 01 3C 01 06");          /* READ seq 7, answered in two fragments ... */
    feed(&s, false, "87 81 00 00");
    feed(&s, false, "48 81 00 00");
    feed(&s, true, "C8 01 3C 01 06");          /* ... and continued from its own request: 8 */
    feed(&s, false, "C8 81 00 00");
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_REQUEST_SEQ_DISCONTINUITY), 0);
    feed(&s, true, "C9 01 3C 01 06");
    feed(&s, false, "C9 81 00 00");
    feed(&s, true, "CB 01 3C 01 06");          /* 9 -> 11 after a single fragment: a jump */
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_REQUEST_SEQ_DISCONTINUITY), 1);
    feed(&s, false, "CB 81 00 00");
    dnp3kit_analyzer_finish(&s.a, &s.c.sink);
    assert_int_equal(s.c.n, 1);
}

static void test_seq_and_confirm_rules(void **state)
{
    (void)state;
    sess s;
    start(&s);
    feed(&s, false, "C3 81 00 00");            /* response with no request */
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_RESPONSE_WITHOUT_REQUEST), 1);
    feed(&s, true, "C4 01 3C 01 06");
    feed(&s, false, "C5 81 00 00");            /* wrong SEQ */
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_RESPONSE_SEQ_MISMATCH), 1);
    feed(&s, true, "C9 01 3C 01 06");          /* jump 4 -> 9 */
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_REQUEST_SEQ_DISCONTINUITY), 1);
    feed(&s, true, "C9 01 3C 01 06");          /* retry: same SEQ and function, fine */
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_NO_RESPONSE), 0);
    feed(&s, true, "CA 01 3C 01 06");          /* previous never answered */
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_NO_RESPONSE), 1);
    feed(&s, false, "EA 81 00 00");            /* CON ... */
    feed(&s, true, "CB 01 3C 01 06");          /* ... never confirmed */
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_CON_NOT_CONFIRMED), 1);
    feed(&s, false, "F1 82 00 00");
    feed(&s, false, "F3 82 00 00");            /* unsolicited 1 -> 3, and 1 unconfirmed */
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_UNSOLICITED_SEQ_DISCONTINUITY), 1);
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_CON_NOT_CONFIRMED), 2);
    dnp3kit_analyzer_finish(&s.a, &s.c.sink);
    /* request CB unanswered, unsolicited 3 unconfirmed */
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_NO_RESPONSE), 2);
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_CON_NOT_CONFIRMED), 3);
}

#define CROB "0C 01 28 01 00 05 00 03 01 64 00 00 00 64 00 00 00 00"
#define CROB_OTHER "0C 01 28 01 00 06 00 03 01 64 00 00 00 64 00 00 00 00"

static void test_select_operate(void **state)
{
    (void)state;
    sess s;
    start(&s);
    feed(&s, true, "C1 03 " CROB);
    feed(&s, false, "C1 81 00 00 " CROB);
    feed(&s, true, "C2 04 " CROB);
    feed(&s, false, "C2 81 00 00 " CROB);
    assert_int_equal(s.c.n, 0);

    /* OPERATE without SELECT */
    feed(&s, true, "C3 04 " CROB);
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_OPERATE_WITHOUT_SELECT), 1);
    feed(&s, false, "C3 81 00 00 " CROB);

    /* OPERATE with other objects than the SELECT */
    feed(&s, true, "C4 03 " CROB);
    feed(&s, false, "C4 81 00 00 " CROB);
    feed(&s, true, "C5 04 " CROB_OTHER);
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_OPERATE_MISMATCH), 1);
    feed(&s, false, "C5 81 00 00 " CROB_OTHER);

    /* SELECT rejected (status 4 in the echo): OPERATE is not allowed */
    feed(&s, true, "C6 03 " CROB);
    feed(&s, false, "C6 81 00 00 0C 01 28 01 00 05 00 03 01 64 00 00 00 64 00 00 00 04");
    feed(&s, true, "C7 04 " CROB);
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_OPERATE_WITHOUT_SELECT), 2);
    feed(&s, false, "C7 81 00 00 " CROB);

    /* a request between SELECT and OPERATE cancels the selection */
    feed(&s, true, "C8 03 " CROB);
    feed(&s, false, "C8 81 00 00 " CROB);
    feed(&s, true, "C9 01 3C 01 06");
    feed(&s, false, "C9 81 00 00");
    feed(&s, true, "CA 04 " CROB);
    assert_int_equal(tu_count(&s.c, DNP3KIT_F_SESSION_OPERATE_WITHOUT_SELECT), 3);
}

static void test_no_response_functions(void **state)
{
    (void)state;
    sess s;
    start(&s);
    feed(&s, true, "C0 06 " CROB);             /* DIRECT_OPERATE_NR: no response due */
    feed(&s, true, "C1 08 14 00 06");          /* IMMED_FREEZE_NR */
    dnp3kit_analyzer_finish(&s.a, &s.c.sink);
    assert_int_equal(s.c.n, 0);
}

static void test_fragment_classify(void **state)
{
    (void)state;
    uint8_t f[64];
    dnp3kit_fragment_info fi;
    tu_findings c;
    /* a READ with DIR=1 from master 1 to outstation 10 */
    size_t n = tu_hex("C0 01 3C 01 06", f, sizeof f);
    tu_findings_init(&c);
    dnp3kit_fragment_classify(f, n, 1, 10, true, &fi, &c.sink);
    assert_true(fi.decodable && fi.from_master && !fi.broadcast);
    assert_int_equal(fi.master, 1);
    assert_int_equal(fi.outstation, 10);
    assert_int_equal(fi.status, 0);
    assert_int_equal(c.n, 0);
    /* the same request with DIR=0 (seen in a real capture): role from the function, finding */
    tu_findings_init(&c);
    dnp3kit_fragment_classify(f, n, 1, 10, false, &fi, &c.sink);
    assert_true(fi.from_master);
    assert_int_equal(fi.master, 1);
    assert_int_equal(fi.outstation, 10);
    assert_int_equal(tu_count(&c, DNP3KIT_F_LINK_DIR_MISMATCH), 1);
    /* a response with DIR=1: from the outstation all the same */
    n = tu_hex("C0 81 00 00", f, sizeof f);
    tu_findings_init(&c);
    dnp3kit_fragment_classify(f, n, 10, 1, true, &fi, &c.sink);
    assert_false(fi.from_master);
    assert_int_equal(fi.master, 1);
    assert_int_equal(fi.outstation, 10);
    assert_int_equal(tu_count(&c, DNP3KIT_F_LINK_DIR_MISMATCH), 1);
    /* an undefined function: not decodable, the DIR bit decides, no DIR finding */
    n = tu_hex("C0 70", f, sizeof f);
    tu_findings_init(&c);
    dnp3kit_fragment_classify(f, n, 10, 1, false, &fi, &c.sink);
    assert_false(fi.decodable);
    assert_false(fi.from_master);
    assert_int_not_equal(fi.status, 0);
    assert_int_equal(tu_count(&c, DNP3KIT_F_LINK_DIR_MISMATCH), 0);
    /* broadcast destination */
    n = tu_hex("C0 02 50 01 00 07 07 00", f, sizeof f);
    dnp3kit_fragment_classify(f, n, 1, 0xFFFF, true, &fi, NULL);
    assert_true(fi.broadcast);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_session),
        cmocka_unit_test(test_seq_and_confirm_rules),
        cmocka_unit_test(test_request_seq_after_multi_fragment_response),
        cmocka_unit_test(test_select_operate),
        cmocka_unit_test(test_no_response_functions),
        cmocka_unit_test(test_fragment_classify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
