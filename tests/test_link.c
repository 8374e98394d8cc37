/* Link layer: CRC, frame decode, builder, streaming parser under every chunking. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Bit-at-a-time CRC-16/DNP straight from the definition: the reference. */
static uint16_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint16_t c = 0;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xA6BC) : (uint16_t)(c >> 1);
    }
    return (uint16_t)~c;
}

static void test_crc_check_value(void **state)
{
    (void)state;
    /* CRC-16/DNP catalogue check value for "123456789". */
    assert_int_equal(dnp3kit_crc16((const uint8_t *)"123456789", 9), 0xEA82);
    assert_int_equal(dnp3kit_crc16(NULL, 0), 0xFFFF);
    assert_int_equal(crc_bitwise((const uint8_t *)"123456789", 9), 0xEA82);
}

/* The table CRC (slicing by 16, then 8, then octets) agrees with the bitwise
 * reference on every length 0..300 at every alignment, on random octets and
 * on the extremes (all zero, all 0xFF). */
static void test_crc_all_lengths(void **state)
{
    (void)state;
    static uint8_t buf[320];
    uint32_t x = 0x12345u;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    const char *impl = dnp3kit_crc16_impl();
    assert_true(strcmp(impl, "vpclmul") == 0 || strcmp(impl, "table") == 0);
    for (int fill = 0; fill < 3; fill++) {
        if (fill == 1)
            memset(buf, 0, sizeof buf);
        else if (fill == 2)
            memset(buf, 0xFF, sizeof buf);
        for (size_t off = 0; off < 16; off++)
            for (size_t n = 0; n + off <= 300; n++)
                assert_int_equal(dnp3kit_crc16(buf + off, n), crc_bitwise(buf + off, n));
    }
}

/* The frame-body check (AVX-512 on CPUs that have it) finds exactly the
 * corrupted blocks, for every body length 1..512 (frames carry up to 250) and
 * every block, in agreement with the portable per-block CRC; on all-zero and
 * all-0xFF data too. Each body is its own allocation of exactly its size, so
 * that a read past it is caught by ASan (the vector path must use masked loads). */
static void test_crc_check_blocks(void **state)
{
    (void)state;
    for (size_t user = 1; user <= 512; user++) {
        size_t nblocks = (user + 15) / 16, wire = user + 2 * nblocks;
        uint8_t *body = malloc(wire);
        assert_non_null(body);
        uint8_t *q = body;
        for (size_t b = 0, left = user; b < nblocks; b++) {
            size_t n = left < 16 ? left : 16;
            for (size_t i = 0; i < n; i++)
                q[i] = user % 3 == 0 ? 0 : user % 3 == 1 ? 0xFF : (uint8_t)(user * 7 + b * 31 + i * 13);
            uint16_t c = dnp3kit_crc16(q, n);
            q[n] = (uint8_t)c;
            q[n + 1] = (uint8_t)(c >> 8);
            q += n + 2;
            left -= n;
        }
        assert_int_equal(dnp3kit_crc16_check_blocks(body, user), 0);
        assert_int_equal(dnp3kit_crc16_check_blocks_portable(body, user), 0);
        for (size_t b = 0; b < nblocks; b++) {
            /* flip one data octet, then one CRC octet, of block b */
            size_t n = b + 1 < nblocks ? 16 : user - 16 * b;
            size_t at[2] = {18 * b + n / 2, 18 * b + n + 1};
            for (int k = 0; k < 2; k++) {
                body[at[k]] ^= 0x20;
                assert_int_equal(dnp3kit_crc16_check_blocks(body, user), 1u << b);
                assert_int_equal(dnp3kit_crc16_check_blocks_portable(body, user), 1u << b);
                body[at[k]] ^= 0x20;
            }
        }
        free(body);
    }
}

/* The vector path reads with masked loads; ASan does not see those, so here
 * each body ends right before an inaccessible page and starts right after
 * one: any octet read outside the body faults and fails the test run. */
