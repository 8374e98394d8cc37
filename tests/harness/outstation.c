/*
 * Outstation simulator logic, sans-I/O (see outstation.h). Built on the
 * codec core: the link parser/builder, the transport reassembler/segmenter,
 * dnp3kit_app_validate + the object and point iterators for requests, and
 * the catalogue's point encoder + app writer for responses.
 *
 * Clause references are to IEEE 1815-2012.
 */
#include "outstation.h"
#include "extra.h"
#include "files.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_MAX (1u << 20) /* output octets held at most (memory bound) */

/* Per type: static group, default static variation, event group, default
 * event variation, default event class, name. */
static const struct {
    uint8_t sg, sv, eg, ev, cls;
    const char *name;
} TYPES[DNP3KIT_OS_NTYPES] = {
    [DNP3KIT_OS_BI] = {1, 2, 2, 2, 1, "bi"},
    [DNP3KIT_OS_DBI] = {3, 2, 4, 2, 1, "dbi"},
    [DNP3KIT_OS_BO] = {10, 2, 11, 2, 0, "bo"},
    [DNP3KIT_OS_CNT] = {20, 1, 22, 1, 3, "counter"},
    [DNP3KIT_OS_FCNT] = {21, 1, 23, 1, 3, "frozen-counter"},
    [DNP3KIT_OS_AI] = {30, 1, 32, 3, 2, "ai"},
    [DNP3KIT_OS_AO] = {40, 1, 42, 3, 2, "ao"},
};

const char *dnp3kit_os_type_name(dnp3kit_os_type t)
{
    return (unsigned)t < DNP3KIT_OS_NTYPES ? TYPES[t].name : "?";
}

int dnp3kit_os_type_by_name(const char *name)
{
    for (int t = 0; t < DNP3KIT_OS_NTYPES; t++)
        if (!strcmp(name, TYPES[t].name))
            return t;
    if (!strcmp(name, "cnt"))
        return DNP3KIT_OS_CNT;
    if (!strcmp(name, "fcnt") || !strcmp(name, "frozen"))
        return DNP3KIT_OS_FCNT;
    return -1;
}

static int type_of_static_group(uint8_t g)
{
    for (int t = 0; t < DNP3KIT_OS_NTYPES; t++)
        if (TYPES[t].sg == g)
            return t;
    return -1;
}

static int type_of_event_group(uint8_t g)
{
    for (int t = 0; t < DNP3KIT_OS_NTYPES; t++)
        if (TYPES[t].eg == g)
            return t;
    return -1;
}

/* ---- config ---- */

void dnp3kit_os_config_default(dnp3kit_os_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->address = 10;
    cfg->master = 1;
    for (int t = 0; t < DNP3KIT_OS_NTYPES; t++) {
        cfg->count[t] = 10;
        cfg->event_class[t] = TYPES[t].cls;
        cfg->event_variation[t] = TYPES[t].ev;
        cfg->static_variation[t] = TYPES[t].sv;
    }
    cfg->count[DNP3KIT_OS_BO] = 4;
    cfg->count[DNP3KIT_OS_AO] = 4;
    cfg->event_buffer = 100;
    cfg->select_timeout_ms = 5000;
    cfg->confirm_timeout_ms = 2000;
    cfg->unsol_retries = 3;
    cfg->unsol_retry_delay_ms = 5000;
    cfg->max_fragment = 2048;
    cfg->max_controls = 16;
    cfg->restart_delay_ms = 1000;
    cfg->need_time = true;
    cfg->seed = 1;
}

int dnp3kit_os_fault_parse(const char *s, dnp3kit_os_fault *f)
{
    static const struct {
        const char *name;
        uint8_t kind;
        uint32_t def;
    } K[] = {
        {"silent", DNP3KIT_FAULT_SILENT, 0},        {"delay", DNP3KIT_FAULT_DELAY, 1000},
        {"bad-crc", DNP3KIT_FAULT_BAD_CRC, 0},      {"wrong-seq", DNP3KIT_FAULT_WRONG_SEQ, 0},
        {"close-mid-fragment", DNP3KIT_FAULT_CLOSE_MID, 0}, {"garbage", DNP3KIT_FAULT_GARBAGE, 7},
        {"unsolicited-flood", DNP3KIT_FAULT_UNSOL_FLOOD, 1},
        {"keep-iin", DNP3KIT_FAULT_KEEP_IIN, DNP3KIT_IIN_DEVICE_RESTART | DNP3KIT_IIN_NEED_TIME},
        {"wrong-fcv", DNP3KIT_FAULT_WRONG_FCV, 0},  {"wrong-address", DNP3KIT_FAULT_WRONG_ADDRESS, 0},
        {"endless-octets", DNP3KIT_FAULT_ENDLESS_OCTETS, 0}, {"slow-octets", DNP3KIT_FAULT_SLOW_OCTETS, 1000},
        {"drop-link-ack", DNP3KIT_FAULT_DROP_LINK_ACK, 1},
    };
    memset(f, 0, sizeof *f);
    char buf[128];
    if (!s || strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    char *opts = strchr(buf, ',');
    if (opts)
        *opts++ = 0;
    char *arg = strchr(buf, ':');
    if (arg)
        *arg++ = 0;
    size_t k = 0;
    for (; k < sizeof K / sizeof K[0]; k++)
        if (!strcmp(buf, K[k].name))
            break;
    if (k == sizeof K / sizeof K[0])
        return -1;
    f->kind = K[k].kind;
    f->arg = K[k].def;
    if (arg && f->kind == DNP3KIT_FAULT_KEEP_IIN && !(*arg >= '0' && *arg <= '9')) {
        /* names joined by '+': restart, need-time, overflow */
        static const struct { const char *n; uint16_t bit; } B[] = {
            {"restart", DNP3KIT_IIN_DEVICE_RESTART}, {"need-time", DNP3KIT_IIN_NEED_TIME},
            {"overflow", DNP3KIT_IIN_EVENT_BUFFER_OVERFLOW}};
        f->arg = 0;
        for (char *tok = strtok(arg, "+"); tok; tok = strtok(NULL, "+")) {
            size_t b = 0;
            while (b < sizeof B / sizeof B[0] && strcmp(tok, B[b].n) != 0)
                b++;
            if (b == sizeof B / sizeof B[0])
                return -1;
            f->arg |= B[b].bit;
        }
        arg = NULL;
    }
    if (arg) {
        char *end;
        unsigned long v = strtoul(arg, &end, 0);
        if (!*arg || *end || v > 3600000)
            return -1;
        f->arg = (uint32_t)v;
    }
    while (opts && *opts) {
        char *next = strchr(opts, ',');
        if (next)
            *next++ = 0;
        char *end;
        if (!strncmp(opts, "every=", 6)) {
            unsigned long v = strtoul(opts + 6, &end, 10);
            if (!opts[6] || *end || v == 0 || v > 1000000)
                return -1;
            f->every = (uint32_t)v;
        } else if (!strncmp(opts, "p=", 2)) {
            double p = strtod(opts + 2, &end);
            if (!opts[2] || *end || !(p > 0 && p <= 1))
                return -1;
            f->probability = p;
        } else {
            return -1;
        }
        opts = next;
    }
    return 0;
}

/* ---- helpers ---- */

static uint64_t rnd(dnp3kit_outstation *os)
{
    /* xorshift64*: deterministic per seed, good enough for a simulator */
    uint64_t x = os->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    os->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t os_time(const dnp3kit_outstation *os, uint64_t now)
{
    int64_t t = (int64_t)now + os->clock_offset;
    return t < 0 ? 0 : (uint64_t)t & 0xFFFFFFFFFFFFULL;
}

static void out_append(dnp3kit_outstation *os, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    if (os->out_len + n > OUT_MAX) {
        os->out_dropped += n;
        return;
    }
    if (os->out_len + n > os->out_cap) {
        size_t cap = os->out_cap ? os->out_cap : 4096;
        while (cap < os->out_len + n)
            cap *= 2;
        uint8_t *q = realloc(os->out, cap);
        if (!q) {
            os->out_dropped += n;
            return;
        }
        os->out = q;
        os->out_cap = cap;
    }
    memcpy(os->out + os->out_len, p, n);
    os->out_len += n;
}

size_t dnp3kit_outstation_output(const dnp3kit_outstation *os, uint64_t now, const uint8_t **p)
{
    if (now < os->hold_until) {
        *p = NULL;
        return 0;
    }
    *p = os->out;
    return os->out_len;
}

void dnp3kit_outstation_consume(dnp3kit_outstation *os, size_t n)
{
    if (n >= os->out_len) {
        os->out_len = 0;
        return;
    }
    memmove(os->out, os->out + n, os->out_len - n);
    os->out_len -= n;
}

/* A secondary link frame (ACK, NACK, LINK_STATUS, NOT_SUPPORTED): DIR=0, PRM=0 (clause 9.2.4.1). */
static void link_reply(dnp3kit_outstation *os, uint16_t dst, uint8_t func)
{
    for (unsigned k = 0; k < os->cfg.nfaults; k++) /* an always-silent outstation says nothing at all */
        if (os->cfg.faults[k].kind == DNP3KIT_FAULT_SILENT && os->cfg.faults[k].every <= 1 &&
            os->cfg.faults[k].probability == 0)
            return;
    uint8_t fr[16];
    int n = dnp3kit_link_build(dnp3kit_link_ctrl(false, false, false, false, func), dst, os->cfg.address, NULL, 0,
                               fr, sizeof fr);
    if (n > 0)
        out_append(os, fr, (size_t)n);
}

typedef struct frame_buf {
    dnp3kit_outstation *os;
    bool wrong_fcv, wrong_address; /* hostile faults of this response */
    uint8_t buf[DNP3KIT_OS_MAX_REQUEST * 2];
    size_t len;
    size_t starts[32];
    unsigned nframes;
} frame_buf;

static int add_frame(void *user, const uint8_t *seg, size_t len)
{
    frame_buf *fb = user;
    /* outstation user data: DIR=0, PRM=1, unconfirmed (clause 9.2.4.1.3) */
    uint8_t ctrl = dnp3kit_link_ctrl(false, true, false, fb->wrong_fcv, DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA);
    if (fb->nframes >= 32)
        return DNP3KIT_ERR_BUFFER;
    uint16_t src = (uint16_t)(fb->os->cfg.address + (fb->wrong_address ? 1 : 0));
    int n = dnp3kit_link_build(ctrl, fb->os->cfg.master, src, seg, len, fb->buf + fb->len, sizeof fb->buf - fb->len);
    if (n < 0)
        return n;
    fb->starts[fb->nframes++] = fb->len;
    fb->len += (size_t)n;
    return 0;
}

static bool fault_applies(dnp3kit_outstation *os, const dnp3kit_os_fault *f)
{
    if (f->probability > 0)
        return (double)(rnd(os) >> 11) / 9007199254740992.0 < f->probability;
    if (f->every > 1)
        return os->responses % f->every == 0;
    return true;
}

/* Put one application fragment on the wire: faults, transport, link. */
static void emit(dnp3kit_outstation *os, const uint8_t *frag, size_t len, uint64_t now, bool faults)
{
    uint8_t copy[DNP3KIT_OS_MAX_REQUEST];
    if (len > sizeof copy)
        return;
    memcpy(copy, frag, len);
    uint8_t active[DNP3KIT_OS_MAX_FAULTS] = {0};
    uint32_t args[DNP3KIT_OS_MAX_FAULTS] = {0};
    unsigned na = 0;
    if (faults) {
        os->responses++;
        for (unsigned k = 0; k < os->cfg.nfaults; k++) {
            const dnp3kit_os_fault *f = &os->cfg.faults[k];
            if (f->kind == DNP3KIT_FAULT_UNSOL_FLOOD || !fault_applies(os, f))
                continue;
            active[na] = f->kind;
            args[na++] = f->arg;
        }
    }
    for (unsigned k = 0; k < na; k++) {
        if (active[k] == DNP3KIT_FAULT_SILENT)
            return;
        if (active[k] == DNP3KIT_FAULT_WRONG_SEQ)
            copy[0] = (uint8_t)((copy[0] & 0xF0) | ((copy[0] + 1) & 0x0F));
    }
    if (os->log)
        os->log(os->log_user, false, copy, len);
    frame_buf fb;
    fb.os = os;
    fb.len = 0;
    fb.nframes = 0;
    fb.wrong_fcv = fb.wrong_address = false;
    for (unsigned k = 0; k < na; k++) {
        fb.wrong_fcv |= active[k] == DNP3KIT_FAULT_WRONG_FCV;
        fb.wrong_address |= active[k] == DNP3KIT_FAULT_WRONG_ADDRESS;
    }
    if (dnp3kit_transport_segment(copy, len, DNP3KIT_TRANSPORT_MAX_PAYLOAD, &os->tseq, add_frame, &fb) != 0)
        return;
    size_t limit = fb.len;
    for (unsigned k = 0; k < na; k++) {
        switch (active[k]) {
        case DNP3KIT_FAULT_BAD_CRC: {
            /* the last octet of the first frame is the CRC of its last block */
            size_t end = fb.nframes > 1 ? fb.starts[1] : fb.len;
            fb.buf[end - 1] ^= 0x5A;
            break;
        }
        case DNP3KIT_FAULT_CLOSE_MID:
            limit = fb.len / 2;
            os->want_close = true;
            break;
        case DNP3KIT_FAULT_DELAY:
            if (now + args[k] > os->hold_until)
                os->hold_until = now + args[k];
            break;
        default:
            break;
        }
    }
    bool garbage = false;
    uint32_t gn = 0;
    for (unsigned k = 0; k < na; k++)
        if (active[k] == DNP3KIT_FAULT_GARBAGE) {
            garbage = true;
            gn = args[k] > 512 ? 512 : args[k];
        }
    if (!garbage) {
        out_append(os, fb.buf, limit);
        return;
    }
    for (unsigned i = 0; i < fb.nframes; i++) {
        uint8_t g[512];
        for (uint32_t j = 0; j < gn; j++) {
            uint8_t b = (uint8_t)rnd(os);
            g[j] = b == 0x05 ? 0xAA : b; /* never a start octet: the garbage is only garbage */
        }
        out_append(os, g, gn);
        size_t end = i + 1 < fb.nframes ? fb.starts[i + 1] : fb.len;
        out_append(os, fb.buf + fb.starts[i], end - fb.starts[i]);
    }
}

/* ---- events ---- */

static uint16_t class_bits(const dnp3kit_outstation *os)
{
    uint16_t iin = 0;
    for (uint32_t i = 0; i < os->ev_count; i++)
        if (os->events[i].state == 0)
            iin |= (uint16_t)(DNP3KIT_IIN_CLASS_1_EVENTS << (os->events[i].cls - 1));
    return iin;
}

uint32_t dnp3kit_outstation_events(const dnp3kit_outstation *os, unsigned cls)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < os->ev_count; i++)
        if (os->events[i].cls == cls && os->events[i].state == 0)
            n++;
    return n;
}

