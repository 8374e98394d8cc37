/*
 * Renderers: human text and JSON for application fragments and link frames.
 * Output goes through a small sink so callers can write to a FILE, a buffer
 * or a Wireshark tree without the core touching I/O.
 */
#ifndef DNP3KIT_RENDER_H
#define DNP3KIT_RENDER_H
#include "dnp3kit/common.h"
#include "dnp3kit/link.h"
#ifdef __cplusplus
extern "C" {
#endif
DNP3KIT_API_BEGIN

/* The "schema" member of every JSON record and document the tools print
 * (docs/json.md, schema/dnp3kit.schema.json); bumped on an incompatible change. */
#define DNP3KIT_JSON_SCHEMA 1

typedef struct dnp3kit_out {
    void (*write)(void *user, const char *s, size_t n);
    void *user;
} dnp3kit_out;

/* printf into an out sink (lines longer than 1024 octets are cut). */
void dnp3kit_outf(const dnp3kit_out *out, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Write s[0..n) as a JSON string literal, quotes included, escaping as RFC 8259 requires. */
void dnp3kit_json_string(const dnp3kit_out *out, const char *s, size_t n);

/* Render options. */
typedef struct dnp3kit_render_opts {
    const char *indent;    /* prefix for object lines in text (default "  ") */
    size_t max_points;     /* per header; 0 = all */
} dnp3kit_render_opts;

/*
 * Text: one summary line for the fragment
 *   "RESPONSE seq=3 fir fin con iin=DEVICE_RESTART|NEED_TIME"
 * then, per object header, an indented line
 *   "g30v1 Analog Input - 32-bit With Flag q=0x00 start=0 stop=3"
 * and per point a deeper line
 *   "[0] flags=ONLINE value=1234"
 * (relative times are resolved against the CTO that precedes them).
 * The fragment is rendered as far as it is valid; the first defect is named.
 * Returns DNP3KIT_OK or the validation error.
 */
int dnp3kit_render_fragment_text(const uint8_t *frag, size_t len, const dnp3kit_render_opts *opts,
                                 const dnp3kit_out *out);

/*
 * JSON members (no surrounding braces) for a fragment, in this order:
 *   "ac":{"fir":true,"fin":true,"con":false,"uns":false,"seq":3},
 *   "func":129,"func_name":"RESPONSE",
 *   "iin":["DEVICE_RESTART"],"iin_raw":32768,                 (responses only)
 *   "objects":[{"group":30,"variation":1,"name":"...","qualifier":0,
 *               "start":0,"stop":3 | "count":4,
 *               "points":[{"index":0,"flags":["ONLINE"],"flags_raw":1,"value":1234,"time":...}]}]
 * time is an RFC 3339 UTC string with milliseconds ("2026-12-02T16:41:13.123Z")
 * for absolute times; a relative time with a CTO is resolved, without one it
 * is {"relative_ms":N}. The shapes are documented in docs/json.md.
 * Returns DNP3KIT_OK or the validation error (objects rendered up to it).
 */
int dnp3kit_render_fragment_json(const uint8_t *frag, size_t len, const dnp3kit_render_opts *opts,
                                 const dnp3kit_out *out);

/* One line for a link frame: "link UNCONFIRMED_USER_DATA dir=1 prm=1 fcb=0 fcv=0 dst=10 src=1 len=20". */
void dnp3kit_render_link_text(const dnp3kit_link_frame *f, const dnp3kit_out *out);
/* JSON members for a link frame: "link":{"len":..,"ctrl":..,"func":..,"func_name":..,"dir":..,"prm":..,
 * "fcb":..,"fcv":..,"dfc":..,"dst":..,"src":..,"crc_ok":..} */
void dnp3kit_render_link_json(const dnp3kit_link_frame *f, const dnp3kit_out *out);

/* A float32 with the fewest significant digits (6-9) that read back as the
 * same float ("0.1" for 0.1f); the decimal point is the C locale's.
 * Returns snprintf's result. */
int dnp3kit_format_f32(float v, char *buf, size_t cap);

/* ISO 8601 UTC with milliseconds, "2024-01-02T03:04:05.678Z", for ms since epoch. */
int dnp3kit_format_time_ms(uint64_t ms, char *buf, size_t cap);

DNP3KIT_API_END
#ifdef __cplusplus
}
#endif
#endif