static void test_crc_check_blocks_guard_pages(void **state)
{
    (void)state;
    long pg = sysconf(_SC_PAGESIZE);
    assert_true(pg >= 4096);
    size_t page = (size_t)pg;
    uint8_t *m = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(m != MAP_FAILED);
    assert_int_equal(mprotect(m, page, PROT_NONE), 0);            /* guard before */
    assert_int_equal(mprotect(m + 3 * page, page, PROT_NONE), 0); /* guard after */
    for (size_t user = 1; user <= 512; user++) {
        size_t nblocks = (user + 15) / 16, wire = user + 2 * nblocks;
        uint8_t *at[2] = {m + 3 * page - wire, m + page}; /* flush against each guard */
        for (int k = 0; k < 2; k++) {
            uint8_t *q = at[k];
            for (size_t b = 0, left = user, o = 0; b < nblocks; b++) {
                size_t n = left < 16 ? left : 16;
                for (size_t i = 0; i < n; i++)
                    q[o + i] = (uint8_t)(b * 17 + i + user);
                uint16_t c = dnp3kit_crc16(q + o, n);
                q[o + n] = (uint8_t)c;
                q[o + n + 1] = (uint8_t)(c >> 8);
                o += n + 2;
                left -= n;
            }
            assert_int_equal(dnp3kit_crc16_check_blocks(q, user), 0);
            q[wire - 1] ^= 1; /* last CRC octet of the last block */
            assert_int_equal(dnp3kit_crc16_check_blocks(q, user), 1u << (nblocks - 1));
        }
    }
    munmap(m, 4 * page);
}

/* A real frame (read request from master 1 to outstation 10, IEEE 1815 style). */
static size_t make_frame(uint8_t *out, size_t user_len, uint8_t fill)
{
    uint8_t user[250];
    for (size_t i = 0; i < user_len; i++)
        user[i] = (uint8_t)(fill + i);
    int n = dnp3kit_link_build(dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA),
                               10, 1, user, user_len, out, DNP3KIT_LINK_MAX_FRAME);
    assert_true(n > 0);
    return (size_t)n;
}

static void test_known_frame(void **state)
{
    (void)state;
    /* REQUEST_LINK_STATUS from master 1 to outstation 1024 as seen on the wire. */
    uint8_t out[16];
    int n = dnp3kit_link_build(dnp3kit_link_ctrl(true, true, false, false, 9), 1024, 1, NULL, 0, out, sizeof out);
    assert_int_equal(n, 10);
    assert_int_equal(out[0], 0x05);
    assert_int_equal(out[1], 0x64);
    assert_int_equal(out[2], 0x05);
    assert_int_equal(out[3], 0xC9);
    assert_true(dnp3kit_crc16_check(out, 8));
    dnp3kit_link_frame f;
    tu_findings c;
    tu_findings_init(&c);
    assert_int_equal(dnp3kit_link_decode(out, 10, &f, &c.sink), 10);
    assert_true(f.crc_ok && f.dir && f.prm && !f.fcv);
    assert_int_equal(f.func, 9);
    assert_int_equal(f.dst, 1024);
    assert_int_equal(f.src, 1);
    assert_int_equal(c.n, 0);
}

static void test_build_decode_all_lengths(void **state)
{
    (void)state;
    for (size_t ul = 1; ul <= 250; ul++) {
        uint8_t fr[DNP3KIT_LINK_MAX_FRAME];
        size_t n = make_frame(fr, ul, (uint8_t)ul);
        assert_int_equal(n, dnp3kit_link_wire_len((uint8_t)(ul + 5)));
        uint8_t *t = tu_tail_copy(fr, n);
        dnp3kit_link_frame f;
        assert_int_equal(dnp3kit_link_decode(t, n, &f, NULL), (int)n);
        assert_true(f.crc_ok);
        assert_int_equal(f.user_len, ul);
        for (size_t i = 0; i < ul; i++)
            assert_int_equal(f.user[i], (uint8_t)(ul + i));
        /* one octet short is incomplete, never an over-read */
        assert_int_equal(dnp3kit_link_decode(t, n - 1, &f, NULL), DNP3KIT_ERR_INCOMPLETE);
        tu_free_tail(t);
    }
    assert_int_equal(dnp3kit_link_wire_len(255), 292);
    uint8_t big[300];
    assert_int_equal(dnp3kit_link_build(0xC4, 1, 2, big, 251, big, sizeof big), DNP3KIT_ERR_ARG);
    assert_int_equal(dnp3kit_link_build(0xC4, 1, 2, big, 10, big, 20), DNP3KIT_ERR_BUFFER);
}