static void add_event(dnp3kit_outstation *os, uint8_t type, uint32_t index, uint64_t now)
{
    uint8_t cls = os->cfg.event_class[type];
    if (cls < 1 || cls > 3 || os->cfg.event_buffer == 0)
        return;
    if (os->ev_count == os->cfg.event_buffer) {
        /* Buffer full: the oldest event is lost and the master told so (IIN2.3). */
        memmove(os->events, os->events + 1, (os->ev_count - 1) * sizeof *os->events);
        os->ev_count--;
        os->iin |= DNP3KIT_IIN_EVENT_BUFFER_OVERFLOW;
    }
    dnp3kit_os_event *e = &os->events[os->ev_count++];
    const dnp3kit_os_point *p = &os->points[type][index];
    e->type = type;
    e->cls = cls;
    e->state = 0;
    e->flags = p->flags;
    e->index = index;
    e->value = p->value;
    e->time = os_time(os, now);
}

/* Remove events in state st (confirmed) or put them back to buffered (revert). */
static void events_settle(dnp3kit_outstation *os, uint8_t st, bool remove)
{
    uint32_t w = 0;
    bool removed = false;
    for (uint32_t i = 0; i < os->ev_count; i++) {
        if (os->events[i].state == st) {
            if (remove) {
                removed = true;
                continue;
            }
            os->events[i].state = 0;
        }
        os->events[w++] = os->events[i];
    }
    os->ev_count = w;
    if (removed && os->ev_count < os->cfg.event_buffer)
        os->iin &= (uint16_t)~DNP3KIT_IIN_EVENT_BUFFER_OVERFLOW;
}

/* ---- point encoding through the catalogue ---- */

/* Fill pt's fields for row (g, v) from a stored value, flags and time; the
 * state bits of binary flags come from the value (clause 11.5). Integer
 * variations too small for an analog value report OVER_RANGE with the
 * clamped value; counters roll over (their 16-bit variations carry the low
 * half). Returns the catalogue row or NULL. */
static const dnp3kit_object_info *fill_point(dnp3kit_point *pt, uint8_t type, uint8_t g, uint8_t v, double value,
                                             uint8_t flags, uint64_t time)
{
    const dnp3kit_object_info *info = dnp3kit_catalog_find(g, v);
    if (!info)
        return NULL;
    memset(pt, 0, sizeof *pt);
    bool counter = type == DNP3KIT_OS_CNT || type == DNP3KIT_OS_FCNT;
    uint8_t fl = flags;
    if (type == DNP3KIT_OS_BI || type == DNP3KIT_OS_BO)
        fl = (uint8_t)((fl & 0x7F) | (value != 0 ? 0x80 : 0));
    else if (type == DNP3KIT_OS_DBI)
        fl = (uint8_t)((fl & 0x3F) | (((unsigned)value & 3u) << 6));
    unsigned k = 0;
    for (; k < DNP3KIT_MAX_FIELDS && info->fields[k].type != DNP3KIT_FT_END; k++) {
        dnp3kit_field_value *f = &pt->fields[k];
        f->type = info->fields[k].type;
        f->name = info->fields[k].name;
        switch (f->type) {
        case DNP3KIT_FT_I16:
        case DNP3KIT_FT_I32: {
            double lo = f->type == DNP3KIT_FT_I16 ? -32768.0 : -2147483648.0;
            double hi = f->type == DNP3KIT_FT_I16 ? 32767.0 : 2147483647.0;
            double r = isnan(value) ? 0 : nearbyint(value);
            if (r < lo || r > hi) {
                r = r < lo ? lo : hi;
                fl |= DNP3KIT_FLAG_OVER_RANGE;
            }
            f->v.i = (int64_t)r;
            break;
        }
        case DNP3KIT_FT_U16:
        case DNP3KIT_FT_U32: {
            uint64_t u = value <= 0 || isnan(value) ? 0 : (uint64_t)value;
            u &= f->type == DNP3KIT_FT_U16 ? 0xFFFFu : 0xFFFFFFFFu;
            if (!counter && value > (f->type == DNP3KIT_FT_U16 ? 65535.0 : 4294967295.0))
                fl |= DNP3KIT_FLAG_OVER_RANGE;
            f->v.u = u;
            break;
        }
        case DNP3KIT_FT_F32:
        case DNP3KIT_FT_F64:
            f->v.f = value;
            if (f->type == DNP3KIT_FT_F32 && isfinite(value) && fabs(value) > 3.4028234663852886e38)
                f->v.f = value > 0 ? INFINITY : -INFINITY;
            break;
        case DNP3KIT_FT_TIME48:
            f->v.u = time & 0xFFFFFFFFFFFFULL;
            break;
        case DNP3KIT_FT_BIT:
            f->v.u = value != 0;
            break;
        case DNP3KIT_FT_DBIT:
            f->v.u = (unsigned)value & 3u;
            break;
        default:
            f->v.u = 0;
            break;
        }
    }
    pt->nfields = (uint8_t)k;
    /* flags come first in every row that has them; set after the value clamped */
    if (k && pt->fields[0].type == DNP3KIT_FT_FLAGS)
        pt->fields[0].v.u = fl;
    return info;
}

