/*
 * Blocking requests built on the generic RAW task: index-list reads, reads of
 * any group, dead-bands (g34) and device attributes (g0). Each builds its
 * object headers here and lets the session send it and decode the answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3kit/app.h"
#include "dnp3kit/master.h"

static int arg_error(dnp3kit_error_detail *err, const char *msg)
{
    if (err) {
        dnp3kit_error_detail_clear(err);
        err->code = DNP3KIT_ERR_ARG;
        snprintf(err->message, sizeof err->message, "%s", msg);
    }
    return DNP3KIT_ERR_ARG;
}

static int run_raw(dnp3kit_master *m, uint8_t func, const uint8_t *obj, size_t n, dnp3kit_master_result *r,
                   dnp3kit_error_detail *err)
{
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_RAW;
    rq.func = func;
    rq.objects = obj;
    rq.objects_len = n;
    return dnp3kit_master_run(m, &rq, r, err);
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

int dnp3kit_master_read_indices(dnp3kit_master *m, dnp3kit_point_type type, uint8_t variation,
                                const uint32_t *indices, size_t n, dnp3kit_master_result *r,
                                dnp3kit_error_detail *err)
{
    uint8_t g = dnp3kit_master_point_type_group(type);
    if (g == 0)
        return arg_error(err, "unknown point type");
    return dnp3kit_master_read_group_indices(m, g, variation, indices, n, r, err);
}

int dnp3kit_master_read_group_indices(dnp3kit_master *m, uint8_t g, uint8_t variation, const uint32_t *indices,
                                      size_t n, dnp3kit_master_result *r, dnp3kit_error_detail *err)
{
    if (n == 0 || n > 65535 || !indices)
        return arg_error(err, "index list: 1 to 65535 indices");
    bool small = true;
    for (size_t i = 0; i < n; i++) {
        if (indices[i] > 65535)
            return arg_error(err, "index list: every index at most 65535 (qualifier 0x28)");
        if (indices[i] > 255 || n > 255)
            small = false;
    }
    size_t ps = small ? 1 : 2;
    uint8_t *b = malloc(5 + n * ps);
    if (!b)
        return arg_error(err, "out of memory");
    size_t o = 0;
    b[o++] = g;
    b[o++] = variation;
    b[o++] = small ? 0x17 : 0x28;
    if (small)
        b[o++] = (uint8_t)n;
    else
        put16(b + o, (uint32_t)n), o += 2;
    for (size_t i = 0; i < n; i++) {
        if (small)
            b[o++] = (uint8_t)indices[i];
        else
            put16(b + o, indices[i]), o += 2;
    }
    int rc = run_raw(m, DNP3KIT_FC_READ, b, o, r, err);
    free(b);
    return rc;
}

static size_t range_header(uint8_t *b, uint8_t g, uint8_t v, uint32_t start, uint32_t stop)
{
    size_t o = 0;
    b[o++] = g;
    b[o++] = v;
    if (stop <= 0xFF) {
        b[o++] = 0x00;
        b[o++] = (uint8_t)start;
        b[o++] = (uint8_t)stop;
    } else if (stop <= 0xFFFF) {
        b[o++] = 0x01;
        put16(b + o, start), o += 2;
        put16(b + o, stop), o += 2;
    } else {
        b[o++] = 0x02;
        for (int k = 0; k < 4; k++)
            b[o++] = (uint8_t)(start >> (8 * k));
        for (int k = 0; k < 4; k++)
            b[o++] = (uint8_t)(stop >> (8 * k));
    }
    return o;
}

int dnp3kit_master_read_group(dnp3kit_master *m, uint8_t group, uint8_t variation, uint32_t start, uint32_t stop,
                              dnp3kit_master_result *r, dnp3kit_error_detail *err)
{
    if (start > stop)
        return arg_error(err, "range: start after stop");
    uint8_t b[16];
    return run_raw(m, DNP3KIT_FC_READ, b, range_header(b, group, variation, start, stop), r, err);
}

int dnp3kit_master_write_deadband(dnp3kit_master *m, uint16_t index, uint8_t variation, double value,
                                  dnp3kit_error_detail *err)
{
    uint8_t b[16];
    size_t o = 0;
    b[o++] = 34;
    b[o++] = variation;
    b[o++] = 0x28;
    put16(b + o, 1), o += 2;
    put16(b + o, index), o += 2;
    if (variation == 1 || variation == 2) {
        double max = variation == 1 ? 65535.0 : 4294967295.0;
        if (!(value >= 0) || value > max || value != (double)(uint64_t)value)
            return arg_error(err, variation == 1 ? "dead-band g34v1: a whole number 0-65535"
                                                 : "dead-band g34v2: a whole number 0-4294967295");
        uint64_t u = (uint64_t)value;
        for (int k = 0; k < (variation == 1 ? 2 : 4); k++)
            b[o++] = (uint8_t)(u >> (8 * k));
    } else if (variation == 3) {
        float f = (float)value;
        if (!(value >= 0) || (double)f != value)
            return arg_error(err, "dead-band g34v3: a non-negative value a float32 holds exactly");
        uint32_t u;
        memcpy(&u, &f, 4);
        for (int k = 0; k < 4; k++)
            b[o++] = (uint8_t)(u >> (8 * k));
    } else {
        return arg_error(err, "dead-band variation: 1 (16-bit), 2 (32-bit) or 3 (float)");
    }
    return run_raw(m, DNP3KIT_FC_WRITE, b, o, NULL, err);
}

int dnp3kit_master_read_attributes(dnp3kit_master *m, uint8_t variation, dnp3kit_master_result *r,
                                   dnp3kit_error_detail *err)
{
    uint8_t b[5] = {0, variation, 0x06};
    size_t n = 3;
    if (variation != 254) {
        b[2] = 0x00; /* index 0: the device itself */
        b[3] = b[4] = 0;
        n = 5;
    }
    return run_raw(m, DNP3KIT_FC_READ, b, n, r, err);
}

int dnp3kit_master_write_attribute(dnp3kit_master *m, uint8_t variation, uint8_t type, const uint8_t *value,
                                   size_t len, dnp3kit_error_detail *err)
{
    if (len > 255 || (len && !value))
        return arg_error(err, "attribute value: at most 255 octets");
    if (variation == 0 || variation >= 254)
        return arg_error(err, "attribute variation: 1-253");
    uint8_t b[7 + 255] = {0, variation, 0x00, 0, 0, type, (uint8_t)len};
    if (len)
        memcpy(b + 7, value, len);
    return run_raw(m, DNP3KIT_FC_WRITE, b, 7 + len, NULL, err);
}
