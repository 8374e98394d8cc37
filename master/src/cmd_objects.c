/*
 * dnp3-master commands on objects beyond the point types: device attributes
 * (g0: `attributes [VAR] [--write VAR=VALUE]`) and analog input dead-bands
 * (g34: `deadband read LIST`, `deadband write INDEX VALUE`), and the index-list
 * parser the `read` command shares.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static bool parse_num(const char *s, const char *end, unsigned long *v)
{
    if (s == end || end - s > 10)
        return false;
    unsigned long x = 0;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
        x = x * 10 + (unsigned long)(*p - '0');
    }
    *v = x;
    return true;
}

bool cli_parse_index_list(const char *s, uint32_t **out, size_t *n, char *why, size_t cap)
{
    size_t cnt = 0, lim = 0;
    uint32_t *v = NULL;
    const char *p = s;
    *out = NULL;
    *n = 0;
    for (;;) {
        const char *e = strchr(p, ',');
        if (!e)
            e = p + strlen(p);
        const char *dash = memchr(p, '-', (size_t)(e - p));
        unsigned long a, b;
        if (!parse_num(p, dash ? dash : e, &a) || (dash && !parse_num(dash + 1, e, &b))) {
            snprintf(why, cap, "'%.*s' is not an index or START-STOP", (int)(e - p), p);
            free(v);
            return false;
        }
        if (!dash)
            b = a;
        if (b < a || b > 65535) {
            snprintf(why, cap, "'%.*s': indices are 0-65535, START before STOP", (int)(e - p), p);
            free(v);
            return false;
        }
        for (unsigned long i = a; i <= b; i++) {
            if (cnt == 65535) {
                snprintf(why, cap, "more than 65535 indices");
                free(v);
                return false;
            }
            if (cnt == lim) {
                lim = lim ? lim * 2 : 16;
                uint32_t *nv = realloc(v, lim * sizeof *v);
                if (!nv) {
                    snprintf(why, cap, "out of memory");
                    free(v);
                    return false;
                }
                v = nv;
            }
            v[cnt++] = (uint32_t)i;
        }
        if (!*e)
            break;
        p = e + 1;
    }
    *out = v;
    *n = cnt;
    return true;
}

/* ---- attributes (g0) ---- */

/* Is variation v listed as writable in the v255 list of r? -1: not listed (or no list). */
static int listed_writable(const dnp3kit_master_result *r, uint8_t v)
{
    for (size_t i = 0; i < r->nobjects; i++) {
        unsigned t;
        const uint8_t *p;
        size_t n;
        const dnp3kit_master_object *o = &r->objects[i];
        if (o->variation != 255 || !cli_attr_decoded(r, o, &t, &p, &n) || (t != 254 && t != 255))
            continue;
        for (size_t k = 0; k + 1 < n; k += 2)
            if (p[k] == v)
                return p[k + 1] & 1;
    }
    return -1;
}

static int parse_hex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
    size_t l = strlen(s);
    if (l % 2 || l / 2 > cap)
        return -1;
    for (size_t i = 0; i < l / 2; i++) {
        unsigned x;
        if (sscanf(s + 2 * i, "%2x", &x) != 1)
            return -1;
        out[i] = (uint8_t)x;
    }
    *n = l / 2;
    return 0;
}

