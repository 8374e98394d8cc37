/* Renderers: exact text and JSON for fragments built by hand from IEEE 1815
 * examples, JSON validity of every output, time formatting, string escaping. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- memory sink ---- */

typedef struct membuf {
    char *p;
    size_t n, cap;
    size_t writes;
} membuf;

static void mem_write(void *user, const char *s, size_t n)
{
    membuf *m = user;
    if (m->n + n + 1 > m->cap) {
        size_t c = m->cap ? m->cap : 256;
        while (c < m->n + n + 1)
            c *= 2;
        m->p = realloc(m->p, c);
        assert_non_null(m->p);
        m->cap = c;
    }
    memcpy(m->p + m->n, s, n);
    m->n += n;
    m->p[m->n] = '\0';
    m->writes++;
}

static dnp3kit_out mem_out(membuf *m)
{
    memset(m, 0, sizeof *m);
    mem_write(m, "", 0);
    dnp3kit_out o = {mem_write, m};
    return o;
}

/* ---- a small strict JSON checker (RFC 8259 grammar, no extensions) ---- */

typedef struct jp {
    const char *s;
    size_t n, i;
    int depth;
} jp;

static void jws(jp *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                           p->s[p->i] == '\r'))
        p->i++;
}

static bool jlit(jp *p, const char *lit)
{
    size_t k = strlen(lit);
    if (p->n - p->i < k || memcmp(p->s + p->i, lit, k) != 0)
        return false;
    p->i += k;
    return true;
}

static bool jdigits(jp *p)
{
    size_t st = p->i;
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
        p->i++;
    return p->i > st;
}

static bool jnumber(jp *p)
{
    if (p->i < p->n && p->s[p->i] == '-')
        p->i++;
    if (p->i < p->n && p->s[p->i] == '0')
        p->i++;
    else if (!jdigits(p))
        return false;
    if (p->i < p->n && p->s[p->i] == '.') {
        p->i++;
        if (!jdigits(p))
            return false;
    }
    if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        p->i++;
        if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
            p->i++;
        if (!jdigits(p))
            return false;
    }
    return true;
}

static bool jstring(jp *p)
{
    if (p->i >= p->n || p->s[p->i] != '"')
        return false;
    p->i++;
    while (p->i < p->n) {
        unsigned char c = (unsigned char)p->s[p->i++];
        if (c == '"')
            return true;
        if (c < 0x20 || c >= 0x80) /* the renderer promises pure ASCII */
            return false;
        if (c == '\\') {
            if (p->i >= p->n)
                return false;
            c = (unsigned char)p->s[p->i++];
            if (c == 'u') {
                for (int k = 0; k < 4; k++, p->i++)
                    if (p->i >= p->n || !strchr("0123456789abcdefABCDEF", p->s[p->i]))
                        return false;
            } else if (!strchr("\"\\/bfnrt", c)) {
                return false;
            }
        }
    }
    return false;
}

static bool jvalue(jp *p);

static bool jcontainer(jp *p, char open, char close, bool object)
{
    if (p->i >= p->n || p->s[p->i] != open || ++p->depth > 64)
        return false;
    p->i++;
    jws(p);
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
        p->depth--;
        return true;
    }
    for (;;) {
        jws(p);
        if (object) {
            if (!jstring(p))
                return false;
            jws(p);
            if (p->i >= p->n || p->s[p->i++] != ':')
                return false;
        }
        if (!jvalue(p))
            return false;
        jws(p);
        if (p->i >= p->n)
            return false;
        char c = p->s[p->i++];
        if (c == close) {
            p->depth--;
            return true;
        }
        if (c != ',')
            return false;
    }
}

static bool jvalue(jp *p)
{
    jws(p);
    if (p->i >= p->n)
        return false;
    char c = p->s[p->i];
    if (c == '{')
        return jcontainer(p, '{', '}', true);
    if (c == '[')
        return jcontainer(p, '[', ']', false);
    if (c == '"')
        return jstring(p);
    if (c == 't')
        return jlit(p, "true");
    if (c == 'f')
        return jlit(p, "false");
    if (c == 'n')
        return jlit(p, "null");
    return jnumber(p);
}

static bool json_valid(const char *s, size_t n)
{
    jp p = {s, n, 0, 0};
    if (!jvalue(&p))
        return false;
    jws(&p);
    return p.i == n;
}

/* Cross-check with Python's parser when it is installed (CI has it). */
static void python_check(const char *doc)
{
    static int have = -1;
    if (have < 0)
        have = system("python3 -c 'import json' >/dev/null 2>&1") == 0;
    if (!have)
        return;
    FILE *f = popen("python3 -c 'import json,sys; json.loads(sys.stdin.read())'", "w");
    if (!f)
        return;
    fputs(doc, f);
    assert_int_equal(pclose(f), 0);
}

