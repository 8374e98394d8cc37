/*
 * dnp3-master output helpers shared by the commands: numbers in their
 * shortest exact form, the "other objects" of a result (table and JSON), and
 * device attribute values decoded by their data type.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dnp3kit/catalog.h"
#include "dnp3kit/render.h"
#include "dnp3kit/values.h"

void cli_json_string(FILE *f, const char *s, size_t n)
{
    dnp3kit_out o = {cli_out_file, f};
    dnp3kit_json_string(&o, s, n);
}

void cli_out_file(void *user, const char *s, size_t n)
{
    fwrite(s, 1, n, (FILE *)user);
}

static bool printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7E)
            return false;
    return true;
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

/* ---- device attributes (g0): names and values from the core (values.h) ---- */

const char *cli_attr_type_name(unsigned t)
{
    const char *n = t <= 0xFF ? dnp3kit_enum_name(dnp3kit_field_enum("data_type"), t) : NULL;
    return n ? n : "UNKNOWN";
}

/* Short name of an attribute variation: the catalogue's without the group prefix. */
const char *cli_attr_name(uint8_t variation)
{
    const dnp3kit_object_info *info = dnp3kit_catalog_find(0, variation);
    const char *n = info ? info->name : NULL;
    const char *pre = "Device Attributes - ";
    if (n && strncmp(n, pre, strlen(pre)) == 0)
        n += strlen(pre);
    return n;
}

/* Write the decoded value of an attribute (JSON value or text). False when the
 * length does not suit the type or the type is unknown: the caller names the
 * object and shows octets. */
static bool attr_value(FILE *f, bool json, unsigned type, const uint8_t *p, size_t n)
{
    char b[48];
    dnp3kit_attr_value v;
    dnp3kit_attr_value_decode((uint8_t)type, p, n, &v);
    switch (v.kind) {
    case DNP3KIT_AV_TEXT:
        if (json)
            cli_json_string(f, (const char *)p, n);
        else
            fprintf(f, "\"%.*s\"", (int)n, (const char *)p);
        return true;
    case DNP3KIT_AV_UINT: fprintf(f, "%" PRIu64, v.u); return true;
    case DNP3KIT_AV_INT: fprintf(f, "%" PRId64, v.i); return true;
    case DNP3KIT_AV_FLOAT:
        master_number(v.f, v.f32, b, sizeof b);
        if (json && (!strcmp(b, "nan") || strstr(b, "inf")))
            fputs("null", f);
        else
            fputs(b, f);
        return true;
    case DNP3KIT_AV_TIME:
        dnp3kit_format_time_ms(v.u, b, sizeof b);
        if (json)
            cli_json_string(f, b, strlen(b));
        else
            fputs(b, f);
        return true;
    case DNP3KIT_AV_LIST:
        /* (variation, properties) pairs; bit 0 of the properties: writable */
        fputc('[', f);
        for (size_t i = 0; i + 1 < n; i += 2) {
            if (i)
                fputs(json ? "," : ", ", f);
            if (json)
                fprintf(f, "{\"variation\":%u,\"writable\":%s}", p[i], p[i + 1] & 1 ? "true" : "false");
            else
                fprintf(f, "%u%s", p[i], p[i + 1] & 1 ? " (writable)" : "");
        }
        fputc(']', f);
        return true;
    case DNP3KIT_AV_OCTETS:
        if (json)
            fputc('"', f);
        hex(f, p, n);
        if (json)
            fputc('"', f);
        return true;
    default: return false;
    }
}

void cli_attr_value_text(FILE *f, unsigned type, const uint8_t *p, size_t n)
{
    if (!attr_value(f, false, type, p, n))
        hex(f, p, n);
}

void cli_attr_value_json(FILE *f, unsigned type, const uint8_t *p, size_t n)
{
    if (!attr_value(f, true, type, p, n)) {
        fputc('"', f);
        hex(f, p, n);
        fputc('"', f);
    }
}

bool cli_attr_decoded(const dnp3kit_master_result *r, const dnp3kit_master_object *o, unsigned *type,
                      const uint8_t **p, size_t *n)
{
    const dnp3kit_master_field *ft = dnp3kit_master_object_field(o, "data_type");
    const dnp3kit_master_field *fv = dnp3kit_master_object_field(o, "value");
    if (o->group != 0 || !ft || !fv)
        return false;
    *type = (unsigned)ft->v.u;
    *p = dnp3kit_master_field_octets(r, fv);
    *n = fv->octets_len;
    return true;
}

/* ---- other objects ---- */

