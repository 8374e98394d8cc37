/*
 * Results of the master's tasks: the modelled points and every other object of a
 * response, typed by the catalogue (objects.def). Nothing of a response is
 * dropped without being counted (dropped: over max_points) or named (an
 * undecodable rest becomes an object with name NULL holding its octets).
 */
#include <stdlib.h>
#include <string.h>

#include "dnp3kit/app.h"
#include "dnp3kit/catalog.h"
#include "dnp3kit/master.h"
#include "master_private.h"

static const struct { const char *name; uint8_t stat, ev1; } ptypes[DNP3KIT_POINT_TYPE_COUNT_] = {
    [DNP3KIT_POINT_BI] = {"bi", 1, 2},
    [DNP3KIT_POINT_DBI] = {"dbi", 3, 4},
    [DNP3KIT_POINT_BO] = {"bo", 10, 11},
    [DNP3KIT_POINT_COUNTER] = {"counter", 20, 22},
    [DNP3KIT_POINT_FROZEN_COUNTER] = {"frozen-counter", 21, 23},
    [DNP3KIT_POINT_AI] = {"ai", 30, 32},
    [DNP3KIT_POINT_AO] = {"ao", 40, 42},
};

const char *dnp3kit_master_point_type_name(dnp3kit_point_type t)
{
    return (unsigned)t < DNP3KIT_POINT_TYPE_COUNT_ ? ptypes[t].name : "?";
}

int dnp3kit_master_point_type_parse(const char *s)
{
    for (int i = 0; i < DNP3KIT_POINT_TYPE_COUNT_; i++)
        if (s && strcmp(s, ptypes[i].name) == 0)
            return i;
    return -1;
}

uint8_t dnp3kit_master_point_type_group(dnp3kit_point_type t)
{
    return (unsigned)t < DNP3KIT_POINT_TYPE_COUNT_ ? ptypes[t].stat : 0;
}

/* Point type and static/event for a group; -1 when the group holds no point values. */
static int group_type(uint8_t group, bool *event)
{
    for (int i = 0; i < DNP3KIT_POINT_TYPE_COUNT_; i++) {
        if (group == ptypes[i].stat) {
            *event = false;
            return i;
        }
        if (group == ptypes[i].ev1) {
            *event = true;
            return i;
        }
    }
    return -1;
}

void dnp3kit_master_result_free(dnp3kit_master_result *r)
{
    if (!r)
        return;
    free(r->points);
    free(r->objects);
    free(r->octets);
    memset(r, 0, sizeof *r);
    r->control_status = -1;
}

void dnp3kit_master_result_reset(dnp3kit_master_result *r)
{
    dnp3kit_master_result keep = *r;
    memset(r, 0, sizeof *r);
    r->points = keep.points;
    r->cap = keep.cap;
    r->objects = keep.objects;
    r->objects_cap = keep.objects_cap;
    r->octets = keep.octets;
    r->octets_cap = keep.octets_cap;
    r->control_status = -1;
}

void dnp3kit_master_result_take(dnp3kit_master_result *dst, dnp3kit_master_result *src)
{
    if (dst == src)
        return;
    dnp3kit_master_result_free(dst);
    *dst = *src;
    memset(src, 0, sizeof *src);
    src->control_status = -1;
}

const uint8_t *dnp3kit_master_field_octets(const dnp3kit_master_result *r, const dnp3kit_master_field *f)
{
    if (!r || !f || f->type != DNP3KIT_FT_OCTETS || !r->octets || (size_t)f->octets_off + f->octets_len > r->octets_len)
        return (const uint8_t *)"";
    return r->octets + f->octets_off;
}

const dnp3kit_master_field *dnp3kit_master_object_field(const dnp3kit_master_object *o, const char *name)
{
    for (unsigned k = 0; o && name && k < o->nfields; k++)
        if (o->fields[k].name && strcmp(o->fields[k].name, name) == 0)
            return &o->fields[k];
    return NULL;
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap : first;
    while (ncap < need)
        ncap *= 2;
    void *np = realloc(*p, ncap * elem);
    if (!np)
        return false;
    *p = np;
    *cap = ncap;
    return true;
}

static void result_push(dnp3kit_master_result *r, const dnp3kit_master_point *p, size_t max)
{
    if (r->count + r->nobjects >= max || !grow((void **)&r->points, &r->cap, r->count + 1, sizeof *p, 64)) {
        r->dropped++;
        return;
    }
    r->points[r->count++] = *p;
}

/* A new object slot (NULL: counted in dropped). */
static dnp3kit_master_object *object_new(dnp3kit_master_result *r, const dnp3kit_object_header *oh, size_t max)
{
    if (r->count + r->nobjects >= max ||
        !grow((void **)&r->objects, &r->objects_cap, r->nobjects + 1, sizeof *r->objects, 16)) {
        r->dropped++;
        return NULL;
    }
    dnp3kit_master_object *o = &r->objects[r->nobjects++];
    memset(o, 0, sizeof *o);
    o->group = oh->group;
    o->variation = oh->variation;
    o->qualifier = oh->qualifier;
    o->event = oh->info && oh->info->kind == DNP3KIT_KIND_EVENT;
    o->name = oh->info ? oh->info->name : NULL;
    return o;
}

/* Copy octets into the result; false (field left empty, object counted dropped) when memory is short. */
static bool keep_octets(dnp3kit_master_result *r, dnp3kit_master_field *f, const uint8_t *p, size_t n)
{
    if (n > UINT32_MAX || !grow((void **)&r->octets, &r->octets_cap, r->octets_len + n + 1, 1, 256))
        return false;
    f->octets_off = (uint32_t)r->octets_len;
    f->octets_len = (uint32_t)n;
    if (n)
        memcpy(r->octets + r->octets_len, p, n);
    r->octets_len += n;
    return true;
}