/* Members rendered by dnp3kit_render_fragment_json must form an object. */
static void assert_json_members(const char *members, bool python)
{
    size_t n = strlen(members);
    char *doc = malloc(n + 3);
    assert_non_null(doc);
    doc[0] = '{';
    memcpy(doc + 1, members, n);
    doc[n + 1] = '}';
    doc[n + 2] = '\0';
    if (!json_valid(doc, n + 2))
        fail_msg("invalid JSON: %s", doc);
    if (python)
        python_check(doc);
    free(doc);
}

/* ---- helpers ---- */

static int render(bool json, const char *hex, size_t max_points, membuf *m)
{
    uint8_t buf[4096];
    size_t n = tu_hex(hex, buf, sizeof buf);
    assert_true(n <= sizeof buf);
    uint8_t *frag = tu_tail_copy(buf, n);
    dnp3kit_out o = mem_out(m);
    dnp3kit_render_opts opts = {NULL, max_points};
    int rc = json ? dnp3kit_render_fragment_json(frag, n, &opts, &o)
                  : dnp3kit_render_fragment_text(frag, n, &opts, &o);
    tu_free_tail(frag);
    if (json)
        assert_json_members(m->p, true);
    return rc;
}

static void check(const char *hex, const char *text, const char *json, int expect_rc)
{
    membuf m;
    int rc = render(false, hex, 0, &m);
    if (strcmp(m.p, text) != 0)
        fail_msg("text differs:\n--- got\n%s--- want\n%s", m.p, text);
    assert_int_equal(rc, expect_rc);
    free(m.p);
    rc = render(true, hex, 0, &m);
    if (strcmp(m.p, json) != 0)
        fail_msg("json differs:\n--- got\n%s\n--- want\n%s", m.p, json);
    assert_int_equal(rc, expect_rc);
    free(m.p);
}

/* ---- fragments ---- */

static void test_integrity_poll(void **state)
{
    (void)state;
    check("C0 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06",
          "READ seq=0 fir fin\n"
          "  g60v2 Class Objects - Class 1 Data q=0x06 all\n"
          "  g60v3 Class Objects - Class 2 Data q=0x06 all\n"
          "  g60v4 Class Objects - Class 3 Data q=0x06 all\n"
          "  g60v1 Class Objects - Class 0 Data q=0x06 all\n",
          "\"ac\":{\"fir\":true,\"fin\":true,\"con\":false,\"uns\":false,\"seq\":0},"
          "\"func\":1,\"func_name\":\"READ\",\"objects\":["
          "{\"group\":60,\"variation\":2,\"name\":\"Class Objects - Class 1 Data\",\"qualifier\":6,\"all\":true},"
          "{\"group\":60,\"variation\":3,\"name\":\"Class Objects - Class 2 Data\",\"qualifier\":6,\"all\":true},"
          "{\"group\":60,\"variation\":4,\"name\":\"Class Objects - Class 3 Data\",\"qualifier\":6,\"all\":true},"
          "{\"group\":60,\"variation\":1,\"name\":\"Class Objects - Class 0 Data\",\"qualifier\":6,\"all\":true}]",
          DNP3KIT_OK);
}

/* g1v2 (two points), g30v1 (positive and negative), g20v1 at index 5, and a
 * g2v2 event with absolute time, in a response with DEVICE_RESTART|NEED_TIME. */
#define RESPONSE_HEX                                                                 \
    "C3 81 90 00"                                                                    \
    " 01 02 00 00 01 81 01"                                                          \
    " 1E 01 00 00 01 01 D2 04 00 00 01 2E FB FF FF"                                  \
    " 14 01 00 05 05 01 10 27 00 00"                                                 \
    " 02 02 17 01 03 81 2E DB 20 C8 8C 01"