static void field_value(FILE *f, bool json, const dnp3kit_master_result *r, const dnp3kit_master_field *fd)
{
    char b[48];
    switch (fd->type) {
    case DNP3KIT_FT_I16:
    case DNP3KIT_FT_I32: fprintf(f, "%" PRId64, fd->v.i); break;
    case DNP3KIT_FT_F32:
    case DNP3KIT_FT_F64:
        master_number(fd->v.f, fd->type == DNP3KIT_FT_F32, b, sizeof b);
        fputs(json && !isfinite(fd->v.f) ? "null" : b, f);
        break;
    case DNP3KIT_FT_TIME48:
        dnp3kit_format_time_ms(fd->v.u, b, sizeof b);
        if (json)
            cli_json_string(f, b, strlen(b));
        else
            fputs(b, f);
        break;
    case DNP3KIT_FT_OCTETS: {
        const uint8_t *p = dnp3kit_master_field_octets(r, fd);
        if (json)
            fputc('"', f);
        hex(f, p, fd->octets_len);
        if (json)
            fputc('"', f);
        else if (fd->octets_len && printable(p, fd->octets_len))
            fprintf(f, " \"%.*s\"", (int)fd->octets_len, (const char *)p);
        break;
    }
    default: fprintf(f, "%" PRIu64, fd->v.u); break;
    }
}

static void object_label(const dnp3kit_master_object *o, char *b, size_t cap)
{
    snprintf(b, cap, "g%uv%u", o->group, o->variation);
}

void cli_objects_table(FILE *f, const dnp3kit_master_result *r)
{
    if (r->nobjects == 0)
        return;
    fprintf(f, "%-9s %7s  %-44s %s\n", "OBJECT", "INDEX", "NAME", "VALUE");
    for (size_t i = 0; i < r->nobjects; i++) {
        const dnp3kit_master_object *o = &r->objects[i];
        char lab[16], idx[16];
        object_label(o, lab, sizeof lab);
        if (o->has_index)
            snprintf(idx, sizeof idx, "%" PRIu32, o->index);
        else
            snprintf(idx, sizeof idx, "-");
        fprintf(f, "%-9s %7s  %-44.44s ", lab, idx, o->name ? o->name : "(not decodable: kept as octets)");
        unsigned at;
        const uint8_t *p;
        size_t n;
        if (cli_attr_decoded(r, o, &at, &p, &n)) {
            fprintf(f, "%s = ", cli_attr_type_name(at));
            if (!attr_value(f, false, at, p, n))
                hex(f, p, n);
            fputc('\n', f);
            continue;
        }
        for (unsigned k = 0; k < o->nfields; k++) {
            fprintf(f, "%s%s=", k ? " " : "", o->fields[k].name ? o->fields[k].name : "?");
            field_value(f, false, r, &o->fields[k]);
        }
        fputc('\n', f);
    }
}

void cli_object_json(FILE *f, const dnp3kit_master_result *r, const dnp3kit_master_object *o)
{
    fprintf(f, "{\"group\":%u,\"variation\":%u,\"qualifier\":%u,\"name\":", o->group, o->variation, o->qualifier);
    if (o->name)
        cli_json_string(f, o->name, strlen(o->name));
    else
        fputs("null", f);
    fputs(",\"index\":", f);
    if (o->has_index)
        fprintf(f, "%" PRIu32, o->index);
    else
        fputs("null", f);
    fprintf(f, ",\"event\":%s,\"fields\":{", o->event ? "true" : "false");
    for (unsigned k = 0; k < o->nfields; k++) {
        if (k)
            fputc(',', f);
        const char *n = o->fields[k].name ? o->fields[k].name : "?";
        cli_json_string(f, n, strlen(n));
        fputc(':', f);
        field_value(f, true, r, &o->fields[k]);
    }
    fputc('}', f);
    unsigned at;
    const uint8_t *p;
    size_t n;
    if (cli_attr_decoded(r, o, &at, &p, &n)) {
        const char *an = cli_attr_name(o->variation);
        fputs(",\"attribute\":{\"name\":", f);
        if (an)
            cli_json_string(f, an, strlen(an));
        else
            fputs("null", f);
        fprintf(f, ",\"type\":\"%s\",\"value\":", cli_attr_type_name(at));
        if (!attr_value(f, true, at, p, n)) {
            fputc('"', f);
            hex(f, p, n);
            fputc('"', f);
        }
        fputc('}', f);
    } else if (o->nfields == 1 && o->fields[0].type == DNP3KIT_FT_OCTETS && o->group >= 110 && o->group <= 114) {
        const uint8_t *s = dnp3kit_master_field_octets(r, &o->fields[0]);
        if (printable(s, o->fields[0].octets_len)) {
            fputs(",\"text\":", f);
            cli_json_string(f, (const char *)s, o->fields[0].octets_len);
        }
    }
    fputc('}', f);
}

void cli_objects_json(FILE *f, const dnp3kit_master_result *r)
{
    fputs("\"objects\":[", f);
    for (size_t i = 0; i < r->nobjects; i++) {
        if (i)
            fputc(',', f);
        cli_object_json(f, r, &r->objects[i]);
    }
    fputc(']', f);
}
