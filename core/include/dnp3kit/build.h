/*
 * Builders: application fragments for every request a master sends and every
 * response an outstation sends, written into caller buffers. Pair them with
 * dnp3kit_transport_segment() and dnp3kit_link_build() to put them on a wire.
 */
#ifndef DNP3KIT_BUILD_H
#define DNP3KIT_BUILD_H
#include "dnp3kit/common.h"
#include "dnp3kit/app.h"
#include "dnp3kit/catalog.h"
#ifdef __cplusplus
extern "C" {
#endif
DNP3KIT_API_BEGIN

/* Generic writer: header, then object headers and objects. Errors are sticky
 * (w->err); dnp3kit_app_writer_finish() returns the length or the first error. */
typedef struct dnp3kit_app_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    int err;
} dnp3kit_app_writer;

/* iin < 0: request header (2 octets); else response header with IIN1<<8|IIN2. */
void dnp3kit_app_writer_init(dnp3kit_app_writer *w, uint8_t *buf, size_t cap, uint8_t ctrl,
                             uint8_t func, int iin);
int dnp3kit_app_writer_finish(const dnp3kit_app_writer *w);

/* Header with no object data (READ and the like). */
void dnp3kit_app_write_all(dnp3kit_app_writer *w, uint8_t group, uint8_t variation); /* 0x06 */
/* Smallest start-stop qualifier (0x00/0x01/0x02) that holds stop. */
void dnp3kit_app_write_range_header(dnp3kit_app_writer *w, uint8_t group, uint8_t variation,
                                    uint32_t start, uint32_t stop);
/* Count qualifier (0x07/0x08/0x09 chosen by count) with no data (e.g. read of g50 v1 count 1). */
void dnp3kit_app_write_count_header(dnp3kit_app_writer *w, uint8_t group, uint8_t variation,
                                    uint32_t count);
/* Objects with a start-stop range; pts[k] is index start + k. Packed rows written packed. */
void dnp3kit_app_write_range(dnp3kit_app_writer *w, uint8_t group, uint8_t variation, uint32_t start,
                             const dnp3kit_point *pts, size_t n);
/* Index-prefixed objects: qualifier 0x17, 0x28 or 0x39 (index from pts[k].index). */
void dnp3kit_app_write_indexed(dnp3kit_app_writer *w, uint8_t group, uint8_t variation,
                               uint8_t qualifier, const dnp3kit_point *pts, size_t n);
/* Count qualifier 0x07 with objects and no prefix (g50v1 time, g52 delay, g51 CTO). */
void dnp3kit_app_write_counted(dnp3kit_app_writer *w, uint8_t group, uint8_t variation,
                               const dnp3kit_point *pts, size_t n);
/* Free-format objects, qualifier 0x5B: count 1 octet, each object with a 2-octet size. */
void dnp3kit_app_write_free(dnp3kit_app_writer *w, uint8_t group, uint8_t variation,
                            const uint8_t *const *objs, const size_t *lens, size_t n);
/* Raw bytes (for crafted malformed fragments in tests). */
void dnp3kit_app_write_raw(dnp3kit_app_writer *w, const uint8_t *p, size_t n);

/* ---- master requests (each returns the fragment length or a negative error) ---- */

/* classes: bit 0 = class 0, bit 1 = class 1, ... bit 3 = class 3. READ g60 v2,v3,v4,v1 order. */
int dnp3kit_build_read_class(uint8_t *buf, size_t cap, uint8_t seq, unsigned classes);
int dnp3kit_build_integrity_poll(uint8_t *buf, size_t cap, uint8_t seq);
int dnp3kit_build_read_range(uint8_t *buf, size_t cap, uint8_t seq, uint8_t group, uint8_t variation,
                             uint32_t start, uint32_t stop);
int dnp3kit_build_confirm(uint8_t *buf, size_t cap, uint8_t seq, bool uns);

typedef struct dnp3kit_crob {
    uint8_t op;        /* DNP3KIT_OP_* */
    uint8_t tcc;       /* DNP3KIT_TCC_* */
    bool clear;
    uint8_t count;     /* times to execute, 1 for latch */
    uint32_t on_ms, off_ms;
    uint8_t status;    /* 0 in requests; echoed in responses */
} dnp3kit_crob;
/* func: SELECT, OPERATE, DIRECT_OPERATE or DIRECT_OPERATE_NR. g12v1, qualifier 0x28 (2-octet count and index). */
int dnp3kit_build_crob(uint8_t *buf, size_t cap, uint8_t seq, uint8_t func, uint16_t index,
                       const dnp3kit_crob *c);

typedef enum dnp3kit_ao_type {
    DNP3KIT_AO_INT32 = 1, DNP3KIT_AO_INT16 = 2, DNP3KIT_AO_FLOAT32 = 3, DNP3KIT_AO_FLOAT64 = 4,
} dnp3kit_ao_type;
/* g41 v1-v4 (variation = type). DNP3KIT_ERR_ARG when value does not fit the type exactly
 * (out of range, or a fraction for an integer type): never truncated silently. */
int dnp3kit_build_analog_output(uint8_t *buf, size_t cap, uint8_t seq, uint8_t func, uint16_t index,
                                dnp3kit_ao_type type, double value);

/* IMMED_FREEZE or FREEZE_CLEAR (clear = true) of all counters (g20v0, qualifier 0x06). */
int dnp3kit_build_freeze(uint8_t *buf, size_t cap, uint8_t seq, bool clear, bool no_ack);
int dnp3kit_build_restart(uint8_t *buf, size_t cap, uint8_t seq, bool cold);
/* classes: bit 1..3 = class 1..3 (g60 v2..v4). */
int dnp3kit_build_unsolicited(uint8_t *buf, size_t cap, uint8_t seq, bool enable, unsigned classes);
/* WRITE g80v1 index 7 = 0 (clear DEVICE_RESTART). */
int dnp3kit_build_clear_restart(uint8_t *buf, size_t cap, uint8_t seq);
int dnp3kit_build_delay_measure(uint8_t *buf, size_t cap, uint8_t seq);
int dnp3kit_build_record_current_time(uint8_t *buf, size_t cap, uint8_t seq);
/* WRITE g50v1 (non-LAN) or g50v3 (LAN, last recorded time), ms since epoch. */
int dnp3kit_build_write_time(uint8_t *buf, size_t cap, uint8_t seq, uint8_t variation, uint64_t ms);

/* ---- outstation responses ---- */

/* Header-only response (null response / confirm-less answers). */
int dnp3kit_build_null_response(uint8_t *buf, size_t cap, uint8_t ctrl, uint8_t func, uint16_t iin);
/* Echo of a CROB with its status. */
int dnp3kit_build_crob_response(uint8_t *buf, size_t cap, uint8_t seq, uint16_t iin, uint16_t index,
                                const dnp3kit_crob *c);
/* g52 v1 (coarse, seconds) or v2 (fine, ms) time delay: restart and delay-measure responses. */
int dnp3kit_build_time_delay_response(uint8_t *buf, size_t cap, uint8_t seq, uint16_t iin,
                                      uint8_t variation, uint16_t delay);

DNP3KIT_API_END
#ifdef __cplusplus
}
#endif
#endif
