/* Names and typed values beyond the catalogue rows (dnp3kit/values.h): the
 * enumerations by field name, the g70v3 File Command, g0 attribute values,
 * security statistic names, shortest float32 text, and how the renderers
 * show them. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_enums(void **state)
{
    (void)state;
    assert_string_equal(dnp3kit_enum_name(dnp3kit_field_enum("status_code"), 3), "FILE_NOT_FOUND");
    assert_string_equal(dnp3kit_enum_name(dnp3kit_field_enum("status_code"), 20), "BLOCK_SEQUENCE");
    assert_null(dnp3kit_enum_name(dnp3kit_field_enum("status_code"), 10)); /* reserved */
    assert_string_equal(dnp3kit_enum_name(dnp3kit_field_enum("mode"), 2), "WRITE");
    assert_string_equal(dnp3kit_enum_name(dnp3kit_field_enum("key_wrap_alg"), 2), "AES_256");
    assert_string_equal(dnp3kit_enum_name(dnp3kit_field_enum("key_status"), 4), "AUTH_FAIL");
    assert_string_equal(dnp3kit_enum_name(dnp3kit_field_enum("mac_alg"), 6), "AES_GMAC");
    assert_string_equal(dnp3kit_enum_name(dnp3kit_field_enum("error"), 12),
                        "MAX_SESSION_KEY_STATUS_REQUESTS_EXCEEDED");
    assert_string_equal(dnp3kit_enum_name(dnp3kit_field_enum("key_change_method"), 4), "SYM_AES256_SHA256_HMAC");
    assert_string_equal(dnp3kit_enum_name(dnp3kit_field_enum("data_type"), 2), "UINT");
    assert_null(dnp3kit_field_enum("value"));
    assert_null(dnp3kit_field_enum(NULL));
    assert_null(dnp3kit_enum_name(NULL, 0));
}

/* An enumerated field name means one thing wherever the catalogue uses it:
 * an unsigned integer of at most 16 bits, and every row that has it is in
 * the groups the table was written for (g0, g70, g120). */
static void test_enum_fields_in_catalogue(void **state)
{
    (void)state;
    size_t n;
    const dnp3kit_object_info *t = dnp3kit_catalog_table(&n);
    unsigned seen = 0;
    for (size_t r = 0; r < n; r++)
        for (unsigned i = 0; i < DNP3KIT_MAX_FIELDS && t[r].fields[i].type != DNP3KIT_FT_END; i++) {
            if (!dnp3kit_field_enum(t[r].fields[i].name))
                continue;
            seen++;
            assert_true(t[r].fields[i].type == DNP3KIT_FT_U8 || t[r].fields[i].type == DNP3KIT_FT_U16);
            assert_true(t[r].group == 0 || t[r].group == 70 || t[r].group == 120);
        }
    assert_true(seen >= 10);
}

static void test_file_command(void **state)
{
    (void)state;
    /* zeek/dnp3_file_write.pcap frame 4's object */
    uint8_t o[26 + 5] = {0x1a, 0x00, 0x05, 0x00, 0x10, 0x27, 0, 0, 0, 0, 0xff, 0x01, 0x78, 0x56, 0x34, 0x12,
                         0x00, 0x04, 0, 0, 0x02, 0x00, 0x00, 0x04, 0x06, 0x00, 'a', '.', 't', 'x', 't'};
    dnp3kit_file_command fc;
    assert_int_equal(dnp3kit_file_command_decode(o, sizeof o, &fc), DNP3KIT_OK);
    assert_int_equal(fc.name_offset, 26);
    assert_int_equal(fc.name_size, 5);
    assert_int_equal(fc.created_ms, 10000);
    assert_int_equal(fc.permissions, 0777);
    assert_int_equal(fc.auth_key, 0x12345678);
    assert_int_equal(fc.file_size, 1024);
    assert_int_equal(fc.mode, DNP3KIT_FILE_MODE_WRITE);
    assert_int_equal(fc.max_block, 1024);
    assert_int_equal(fc.request_id, 6);
    assert_int_equal(fc.name_len, 5);
    assert_memory_equal(fc.name, "a.txt", 5);
    /* the name runs past the object: fixed fields kept, no name */
    o[2] = 6;
    assert_int_equal(dnp3kit_file_command_decode(o, sizeof o, &fc), DNP3KIT_ERR_INVALID);
    assert_null(fc.name);
    assert_int_equal(fc.request_id, 6);
    /* the name overlaps the fixed part */
    o[2] = 5;
    o[0] = 25;
    assert_int_equal(dnp3kit_file_command_decode(o, sizeof o, &fc), DNP3KIT_ERR_INVALID);
    assert_int_equal(dnp3kit_file_command_decode(o, 25, &fc), DNP3KIT_ERR_INVALID);
    assert_int_equal(dnp3kit_file_command_decode(NULL, 0, &fc), DNP3KIT_ERR_INVALID);
}