static void test_response_static_and_event(void **state)
{
    (void)state;
    check(RESPONSE_HEX,
          "RESPONSE seq=3 fir fin iin=NEED_TIME|DEVICE_RESTART\n"
          "  g1v2 Binary Input - With Flags q=0x00 start=0 stop=1\n"
          "    [0] flags=ONLINE|STATE value=1\n"
          "    [1] flags=ONLINE value=0\n"
          "  g30v1 Analog Input - 32-bit With Flag q=0x00 start=0 stop=1\n"
          "    [0] flags=ONLINE value=1234\n"
          "    [1] flags=ONLINE value=-1234\n"
          "  g20v1 Counter - 32-bit With Flag q=0x00 start=5 stop=5\n"
          "    [5] flags=ONLINE value=10000\n"
          "  g2v2 Binary Input Event - With Absolute Time q=0x17 count=1\n"
          "    [3] flags=ONLINE|STATE value=1 time=2024-01-02T03:04:05.678Z\n",
          "\"ac\":{\"fir\":true,\"fin\":true,\"con\":false,\"uns\":false,\"seq\":3},"
          "\"func\":129,\"func_name\":\"RESPONSE\","
          "\"iin\":[\"NEED_TIME\",\"DEVICE_RESTART\"],\"iin_raw\":36864,\"objects\":["
          "{\"group\":1,\"variation\":2,\"name\":\"Binary Input - With Flags\",\"qualifier\":0,"
          "\"start\":0,\"stop\":1,\"points\":[{\"index\":0,\"flags\":[\"ONLINE\",\"STATE\"],\"flags_raw\":129,\"value\":true},"
          "{\"index\":1,\"flags\":[\"ONLINE\"],\"flags_raw\":1,\"value\":false}]},"
          "{\"group\":30,\"variation\":1,\"name\":\"Analog Input - 32-bit With Flag\",\"qualifier\":0,"
          "\"start\":0,\"stop\":1,\"points\":[{\"index\":0,\"flags\":[\"ONLINE\"],\"flags_raw\":1,\"value\":1234},"
          "{\"index\":1,\"flags\":[\"ONLINE\"],\"flags_raw\":1,\"value\":-1234}]},"
          "{\"group\":20,\"variation\":1,\"name\":\"Counter - 32-bit With Flag\",\"qualifier\":0,"
          "\"start\":5,\"stop\":5,\"points\":[{\"index\":5,\"flags\":[\"ONLINE\"],\"flags_raw\":1,\"value\":10000}]},"
          "{\"group\":2,\"variation\":2,\"name\":\"Binary Input Event - With Absolute Time\","
          "\"qualifier\":23,\"count\":1,\"points\":[{\"index\":3,\"flags\":[\"ONLINE\",\"STATE\"],\"flags_raw\":129,\"value\":true,"
          "\"time\":\"2024-01-02T03:04:05.678Z\"}]}]",
          DNP3KIT_OK);
}

/* Unsolicited response: CTO g51v1 then g2v3 events 1000 and 500 ms after it. */
static void test_cto_relative_time(void **state)
{
    (void)state;
    check("F0 82 00 00"
          " 33 01 07 01 2E DB 20 C8 8C 01"
          " 02 03 28 02 00 07 00 81 E8 03 0A 00 01 F4 01",
          "UNSOLICITED_RESPONSE seq=0 fir fin con uns iin=0\n"
          "  g51v1 Time and Date CTO - Absolute Time, Synchronized q=0x07 count=1\n"
          "    time=2024-01-02T03:04:05.678Z\n"
          "  g2v3 Binary Input Event - With Relative Time q=0x28 count=2\n"
          "    [7] flags=ONLINE|STATE value=1 time=2024-01-02T03:04:06.678Z\n"
          "    [10] flags=ONLINE value=0 time=2024-01-02T03:04:06.178Z\n",
          "\"ac\":{\"fir\":true,\"fin\":true,\"con\":true,\"uns\":true,\"seq\":0},"
          "\"func\":130,\"func_name\":\"UNSOLICITED_RESPONSE\",\"iin\":[],\"iin_raw\":0,"
          "\"objects\":["
          "{\"group\":51,\"variation\":1,\"name\":\"Time and Date CTO - Absolute Time, Synchronized\","
          "\"qualifier\":7,\"count\":1,\"points\":[{\"time\":\"2024-01-02T03:04:05.678Z\"}]},"
          "{\"group\":2,\"variation\":3,\"name\":\"Binary Input Event - With Relative Time\","
          "\"qualifier\":40,\"count\":2,\"points\":["
          "{\"index\":7,\"flags\":[\"ONLINE\",\"STATE\"],\"flags_raw\":129,\"value\":true,\"time\":\"2024-01-02T03:04:06.678Z\"},"
          "{\"index\":10,\"flags\":[\"ONLINE\"],\"flags_raw\":1,\"value\":false,\"time\":\"2024-01-02T03:04:06.178Z\"}]}]",
          DNP3KIT_OK);
}

static void test_relative_time_without_cto(void **state)
{
    (void)state;
    check("C0 81 00 00 02 03 28 01 00 07 00 81 E8 03",
          "RESPONSE seq=0 fir fin iin=0\n"
          "  g2v3 Binary Input Event - With Relative Time q=0x28 count=1\n"
          "    [7] flags=ONLINE|STATE value=1 time=+1000ms(no CTO)\n",
          "\"ac\":{\"fir\":true,\"fin\":true,\"con\":false,\"uns\":false,\"seq\":0},"
          "\"func\":129,\"func_name\":\"RESPONSE\",\"iin\":[],\"iin_raw\":0,"
          "\"objects\":["
          "{\"group\":2,\"variation\":3,\"name\":\"Binary Input Event - With Relative Time\","
          "\"qualifier\":40,\"count\":1,\"points\":["
          "{\"index\":7,\"flags\":[\"ONLINE\",\"STATE\"],\"flags_raw\":129,\"value\":true,\"time\":{\"relative_ms\":1000}}]}]",
          DNP3KIT_OK);
}