/* ---- responses ---- */

static uint16_t iin_now(dnp3kit_outstation *os)
{
    uint16_t iin = os->iin | class_bits(os);
    for (unsigned k = 0; k < os->cfg.nfaults; k++)
        if (os->cfg.faults[k].kind == DNP3KIT_FAULT_KEEP_IIN && fault_applies(os, &os->cfg.faults[k]))
            iin |= (uint16_t)os->cfg.faults[k].arg; /* the master's clear and time sync change nothing */
    if (os->all_stations_pending) {
        iin |= DNP3KIT_IIN_ALL_STATIONS;
        os->all_stations_pending = false;
    }
    return iin;
}

static void set_iin(uint8_t *frag, uint16_t iin)
{
    frag[2] = (uint8_t)(iin >> 8);
    frag[3] = (uint8_t)iin;
}

/* A solicited response: remembered for duplicate requests, then sent. */
static void send_response(dnp3kit_outstation *os, uint8_t *frag, size_t len, uint64_t now)
{
    if (len <= sizeof os->last_rsp) {
        memcpy(os->last_rsp, frag, len);
        os->last_rsp_len = len;
    }
    emit(os, frag, len, now, true);
}

static void null_response(dnp3kit_outstation *os, uint8_t seq, uint16_t extra, uint64_t now)
{
    uint8_t rsp[8];
    int n = dnp3kit_build_null_response(rsp, sizeof rsp, dnp3kit_app_ctrl(true, true, false, false, seq),
                                        DNP3KIT_FC_RESPONSE, (uint16_t)(iin_now(os) | extra));
    if (n > 0)
        send_response(os, rsp, (size_t)n, now);
}

void dnp3kit_os_respond(dnp3kit_outstation *os, uint8_t *frag, size_t len, uint16_t extra_iin, uint64_t now)
{
    set_iin(frag, (uint16_t)(iin_now(os) | extra_iin));
    send_response(os, frag, len, now);
}

void dnp3kit_os_respond_null(dnp3kit_outstation *os, uint8_t seq, uint16_t extra_iin, uint64_t now)
{
    null_response(os, seq, extra_iin, now);
}

/* Room left in w for n more octets? */
static bool room(const dnp3kit_app_writer *w, size_t n)
{
    return !w->err && w->len <= w->cap && w->cap - w->len >= n;
}

static size_t range_width(uint32_t stop)
{
    return stop <= 0xFF ? 1 : stop <= 0xFFFF ? 2 : 4;
}

/* Static points [*next..stop] of type t as (g, v) with a start-stop header,
 * as many as fit. Returns true when the range is done. */
static bool write_static_range(dnp3kit_outstation *os, dnp3kit_app_writer *w, uint8_t t, uint8_t v,
                               uint32_t *next, uint32_t stop)
{
    uint8_t g = TYPES[t].sg;
    const dnp3kit_object_info *info = dnp3kit_catalog_find(g, v);
    if (!info)
        return true;
    size_t hdr = 3 + 2 * range_width(stop);
    if (!room(w, hdr + 1))
        return false;
    size_t avail = w->cap - w->len - hdr;
    uint64_t want = (uint64_t)stop - *next + 1, fit;
    bool packed = info->size_rule == DNP3KIT_SIZE_BITS1 || info->size_rule == DNP3KIT_SIZE_BITS2;
    unsigned bits = info->size_rule == DNP3KIT_SIZE_BITS2 ? 2 : 1;
    if (packed)
        fit = (uint64_t)avail * 8 / bits;
    else
        fit = avail / info->size;
    if (fit == 0)
        return false;
    uint32_t n = (uint32_t)(want < fit ? want : fit);
    uint32_t start = *next;
    dnp3kit_app_write_range_header(w, g, v, start, start + n - 1);
    const dnp3kit_os_point *pts = os->points[t];
    dnp3kit_point pt;
    if (packed) {
        uint8_t acc = 0;
        for (uint32_t k = 0; k < n; k++) {
            unsigned val = (unsigned)pts[start + k].value & (bits == 1 ? 1u : 3u);
            unsigned shift = (k * bits) % 8;
            acc |= (uint8_t)(val << shift);
            if (shift + bits == 8 || k + 1 == n) {
                dnp3kit_app_write_raw(w, &acc, 1);
                acc = 0;
            }
        }
    } else {
        for (uint32_t k = 0; k < n && !w->err; k++) {
            const dnp3kit_os_point *p = &pts[start + k];
            uint8_t obj[32];
            fill_point(&pt, t, g, v, p->value, p->flags, p->time);
            int len = dnp3kit_point_encode(info, v, &pt, obj, sizeof obj);
            if (len < 0) {
                w->err = len;
                break;
            }
            dnp3kit_app_write_raw(w, obj, (size_t)len);
        }
    }
    *next = start + n;
    return *next > stop || *next == 0;
}

/* Static points listed by index (READ with 0x17/0x28), answered with the
 * same qualifier; packed variations cannot carry a prefix, so v1 of g1/g3/g10
 * is answered with the variation with flags. */
static bool write_static_indexed(dnp3kit_outstation *os, dnp3kit_app_writer *w, dnp3kit_os_read_item *it,
                                 uint32_t *next)
{
    uint8_t t = it->type, g = TYPES[t].sg, v = it->variation;
    const dnp3kit_object_info *info = dnp3kit_catalog_find(g, v);
    if (!info || info->size_rule != DNP3KIT_SIZE_FIXED) {
        v = TYPES[t].sv;
        info = dnp3kit_catalog_find(g, v);
    }
    uint8_t q = it->index_size == 1 ? 0x17 : 0x28;
    size_t cw = it->index_size; /* count width equals index width for 0x17/0x28 */
    uint32_t total = it->stop; /* number of indices */
    if (!room(w, 3 + cw + it->index_size + info->size))
        return false;
    uint8_t h[3] = {g, v, q};
    dnp3kit_app_write_raw(w, h, 3);
    size_t count_pos = w->len;
    uint8_t zero[2] = {0, 0};
    dnp3kit_app_write_raw(w, zero, cw);
    uint32_t written = 0;
    dnp3kit_point pt;
    while (*next < total && room(w, it->index_size + info->size)) {
        const uint8_t *ip = it->indices + (size_t)*next * it->index_size;
        uint32_t idx = it->index_size == 1 ? ip[0] : (uint32_t)(ip[0] | ip[1] << 8);
        (*next)++;
        if (idx >= os->cfg.count[t]) {
            os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
            continue;
        }
        const dnp3kit_os_point *p = &os->points[t][idx];
        uint8_t obj[40];
        size_t o = 0;
        obj[o++] = (uint8_t)idx;
        if (it->index_size == 2)
            obj[o++] = (uint8_t)(idx >> 8);
        fill_point(&pt, t, g, v, p->value, p->flags, p->time);
        int len = dnp3kit_point_encode(info, v, &pt, obj + o, sizeof obj - o);
        if (len < 0)
            break;
        dnp3kit_app_write_raw(w, obj, o + (size_t)len);
        written++;
    }
    if (written == 0) {
        w->len = count_pos - 3; /* drop the empty header */
    } else {
        w->buf[count_pos] = (uint8_t)written;
        if (cw == 2)
            w->buf[count_pos + 1] = (uint8_t)(written >> 8);
    }
    return *next >= total;
}

/* Buffered events matching the item (classes or one type), oldest first,
 * in runs of one group/variation with qualifier 0x28; each written event
 * goes to state mark. Returns true when no matching event is left. */