static void test_attr_values(void **state)
{
    (void)state;
    dnp3kit_attr_value v;
    const uint8_t one[4] = {1, 0, 0, 0};
    dnp3kit_attr_value_decode(DNP3KIT_ATTR_UINT, one, 4, &v);
    assert_int_equal(v.kind, DNP3KIT_AV_UINT);
    assert_int_equal(v.u, 1);
    const uint8_t neg[2] = {0xfe, 0xff};
    dnp3kit_attr_value_decode(DNP3KIT_ATTR_INT, neg, 2, &v);
    assert_int_equal(v.kind, DNP3KIT_AV_INT);
    assert_int_equal(v.i, -2);
    const uint8_t f[4] = {0xcd, 0xcc, 0xcc, 0x3d};
    dnp3kit_attr_value_decode(DNP3KIT_ATTR_FLT, f, 4, &v);
    assert_int_equal(v.kind, DNP3KIT_AV_FLOAT);
    assert_true(v.f32);
    assert_true((float)v.f == 0.1f);
    const uint8_t d[8] = {0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f};
    dnp3kit_attr_value_decode(DNP3KIT_ATTR_FLT, d, 8, &v);
    assert_false(v.f32);
    assert_true(v.f == 0.1);
    dnp3kit_attr_value_decode(DNP3KIT_ATTR_FLT, d, 3, &v); /* no float has 3 octets */
    assert_int_equal(v.kind, DNP3KIT_AV_NONE);
    dnp3kit_attr_value_decode(DNP3KIT_ATTR_UINT, d, 0, &v);
    assert_int_equal(v.kind, DNP3KIT_AV_NONE);
    dnp3kit_attr_value_decode(DNP3KIT_ATTR_VSTR, (const uint8_t *)"abc", 3, &v);
    assert_int_equal(v.kind, DNP3KIT_AV_TEXT);
    assert_int_equal(v.len, 3);
    const uint8_t t[6] = {0xe8, 0x03, 0, 0, 0, 0};
    dnp3kit_attr_value_decode(DNP3KIT_ATTR_TIME, t, 6, &v);
    assert_int_equal(v.kind, DNP3KIT_AV_TIME);
    assert_int_equal(v.u, 1000);
    dnp3kit_attr_value_decode(DNP3KIT_ATTR_LIST, t, 5, &v); /* pairs: odd length is not a list */
    assert_int_equal(v.kind, DNP3KIT_AV_NONE);
    dnp3kit_attr_value_decode(99, t, 6, &v);
    assert_int_equal(v.kind, DNP3KIT_AV_NONE);
}

static void test_statistics(void **state)
{
    (void)state;
    assert_string_equal(dnp3kit_security_statistic_name(0), "UNEXPECTED_MESSAGES");
    assert_string_equal(dnp3kit_security_statistic_name(17), "REKEYS_DUE_TO_RESTARTS");
    assert_null(dnp3kit_security_statistic_name(18));
}