/* DIRECT_OPERATE LATCH_ON on index 5 and its echo with status SUCCESS. */
static void test_crob(void **state)
{
    (void)state;
    check("C1 05 0C 01 28 01 00 05 00 03 01 64 00 00 00 64 00 00 00 00",
          "DIRECT_OPERATE seq=1 fir fin\n"
          "  g12v1 Binary Command - Control Relay Output Block q=0x28 count=1\n"
          "    [5] code=0x03(LATCH_ON) count=1 on_ms=100 off_ms=100 status=SUCCESS\n",
          "\"ac\":{\"fir\":true,\"fin\":true,\"con\":false,\"uns\":false,\"seq\":1},"
          "\"func\":5,\"func_name\":\"DIRECT_OPERATE\",\"objects\":["
          "{\"group\":12,\"variation\":1,\"name\":\"Binary Command - Control Relay Output Block\","
          "\"qualifier\":40,\"count\":1,\"points\":[{\"index\":5,\"code\":3,\"op\":\"LATCH_ON\","
          "\"tcc\":\"NUL\",\"queue\":false,\"clear\":false,\"count\":1,\"on_ms\":100,\"off_ms\":100,"
          "\"status\":0,\"status_name\":\"SUCCESS\"}]}]",
          DNP3KIT_OK);
    check("C1 81 00 04 0C 01 28 01 00 05 00 41 01 64 00 00 00 64 00 00 00 04",
          "RESPONSE seq=1 fir fin iin=PARAMETER_ERROR\n"
          "  g12v1 Binary Command - Control Relay Output Block q=0x28 count=1\n"
          "    [5] code=0x41(PULSE_ON CLOSE) count=1 on_ms=100 off_ms=100 status=NOT_SUPPORTED\n",
          "\"ac\":{\"fir\":true,\"fin\":true,\"con\":false,\"uns\":false,\"seq\":1},"
          "\"func\":129,\"func_name\":\"RESPONSE\",\"iin\":[\"PARAMETER_ERROR\"],\"iin_raw\":4,"
          "\"objects\":["
          "{\"group\":12,\"variation\":1,\"name\":\"Binary Command - Control Relay Output Block\","
          "\"qualifier\":40,\"count\":1,\"points\":[{\"index\":5,\"code\":65,\"op\":\"PULSE_ON\","
          "\"tcc\":\"CLOSE\",\"queue\":false,\"clear\":false,\"count\":1,\"on_ms\":100,\"off_ms\":100,"
          "\"status\":4,\"status_name\":\"NOT_SUPPORTED\"}]}]",
          DNP3KIT_OK);
}

static void test_octet_string(void **state)
{
    (void)state;
    check("C0 81 00 00 6E 05 00 00 00 48 65 6C 6C 6F 6E 02 00 01 01 00 FF",
          "RESPONSE seq=0 fir fin iin=0\n"
          "  g110v5 Octet String q=0x00 start=0 stop=0\n"
          "    [0] value=48656c6c6f(\"Hello\")\n"
          "  g110v2 Octet String q=0x00 start=1 stop=1\n"
          "    [1] value=00ff\n",
          "\"ac\":{\"fir\":true,\"fin\":true,\"con\":false,\"uns\":false,\"seq\":0},"
          "\"func\":129,\"func_name\":\"RESPONSE\",\"iin\":[],\"iin_raw\":0,\"objects\":["
          "{\"group\":110,\"variation\":5,\"name\":\"Octet String\",\"qualifier\":0,"
          "\"start\":0,\"stop\":0,\"points\":[{\"index\":0,\"value\":\"48656c6c6f\"}]},"
          "{\"group\":110,\"variation\":2,\"name\":\"Octet String\",\"qualifier\":0,"
          "\"start\":1,\"stop\":1,\"points\":[{\"index\":1,\"value\":\"00ff\"}]}]",
          DNP3KIT_OK);
}

