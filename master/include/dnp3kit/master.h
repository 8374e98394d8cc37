/*
 * dnp3kit master (IEEE 1815-2012 master station, Level 2-3 subset).
 *
 * Three layers (DESIGN.md principle 5):
 *   1. dnp3kit_master_session_*  a sans-I/O state machine: feed it received
 *      octets, elapsed time and user requests; take octets to send, the next
 *      timer and callbacks out. No sockets, no clocks, no threads.
 *   2. dnp3kit_master_loop_*     a socket loop (epoll) that runs many sessions
 *      in one thread.
 *   3. dnp3kit_master_*          a blocking, thread-safe convenience API
 *      (one mutex per master), libmodbus style:
 *
 *        dnp3kit_master_config cfg;
 *        dnp3kit_master_config_default(&cfg);
 *        dnp3kit_master *m = dnp3kit_master_new(&cfg, &err);
 *        dnp3kit_master_connect(m, &err);
 *        dnp3kit_master_result r = {0};
 *        dnp3kit_master_integrity_poll(m, &r, &err);
 *        ... r.points[0 .. r.count) ...
 *        dnp3kit_master_result_free(&r);
 *        dnp3kit_master_close(m); dnp3kit_master_free(m);
 *
 * Every function returns a dnp3kit_err (0 = success, negative = error) and
 * fills a dnp3kit_error_detail when one is given (DESIGN.md principle 4).
 */
