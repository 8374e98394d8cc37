/*
 * dnp3kit outstation simulator logic (sans-I/O, DESIGN.md principle 5).
 *
 * One dnp3kit_outstation is one DNP3 outstation (one link address): its
 * database, event buffer, transport reassembly and application state. It is
 * driven by "bytes received" (dnp3kit_outstation_receive, or _on_frame when
 * the caller demultiplexes link frames of many outstations on one stream),
 * "time passed" (dnp3kit_outstation_tick) and "something changed"
 * (dnp3kit_outstation_simulate_change / _set_value); the octets to send are
 * pulled with dnp3kit_outstation_output / _consume. Times are milliseconds
 * since the epoch (the caller's wall clock); the outstation keeps its own
 * offset from it once the master synchronises its time.
 *
 * Never touches sockets, clocks or files; memory is allocated once at init
 * and bounded by the configuration.
 */
#ifndef DNP3KIT_HARNESS_OUTSTATION_H
#define DNP3KIT_HARNESS_OUTSTATION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnp3kit/dnp3kit.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Point types of the database. */
typedef enum dnp3kit_os_type {
    DNP3KIT_OS_BI = 0,  /* binary input        g1  / events g2  */
    DNP3KIT_OS_DBI,     /* double-bit input    g3  / events g4  */
    DNP3KIT_OS_BO,      /* binary output status g10 / events g11 */
    DNP3KIT_OS_CNT,     /* counter             g20 / events g22 */
    DNP3KIT_OS_FCNT,    /* frozen counter      g21 / events g23 */
    DNP3KIT_OS_AI,      /* analog input        g30 / events g32 */
    DNP3KIT_OS_AO,      /* analog output status g40 / events g42 */
    DNP3KIT_OS_NTYPES
} dnp3kit_os_type;

/* Short names used in flags and config keys: "bi", "dbi", "bo", "counter",
 * "frozen-counter", "ai", "ao". */
const char *dnp3kit_os_type_name(dnp3kit_os_type t);
/* Type for a short name (also accepts "cnt", "fcnt"); -1 when unknown. */
int dnp3kit_os_type_by_name(const char *name);

/* Fault knobs (exercise the master's error paths). */
typedef enum dnp3kit_os_fault_kind {
    DNP3KIT_FAULT_NONE = 0,
    DNP3KIT_FAULT_SILENT,        /* drop the response */
    DNP3KIT_FAULT_DELAY,         /* hold the response for arg ms */
    DNP3KIT_FAULT_BAD_CRC,       /* corrupt a block CRC of the response's first frame */
    DNP3KIT_FAULT_WRONG_SEQ,     /* answer with SEQ + 1 */
    DNP3KIT_FAULT_CLOSE_MID,     /* send half the response, then ask the caller to close */
    DNP3KIT_FAULT_GARBAGE,       /* arg (default 7) garbage octets before each frame */
    DNP3KIT_FAULT_UNSOL_FLOOD,   /* unsolicited responses every arg ms (default 1), unconfirmed */
    /* hostile outstations (tests of the master's bounds) */
    DNP3KIT_FAULT_KEEP_IIN,      /* IIN bits arg (restart+need-time+overflow or a number) set in every response */
    DNP3KIT_FAULT_WRONG_FCV,     /* response frames with FCV=1 on UNCONFIRMED_USER_DATA (table 9-1 wants 0) */
    DNP3KIT_FAULT_WRONG_ADDRESS, /* response frames from our address + 1 */
    /* stream faults, applied by the socket loop (main.c) to a whole connection */
    DNP3KIT_FAULT_ENDLESS_OCTETS, /* after the first octets received: garbage without end, no responses */
    DNP3KIT_FAULT_SLOW_OCTETS,    /* every octet sent alone, arg ms (default 1000) after the previous one */
    DNP3KIT_FAULT_DROP_LINK_ACK,  /* the ACK to the arg-th (default 1st) CONFIRMED_USER_DATA taken is not sent */
} dnp3kit_os_fault_kind;


#define DNP3KIT_OS_MAX_FAULTS 4
typedef struct dnp3kit_os_fault {
    uint8_t kind;       /* dnp3kit_os_fault_kind */
    uint32_t arg;       /* delay ms, garbage octets, flood period ms */
    uint32_t every;     /* apply to every Nth response (0 or 1 = all) */
    double probability; /* apply with this probability (0 = use every) */
} dnp3kit_os_fault;

/* Parse "silent", "delay:500", "bad-crc,every=3", "garbage:20,p=0.5". 0 or -1. */
int dnp3kit_os_fault_parse(const char *s, dnp3kit_os_fault *f);