static void test_packed_bits(void **state)
{
    (void)state;
    check("C0 81 00 00 01 01 00 00 09 55 01",
          "RESPONSE seq=0 fir fin iin=0\n"
          "  g1v1 Binary Input - Packed Format q=0x00 start=0 stop=9\n"
          "    [0] value=1\n    [1] value=0\n    [2] value=1\n    [3] value=0\n"
          "    [4] value=1\n    [5] value=0\n    [6] value=1\n    [7] value=0\n"
          "    [8] value=1\n    [9] value=0\n",
          "\"ac\":{\"fir\":true,\"fin\":true,\"con\":false,\"uns\":false,\"seq\":0},"
          "\"func\":129,\"func_name\":\"RESPONSE\",\"iin\":[],\"iin_raw\":0,\"objects\":["
          "{\"group\":1,\"variation\":1,\"name\":\"Binary Input - Packed Format\",\"qualifier\":0,"
          "\"start\":0,\"stop\":9,\"points\":["
          "{\"index\":0,\"value\":true},{\"index\":1,\"value\":false},{\"index\":2,\"value\":true},"
          "{\"index\":3,\"value\":false},{\"index\":4,\"value\":true},{\"index\":5,\"value\":false},"
          "{\"index\":6,\"value\":true},{\"index\":7,\"value\":false},{\"index\":8,\"value\":true},"
          "{\"index\":9,\"value\":false}]}]",
          DNP3KIT_OK);
}

/* A g1v2 header, then g30v1 start 0 stop 3 with data for two points only. */
static void test_truncated(void **state)
{
    (void)state;
    check("C0 81 00 00 01 02 00 00 00 01 1E 01 00 00 03 01 D2 04 00 00 01 2E FB FF FF",
          "RESPONSE seq=0 fir fin iin=0\n"
          "  g1v2 Binary Input - With Flags q=0x00 start=0 stop=0\n"
          "    [0] flags=ONLINE value=0\n"
          /* the valid prefix: the header and its two whole objects before the defect */
          "  g30v1 Analog Input - 32-bit With Flag q=0x00 start=0 stop=3\n"
          "    [0] flags=ONLINE value=1234\n"
          "    [1] flags=ONLINE value=-1234\n"
          "    ... 2 of 4 objects before the defect\n"
          "  ! app_object_truncated: object header 1: g30v1 needs 20 octets, 10 left\n",
          "\"ac\":{\"fir\":true,\"fin\":true,\"con\":false,\"uns\":false,\"seq\":0},"
          "\"func\":129,\"func_name\":\"RESPONSE\",\"iin\":[],\"iin_raw\":0,\"objects\":["
          "{\"group\":1,\"variation\":2,\"name\":\"Binary Input - With Flags\",\"qualifier\":0,"
          "\"start\":0,\"stop\":0,\"points\":[{\"index\":0,\"flags\":[\"ONLINE\"],\"flags_raw\":1,\"value\":false}]},"
          "{\"group\":30,\"variation\":1,\"name\":\"Analog Input - 32-bit With Flag\",\"qualifier\":0,"
          "\"start\":0,\"stop\":3,\"points\":[{\"index\":0,\"flags\":[\"ONLINE\"],\"flags_raw\":1,\"value\":1234},"
          "{\"index\":1,\"flags\":[\"ONLINE\"],\"flags_raw\":1,\"value\":-1234}],\"complete\":false}],"
          "\"complete\":false,\"decode_error\":{\"name\":\"app_object_truncated\","
          "\"detail\":\"object header 1: g30v1 needs 20 octets, 10 left\",\"offset\":15}",
          DNP3KIT_ERR_INVALID);
}

static void test_fragment_too_short(void **state)
{
    (void)state;
    check("C0 81 00",
          "  ! app_fragment_too_short: 3 octets, need 4\n",
          "\"complete\":false,\"decode_error\":{\"name\":\"app_fragment_too_short\",\"detail\":\"3 octets, need 4\","
          "\"offset\":0}",
          DNP3KIT_ERR_INVALID);
    membuf m;
    dnp3kit_out o = mem_out(&m);
    assert_int_equal(dnp3kit_render_fragment_json(NULL, 0, NULL, &o), DNP3KIT_ERR_INVALID);
    assert_json_members(m.p, true);
    free(m.p);
    assert_int_equal(dnp3kit_render_fragment_text(NULL, 0, NULL, NULL), DNP3KIT_ERR_ARG);
}

/* Every truncation of the response renders valid JSON and never over-reads
 * (the copy sits at the end of its heap block). */
static void test_every_truncation(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t n = tu_hex(RESPONSE_HEX, buf, sizeof buf);
    for (size_t k = 0; k <= n; k++) {
        uint8_t *frag = tu_tail_copy(buf, k);
        membuf m;
        dnp3kit_out o = mem_out(&m);
        int rc = dnp3kit_render_fragment_json(frag, k, NULL, &o);
        assert_true(rc <= 0);
        assert_json_members(m.p, false);
        free(m.p);
        o = mem_out(&m);
        int rc2 = dnp3kit_render_fragment_text(frag, k, NULL, &o);
        assert_int_equal(rc, rc2);
        if (rc < 0)
            assert_non_null(strstr(m.p, "! "));
        else
            assert_null(strstr(m.p, "! "));
        free(m.p);
        tu_free_tail(frag);
    }
}