static bool write_events(dnp3kit_outstation *os, dnp3kit_app_writer *w, dnp3kit_os_read_item *it, uint8_t mark,
                         bool *any)
{
    int run_g = -1, run_v = -1;
    size_t count_pos = 0;
    uint32_t run_n = 0;
    dnp3kit_point pt;
    bool done = true;
    /* Relative-time variations (g2v3, g4v3) follow a CTO (g51v1) and carry
     * their time as ms after it, in 16 bits (clause 11.?): a new CTO starts a
     * new run whenever an event is more than 65535 ms after the current one. */
    bool have_cto = false;
    uint64_t cto = 0;
    for (uint32_t i = 0; i < os->ev_count; i++) {
        dnp3kit_os_event *e = &os->events[i];
        if (e->state != 0)
            continue;
        if (it->type != 0xFF ? e->type != it->type : !(it->classes & (1u << e->cls)))
            continue;
        if (it->limit == 0) {
            break;
        }
        uint8_t g = TYPES[e->type].eg;
        uint8_t v = it->type != 0xFF && it->variation ? it->variation : os->cfg.event_variation[e->type];
        const dnp3kit_object_info *info = fill_point(&pt, e->type, g, v, e->value, e->flags, e->time);
        if (!info)
            continue;
        int rel = -1; /* index of the relative-time field, if any */
        for (int k = 0; k < pt.nfields; k++)
            if (pt.fields[k].type == DNP3KIT_FT_RELTIME16)
                rel = k;
        bool new_cto = rel >= 0 && (!have_cto || e->time < cto || e->time - cto > 0xFFFF);
        if (rel >= 0)
            pt.fields[rel].v.u = new_cto ? 0 : e->time - cto;
        uint8_t obj[40];
        obj[0] = (uint8_t)e->index;
        obj[1] = (uint8_t)(e->index >> 8);
        int len = dnp3kit_point_encode(info, v, &pt, obj + 2, sizeof obj - 2);
        if (len < 0)
            continue;
        bool same = run_g == g && run_v == v && run_n < 0xFFFF && !new_cto;
        if (!room(w, (new_cto ? 10 : 0) + (same ? 0 : 5) + 2 + (size_t)len)) {
            done = false;
            break;
        }
        if (!same) {
            if (run_n) {
                w->buf[count_pos] = (uint8_t)run_n;
                w->buf[count_pos + 1] = (uint8_t)(run_n >> 8);
            }
            if (new_cto) {
                uint8_t c[10] = {51, 1, 0x07, 1};
                for (int b = 0; b < 6; b++)
                    c[4 + b] = (uint8_t)(e->time >> (8 * b));
                dnp3kit_app_write_raw(w, c, 10);
                have_cto = true;
                cto = e->time;
            }
            uint8_t h[5] = {g, v, 0x28, 0, 0};
            dnp3kit_app_write_raw(w, h, 5);
            count_pos = w->len - 2;
            run_g = g;
            run_v = v;
            run_n = 0;
        }
        dnp3kit_app_write_raw(w, obj, 2 + (size_t)len);
        run_n++;
        e->state = mark;
        *any = true;
        if (it->limit != UINT32_MAX)
            it->limit--;
    }
    if (run_n) {
        w->buf[count_pos] = (uint8_t)run_n;
        w->buf[count_pos + 1] = (uint8_t)(run_n >> 8);
    }
    return done;
}

/* Build and send the next fragment of the read in progress (clause 4.2.2.4:
 * FIR on the first, FIN on the last, CON when more follow or events are
 * carried; the master confirms before the next one is sent). */
static void read_fragment(dnp3kit_outstation *os, bool fir, uint8_t seq, uint64_t now)
{
    uint8_t frag[DNP3KIT_OS_MAX_REQUEST];
    dnp3kit_app_writer w;
    dnp3kit_app_writer_init(&w, frag, os->cfg.max_fragment, 0, DNP3KIT_FC_RESPONSE, 0);
    bool any_events = false, done = true;
    while (os->item_pos < os->nitems) {
        dnp3kit_os_read_item *it = &os->items[os->item_pos];
        bool item_done = true;
        if (it->kind == 1) {
            if (os->item_next == 0 && !it->indices)
                os->item_next = it->start;
            uint8_t v = it->variation ? it->variation : os->cfg.static_variation[it->type];
            if (it->indices)
                item_done = write_static_indexed(os, &w, it, &os->item_next);
            else
                item_done = write_static_range(os, &w, it->type, v, &os->item_next, it->stop);
        } else if (it->kind == 2) {
            item_done = write_events(os, &w, it, 1, &any_events);
        } else if (it->kind >= DNP3KIT_OS_ITEM_OCTETS) {
            item_done = dnp3kit_os_extra_write(os, &w, it);
        } else if (it->kind == 3) {
            dnp3kit_point pt;
            const dnp3kit_object_info *info = fill_point(&pt, 0, 50, 1, 0, 0, os_time(os, now));
            (void)info;
            if (room(&w, 10))
                dnp3kit_app_write_counted(&w, 50, 1, &pt, 1);
            else
                item_done = false;
        }
        if (w.err) {
            os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
            break;
        }
        if (!item_done) {
            done = false;
            break;
        }
        os->item_pos++;
        os->item_next = 0;
    }
    int len = dnp3kit_app_writer_finish(&w);
    if (len < 0) {
        null_response(os, seq, DNP3KIT_IIN_PARAMETER_ERROR, now);
        return;
    }
    bool con = !done || any_events;
    frag[0] = dnp3kit_app_ctrl(fir, done, con, false, seq);
    set_iin(frag, (uint16_t)(iin_now(os) | os->read_iin));
    if (con) {
        os->sol_waiting = true;
        os->sol_seq = seq;
        os->sol_more = !done;
        os->sol_deadline = now + os->cfg.confirm_timeout_ms;
    }
    send_response(os, frag, (size_t)len, now);
}

/* ---- request handling ---- */

static void add_item(dnp3kit_outstation *os, const dnp3kit_os_read_item *it)
{
    if (os->nitems >= DNP3KIT_OS_MAX_READ_ITEMS) {
        os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
        return;
    }
    os->items[os->nitems++] = *it;
}

static bool count_qualifier(const dnp3kit_object_header *oh)
{
    return oh->range_code == DNP3KIT_RANGE_COUNT8 || oh->range_code == DNP3KIT_RANGE_COUNT16 ||
           oh->range_code == DNP3KIT_RANGE_COUNT32;
}

static void read_static_header(dnp3kit_outstation *os, const dnp3kit_object_header *oh, const uint8_t *req, int t)
{
    uint32_t n = os->cfg.count[t];
    dnp3kit_os_read_item it = {.kind = 1, .type = (uint8_t)t, .variation = oh->variation, .limit = UINT32_MAX};
    if (oh->variation != 0) {
        const dnp3kit_object_info *info = dnp3kit_catalog_find(oh->group, oh->variation);
        if (!info || info->kind != DNP3KIT_KIND_STATIC) {
            os->read_iin |= DNP3KIT_IIN_OBJECT_UNKNOWN;
            return;
        }
    }
    if (oh->qualifier == 0x06) {
        if (n == 0)
            return;
        it.start = 0;
        it.stop = n - 1;
    } else if (oh->has_range && oh->prefix_code == 0) {
        if (oh->start >= n) {
            os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
            return;
        }
        it.start = (uint32_t)oh->start;
        it.stop = (uint32_t)(oh->stop < n ? oh->stop : n - 1);
        if (oh->stop >= n)
            os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
    } else if (count_qualifier(oh) && oh->prefix_code == 0) {
        /* count without prefix: the first count points */
        if (oh->count == 0 || n == 0) {
            os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
            return;
        }
        it.start = 0;
        it.stop = (uint32_t)(oh->count < n ? oh->count - 1 : n - 1);
        if (oh->count > n)
            os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
    } else if ((oh->qualifier == 0x17 || oh->qualifier == 0x28) && oh->count > 0) {
        it.indices = req + oh->data_offset;
        it.index_size = oh->prefix_size;
        it.stop = (uint32_t)oh->count;
    } else {
        os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
        return;
    }
    add_item(os, &it);
}

static void read_events_header(dnp3kit_outstation *os, const dnp3kit_object_header *oh, int t, uint8_t classes)
{
    dnp3kit_os_read_item it = {.kind = 2, .type = (uint8_t)t, .variation = oh->variation, .classes = classes,
                               .limit = UINT32_MAX};
    if (t != 0xFF && oh->variation != 0) {
        const dnp3kit_object_info *info = dnp3kit_catalog_find(oh->group, oh->variation);
        if (!info || info->kind != DNP3KIT_KIND_EVENT) {
            os->read_iin |= DNP3KIT_IIN_OBJECT_UNKNOWN;
            return;
        }
    }
    if (oh->qualifier == 0x06) {
        /* all */
    } else if (count_qualifier(oh) && oh->prefix_code == 0) {
        it.limit = (uint32_t)(oh->count > UINT32_MAX - 1 ? UINT32_MAX - 1 : oh->count);
    } else {
        os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
        return;
    }
    add_item(os, &it);
}

