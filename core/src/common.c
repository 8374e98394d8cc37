/* Errors and findings: names, severities, formatting (one list, findings.def). */
#include <stdio.h>
#include <string.h>

#include "dnp3kit/common.h"
#include "dnp3kit/app.h"

const char *dnp3kit_strerror(int err)
{
    switch (err) {
#define X(name, value, text) case value: return text;
        DNP3KIT_ERRORS(X)
#undef X
    default: return "unknown error";
    }
}

const char *dnp3kit_err_name(int err)
{
    switch (err) {
#define X(name, value, text) case value: return #name;
        DNP3KIT_ERRORS(X)
#undef X
    default: return "ERR_UNKNOWN";
    }
}

struct finding_row {
    const char *name;
    dnp3kit_severity sev;
    dnp3kit_layer layer;
    const char *text;
};

static const struct finding_row findings[DNP3KIT_F_COUNT_] = {
#define INFO DNP3KIT_SEV_INFO
#define WARNING DNP3KIT_SEV_WARNING
#define ERROR DNP3KIT_SEV_ERROR
#define CAPTURE DNP3KIT_LAYER_CAPTURE
#define LINK DNP3KIT_LAYER_LINK
#define TRANSPORT DNP3KIT_LAYER_TRANSPORT
#define APP DNP3KIT_LAYER_APP
#define SESSION DNP3KIT_LAYER_SESSION
#define FINDING(name, sev, layer, text) {#name, sev, layer, text},
#include "dnp3kit/findings.def"
#undef FINDING
#undef INFO
#undef WARNING
#undef ERROR
#undef CAPTURE
#undef LINK
#undef TRANSPORT
#undef APP
#undef SESSION
};

/* Lower-case names, built once from the upper-case identifiers. Static
 * storage sized for the longest name; filled lazily but deterministically
 * (idempotent writes of the same bytes, so benign across threads). */
#define NAME_MAX_LEN 48
static char lower_names[DNP3KIT_F_COUNT_][NAME_MAX_LEN];