/* Encode VALUE for an attribute of data type t whose current value is cur_len octets. */
static bool encode_attr(unsigned t, size_t cur_len, const char *val, uint8_t *out, size_t *n, char *why, size_t cap)
{
    char *end;
    errno = 0;
    switch (t) {
    case 1:
        *n = strlen(val);
        if (*n > 255)
            return snprintf(why, cap, "a string of at most 255 characters"), false;
        memcpy(out, val, *n);
        return true;
    case 2:
    case 3: {
        size_t w = cur_len >= 1 && cur_len <= 8 ? cur_len : 4;
        int64_t iv = 0;
        uint64_t uv;
        if (t == 2) {
            uv = strtoull(val, &end, 0);
            if (*val == '-' || *end || errno || (w < 8 && uv >> (8 * w)))
                return snprintf(why, cap, "an unsigned integer of %zu octets", w), false;
        } else {
            iv = strtoll(val, &end, 0);
            int64_t lim = w < 8 ? (int64_t)1 << (8 * w - 1) : INT64_MAX;
            if (*end || errno || (w < 8 && (iv < -lim || iv >= lim)))
                return snprintf(why, cap, "a signed integer of %zu octets", w), false;
            uv = (uint64_t)iv;
        }
        for (size_t i = 0; i < w; i++)
            out[i] = (uint8_t)(uv >> (8 * i));
        *n = w;
        return true;
    }
    case 4: {
        double d = strtod(val, &end);
        if (*end || end == val)
            return snprintf(why, cap, "a number"), false;
        uint64_t u;
        if (cur_len == 4) {
            float f = (float)d;
            if ((double)f != d && isfinite(d))
                return snprintf(why, cap, "a number a float32 holds exactly (the attribute is 4 octets)"), false;
            uint32_t u32;
            memcpy(&u32, &f, 4);
            u = u32;
            *n = 4;
        } else {
            memcpy(&u, &d, 8);
            *n = 8;
        }
        for (size_t i = 0; i < *n; i++)
            out[i] = (uint8_t)(u >> (8 * i));
        return true;
    }
    default:
        if (parse_hex(val, out, 255, n) < 0)
            return snprintf(why, cap, "hexadecimal octets (e.g. 0a1b2c)"), false;
        return true;
    }
}

/* The attributes of r: a table, or the "attributes" document. */
static void attrs_print(const dnp3kit_master_result *r, bool json)
{
    if (json)
        printf("{\"schema\":1,\"command\":\"attributes\",\"attributes\":[");
    else
        printf("%-4s %-55s %-6s %s\n", "VAR", "ATTRIBUTE", "TYPE", "VALUE");
    bool first = true;
    for (size_t i = 0; i < r->nobjects; i++) {
        const dnp3kit_master_object *o = &r->objects[i];
        unsigned t;
        const uint8_t *p;
        size_t n;
        if (o->group != 0 || !cli_attr_decoded(r, o, &t, &p, &n))
            continue;
        const char *name = cli_attr_name(o->variation);
        int w = listed_writable(r, o->variation);
        if (!json) {
            printf("%-4u %-55.55s %-6s ", o->variation, name ? name : "(unknown attribute)", cli_attr_type_name(t));
            cli_attr_value_text(stdout, t, p, n);
            printf("%s\n", w == 1 ? "  (writable)" : "");
            continue;
        }
        if (!first)
            putchar(',');
        first = false;
        printf("{\"variation\":%u,\"name\":", o->variation);
        if (name)
            cli_json_string(stdout, name, strlen(name));
        else
            fputs("null", stdout);
        printf(",\"type\":\"%s\",\"type_code\":%u,\"value\":", cli_attr_type_name(t), t);
        cli_attr_value_json(stdout, t, p, n);
        printf(",\"writable\":%s}", w < 0 ? "null" : w ? "true" : "false");
    }
    if (!json)
        return;
    printf("],");
    /* everything else of the answer, undecodable rests included: nothing is dropped unseen */
    fputs("\"other\":{", stdout);
    cli_result_json_body(stdout, r);
    puts("}}");
}

static int show_attrs(const cli_ctx *c, const dnp3kit_master_result *r)
{
    attrs_print(r, c->json);
    if (!c->json) {
        /* objects that are not attributes (or could not be decoded) are shown, not dropped */
        bool other = false;
        for (size_t i = 0; i < r->nobjects; i++)
            other |= r->objects[i].group != 0 || r->objects[i].name == NULL;
        if (other || r->count)
            cli_print_doc(false, "attributes", r, DNP3KIT_OK, NULL);
    }
    fflush(stdout);
    return EXIT_OK;
}

