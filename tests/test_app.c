/* Application layer: header, every qualifier form, sizes checked before use, validation. */
#include "testutil.h"

#include <string.h>

typedef struct {
    dnp3kit_object_header h[32];
    size_t n;
    int rc;
} walk;

static int walk_frag(const uint8_t *frag, size_t len, walk *w, tu_findings *c)
{
    memset(w, 0, sizeof *w);
    uint8_t *t = tu_tail_copy(frag, len);
    dnp3kit_app_header ah;
    int rc = dnp3kit_app_header_decode(t, len, &ah, c ? &c->sink : NULL);
    if (rc == 0) {
        dnp3kit_object_iter it;
        dnp3kit_object_iter_init(&it, t, len, &ah);
        while ((rc = dnp3kit_object_iter_next(&it, &w->h[w->n], c ? &c->sink : NULL)) == 1)
            if (w->n < 31)
                w->n++;
        /* sticky error */
        if (rc < 0)
            assert_int_equal(dnp3kit_object_iter_next(&it, &w->h[31], NULL), rc);
    }
    tu_free_tail(t);
    w->rc = rc;
    return rc;
}

#define HEX(name, str) uint8_t name[1024]; size_t name##_len = tu_hex(str, name, sizeof name)

static void test_integrity_poll(void **state)
{
    (void)state;
    HEX(f, "C0 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    walk w;
    tu_findings c;
    tu_findings_init(&c);
    assert_int_equal(walk_frag(f, f_len, &w, &c), 0);
    assert_int_equal(w.n, 4);
    assert_int_equal(w.h[0].group, 60);
    assert_int_equal(w.h[0].variation, 2);
    assert_int_equal(w.h[3].variation, 1);
    assert_false(w.h[0].has_data);
    assert_int_equal(w.h[3].offset, 11);
    assert_int_equal(c.n, 0);
}

static void test_qualifiers(void **state)
{
    (void)state;
    struct {
        const char *hex;
        uint8_t g, v, q;
        uint64_t count, start, stop;
        size_t data_len;
    } cases[] = {
        /* READ with index lists: indices but no object data */
        {"C1 01 01 02 17 02 03 09", 1, 2, 0x17, 2, 0, 0, 2},
        {"C1 01 1E 01 28 02 00 03 00 09 01", 30, 1, 0x28, 2, 0, 0, 4},
        /* responses: start-stop 8/16/32 */
        {"C1 81 00 00 1E 01 00 00 03 " "01 01 00 00 00 01 02 00 00 00 01 03 00 00 00 01 04 00 00 00", 30, 1, 0, 4, 0, 3, 20},
        {"C1 81 00 00 1E 04 01 0A 00 0B 00 " "01 00 02 00", 30, 4, 1, 2, 10, 11, 4},
        {"C1 81 00 00 14 05 02 00 00 01 00 01 00 01 00 " "01 00 00 00 02 00 00 00", 20, 5, 2, 2, 65536, 65537, 8},
        /* range codes 3-5: start/stop addresses of 1, 2, 4 octets, sized like 0-2 */
        {"C1 81 00 00 1E 04 03 07 08 " "01 00 02 00", 30, 4, 3, 2, 7, 8, 4},
        {"C1 81 00 00 1E 04 04 0A 00 0A 00 " "01 00", 30, 4, 4, 1, 10, 10, 2},
        {"C1 81 00 00 1E 04 05 00 00 01 00 01 00 01 00 " "01 00 02 00", 30, 4, 5, 2, 65536, 65537, 4},
        /* packed bits: 10 binaries -> 2 octets; 5 double bits -> 2 octets */
        {"C1 81 00 00 01 01 00 00 09 FF 03", 1, 1, 0, 10, 0, 9, 2},
        {"C1 81 00 00 03 01 00 00 04 AA 02", 3, 1, 0, 5, 0, 4, 2},
        /* count 8/16/32 with index prefixes 1/2/4 */
        {"C1 81 00 00 02 01 17 02 05 81 07 01", 2, 1, 0x17, 2, 0, 0, 4},
        {"C1 81 00 00 02 02 28 01 00 05 00 81 01 02 03 04 05 06", 2, 2, 0x28, 1, 0, 0, 9},
        {"C1 81 00 00 1E 03 39 01 00 00 00 07 00 00 00 05 00 00 00", 30, 3, 0x39, 1, 0, 0, 8},
        /* CROB echo, 0x28 */
        {"C1 81 00 00 0C 01 28 01 00 05 00 03 01 64 00 00 00 64 00 00 00 00", 12, 1, 0x28, 1, 0, 0, 13},
        /* time write with count 0x07 */
        {"C1 02 32 01 07 01 00 00 00 00 00 00", 50, 1, 0x07, 1, 0, 0, 6},
        /* octet string: size = variation */
        {"C1 81 00 00 6E 05 00 01 01 68 65 6C 6C 6F", 110, 5, 0, 1, 1, 1, 5},
        /* free format 0x5B: count 1, 2-octet size */
        {"C1 1B 46 03 5B 01 04 00 AA BB CC DD", 70, 3, 0x5B, 1, 0, 0, 6},
        /* device attribute g0v240: type 1 (VSTR), length 3 */
        {"C1 81 00 00 00 F0 00 00 00 01 03 61 62 63", 0, 240, 0, 1, 0, 0, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        HEX(f, cases[i].hex);
        walk w;
        tu_findings c;
        tu_findings_init(&c);
        int rc = walk_frag(f, f_len, &w, &c);
        if (rc != 0 || w.n != 1) {
            tu_dump(&c);
            fail_msg("case %zu: rc %d, %zu headers", i, rc, w.n);
        }
        assert_int_equal(w.h[0].group, cases[i].g);
        assert_int_equal(w.h[0].variation, cases[i].v);
        assert_int_equal(w.h[0].qualifier, cases[i].q);
        assert_int_equal(w.h[0].count, cases[i].count);
        if (w.h[0].has_range) {
            assert_int_equal(w.h[0].start, cases[i].start);
            assert_int_equal(w.h[0].stop, cases[i].stop);
        }
        assert_int_equal(w.h[0].data_len, cases[i].data_len);
        assert_int_equal(w.h[0].data_offset + w.h[0].data_len, f_len);
        assert_non_null(w.h[0].info);
        /* range codes 3-5 are decoded and flagged once, nothing else */
        bool addr = cases[i].q >= 3 && cases[i].q <= 5;
        if (addr ? (c.n != 1 || c.items[0].code != DNP3KIT_F_APP_UNUSUAL_QUALIFIER) : c.n != 0) {
            tu_dump(&c);
            fail_msg("case %zu: unexpected findings", i);
        }
        /* every truncation of a valid fragment fails cleanly, never over-reads */
        for (size_t cut = 0; cut < f_len; cut++) {
            walk w2;
            int rc2 = walk_frag(f, cut, &w2, NULL);
            if (cut == w.h[0].offset) {
                assert_int_equal(rc2, 0); /* just the application header: no objects */
                assert_int_equal(w2.n, 0);
            } else {
                assert_true(rc2 < 0);
            }
        }
    }
}

static void test_defects(void **state)
{
    (void)state;
    struct {
        const char *hex;
        int rc;
        dnp3kit_finding_code code;
    } cases[] = {
        {"C1 81 00 00 1E 01 00 05 03", DNP3KIT_ERR_INVALID, DNP3KIT_F_APP_RANGE_START_GT_STOP},
        {"C1 81 00 00 1E 01", DNP3KIT_ERR_INVALID, DNP3KIT_F_APP_HEADER_TRUNCATED},
        {"C1 81 00 00 1E 01 01 00", DNP3KIT_ERR_INVALID, DNP3KIT_F_APP_HEADER_TRUNCATED},
        {"C1 81 00 00 1E 01 00 00 03 01 02", DNP3KIT_ERR_INVALID, DNP3KIT_F_APP_OBJECT_TRUNCATED},
        {"C1 81 00 00 63 01 00 00 00 01", DNP3KIT_ERR_UNSUPPORTED, DNP3KIT_F_APP_UNKNOWN_OBJECT},
        {"C1 81 00 00 1E 00 00 00 00 01", DNP3KIT_ERR_UNSUPPORTED, DNP3KIT_F_APP_VARIATION_ZERO_WITH_DATA},
        /* range code 3: a 1-octet start/stop of absolute addresses, decoded (flagged);
         * here its g30v1 object is missing */
        {"C1 81 00 00 1E 01 03 00 00", DNP3KIT_ERR_INVALID, DNP3KIT_F_APP_OBJECT_TRUNCATED},
        {"C1 81 00 00 1E 01 03 00 00", DNP3KIT_ERR_INVALID, DNP3KIT_F_APP_UNUSUAL_QUALIFIER},
        {"C1 81 00 00 1E 01 0A 00 00", DNP3KIT_ERR_UNSUPPORTED, DNP3KIT_F_APP_UNKNOWN_QUALIFIER},
        {"C1 81 00 00 1E 01 80 00 00", DNP3KIT_ERR_UNSUPPORTED, DNP3KIT_F_APP_UNKNOWN_QUALIFIER},
        {"C1 81 00 00 1E 01 77 01", DNP3KIT_ERR_UNSUPPORTED, DNP3KIT_F_APP_UNKNOWN_QUALIFIER},
        /* 'all' (0x06) in a response: no data can follow; flagged, the walk goes on */
        {"C1 81 00 00 1E 01 06", 0, DNP3KIT_F_APP_UNUSUAL_QUALIFIER},
        /* an undefined object in a READ is flagged but sizes (no data) */
        {"C1 01 63 01 06 3C 01 06", 0, DNP3KIT_F_APP_UNKNOWN_OBJECT},
        /* an undefined object with a size prefix can be skipped */
        {"C1 81 00 00 63 01 5B 01 02 00 AA BB 1E 04 00 00 00 05 00", 0, DNP3KIT_F_APP_UNKNOWN_OBJECT},
        /* regression (real capture, file_read.pcap frame 3): READ g70v5 0x5B declares
         * 8 octets that follow the size prefix even in a READ */
        {"C2 01 46 05 5B 01 08 00 78 56 34 12 00 00 00 00", 0, DNP3KIT_F_COUNT_},
        /* regression (zeek dnp3.pcap frame 163): STOP_APPL g60v2 all, g1v7 all (undefined
         * variation: flagged, sizes), then a reserved qualifier 0xED at header 2 */
        {"C1 12 3C 02 06 01 07 06 3C 04 ED", DNP3KIT_ERR_UNSUPPORTED, DNP3KIT_F_APP_UNKNOWN_QUALIFIER},
        /* count x size beyond 32 bits: 0xFFFFFFFF x 9 octets */
        {"C1 81 00 00 1E 06 09 FF FF FF FF 00", DNP3KIT_ERR_TOO_LARGE, DNP3KIT_F_APP_SIZE_OVERFLOW},
        /* start-stop 32 covering 2^32 objects of 5 octets */
        {"C1 81 00 00 1E 01 02 00 00 00 00 FF FF FF FF 00", DNP3KIT_ERR_TOO_LARGE, DNP3KIT_F_APP_SIZE_OVERFLOW},
        /* huge count, tiny payload */
        {"C1 81 00 00 1E 01 08 FF FF 01 02 03 04 05", DNP3KIT_ERR_INVALID, DNP3KIT_F_APP_OBJECT_TRUNCATED},
        /* 0x5B with a zero size */
        {"C1 81 00 00 46 05 5B 01 00 00", DNP3KIT_ERR_INVALID, DNP3KIT_F_APP_ZERO_SIZE_OBJECT},
        /* 0x5B on g30v1 (defined size 5) declaring 3 octets: flagged, still walked */
        {"C1 81 00 00 1E 01 5B 01 03 00 AA BB CC", 0, DNP3KIT_F_APP_OBJECT_SIZE_MISMATCH},
        /* two such objects under one header: reported once */
        {"C1 81 00 00 1E 01 5B 02 03 00 AA BB CC 03 00 AA BB CC", 0, DNP3KIT_F_APP_OBJECT_SIZE_MISMATCH},
        /* g110v4 (size = variation) declaring 2 octets */
        {"C1 81 00 00 6E 04 5B 01 02 00 AA BB", 0, DNP3KIT_F_APP_OBJECT_SIZE_MISMATCH},
        /* g0v255 list (data type 254): the length octet counts octets (3 pairs = 6),
         * so the g80v1 header after it is a header, not list content */
        {"C0 81 00 00 00 FF 00 00 00 FE 06 14 00 15 01 16 02 50 01 00 07 07 00", 0, DNP3KIT_F_COUNT_},
        /* 0x5B with a size beyond the fragment */
        {"C1 81 00 00 46 05 5B 01 FF 00 01", DNP3KIT_ERR_INVALID, DNP3KIT_F_APP_OBJECT_TRUNCATED},
        /* huge count of size-prefixed objects: bounded by the fragment */
        {"C1 81 00 00 46 05 5B FF 01 00 AA 01 00 BB", DNP3KIT_ERR_INVALID, DNP3KIT_F_APP_OBJECT_TRUNCATED},
        /* packed bits cannot take an index prefix */
        {"C1 81 00 00 01 01 17 01 00 01", DNP3KIT_ERR_UNSUPPORTED, DNP3KIT_F_APP_UNKNOWN_QUALIFIER},
        /* free-format object without a size prefix */
        {"C1 81 00 00 46 05 07 01 00", DNP3KIT_ERR_UNSUPPORTED, DNP3KIT_F_APP_UNKNOWN_QUALIFIER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        HEX(f, cases[i].hex);
        walk w;
        tu_findings c;
        tu_findings_init(&c);
        int rc = walk_frag(f, f_len, &w, &c);
        size_t want = cases[i].code == DNP3KIT_F_COUNT_ ? 0 : 1;
        if (rc != cases[i].rc || (want && tu_count(&c, cases[i].code) != 1) || (!want && c.n != 0)) {
            tu_dump(&c);
            fail_msg("case %zu: rc %d, want %d and %s", i, rc, cases[i].rc, dnp3kit_finding_name(cases[i].code));
        }
        /* validate agrees and does not crash */
        tu_findings c2;
        tu_findings_init(&c2);
        assert_int_equal(dnp3kit_app_validate(f, f_len, NULL, &c2.sink), cases[i].rc);
    }
}

/* g0 data type 255 is the extended attribute list: its value holds the length
 * octet + 256 octets (stepfunc's and other public parsers' reading of IEEE 1815
 * table 5-16). Here 256 octets (length octet 0), then a g80v1 header that must
 * be found as the second header with its own data. */
static void test_attribute_lists(void **state)
{
    (void)state;
    uint8_t f[4 + 5 + 2 + 256 + 6];
    size_t n = 0;
    const uint8_t head[] = {0xC0, 0x81, 0x00, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0xFF, 0x00};
    memcpy(f, head, sizeof head);
    n = sizeof head;
    for (int i = 0; i < 128; i++) {
        f[n++] = (uint8_t)(196 + i % 60); /* variation */
        f[n++] = (uint8_t)(i & 1);        /* properties */
    }
    const uint8_t tail[] = {0x50, 0x01, 0x00, 0x07, 0x07, 0x00};
    memcpy(f + n, tail, sizeof tail);
    n += sizeof tail;
    walk w;
    assert_int_equal(walk_frag(f, n, &w, NULL), 0);
    assert_int_equal(w.n, 2);
    assert_int_equal(w.h[0].data_len, 2 + 256);
    assert_int_equal(w.h[1].group, 80);
    assert_int_equal(w.h[1].data_len, 1);
    /* and the whole fragment validates */
    assert_int_equal(dnp3kit_app_validate(f, n, NULL, NULL), 0);
}

static void test_validate_rules(void **state)
{
    (void)state;
    struct {
        const char *hex;
        dnp3kit_finding_code code;
    } cases[] = {
        {"C1 23", DNP3KIT_F_APP_UNKNOWN_FUNCTION},
        {"81 01 3C 01 06", DNP3KIT_F_APP_MULTI_FRAGMENT_REQUEST},
        {"E1 01 3C 01 06", DNP3KIT_F_APP_BAD_CONTROL_BITS},
        {"F1 82 00 00", DNP3KIT_F_APP_BAD_CONTROL_BITS},       /* unsolicited response fine... */
        {"C1 82 00 00", DNP3KIT_F_APP_BAD_CONTROL_BITS},       /* ...but not without UNS */
        {"D1 81 00 00", DNP3KIT_F_APP_BAD_CONTROL_BITS},       /* solicited with UNS */
        {"C1 81 00 C0", DNP3KIT_F_APP_IIN_RESERVED},
        {"C1 81 00 02", DNP3KIT_F_APP_IIN_ERROR},
        {"C1 0D 3C 01 06", DNP3KIT_F_APP_OBJECTS_NOT_EXPECTED},
        {"C1 81", DNP3KIT_F_APP_FRAGMENT_TOO_SHORT},
        {"C1", DNP3KIT_F_APP_FRAGMENT_TOO_SHORT},
        {"C1 81 00 00 0C 01 28 01 00 05 00 03 01 64 00 00 00 64 00 00 00 04", DNP3KIT_F_APP_CONTROL_STATUS},
        {"C1 01 3C 02 07 00", DNP3KIT_F_APP_COUNT_ZERO},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        HEX(f, cases[i].hex);
        uint8_t *t = tu_tail_copy(f, f_len);
        tu_findings c;
        tu_findings_init(&c);
        dnp3kit_app_validate(t, f_len, NULL, &c.sink);
        tu_free_tail(t);
        size_t want = i == 3 ? 0 : 1; /* F1 82: unsolicited with UNS and CON is correct */
        if (tu_count(&c, cases[i].code) != want) {
            tu_dump(&c);
            fail_msg("case %zu: want %zu x %s", i, want, dnp3kit_finding_name(cases[i].code));
        }
    }
    /* a clean response validates with no finding */
    HEX(ok, "C1 81 00 00 1E 01 00 00 00 01 D2 04 00 00");
    tu_findings c;
    tu_findings_init(&c);
    dnp3kit_app_summary sum;
    assert_int_equal(dnp3kit_app_validate(ok, ok_len, &sum, &c.sink), 0);
    assert_int_equal(c.n, 0);
    assert_int_equal(sum.object_headers, 1);
    assert_int_equal(sum.points, 1);
    assert_int_equal(sum.valid_len, ok_len);
}

/* A header whose data breaks off keeps its whole objects (the fragment's
 * valid prefix, DESIGN.md principle 4) in every sizing rule; a sound header
 * is never marked partial. */
static void test_valid_prefix(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        size_t bad;            /* number of the header that breaks off */
        uint64_t valid;        /* whole objects before the defect */
        size_t data_len;
        int rc;
    } cases[] = {
        /* fixed size: g30v1 0-3, 2.4 objects */
        {"C0 81 00 00 01 02 00 00 00 01 1E 01 00 00 03 01 D2 04 00 00 01 2E FB FF FF 01 00", 1, 2, 10,
         DNP3KIT_ERR_INVALID},
        /* packed bits: g1v1 0-20 needs 3 octets, 2 left: 16 bits */
        {"C0 81 00 00 01 01 00 00 14 FF 0F", 0, 16, 2, DNP3KIT_ERR_INVALID},
        /* index prefixes without data: READ g1v2 0x17 count 3, 2 indices */
        {"C0 01 01 02 17 03 05 06", 0, 2, 2, DNP3KIT_ERR_INVALID},
        /* size prefixes: g70v4 0x5B count 2, the second object cut */
        {"C0 81 00 00 46 04 5B 02 03 00 AA BB CC 05 00 11 22", 0, 1, 5, DNP3KIT_ERR_INVALID},
        /* size prefixes: a zero-size object after one whole one */
        {"C0 81 00 00 46 04 5B 02 02 00 AA BB 00 00", 0, 1, 4, DNP3KIT_ERR_INVALID},
        /* prefixed fixed size: g12v1 0x28 count 2, one CROB of 13 octets present */
        {"C0 05 0C 01 28 02 00 01 00 02 01 64 00 00 00 64 00 00 00 00", 0, 1, 13, DNP3KIT_ERR_INVALID},
        /* a reserved qualifier (zeek dnp3.pcap frame 163): g60v4 q 0xED is listed, nothing after it */
        {"C1 12 3C 02 06 01 07 06 3C 04 ED", 2, 0, 0, DNP3KIT_ERR_UNSUPPORTED},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        HEX(f, cases[k].hex);
        walk w;
        assert_int_equal(walk_frag(f, f_len, &w, NULL), cases[k].rc);
        assert_int_equal(w.n, cases[k].bad);
        for (size_t i = 0; i < w.n; i++)
            assert_false(w.h[i].partial);
        /* the failing call filled the next slot (the sticky re-call wrote slot 31) */
        const dnp3kit_object_header *oh = &w.h[w.n];
        if (!oh->partial)
            fail_msg("case %zu: header %zu not marked partial", k, cases[k].bad);
        assert_int_equal(oh->valid_count, cases[k].valid);
        assert_int_equal(oh->data_len, cases[k].data_len);
        assert_true(oh->data_offset + oh->data_len <= f_len);
        /* the point iterator gives exactly the whole objects */
        dnp3kit_point_iter pi;
        dnp3kit_point pt;
        dnp3kit_point_iter_init(&pi, f, f_len, oh);
        uint64_t n = 0;
        int r;
        while ((r = dnp3kit_point_iter_next(&pi, &pt)) == 1) {
            assert_true(pt.offset + pt.size <= oh->data_offset + oh->data_len);
            n++;
        }
        assert_int_equal(r, 0);
        assert_int_equal(n, oh->has_data || oh->prefix_size ? cases[k].valid : 0);
    }
    /* The reserved qualifier's header: group, variation, qualifier, 3 octets. */
    HEX(e, "C1 12 3C 02 06 01 07 06 3C 04 ED");
    walk we;
    walk_frag(e, e_len, &we, NULL);
    assert_int_equal(we.h[2].group, 60);
    assert_int_equal(we.h[2].variation, 4);
    assert_int_equal(we.h[2].qualifier, 0xED);
    assert_int_equal(we.h[2].header_len, 3);
    assert_int_equal(we.h[2].data_offset, 11);
    assert_false(we.h[2].has_range);
    /* The first case's whole objects carry their values. */
    HEX(g, cases[0].hex);
    walk w;
    walk_frag(g, g_len, &w, NULL);
    dnp3kit_point_iter pi;
    dnp3kit_point pt;
    dnp3kit_point_iter_init(&pi, g, g_len, &w.h[1]);
    assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), 1);
    assert_int_equal(pt.i, 1234);
    assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), 1);
    assert_int_equal(pt.i, -1234);
    assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), 0);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(dnp3kit_app_func_name(129), "RESPONSE");
    assert_string_equal(dnp3kit_app_func_name(5), "DIRECT_OPERATE");
    assert_null(dnp3kit_app_func_name(34));
    assert_null(dnp3kit_app_func_name(128));
    char b[128];
    dnp3kit_iin_format(0x9002, b, sizeof b);
    assert_string_equal(b, "NEED_TIME|DEVICE_RESTART|OBJECT_UNKNOWN");
    dnp3kit_iin_format(0, b, sizeof b);
    assert_string_equal(b, "");
    /* finding names are the lower-case identifiers and round-trip */
    for (int i = 0; i < DNP3KIT_F_COUNT_; i++) {
        const char *n = dnp3kit_finding_name((dnp3kit_finding_code)i);
        assert_int_equal(dnp3kit_finding_by_name(n), i);
        assert_non_null(dnp3kit_finding_description((dnp3kit_finding_code)i));
    }
    assert_string_equal(dnp3kit_finding_name(DNP3KIT_F_LINK_BAD_HEADER_CRC), "link_bad_header_crc");
    assert_int_equal(dnp3kit_finding_by_name("nope"), DNP3KIT_F_COUNT_);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integrity_poll),
        cmocka_unit_test(test_qualifiers),
        cmocka_unit_test(test_defects),
        cmocka_unit_test(test_attribute_lists),
        cmocka_unit_test(test_validate_rules),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_valid_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
