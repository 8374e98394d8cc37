/* The object catalogue (catalog.c, objects.def) and the point decoder/encoder (points.c):
 * table sanity, O(1) lookup against a linear scan, and a build -> parse -> re-encode
 * round trip for every row of the table with every qualifier that fits it. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- helpers ---- */

static unsigned row_nfields(const dnp3kit_object_info *info)
{
    unsigned n = 0;
    while (n < DNP3KIT_MAX_FIELDS && info->fields[n].type != DNP3KIT_FT_END)
        n++;
    return n;
}

/* Variation used to exercise a row (octet-string rows need a length). */
static uint8_t test_variation(const dnp3kit_object_info *info)
{
    return info->size_rule == DNP3KIT_SIZE_VARIATION ? 5 : info->variation;
}

/* Fill pt with non-trivial values for object k of this row; octets live in store. */
static void fill(const dnp3kit_object_info *info, uint8_t var, unsigned k, dnp3kit_point *pt,
                 uint8_t store[256])
{
    memset(pt, 0, sizeof *pt);
    unsigned nf = row_nfields(info);
    size_t used = 0;
    size_t olen = 3 + k;
    bool list = info->size_rule == DNP3KIT_SIZE_ATTRIBUTE && var == 255;
    if (list)
        olen = 2 * (2 + k);
    for (unsigned i = 0; i < nf; i++)
        used += dnp3kit_field_width(info->fields[i].type);
    if (info->size_rule == DNP3KIT_SIZE_FIXED)
        olen = info->size - used;
    if (info->size_rule == DNP3KIT_SIZE_VARIATION)
        olen = var;
    for (size_t i = 0; i < olen; i++)
        store[i] = (uint8_t)('a' + (k * 3 + i) % 26);
    for (unsigned i = 0; i < nf; i++) {
        dnp3kit_field_value *f = &pt->fields[i];
        f->type = info->fields[i].type;
        f->name = info->fields[i].name;
        switch (f->type) {
        case DNP3KIT_FT_FLAGS: f->v.u = (uint8_t)(0x81 + 0x2A * k); break;
        case DNP3KIT_FT_U8: f->v.u = (uint8_t)(0x5A + 7 * k); break;
        case DNP3KIT_FT_U16: f->v.u = 0xBEEF - 31 * k; break;
        case DNP3KIT_FT_U32: f->v.u = 0xDEADBEEFu - 1000003u * k; break;
        case DNP3KIT_FT_I16: f->v.i = -12345 + 1000 * (int)k; break;
        case DNP3KIT_FT_I32: f->v.i = -123456789 + 7777 * (int)k; break;
        case DNP3KIT_FT_F32: f->v.f = -3.25 * (k + 1); break;
        case DNP3KIT_FT_F64: f->v.f = 1234.5678 * (k + 1); break;
        case DNP3KIT_FT_TIME48: f->v.u = 0x0123456789ABull + 1000u * k; break;
        case DNP3KIT_FT_RELTIME16: f->v.u = 60000 + k; break;
        case DNP3KIT_FT_BCD16: f->v.u = 1234 + k; break;
        case DNP3KIT_FT_BCD32: f->v.u = 12345678 + k; break;
        case DNP3KIT_FT_BCD64: f->v.u = 1234567890123456ull + k; break;
        case DNP3KIT_FT_STATUS: f->v.u = (4 + k) % 128; break;
        case DNP3KIT_FT_CONTROL: f->v.u = 0x41 + k; break;
        case DNP3KIT_FT_OCTETS: f->octets = store; f->octets_len = olen; f->v.u = olen; break;
        default: fail_msg("unexpected field type %u in g%uv%u", f->type, info->group, info->variation);
        }
    }
    if (info->size_rule == DNP3KIT_SIZE_ATTRIBUTE) { /* data type and length must describe the value */
        pt->fields[0].v.u = list ? 254 : 1 + k % 2;
        pt->fields[1].v.u = olen; /* the length octet counts octets, for lists too */
    }
    pt->nfields = (uint8_t)nf;
}

static void fill_packed(const dnp3kit_object_info *info, unsigned k, dnp3kit_point *pt)
{
    memset(pt, 0, sizeof *pt);
    pt->fields[0].type = info->fields[0].type;
    pt->fields[0].name = info->fields[0].name;
    pt->fields[0].v.u = info->size_rule == DNP3KIT_SIZE_BITS1 ? (k * 5 + 1) % 3 % 2 : (k * 3 + 1) % 4;
    pt->nfields = 1;
}

static void check_field_equal(const dnp3kit_field_value *got, const dnp3kit_field_value *want,
                              const dnp3kit_object_info *info)
{
    if (got->type != want->type || strcmp(got->name, want->name) != 0)
        fail_msg("g%uv%u field %s: type %u/%u", info->group, info->variation, want->name, got->type,
                 want->type);
    switch (want->type) {
    case DNP3KIT_FT_I16: case DNP3KIT_FT_I32:
        assert_int_equal(got->v.i, want->v.i);
        break;
    case DNP3KIT_FT_F32: case DNP3KIT_FT_F64:
        assert_true(got->v.f == want->v.f);
        break;
    case DNP3KIT_FT_OCTETS:
        assert_int_equal(got->octets_len, want->octets_len);
        assert_memory_equal(got->octets, want->octets, want->octets_len);
        break;
    default:
        if (got->v.u != want->v.u)
            fail_msg("g%uv%u field %s: got %llu want %llu", info->group, info->variation, want->name,
                     (unsigned long long)got->v.u, (unsigned long long)want->v.u);
    }
}

enum mode { M_RANGE, M_INDEX8, M_INDEX16, M_COUNT, M_FREE, M_NMODES };
static const char *const mode_names[] = {"range", "0x17", "0x28", "count", "0x5B"};