/* The definition dnp3kit_format_f32 must match, by printf: the fewest of 6
 * to 9 significant digits whose %.*e text reads back (digits times a power
 * of ten in double, then to float) as the same float, printed with %.*g. */
static double ref_parse(const char *s)
{
    bool neg = *s == '-';
    if (neg)
        s++;
    double m = 0;
    int frac = 0;
    bool dot = false;
    for (; *s && *s != 'e'; s++) {
        if (*s >= '0' && *s <= '9') {
            m = m * 10 + (*s - '0');
            frac += dot;
        } else
            dot = true;
    }
    int e = *s ? atoi(s + 1) : 0;
    e -= frac;
    double p = 1;
    for (int k = 0; k < (e < 0 ? -e : e); k++)
        p *= 10;
    double v = e < 0 ? m / p : m * p;
    return neg ? -v : v;
}

static void ref_f32(float v, char *b, size_t cap)
{
    int p = 6;
    for (; p < 9; p++) {
        char e[40];
        snprintf(e, sizeof e, "%.*e", p - 1, (double)v);
        if ((float)ref_parse(e) == v)
            break;
    }
    snprintf(b, cap, "%.*g", p, (double)v);
}

static void test_format_f32_matches_printf(void **state)
{
    (void)state;
    char got[40], want[40];
    uint32_t x = 88172645u;
    for (int k = 0; k < 300000; k++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        float f;
        if (k % 3 == 0) { /* any bit pattern */
            memcpy(&f, &x, sizeof f);
            if (isnan(f) || isinf(f))
                continue;
        } else if (k % 3 == 1) { /* analog-like: 2^-17 to 2^46 (7.6e-6 to 7e13), either sign */
            uint32_t u = (x & 0x807FFFFFu) | (uint32_t)(127 - 17 + (int)((x >> 23) & 0xFF) % 64) << 23;
            memcpy(&f, &u, sizeof f);
        } else { /* integers, ties at 6-8 digits included */
            f = (float)(int32_t)(x % 200000000u) * ((x & 1) ? -1.0f : 1.0f);
        }
        assert_true(dnp3kit_format_f32(f, got, sizeof got) == (int)strlen(got));
        ref_f32(f, want, sizeof want);
        if (strcmp(got, want) != 0)
            fail_msg("%a: %s, printf's rule gives %s", (double)f, got, want);
    }
    /* a short buffer: truncated like snprintf, the full length returned */
    assert_int_equal(dnp3kit_format_f32(1121.0469f, got, 5), 9);
    assert_string_equal(got, "1121");
    assert_int_equal(dnp3kit_format_f32(-0.0f, got, sizeof got), 2);
    assert_string_equal(got, "-0");
}

static void test_format_f32(void **state)
{
    (void)state;
    char b[40];
    const float vals[] = {0.1f, 1.0f / 3.0f, 16777216.0f, 3.4028235e38f, 1e-45f, -2.5f, 123456.7f, 0.0f};
    const char *want[] = {"0.1", "0.33333334", "16777216", "3.4028235e+38", "1.4013e-45", "-2.5",
                          "123456.7", "0"};
    for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
        assert_true(dnp3kit_format_f32(vals[k], b, sizeof b) > 0);
        assert_string_equal(b, want[k]);
        assert_true(strtof(b, NULL) == vals[k]); /* reads back exactly */
    }
    /* every float of a fixed pseudo-random sample over all exponents reads back exactly */
    uint32_t x = 2463534242u;
    for (int k = 0; k < 200000; k++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        float f;
        memcpy(&f, &x, sizeof f);
        if (isnan(f) || isinf(f))
            continue;
        assert_true(dnp3kit_format_f32(f, b, sizeof b) > 0);
        if (strtof(b, NULL) != f)
            fail_msg("0x%08x: %s reads back as another float", x, b);
    }
    assert_true(dnp3kit_format_f32(NAN, b, sizeof b) > 0);
    assert_string_equal(b, "nan");
}