static size_t count_lines(const char *s)
{
    size_t k = 0;
    for (; *s; s++)
        k += *s == '\n';
    return k;
}

/* A full 2048-octet fragment of packed bits: 16296 points, streamed. */
static void test_large_packed_and_max_points(void **state)
{
    (void)state;
    enum { FRAG = 2048, HDR = 4 + 7 };
    uint8_t *frag = malloc(FRAG);
    assert_non_null(frag);
    size_t data = FRAG - HDR;
    uint64_t npts = (uint64_t)data * 8;
    uint8_t head[HDR] = {0xC0, 0x81, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00, 0x00,
                         (uint8_t)((npts - 1) & 0xFF), (uint8_t)((npts - 1) >> 8)};
    memcpy(frag, head, HDR);
    for (size_t i = HDR; i < FRAG; i++)
        frag[i] = (uint8_t)(i * 37);

    membuf m;
    dnp3kit_out o = mem_out(&m);
    assert_int_equal(dnp3kit_render_fragment_text(frag, FRAG, NULL, &o), DNP3KIT_OK);
    assert_int_equal(count_lines(m.p), 2 + npts);
    /* streamed in sink-sized pieces, not one write per point or one huge write */
    assert_true(m.writes > 10);
    assert_true(m.writes < npts / 10);
    free(m.p);

    o = mem_out(&m);
    assert_int_equal(dnp3kit_render_fragment_json(frag, FRAG, NULL, &o), DNP3KIT_OK);
    assert_json_members(m.p, true);
    free(m.p);

    dnp3kit_render_opts opts = {"\t", 3};
    o = mem_out(&m);
    assert_int_equal(dnp3kit_render_fragment_text(frag, FRAG, &opts, &o), DNP3KIT_OK);
    char want[512];
    uint8_t b = frag[HDR];
    snprintf(want, sizeof want,
             "RESPONSE seq=0 fir fin iin=0\n"
             "\tg1v1 Binary Input - Packed Format q=0x01 start=0 stop=%llu\n"
             "\t\t[0] value=%d\n\t\t[1] value=%d\n\t\t[2] value=%d\n"
             "\t\t... %llu more points omitted\n",
             (unsigned long long)(npts - 1), b & 1, (b >> 1) & 1, (b >> 2) & 1,
             (unsigned long long)(npts - 3));
    assert_string_equal(m.p, want);
    free(m.p);

    o = mem_out(&m);
    assert_int_equal(dnp3kit_render_fragment_json(frag, FRAG, &opts, &o), DNP3KIT_OK);
    assert_json_members(m.p, true);
    snprintf(want, sizeof want, "],\"points_omitted\":%llu}]", (unsigned long long)(npts - 3));
    assert_non_null(strstr(m.p, want));
    free(m.p);
    free(frag);
}

/* g30v5 float and g30v6 double, including values JSON has no numbers for. */
static void test_floats(void **state)
{
    (void)state;
    check("C0 81 00 00"
          " 1E 05 00 00 01 01 00 00 C0 7F 01 CD CC CC 3D"
          " 1E 06 00 00 02 01 00 00 00 00 00 00 F0 7F 01 00 00 00 00 00 00 F0 FF"
          " 01 9A 99 99 99 99 99 B9 3F",
          "RESPONSE seq=0 fir fin iin=0\n"
          "  g30v5 Analog Input - Single-precision With Flag q=0x00 start=0 stop=1\n"
          "    [0] flags=ONLINE value=NaN\n"
          "    [1] flags=ONLINE value=0.1\n"
          "  g30v6 Analog Input - Double-precision With Flag q=0x00 start=0 stop=2\n"
          "    [0] flags=ONLINE value=Infinity\n"
          "    [1] flags=ONLINE value=-Infinity\n"
          "    [2] flags=ONLINE value=0.10000000000000001\n",
          "\"ac\":{\"fir\":true,\"fin\":true,\"con\":false,\"uns\":false,\"seq\":0},"
          "\"func\":129,\"func_name\":\"RESPONSE\",\"iin\":[],\"iin_raw\":0,\"objects\":["
          "{\"group\":30,\"variation\":5,\"name\":\"Analog Input - Single-precision With Flag\","
          "\"qualifier\":0,\"start\":0,\"stop\":1,\"points\":["
          "{\"index\":0,\"flags\":[\"ONLINE\"],\"flags_raw\":1,\"value\":\"NaN\"},{\"index\":1,\"flags\":[\"ONLINE\"],\"flags_raw\":1,\"value\":0.1}]},"
          "{\"group\":30,\"variation\":6,\"name\":\"Analog Input - Double-precision With Flag\","
          "\"qualifier\":0,\"start\":0,\"stop\":2,\"points\":["
          "{\"index\":0,\"flags\":[\"ONLINE\"],\"flags_raw\":1,\"value\":\"Infinity\"},{\"index\":1,\"flags\":[\"ONLINE\"],\"flags_raw\":1,\"value\":\"-Infinity\"},"
          "{\"index\":2,\"flags\":[\"ONLINE\"],\"flags_raw\":1,\"value\":0.10000000000000001}]}]",
          DNP3KIT_OK);
}