/* Build a fragment with n objects of this row in the given mode. */
static int build(const dnp3kit_object_info *info, uint8_t var, enum mode m, const dnp3kit_point *pts,
                 size_t n, uint8_t *frag, size_t cap)
{
    dnp3kit_app_writer w;
    if (info->kind == DNP3KIT_KIND_COMMAND)
        dnp3kit_app_writer_init(&w, frag, cap, 0xC3, DNP3KIT_FC_DIRECT_OPERATE, -1);
    else
        dnp3kit_app_writer_init(&w, frag, cap, 0xC3, DNP3KIT_FC_RESPONSE, 0x8001);
    switch (m) {
    case M_RANGE: dnp3kit_app_write_range(&w, info->group, var, 3, pts, n); break;
    case M_INDEX8: dnp3kit_app_write_indexed(&w, info->group, var, 0x17, pts, n); break;
    case M_INDEX16: dnp3kit_app_write_indexed(&w, info->group, var, 0x28, pts, n); break;
    case M_COUNT: dnp3kit_app_write_counted(&w, info->group, var, pts, n); break;
    case M_FREE: {
        static uint8_t objbuf[8][512];
        const uint8_t *objs[8];
        size_t lens[8];
        for (size_t k = 0; k < n; k++) {
            int r = dnp3kit_point_encode(info, var, &pts[k], objbuf[k], sizeof objbuf[k]);
            assert_true(r > 0);
            objs[k] = objbuf[k];
            lens[k] = (size_t)r;
        }
        dnp3kit_app_write_free(&w, info->group, var, objs, lens, n);
        break;
    }
    default: break;
    }
    return dnp3kit_app_writer_finish(&w);
}

static const uint64_t idx8[] = {5, 200, 7, 0};
static const uint64_t idx16[] = {1000, 2, 65535, 300};

/* build -> parse -> compare -> re-encode -> rebuild: identity. */
static void round_trip(const dnp3kit_object_info *info, enum mode m)
{
    uint8_t var = test_variation(info);
    bool packed = info->size_rule == DNP3KIT_SIZE_BITS1 || info->size_rule == DNP3KIT_SIZE_BITS2;
    size_t n = packed ? 11 : (m == M_RANGE ? 4 : 3);
    dnp3kit_point pts[11];
    static uint8_t store[11][256];
    for (size_t k = 0; k < n; k++) {
        if (packed)
            fill_packed(info, (unsigned)k, &pts[k]);
        else
            fill(info, var, (unsigned)k, &pts[k], store[k]);
        pts[k].index = m == M_INDEX8 ? idx8[k] : m == M_INDEX16 ? idx16[k] : 0;
    }
    uint8_t frag[2048];
    int len = build(info, var, m, pts, n, frag, sizeof frag);
    if (len <= 0)
        fail_msg("g%uv%u %s: build failed %d", info->group, var, mode_names[m], len);

    uint8_t *tail = tu_tail_copy(frag, (size_t)len); /* over-reads hit the sanitizer */
    tu_findings fs;
    tu_findings_init(&fs);
    dnp3kit_app_header h;
    assert_int_equal(dnp3kit_app_header_decode(tail, (size_t)len, &h, &fs.sink), DNP3KIT_OK);
    dnp3kit_object_iter it;
    dnp3kit_object_iter_init(&it, tail, (size_t)len, &h);
    dnp3kit_object_header oh;
    int rc = dnp3kit_object_iter_next(&it, &oh, &fs.sink);
    if (rc != 1) {
        tu_dump(&fs);
        fail_msg("g%uv%u %s: object iterator %d", info->group, var, mode_names[m], rc);
    }
    assert_int_equal(oh.group, info->group);
    assert_int_equal(oh.variation, var);
    assert_int_equal(oh.count, n);
    assert_true(oh.has_data);

    dnp3kit_point_iter pi;
    dnp3kit_point_iter_init(&pi, tail, (size_t)len, &oh);
    dnp3kit_point got[11];
    for (size_t k = 0; k < n; k++) {
        dnp3kit_point *pt = &got[k];
        rc = dnp3kit_point_iter_next(&pi, pt);
        if (rc != 1)
            fail_msg("g%uv%u %s: point %zu: %d", info->group, var, mode_names[m], k, rc);
        switch (m) {
        case M_RANGE: assert_true(pt->has_index); assert_int_equal(pt->index, 3 + k); break;
        case M_INDEX8: case M_INDEX16: assert_true(pt->has_index); assert_int_equal(pt->index, pts[k].index); break;
        default: assert_false(pt->has_index); break;
        }
        assert_int_equal(pt->nfields, pts[k].nfields);
        for (unsigned i = 0; i < pt->nfields; i++)
            check_field_equal(&pt->fields[i], &pts[k].fields[i], info);
        assert_true(pt->offset + pt->size <= (size_t)len);
        if (!packed) {
            /* object bytes (after the prefix) re-encode to themselves */
            uint8_t out[512];
            int r = dnp3kit_point_encode(info, var, pt, out, sizeof out);
            size_t ps = oh.prefix_size;
            if (r < 0 || (size_t)r != pt->size - ps)
                fail_msg("g%uv%u %s: re-encode %d, object %zu octets", info->group, var, mode_names[m], r,
                         pt->size - ps);
            assert_memory_equal(out, tail + pt->offset + ps, (size_t)r);
            /* one octet short is a buffer error, never a partial write past cap */
            if (r > 0)
                assert_int_equal(dnp3kit_point_encode(info, var, pt, out, (size_t)r - 1), DNP3KIT_ERR_BUFFER);
        }
        got[k].index = pts[k].index;
    }
    assert_int_equal(dnp3kit_point_iter_next(&pi, &got[0]), 0);
    assert_int_equal(dnp3kit_object_iter_next(&it, &oh, &fs.sink), 0);

    /* rebuild from what was parsed: the same fragment */
    uint8_t again[2048];
    int len2 = build(info, var, m, got, n, again, sizeof again);
    assert_int_equal(len2, len);
    assert_memory_equal(again, frag, (size_t)len);
    /* and the builder refuses every shorter buffer without writing past it */
    for (int cap = 0; cap < len; cap += (len > 64 ? 7 : 1)) {
        uint8_t small[2048];
        memset(small, 0xEE, sizeof small);
        assert_int_equal(build(info, var, m, pts, n, small, (size_t)cap), DNP3KIT_ERR_BUFFER);
        for (size_t i = (size_t)cap; i < (size_t)len; i++)
            assert_int_equal(small[i], 0xEE);
    }
    tu_free_tail(tail);
}