/* An outstation that answers OBJECT_UNKNOWN or NO_FUNC_CODE_SUPPORT to a g0/g34
 * request lacks the feature: say so, not only which IIN bits came back. */
static int unsupported_hint(int rc, dnp3kit_error_detail *d, const char *what)
{
    if (rc == DNP3KIT_ERR_PROTOCOL && d->iin >= 0 &&
        (d->iin & (DNP3KIT_IIN_OBJECT_UNKNOWN | DNP3KIT_IIN_NO_FUNC_CODE_SUPPORT))) {
        size_t n = strlen(d->message);
        if (n < sizeof d->message)
            snprintf(d->message + n, sizeof d->message - n, " - the outstation does not support %s", what);
    }
    return rc;
}

static int attr_write(const cli_ctx *c)
{
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    char why[160];
    const char *eq = strchr(c->write, '=');
    unsigned long var;
    char vs[8];
    if (!eq || eq - c->write >= (long)sizeof vs)
        return cli_usage_error("attributes --write: VAR=VALUE, e.g. 247=RTU-7 (got '%s')", c->write);
    memcpy(vs, c->write, (size_t)(eq - c->write));
    vs[eq - c->write] = 0;
    char *end;
    var = strtoul(vs, &end, 10);
    if (*end || !vs[0] || var == 0 || var > 253)
        return cli_usage_error("attributes --write: VAR is an attribute variation 1-253, not '%s'", vs);
    /* the outstation's list says what is writable; its current value gives the data type */
    int rc = dnp3kit_master_read_attributes(c->m, 255, &r, &d);
    int w = rc == DNP3KIT_OK ? listed_writable(&r, (uint8_t)var) : -1;
    if (w == 0) {
        dnp3kit_master_result_free(&r);
        snprintf(d.message, sizeof d.message, "attribute %lu (%s) is not writable on this outstation; nothing written",
                 var, cli_attr_name((uint8_t)var) ? cli_attr_name((uint8_t)var) : "unknown");
        return cli_report_error(c->json, "attributes", DNP3KIT_ERR_ARG, &d);
    }
    rc = dnp3kit_master_read_attributes(c->m, (uint8_t)var, &r, &d);
    if (rc != DNP3KIT_OK) {
        dnp3kit_master_result_free(&r);
        return cli_report_error(c->json, "attributes", unsupported_hint(rc, &d, "device attributes (g0)"), &d);
    }
    unsigned t = 0;
    const uint8_t *p = NULL;
    size_t n = 0;
    bool found = false;
    for (size_t i = 0; i < r.nobjects && !found; i++)
        if (r.objects[i].group == 0 && r.objects[i].variation == var)
            found = cli_attr_decoded(&r, &r.objects[i], &t, &p, &n);
    if (!found) {
        dnp3kit_master_result_free(&r);
        dnp3kit_error_detail_clear(&d);
        snprintf(d.message, sizeof d.message, "the outstation did not report attribute %lu; nothing written", var);
        return cli_report_error(c->json, "attributes", DNP3KIT_ERR_PROTOCOL, &d);
    }
    uint8_t val[256];
    size_t vl;
    if (!encode_attr(t, n, eq + 1, val, &vl, why, sizeof why)) {
        dnp3kit_master_result_free(&r);
        fprintf(stderr, "dnp3-master: attribute %lu is %s: VALUE must be %s (nothing written)\n", var,
                cli_attr_type_name(t), why);
        return EXIT_USAGE;
    }
    rc = dnp3kit_master_write_attribute(c->m, (uint8_t)var, (uint8_t)t, val, vl, &d);
    if (rc != DNP3KIT_OK) {
        dnp3kit_master_result_free(&r);
        return cli_report_error(c->json, "attributes", unsupported_hint(rc, &d, "writing device attributes (g0)"),
                                &d);
    }
    /* read back: what the outstation now holds */
    rc = dnp3kit_master_read_attributes(c->m, (uint8_t)var, &r, &d);
    if (rc != DNP3KIT_OK) {
        dnp3kit_master_result_free(&r);
        return cli_report_error(c->json, "attributes", rc, &d);
    }
    show_attrs(c, &r);
    dnp3kit_master_result_free(&r);
    return EXIT_OK;
}