const char *dnp3kit_finding_name(dnp3kit_finding_code code)
{
    if ((unsigned)code >= DNP3KIT_F_COUNT_)
        return "unknown";
    char *dst = lower_names[code];
    if (dst[0] == '\0') {
        char tmp[NAME_MAX_LEN];
        const char *s = findings[code].name;
        size_t i = 0;
        for (; s[i] && i + 1 < sizeof tmp; i++)
            tmp[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
        tmp[i] = '\0';
        memcpy(dst, tmp, i + 1);
    }
    return dst;
}

dnp3kit_finding_code dnp3kit_finding_by_name(const char *name)
{
    if (!name)
        return DNP3KIT_F_COUNT_;
    for (int i = 0; i < DNP3KIT_F_COUNT_; i++) {
        const char *n = findings[i].name;
        size_t k = 0;
        for (; n[k] && name[k]; k++) {
            char c = name[k];
            if (c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
            if (c != n[k])
                break;
        }
        if (n[k] == '\0' && name[k] == '\0')
            return (dnp3kit_finding_code)i;
    }
    return DNP3KIT_F_COUNT_;
}

dnp3kit_severity dnp3kit_finding_severity(dnp3kit_finding_code code)
{
    return (unsigned)code < DNP3KIT_F_COUNT_ ? findings[code].sev : DNP3KIT_SEV_ERROR;
}

dnp3kit_layer dnp3kit_finding_layer(dnp3kit_finding_code code)
{
    return (unsigned)code < DNP3KIT_F_COUNT_ ? findings[code].layer : DNP3KIT_LAYER_APP;
}

const char *dnp3kit_finding_description(dnp3kit_finding_code code)
{
    return (unsigned)code < DNP3KIT_F_COUNT_ ? findings[code].text : "unknown finding";
}

const char *dnp3kit_severity_name(dnp3kit_severity sev)
{
    switch (sev) {
    case DNP3KIT_SEV_INFO: return "info";
    case DNP3KIT_SEV_WARNING: return "warning";
    case DNP3KIT_SEV_ERROR: return "error";
    }
    return "error";
}

const char *dnp3kit_layer_name(dnp3kit_layer layer)
{
    switch (layer) {
    case DNP3KIT_LAYER_CAPTURE: return "capture";
    case DNP3KIT_LAYER_LINK: return "link";
    case DNP3KIT_LAYER_TRANSPORT: return "transport";
    case DNP3KIT_LAYER_APP: return "application";
    case DNP3KIT_LAYER_SESSION: return "session";
    }
    return "unknown";
}

void dnp3kit_report(const dnp3kit_sink *sink, const dnp3kit_finding *f)
{
    if (sink && sink->fn)
        sink->fn(sink->user, f);
}

int dnp3kit_finding_format(const dnp3kit_finding *f, char *buf, size_t cap)
{
    unsigned long long e = (unsigned long long)f->expected, a = (unsigned long long)f->actual;
    switch (f->code) {
    case DNP3KIT_F_LINK_BAD_HEADER_CRC:
        return snprintf(buf, cap, "header CRC expected 0x%04llx, got 0x%04llx", e, a);
    case DNP3KIT_F_LINK_BAD_BLOCK_CRC:
        return snprintf(buf, cap, "block %u CRC expected 0x%04llx, got 0x%04llx", f->index, e, a);
    case DNP3KIT_F_LINK_LEN_TOO_SMALL:
        return snprintf(buf, cap, "LENGTH %llu", a);
    case DNP3KIT_F_LINK_GARBAGE:
    case DNP3KIT_F_TCP_GAP:
    case DNP3KIT_F_TCP_RETRANSMISSION:
    case DNP3KIT_F_TCP_WINDOW_EXCEEDED:
        return snprintf(buf, cap, "%llu octets", a);
    case DNP3KIT_F_IP_FRAGMENT_INCOMPLETE:
        /* func: IP version; index: frame of the first fragment seen; qualifier 1: timed out */
        if (e)
            return snprintf(buf, cap, "IPv%u datagram from frame %u: %llu of %llu octets received, %s", f->func,
                            f->index, a, e, f->qualifier ? "timed out" : "capture ended");
        return snprintf(buf, cap, "IPv%u datagram from frame %u: %llu octets received, last fragment missing, %s",
                        f->func, f->index, a, f->qualifier ? "timed out" : "capture ended");
    case DNP3KIT_F_IP_FRAGMENT_OVERLAP:
        return snprintf(buf, cap, "IPv%u datagram from frame %u: fragment at offset %llu overlaps other octets",
                        f->func, f->index, a);
    case DNP3KIT_F_IP_FRAGMENT_LIMIT: {
        /* qualifier: which bound (ipfrag.h), expected: the bound, actual: what was asked */
        static const char *const what[] = {"octets in the datagram", "pieces in the datagram",
                                           "octets held in total", "datagrams held at once"};
        return snprintf(buf, cap, "IPv%u datagram from frame %u: %llu %s, limit %llu", f->func, f->index, a,
                        what[f->qualifier & 3], e);
    }
    case DNP3KIT_F_LINK_FCV_MISMATCH:
        return snprintf(buf, cap, "link function %u, FCV expected %llu, got %llu", f->func, e, a);
    case DNP3KIT_F_LINK_DIR_MISMATCH:
        return snprintf(buf, cap, "%s (function %u) with DIR=%llu", e ? "request" : "response", f->func, a);
    case DNP3KIT_F_LINK_UNEXPECTED_PAYLOAD:
    case DNP3KIT_F_LINK_MISSING_PAYLOAD:
    case DNP3KIT_F_LINK_RESERVED_FUNCTION:
        return snprintf(buf, cap, "link function %u, LENGTH %llu", f->func, a);
    case DNP3KIT_F_LINK_RESERVED_ADDRESS:
    case DNP3KIT_F_LINK_BROADCAST_SOURCE:
        return snprintf(buf, cap, "address %llu", a);
    case DNP3KIT_F_LINK_SECONDARY_FCB:
        return snprintf(buf, cap, "secondary link function %u, control 0x%02llx", f->func, a);
    case DNP3KIT_F_LINK_BROADCAST_FUNCTION:
        return snprintf(buf, cap, "%s link function %u to address %llu", e ? "primary" : "secondary", f->func, a);
    case DNP3KIT_F_APP_RESPONSE_TO_BROADCAST:
        return snprintf(buf, cap, "function %u to address %llu", f->func, a);
    case DNP3KIT_F_APP_OBJECT_TOO_SHORT:
        return snprintf(buf, cap, "object header %u: g%uv%u object of %llu octets, its fixed fields need %llu",
                        f->index, f->group, f->variation, a, e);
    case DNP3KIT_F_LINK_TRUNCATED_FRAME:
        return snprintf(buf, cap, "%llu of %llu octets", a, e);
    case DNP3KIT_F_TRANSPORT_SEQUENCE_GAP:
        return snprintf(buf, cap, "expected sequence %llu, got %llu", e, a);
    case DNP3KIT_F_TRANSPORT_NO_FIR:
    case DNP3KIT_F_TRANSPORT_DUPLICATE_SEGMENT:
        return snprintf(buf, cap, "sequence %llu", a);
    case DNP3KIT_F_TRANSPORT_MESSAGE_TOO_LARGE:
        return snprintf(buf, cap, "over %llu octets (at least %llu)", e, a);
    case DNP3KIT_F_TRANSPORT_PARTIAL_DISCARDED:
    case DNP3KIT_F_TRANSPORT_INCOMPLETE:
        return snprintf(buf, cap, "%llu octets in %u segments", a, f->index);
    case DNP3KIT_F_APP_FRAGMENT_TOO_SHORT:
        return snprintf(buf, cap, "%llu octets, need %llu", a, e);
    case DNP3KIT_F_APP_UNKNOWN_FUNCTION:
        return snprintf(buf, cap, "function %u", f->func);
    case DNP3KIT_F_APP_HEADER_TRUNCATED:
        return snprintf(buf, cap, "object header %u: %llu octets left, need %llu", f->index, a, e);
    case DNP3KIT_F_APP_UNKNOWN_QUALIFIER:
    case DNP3KIT_F_APP_UNUSUAL_QUALIFIER:
        return snprintf(buf, cap, "object header %u: g%uv%u qualifier 0x%02x", f->index, f->group,
                        f->variation, f->qualifier);
    case DNP3KIT_F_APP_UNKNOWN_OBJECT:
    case DNP3KIT_F_APP_VARIATION_ZERO_WITH_DATA:
    case DNP3KIT_F_APP_COUNT_ZERO:
    case DNP3KIT_F_APP_BAD_TIME_OR_VALUE:
        return snprintf(buf, cap, "object header %u: g%uv%u", f->index, f->group, f->variation);
    case DNP3KIT_F_APP_RANGE_START_GT_STOP:
        return snprintf(buf, cap, "object header %u: g%uv%u start %llu > stop %llu", f->index, f->group,
                        f->variation, e, a);
    case DNP3KIT_F_APP_OBJECT_TRUNCATED:
    case DNP3KIT_F_APP_SIZE_OVERFLOW:
        return snprintf(buf, cap, "object header %u: g%uv%u needs %llu octets, %llu left", f->index,
                        f->group, f->variation, e, a);
    case DNP3KIT_F_APP_ZERO_SIZE_OBJECT:
        return snprintf(buf, cap, "object header %u: g%uv%u object %llu", f->index, f->group,
                        f->variation, a);
    case DNP3KIT_F_APP_OBJECT_SIZE_MISMATCH:
        return snprintf(buf, cap, "object header %u: g%uv%u size prefix %llu, defined size %llu", f->index,
                        f->group, f->variation, a, e);
    case DNP3KIT_F_APP_OBJECTS_NOT_EXPECTED:
    case DNP3KIT_F_APP_MULTI_FRAGMENT_REQUEST:
    case DNP3KIT_F_APP_BAD_CONTROL_BITS:
    case DNP3KIT_F_APP_UNSOLICITED_MULTI_FRAGMENT:
    case DNP3KIT_F_APP_UNSOLICITED_WITHOUT_CON:
        return snprintf(buf, cap, "function %u, control 0x%02llx", f->func, a);
    case DNP3KIT_F_APP_IIN_RESERVED:
    case DNP3KIT_F_APP_IIN_ERROR:
        return snprintf(buf, cap, "IIN 0x%04llx", a);
    case DNP3KIT_F_APP_CONTROL_STATUS:
        return snprintf(buf, cap, "g%uv%u index %u status %llu", f->group, f->variation, f->index, a);
    case DNP3KIT_F_SESSION_UNEXPECTED_CONFIRM:
        if (e > 15)
            return snprintf(buf, cap, "confirm SEQ %llu%s, nothing awaiting confirmation", a,
                            f->index ? " (unsolicited)" : "");
        return snprintf(buf, cap, "expected SEQ %llu, got %llu%s", e, a, f->index ? " (unsolicited)" : "");
    case DNP3KIT_F_SESSION_IIN_STUCK: {
        /* expected: the IIN bit, actual: how many reactions did not clear it */
        const char *n = dnp3kit_iin_bit_name((uint16_t)e);
        const char *after = e == DNP3KIT_IIN_DEVICE_RESTART ? "clearing it" : "synchronising the time";
        if (e == DNP3KIT_IIN_EVENT_BUFFER_OVERFLOW)
            return a == 1 ? snprintf(buf, cap, "%s still set after an integrity poll", n ? n : "?")
                          : snprintf(buf, cap, "%s still set after %llu integrity polls", n ? n : "?", a);
        if (a == 1)
            return snprintf(buf, cap, "%s still set after %s once", n ? n : "?", after);
        return snprintf(buf, cap, "%s still set after %s %llu times", n ? n : "?", after, a);
    }
    case DNP3KIT_F_SESSION_RX_OVERRUN:
        return snprintf(buf, cap, "%llu octets received without a DNP3 frame for this master (limit %llu)", a, e);
    case DNP3KIT_F_SESSION_OPERATE_MISMATCH:
        if (f->index)
            return snprintf(buf, cap, "OPERATE SEQ %llu carries other objects than the SELECT", a);
        return snprintf(buf, cap, "expected SEQ %llu, got %llu", e, a);
    case DNP3KIT_F_SESSION_RESPONSE_SEQ_MISMATCH:
    case DNP3KIT_F_SESSION_UNSOLICITED_SEQ_DISCONTINUITY:
    case DNP3KIT_F_SESSION_REQUEST_SEQ_DISCONTINUITY:
    case DNP3KIT_F_SESSION_RESPONSE_FRAGMENT_SEQ:
        return snprintf(buf, cap, "expected SEQ %llu, got %llu", e, a);
    case DNP3KIT_F_SESSION_RESPONSE_WITHOUT_REQUEST:
    case DNP3KIT_F_SESSION_NO_RESPONSE:
    case DNP3KIT_F_SESSION_CON_NOT_CONFIRMED:
    case DNP3KIT_F_SESSION_OPERATE_WITHOUT_SELECT:
        return snprintf(buf, cap, "function %u SEQ %llu", f->func, a);
    default:
        return snprintf(buf, cap, "%s", dnp3kit_finding_description(f->code));
    }
}

void dnp3kit_error_detail_clear(dnp3kit_error_detail *d)
{
    memset(d, 0, sizeof *d);
    d->finding = DNP3KIT_F_COUNT_;
    d->offset = SIZE_MAX;
    d->func = -1;
    d->iin = -1;
    d->control_status = -1;
}