/* ---- tests ---- */

static void test_table_sane(void **state)
{
    /* the widths the consistency checks below rely on, by IEEE 1815 encoding */
    assert_int_equal(dnp3kit_field_width(DNP3KIT_FT_FLAGS), 1);
    assert_int_equal(dnp3kit_field_width(DNP3KIT_FT_CONTROL), 1);
    assert_int_equal(dnp3kit_field_width(DNP3KIT_FT_I16), 2);
    assert_int_equal(dnp3kit_field_width(DNP3KIT_FT_RELTIME16), 2);
    assert_int_equal(dnp3kit_field_width(DNP3KIT_FT_U32), 4);
    assert_int_equal(dnp3kit_field_width(DNP3KIT_FT_F32), 4);
    assert_int_equal(dnp3kit_field_width(DNP3KIT_FT_TIME48), 6);
    assert_int_equal(dnp3kit_field_width(DNP3KIT_FT_F64), 8);
    assert_int_equal(dnp3kit_field_width(DNP3KIT_FT_BCD64), 8);
    assert_int_equal(dnp3kit_field_width(DNP3KIT_FT_OCTETS), 0);
    assert_int_equal(dnp3kit_field_width(DNP3KIT_FT_BIT), 0);

    (void)state;
    size_t n;
    const dnp3kit_object_info *t = dnp3kit_catalog_table(&n);
    assert_true(n > 200);
    for (size_t i = 0; i < n; i++) {
        const dnp3kit_object_info *r = &t[i];
        if (i > 0) /* strictly ordered by (group, variation) */
            assert_true((t[i - 1].group << 8 | t[i - 1].variation) < (r->group << 8 | r->variation));
        assert_non_null(r->name);
        assert_non_null(dnp3kit_group_name(r->group));
        assert_ptr_equal(dnp3kit_catalog_find(r->group, r->variation), r);
        unsigned nf = row_nfields(r);
        assert_true(nf < DNP3KIT_MAX_FIELDS);
        unsigned sum = 0, octets = 0;
        for (unsigned k = 0; k < nf; k++) {
            assert_non_null(r->fields[k].name);
            sum += dnp3kit_field_width(r->fields[k].type);
            if (r->fields[k].type == DNP3KIT_FT_OCTETS) {
                octets++;
                assert_int_equal(k, nf - 1); /* the rest of the object: last */
            }
        }
        switch (r->size_rule) {
        case DNP3KIT_SIZE_FIXED:
            assert_true(nf > 0);
            if (octets)
                assert_true(sum < r->size);
            else if (sum != r->size)
                fail_msg("g%uv%u: size %u, fields add up to %u", r->group, r->variation, r->size, sum);
            assert_int_equal(dnp3kit_object_size(r, r->variation), r->size);
            break;
        case DNP3KIT_SIZE_NONE:
            assert_int_equal(nf, 0);
            assert_int_equal(dnp3kit_object_size(r, r->variation), 0);
            break;
        case DNP3KIT_SIZE_BITS1:
            assert_int_equal(nf, 1);
            assert_int_equal(r->fields[0].type, DNP3KIT_FT_BIT);
            break;
        case DNP3KIT_SIZE_BITS2:
            assert_int_equal(nf, 1);
            assert_int_equal(r->fields[0].type, DNP3KIT_FT_DBIT);
            break;
        case DNP3KIT_SIZE_VARIATION:
            assert_int_equal(r->variation, 0);
            assert_int_equal(dnp3kit_object_size(r, 17), 17);
            break;
        case DNP3KIT_SIZE_FREE:
            assert_true(nf > 0);
            assert_int_equal(r->fields[nf - 1].type, DNP3KIT_FT_OCTETS);
            break;
        case DNP3KIT_SIZE_ATTRIBUTE:
            assert_int_equal(r->group, 0);
            assert_int_equal(nf, 3);
            break;
        default:
            fail();
        }
    }
}

static void test_find_matches_scan(void **state)
{
    (void)state;
    size_t n;
    const dnp3kit_object_info *t = dnp3kit_catalog_table(&n);
    for (unsigned g = 0; g < 256; g++)
        for (unsigned v = 0; v < 256; v++) {
            const dnp3kit_object_info *want = NULL;
            for (size_t i = 0; i < n; i++)
                if (t[i].group == g && (t[i].variation == v ||
                                        (t[i].size_rule == DNP3KIT_SIZE_VARIATION && t[i].variation == 0)))
                    want = &t[i];
            if (dnp3kit_catalog_find((uint8_t)g, (uint8_t)v) != want)
                fail_msg("find(%u, %u)", g, v);
        }
}

