/*
 * Application layer (IEEE 1815-2012 clause 4): fragment header, function
 * codes, IIN, qualifiers and the object-header iterator.
 *
 * The iterator computes every size in 64-bit arithmetic and checks it
 * against the octets that remain before anything is read.
 * dnp3kit_app_validate() walks a whole fragment first, so a consumer never
 * acts on a header of a fragment that turns out to be malformed later.
 */
#ifndef DNP3KIT_APP_H
#define DNP3KIT_APP_H
#include "dnp3kit/common.h"
#ifdef __cplusplus
extern "C" {
#endif
DNP3KIT_API_BEGIN

/* Application function codes, table 4-1 (X(NAME, code)). */
#define DNP3KIT_APP_FUNCS(X)                                                         \
    X(CONFIRM, 0) X(READ, 1) X(WRITE, 2) X(SELECT, 3) X(OPERATE, 4)                  \
    X(DIRECT_OPERATE, 5) X(DIRECT_OPERATE_NR, 6) X(IMMED_FREEZE, 7)                  \
    X(IMMED_FREEZE_NR, 8) X(FREEZE_CLEAR, 9) X(FREEZE_CLEAR_NR, 10)                  \
    X(FREEZE_AT_TIME, 11) X(FREEZE_AT_TIME_NR, 12) X(COLD_RESTART, 13)               \
    X(WARM_RESTART, 14) X(INITIALIZE_DATA, 15) X(INITIALIZE_APPL, 16)                \
    X(START_APPL, 17) X(STOP_APPL, 18) X(SAVE_CONFIG, 19)                            \
    X(ENABLE_UNSOLICITED, 20) X(DISABLE_UNSOLICITED, 21) X(ASSIGN_CLASS, 22)         \
    X(DELAY_MEASURE, 23) X(RECORD_CURRENT_TIME, 24) X(OPEN_FILE, 25)                 \
    X(CLOSE_FILE, 26) X(DELETE_FILE, 27) X(GET_FILE_INFO, 28)                        \
    X(AUTHENTICATE_FILE, 29) X(ABORT_FILE, 30) X(ACTIVATE_CONFIG, 31)                \
    X(AUTHENTICATE_REQ, 32) X(AUTH_REQ_NO_ACK, 33) X(RESPONSE, 129)                  \
    X(UNSOLICITED_RESPONSE, 130) X(AUTHENTICATE_RESP, 131)

enum {
#define DNP3KIT_X(n, v) DNP3KIT_FC_##n = v,
    DNP3KIT_APP_FUNCS(DNP3KIT_X)
#undef DNP3KIT_X
};

/* "READ", "RESPONSE", ...; NULL for a code the standard does not define. */
const char *dnp3kit_app_func_name(uint8_t func);
bool dnp3kit_app_func_is_response(uint8_t func); /* 129, 130, 131: carry IIN */

/* IIN bits as one 16-bit value: IIN1 in the high octet (clause 4.2.2.5). */
#define DNP3KIT_IIN_BITS(X)                                                          \
    X(ALL_STATIONS, 0x0100) X(CLASS_1_EVENTS, 0x0200) X(CLASS_2_EVENTS, 0x0400)      \
    X(CLASS_3_EVENTS, 0x0800) X(NEED_TIME, 0x1000) X(LOCAL_CONTROL, 0x2000)          \
    X(DEVICE_TROUBLE, 0x4000) X(DEVICE_RESTART, 0x8000)                              \
    X(NO_FUNC_CODE_SUPPORT, 0x0001) X(OBJECT_UNKNOWN, 0x0002)                        \
    X(PARAMETER_ERROR, 0x0004) X(EVENT_BUFFER_OVERFLOW, 0x0008)                      \
    X(ALREADY_EXECUTING, 0x0010) X(CONFIG_CORRUPT, 0x0020) X(RESERVED_2, 0x0040)     \
    X(RESERVED_1, 0x0080)

enum {
#define DNP3KIT_X(n, v) DNP3KIT_IIN_##n = v,
    DNP3KIT_IIN_BITS(DNP3KIT_X)
#undef DNP3KIT_X
};
/* Name of one IIN bit value ("DEVICE_RESTART"); NULL if not exactly one bit. */
const char *dnp3kit_iin_bit_name(uint16_t bit);
/* "DEVICE_RESTART|NEED_TIME" (or "" for none) into buf; returns snprintf's result. */
int dnp3kit_iin_format(uint16_t iin, char *buf, size_t cap);

/* Application control octet (clause 4.2.2.4). */
#define DNP3KIT_AC_FIR 0x80
#define DNP3KIT_AC_FIN 0x40
#define DNP3KIT_AC_CON 0x20
#define DNP3KIT_AC_UNS 0x10
static inline uint8_t dnp3kit_app_ctrl(bool fir, bool fin, bool con, bool uns, uint8_t seq)
{
    return (uint8_t)((fir ? 0x80 : 0) | (fin ? 0x40 : 0) | (con ? 0x20 : 0) | (uns ? 0x10 : 0) |
                     (seq & 0x0F));
}

typedef struct dnp3kit_app_header {
    uint8_t ctrl;
    bool fir, fin, con, uns;
    uint8_t seq;         /* 0..15 */
    uint8_t func;
    bool has_iin;        /* responses (129-131) */
    uint16_t iin;        /* IIN1 << 8 | IIN2 */
    size_t header_len;   /* 2 for requests, 4 for responses */
} dnp3kit_app_header;

/* Decode the 2- or 4-octet header. DNP3KIT_ERR_INVALID (finding APP_FRAGMENT_TOO_SHORT) if short. */
int dnp3kit_app_header_decode(const uint8_t *p, size_t len, dnp3kit_app_header *h,
                              const dnp3kit_sink *sink);

/* ---- qualifiers (clause 4.2.2.7) ---- */
/* prefix code = (q >> 4) & 7; range code = q & 0x0F */
enum {
    DNP3KIT_PREFIX_NONE = 0, DNP3KIT_PREFIX_INDEX8 = 1, DNP3KIT_PREFIX_INDEX16 = 2,
    DNP3KIT_PREFIX_INDEX32 = 3, DNP3KIT_PREFIX_SIZE8 = 4, DNP3KIT_PREFIX_SIZE16 = 5,
    DNP3KIT_PREFIX_SIZE32 = 6,
};
enum {
    DNP3KIT_RANGE_START_STOP8 = 0, DNP3KIT_RANGE_START_STOP16 = 1, DNP3KIT_RANGE_START_STOP32 = 2,
    /* 3-5: start/stop of absolute addresses (obsolete; decoded as ranges with app_unusual_qualifier) */
    DNP3KIT_RANGE_ADDR8 = 3, DNP3KIT_RANGE_ADDR16 = 4, DNP3KIT_RANGE_ADDR32 = 5,
    DNP3KIT_RANGE_ALL = 6, DNP3KIT_RANGE_COUNT8 = 7, DNP3KIT_RANGE_COUNT16 = 8,
    DNP3KIT_RANGE_COUNT32 = 9, DNP3KIT_RANGE_FREE8 = 0xB,
};

/* Does an object header of this function carry object data? (READ, freeze,
 * enable/disable unsolicited, assign class: no; WRITE, SELECT, OPERATE,
 * responses, file and auth functions: yes; g50 in FREEZE_AT_TIME: yes;
 * g60 class objects: never.) */
bool dnp3kit_app_header_has_data(uint8_t func, uint8_t group, uint8_t variation);

struct dnp3kit_object_info;

typedef struct dnp3kit_object_header {
    uint8_t group, variation, qualifier;
    uint8_t prefix_code, range_code;
    uint8_t prefix_size;       /* octets of index or size prefix per object (0, 1, 2, 4) */
    bool has_range;            /* start/stop valid (range codes 0-5) */
    uint64_t start, stop;      /* when has_range */
    uint64_t count;            /* number of objects (stop - start + 1 for ranges; 0 for 'all') */
    bool has_data;             /* objects follow the header */
    const struct dnp3kit_object_info *info; /* catalogue row, NULL when unknown */
    uint32_t object_size;      /* fixed octets per object, 0 for packed bits / free / none */
    uint8_t bits;              /* 1 or 2 for packed formats, else 0 */
    size_t offset;             /* of the header within the fragment */
    size_t header_len;         /* group..range field */
    size_t data_offset;        /* first octet after the header */
    size_t data_len;           /* octets of prefixes + objects */
    uint32_t number;           /* 0-based position of this header in the fragment */
    /* Set only with an error from dnp3kit_object_iter_next(): the header itself
     * is sound but its data ends early (APP_OBJECT_TRUNCATED) or breaks off at a
     * zero-size object; data_len then covers the valid_count whole objects
     * before the defect, the fragment's valid prefix (DESIGN.md principle 4).
     * Also for a reserved qualifier (APP_UNKNOWN_QUALIFIER): group, variation
     * and qualifier only, header_len 3, no range, valid_count 0. */
    bool partial;
    uint64_t valid_count;
} dnp3kit_object_header;

typedef struct dnp3kit_object_iter {
    const uint8_t *frag;       /* whole fragment (offsets are relative to it) */
    size_t len;
    size_t pos;
    uint8_t func;
    uint32_t number;
    int error;                 /* sticky: once an error is returned, next() keeps returning it */
} dnp3kit_object_iter;

/* Iterate the object headers of a fragment whose header is h (pos starts at h->header_len). */
void dnp3kit_object_iter_init(dnp3kit_object_iter *it, const uint8_t *frag, size_t len,
                              const dnp3kit_app_header *h);

/*
 * Next object header. Returns 1 with *oh filled, 0 at the end of the
 * fragment, or a negative dnp3kit_err after reporting a finding (offsets
 * relative to the fragment): DNP3KIT_ERR_INVALID (truncated header or data,
 * start > stop, zero-size free object), DNP3KIT_ERR_UNSUPPORTED (reserved
 * qualifier, unknown object that carries data), DNP3KIT_ERR_TOO_LARGE
 * (count x size beyond 32 bits). After an error the rest cannot be sized.
 * When the error is in the data of a sound header, *oh is that header with
 * partial = true (see above): a consumer may show its valid_count objects
 * (dnp3kit_point_iter stops after them) and must not act on the fragment.
 */
int dnp3kit_object_iter_next(dnp3kit_object_iter *it, dnp3kit_object_header *oh,
                             const dnp3kit_sink *sink);

/* Summary of a validated fragment. */
typedef struct dnp3kit_app_summary {
    dnp3kit_app_header header;
    uint32_t object_headers;  /* headers fully validated */
    uint64_t points;          /* sum of counts of headers with data */
    size_t valid_len;         /* octets validated from the start of the fragment */
} dnp3kit_app_summary;

/*
 * Validate a whole fragment: header, function, control bits for the
 * direction, IIN, every object header and its data size, and the values that
 * have a defined range. Returns DNP3KIT_OK when a consumer may act on it, a
 * negative dnp3kit_err otherwise; everything found goes to sink.
 * sum may be NULL.
 */
int dnp3kit_app_validate(const uint8_t *frag, size_t len, dnp3kit_app_summary *sum,
                         const dnp3kit_sink *sink);

DNP3KIT_API_END
#ifdef __cplusplus
}
#endif
#endif