/* Double-bit binary: packed g3v1 and g4v1 with flags carry 0-3 and a state name. */
static void test_double_bit(void **state)
{
    (void)state;
    check("C0 81 00 00 03 01 00 00 03 E4 04 01 00 00 00 81",
          "RESPONSE seq=0 fir fin iin=0\n"
          "  g3v1 Double-bit Binary Input - Packed Format q=0x00 start=0 stop=3\n"
          "    [0] value=INTERMEDIATE\n    [1] value=OFF\n    [2] value=ON\n    [3] value=INDETERMINATE\n"
          "  g4v1 Double-bit Binary Input Event - Without Time q=0x00 start=0 stop=0\n"
          "    [0] flags=ONLINE|DETERMINED_ON value=ON\n",
          "\"ac\":{\"fir\":true,\"fin\":true,\"con\":false,\"uns\":false,\"seq\":0},"
          "\"func\":129,\"func_name\":\"RESPONSE\",\"iin\":[],\"iin_raw\":0,\"objects\":["
          "{\"group\":3,\"variation\":1,\"name\":\"Double-bit Binary Input - Packed Format\","
          "\"qualifier\":0,\"start\":0,\"stop\":3,\"points\":["
          "{\"index\":0,\"value\":0,\"state\":\"INTERMEDIATE\"},{\"index\":1,\"value\":1,\"state\":\"OFF\"},"
          "{\"index\":2,\"value\":2,\"state\":\"ON\"},{\"index\":3,\"value\":3,\"state\":\"INDETERMINATE\"}]},"
          "{\"group\":4,\"variation\":1,\"name\":\"Double-bit Binary Input Event - Without Time\","
          "\"qualifier\":0,\"start\":0,\"stop\":0,\"points\":["
          "{\"index\":0,\"flags\":[\"ONLINE\",\"DETERMINED_ON\"],\"flags_raw\":129,\"value\":2,\"state\":\"ON\"}]}]",
          DNP3KIT_OK);
}

/* ---- link ---- */

static void test_link(void **state)
{
    (void)state;
    dnp3kit_link_frame f;
    memset(&f, 0, sizeof f);
    f.len = 20;
    f.ctrl = 0xC4;
    f.dir = true;
    f.prm = true;
    f.func = 4;
    f.dst = 10;
    f.src = 1;
    f.crc_ok = true;
    membuf m;
    dnp3kit_out o = mem_out(&m);
    dnp3kit_render_link_text(&f, &o);
    assert_string_equal(m.p, "link UNCONFIRMED_USER_DATA dir=1 prm=1 fcb=0 fcv=0 dst=10 src=1 len=20\n");
    free(m.p);
    o = mem_out(&m);
    dnp3kit_render_link_json(&f, &o);
    assert_string_equal(m.p, "\"link\":{\"len\":20,\"ctrl\":196,\"func\":4,\"func_name\":"
                             "\"UNCONFIRMED_USER_DATA\",\"dir\":true,\"prm\":true,\"fcb\":false,"
                             "\"fcv\":false,\"dfc\":false,\"dst\":10,\"src\":1,\"crc_ok\":true}");
    assert_json_members(m.p, true);
    free(m.p);

    /* secondary ACK with DFC and a bad block CRC */
    memset(&f, 0, sizeof f);
    f.len = 5;
    f.ctrl = 0x10;
    f.dfc = true;
    f.dst = 1;
    f.src = 10;
    o = mem_out(&m);
    dnp3kit_render_link_text(&f, &o);
    assert_string_equal(m.p, "link ACK dir=0 prm=0 dfc=1 dst=1 src=10 len=5 crc=bad\n");
    free(m.p);
    o = mem_out(&m);
    dnp3kit_render_link_json(&f, &o);
    assert_json_members(m.p, true);
    free(m.p);
}

/* ---- helpers ---- */