static void test_find_known(void **state)
{
    (void)state;
    /* the coverage floor (Wireshark's dissector), plus the brief's fixed sizes */
    static const struct { uint8_t g, v; uint8_t rule; uint16_t size; } rows[] = {
        {0, 254, DNP3KIT_SIZE_NONE, 0}, {0, 255, DNP3KIT_SIZE_ATTRIBUTE, 0}, {0, 242, DNP3KIT_SIZE_ATTRIBUTE, 0},
        {1, 1, DNP3KIT_SIZE_BITS1, 0}, {1, 2, DNP3KIT_SIZE_FIXED, 1}, {2, 2, DNP3KIT_SIZE_FIXED, 7},
        {2, 3, DNP3KIT_SIZE_FIXED, 3}, {3, 1, DNP3KIT_SIZE_BITS2, 0}, {4, 3, DNP3KIT_SIZE_FIXED, 3},
        {10, 1, DNP3KIT_SIZE_BITS1, 0}, {11, 2, DNP3KIT_SIZE_FIXED, 7}, {12, 1, DNP3KIT_SIZE_FIXED, 11},
        {12, 2, DNP3KIT_SIZE_FIXED, 11}, {12, 3, DNP3KIT_SIZE_BITS1, 0}, {13, 1, DNP3KIT_SIZE_FIXED, 1},
        {13, 2, DNP3KIT_SIZE_FIXED, 7}, {20, 1, DNP3KIT_SIZE_FIXED, 5}, {20, 3, DNP3KIT_SIZE_FIXED, 5},
        {20, 8, DNP3KIT_SIZE_FIXED, 2}, {21, 5, DNP3KIT_SIZE_FIXED, 11}, {21, 12, DNP3KIT_SIZE_FIXED, 2},
        {22, 6, DNP3KIT_SIZE_FIXED, 9}, {23, 8, DNP3KIT_SIZE_FIXED, 9}, {30, 1, DNP3KIT_SIZE_FIXED, 5},
        {30, 6, DNP3KIT_SIZE_FIXED, 9}, {31, 3, DNP3KIT_SIZE_FIXED, 11}, {32, 8, DNP3KIT_SIZE_FIXED, 15},
        {33, 7, DNP3KIT_SIZE_FIXED, 11}, {34, 1, DNP3KIT_SIZE_FIXED, 2}, {34, 2, DNP3KIT_SIZE_FIXED, 4},
        {34, 3, DNP3KIT_SIZE_FIXED, 4}, {40, 4, DNP3KIT_SIZE_FIXED, 9}, {41, 1, DNP3KIT_SIZE_FIXED, 5},
        {41, 2, DNP3KIT_SIZE_FIXED, 3}, {41, 3, DNP3KIT_SIZE_FIXED, 5}, {41, 4, DNP3KIT_SIZE_FIXED, 9},
        {42, 8, DNP3KIT_SIZE_FIXED, 15}, {43, 1, DNP3KIT_SIZE_FIXED, 5}, {43, 8, DNP3KIT_SIZE_FIXED, 15},
        {50, 1, DNP3KIT_SIZE_FIXED, 6}, {50, 2, DNP3KIT_SIZE_FIXED, 10}, {50, 3, DNP3KIT_SIZE_FIXED, 6},
        {50, 4, DNP3KIT_SIZE_FIXED, 11}, {51, 1, DNP3KIT_SIZE_FIXED, 6}, {51, 2, DNP3KIT_SIZE_FIXED, 6},
        {52, 1, DNP3KIT_SIZE_FIXED, 2}, {52, 2, DNP3KIT_SIZE_FIXED, 2}, {60, 1, DNP3KIT_SIZE_NONE, 0},
        {60, 4, DNP3KIT_SIZE_NONE, 0}, {70, 3, DNP3KIT_SIZE_FREE, 0}, {70, 5, DNP3KIT_SIZE_FREE, 0},
        {80, 1, DNP3KIT_SIZE_BITS1, 0}, {81, 1, DNP3KIT_SIZE_FIXED, 3}, {82, 1, DNP3KIT_SIZE_FREE, 0},
        {83, 1, DNP3KIT_SIZE_FREE, 0}, {85, 1, DNP3KIT_SIZE_FREE, 0}, {86, 2, DNP3KIT_SIZE_FIXED, 1},
        {87, 1, DNP3KIT_SIZE_FREE, 0}, {88, 1, DNP3KIT_SIZE_FREE, 0}, {90, 1, DNP3KIT_SIZE_FREE, 0},
        {91, 1, DNP3KIT_SIZE_FREE, 0}, {100, 1, DNP3KIT_SIZE_FIXED, 5}, {101, 1, DNP3KIT_SIZE_FIXED, 2},
        {101, 2, DNP3KIT_SIZE_FIXED, 4}, {101, 3, DNP3KIT_SIZE_FIXED, 8}, {102, 1, DNP3KIT_SIZE_FIXED, 1},
        {110, 0, DNP3KIT_SIZE_VARIATION, 0}, {113, 0, DNP3KIT_SIZE_VARIATION, 0},
        {120, 1, DNP3KIT_SIZE_FREE, 0}, {120, 3, DNP3KIT_SIZE_FIXED, 6}, {120, 4, DNP3KIT_SIZE_FIXED, 2},
        {120, 15, DNP3KIT_SIZE_FREE, 0}, {121, 1, DNP3KIT_SIZE_FIXED, 7}, {122, 1, DNP3KIT_SIZE_FIXED, 7},
        {122, 2, DNP3KIT_SIZE_FIXED, 13},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const dnp3kit_object_info *r = dnp3kit_catalog_find(rows[i].g, rows[i].v);
        if (!r)
            fail_msg("g%uv%u missing", rows[i].g, rows[i].v);
        assert_int_equal(r->size_rule, rows[i].rule);
        assert_int_equal(dnp3kit_object_size(r, rows[i].v), rows[i].size);
    }
    /* octet strings: any length maps to the group's row, and the length is the size */
    const dnp3kit_object_info *os = dnp3kit_catalog_find(110, 200);
    assert_non_null(os);
    assert_int_equal(os->variation, 0);
    assert_int_equal(dnp3kit_object_size(os, 200), 200);
    /* undefined ones */
    assert_null(dnp3kit_catalog_find(1, 3));
    assert_null(dnp3kit_catalog_find(0, 251));
    assert_null(dnp3kit_catalog_find(0, 1));
    assert_null(dnp3kit_catalog_find(12, 0));
    assert_null(dnp3kit_catalog_find(200, 1));
    assert_null(dnp3kit_group_name(5));
    assert_string_equal(dnp3kit_group_name(30), "Analog Input");
    assert_string_equal(dnp3kit_catalog_find(30, 1)->name, "Analog Input - 32-bit With Flag");
    assert_int_equal(dnp3kit_catalog_find(32, 1)->kind, DNP3KIT_KIND_EVENT);
    assert_int_equal(dnp3kit_catalog_find(12, 1)->kind, DNP3KIT_KIND_COMMAND);
    assert_int_equal(dnp3kit_catalog_find(1, 2)->kind, DNP3KIT_KIND_STATIC);
    assert_int_equal(dnp3kit_object_size(NULL, 1), 0);
}