typedef struct dnp3kit_os_config {
    uint16_t address;            /* our link address (default 10) */
    uint16_t master;             /* the master's (default 1) */
    uint32_t count[DNP3KIT_OS_NTYPES];   /* points per type */
    uint8_t event_class[DNP3KIT_OS_NTYPES]; /* 0 = no events, 1-3 */
    uint8_t event_variation[DNP3KIT_OS_NTYPES]; /* default event variation */
    uint8_t static_variation[DNP3KIT_OS_NTYPES]; /* default static variation (class 0) */
    uint32_t event_buffer;       /* events held (default 100) */
    uint32_t select_timeout_ms;  /* default 5000 */
    uint32_t confirm_timeout_ms; /* application confirm timeout (default 2000) */
    uint32_t unsol_retries;      /* unsolicited retries before backing off (default 3) */
    uint32_t unsol_retry_delay_ms; /* back-off after the retries (default 5000) */
    uint32_t max_fragment;       /* response fragment size, 64..2048 (default 2048) */
    uint32_t max_controls;       /* objects per control request (default 16) */
    uint32_t restart_delay_ms;   /* reported by COLD/WARM_RESTART (default 1000) */
    bool unsolicited;            /* send unsolicited responses (when enabled by the master) */
    bool need_time;              /* set NEED_TIME at start (default true) */
    uint32_t octet_strings;      /* g110v8 objects reported in class 0 (default 0; extra.c) */
    uint32_t uints;              /* g102v1 objects reported in class 0 (default 0) */
    bool any_address;            /* answer requests for any link address, from our own (a misconfigured device) */
    const char *files_dir;       /* serve files from this directory (g70; files.c), NULL: none */
    const char *file_auth;       /* "USER:PASSWORD": file requests need the key AUTHENTICATE_FILE gives */
    bool files_bad_names;        /* the directory listing also holds "../escape" and "a<NUL>b" (hostile) */
    unsigned nfaults;
    dnp3kit_os_fault faults[DNP3KIT_OS_MAX_FAULTS];
    uint64_t seed;               /* for fault probabilities and simulated changes */
} dnp3kit_os_config;

/* Defaults (see above): 10 of each input type, 4 outputs, 4 analog outputs. */
void dnp3kit_os_config_default(dnp3kit_os_config *cfg);

/* One stored value: doubles hold every integer of the 32-bit types exactly. */
typedef struct dnp3kit_os_point {
    double value;        /* bool 0/1, double-bit 0-3, counter, analog */
    uint8_t flags;       /* quality flags without the state bits */
    uint64_t time;       /* frozen counters: time of the freeze */
} dnp3kit_os_point;

typedef struct dnp3kit_os_event {
    uint8_t type;        /* dnp3kit_os_type */
    uint8_t cls;         /* 1-3 */
    uint8_t state;       /* 0 buffered, 1 in a solicited fragment, 2 in an unsolicited one */
    uint8_t flags;
    uint32_t index;
    double value;
    uint64_t time;
} dnp3kit_os_event;

/* A READ request in progress (resumed fragment by fragment). */
typedef struct dnp3kit_os_read_item {
    uint8_t kind;        /* 1 static range, 2 events, 3 time (g50v1) */
    uint8_t type;        /* static/event: dnp3kit_os_type, or 0xFF for all types (class read) */
    uint8_t variation;   /* 0 = default */
    uint8_t classes;     /* events: bit n = class n */
    uint32_t start, stop;
    uint32_t limit;      /* events: max to report (count qualifier), UINT32_MAX = all */
    const uint8_t *indices; /* static: index list (0x17/0x28) in the stored request, NULL for a range */
    uint8_t index_size;
} dnp3kit_os_read_item;

#define DNP3KIT_OS_MAX_READ_ITEMS 32
#define DNP3KIT_OS_MAX_REQUEST 2048

typedef void (*dnp3kit_os_log_fn)(void *user, bool received, const uint8_t *frag, size_t len);