int cmd_attributes(const cli_ctx *c)
{
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    if (c->write) {
        if (c->npos != 1)
            return cli_usage_error("attributes --write VAR=VALUE takes no other argument%s", "");
        return attr_write(c);
    }
    unsigned long var = 254;
    if (c->npos > 2)
        return cli_usage_error("attributes: [VARIATION] (%s)", "one at most");
    if (c->npos == 2) {
        char *end;
        var = strtoul(c->pos[1], &end, 10);
        if (*end || !c->pos[1][0] || var == 0 || var > 255)
            return cli_usage_error("attributes: VARIATION 1-255 (254: all), not '%s'", c->pos[1]);
    }
    int rc = dnp3kit_master_read_attributes(c->m, (uint8_t)var, &r, &d);
    if (rc == DNP3KIT_OK)
        show_attrs(c, &r);
    else
        rc = cli_finish_read(c->json, "attributes", &r, unsupported_hint(rc, &d, "device attributes (g0)"), &d);
    dnp3kit_master_result_free(&r);
    return rc;
}

/* ---- dead-bands (g34) ---- */

int cmd_deadband(const cli_ctx *c)
{
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    char why[128];
    if (c->npos >= 2 && !strcmp(c->pos[1], "read")) {
        uint32_t *idx;
        size_t n;
        if (c->npos != 3)
            return cli_usage_error("deadband read: LIST of analog input indices, e.g. 0-3 or 1,5%s", "");
        if (!cli_parse_index_list(c->pos[2], &idx, &n, why, sizeof why))
            return cli_usage_error("deadband read: %s", why);
        uint8_t v = (uint8_t)(c->variation < 0 ? 0 : c->variation);
        int rc;
        if (!strchr(c->pos[2], ','))
            rc = dnp3kit_master_read_group(c->m, 34, v, idx[0], idx[n - 1], &r, &d);
        else
            rc = dnp3kit_master_read_group_indices(c->m, 34, v, idx, n, &r, &d);
        free(idx);
        rc = cli_finish_read(c->json, "deadband", &r, unsupported_hint(rc, &d, "analog dead-bands (g34)"), &d);
        dnp3kit_master_result_free(&r);
        return rc;
    }
    if (c->npos >= 2 && !strcmp(c->pos[1], "write")) {
        unsigned long i;
        char *end;
        if (c->npos != 4)
            return cli_usage_error("deadband write: INDEX VALUE [--variation 1|2|3]%s", "");
        errno = 0;
        i = strtoul(c->pos[2], &end, 10);
        if (*end || errno || !c->pos[2][0] || i > 65535)
            return cli_usage_error("deadband write: INDEX 0-65535, not '%s'", c->pos[2]);
        double v = strtod(c->pos[3], &end);
        if (*end || end == c->pos[3])
            return cli_usage_error("deadband write: VALUE must be a number, not '%s'", c->pos[3]);
        int var = c->variation > 0 ? c->variation : (v == floor(v) && v >= 0 && v <= 4294967295.0 ? 2 : 3);
        int rc = dnp3kit_master_write_deadband(c->m, (uint16_t)i, (uint8_t)var, v, &d);
        if (rc != DNP3KIT_OK)
            return cli_report_error(c->json, "deadband", unsupported_hint(rc, &d, "analog dead-bands (g34)"), &d);
        char ej[96], et[96], num[40];
        master_number(v, var == 3, num, sizeof num);
        snprintf(ej, sizeof ej, "\"index\":%lu,\"variation\":%d,\"value\":%s", i, var, num);
        snprintf(et, sizeof et, "(ai %lu dead-band = %s, g34v%d)", i, num, var);
        cli_report_ok(c->json, "deadband", ej, et);
        return EXIT_OK;
    }
    return cli_usage_error("deadband: read LIST | write INDEX VALUE%s", "");
}