/* THE round trip: every row, every qualifier that fits it. */
static void test_round_trip_every_row(void **state)
{
    (void)state;
    size_t n;
    const dnp3kit_object_info *t = dnp3kit_catalog_table(&n);
    size_t trips = 0;
    for (size_t i = 0; i < n; i++) {
        const dnp3kit_object_info *r = &t[i];
        switch (r->size_rule) {
        case DNP3KIT_SIZE_NONE: {
            /* no data: a READ of it parses to a header without points */
            uint8_t frag[16];
            dnp3kit_app_writer w;
            dnp3kit_app_writer_init(&w, frag, sizeof frag, 0xC0, DNP3KIT_FC_READ, -1);
            dnp3kit_app_write_all(&w, r->group, r->variation);
            int len = dnp3kit_app_writer_finish(&w);
            assert_int_equal(len, 5);
            dnp3kit_app_header h;
            assert_int_equal(dnp3kit_app_header_decode(frag, (size_t)len, &h, NULL), DNP3KIT_OK);
            dnp3kit_object_iter it;
            dnp3kit_object_header oh;
            dnp3kit_object_iter_init(&it, frag, (size_t)len, &h);
            assert_int_equal(dnp3kit_object_iter_next(&it, &oh, NULL), 1);
            assert_ptr_equal(oh.info, r);
            dnp3kit_point_iter pi;
            dnp3kit_point pt;
            dnp3kit_point_iter_init(&pi, frag, (size_t)len, &oh);
            assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), 0);
            assert_int_equal(dnp3kit_point_encode(r, r->variation, &pt, NULL, 0), 0);
            trips++;
            break;
        }
        case DNP3KIT_SIZE_BITS1: case DNP3KIT_SIZE_BITS2:
            round_trip(r, M_RANGE);
            trips++;
            break;
        case DNP3KIT_SIZE_FREE:
            round_trip(r, M_FREE);
            trips++;
            break;
        default:
            for (int m = 0; m < M_NMODES; m++) {
                round_trip(r, (enum mode)m);
                trips++;
            }
            break;
        }
    }
    assert_true(trips > n);
    print_message("%zu catalogue rows, %zu round trips\n", n, trips);
}

/* Parse one object of a crafted response: g/v, qualifier, then body. */
static int parse_one(const uint8_t *frag, size_t len, dnp3kit_point *pt, dnp3kit_object_header *oh)
{
    dnp3kit_app_header h;
    dnp3kit_object_iter it;
    assert_int_equal(dnp3kit_app_header_decode(frag, len, &h, NULL), DNP3KIT_OK);
    dnp3kit_object_iter_init(&it, frag, len, &h);
    int rc = dnp3kit_object_iter_next(&it, oh, NULL);
    if (rc != 1)
        return rc;
    dnp3kit_point_iter pi;
    dnp3kit_point_iter_init(&pi, frag, len, oh);
    return dnp3kit_point_iter_next(&pi, pt);
}