typedef struct dnp3kit_outstation {
    dnp3kit_os_config cfg;
    dnp3kit_os_point *points[DNP3KIT_OS_NTYPES];
    dnp3kit_os_point *initial[DNP3KIT_OS_NTYPES]; /* restored by a cold restart */
    dnp3kit_os_event *events;   /* ring of cfg.event_buffer */
    uint32_t ev_head, ev_count;
    uint64_t rng;

    /* link + transport */
    dnp3kit_link_parser lp;     /* used by dnp3kit_outstation_receive */
    dnp3kit_reassembler tr;
    uint8_t tr_buf[DNP3KIT_OS_MAX_REQUEST];
    uint8_t tseq;               /* our transport sequence */
    bool link_reset;            /* secondary link state reset by RESET_LINK_STATES */
    bool expect_fcb;

    /* application */
    uint16_t iin;               /* DEVICE_RESTART, NEED_TIME, EVENT_BUFFER_OVERFLOW ... */
    bool all_stations_pending;
    int64_t clock_offset;       /* outstation time = caller time + offset */
    uint64_t recorded_time;     /* caller time at RECORD_CURRENT_TIME */
    bool have_recorded_time;
    /* last request, for duplicate detection (same SEQ and octets: resend, not re-execute) */
    uint8_t last_req[DNP3KIT_OS_MAX_REQUEST];
    size_t last_req_len;
    uint8_t last_rsp[DNP3KIT_OS_MAX_REQUEST];
    size_t last_rsp_len;
    /* select-before-operate */
    bool selected;
    uint8_t sel_seq;
    uint64_t sel_time;
    uint8_t sel_objs[DNP3KIT_OS_MAX_REQUEST];
    size_t sel_len;
    /* solicited multi-fragment / event response waiting for a confirm */
    uint8_t read_req[DNP3KIT_OS_MAX_REQUEST];
    dnp3kit_os_read_item items[DNP3KIT_OS_MAX_READ_ITEMS];
    unsigned nitems, item_pos;
    uint32_t item_next;         /* next point of items[item_pos] */
    uint16_t read_iin;          /* request-specific IIN2 bits of the read */
    bool sol_waiting;
    uint8_t sol_seq;
    uint64_t sol_deadline;
    bool sol_more;              /* more fragments after the confirm */
    /* unsolicited */
    uint8_t unsol_enabled;      /* bit n = class n */
    bool unsol_null_done;       /* startup null unsolicited confirmed */
    bool unsol_waiting;
    uint8_t unsol_seq;          /* next unsolicited SEQ */
    uint8_t unsol_cur_seq;
    uint32_t unsol_tries;
    uint64_t unsol_deadline;
    uint64_t unsol_backoff_until;
    uint8_t unsol_frag[DNP3KIT_OS_MAX_REQUEST];
    size_t unsol_len;
    uint64_t flood_next;

    bool online;                /* a master is connected (unsolicited responses have somewhere to go) */

    /* faults */
    uint64_t responses;         /* counter for "every Nth" */
    uint64_t hold_until;        /* delay fault: output held until then */
    bool want_close;            /* close-mid-fragment: caller should close after flushing */

    /* output */
    uint8_t *out;
    size_t out_len, out_cap;
    uint64_t out_dropped;       /* octets dropped because the output was full */

    dnp3kit_os_log_fn log;
    void *log_user;

    struct dnp3kit_os_extra *extra; /* attributes, dead-bands (extra.c) */
    struct dnp3kit_os_files *files; /* open files (files.c) */

    /* counters */
    uint64_t requests, bad_requests, frames_in;
    /* link layer (clause 9): RESET_LINK_STATES received, CONFIRMED_USER_DATA taken, repeats
     * (FCB of the last one taken) acknowledged but not processed again, ACKs dropped by the fault */
    uint64_t link_resets, link_taken, link_repeats, link_acks_dropped;
    uint64_t confirms;          /* CONFIRM fragments among the requests */
} dnp3kit_outstation;

/* Allocates the database and buffers; DNP3KIT_ERR_ARG on a bad config,
 * DNP3KIT_ERR_NOMEM. now: caller time in ms since the epoch. */
int dnp3kit_outstation_init(dnp3kit_outstation *os, const dnp3kit_os_config *cfg, uint64_t now);
void dnp3kit_outstation_free(dnp3kit_outstation *os);

/* Octets from the master's stream (TCP) or one datagram (UDP). */
void dnp3kit_outstation_receive(dnp3kit_outstation *os, const uint8_t *p, size_t len, uint64_t now);
/* One link frame already parsed by the caller (dst is this outstation's address or a broadcast). */
void dnp3kit_outstation_on_frame(dnp3kit_outstation *os, const dnp3kit_link_frame *f, uint64_t now);
/* A master connected (sends the startup null unsolicited when configured). */
void dnp3kit_outstation_connected(dnp3kit_outstation *os, uint64_t now);
/* The master's connection closed: abandon what waits for confirms. */
void dnp3kit_outstation_disconnected(dnp3kit_outstation *os);
/* Time passed: confirm timeouts, unsolicited reporting, faults. */
void dnp3kit_outstation_tick(dnp3kit_outstation *os, uint64_t now);
/* Earliest time tick() has something to do (UINT64_MAX when nothing). */
uint64_t dnp3kit_outstation_next_deadline(const dnp3kit_outstation *os);

/* Octets to send now (none while a delay fault holds them). */
size_t dnp3kit_outstation_output(const dnp3kit_outstation *os, uint64_t now, const uint8_t **p);
void dnp3kit_outstation_consume(dnp3kit_outstation *os, size_t n);

/* Change a point's value (creates an event when its type has an event class).
 * DNP3KIT_ERR_ARG for an unknown point. */
int dnp3kit_outstation_set_value(dnp3kit_outstation *os, dnp3kit_os_type t, uint32_t index, double value,
                                 uint8_t flags, uint64_t now);
/* Initial value (before init's copy is made: use between config and init via cfg? no:
 * sets both the current and the cold-restart value). */
int dnp3kit_outstation_set_initial(dnp3kit_outstation *os, dnp3kit_os_type t, uint32_t index, double value);
/* One simulated change on a pseudo-random point (for --change-every). */
void dnp3kit_outstation_simulate_change(dnp3kit_outstation *os, uint64_t now);

/* Events of class cls (1-3) buffered and not yet reported. */
uint32_t dnp3kit_outstation_events(const dnp3kit_outstation *os, unsigned cls);

#ifdef __cplusplus
}
#endif
#endif