static void handle_read(dnp3kit_outstation *os, const uint8_t *frag, size_t len, const dnp3kit_app_header *h,
                        uint64_t now)
{
    memcpy(os->read_req, frag, len);
    const uint8_t *req = os->read_req;
    os->nitems = 0;
    os->item_pos = 0;
    os->item_next = 0;
    os->read_iin = 0;
    dnp3kit_object_iter oi;
    dnp3kit_object_header oh;
    dnp3kit_object_iter_init(&oi, req, len, h);
    while (dnp3kit_object_iter_next(&oi, &oh, NULL) == 1) {
        int t;
        if (oh.group == 60 && oh.variation == 1) {
            if (oh.qualifier != 0x06) {
                os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
                continue;
            }
            for (t = 0; t < DNP3KIT_OS_NTYPES; t++) {
                if (os->cfg.count[t] == 0)
                    continue;
                dnp3kit_os_read_item it = {.kind = 1, .type = (uint8_t)t, .start = 0,
                                           .stop = os->cfg.count[t] - 1, .limit = UINT32_MAX};
                add_item(os, &it);
            }
            dnp3kit_os_extra_class0(os);
        } else if (oh.group == 60 && oh.variation >= 2 && oh.variation <= 4) {
            read_events_header(os, &oh, 0xFF, (uint8_t)(1u << (oh.variation - 1)));
        } else if ((t = type_of_static_group(oh.group)) >= 0) {
            read_static_header(os, &oh, req, t);
        } else if ((t = type_of_event_group(oh.group)) >= 0) {
            read_events_header(os, &oh, t, 0);
        } else if (oh.group == 50 && (oh.variation == 1 || oh.variation == 0)) {
            dnp3kit_os_read_item it = {.kind = 3};
            add_item(os, &it);
        } else if (dnp3kit_os_extra_read(os, &oh, req)) {
            /* g0, g34, g110, g102 */
        } else {
            os->read_iin |= DNP3KIT_IIN_OBJECT_UNKNOWN;
        }
    }
    read_fragment(os, true, h->seq, now);
}

/* CROB: the new output value, or a status (clause A.8.1 / table A-?). */
static uint8_t crob_check(const dnp3kit_outstation *os, uint32_t index, uint8_t code, int *newval)
{
    uint8_t op = code & 0x0F, tcc = code >> 6;
    *newval = -1;
    if (index >= os->cfg.count[DNP3KIT_OS_BO])
        return DNP3KIT_STATUS_NOT_SUPPORTED;
    if (tcc == 3)
        return DNP3KIT_STATUS_NOT_SUPPORTED;
    switch (op) {
    case DNP3KIT_OP_NUL:
        if (tcc == DNP3KIT_TCC_CLOSE)
            *newval = 1;
        else if (tcc == DNP3KIT_TCC_TRIP)
            *newval = 0;
        return DNP3KIT_STATUS_SUCCESS;
    case DNP3KIT_OP_PULSE_ON:
        if (tcc == DNP3KIT_TCC_CLOSE)
            *newval = 1;
        else if (tcc == DNP3KIT_TCC_TRIP)
            *newval = 0;
        return DNP3KIT_STATUS_SUCCESS; /* a plain pulse leaves the output as it was */
    case DNP3KIT_OP_PULSE_OFF:
        return tcc == DNP3KIT_TCC_NUL ? DNP3KIT_STATUS_SUCCESS : DNP3KIT_STATUS_NOT_SUPPORTED;
    case DNP3KIT_OP_LATCH_ON:
        *newval = 1;
        return tcc == DNP3KIT_TCC_NUL ? DNP3KIT_STATUS_SUCCESS : DNP3KIT_STATUS_NOT_SUPPORTED;
    case DNP3KIT_OP_LATCH_OFF:
        *newval = 0;
        return tcc == DNP3KIT_TCC_NUL ? DNP3KIT_STATUS_SUCCESS : DNP3KIT_STATUS_NOT_SUPPORTED;
    default:
        return DNP3KIT_STATUS_NOT_SUPPORTED;
    }
}

static void set_point(dnp3kit_outstation *os, uint8_t t, uint32_t index, double value, uint8_t flags,
                      uint64_t now)
{
    dnp3kit_os_point *p = &os->points[t][index];
    bool changed = p->value != value || p->flags != flags;
    p->value = value;
    p->flags = flags;
    if (changed)
        add_event(os, t, index, now);
}

int dnp3kit_outstation_set_value(dnp3kit_outstation *os, dnp3kit_os_type t, uint32_t index, double value,
                                 uint8_t flags, uint64_t now)
{
    if ((unsigned)t >= DNP3KIT_OS_NTYPES || index >= os->cfg.count[t])
        return DNP3KIT_ERR_ARG;
    set_point(os, (uint8_t)t, index, value, flags, now);
    return DNP3KIT_OK;
}

int dnp3kit_outstation_set_initial(dnp3kit_outstation *os, dnp3kit_os_type t, uint32_t index, double value)
{
    if ((unsigned)t >= DNP3KIT_OS_NTYPES || index >= os->cfg.count[t])
        return DNP3KIT_ERR_ARG;
    os->points[t][index].value = value;
    os->initial[t][index].value = value;
    return DNP3KIT_OK;
}

/* SELECT, OPERATE, DIRECT_OPERATE(_NR) of g12v1 and g41v1-4 (clause 4.4.3-4.4.6):
 * the response echoes the request's objects with each status filled in. */
static void handle_control(dnp3kit_outstation *os, const uint8_t *frag, size_t len, const dnp3kit_app_header *h,
                           uint64_t now)
{
    uint8_t rsp[DNP3KIT_OS_MAX_REQUEST + 2];
    uint8_t statuses[256];
    uint32_t status_pos[256];
    unsigned n = 0;
    bool too_many = false, unknown = false, badq = false;
    dnp3kit_object_iter oi;
    dnp3kit_object_header oh;
    dnp3kit_object_iter_init(&oi, frag, len, h);
    struct { uint8_t t; uint32_t index; double value; } acts[256];
    while (dnp3kit_object_iter_next(&oi, &oh, NULL) == 1) {
        bool crob = oh.group == 12 && oh.variation == 1;
        bool ao = oh.group == 41 && oh.variation >= 1 && oh.variation <= 4;
        if (!crob && !ao) {
            unknown = true;
            continue;
        }
        if (!oh.has_data || oh.count == 0 || (oh.prefix_code == 0 && !oh.has_range) || oh.prefix_code > 3) {
            badq = true;
            continue;
        }
        dnp3kit_point_iter pi;
        dnp3kit_point pt;
        dnp3kit_point_iter_init(&pi, frag, len, &oh);
        while (dnp3kit_point_iter_next(&pi, &pt) == 1) {
            if (n >= 256 || n >= os->cfg.max_controls) {
                too_many = true;
                if (n >= 256)
                    break;
            }
            uint8_t st;
            acts[n].t = 0xFF;
            acts[n].index = (uint32_t)pt.index;
            if (crob) {
                int nv;
                st = crob_check(os, pt.index > UINT32_MAX ? UINT32_MAX : (uint32_t)pt.index,
                                (uint8_t)pt.fields[0].v.u, &nv);
                if (st == DNP3KIT_STATUS_SUCCESS && nv >= 0) {
                    acts[n].t = DNP3KIT_OS_BO;
                    acts[n].value = nv;
                }
            } else {
                if (pt.index >= os->cfg.count[DNP3KIT_OS_AO]) {
                    st = DNP3KIT_STATUS_NOT_SUPPORTED;
                } else {
                    st = DNP3KIT_STATUS_SUCCESS;
                    acts[n].t = DNP3KIT_OS_AO;
                    uint8_t ft = pt.fields[0].type;
                    acts[n].value = ft == DNP3KIT_FT_F32 || ft == DNP3KIT_FT_F64 ? pt.fields[0].v.f
                                                                                 : (double)pt.fields[0].v.i;
                }
            }
            statuses[n] = st;
            status_pos[n] = (uint32_t)(pt.offset + pt.size - 1); /* status is each object's last octet */
            n++;
        }
    }
    if (unknown || badq || n == 0) {
        if (h->func != DNP3KIT_FC_DIRECT_OPERATE_NR)
            null_response(os, h->seq,
                          unknown ? DNP3KIT_IIN_OBJECT_UNKNOWN : DNP3KIT_IIN_PARAMETER_ERROR, now);
        os->selected = false;
        return;
    }
    bool execute = h->func != DNP3KIT_FC_SELECT;
    uint8_t common = DNP3KIT_STATUS_SUCCESS;
    if (too_many)
        common = DNP3KIT_STATUS_TOO_MANY_OBJS;
    else if (h->func == DNP3KIT_FC_OPERATE) {
        /* the OPERATE must repeat the SELECT's objects exactly, with the next SEQ,
         * within the select timeout (clause 4.4.4) */
        if (!os->selected || os->sel_len != len - 2 || memcmp(os->sel_objs, frag + 2, len - 2) != 0 ||
            h->seq != ((os->sel_seq + 1) & 0x0F))
            common = DNP3KIT_STATUS_NO_SELECT;
        else if (now - os->sel_time > os->cfg.select_timeout_ms)
            common = DNP3KIT_STATUS_TIMEOUT;
        os->selected = false;
    }
    bool all_ok = true;
    for (unsigned k = 0; k < n && k < 256; k++) {
        if (common != DNP3KIT_STATUS_SUCCESS)
            statuses[k] = common;
        if (statuses[k] != DNP3KIT_STATUS_SUCCESS)
            all_ok = false;
    }
    if (h->func == DNP3KIT_FC_SELECT) {
        os->selected = all_ok;
        if (all_ok) {
            memcpy(os->sel_objs, frag + 2, len - 2);
            os->sel_len = len - 2;
            os->sel_seq = h->seq;
            os->sel_time = now;
        }
    }
    if (execute)
        for (unsigned k = 0; k < n && k < 256; k++)
            if (statuses[k] == DNP3KIT_STATUS_SUCCESS && acts[k].t != 0xFF)
                set_point(os, acts[k].t, acts[k].index, acts[k].value, DNP3KIT_FLAG_ONLINE, now);
    if (h->func == DNP3KIT_FC_DIRECT_OPERATE_NR)
        return;
    rsp[0] = dnp3kit_app_ctrl(true, true, false, false, h->seq);
    rsp[1] = DNP3KIT_FC_RESPONSE;
    memcpy(rsp + 4, frag + 2, len - 2);
    for (unsigned k = 0; k < n && k < 256; k++)
        rsp[status_pos[k] + 2] = statuses[k];
    set_iin(rsp, iin_now(os));
    send_response(os, rsp, len + 2, now);
}