static void object_from_point(dnp3kit_master_result *r, const dnp3kit_object_header *oh, const dnp3kit_point *pt,
                              size_t max)
{
    dnp3kit_master_object *o = object_new(r, oh, max);
    if (!o)
        return;
    o->has_index = pt->has_index;
    o->index = (uint32_t)pt->index;
    for (unsigned k = 0; k < pt->nfields && k < DNP3KIT_MAX_FIELDS; k++) {
        const dnp3kit_field_value *fv = &pt->fields[k];
        dnp3kit_master_field *f = &o->fields[o->nfields];
        f->name = fv->name;
        f->type = fv->type;
        if (fv->type == DNP3KIT_FT_OCTETS) {
            if (!keep_octets(r, f, fv->octets, fv->octets_len)) {
                r->nobjects--;
                r->dropped++;
                return;
            }
        } else {
            f->v.u = fv->v.u; /* the union is copied whole */
        }
        o->nfields++;
    }
}

/* The rest of a fragment from offset at, which could not be sized or decoded, named as octets. */
static void undecodable(dnp3kit_master_result *r, const uint8_t *frag, size_t len, size_t at, size_t max)
{
    if (at >= len)
        return;
    dnp3kit_object_header oh = {0};
    oh.group = frag[at];
    oh.variation = at + 1 < len ? frag[at + 1] : 0;
    oh.qualifier = at + 2 < len ? frag[at + 2] : 0;
    r->undecoded++;
    dnp3kit_master_object *o = object_new(r, &oh, max);
    if (!o)
        return;
    o->name = NULL;
    dnp3kit_master_field *f = &o->fields[0];
    f->name = "octets";
    f->type = DNP3KIT_FT_OCTETS;
    if (!keep_octets(r, f, frag + at, len - at)) {
        r->nobjects--;
        r->dropped++;
        return;
    }
    o->nfields = 1;
}

/*
 * Take the points, objects, time delay and IIN of a response fragment (valid, or
 * the valid prefix of a malformed one: the rest is kept as an undecodable object).
 * CTO (g51) applies to the relative times that follow it in the same fragment
 * (g2v3/g4v3). keep = false: only the time delay is taken (steps of a sequence
 * whose answers are not the task's result).
 */
void master_decode_response(dnp3kit_master_result *r, const uint8_t *frag, size_t len,
                            const dnp3kit_app_header *h, size_t max, bool keep)
{
    dnp3kit_object_iter it;
    dnp3kit_object_header oh;
    bool have_cto = false;
    uint64_t cto = 0;
    int rc;
    dnp3kit_object_iter_init(&it, frag, len, h);
    while ((rc = dnp3kit_object_iter_next(&it, &oh, NULL)) == 1) {
        if (!oh.has_data)
            continue;
        dnp3kit_point_iter pi;
        dnp3kit_point pt;
        bool event = false;
        int type = group_type(oh.group, &event);
        int pr;
        /* a size-prefixed object shorter than its fixed fields (app_object_too_short,
         * e.g. a short g120): its values cannot be read, so its header is kept as octets */
        uint32_t fixed = dnp3kit_object_fixed_part(dnp3kit_catalog_find(oh.group, oh.variation));
        dnp3kit_point_iter_init(&pi, frag, len, &oh);
        while ((pr = dnp3kit_point_iter_next(&pi, &pt)) == 1) {
            if (fixed && pt.size < (size_t)oh.prefix_size + fixed) {
                pr = DNP3KIT_ERR_INVALID;
                break;
            }
            if (oh.group == 51 && pt.has_time) {
                have_cto = true;
                cto = pt.time_ms;
            }
            if (oh.group == 52 && pt.value_kind == DNP3KIT_VAL_UINT) {
                r->has_delay = true;
                r->delay_ms = (uint32_t)(oh.variation == 1 ? pt.u * 1000u : pt.u);
            }
            if (!keep)
                continue;
            if (type < 0) {
                object_from_point(r, &oh, &pt, max);
                continue;
            }
            dnp3kit_master_point mp = {0};
            mp.type = (uint8_t)type;
            mp.event = event;
            mp.group = oh.group;
            mp.variation = oh.variation;
            mp.index = (uint32_t)pt.index;
            mp.has_flags = pt.has_flags;
            mp.flags = pt.flags;
            switch (pt.value_kind) {
            case DNP3KIT_VAL_BOOL: mp.value = pt.b ? 1 : 0; break;
            case DNP3KIT_VAL_DBIT: mp.value = pt.dbit; break;
            case DNP3KIT_VAL_INT: mp.value = (double)pt.i; break;
            case DNP3KIT_VAL_UINT: mp.value = (double)pt.u; break;
            case DNP3KIT_VAL_FLOAT: mp.value = pt.f; break;
            default: mp.value = 0; break;
            }
            if (pt.has_time && !pt.time_relative) {
                mp.has_time = true;
                mp.time_ms = pt.time_ms;
            } else if (pt.has_time && have_cto) {
                mp.has_time = true;
                mp.time_ms = cto + pt.time_ms;
            }
            result_push(r, &mp, max);
        }
        if (pr < 0 && keep) {
            /* a header the iterator sized but whose objects cannot be decoded: keep its octets */
            undecodable(r, frag, oh.data_offset + oh.data_len, oh.offset, max);
        }
    }
    if (rc < 0 && keep)
        undecodable(r, frag, len, it.pos, max);
}