static void test_normalised_values(void **state)
{
    (void)state;
    uint8_t f[64];
    size_t n;
    dnp3kit_point pt;
    dnp3kit_object_header oh;

    /* g1v2 flags ONLINE|STATE -> true */
    n = tu_hex("C0 81 00 00 01 02 00 05 05 81", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_true(pt.has_flags);
    assert_int_equal(pt.flags, 0x81);
    assert_int_equal(pt.value_kind, DNP3KIT_VAL_BOOL);
    assert_true(pt.b);
    assert_int_equal(pt.index, 5);
    assert_int_equal(pt.offset, 9);
    assert_int_equal(pt.size, 1);

    /* g3v2 double-bit: bits 6-7 = 10 -> DETERMINED_ON (2) */
    n = tu_hex("C0 81 00 00 03 02 00 00 00 81", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_int_equal(pt.value_kind, DNP3KIT_VAL_DBIT);
    assert_int_equal(pt.dbit, 2);

    /* g3v1 packed: 4 points in one octet 0b11_10_01_00 */
    n = tu_hex("C0 81 00 00 03 01 00 00 03 E4", f, sizeof f);
    {
        dnp3kit_app_header h;
        dnp3kit_object_iter it;
        assert_int_equal(dnp3kit_app_header_decode(f, n, &h, NULL), DNP3KIT_OK);
        dnp3kit_object_iter_init(&it, f, n, &h);
        assert_int_equal(dnp3kit_object_iter_next(&it, &oh, NULL), 1);
        dnp3kit_point_iter pi;
        dnp3kit_point_iter_init(&pi, f, n, &oh);
        for (unsigned k = 0; k < 4; k++) {
            assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), 1);
            assert_int_equal(pt.value_kind, DNP3KIT_VAL_DBIT);
            assert_int_equal(pt.dbit, k);
            assert_int_equal(pt.index, k);
        }
        assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), 0);
    }

    /* g1v1 packed: 10 points from index 2, bit 0 of octet 1 first */
    n = tu_hex("C0 81 00 00 01 01 00 02 0B 05 02", f, sizeof f);
    {
        dnp3kit_app_header h;
        dnp3kit_object_iter it;
        assert_int_equal(dnp3kit_app_header_decode(f, n, &h, NULL), DNP3KIT_OK);
        dnp3kit_object_iter_init(&it, f, n, &h);
        assert_int_equal(dnp3kit_object_iter_next(&it, &oh, NULL), 1);
        dnp3kit_point_iter pi;
        dnp3kit_point_iter_init(&pi, f, n, &oh);
        static const bool want[10] = {1, 0, 1, 0, 0, 0, 0, 0, 0, 1};
        for (unsigned k = 0; k < 10; k++) {
            assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), 1);
            assert_int_equal(pt.value_kind, DNP3KIT_VAL_BOOL);
            assert_int_equal(pt.b, want[k]);
            assert_int_equal(pt.index, 2 + k);
        }
        assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), 0);
    }

    /* g2v3: relative time */
    n = tu_hex("C0 81 00 00 02 03 17 01 04 01 10 27", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_true(pt.has_time);
    assert_true(pt.time_relative);
    assert_int_equal(pt.time_ms, 10000);
    assert_false(pt.b);

    /* g13v1: status 5 (ALREADY_ACTIVE) + commanded state on */
    n = tu_hex("C0 81 00 00 0D 01 17 01 00 85", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_true(pt.has_status);
    assert_int_equal(pt.status, 5);
    assert_true(pt.b);

    /* g30v2: -2 */
    n = tu_hex("C0 81 00 00 1E 02 00 00 00 01 FE FF", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_int_equal(pt.value_kind, DNP3KIT_VAL_INT);
    assert_int_equal(pt.i, -2);

    /* g20v1: u32 4000000000 */
    n = tu_hex("C0 81 00 00 14 01 00 00 00 01 00 28 6B EE", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_int_equal(pt.value_kind, DNP3KIT_VAL_UINT);
    assert_int_equal(pt.u, 4000000000u);

    /* g30v5: 1.5f */
    n = tu_hex("C0 81 00 00 1E 05 00 00 00 01 00 00 C0 3F", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_int_equal(pt.value_kind, DNP3KIT_VAL_FLOAT);
    assert_true(pt.f == 1.5);

    /* g32v3 with absolute time */
    n = tu_hex("C0 81 00 00 20 03 17 01 02 01 64 00 00 00 01 02 03 04 05 06", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_true(pt.has_time);
    assert_false(pt.time_relative);
    assert_int_equal(pt.time_ms, 0x060504030201ull);
    assert_int_equal(pt.i, 100);

    /* g12v1 echo with status */
    n = tu_hex("C0 81 00 00 0C 01 28 01 00 03 00 41 01 64 00 00 00 00 00 00 00 02", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_true(pt.has_status);
    assert_int_equal(pt.status, DNP3KIT_STATUS_NO_SELECT);
    assert_int_equal(pt.index, 3);
    assert_int_equal(pt.fields[0].v.u, 0x41);
    assert_int_equal(pt.fields[2].v.u, 100);

    /* g50v1 time */
    n = tu_hex("C0 81 00 00 32 01 07 01 E8 03 00 00 00 00", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_true(pt.has_time);
    assert_int_equal(pt.time_ms, 1000);
    assert_false(pt.has_index);

    /* g52v2 delay */
    n = tu_hex("C0 81 00 00 34 02 07 01 2C 01", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_int_equal(pt.value_kind, DNP3KIT_VAL_UINT);
    assert_int_equal(pt.u, 300);

    /* g0v242 software version, a string attribute */
    n = tu_hex("C0 81 00 00 00 F2 00 00 00 01 03 31 2E 30", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_int_equal(pt.value_kind, DNP3KIT_VAL_OCTETS);
    assert_int_equal(pt.octets_len, 3);
    assert_memory_equal(pt.octets, "1.0", 3);
    assert_int_equal(pt.fields[0].v.u, 1);

    /* g110v4 octet string */
    n = tu_hex("C0 81 00 00 6E 04 00 02 02 41 42 43 44", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_int_equal(pt.value_kind, DNP3KIT_VAL_OCTETS);
    assert_int_equal(pt.octets_len, 4);
    assert_ptr_equal(pt.octets, f + 9);

    /* g101v1 BCD 0x1234 -> 1234; with a non-digit nibble -> the raw octets */
    n = tu_hex("C0 81 00 00 65 01 00 00 00 34 12", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_int_equal(pt.value_kind, DNP3KIT_VAL_UINT);
    assert_int_equal(pt.u, 1234);
    n = tu_hex("C0 81 00 00 65 01 00 00 00 3A 12", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_int_equal(pt.value_kind, DNP3KIT_VAL_OCTETS);

    /* a READ with index prefixes names points without data */
    n = tu_hex("C0 01 1E 01 17 02 03 09", f, sizeof f);
    {
        dnp3kit_app_header h;
        dnp3kit_object_iter it;
        assert_int_equal(dnp3kit_app_header_decode(f, n, &h, NULL), DNP3KIT_OK);
        dnp3kit_object_iter_init(&it, f, n, &h);
        assert_int_equal(dnp3kit_object_iter_next(&it, &oh, NULL), 1);
        dnp3kit_point_iter pi;
        dnp3kit_point_iter_init(&pi, f, n, &oh);
        assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), 1);
        assert_int_equal(pt.index, 3);
        assert_int_equal(pt.nfields, 0);
        assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), 1);
        assert_int_equal(pt.index, 9);
        assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), 0);
    }
}

/* A free-format object whose size prefix disagrees with the row is kept whole. */
static void test_free_shape_mismatch(void **state)
{
    (void)state;
    uint8_t f[64];
    dnp3kit_point pt;
    dnp3kit_object_header oh;
    /* g120v4 (2 octets) sent 0x5B with a 3-octet object */
    size_t n = tu_hex("C0 81 00 00 78 04 5B 01 03 00 01 02 03", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_int_equal(pt.nfields, 1);
    assert_int_equal(pt.fields[0].type, DNP3KIT_FT_OCTETS);
    assert_int_equal(pt.octets_len, 3);
    /* and does not re-encode as the fixed row */
    uint8_t out[8];
    assert_int_equal(dnp3kit_point_encode(oh.info, 4, &pt, out, sizeof out), DNP3KIT_ERR_ARG);
    /* g70v5 shorter than its fixed head: octets, re-encodes as it was */
    n = tu_hex("C0 81 00 00 46 05 5B 01 03 00 AA BB CC", f, sizeof f);
    assert_int_equal(parse_one(f, n, &pt, &oh), 1);
    assert_int_equal(pt.nfields, 1);
    assert_int_equal(dnp3kit_point_encode(oh.info, 5, &pt, out, sizeof out), 3);
    assert_memory_equal(out, f + 10, 3);
}

/* The point iterator re-checks bounds even for a header it did not size. */
static void test_point_iter_bounds(void **state)
{
    (void)state;
    uint8_t f[32];
    size_t n = tu_hex("C0 81 00 00 1E 01 00 00 01 01 02 03 04 05 01 02 03 04 05", f, sizeof f);
    uint8_t *tail = tu_tail_copy(f, n);
    dnp3kit_app_header h;
    dnp3kit_object_iter it;
    dnp3kit_object_header oh;
    assert_int_equal(dnp3kit_app_header_decode(tail, n, &h, NULL), DNP3KIT_OK);
    dnp3kit_object_iter_init(&it, tail, n, &h);
    assert_int_equal(dnp3kit_object_iter_next(&it, &oh, NULL), 1);
    dnp3kit_point_iter pi;
    dnp3kit_point pt;

    /* forged: data_len beyond the fragment */
    dnp3kit_object_header bad = oh;
    bad.data_len = n;
    dnp3kit_point_iter_init(&pi, tail, n, &bad);
    assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), DNP3KIT_ERR_INVALID);
    /* forged: count larger than the data */
    bad = oh;
    bad.count = 3;
    dnp3kit_point_iter_init(&pi, tail, n, &bad);
    assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), 1);
    assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), 1);
    assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), DNP3KIT_ERR_INVALID);
    /* forged: unknown object */
    bad = oh;
    bad.info = NULL;
    bad.group = 200;
    dnp3kit_point_iter_init(&pi, tail, n, &bad);
    assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), DNP3KIT_ERR_UNSUPPORTED);
    /* forged: packed bits past the data */
    bad = oh;
    bad.info = dnp3kit_catalog_find(1, 1);
    bad.group = 1;
    bad.variation = 1;
    bad.data_len = 1;
    bad.count = 9;
    dnp3kit_point_iter_init(&pi, tail, n, &bad);
    for (int k = 0; k < 8; k++)
        assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), 1);
    assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), DNP3KIT_ERR_INVALID);
    /* forged: an attribute whose length runs past the data */
    uint8_t g[16];
    size_t gn = tu_hex("C0 81 00 00 00 F2 00 00 00 01 09 31", g, sizeof g);
    uint8_t *gt = tu_tail_copy(g, gn);
    memset(&bad, 0, sizeof bad);
    bad.group = 0;
    bad.variation = 242;
    bad.qualifier = 0;
    bad.has_range = true;
    bad.count = 1;
    bad.has_data = true;
    bad.info = dnp3kit_catalog_find(0, 242);
    bad.data_offset = 9;
    bad.data_len = gn - 9;
    dnp3kit_point_iter_init(&pi, gt, gn, &bad);
    assert_int_equal(dnp3kit_point_iter_next(&pi, &pt), DNP3KIT_ERR_INVALID);
    tu_free_tail(gt);
    tu_free_tail(tail);
}