static void expect_time(uint64_t ms, const char *want)
{
    char b[64];
    int r = dnp3kit_format_time_ms(ms, b, sizeof b);
    assert_string_equal(b, want);
    assert_int_equal(r, (int)strlen(want));
}

static void test_format_time(void **state)
{
    (void)state;
    expect_time(0, "1970-01-01T00:00:00.000Z");
    expect_time(951782400000ull, "2000-02-29T00:00:00.000Z");
    expect_time(1704164645678ull, "2024-01-02T03:04:05.678Z");
    expect_time(86399999ull, "1970-01-01T23:59:59.999Z");
    expect_time(4107542400000ull, "2100-03-01T00:00:00.000Z"); /* 2100 is not a leap year */
    expect_time(0xFFFFFFFFFFFFull, "10889-08-02T05:31:50.655Z");  /* largest 48-bit DNP3 time */
    expect_time(UINT64_MAX, "584556019-04-03T14:25:51.615Z");

    char b[8];
    assert_int_equal(dnp3kit_format_time_ms(0, b, sizeof b), DNP3KIT_ERR_BUFFER);
    assert_string_equal(b, "");
    assert_int_equal(dnp3kit_format_time_ms(0, NULL, 0), DNP3KIT_ERR_ARG);
}

/* Walk every day from 1970 to 2400 with a naive calendar and compare. */
static void test_format_time_every_day(void **state)
{
    (void)state;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 1970, mo = 1, d = 1;
    for (uint64_t day = 0; y < 2400; day++) {
        char want[64], got[64];
        snprintf(want, sizeof want, "%04d-%02d-%02dT00:00:00.000Z", y, mo, d);
        dnp3kit_format_time_ms(day * 86400000ull, got, sizeof got);
        if (strcmp(want, got) != 0)
            fail_msg("day %llu: got %s want %s", (unsigned long long)day, got, want);
        /* and a time of day that moves through every field */
        unsigned ms = (unsigned)(day * 7919u % 86400000u);
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02u:%02u:%02u.%03uZ", y, mo, d, ms / 3600000u,
                 ms / 60000u % 60u, ms / 1000u % 60u, ms % 1000u);
        dnp3kit_format_time_ms(day * 86400000ull + ms, got, sizeof got);
        if (strcmp(want, got) != 0)
            fail_msg("day %llu + %u ms: got %s want %s", (unsigned long long)day, ms, got, want);
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        int len = mdays[mo - 1] + (mo == 2 && leap);
        if (++d > len) {
            d = 1;
            if (++mo > 12) {
                mo = 1;
                y++;
            }
        }
    }
}

static void test_json_string(void **state)
{
    (void)state;
    membuf m;
    dnp3kit_out o = mem_out(&m);
    static const char in[] = "a\"b\\c/\n\r\t\b\f\x01\x1f\x7f\xc3\xa9\xff z";
    dnp3kit_json_string(&o, in, sizeof in - 1);
    assert_string_equal(m.p, "\"a\\\"b\\\\c/\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f\\u00c3\\u00a9\\u00ff z\"");
    assert_true(json_valid(m.p, m.n));
    python_check(m.p);
    free(m.p);

    /* embedded NUL, empty string */
    o = mem_out(&m);
    dnp3kit_json_string(&o, "x\0y", 3);
    dnp3kit_json_string(&o, "", 0);
    assert_string_equal(m.p, "\"x\\u0000y\"\"\"");
    free(m.p);

    /* long input is streamed whole */
    size_t n = 10000;
    char *big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)(i % 256);
    o = mem_out(&m);
    dnp3kit_json_string(&o, big, n);
    assert_true(json_valid(m.p, m.n));
    python_check(m.p);
    free(m.p);
    free(big);
}

static void test_outf(void **state)
{
    (void)state;
    membuf m;
    dnp3kit_out o = mem_out(&m);
    dnp3kit_outf(&o, "%s=%d;", "x", 42);
    assert_string_equal(m.p, "x=42;");
    char big[3000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    dnp3kit_outf(&o, "%s", big);
    assert_int_equal(m.n, 5 + 1024);
    free(m.p);
    dnp3kit_outf(NULL, "%d", 1); /* no sink: nothing happens */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integrity_poll),
        cmocka_unit_test(test_response_static_and_event),
        cmocka_unit_test(test_cto_relative_time),
        cmocka_unit_test(test_relative_time_without_cto),
        cmocka_unit_test(test_crob),
        cmocka_unit_test(test_octet_string),
        cmocka_unit_test(test_packed_bits),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_fragment_too_short),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_large_packed_and_max_points),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_double_bit),
        cmocka_unit_test(test_link),
        cmocka_unit_test(test_format_time),
        cmocka_unit_test(test_format_time_every_day),
        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_outf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