static void test_bad_block_crc(void **state)
{
    (void)state;
    uint8_t fr[DNP3KIT_LINK_MAX_FRAME];
    size_t n = make_frame(fr, 40, 0);
    fr[10 + 18 + 3] ^= 0x55; /* an octet of the second block */
    dnp3kit_link_frame f;
    tu_findings c;
    tu_findings_init(&c);
    assert_int_equal(dnp3kit_link_decode(fr, n, &f, &c.sink), (int)n);
    assert_false(f.crc_ok);
    const dnp3kit_finding *bf = tu_find(&c, DNP3KIT_F_LINK_BAD_BLOCK_CRC);
    assert_non_null(bf);
    assert_int_equal(bf->index, 2);
    assert_int_equal(bf->offset, 10 + 18 + 16);
    assert_int_not_equal(bf->expected, bf->actual);
    assert_int_equal(tu_count(&c, DNP3KIT_F_LINK_BAD_BLOCK_CRC), 1);
}

/* Reserved functions (tables 9-1, 9-2) and the fragment such a frame would
 * carry as user data: one whole segment (FIR, FIN) with good CRCs only. */
static void test_reserved_function(void **state)
{
    (void)state;
    for (unsigned fc = 0; fc < 16; fc++) {
        bool pri = fc == 1 || (fc >= 5 && fc <= 8) || fc >= 10;
        bool sec = (fc >= 2 && fc <= 10) || (fc >= 12 && fc <= 14);
        assert_int_equal(dnp3kit_link_func_reserved(true, (uint8_t)fc), pri);
        assert_int_equal(dnp3kit_link_func_reserved(false, (uint8_t)fc), sec);
    }
    uint8_t user[] = {0xC3, 0xC1, 0x01, 0x3C, 0x01, 0x06}, fr[64];
    struct { uint8_t ctrl, th; size_t ul; bool flip, want; } cases[] = {
        {0xC5, 0xC3, 6, false, true},   /* primary 5, FIR FIN: READ g60v1 */
        {0xCA, 0xC3, 6, false, true},   /* primary 10 */
        {0x4E, 0xC3, 6, false, true},   /* secondary 14 (obsolete) */
        {0xC4, 0xC3, 6, false, false},  /* UNCONFIRMED_USER_DATA: not reserved */
        {0xC5, 0x43, 6, false, false},  /* FIR without FIN */
        {0xC5, 0x83, 6, false, false},  /* FIN without FIR */
        {0xC5, 0xC3, 2, false, false},  /* 1 octet: no application header */
        {0xC5, 0xC3, 6, true, false},   /* bad block CRC */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        user[0] = cases[i].th;
        int n = dnp3kit_link_build(cases[i].ctrl, 10, 1, user, cases[i].ul, fr, sizeof fr);
        assert_true(n > 0);
        if (cases[i].flip)
            fr[n - 1] ^= 0x01;
        dnp3kit_link_frame f;
        tu_findings c;
        tu_findings_init(&c);
        assert_int_equal(dnp3kit_link_decode(fr, (size_t)n, &f, &c.sink), n);
        const uint8_t *a = NULL;
        size_t al = 0;
        if (dnp3kit_link_reserved_fragment(&f, &a, &al) != cases[i].want)
            fail_msg("case %zu: reserved fragment %d", i, !cases[i].want);
        if (cases[i].want) {
            assert_ptr_equal(a, f.user + 1);
            assert_int_equal(al, cases[i].ul - 1);
            assert_int_equal(tu_count(&c, DNP3KIT_F_LINK_RESERVED_FUNCTION), 1);
        }
    }
}