static void test_encode_range_checks(void **state)
{
    (void)state;
    uint8_t out[32];
    dnp3kit_point pt;
    static uint8_t store[256];
    const dnp3kit_object_info *r;

    r = dnp3kit_catalog_find(30, 2); /* flags + I16 */
    fill(r, 2, 0, &pt, store);
    pt.fields[1].v.i = 32767;
    assert_int_equal(dnp3kit_point_encode(r, 2, &pt, out, sizeof out), 3);
    pt.fields[1].v.i = -32768;
    assert_int_equal(dnp3kit_point_encode(r, 2, &pt, out, sizeof out), 3);
    assert_memory_equal(out + 1, "\x00\x80", 2);
    pt.fields[1].v.i = 32768;
    assert_int_equal(dnp3kit_point_encode(r, 2, &pt, out, sizeof out), DNP3KIT_ERR_ARG);
    pt.fields[1].v.i = -32769;
    assert_int_equal(dnp3kit_point_encode(r, 2, &pt, out, sizeof out), DNP3KIT_ERR_ARG);
    pt.fields[1].v.i = 0;
    pt.fields[0].v.u = 256; /* flags are one octet */
    assert_int_equal(dnp3kit_point_encode(r, 2, &pt, out, sizeof out), DNP3KIT_ERR_ARG);

    r = dnp3kit_catalog_find(30, 1); /* I32 */
    fill(r, 1, 0, &pt, store);
    pt.fields[1].v.i = (int64_t)INT32_MAX + 1;
    assert_int_equal(dnp3kit_point_encode(r, 1, &pt, out, sizeof out), DNP3KIT_ERR_ARG);

    r = dnp3kit_catalog_find(20, 6); /* U16 */
    fill(r, 6, 0, &pt, store);
    pt.fields[0].v.u = 65536;
    assert_int_equal(dnp3kit_point_encode(r, 6, &pt, out, sizeof out), DNP3KIT_ERR_ARG);

    r = dnp3kit_catalog_find(20, 5); /* U32 */
    fill(r, 5, 0, &pt, store);
    pt.fields[0].v.u = 0x100000000ull;
    assert_int_equal(dnp3kit_point_encode(r, 5, &pt, out, sizeof out), DNP3KIT_ERR_ARG);

    r = dnp3kit_catalog_find(50, 1); /* TIME48 */
    fill(r, 1, 0, &pt, store);
    pt.fields[0].v.u = 1ull << 48;
    assert_int_equal(dnp3kit_point_encode(r, 1, &pt, out, sizeof out), DNP3KIT_ERR_ARG);
    pt.fields[0].v.u = (1ull << 48) - 1;
    assert_int_equal(dnp3kit_point_encode(r, 1, &pt, out, sizeof out), 6);

    r = dnp3kit_catalog_find(30, 5); /* F32 */
    fill(r, 5, 0, &pt, store);
    pt.fields[1].v.f = 1e39;
    assert_int_equal(dnp3kit_point_encode(r, 5, &pt, out, sizeof out), DNP3KIT_ERR_ARG);
    pt.fields[1].v.f = INFINITY; /* over-range markers pass through */
    assert_int_equal(dnp3kit_point_encode(r, 5, &pt, out, sizeof out), 5);

    r = dnp3kit_catalog_find(101, 1); /* BCD16: 4 digits */
    fill(r, 1, 0, &pt, store);
    pt.fields[0].v.u = 9999;
    assert_int_equal(dnp3kit_point_encode(r, 1, &pt, out, sizeof out), 2);
    assert_memory_equal(out, "\x99\x99", 2);
    pt.fields[0].v.u = 10000;
    assert_int_equal(dnp3kit_point_encode(r, 1, &pt, out, sizeof out), DNP3KIT_ERR_ARG);

    r = dnp3kit_catalog_find(2, 3); /* RELTIME16 */
    fill(r, 3, 0, &pt, store);
    pt.fields[1].v.u = 65536;
    assert_int_equal(dnp3kit_point_encode(r, 3, &pt, out, sizeof out), DNP3KIT_ERR_ARG);

    /* wrong field types, too few fields */
    r = dnp3kit_catalog_find(30, 1);
    fill(r, 1, 0, &pt, store);
    pt.fields[1].type = DNP3KIT_FT_U32;
    assert_int_equal(dnp3kit_point_encode(r, 1, &pt, out, sizeof out), DNP3KIT_ERR_ARG);
    fill(r, 1, 0, &pt, store);
    pt.nfields = 1;
    assert_int_equal(dnp3kit_point_encode(r, 1, &pt, out, sizeof out), DNP3KIT_ERR_ARG);

    /* octet string length must be the variation */
    r = dnp3kit_catalog_find(110, 0);
    fill(r, 5, 0, &pt, store);
    assert_int_equal(dnp3kit_point_encode(r, 5, &pt, out, sizeof out), 5);
    assert_int_equal(dnp3kit_point_encode(r, 6, &pt, out, sizeof out), DNP3KIT_ERR_ARG);
    assert_int_equal(dnp3kit_point_encode(r, 0, &pt, out, sizeof out), DNP3KIT_ERR_ARG);

    /* attribute length must match its value */
    r = dnp3kit_catalog_find(0, 242);
    fill(r, 242, 0, &pt, store);
    pt.fields[1].v.u++;
    assert_int_equal(dnp3kit_point_encode(r, 242, &pt, out, sizeof out), DNP3KIT_ERR_ARG);

    /* packed rows are only written whole, by the writer */
    r = dnp3kit_catalog_find(1, 1);
    fill_packed(r, 0, &pt);
    assert_int_equal(dnp3kit_point_encode(r, 1, &pt, out, sizeof out), DNP3KIT_ERR_ARG);
    assert_int_equal(dnp3kit_point_encode(NULL, 1, &pt, out, sizeof out), DNP3KIT_ERR_ARG);

    /* buffer too small */
    r = dnp3kit_catalog_find(12, 1);
    fill(r, 1, 0, &pt, store);
    memset(out, 0xEE, sizeof out);
    assert_int_equal(dnp3kit_point_encode(r, 1, &pt, out, 10), DNP3KIT_ERR_BUFFER);
    assert_int_equal(out[10], 0xEE);
    assert_int_equal(dnp3kit_point_encode(r, 1, &pt, out, 11), 11);
}