static void handle_freeze(dnp3kit_outstation *os, const uint8_t *frag, size_t len, const dnp3kit_app_header *h,
                          uint64_t now)
{
    bool clear = h->func == DNP3KIT_FC_FREEZE_CLEAR || h->func == DNP3KIT_FC_FREEZE_CLEAR_NR;
    bool nr = h->func == DNP3KIT_FC_IMMED_FREEZE_NR || h->func == DNP3KIT_FC_FREEZE_CLEAR_NR;
    uint16_t err = 0;
    dnp3kit_object_iter oi;
    dnp3kit_object_header oh;
    dnp3kit_object_iter_init(&oi, frag, len, h);
    uint32_t n = os->cfg.count[DNP3KIT_OS_CNT];
    while (dnp3kit_object_iter_next(&oi, &oh, NULL) == 1) {
        if (oh.group != 20 || oh.variation != 0) {
            err |= DNP3KIT_IIN_OBJECT_UNKNOWN;
            continue;
        }
        uint64_t a = 0, b = n ? n - 1 : 0;
        if (oh.has_range) {
            a = oh.start;
            b = oh.stop < n ? oh.stop : (n ? n - 1 : 0);
        } else if (oh.qualifier != 0x06) {
            err |= DNP3KIT_IIN_PARAMETER_ERROR;
            continue;
        }
        if (n == 0 || a >= n) {
            err |= DNP3KIT_IIN_PARAMETER_ERROR;
            continue;
        }
        /* frozen counter i holds the value of counter i at the freeze (clause 4.4.8) */
        for (uint64_t i = a; i <= b; i++) {
            uint32_t idx = (uint32_t)i;
            if (idx < os->cfg.count[DNP3KIT_OS_FCNT]) {
                dnp3kit_os_point *fc = &os->points[DNP3KIT_OS_FCNT][idx];
                fc->value = os->points[DNP3KIT_OS_CNT][idx].value;
                fc->flags = os->points[DNP3KIT_OS_CNT][idx].flags;
                fc->time = os_time(os, now);
                add_event(os, DNP3KIT_OS_FCNT, idx, now);
            }
            if (clear)
                set_point(os, DNP3KIT_OS_CNT, idx, 0, os->points[DNP3KIT_OS_CNT][idx].flags, now);
        }
    }
    if (!nr)
        null_response(os, h->seq, err, now);
}

static void do_restart(dnp3kit_outstation *os, bool cold)
{
    os->iin |= DNP3KIT_IIN_DEVICE_RESTART;
    os->selected = false;
    os->sol_waiting = false;
    os->unsol_waiting = false;
    os->unsol_null_done = false;
    os->unsol_enabled = 0;
    os->unsol_backoff_until = 0;
    if (cold) {
        for (int t = 0; t < DNP3KIT_OS_NTYPES; t++)
            if (os->cfg.count[t])
                memcpy(os->points[t], os->initial[t], os->cfg.count[t] * sizeof(dnp3kit_os_point));
        os->ev_count = 0;
        os->iin &= (uint16_t)~DNP3KIT_IIN_EVENT_BUFFER_OVERFLOW;
        if (os->cfg.need_time)
            os->iin |= DNP3KIT_IIN_NEED_TIME;
        os->clock_offset = 0;
    } else {
        events_settle(os, 1, false);
        events_settle(os, 2, false);
    }
}

static void handle_write(dnp3kit_outstation *os, const uint8_t *frag, size_t len, const dnp3kit_app_header *h,
                         uint64_t now)
{
    uint16_t err = 0;
    dnp3kit_object_iter oi;
    dnp3kit_object_header oh;
    dnp3kit_object_iter_init(&oi, frag, len, h);
    while (dnp3kit_object_iter_next(&oi, &oh, NULL) == 1) {
        dnp3kit_point_iter pi;
        dnp3kit_point pt;
        if (oh.group == 80 && oh.variation == 1) {
            /* IIN bits by index; only DEVICE_RESTART (IIN1.7, index 7) may be cleared (clause 5.? / A.?) */
            if (!oh.has_range) {
                err |= DNP3KIT_IIN_PARAMETER_ERROR;
                continue;
            }
            dnp3kit_point_iter_init(&pi, frag, len, &oh);
            while (dnp3kit_point_iter_next(&pi, &pt) == 1) {
                bool v = pt.nfields ? pt.fields[0].v.u != 0 : pt.b;
                if (pt.index == 7 && !v)
                    os->iin &= (uint16_t)~DNP3KIT_IIN_DEVICE_RESTART;
                else
                    err |= DNP3KIT_IIN_PARAMETER_ERROR;
            }
        } else if (oh.group == 50 && (oh.variation == 1 || oh.variation == 3)) {
            if (oh.count != 1) {
                err |= DNP3KIT_IIN_PARAMETER_ERROR;
                continue;
            }
            dnp3kit_point_iter_init(&pi, frag, len, &oh);
            if (dnp3kit_point_iter_next(&pi, &pt) != 1) {
                err |= DNP3KIT_IIN_PARAMETER_ERROR;
                continue;
            }
            uint64_t t = pt.fields[0].v.u;
            if (oh.variation == 1) {
                os->clock_offset = (int64_t)t - (int64_t)now;
            } else {
                /* LAN procedure (clause 5.?): the time the master read when we recorded ours */
                if (!os->have_recorded_time) {
                    err |= DNP3KIT_IIN_PARAMETER_ERROR;
                    continue;
                }
                os->clock_offset = (int64_t)t - (int64_t)os->recorded_time;
                os->have_recorded_time = false;
            }
            os->iin &= (uint16_t)~DNP3KIT_IIN_NEED_TIME;
        } else if (!dnp3kit_os_extra_apply(os, frag, len, &oh, &err)) {
            err |= DNP3KIT_IIN_OBJECT_UNKNOWN;
        }
    }
    null_response(os, h->seq, err, now);
}

static void handle_unsol_ctl(dnp3kit_outstation *os, const uint8_t *frag, size_t len, const dnp3kit_app_header *h,
                             uint64_t now)
{
    uint16_t err = 0;
    uint8_t mask = 0;
    dnp3kit_object_iter oi;
    dnp3kit_object_header oh;
    dnp3kit_object_iter_init(&oi, frag, len, h);
    while (dnp3kit_object_iter_next(&oi, &oh, NULL) == 1) {
        if (oh.group == 60 && oh.variation >= 2 && oh.variation <= 4 && oh.qualifier == 0x06)
            mask |= (uint8_t)(1u << (oh.variation - 1));
        else if (oh.group == 60 && oh.variation >= 2 && oh.variation <= 4)
            err |= DNP3KIT_IIN_PARAMETER_ERROR;
        else
            err |= DNP3KIT_IIN_OBJECT_UNKNOWN;
    }
    if (!err) {
        if (h->func == DNP3KIT_FC_ENABLE_UNSOLICITED)
            os->unsol_enabled |= mask;
        else
            os->unsol_enabled &= (uint8_t)~mask;
    }
    null_response(os, h->seq, err, now);
}

static void try_unsolicited(dnp3kit_outstation *os, uint64_t now);

static void handle_confirm(dnp3kit_outstation *os, const dnp3kit_app_header *h, uint64_t now)
{
    if (h->uns) {
        if (os->unsol_waiting && h->seq == os->unsol_cur_seq) {
            os->unsol_waiting = false;
            os->unsol_null_done = true;
            os->unsol_tries = 0;
            events_settle(os, 2, true);
            os->unsol_seq = (uint8_t)((os->unsol_cur_seq + 1) & 0x0F);
        }
        return;
    }
    if (!os->sol_waiting || h->seq != os->sol_seq)
        return; /* a stale or unexpected confirm is ignored (clause 4.4.1) */
    os->sol_waiting = false;
    events_settle(os, 1, true);
    if (os->sol_more)
        read_fragment(os, false, (uint8_t)((os->sol_seq + 1) & 0x0F), now);
}