static void test_semantics(void **state)
{
    (void)state;
    struct { uint8_t ctrl; size_t ul; uint16_t src; dnp3kit_finding_code want; } cases[] = {
        {0xC4, 0, 1, DNP3KIT_F_LINK_MISSING_PAYLOAD},       /* unconfirmed user data, no data */
        {0xC9, 3, 1, DNP3KIT_F_LINK_UNEXPECTED_PAYLOAD},    /* request link status with data */
        {0xD4, 3, 1, DNP3KIT_F_LINK_FCV_MISMATCH},          /* FCV on unconfirmed user data */
        {0xC3, 3, 1, DNP3KIT_F_LINK_FCV_MISMATCH},          /* confirmed user data without FCV */
        {0xC5, 0, 1, DNP3KIT_F_LINK_RESERVED_FUNCTION},     /* primary 5 */
        {0x05, 0, 1, DNP3KIT_F_LINK_RESERVED_FUNCTION},     /* secondary 5 */
        {0x00, 2, 1, DNP3KIT_F_LINK_UNEXPECTED_PAYLOAD},    /* ACK with data */
        {0x1B, 0, 1, DNP3KIT_F_LINK_DFC_SET},               /* LINK_STATUS with DFC */
        {0xC4, 3, 0xFFFF, DNP3KIT_F_LINK_BROADCAST_SOURCE},
        {0xC4, 3, 0xFFF5, DNP3KIT_F_LINK_RESERVED_ADDRESS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t user[8] = {0xC0, 0xC0, 0x01}, fr[64];
        int n = dnp3kit_link_build(cases[i].ctrl, 10, cases[i].src, user, cases[i].ul, fr, sizeof fr);
        assert_true(n > 0);
        dnp3kit_link_frame f;
        tu_findings c;
        tu_findings_init(&c);
        assert_int_equal(dnp3kit_link_decode(fr, (size_t)n, &f, &c.sink), n);
        if (tu_count(&c, cases[i].want) != 1) {
            tu_dump(&c);
            fail_msg("case %zu: expected %s", i, dnp3kit_finding_name(cases[i].want));
        }
    }
    /* valid frames of every defined function give no finding */
    uint8_t good[][2] = {{0xC0, 0}, {0xD2, 0}, {0xD3, 4}, {0xC4, 4}, {0xC9, 0}, {0x00, 0}, {0x01, 0}, {0x0B, 0}, {0x0F, 0}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint8_t user[8] = {0xC0, 0xC0, 0x01, 0x02}, fr[64];
        int n = dnp3kit_link_build(good[i][0], 10, 1, user, good[i][1], fr, sizeof fr);
        dnp3kit_link_frame f;
        tu_findings c;
        tu_findings_init(&c);
        assert_int_equal(dnp3kit_link_decode(fr, (size_t)n, &f, &c.sink), n);
        if (c.n) {
            tu_dump(&c);
            fail_msg("good case %zu gave findings", i);
        }
    }
}

/* Stream with garbage, good frames, a bad-header frame, a bad-block frame, a LEN<5 frame. */
typedef struct { uint8_t buf[4096]; size_t n; } stream;

static void put(stream *s, const uint8_t *p, size_t n)
{
    memcpy(s->buf + s->n, p, n);
    s->n += n;
}

static void build_stream(stream *s)
{
    s->n = 0;
    uint8_t fr[DNP3KIT_LINK_MAX_FRAME];
    size_t n;
    static const uint8_t junk[] = {0x00, 0x05, 0x05, 0x11, 0x64, 0x05};
    put(s, junk, sizeof junk);                 /* 6 octets of garbage, ending in a false 0x05 */
    n = make_frame(fr, 1, 1); put(s, fr, n);   /* frame 1 */
    n = make_frame(fr, 250, 2); put(s, fr, n); /* frame 2 (max size) */
    n = make_frame(fr, 20, 3); fr[8] ^= 1; put(s, fr, n); /* bad header CRC: 20+10+4 octets skipped */
    n = make_frame(fr, 33, 4); fr[10 + 36 + 1] ^= 0x80; put(s, fr, n); /* bad third-block CRC */
    uint8_t small[10] = {0x05, 0x64, 0x04, 0xC4, 10, 0, 1, 0};
    uint16_t c = dnp3kit_crc16(small, 8); small[8] = (uint8_t)c; small[9] = (uint8_t)(c >> 8);
    put(s, small, 10);                          /* LEN 4: skipped */
    n = make_frame(fr, 16, 5); put(s, fr, n);   /* frame 5: exactly one block */
    put(s, (const uint8_t *)"\x05\x64", 2);     /* truncated start at the end */
}

typedef struct {
    size_t frames, bad;
    size_t user_total;
    uint8_t first_octets[8];
} result;

static void run_chunked(const stream *s, size_t chunk, bool every_split, size_t split, result *r, tu_findings *c)
{
    dnp3kit_link_parser lp;
    dnp3kit_link_parser_init(&lp);
    memset(r, 0, sizeof *r);
    size_t pos = 0;
    while (pos < s->n) {
        size_t n = every_split ? (pos == 0 ? split : s->n - pos) : chunk;
        if (n > s->n - pos)
            n = s->n - pos;
        uint8_t *t = tu_tail_copy(s->buf + pos, n);
        const uint8_t *p = t;
        size_t len = n;
        dnp3kit_link_frame f;
        while (len > 0) {
            if (dnp3kit_link_parser_step(&lp, &p, &len, &f, &c->sink) == 1) {
                if (r->frames + r->bad < 8)
                    r->first_octets[r->frames + r->bad] = f.user[0];
                if (f.crc_ok) {
                    r->frames++;
                    r->user_total += f.user_len;
                } else {
                    r->bad++;
                }
            }
        }
        tu_free_tail(t);
        pos += n;
    }
    dnp3kit_link_parser_finish(&lp, &c->sink);
}

static void check_result(const result *r, const tu_findings *c)
{
    assert_int_equal(r->frames, 3);
    assert_int_equal(r->bad, 1);
    assert_int_equal(r->user_total, 1 + 250 + 16);
    assert_int_equal(r->first_octets[0], 1);
    assert_int_equal(r->first_octets[1], 2);
    assert_int_equal(r->first_octets[2], 4);
    assert_int_equal(r->first_octets[3], 5);
    assert_int_equal(tu_count(c, DNP3KIT_F_LINK_BAD_HEADER_CRC), 1);
    assert_int_equal(tu_count(c, DNP3KIT_F_LINK_BAD_BLOCK_CRC), 1);
    assert_int_equal(tu_count(c, DNP3KIT_F_LINK_LEN_TOO_SMALL), 1);
    assert_int_equal(tu_count(c, DNP3KIT_F_LINK_TRUNCATED_FRAME), 1);
    /* garbage: 6 leading, 34 of the bad-header frame, 10 of the LEN 4 frame */
    uint64_t g = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->items[i].code == DNP3KIT_F_LINK_GARBAGE)
            g += c->items[i].actual;
    assert_int_equal(g, 6 + 34 + 10);
    const dnp3kit_finding *hf = tu_find(c, DNP3KIT_F_LINK_BAD_HEADER_CRC);
    assert_int_equal(hf->offset, 6 + 13 + 292 + 8); /* stream offset of the header CRC */
}