#ifndef DNP3KIT_MASTER_H
#define DNP3KIT_MASTER_H
#include "dnp3kit/common.h"
#include "dnp3kit/link.h"
#include "dnp3kit/build.h"
#include "dnp3kit/catalog.h"
#ifdef __cplusplus
extern "C" {
#endif
DNP3KIT_API_BEGIN

/* ---- configuration ---- */

typedef enum dnp3kit_time_sync_mode {
    DNP3KIT_TIME_SYNC_NONE = 0,   /* never synchronise automatically */
    DNP3KIT_TIME_SYNC_LAN = 1,    /* RECORD_CURRENT_TIME + WRITE g50v3 (clause 5.3.3) */
    DNP3KIT_TIME_SYNC_NON_LAN = 2 /* DELAY_MEASURE + WRITE g50v1 corrected by the delay (clause 5.3.2) */
} dnp3kit_time_sync_mode;

/* How the master reaches the outstation (docs/transports.md). */
typedef enum dnp3kit_transport {
    DNP3KIT_TRANSPORT_TCP = 0,    /* TCP client to host:port (default) */
    DNP3KIT_TRANSPORT_UDP = 1,    /* UDP datagrams to host:port from local_port (IEEE 1815 UDP-only mode) */
    DNP3KIT_TRANSPORT_SERIAL = 2, /* a serial port (RS-232/RS-485), serial.* */
    DNP3KIT_TRANSPORT_TCP_LISTEN = 3 /* listen on host:port; the outstation dials in and is known by the link
                                      * source address of its first frame (blocking API only, for now) */
} dnp3kit_transport;

typedef enum dnp3kit_flow_control {
    DNP3KIT_FLOW_NONE = 0,
    DNP3KIT_FLOW_RTSCTS = 1,      /* hardware (CRTSCTS) */
    DNP3KIT_FLOW_XONXOFF = 2      /* software (IXON/IXOFF) */
} dnp3kit_flow_control;

typedef struct dnp3kit_serial_config {
    char device[128];             /* e.g. /dev/ttyUSB0 */
    uint32_t baud;                /* 300-4000000 (a rate termios knows); default 9600 */
    uint8_t data_bits;            /* 5-8; default 8 */
    char parity;                  /* 'N', 'E' or 'O'; default 'N' */
    uint8_t stop_bits;            /* 1 or 2; default 1 */
    dnp3kit_flow_control flow;    /* default NONE */
    bool rs485;                   /* RS-485 half-duplex by the driver (TIOCSRS485); where the driver has
                                   * none, the turnaround timing below is what keeps the line free */
    uint32_t inter_char_ms;       /* a gap this long inside a frame drops the partial frame; 0 = off (default) */
    uint32_t turnaround_ms;       /* least time from the last octet received to the next sent, 0-1000; default 0 */
} dnp3kit_serial_config;

/* "DEVICE[:BAUD[,FRAMING]]" (e.g. "/dev/ttyUSB0:9600,8N1", "/dev/ttyS1:115200,8E1") into c
 * (fields not given are left as they are). 0, or -1 with why[] naming the bad part. */
int dnp3kit_serial_parse(const char *spec, dnp3kit_serial_config *c, char *why, size_t cap);
/* Put an open tty in raw mode with c's rate, framing and flow control. 0; 1 when the device
 * refused parity/stop bits and runs without them (why[] says so); -1 with why[]. */
int dnp3kit_serial_configure(int fd, const dnp3kit_serial_config *c, char *why, size_t cap);

/* TLS over TCP (client) or over TCP_LISTEN (the master is the TLS server), OpenSSL
 * (docs/transports.md, "TLS"). Renegotiation is refused, sessions are not resumed. */
typedef struct dnp3kit_tls_config {
    bool enabled;                 /* default false */
    char ca_file[256];            /* PEM CA certificate(s) the peer's certificate must chain to. Client: ""
                                   * = the system's store. Listen: when set, the outstation must present a
                                   * certificate signed by it (mutual authentication) */
    char cert_file[256];          /* own certificate (PEM, chain allowed). Client: optional (mutual
                                   * authentication); listen: required */
    char key_file[256];           /* its private key (PEM); "" = in cert_file */
    char key_password[128];       /* of an encrypted key_file; "" = none (never asked on a terminal) */
    char name[256];               /* client: name or IP address the server certificate must carry; "" = host */
    uint16_t min_version;         /* 0x0303 TLS 1.2 or 0x0304 TLS 1.3; 0 = 1.2 (default) */
    uint16_t max_version;         /* likewise; 0 = the highest the library has */
    char ciphers[256];            /* TLS 1.2 cipher list (OpenSSL syntax); "" = library default */
    char ciphersuites[256];       /* TLS 1.3 cipher suites; "" = library default */
} dnp3kit_tls_config;

/* IANA's port for DNP3 over TLS ("dnp-sec", IEEE 1815-2012 / IEC 62351-3). */
#define DNP3KIT_TLS_PORT 19999

/* "tcp", "udp", "serial", "listen"; "?" otherwise. */
const char *dnp3kit_transport_name(dnp3kit_transport t);

typedef struct dnp3kit_master_config {
    char host[64];                /* numeric IPv4/IPv6 address or name; default "127.0.0.1" */
    uint16_t port;                /* default 20000 */
    uint16_t master_address;      /* 0-65519, default 1 */
    uint16_t outstation_address;  /* 0-65519, default 10 */
    uint32_t response_timeout_ms; /* per fragment; default 5000 */
    uint32_t connect_timeout_ms;  /* default 5000 */
    uint32_t select_timeout_ms;   /* SELECT echo -> OPERATE; default 5000 */
    uint32_t retries;             /* extra attempts after a timeout or a lost connection; default 2 */
    uint32_t retry_delay_ms;      /* default 1000 */
    uint32_t max_frame_size;      /* link user data octets per frame sent, 6-250; default 250 */
    uint32_t max_fragment_size;   /* largest fragment sent or received, 249-65535; default 2048 */
    uint32_t keepalive_ms;        /* REQUEST_LINK_STATUS after this much silence; 0 = off (default) */
    dnp3kit_time_sync_mode time_sync; /* reaction to NEED_TIME; default LAN */
    bool startup;                 /* run the startup sequence on every connection; default false */
    bool iin_reactions;           /* clear DEVICE_RESTART, integrity on EVENT_BUFFER_OVERFLOW, time sync on NEED_TIME; default true */
    uint32_t max_points;          /* points kept per result (the rest counted in dropped); default 100000 */
    dnp3kit_transport transport;  /* default TCP */
    uint16_t local_port;          /* UDP: port to send from and receive on; 0 = any (default) */
    dnp3kit_serial_config serial; /* SERIAL */
    /* Bounds that keep a master from storming an outstation (docs/dnp3-master.md, "Bounds"). */
    uint32_t reaction_window_ms;  /* each IIN reaction (clear DEVICE_RESTART, time sync on NEED_TIME, integrity
                                     poll on EVENT_BUFFER_OVERFLOW) and each repeated confirm of the same
                                     unsolicited response at most once per cause in this window; default 5000 */
    uint32_t reaction_attempts;   /* reactions to a bit the outstation keeps set before the master gives up on it
                                     (until the outstation reports it clear or the connection is new); each
                                     futile one is reported as finding session_iin_stuck; 1-100, default 3 */
    uint32_t max_requests_per_s;  /* per-session cap on what the master sends of its own accord (requests,
                                     REQUEST_LINK_STATUS, confirms of unsolicited responses, link answers):
                                     sustained rate with bursts of as many; 0 = no cap; default 100 */
    dnp3kit_tls_config tls;       /* TCP and TCP_LISTEN: TLS when tls.enabled */
    /* Link-layer confirms (IEEE 1815 clause 9; for serial lines, any transport): the master's user data go
     * as CONFIRMED_USER_DATA (FCV=1, FCB alternating from 1), after a RESET_LINK_STATES on each new
     * connection; each frame waits for the outstation's ACK and is sent again with the same FCB after
     * link_timeout_ms, at most link_retries more times; a NACK resets the link and sends the frame again.
     * The response timeout runs from the ACK of the request's last frame. Default off (unconfirmed). */
    bool link_confirm;
    uint32_t link_timeout_ms;     /* wait for a link ACK; 1-3600000, default 1000 */
    uint32_t link_retries;        /* more sends of an unacknowledged frame; 0-100, default 2 */
    /* TCP_LISTEN: take the outstation's connection only from this numeric IPv4/IPv6 address
     * (besides the link addresses of its first frame); "" = from anywhere (default). */
    char listen_peer[64];
} dnp3kit_master_config;

void dnp3kit_master_config_default(dnp3kit_master_config *cfg);
/* DNP3KIT_OK or DNP3KIT_ERR_ARG with err->message naming the field and its range. */
int dnp3kit_master_config_validate(const dnp3kit_master_config *cfg, dnp3kit_error_detail *err);

/* ---- results ---- */

typedef enum dnp3kit_point_type {
    DNP3KIT_POINT_BI = 0,         /* binary input (g1, events g2) */
    DNP3KIT_POINT_DBI,            /* double-bit input (g3, g4) */
    DNP3KIT_POINT_BO,             /* binary output status (g10, g11) */
    DNP3KIT_POINT_COUNTER,        /* g20, g22 */
    DNP3KIT_POINT_FROZEN_COUNTER, /* g21, g23 */
    DNP3KIT_POINT_AI,             /* g30, g32 */
    DNP3KIT_POINT_AO,             /* analog output status g40, g42 */
    DNP3KIT_POINT_TYPE_COUNT_
} dnp3kit_point_type;

/* "bi", "dbi", "bo", "counter", "frozen-counter", "ai", "ao"; "?" otherwise. */
const char *dnp3kit_master_point_type_name(dnp3kit_point_type t);
/* Parse one of the names above; -1 if none. */
int dnp3kit_master_point_type_parse(const char *s);
/* Static group of a type (1, 3, 10, 20, 21, 30, 40). */
uint8_t dnp3kit_master_point_type_group(dnp3kit_point_type t);

typedef struct dnp3kit_master_point {
    uint8_t type;      /* dnp3kit_point_type */
    bool event;        /* from an event object (g2, g4, g11, g22, g23, g32, g42) */
    uint8_t group, variation;
    bool has_flags;
    uint8_t flags;     /* raw flag octet (state bits included); name them with dnp3kit_flags_format */
    uint32_t index;
    double value;      /* binary 0/1, double-bit 0-3, counters and analogs (every 32-bit integer is exact) */
    bool has_time;
    uint64_t time_ms;  /* ms since 1970 UTC; relative times are resolved against the CTO (g51) */
} dnp3kit_master_point;

/* One field of an object that is not a modelled point, typed by the catalogue
 * (objects.def): the same names the decoder and the dissector use. */
typedef struct dnp3kit_master_field {
    const char *name;             /* "time", "value", "handle", "data_type" ... (static storage) */
    uint8_t type;                 /* dnp3kit_field_type */
    union { uint64_t u; int64_t i; double f; } v; /* TIME48: ms since 1970 UTC in u */
    uint32_t octets_off, octets_len; /* FT_OCTETS: octets at result->octets + octets_off */
} dnp3kit_master_field;

/* Every object of a response that is not a point of the seven modelled types:
 * time (g50-g52), octet strings (g110-g114), unsigned integers (g102), dead-bands
 * (g34), device attributes (g0), files (g70), data sets (g85-g88), security
 * statistics (g121/g122), IIN (g80), and whatever the catalogue cannot decode
 * (name NULL: one OCTETS field "octets" holding the rest of the fragment). */
typedef struct dnp3kit_master_object {
    uint8_t group, variation, qualifier;
    bool event;                   /* an event group (g111, g113, g122, g88 ...) */
    bool has_index;
    uint32_t index;               /* prefix or position in the range */
    const char *name;             /* catalogue name, NULL when undecodable */
    uint8_t nfields;
    dnp3kit_master_field fields[DNP3KIT_MAX_FIELDS];
} dnp3kit_master_object;

typedef struct dnp3kit_master_result {
    dnp3kit_master_point *points; /* heap; free with dnp3kit_master_result_free */
    size_t count, cap;
    size_t dropped;               /* points and objects beyond cfg.max_points */
    dnp3kit_master_object *objects; /* heap: the other objects, in wire order */
    size_t nobjects, objects_cap;
    uint8_t *octets;              /* heap: octet-string fields of objects */
    size_t octets_len, octets_cap;
    size_t undecoded;             /* objects after a defect that could not be sized (named in objects[]) */
    bool has_iin;
    uint16_t iin;                 /* of the last response fragment (IIN1 << 8 | IIN2) */
    uint32_t fragments;           /* response fragments taken */
    int control_status;           /* echoed CROB/AO status, -1 when none */
    bool has_delay;
    uint32_t delay_ms;            /* restart / delay-measure time delay (g52), in ms */
    uint32_t task_id;
    uint8_t task_type;            /* dnp3kit_master_task_type of the task that produced it */
} dnp3kit_master_result;

void dnp3kit_master_result_free(dnp3kit_master_result *r);
void dnp3kit_master_result_reset(dnp3kit_master_result *r); /* count = 0, keeps the buffers */
/* Move src's contents into dst (whose buffers are freed first); src is left empty. */
void dnp3kit_master_result_take(dnp3kit_master_result *dst, dnp3kit_master_result *src);
/* Octets of an OCTETS field of an object of r. */
const uint8_t *dnp3kit_master_field_octets(const dnp3kit_master_result *r, const dnp3kit_master_field *f);
/* First field of o with this name, or NULL. */
const dnp3kit_master_field *dnp3kit_master_object_field(const dnp3kit_master_object *o, const char *name);

/* ---- requests ---- */

typedef enum dnp3kit_master_task_type {
    DNP3KIT_TASK_READ_CLASS = 1,  /* classes: bit 0 class 0 ... bit 3 class 3 */
    DNP3KIT_TASK_READ_RANGE,      /* group, variation (0 = any), start, stop */
    DNP3KIT_TASK_CROB,            /* index, crob, mode */
    DNP3KIT_TASK_ANALOG_OUTPUT,   /* index, ao_type, ao_value, mode */
    DNP3KIT_TASK_FREEZE,          /* clear, no_ack */
    DNP3KIT_TASK_RESTART,         /* cold */
    DNP3KIT_TASK_UNSOLICITED,     /* enable, classes (bits 1-3) */
    DNP3KIT_TASK_TIME_SYNC,       /* time_sync (NONE: the configured mode) */
    DNP3KIT_TASK_CLEAR_RESTART,   /* WRITE g80v1 index 7 = 0 */
    DNP3KIT_TASK_LINK_STATUS,     /* REQUEST_LINK_STATUS -> LINK_STATUS */
    DNP3KIT_TASK_STARTUP,         /* clear restart, disable unsol., integrity, time sync if needed, enable unsol. */
    DNP3KIT_TASK_RAW,             /* func + object headers and objects as given (objects, objects_len:
                                   * copied by submit); the answer's points and objects are the result */
} dnp3kit_master_task_type;

typedef enum dnp3kit_control_mode {
    DNP3KIT_CONTROL_SBO = 0,          /* SELECT, then OPERATE with identical objects */
    DNP3KIT_CONTROL_DIRECT = 1,       /* DIRECT_OPERATE */
    DNP3KIT_CONTROL_DIRECT_NO_ACK = 2 /* DIRECT_OPERATE_NR: no response, nothing to check */
} dnp3kit_control_mode;

typedef struct dnp3kit_master_request {
    dnp3kit_master_task_type type;
    unsigned classes;
    uint8_t group, variation;
    uint32_t start, stop;
    uint16_t index;
    dnp3kit_control_mode mode;
    dnp3kit_crob crob;
    dnp3kit_ao_type ao_type;
    double ao_value;
    bool clear, no_ack, cold, enable;
    dnp3kit_time_sync_mode time_sync;
    uint8_t func;                 /* RAW: application function code */
    const uint8_t *objects;       /* RAW: what follows the 2-octet request header */
    size_t objects_len;
} dnp3kit_master_request;

/* ---- the sans-I/O session ---- */

typedef struct dnp3kit_master_session dnp3kit_master_session;

typedef struct dnp3kit_master_callbacks {
    /* A task ended: err is DNP3KIT_OK or the error (detail filled). r is valid
     * during the call only; the callee may take r->points (set r->points to
     * NULL and r->count/cap to 0). internal: started by the session itself
     * (IIN reaction, startup) rather than submitted. */
    void (*on_task_done)(void *user, uint32_t task_id, bool internal, int err,
                         const dnp3kit_error_detail *detail, dnp3kit_master_result *r);
    /* An unsolicited response (already confirmed when it asked for it). */
    void (*on_unsolicited)(void *user, const dnp3kit_master_result *r);
    /* Every link frame sent (tx) or received with a good CRC, and every
     * complete fragment (frag != NULL), for tracing (-v). May be NULL. */
    void (*on_frame)(void *user, bool tx, const dnp3kit_link_frame *f);
    void (*on_fragment)(void *user, bool tx, const uint8_t *frag, size_t len);
    /* Protocol findings in what was received (bad CRC, garbage, SEQ ...). May be NULL. */
    void (*on_finding)(void *user, const dnp3kit_finding *f);
    /* Wall clock in ms since 1970 UTC, for time synchronisation. NULL: time sync fails with ERR_STATE. */
    uint64_t (*wall_clock_ms)(void *user);
} dnp3kit_master_callbacks;

/* NULL with err filled when cfg is invalid or memory is short. */
dnp3kit_master_session *dnp3kit_master_session_new(const dnp3kit_master_config *cfg,
                                                   const dnp3kit_master_callbacks *cb, void *user,
                                                   dnp3kit_error_detail *err);
void dnp3kit_master_session_free(dnp3kit_master_session *s);
const dnp3kit_master_config *dnp3kit_master_session_config(const dnp3kit_master_session *s);

/* Connection events from the I/O layer. now_ms: a monotonic clock in ms. */
void dnp3kit_master_session_connected(dnp3kit_master_session *s, uint64_t now_ms);
/* A connection attempt failed: consumes one attempt of the first waiting task;
 * when none is left that task fails with a copy of *why (ERR_CONNECT, host, port). */
void dnp3kit_master_session_connect_failed(dnp3kit_master_session *s, uint64_t now_ms,
                                           const dnp3kit_error_detail *why);
/* The connection was lost or closed. A request in flight is retried on the next connection
 * while attempts remain (controls are never repeated: they fail with ERR_CLOSED). */
void dnp3kit_master_session_closed(dnp3kit_master_session *s, uint64_t now_ms);
bool dnp3kit_master_session_is_connected(const dnp3kit_master_session *s);

/* Octets received, in any chunking. Never fails: defects become findings. */
void dnp3kit_master_session_recv(dnp3kit_master_session *s, const uint8_t *p, size_t len, uint64_t now_ms);
/* Time passed: runs timeouts, retries and keep-alive. */
void dnp3kit_master_session_tick(dnp3kit_master_session *s, uint64_t now_ms);
/* Queue a request; returns its task id (> 0) or a negative dnp3kit_err (ERR_ARG: bad request,
 * detail says why; a value that does not fit an analog output type exactly is ERR_ARG here).
 * The request goes out on the next tick() (next_timer() is due at once), so no callback for
 * it runs before this returns. */
int dnp3kit_master_session_submit(dnp3kit_master_session *s, const dnp3kit_master_request *rq,
                                  uint64_t now_ms, dnp3kit_error_detail *err);
/* Drop a task (queued or in flight) without calling back; a late answer is then ignored. */
void dnp3kit_master_session_cancel(dnp3kit_master_session *s, uint32_t task_id);
/* Octets waiting to be sent (pointer valid until the next call into the session). */
size_t dnp3kit_master_session_pending(dnp3kit_master_session *s, const uint8_t **p);
/* n octets of the pending ones were written to the connection. */
void dnp3kit_master_session_sent(dnp3kit_master_session *s, size_t n);
/* Monotonic ms at which tick() has work to do; UINT64_MAX when nothing is timed. */
uint64_t dnp3kit_master_session_next_timer(const dnp3kit_master_session *s);
/* The session asks the I/O layer to drop the connection (keep-alive unanswered). */
bool dnp3kit_master_session_wants_close(const dnp3kit_master_session *s);
/* Tasks queued or running (internal ones included). */
size_t dnp3kit_master_session_tasks(const dnp3kit_master_session *s);
/* IIN of the last response or unsolicited response received. */
uint16_t dnp3kit_master_session_last_iin(const dnp3kit_master_session *s);
/* Octets of heap owned by the session (for the memory-per-session figure). */
size_t dnp3kit_master_session_memory(const dnp3kit_master_session *s);

/* What the session sent and refused since it was created (tests, -v summaries). */
typedef struct dnp3kit_master_stats {
    uint64_t requests;        /* application requests sent (every attempt of every step, confirms excluded) */
    uint64_t confirms;        /* application confirms sent (solicited and unsolicited) */
    uint64_t link_requests;   /* REQUEST_LINK_STATUS sent (link-status task, keep-alive) */
    uint64_t link_answers;    /* ACK / LINK_STATUS sent to the outstation's link requests */
    uint64_t rate_limited;    /* sends held back (requests) or dropped (answers, unsolicited confirms) by the cap */
    uint64_t frames_rejected; /* frames from the outstation refused: FCV wrong for the function (table 9-1) */
    uint64_t iin_stuck;       /* session_iin_stuck findings: reactions the outstation ignored */
    uint64_t frames_repeated; /* CONFIRMED_USER_DATA repeated with the FCB of the last one taken (after the
                                 outstation's RESET_LINK_STATES): acknowledged again, not taken twice */
    uint64_t link_resets;     /* RESET_LINK_STATES sent (link_confirm) */
    uint64_t link_frames;     /* CONFIRMED_USER_DATA sent, repeats included (link_confirm) */
    uint64_t link_repeats;    /* ... of them repeats after a link timeout (same FCB) */
    uint64_t link_nacks;      /* NACKs received to our RESET_LINK_STATES / CONFIRMED_USER_DATA */
} dnp3kit_master_stats;
void dnp3kit_master_session_stats(const dnp3kit_master_session *s, dnp3kit_master_stats *out);

/* ---- socket loop: many sessions, one thread ---- */

typedef struct dnp3kit_master_loop dnp3kit_master_loop;

dnp3kit_master_loop *dnp3kit_master_loop_new(void);
/* Free the loop, closing its connections (sessions stay the caller's). */
void dnp3kit_master_loop_free(dnp3kit_master_loop *l);
/* Add a session; the loop connects to its config's host/port and keeps the
 * connection (reconnecting after retry_delay_ms). Returns a handle >= 0.
 * Dial-in (TCP_LISTEN, plain or TLS): sessions with the same host:port share one
 * listening socket (made here: a bind failure is returned); each connection is
 * given to the session whose outstation and master addresses its first link
 * frame carries (a new one replaces that session's earlier connection), others
 * are refused and logged (unknown address, no frame within 2 s, not DNP3); a
 * request waiting for its outstation to dial in fails after connect_timeout_ms
 * per attempt. With tls.enabled each dialler's handshake comes first (the
 * sessions on one port must all have TLS, or none: ERR_ARG).
 * Multi-drop: sessions whose serial.device is the same share one line (the
 * first one's channel and line settings; the others must have the same baud,
 * framing, flow and RS-485 setting and each its own outstation address, else
 * DNP3KIT_ERR_ARG naming it); the loop gives the line to one session at a time,
 * in turn, for one request and its response (or timeout); octets received go
 * to every session on it. */
int dnp3kit_master_loop_add(dnp3kit_master_loop *l, dnp3kit_master_session *s, dnp3kit_error_detail *err);
/* Remove and disconnect (the session is left as if closed). */
void dnp3kit_master_loop_remove(dnp3kit_master_loop *l, int handle);
/* Notes from the channels (a datagram from an unexpected peer dropped, why a
 * connection was lost ...); handle as returned by loop_add, or -1 for a
 * dial-in listener's (a dialler refused and why). May be NULL. */
typedef void (*dnp3kit_master_loop_log_fn)(void *user, int handle, const char *msg);
void dnp3kit_master_loop_set_log(dnp3kit_master_loop *l, dnp3kit_master_loop_log_fn fn, void *user);
/* Run I/O and timers for at most timeout_ms (0: do what is ready). Returns the number of events handled or an error. */
int dnp3kit_master_loop_run_once(dnp3kit_master_loop *l, int timeout_ms);
/* Monotonic clock in ms used by the loop and the blocking API. */
uint64_t dnp3kit_master_now_ms(void);
/* Wall clock in ms since the epoch. */
uint64_t dnp3kit_master_wall_ms(void);
/* Raw octets on the wire (tx: master -> outstation), for recording. May be NULL. */
typedef void (*dnp3kit_master_wire_fn)(void *user, int event, bool tx, const uint8_t *p, size_t len);
enum { DNP3KIT_WIRE_CONNECTED = 1, DNP3KIT_WIRE_DATA = 2, DNP3KIT_WIRE_CLOSED = 3 };

/* ---- blocking, thread-safe API ---- */

typedef struct dnp3kit_master dnp3kit_master;

dnp3kit_master *dnp3kit_master_new(const dnp3kit_master_config *cfg, dnp3kit_error_detail *err);
/* Trace and recording hooks; set before connecting. Callbacks run with the master's lock held. */
void dnp3kit_master_set_wire_hook(dnp3kit_master *m, dnp3kit_master_wire_fn fn, void *user);
void dnp3kit_master_set_trace(dnp3kit_master *m,
                              void (*on_frame)(void *user, bool tx, const dnp3kit_link_frame *f),
                              void (*on_fragment)(void *user, bool tx, const uint8_t *frag, size_t len),
                              void (*on_finding)(void *user, const dnp3kit_finding *f), void *user);
/* Notes from the channel: why a connection was lost, a datagram from an
 * unexpected peer dropped ... (one line each, no newline). May be NULL. */
void dnp3kit_master_set_log(dnp3kit_master *m, void (*fn)(void *user, const char *msg), void *user);
void dnp3kit_master_set_unsolicited(dnp3kit_master *m,
                                    void (*fn)(void *user, const dnp3kit_master_result *r), void *user);
/* Open the channel (cfg.transport: TCP connect with its timeout, UDP socket
 * bound), retries with delay; runs the startup sequence when configured. */
int dnp3kit_master_connect(dnp3kit_master *m, dnp3kit_error_detail *err);
/* Run any request; r may be NULL. Blocks until the task ends (bounded by timeouts and retries).
 * Every call here and below also returns ERR_PROTOCOL (detail: finding session_iin_stuck, the
 * bit and how often) when the outstation ignored an IIN reaction during the call, even though
 * the request itself succeeded (r is filled then): a master must not report success while
 * the outstation keeps DEVICE_RESTART, NEED_TIME or EVENT_BUFFER_OVERFLOW set. */
int dnp3kit_master_run(dnp3kit_master *m, const dnp3kit_master_request *rq, dnp3kit_master_result *r,
                           dnp3kit_error_detail *err);
int dnp3kit_master_integrity_poll(dnp3kit_master *m, dnp3kit_master_result *r, dnp3kit_error_detail *err);
/* classes: bit 1..3 = class 1..3 (bit 0 adds class 0). */
int dnp3kit_master_read_class(dnp3kit_master *m, unsigned classes, dnp3kit_master_result *r,
                              dnp3kit_error_detail *err);
/* variation 0 = any. */
int dnp3kit_master_read_range(dnp3kit_master *m, dnp3kit_point_type type, uint8_t variation, uint32_t start,
                              uint32_t stop, dnp3kit_master_result *r, dnp3kit_error_detail *err);
/* CROB on one binary output. ERR_CONTROL (detail control_status) unless the echo says SUCCESS. */
int dnp3kit_master_operate_binary(dnp3kit_master *m, uint16_t index, const dnp3kit_crob *op,
                                  dnp3kit_control_mode mode, dnp3kit_error_detail *err);
/* g41 v1-v4; ERR_ARG when value does not fit type exactly. */
int dnp3kit_master_operate_analog(dnp3kit_master *m, uint16_t index, dnp3kit_ao_type type, double value,
                                  dnp3kit_control_mode mode, dnp3kit_error_detail *err);
/* delay_ms may be NULL. */
int dnp3kit_master_cold_restart(dnp3kit_master *m, uint32_t *delay_ms, dnp3kit_error_detail *err);
int dnp3kit_master_warm_restart(dnp3kit_master *m, uint32_t *delay_ms, dnp3kit_error_detail *err);
int dnp3kit_master_enable_unsolicited(dnp3kit_master *m, unsigned classes, dnp3kit_error_detail *err);
int dnp3kit_master_disable_unsolicited(dnp3kit_master *m, unsigned classes, dnp3kit_error_detail *err);
/* mode NONE: the configured mode (LAN when that is NONE too). */
int dnp3kit_master_time_sync(dnp3kit_master *m, dnp3kit_time_sync_mode mode, dnp3kit_error_detail *err);
int dnp3kit_master_freeze(dnp3kit_master *m, bool clear, dnp3kit_error_detail *err);
int dnp3kit_master_link_status(dnp3kit_master *m, dnp3kit_error_detail *err);
/* Wait up to timeout_ms for traffic (unsolicited responses, IIN reactions); OK, or ERR_PROTOCOL
 * when a reaction was ignored meanwhile (see dnp3kit_master_run). */
/* READ of a list of indices (qualifier 0x17 when every index is below 256, else 0x28; at most
 * 65535 indices, each at most 65535). variation 0 = any. */
int dnp3kit_master_read_indices(dnp3kit_master *m, dnp3kit_point_type type, uint8_t variation,
                                const uint32_t *indices, size_t n, dnp3kit_master_result *r,
                                dnp3kit_error_detail *err);
/* The same for any group (g34 dead-bands ...). */
int dnp3kit_master_read_group_indices(dnp3kit_master *m, uint8_t group, uint8_t variation, const uint32_t *indices,
                                      size_t n, dnp3kit_master_result *r, dnp3kit_error_detail *err);
/* READ of any group by range (g34 dead-bands, g110 octet strings ...); the objects land in r->objects. */
int dnp3kit_master_read_group(dnp3kit_master *m, uint8_t group, uint8_t variation, uint32_t start, uint32_t stop,
                              dnp3kit_master_result *r, dnp3kit_error_detail *err);
/* Analog input dead-band (g34 v1 16-bit, v2 32-bit, v3 float): WRITE with qualifier 0x28. */
int dnp3kit_master_write_deadband(dnp3kit_master *m, uint16_t index, uint8_t variation, double value,
                                  dnp3kit_error_detail *err);
/* Device attributes (g0): variation 254 reads all (qualifier 0x06), another one that
 * attribute (qualifier 0x00, index 0). Each attribute is an object of r with fields
 * data_type, length, value. */
int dnp3kit_master_read_attributes(dnp3kit_master *m, uint8_t variation, dnp3kit_master_result *r,
                                   dnp3kit_error_detail *err);
/* WRITE one attribute: data type code (1 VSTR, 2 UINT, 3 INT, 4 FLT, 5 OSTR, 6 BSTR) and value octets. */
int dnp3kit_master_write_attribute(dnp3kit_master *m, uint8_t variation, uint8_t type, const uint8_t *value,
                                   size_t len, dnp3kit_error_detail *err);
/* Wait up to timeout_ms for traffic (unsolicited responses, IIN reactions). */
int dnp3kit_master_process(dnp3kit_master *m, int timeout_ms, dnp3kit_error_detail *err);

/* ---- file transfer (g70, master/src/file.c) ----
 * Each call is one request; a refusal by the outstation (g70v4/v6 status other
 * than SUCCESS) is DNP3KIT_ERR_PROTOCOL with the status named in err->message.
 * auth_key: 0, or the key dnp3kit_master_file_authenticate returned. */
typedef struct dnp3kit_file_info {
    char name[256];      /* as the outstation sent it (may hold '/' or NUL: see name_len) */
    size_t name_len;
    uint16_t type;       /* 0 directory, 1 simple file */
    uint32_t size;
    uint64_t time_ms;    /* creation, ms since 1970 UTC */
    uint16_t permissions;
} dnp3kit_file_info;
typedef enum { DNP3KIT_FILE_READ = 1, DNP3KIT_FILE_WRITE = 2 } dnp3kit_file_mode;
/* "SUCCESS", "PERMISSION_DENIED", "FILE_NOT_FOUND" ...; "UNDEFINED" for others. */
const char *dnp3kit_file_status_name(uint8_t status);
int dnp3kit_master_file_authenticate(dnp3kit_master *m, const char *user, const char *password, uint32_t *key,
                                     dnp3kit_error_detail *err);
/* OPEN_FILE: *block is the block size asked for in, the one the outstation grants out;
 * *size: write: the size announced; read: the file's size as the outstation reports it. */
int dnp3kit_master_file_open(dnp3kit_master *m, const char *name, dnp3kit_file_mode mode, uint32_t auth_key,
                             uint32_t *size, uint16_t *block, uint32_t *handle, dnp3kit_error_detail *err);
/* READ one block (number block) into buf (at least the granted block size); *n octets, *last. */
int dnp3kit_master_file_read(dnp3kit_master *m, uint32_t handle, uint32_t block, uint8_t *buf, size_t cap,
                             size_t *n, bool *last, dnp3kit_error_detail *err);
int dnp3kit_master_file_write(dnp3kit_master *m, uint32_t handle, uint32_t block, bool last, const uint8_t *data,
                              size_t n, dnp3kit_error_detail *err);
int dnp3kit_master_file_close(dnp3kit_master *m, uint32_t handle, dnp3kit_error_detail *err);
int dnp3kit_master_file_delete(dnp3kit_master *m, const char *name, uint32_t auth_key, dnp3kit_error_detail *err);
int dnp3kit_master_file_info(dnp3kit_master *m, const char *name, dnp3kit_file_info *info, dnp3kit_error_detail *err);
/* Parse g70v7 descriptors (a directory's content) into *out (heap, *n entries). */
int dnp3kit_file_parse_directory(const uint8_t *p, size_t len, dnp3kit_file_info **out, size_t *n,
                                 dnp3kit_error_detail *err);
void dnp3kit_master_close(dnp3kit_master *m);
void dnp3kit_master_free(dnp3kit_master *m);

/* ---- point-list checkout (docs/checkout.md; dnp3-master checkout) ---- */

/* The columns of a point list, in the order of dnp3kit_checkout_row.cell. */
typedef enum dnp3kit_checkout_column {
    DNP3KIT_CHECKOUT_TYPE = 0, DNP3KIT_CHECKOUT_INDEX, DNP3KIT_CHECKOUT_NAME, DNP3KIT_CHECKOUT_EXPECTED,
    DNP3KIT_CHECKOUT_FLAGS, DNP3KIT_CHECKOUT_CONTROL, DNP3KIT_CHECKOUT_WATCH, DNP3KIT_CHECKOUT_WATCH_EXPECTED,
    DNP3KIT_CHECKOUT_COLUMNS_
} dnp3kit_checkout_column;

typedef enum dnp3kit_checkout_verdict {
    DNP3KIT_CHECKOUT_PASS = 0, DNP3KIT_CHECKOUT_FAIL, DNP3KIT_CHECKOUT_SKIPPED
} dnp3kit_checkout_verdict;

/* One row of the list and its outcome. */
typedef struct dnp3kit_checkout_row {
    unsigned line;        /* in the list file */
    int type;             /* dnp3kit_point_type */
    uint32_t index;
    char *cell[DNP3KIT_CHECKOUT_COLUMNS_]; /* as written ("" when the column is absent or empty) */
    int watch_type;       /* the watch point's type, -1 when none */
    uint32_t watch_index;
    int verdict;          /* dnp3kit_checkout_verdict */
    char observed[48], flags[96], time[40], detail[240];
} dnp3kit_checkout_row;

/* Asked before each control: what = "operate bo 1 (CB 52-1 close): close";
 * true = send it. */
typedef bool (*dnp3kit_checkout_confirm_fn)(void *user, const char *what);

typedef struct dnp3kit_checkout_options {
    const char *report_base;   /* the reports are BASE.csv and BASE.html; NULL: the list's path
                                  without ".csv", plus "-report" */
    const char *target;        /* the outstation as the report names it; NULL: host:port of the config */
    const char *recording;     /* a recording's file name for the report, NULL or "" when none */
    double watch_timeout_s;    /* how long a watch point is read after a control; <= 0: 5 s */
    dnp3kit_checkout_confirm_fn confirm; /* NULL: every control is declined (SKIPPED, nothing sent) */
    void *user;
} dnp3kit_checkout_options;

/* Where a checkout stopped when it returned an error. */
typedef enum dnp3kit_checkout_stage {
    DNP3KIT_CHECKOUT_DONE = 0, DNP3KIT_CHECKOUT_STAGE_LIST, DNP3KIT_CHECKOUT_STAGE_POLL,
    DNP3KIT_CHECKOUT_STAGE_REPORT
} dnp3kit_checkout_stage;

typedef struct dnp3kit_checkout_report {
    dnp3kit_checkout_row *rows; /* heap, count rows (dnp3kit_checkout_report_free) */
    size_t count, passed, failed, skipped;
    char started[40], finished[40]; /* UTC, as dnp3kit_format_time_ms writes it */
    char report_csv[1100], report_html[1100];
    int stage;                  /* dnp3kit_checkout_stage */
    char error[1400];           /* the whole message when stage is LIST or REPORT ("FILE:LINE: why") */
} dnp3kit_checkout_report;

/*
 * Verify the point list in the CSV file list against the outstation and write
 * the CSV and HTML reports: the list is read and checked whole first (an
 * error names its line and nothing is sent); one integrity poll; each row's
 * value and flags compared; each row with a control operated (select before
 * operate) only when confirm says so, then its watch point read until it
 * shows watch_expected or watch_timeout_s passes.
 * DNP3KIT_OK when the reports were written (rows may have failed: out->failed);
 * DNP3KIT_ERR_ARG (stage LIST), the poll's error (stage POLL, when nothing
 * arrived), or DNP3KIT_ERR_IO (stage REPORT) otherwise, err->message the
 * start of out->error. out is filled in every case; free it.
 */
int dnp3kit_master_checkout(dnp3kit_master *m, const char *list, const dnp3kit_checkout_options *opts,
                            dnp3kit_checkout_report *out, dnp3kit_error_detail *err);
void dnp3kit_checkout_report_free(dnp3kit_checkout_report *r);

DNP3KIT_API_END
#ifdef __cplusplus
}
#endif
#endif
