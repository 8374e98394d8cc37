/*
 * dnp3kit common definitions: error codes, error detail, findings and the
 * finding sink every parser reports through.
 *
 * Conventions (see STYLE.md in the design notes):
 *   - slices are (const uint8_t *p, size_t len);
 *   - functions return dnp3kit_err (0 = OK, negative = error) or a count;
 *   - no function in the core allocates, reads clocks, files or sockets.
 */
#ifndef DNP3KIT_COMMON_H
#define DNP3KIT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Everything the public headers declare between DNP3KIT_API_BEGIN and
 * DNP3KIT_API_END is exported from the shared libraries; the libraries are
 * built with -fvisibility=hidden, so nothing else is. */
#if defined(__GNUC__)
#define DNP3KIT_API __attribute__((visibility("default")))
#define DNP3KIT_API_BEGIN _Pragma("GCC visibility push(default)")
#define DNP3KIT_API_END _Pragma("GCC visibility pop")
#else
#define DNP3KIT_API
#define DNP3KIT_API_BEGIN
#define DNP3KIT_API_END
#endif

#ifdef __cplusplus
extern "C" {
#endif
DNP3KIT_API_BEGIN

#define DNP3KIT_VERSION_STRING "0.1.0"

/* ---- errors (DESIGN.md principle 4) ---- */

#define DNP3KIT_ERRORS(X)                                                            \
    X(OK, 0, "success")                                                              \
    X(ERR_INCOMPLETE, -1, "more input needed")                                       \
    X(ERR_INVALID, -2, "malformed input")                                            \
    X(ERR_CRC, -3, "CRC mismatch")                                                   \
    X(ERR_TOO_LARGE, -4, "size limit exceeded")                                      \
    X(ERR_BUFFER, -5, "output buffer too small")                                     \
    X(ERR_ARG, -6, "invalid argument")                                               \
    X(ERR_UNSUPPORTED, -7, "unknown or unsupported object, qualifier or function")   \
    X(ERR_IO, -8, "I/O error")                                                       \
    X(ERR_TIMEOUT, -9, "timed out")                                                  \
    X(ERR_CONNECT, -10, "connection failed")                                         \
    X(ERR_PROTOCOL, -11, "protocol error reported by the peer")                      \
    X(ERR_CONTROL, -12, "control rejected by the outstation")                        \
    X(ERR_NOMEM, -13, "out of memory")                                               \
    X(ERR_CLOSED, -14, "connection closed")                                          \
    X(ERR_STATE, -15, "operation not valid in this state")

typedef enum dnp3kit_err {
#define DNP3KIT_X_ERR(name, value, text) DNP3KIT_##name = value,
    DNP3KIT_ERRORS(DNP3KIT_X_ERR)
#undef DNP3KIT_X_ERR
} dnp3kit_err;

/* Short English description; never NULL. */
const char *dnp3kit_strerror(int err);
/* Stable identifier, e.g. "ERR_CRC"; never NULL. */
const char *dnp3kit_err_name(int err);

/* ---- findings (DESIGN.md principle 3) ---- */

typedef enum dnp3kit_severity {
    DNP3KIT_SEV_INFO = 0,
    DNP3KIT_SEV_WARNING = 1,
    DNP3KIT_SEV_ERROR = 2,
} dnp3kit_severity;

typedef enum dnp3kit_layer {
    DNP3KIT_LAYER_CAPTURE = 0,
    DNP3KIT_LAYER_LINK,
    DNP3KIT_LAYER_TRANSPORT,
    DNP3KIT_LAYER_APP,
    DNP3KIT_LAYER_SESSION,
} dnp3kit_layer;

typedef enum dnp3kit_finding_code {
#define FINDING(name, sev, layer, text) DNP3KIT_F_##name,
#include "dnp3kit/findings.def"
#undef FINDING
    DNP3KIT_F_COUNT_
} dnp3kit_finding_code;

/*
 * One finding. Which numeric fields are meaningful depends on the code;
 * dnp3kit_finding_format() turns it into a one-line detail.
 */
typedef struct dnp3kit_finding {
    dnp3kit_finding_code code;
    size_t offset;     /* octet offset in the unit being parsed (frame, segment, fragment); SIZE_MAX if none */
    uint64_t expected; /* CRC, sequence number, size, SEQ ... */
    uint64_t actual;
    uint32_t index;    /* block number, object header number, count ... */
    uint8_t group;     /* object group/variation when relevant */
    uint8_t variation;
    uint8_t func;      /* function code (link or application) when relevant */
    uint8_t qualifier;
} dnp3kit_finding;

/* Where parsers report findings. A NULL sink or NULL fn discards them. */
typedef struct dnp3kit_sink {
    void (*fn)(void *user, const dnp3kit_finding *f);
    void *user;
} dnp3kit_sink;

/* Report helper used by the core; safe with a NULL sink. */
void dnp3kit_report(const dnp3kit_sink *sink, const dnp3kit_finding *f);

/* Lower-case stable name, e.g. "link_bad_header_crc"; "unknown" if out of range. */
const char *dnp3kit_finding_name(dnp3kit_finding_code code);
/* Look a finding up by its stable name; returns DNP3KIT_F_COUNT_ if none. */
dnp3kit_finding_code dnp3kit_finding_by_name(const char *name);
dnp3kit_severity dnp3kit_finding_severity(dnp3kit_finding_code code);
dnp3kit_layer dnp3kit_finding_layer(dnp3kit_finding_code code);
const char *dnp3kit_finding_description(dnp3kit_finding_code code);
const char *dnp3kit_severity_name(dnp3kit_severity sev); /* "info", "warning", "error" */
const char *dnp3kit_layer_name(dnp3kit_layer layer);     /* "capture", "link", ... */
/* One-line detail ("block 2: expected 0x1234, got 0x4321"); returns snprintf's result. */
int dnp3kit_finding_format(const dnp3kit_finding *f, char *buf, size_t cap);

/* ---- error detail (DESIGN.md principle 4) ---- */

typedef struct dnp3kit_error_detail {
    int code;                   /* dnp3kit_err */
    dnp3kit_finding_code finding; /* DNP3KIT_F_COUNT_ when none */
    size_t offset;              /* octet offset in the input, SIZE_MAX when none */
    uint16_t crc_expected, crc_actual;
    int func;                   /* application function code, -1 when none */
    int iin;                    /* IIN1 << 8 | IIN2, -1 when none */
    int control_status;         /* CROB/AO status, -1 when none */
    double timeout_s;           /* for ERR_TIMEOUT */
    uint16_t port;
    char host[64];
    char message[192];          /* human summary */
} dnp3kit_error_detail;

/* Resets *d to "no error" (all fields unset). */
void dnp3kit_error_detail_clear(dnp3kit_error_detail *d);

DNP3KIT_API_END
#ifdef __cplusplus
}
#endif
#endif