static void test_stream_chunkings(void **state)
{
    (void)state;
    stream s;
    build_stream(&s);
    size_t chunks[] = {1, 2, 3, 7, 10, 16, 17, 100, 291, 292, 293, 4096};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        result r;
        tu_findings c;
        tu_findings_init(&c);
        run_chunked(&s, chunks[i], false, 0, &r, &c);
        check_result(&r, &c);
    }
    for (size_t split = 1; split < s.n; split++) {
        result r;
        tu_findings c;
        tu_findings_init(&c);
        run_chunked(&s, 0, true, split, &r, &c);
        check_result(&r, &c);
    }
}

static void test_zeek_false_start(void **state)
{
    (void)state;
    /* Seen in real captures: a segment starting 05 05 64 ... must find the frame at offset 1. */
    uint8_t fr[DNP3KIT_LINK_MAX_FRAME + 1];
    fr[0] = 0x05;
    size_t n = make_frame(fr + 1, 5, 9);
    dnp3kit_link_parser lp;
    dnp3kit_link_parser_init(&lp);
    const uint8_t *p = fr;
    size_t len = n + 1;
    dnp3kit_link_frame f;
    tu_findings c;
    tu_findings_init(&c);
    assert_int_equal(dnp3kit_link_parser_step(&lp, &p, &len, &f, &c.sink), 1);
    assert_true(f.crc_ok);
    assert_int_equal(len, 0);
    assert_int_equal(tu_count(&c, DNP3KIT_F_LINK_GARBAGE), 1);
    assert_int_equal(c.items[0].actual, 1);
}

static void test_random_garbage_bounded(void **state)
{
    (void)state;
    /* Random octets: the parser consumes everything, never loops, never over-reads. */
    srand(1);
    uint8_t buf[20000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)((rand() & 1) ? 0x05 : (rand() & 1) ? 0x64 : rand());
    dnp3kit_link_parser lp;
    dnp3kit_link_parser_init(&lp);
    const uint8_t *p = buf;
    size_t len = sizeof buf;
    dnp3kit_link_frame f;
    size_t steps = 0;
    while (len > 0) {
        dnp3kit_link_parser_step(&lp, &p, &len, &f, NULL);
        assert_true(++steps < sizeof buf);
    }
    dnp3kit_link_parser_finish(&lp, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_check_value),
        cmocka_unit_test(test_crc_all_lengths),
        cmocka_unit_test(test_crc_check_blocks),
        cmocka_unit_test(test_crc_check_blocks_guard_pages),
        cmocka_unit_test(test_known_frame),
        cmocka_unit_test(test_build_decode_all_lengths),
        cmocka_unit_test(test_bad_block_crc),
        cmocka_unit_test(test_semantics),
        cmocka_unit_test(test_stream_chunkings),
        cmocka_unit_test(test_reserved_function),
        cmocka_unit_test(test_zeek_false_start),
        cmocka_unit_test(test_random_garbage_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