static void test_flags_format(void **state)
{
    (void)state;
    char b[128];
    dnp3kit_flags_format(1, 0x81, b, sizeof b);
    assert_string_equal(b, "ONLINE|STATE");
    dnp3kit_flags_format(2, 0x21, b, sizeof b);
    assert_string_equal(b, "ONLINE|CHATTER_FILTER");
    dnp3kit_flags_format(20, 0x63, b, sizeof b);
    assert_string_equal(b, "ONLINE|RESTART|ROLLOVER|DISCONTINUITY");
    dnp3kit_flags_format(30, 0x61, b, sizeof b);
    assert_string_equal(b, "ONLINE|OVER_RANGE|REFERENCE_ERR");
    dnp3kit_flags_format(32, 0x1C, b, sizeof b);
    assert_string_equal(b, "COMM_LOST|REMOTE_FORCED|LOCAL_FORCED");
    dnp3kit_flags_format(10, 0x81, b, sizeof b);
    assert_string_equal(b, "ONLINE|STATE");
    dnp3kit_flags_format(3, 0x41, b, sizeof b);
    assert_string_equal(b, "ONLINE|DETERMINED_OFF");
    dnp3kit_flags_format(4, 0x01, b, sizeof b);
    assert_string_equal(b, "ONLINE|INTERMEDIATE");
    dnp3kit_flags_format(13, 0x84, b, sizeof b);
    assert_string_equal(b, "NOT_SUPPORTED|STATE");
    assert_int_equal(dnp3kit_flags_format(30, 0x00, b, sizeof b), 0);
    assert_string_equal(b, "");
    /* snprintf semantics: the full length is returned, the output is cut and terminated */
    int full = dnp3kit_flags_format(20, 0x63, b, sizeof b);
    char small[8];
    assert_int_equal(dnp3kit_flags_format(20, 0x63, small, sizeof small), full);
    assert_string_equal(small, "ONLINE|");
    assert_int_equal(dnp3kit_flags_format(20, 0x63, NULL, 0), full);
}

static void test_names(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(dnp3kit_control_status_name(0), "SUCCESS");
    assert_string_equal(dnp3kit_control_status_name(4), "NOT_SUPPORTED");
    assert_string_equal(dnp3kit_control_status_name(18), "DOWNSTREAM_FAIL");
    assert_string_equal(dnp3kit_control_status_name(126), "NON_PARTICIPATING");
    assert_string_equal(dnp3kit_control_status_name(127), "UNDEFINED");
    assert_string_equal(dnp3kit_control_status_name(19), "RESERVED");
    dnp3kit_crob_format(dnp3kit_crob_code(DNP3KIT_OP_LATCH_ON, DNP3KIT_TCC_NUL, false), b, sizeof b);
    assert_string_equal(b, "LATCH_ON");
    dnp3kit_crob_format(dnp3kit_crob_code(DNP3KIT_OP_PULSE_ON, DNP3KIT_TCC_CLOSE, false), b, sizeof b);
    assert_string_equal(b, "PULSE_ON CLOSE");
    dnp3kit_crob_format(dnp3kit_crob_code(DNP3KIT_OP_PULSE_ON, DNP3KIT_TCC_TRIP, true), b, sizeof b);
    assert_string_equal(b, "PULSE_ON TRIP CLEAR");
    dnp3kit_crob_format(0x19, b, sizeof b);
    assert_string_equal(b, "OP_9 QUEUE");
    assert_int_equal(0x81, dnp3kit_crob_code(DNP3KIT_OP_PULSE_ON, DNP3KIT_TCC_TRIP, false));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_sane),
        cmocka_unit_test(test_find_matches_scan),
        cmocka_unit_test(test_find_known),
        cmocka_unit_test(test_round_trip_every_row),
        cmocka_unit_test(test_normalised_values),
        cmocka_unit_test(test_free_shape_mismatch),
        cmocka_unit_test(test_point_iter_bounds),
        cmocka_unit_test(test_encode_range_checks),
        cmocka_unit_test(test_flags_format),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