static void handle_request(dnp3kit_outstation *os, const uint8_t *frag, size_t len, bool broadcast, uint64_t now)
{
    dnp3kit_app_summary sum;
    dnp3kit_app_header h;
    if (len > DNP3KIT_OS_MAX_REQUEST)
        return;
    if (os->log)
        os->log(os->log_user, true, frag, len);
    /* nothing is acted on before the whole fragment is validated */
    int rc = dnp3kit_app_validate(frag, len, &sum, NULL);
    if (dnp3kit_app_header_decode(frag, len, &h, NULL) != DNP3KIT_OK)
        return;
    if (h.has_iin || h.func == DNP3KIT_FC_RESPONSE)
        return; /* a response sent to an outstation: not ours to answer */
    os->requests++;
    if (h.func == DNP3KIT_FC_CONFIRM) {
        os->confirms++;
        if (rc == DNP3KIT_OK)
            handle_confirm(os, &h, now);
        return;
    }
    if (!h.fir || !h.fin || h.con || h.uns) {
        os->bad_requests++;
        return; /* multi-fragment requests and impossible control bits are discarded */
    }
    /* a new request ends the wait for the confirm of the previous response (clause 4.4.1.?) */
    if (os->sol_waiting) {
        os->sol_waiting = false;
        events_settle(os, 1, false);
    }
    if (broadcast)
        os->all_stations_pending = true;
    /* a repeated request (same SEQ and octets) is answered again, not executed again (clause 4.?) */
    if (h.func != DNP3KIT_FC_READ && len == os->last_req_len && !memcmp(frag, os->last_req, len)) {
        if (os->last_rsp_len && !broadcast)
            emit(os, os->last_rsp, os->last_rsp_len, now, true);
        return;
    }
    memcpy(os->last_req, frag, len);
    os->last_req_len = len;
    os->last_rsp_len = 0;
    if (h.func != DNP3KIT_FC_OPERATE && h.func != DNP3KIT_FC_SELECT)
        os->selected = false;
    if (rc != DNP3KIT_OK) {
        os->bad_requests++;
        uint16_t e = !dnp3kit_app_func_name(h.func) ? DNP3KIT_IIN_NO_FUNC_CODE_SUPPORT
                     : rc == DNP3KIT_ERR_UNSUPPORTED ? DNP3KIT_IIN_OBJECT_UNKNOWN
                                                     : DNP3KIT_IIN_PARAMETER_ERROR;
        if (!broadcast)
            null_response(os, h.seq, e, now);
        return;
    }
    /* a broadcast request is executed but never answered (clause 4.?.?) */
    size_t out_before = os->out_len;
    uint8_t rsp[32];
    if (dnp3kit_os_files_request(os, frag, len, &h, now))
        h.func = 0xFF; /* answered by files.c (g70) */
    switch (h.func) {
    case 0xFF:
        break;
    case DNP3KIT_FC_READ:
        handle_read(os, frag, len, &h, now);
        break;
    case DNP3KIT_FC_WRITE:
        handle_write(os, frag, len, &h, now);
        break;
    case DNP3KIT_FC_SELECT:
    case DNP3KIT_FC_OPERATE:
    case DNP3KIT_FC_DIRECT_OPERATE:
    case DNP3KIT_FC_DIRECT_OPERATE_NR:
        handle_control(os, frag, len, &h, now);
        break;
    case DNP3KIT_FC_IMMED_FREEZE:
    case DNP3KIT_FC_IMMED_FREEZE_NR:
    case DNP3KIT_FC_FREEZE_CLEAR:
    case DNP3KIT_FC_FREEZE_CLEAR_NR:
        handle_freeze(os, frag, len, &h, now);
        break;
    case DNP3KIT_FC_COLD_RESTART:
    case DNP3KIT_FC_WARM_RESTART: {
        bool cold = h.func == DNP3KIT_FC_COLD_RESTART;
        if (len != 2) {
            null_response(os, h.seq, DNP3KIT_IIN_PARAMETER_ERROR, now);
            break;
        }
        /* cold: g52v1 in seconds; warm: g52v2 in ms (clause 4.4.14?) */
        uint32_t d = cold ? (os->cfg.restart_delay_ms + 999) / 1000 : os->cfg.restart_delay_ms;
        int n = dnp3kit_build_time_delay_response(rsp, sizeof rsp, h.seq, iin_now(os), cold ? 1 : 2,
                                                  (uint16_t)(d > 0xFFFF ? 0xFFFF : d));
        if (n > 0)
            send_response(os, rsp, (size_t)n, now);
        do_restart(os, cold);
        break;
    }
    case DNP3KIT_FC_DELAY_MEASURE: {
        /* our turnaround: requests are answered as they are processed */
        int n = dnp3kit_build_time_delay_response(rsp, sizeof rsp, h.seq, iin_now(os), 2, 0);
        if (n > 0)
            send_response(os, rsp, (size_t)n, now);
        break;
    }
    case DNP3KIT_FC_RECORD_CURRENT_TIME:
        os->recorded_time = now;
        os->have_recorded_time = true;
        null_response(os, h.seq, len > 2 ? DNP3KIT_IIN_PARAMETER_ERROR : 0, now);
        break;
    case DNP3KIT_FC_ENABLE_UNSOLICITED:
    case DNP3KIT_FC_DISABLE_UNSOLICITED:
        handle_unsol_ctl(os, frag, len, &h, now);
        break;
    default:
        null_response(os, h.seq, DNP3KIT_IIN_NO_FUNC_CODE_SUPPORT, now);
        break;
    }
    if (broadcast) {
        os->out_len = out_before; /* executed, not answered; the next response says so (IIN1.0) */
        os->all_stations_pending = true;
        os->sol_waiting = false;
        events_settle(os, 1, false);
    }
    try_unsolicited(os, now);
}

/* ---- unsolicited (clause 4.6?) ---- */

static void unsol_send(dnp3kit_outstation *os, uint64_t now)
{
    os->unsol_waiting = true;
    os->unsol_deadline = now + os->cfg.confirm_timeout_ms;
    emit(os, os->unsol_frag, os->unsol_len, now, true);
}

static void try_unsolicited(dnp3kit_outstation *os, uint64_t now)
{
    if (!os->cfg.unsolicited || !os->online || os->unsol_waiting || os->sol_waiting ||
        now < os->unsol_backoff_until)
        return;
    dnp3kit_app_writer w;
    os->unsol_cur_seq = os->unsol_seq;
    dnp3kit_app_writer_init(&w, os->unsol_frag, os->cfg.max_fragment,
                            dnp3kit_app_ctrl(true, true, true, true, os->unsol_cur_seq),
                            DNP3KIT_FC_UNSOLICITED_RESPONSE, 0);
    if (os->unsol_null_done) {
        /* events of the classes the master enabled */
        if (!os->unsol_enabled)
            return;
        dnp3kit_os_read_item it = {.kind = 2, .type = 0xFF, .classes = os->unsol_enabled, .limit = UINT32_MAX};
        bool any = false;
        write_events(os, &w, &it, 2, &any);
        if (!any)
            return;
    }
    /* else: the startup null unsolicited response (clause 4.6.?), whatever is enabled */
    int n = dnp3kit_app_writer_finish(&w);
    if (n < 0)
        return;
    os->unsol_len = (size_t)n;
    set_iin(os->unsol_frag, iin_now(os));
    os->unsol_tries = 0;
    unsol_send(os, now);
}

static void flood(dnp3kit_outstation *os, const dnp3kit_os_fault *f, uint64_t now)
{
    uint32_t period = f->arg ? f->arg : 1;
    if (os->flood_next == 0)
        os->flood_next = now;
    for (unsigned k = 0; k < 64 && now >= os->flood_next; k++) {
        os->flood_next += period;
        uint8_t frag[64];
        dnp3kit_app_writer w;
        dnp3kit_app_writer_init(&w, frag, sizeof frag, dnp3kit_app_ctrl(true, true, true, true, os->unsol_seq),
                                DNP3KIT_FC_UNSOLICITED_RESPONSE, iin_now(os));
        if (os->cfg.count[DNP3KIT_OS_AI]) {
            dnp3kit_point pt;
            const dnp3kit_os_point *p = &os->points[DNP3KIT_OS_AI][0];
            fill_point(&pt, DNP3KIT_OS_AI, 32, 3, p->value, p->flags, os_time(os, now));
            pt.index = 0;
            dnp3kit_app_write_indexed(&w, 32, 3, 0x28, &pt, 1);
        }
        int n = dnp3kit_app_writer_finish(&w);
        os->unsol_seq = (uint8_t)((os->unsol_seq + 1) & 0x0F);
        if (n > 0)
            emit(os, frag, (size_t)n, now, false);
    }
    if (now >= os->flood_next)
        os->flood_next = now + period;
}

void dnp3kit_outstation_tick(dnp3kit_outstation *os, uint64_t now)
{
    if (os->sol_waiting && now >= os->sol_deadline) {
        /* solicited responses are not retried: the master asks again (clause 4.4.1?) */
        os->sol_waiting = false;
        events_settle(os, 1, false);
    }
    if (os->unsol_waiting && now >= os->unsol_deadline && os->online) {
        if (os->unsol_tries < os->cfg.unsol_retries) {
            os->unsol_tries++;
            unsol_send(os, now); /* a retry is the identical fragment, same SEQ */
        } else {
            os->unsol_waiting = false;
            events_settle(os, 2, false);
            os->unsol_seq = (uint8_t)((os->unsol_cur_seq + 1) & 0x0F);
            os->unsol_backoff_until = now + os->cfg.unsol_retry_delay_ms;
        }
    }
    if (os->unsol_backoff_until && now >= os->unsol_backoff_until)
        os->unsol_backoff_until = 0; /* a past deadline must not keep the caller's loop spinning */
    for (unsigned k = 0; k < os->cfg.nfaults && os->online; k++)
        if (os->cfg.faults[k].kind == DNP3KIT_FAULT_UNSOL_FLOOD)
            flood(os, &os->cfg.faults[k], now);
    try_unsolicited(os, now);
}