typedef struct membuf {
    char b[8192];
    size_t n;
} membuf;

static void mem_write(void *user, const char *s, size_t n)
{
    membuf *m = user;
    assert_true(m->n + n < sizeof m->b);
    memcpy(m->b + m->n, s, n);
    m->n += n;
    m->b[m->n] = '\0';
}

static void render(const uint8_t *frag, size_t len, bool json, membuf *m)
{
    m->n = 0;
    m->b[0] = '\0';
    dnp3kit_out o = {mem_write, m};
    int r = json ? dnp3kit_render_fragment_json(frag, len, NULL, &o) : dnp3kit_render_fragment_text(frag, len, NULL, &o);
    assert_int_equal(r, DNP3KIT_OK);
}

static void test_render_named(void **state)
{
    (void)state;
    /* OPEN_FILE g70v3 "a.txt" WRITE; then a response with g70v6 last block 2 and an
     * error status, a g0 UINT attribute and a g122v1 statistic event. */
    const uint8_t open[] = {0xc1, 25, 70, 3, 0x5b, 1, 31, 0, 0x1a, 0x00, 0x05, 0x00, 0x10, 0x27, 0, 0, 0, 0, 0xa4,
                            0x01, 0, 0, 0, 0, 0x00, 0x04, 0, 0, 0x02, 0x00, 0x00, 0x04, 0x06, 0x00, 'a', '.', 't',
                            'x', 't'};
    membuf m;
    render(open, sizeof open, false, &m);
    assert_non_null(strstr(m.b, " name=\"a.txt\" mode=WRITE permissions=0644 created=1970-01-01T00:00:10.000Z "
                                "auth_key=0 file_size=1024 max_block=1024 request_id=6\n"));
    render(open, sizeof open, true, &m);
    assert_non_null(strstr(m.b, "\"file_command\":{\"name\":\"a.txt\",\"mode\":2,\"mode_name\":\"WRITE\","
                                "\"permissions\":420,\"created\":\"1970-01-01T00:00:10.000Z\",\"auth_key\":0,\"file_size\":1024,"
                                "\"max_block\":1024,\"request_id\":6}"));
    const uint8_t rsp[] = {0xc1, 0x81, 0, 0,
                           70, 6, 0x5b, 1, 9, 0, 0x78, 0x56, 0x34, 0x12, 0x02, 0, 0, 0x80, 20,
                           0, 209, 0, 209, 209, 2, 1, 1,
                           122, 1, 0x17, 1, 5, 1, 1, 0, 9, 0, 0, 0};
    render(rsp, sizeof rsp, false, &m);
    assert_non_null(strstr(m.b, "block=2147483650(2 last) status_code=20(BLOCK_SEQUENCE)"));
    assert_non_null(strstr(m.b, "data_type=2(UINT) length=1 value=01 attribute=1\n"));
    assert_non_null(strstr(m.b, "value=9 statistic=TOTAL_MESSAGES_SENT\n"));
    render(rsp, sizeof rsp, true, &m);
    assert_non_null(strstr(m.b, "\"block\":2147483650,\"block_number\":2,\"last_block\":true,"
                                "\"status_code\":20,\"status_code_name\":\"BLOCK_SEQUENCE\""));
    assert_non_null(strstr(m.b, "\"data_type\":2,\"data_type_name\":\"UINT\",\"length\":1,\"value\":\"01\","
                                "\"attribute\":1}"));
    assert_non_null(strstr(m.b, "\"statistic\":\"TOTAL_MESSAGES_SENT\"}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_enum_fields_in_catalogue),
        cmocka_unit_test(test_file_command),
        cmocka_unit_test(test_attr_values),
        cmocka_unit_test(test_statistics),
        cmocka_unit_test(test_format_f32),
        cmocka_unit_test(test_format_f32_matches_printf),
        cmocka_unit_test(test_render_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