uint64_t dnp3kit_outstation_next_deadline(const dnp3kit_outstation *os)
{
    uint64_t d = UINT64_MAX;
    if (os->sol_waiting && os->sol_deadline < d)
        d = os->sol_deadline;
    if (os->unsol_waiting && os->unsol_deadline < d)
        d = os->unsol_deadline;
    if (os->cfg.unsolicited && !os->unsol_waiting && os->unsol_backoff_until && os->unsol_backoff_until < d)
        d = os->unsol_backoff_until;
    if (os->hold_until && os->out_len && os->hold_until < d)
        d = os->hold_until;
    for (unsigned k = 0; k < os->cfg.nfaults && os->online; k++)
        if (os->cfg.faults[k].kind == DNP3KIT_FAULT_UNSOL_FLOOD && os->flood_next < d)
            d = os->flood_next;
    return d;
}

/* ---- link layer (clause 9) ---- */

void dnp3kit_outstation_on_frame(dnp3kit_outstation *os, const dnp3kit_link_frame *f, uint64_t now)
{
    if (!f->crc_ok || !f->dir || !f->prm)
        return; /* bad CRC: discarded (9.2.4.2); DIR=0 is another outstation; PRM=0 answers us */
    bool bcast = f->dst >= DNP3KIT_ADDR_BCAST_NOCONF;
    if ((f->dst != os->cfg.address && !bcast && !os->cfg.any_address) || f->src != os->cfg.master)
        return;
    os->frames_in++;
    switch (f->func) {
    case DNP3KIT_LINK_PRI_RESET_LINK_STATES:
        os->link_reset = true;
        os->expect_fcb = true;
        os->link_resets++;
        if (!bcast)
            link_reply(os, f->src, DNP3KIT_LINK_SEC_ACK);
        return;
    case DNP3KIT_LINK_PRI_TEST_LINK_STATES:
        if (bcast)
            return;
        if (!os->link_reset) {
            link_reply(os, f->src, DNP3KIT_LINK_SEC_NACK);
            return;
        }
        if (f->fcb == os->expect_fcb)
            os->expect_fcb = !os->expect_fcb;
        link_reply(os, f->src, DNP3KIT_LINK_SEC_ACK);
        return;
    case DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS:
        if (!bcast)
            link_reply(os, f->src, DNP3KIT_LINK_SEC_LINK_STATUS);
        return;
    case DNP3KIT_LINK_PRI_CONFIRMED_USER_DATA:
        if (!os->link_reset) {
            if (!bcast)
                link_reply(os, f->src, DNP3KIT_LINK_SEC_NACK);
            return;
        }
        if (f->fcb != os->expect_fcb) {
            /* a repeat of the frame already taken (our ACK was lost): acknowledged, not processed again */
            os->link_repeats++;
            if (!bcast)
                link_reply(os, f->src, DNP3KIT_LINK_SEC_ACK);
            return;
        }
        os->expect_fcb = !os->expect_fcb;
        os->link_taken++;
        bool drop = false;
        for (unsigned k = 0; k < os->cfg.nfaults; k++)
            if (os->cfg.faults[k].kind == DNP3KIT_FAULT_DROP_LINK_ACK && os->cfg.faults[k].arg == os->link_taken)
                drop = true;
        if (drop)
            os->link_acks_dropped++;
        else if (!bcast)
            link_reply(os, f->src, DNP3KIT_LINK_SEC_ACK);
        break;
    case DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA:
        break;
    default:
        if (!bcast)
            link_reply(os, f->src, DNP3KIT_LINK_SEC_NOT_SUPPORTED);
        return;
    }
    if (f->user_len == 0)
        return;
    const uint8_t *msg;
    size_t mlen;
    if (dnp3kit_reassembler_push(&os->tr, f->user, f->user_len, &msg, &mlen, NULL) == 1)
        handle_request(os, msg, mlen, bcast, now);
}

void dnp3kit_outstation_receive(dnp3kit_outstation *os, const uint8_t *p, size_t len, uint64_t now)
{
    dnp3kit_link_frame f;
    while (dnp3kit_link_parser_step(&os->lp, &p, &len, &f, NULL) == 1)
        dnp3kit_outstation_on_frame(os, &f, now);
}

void dnp3kit_outstation_connected(dnp3kit_outstation *os, uint64_t now)
{
    dnp3kit_link_parser_init(&os->lp);
    dnp3kit_reassembler_reset(&os->tr);
    os->online = true;
    os->flood_next = 0;
    try_unsolicited(os, now);
}

void dnp3kit_outstation_disconnected(dnp3kit_outstation *os)
{
    os->online = false;
    os->sol_waiting = false;
    os->unsol_waiting = false;
    os->unsol_backoff_until = 0;
    events_settle(os, 1, false);
    events_settle(os, 2, false);
    os->selected = false;
    os->link_reset = false;
    os->out_len = 0;
    os->hold_until = 0;
    os->want_close = false;
    os->last_req_len = 0;
    dnp3kit_reassembler_reset(&os->tr);
    dnp3kit_link_parser_init(&os->lp);
}

/* ---- simulation ---- */

void dnp3kit_outstation_simulate_change(dnp3kit_outstation *os, uint64_t now)
{
    static const uint8_t order[] = {DNP3KIT_OS_BI, DNP3KIT_OS_AI, DNP3KIT_OS_CNT, DNP3KIT_OS_DBI, DNP3KIT_OS_AI};
    for (unsigned tries = 0; tries < 5; tries++) {
        uint8_t t = order[rnd(os) % sizeof order];
        uint32_t n = os->cfg.count[t];
        if (!n)
            continue;
        uint32_t i = (uint32_t)(rnd(os) % n);
        dnp3kit_os_point *p = &os->points[t][i];
        double v = p->value;
        switch (t) {
        case DNP3KIT_OS_BI:
            v = v != 0 ? 0 : 1;
            break;
        case DNP3KIT_OS_DBI:
            v = v == 2 ? 1 : 2; /* off <-> on */
            break;
        case DNP3KIT_OS_CNT:
            v = fmod(v + 1 + (double)(rnd(os) % 10), 4294967296.0);
            break;
        default:
            v = v + (double)((int)(rnd(os) % 201) - 100);
            if (v > 30000 || v < -30000)
                v = 0;
            break;
        }
        set_point(os, t, i, v, DNP3KIT_FLAG_ONLINE, now);
        break;
    }
    try_unsolicited(os, now);
}

/* ---- life cycle ---- */

int dnp3kit_outstation_init(dnp3kit_outstation *os, const dnp3kit_os_config *cfg, uint64_t now)
{
    memset(os, 0, sizeof *os);
    if (cfg->address > DNP3KIT_ADDR_MAX_UNICAST || cfg->master > DNP3KIT_ADDR_MAX_UNICAST ||
        cfg->address == cfg->master || cfg->max_fragment < 64 || cfg->max_fragment > DNP3KIT_OS_MAX_REQUEST ||
        cfg->event_buffer > 1000000 || cfg->nfaults > DNP3KIT_OS_MAX_FAULTS)
        return DNP3KIT_ERR_ARG;
    for (int t = 0; t < DNP3KIT_OS_NTYPES; t++) {
        if (cfg->count[t] > 65536 || cfg->event_class[t] > 3)
            return DNP3KIT_ERR_ARG;
        const dnp3kit_object_info *si = dnp3kit_catalog_find(TYPES[t].sg, cfg->static_variation[t]);
        const dnp3kit_object_info *ei = dnp3kit_catalog_find(TYPES[t].eg, cfg->event_variation[t]);
        if (!si || si->kind != DNP3KIT_KIND_STATIC || !ei || ei->kind != DNP3KIT_KIND_EVENT)
            return DNP3KIT_ERR_ARG;
    }
    os->cfg = *cfg;
    os->rng = cfg->seed ? cfg->seed : 1;
    for (int t = 0; t < DNP3KIT_OS_NTYPES; t++) {
        size_t n = cfg->count[t] ? cfg->count[t] : 1;
        os->points[t] = calloc(n, sizeof(dnp3kit_os_point));
        os->initial[t] = calloc(n, sizeof(dnp3kit_os_point));
        if (!os->points[t] || !os->initial[t]) {
            dnp3kit_outstation_free(os);
            return DNP3KIT_ERR_NOMEM;
        }
        for (uint32_t i = 0; i < cfg->count[t]; i++)
            os->points[t][i].flags = os->initial[t][i].flags = DNP3KIT_FLAG_ONLINE;
    }
    os->events = calloc(cfg->event_buffer ? cfg->event_buffer : 1, sizeof(dnp3kit_os_event));
    if (!os->events) {
        dnp3kit_outstation_free(os);
        return DNP3KIT_ERR_NOMEM;
    }
    if (cfg->octet_strings > 65536 || cfg->uints > 65536) {
        dnp3kit_outstation_free(os);
        return DNP3KIT_ERR_ARG;
    }
    dnp3kit_link_parser_init(&os->lp);
    dnp3kit_reassembler_init(&os->tr, os->tr_buf, sizeof os->tr_buf);
    /* a device that just started says so until the master clears it (IIN1.7) */
    os->iin = DNP3KIT_IIN_DEVICE_RESTART | (cfg->need_time ? DNP3KIT_IIN_NEED_TIME : 0);
    (void)now;
    return DNP3KIT_OK;
}

void dnp3kit_outstation_free(dnp3kit_outstation *os)
{
    for (int t = 0; t < DNP3KIT_OS_NTYPES; t++) {
        free(os->points[t]);
        free(os->initial[t]);
        os->points[t] = os->initial[t] = NULL;
    }
    free(os->events);
    os->events = NULL;
    dnp3kit_os_extra_free(os);
    dnp3kit_os_files_free(os);
    free(os->out);
    os->out = NULL;
    os->out_len = os->out_cap = 0;
}
