/*
 * The master's sans-I/O session (DESIGN.md principle 5): link layer,
 * transport reassembly, application tasks with SEQ matching, confirms,
 * retries, IIN reactions and unsolicited responses. Inputs are octets,
 * monotonic time and requests; outputs are octets, a timer and callbacks.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3kit/app.h"
#include "dnp3kit/build.h"
#include "dnp3kit/catalog.h"
#include "dnp3kit/link.h"
#include "dnp3kit/master.h"
#include "dnp3kit/transport.h"
#include "channel_tls.h"
#include "master_private.h"

#define MAX_TASKS 256             /* queued requests per session */
#define MAX_FRAGMENTS_PER_STEP 4096 /* a response that never ends is an error, not a hang */
#define REQ_SAVE 64               /* control requests are kept for the echo check */
/* Octets without a frame from our outstation to us after which the peer is
 * streaming something else without end (session_rx_overrun): far more than a
 * few frames of garbage or other addresses' traffic, far less than a disk. */
#define RX_JUNK_MAX 65536

enum task_state { T_QUEUED = 0, T_WAIT_RESP, T_WAIT_RETRY };

/* Causes the session reacts to on its own (clause 5.1): the IIN bit, and the task that should clear it. */
enum { R_RESTART = 0, R_TIME, R_OVERFLOW, R_COUNT };
static const uint16_t react_bit[R_COUNT] = {DNP3KIT_IIN_DEVICE_RESTART, DNP3KIT_IIN_NEED_TIME,
                                            DNP3KIT_IIN_EVENT_BUFFER_OVERFLOW};

/* Bookkeeping that bounds each reaction: once per window, and given up after
 * cfg.reaction_attempts reactions the outstation ignored. */
typedef struct reaction {
    uint64_t last_ms;       /* monotonic time of the last reaction, 0 = none yet */
    uint32_t futile;        /* reactions in a row after which the bit was still set */
    bool gave_up;           /* futile reached reaction_attempts: no more until the bit is seen clear */
    bool judge_next;        /* overflow: the next task's final IIN tells whether the integrity poll helped */
    uint32_t judge_after;   /* ... the id of that integrity poll */
} reaction;

/* Startup steps (clause 5.1 of the DNP3 subset recommendations, as the issue lists them). */
enum { SU_CLEAR = 0, SU_DISABLE, SU_INTEGRITY, SU_TIME1, SU_TIME2, SU_ENABLE, SU_DONE };

typedef struct task {
    struct task *next;
    uint32_t id;
    bool internal;
    dnp3kit_master_request rq;
    int step;
    uint32_t attempts;      /* attempts of the current step (connection attempts included) */
    enum task_state st;
    uint64_t deadline;      /* response deadline or retry time */
    uint64_t sent_ms;       /* monotonic time the current request was sent */
    uint64_t select_ms;     /* monotonic time the SELECT was sent */
    uint64_t wall_sent;     /* wall clock at RECORD_CURRENT_TIME */
    uint32_t measured_delay;
    uint8_t func;           /* function of the request in flight */
    uint8_t expect_seq;
    bool got_fir;
    uint32_t fragments;
    uint8_t *raw;           /* RAW: the request's objects (a copy) */
    uint8_t req[REQ_SAVE];  /* control request fragment (for the echo and the OPERATE) */
    size_t req_len;
    bool step_sent;         /* the current step's request was sent at least once */
    bool sent_all;          /* every octet of the current request was handed to the connection */
    bool prev_valid;        /* an earlier attempt of this step: its SEQ and send time */
    uint8_t prev_seq;
    uint64_t prev_sent_ms;
    int soft_err;           /* startup: first non-fatal step error */
    dnp3kit_error_detail soft_det;
    dnp3kit_master_result res;
} task;

struct dnp3kit_master_session {
    dnp3kit_master_config cfg;
    dnp3kit_master_callbacks cb;
    void *user;
    bool connected, want_close;
    uint64_t now;
    dnp3kit_link_parser lp;
    dnp3kit_link_frame rxf;
    dnp3kit_reassembler ra;
    uint8_t *rabuf;
    uint8_t *frag;          /* request build buffer, max_fragment_size */
    uint8_t *tx;            /* pending octets */
    size_t tx_len, tx_off, tx_cap;
    uint8_t tseq, aseq;
    task *head, *tail;
    size_t ntasks;
    uint32_t next_id;
    uint16_t last_iin;
    bool have_uns;
    uint8_t uns_seq;
    uint32_t uns_hash;
    dnp3kit_master_result uns;
    uint64_t last_rx;
    bool ka_wait;
    /* Secondary link state for the outstation's CONFIRMED_USER_DATA (IEEE 1815
     * clause 9): once it has sent RESET_LINK_STATES, the FCB it must send next;
     * a frame with the other FCB is its retry of one we took (our ACK was lost). */
    bool sec_reset, sec_fcb;
    /* Primary link state (cfg.link_confirm, clause 9.2.6): segments waiting for
     * their CONFIRMED_USER_DATA turn as [length][octets] records in lq; one frame
     * on the wire at a time, each waiting for the outstation's ACK. */
    uint8_t *lq;
    size_t lq_len, lq_off, lq_cap;
    enum { P_IDLE = 0, P_RESET, P_DATA } pri_wait; /* what the frame on the wire waits an ACK for */
    bool pri_reset, pri_fcb;  /* the outstation's link was reset; FCB of the next new frame */
    uint32_t pri_tries;       /* sends of the frame on the wire */
    uint32_t pri_nacks;       /* NACKs since the segment at lq_off first went */
    uint64_t pri_deadline;
    uint64_t ka_deadline;
    reaction react[R_COUNT];
    uint64_t uns_confirm_ms; /* last confirm of the remembered unsolicited response */
    uint64_t tokens;         /* request-rate cap: a token bucket of cfg.max_requests_per_s (1000 units a token) */
    uint64_t tokens_ms;
    dnp3kit_finding last_error; /* most recent error-severity finding since the step began */
    bool have_last_error;
    dnp3kit_sink sink;
    char peer[160];         /* "host:port" or the serial device, for messages */
    dnp3kit_master_stats stats;
    /* what was seen since the current step began, to explain a timeout */
    struct {
        bool stray;             /* a frame for or from another link address */
        uint16_t stray_src, stray_dst;
        uint64_t octets;        /* octets received */
        uint64_t frames;        /* link frames with good CRCs */
        uint64_t late_ms;       /* an answer to an earlier attempt, this long after it was sent (0: none) */
        uint64_t overrun;       /* octets that made the master close the connection (session_rx_overrun), 0 none */
    } seen;
    uint64_t junk;          /* octets since the last frame from our outstation to us */
    bool shared;            /* on a multi-drop line of the socket loop: requests start on master_session_grant */
    /* the line's other outstations (multi-drop): their frames to us are their own
     * traffic, not a hint that our outstation answers from another address */
    uint16_t nbr[MASTER_MAX_NEIGHBOURS];
    size_t nnbr;
};

/* ---- small helpers ---- */

void master_detail_msg(dnp3kit_error_detail *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
}

static void on_sink(void *user, const dnp3kit_finding *f)
{
    dnp3kit_master_session *s = user;
    if (dnp3kit_finding_severity(f->code) == DNP3KIT_SEV_ERROR) {
        s->last_error = *f;
        s->have_last_error = true;
    }
    if (s->cb.on_finding)
        s->cb.on_finding(s->user, f);
}

static void report(dnp3kit_master_session *s, dnp3kit_finding_code code, uint64_t expected, uint64_t actual)
{
    dnp3kit_finding f = {0};
    f.code = code;
    f.offset = SIZE_MAX;
    f.expected = expected;
    f.actual = actual;
    dnp3kit_report(&s->sink, &f);
}

/* ---- request-rate cap: a token bucket, sustained cfg.max_requests_per_s with bursts of as many ----
 * In integers (no drift): a token is 1000 units, each ms adds max_requests_per_s units. */

static uint64_t rate_units(const dnp3kit_master_session *s)
{
    uint64_t cap = s->cfg.max_requests_per_s, u = s->tokens;
    if (s->now > s->tokens_ms)
        u += (s->now - s->tokens_ms) * cap;
    return u > cap * 1000 ? cap * 1000 : u;
}

/* One token for something the master sends of its own accord; false: over the cap, not now. */
static bool rate_take(dnp3kit_master_session *s)
{
    if (!s->cfg.max_requests_per_s)
        return true;
    s->tokens = rate_units(s);
    if (s->now > s->tokens_ms)
        s->tokens_ms = s->now;
    if (s->tokens < 1000) {
        s->stats.rate_limited++;
        return false;
    }
    s->tokens -= 1000;
    return true;
}

/* Monotonic ms from which rate_take() succeeds (0: now). */
static uint64_t rate_ready(const dnp3kit_master_session *s)
{
    uint64_t cap = s->cfg.max_requests_per_s;
    if (!cap)
        return 0;
    uint64_t u = rate_units(s);
    if (u >= 1000)
        return 0;
    uint64_t base = s->now > s->tokens_ms ? s->now : s->tokens_ms;
    return base + (1000 - u + cap - 1) / cap;
}

static const char *func_name(uint8_t func)
{
    const char *n = dnp3kit_app_func_name(func);
    return n ? n : "?";
}

/* ---- configuration ---- */

void dnp3kit_master_config_default(dnp3kit_master_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->host, sizeof c->host, "127.0.0.1");
    c->port = 20000;
    c->master_address = 1;
    c->outstation_address = 10;
    c->response_timeout_ms = 5000;
    c->connect_timeout_ms = 5000;
    c->select_timeout_ms = 5000;
    c->retries = 2;
    c->retry_delay_ms = 1000;
    c->max_frame_size = DNP3KIT_LINK_MAX_USER;
    c->max_fragment_size = DNP3KIT_DEFAULT_MAX_MESSAGE;
    c->keepalive_ms = 0;
    c->time_sync = DNP3KIT_TIME_SYNC_LAN;
    c->startup = false;
    c->iin_reactions = true;
    c->max_points = 100000;
    c->serial.baud = 9600;
    c->serial.data_bits = 8;
    c->serial.parity = 'N';
    c->serial.stop_bits = 1;
    c->reaction_window_ms = 5000;
    c->reaction_attempts = 3;
    c->max_requests_per_s = 100;
    c->link_confirm = false;
    c->link_timeout_ms = 1000;
    c->link_retries = 2;
}

int dnp3kit_master_config_validate(const dnp3kit_master_config *c, dnp3kit_error_detail *err)
{
    dnp3kit_error_detail tmp;
    dnp3kit_error_detail *d = err ? err : &tmp;
    dnp3kit_error_detail_clear(d);
    d->code = DNP3KIT_ERR_ARG;
    if (!c) {
        detail_msg(d, "no configuration");
        return DNP3KIT_ERR_ARG;
    }
    if (!memchr(c->host, '\0', sizeof c->host) || c->host[0] == '\0')
        return detail_msg(d, "host: empty or longer than %zu characters", sizeof c->host - 1), DNP3KIT_ERR_ARG;
    if (c->port == 0)
        return detail_msg(d, "port: must be 1-65535"), DNP3KIT_ERR_ARG;
    if (c->master_address > DNP3KIT_ADDR_MAX_UNICAST)
        return detail_msg(d, "master address %u: must be 0-65519", c->master_address), DNP3KIT_ERR_ARG;
    if (c->outstation_address > DNP3KIT_ADDR_MAX_UNICAST)
        return detail_msg(d, "outstation address %u: must be 0-65519", c->outstation_address), DNP3KIT_ERR_ARG;
    if (c->master_address == c->outstation_address)
        return detail_msg(d, "master and outstation addresses are both %u", c->master_address), DNP3KIT_ERR_ARG;
    if (c->response_timeout_ms < 1 || c->response_timeout_ms > 3600000)
        return detail_msg(d, "response timeout %" PRIu32 " ms: must be 1-3600000", c->response_timeout_ms),
               DNP3KIT_ERR_ARG;
    if (c->connect_timeout_ms < 1 || c->connect_timeout_ms > 3600000)
        return detail_msg(d, "connection timeout %" PRIu32 " ms: must be 1-3600000", c->connect_timeout_ms),
               DNP3KIT_ERR_ARG;
    if (c->select_timeout_ms < 1 || c->select_timeout_ms > 3600000)
        return detail_msg(d, "select timeout %" PRIu32 " ms: must be 1-3600000", c->select_timeout_ms),
               DNP3KIT_ERR_ARG;
    if (c->retries > 100)
        return detail_msg(d, "retries %" PRIu32 ": must be 0-100", c->retries), DNP3KIT_ERR_ARG;
    if (c->retry_delay_ms > 3600000)
        return detail_msg(d, "retry delay %" PRIu32 " ms: must be 0-3600000", c->retry_delay_ms), DNP3KIT_ERR_ARG;
    if (c->max_frame_size < 6 || c->max_frame_size > DNP3KIT_LINK_MAX_USER)
        return detail_msg(d, "max frame size %" PRIu32 ": must be 6-250 octets of user data", c->max_frame_size),
               DNP3KIT_ERR_ARG;
    if (c->max_fragment_size < 249 || c->max_fragment_size > 65535)
        return detail_msg(d, "max fragment size %" PRIu32 ": must be 249-65535", c->max_fragment_size),
               DNP3KIT_ERR_ARG;
    if (c->keepalive_ms > 86400000)
        return detail_msg(d, "keep-alive interval %" PRIu32 " ms: must be 0-86400000", c->keepalive_ms),
               DNP3KIT_ERR_ARG;
    if (c->time_sync != DNP3KIT_TIME_SYNC_NONE && c->time_sync != DNP3KIT_TIME_SYNC_LAN &&
        c->time_sync != DNP3KIT_TIME_SYNC_NON_LAN)
        return detail_msg(d, "time-sync mode %d: must be none, lan or non-lan", (int)c->time_sync),
               DNP3KIT_ERR_ARG;
    if (c->max_points < 1 || c->max_points > 10000000)
        return detail_msg(d, "max points %" PRIu32 ": must be 1-10000000", c->max_points), DNP3KIT_ERR_ARG;
    if (c->transport != DNP3KIT_TRANSPORT_TCP && c->transport != DNP3KIT_TRANSPORT_UDP &&
        c->transport != DNP3KIT_TRANSPORT_SERIAL && c->transport != DNP3KIT_TRANSPORT_TCP_LISTEN)
        return detail_msg(d, "transport %d: must be tcp, udp, serial or listen", (int)c->transport), DNP3KIT_ERR_ARG;
    if (c->transport == DNP3KIT_TRANSPORT_SERIAL && master_serial_validate(&c->serial, d) != DNP3KIT_OK)
        return DNP3KIT_ERR_ARG;
    if (c->tls.enabled && c->transport != DNP3KIT_TRANSPORT_TCP && c->transport != DNP3KIT_TRANSPORT_TCP_LISTEN)
        return detail_msg(d, "tls: only over tcp or listen, not %s", dnp3kit_transport_name(c->transport)),
               DNP3KIT_ERR_ARG;
    if (c->tls.enabled && master_tls_validate(&c->tls, c->transport == DNP3KIT_TRANSPORT_TCP_LISTEN, d) != DNP3KIT_OK)
        return DNP3KIT_ERR_ARG;
    if (c->reaction_window_ms > 86400000)
        return detail_msg(d, "reaction window %" PRIu32 " ms: must be 0-86400000", c->reaction_window_ms),
               DNP3KIT_ERR_ARG;
    if (c->reaction_attempts < 1 || c->reaction_attempts > 100)
        return detail_msg(d, "reaction attempts %" PRIu32 ": must be 1-100", c->reaction_attempts), DNP3KIT_ERR_ARG;
    if (c->max_requests_per_s > 1000000)
        return detail_msg(d, "max requests per second %" PRIu32 ": must be 0 (no cap) to 1000000",
                          c->max_requests_per_s),
               DNP3KIT_ERR_ARG;
    if (c->link_confirm && (c->link_timeout_ms < 1 || c->link_timeout_ms > 3600000))
        return detail_msg(d, "link timeout %" PRIu32 " ms: must be 1-3600000", c->link_timeout_ms), DNP3KIT_ERR_ARG;
    if (c->listen_peer[0] && !master_peer_valid(c->listen_peer))
        return detail_msg(d, "listen peer '%.63s': a numeric IPv4 or IPv6 address expected", c->listen_peer),
               DNP3KIT_ERR_ARG;
    if (c->link_confirm && c->link_retries > 100)
        return detail_msg(d, "link retries %" PRIu32 ": must be 0-100", c->link_retries), DNP3KIT_ERR_ARG;
    dnp3kit_error_detail_clear(d);
    return DNP3KIT_OK;
}

/* ---- output: link frames ---- */

static bool tx_room(dnp3kit_master_session *s, size_t n)
{
    if (s->tx_off == s->tx_len)
        s->tx_off = s->tx_len = 0;
    if (s->tx_len + n > s->tx_cap && s->tx_off > 0) {
        memmove(s->tx, s->tx + s->tx_off, s->tx_len - s->tx_off);
        s->tx_len -= s->tx_off;
        s->tx_off = 0;
    }
    return s->tx_len + n <= s->tx_cap;
}

static int put_frame(dnp3kit_master_session *s, uint8_t ctrl, const uint8_t *user, size_t ulen)
{
    if (!tx_room(s, DNP3KIT_LINK_MAX_FRAME))
        return DNP3KIT_ERR_BUFFER;
    int n = dnp3kit_link_build(ctrl, s->cfg.outstation_address, s->cfg.master_address, user, ulen,
                               s->tx + s->tx_len, s->tx_cap - s->tx_len);
    if (n < 0)
        return n;
    if (s->cb.on_frame) {
        dnp3kit_link_frame f;
        if (dnp3kit_link_decode(s->tx + s->tx_len, (size_t)n, &f, NULL) > 0)
            s->cb.on_frame(s->user, true, &f);
    }
    s->tx_len += (size_t)n;
    return DNP3KIT_OK;
}

/* link_confirm: room for n more octets of records in lq. */
static bool lq_room(dnp3kit_master_session *s, size_t n)
{
    if (s->lq_off == s->lq_len)
        s->lq_off = s->lq_len = 0;
    if (s->lq_len + n > s->lq_cap && s->lq_off > 0) {
        memmove(s->lq, s->lq + s->lq_off, s->lq_len - s->lq_off);
        s->lq_len -= s->lq_off;
        s->lq_off = 0;
    }
    return s->lq_len + n <= s->lq_cap;
}

static void link_pump(dnp3kit_master_session *s);

static int emit_segment(void *user, const uint8_t *seg, size_t len)
{
    dnp3kit_master_session *s = user;
    if (s->cfg.link_confirm) {
        if (len > DNP3KIT_LINK_MAX_USER || !lq_room(s, len + 1))
            return DNP3KIT_ERR_BUFFER;
        s->lq[s->lq_len++] = (uint8_t)len;
        memcpy(s->lq + s->lq_len, seg, len);
        s->lq_len += len;
        return DNP3KIT_OK;
    }
    /* DIR=1 (from the master), PRM=1, unconfirmed user data (clause 9.2.4.1.3; TCP practice). */
    return put_frame(s, dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA), seg,
                     len);
}

static int send_fragment(dnp3kit_master_session *s, const uint8_t *frag, size_t len)
{
    size_t frames = len / (s->cfg.max_frame_size - 1) + 1;
    if (s->cfg.link_confirm ? !lq_room(s, frames * (DNP3KIT_LINK_MAX_USER + 1))
                            : !tx_room(s, frames * DNP3KIT_LINK_MAX_FRAME))
        return DNP3KIT_ERR_BUFFER;
    if (s->cb.on_fragment)
        s->cb.on_fragment(s->user, true, frag, len);
    int r = dnp3kit_transport_segment(frag, len, s->cfg.max_frame_size - 1, &s->tseq, emit_segment, s);
    if (r >= 0)
        link_pump(s);
    return r;
}

static void send_confirm(dnp3kit_master_session *s, uint8_t seq, bool uns)
{
    uint8_t c[4];
    int n = dnp3kit_build_confirm(c, sizeof c, seq, uns);
    /* no room: the outstation repeats and we confirm then */
    if (n > 0 && send_fragment(s, c, (size_t)n) == DNP3KIT_OK)
        s->stats.confirms++;
}

/* An answer to the outstation's link request; under the cap a flood of them is not answered in full. */
static void send_link_secondary(dnp3kit_master_session *s, uint8_t func)
{
    if (rate_take(s) && put_frame(s, dnp3kit_link_ctrl(true, false, false, false, func), NULL, 0) == DNP3KIT_OK)
        s->stats.link_answers++;
}

/* ---- tasks ---- */

static void task_free(task *t)
{
    free(t->raw);
    dnp3kit_master_result_free(&t->res);
    free(t);
}

static task *task_new(dnp3kit_master_session *s, const dnp3kit_master_request *rq, bool internal)
{
    task *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->rq = *rq;
    t->internal = internal;
    t->id = ++s->next_id;
    if (s->next_id == INT32_MAX)
        s->next_id = 0;
    t->res.control_status = -1;
    t->res.task_id = t->id;
    t->res.task_type = (uint8_t)rq->type;
    t->soft_err = DNP3KIT_OK;
    return t;
}

static void res_reset(task *t)
{
    dnp3kit_master_result_reset(&t->res);
    t->res.task_id = t->id;
    t->res.task_type = (uint8_t)t->rq.type;
}

static void push_back(dnp3kit_master_session *s, task *t)
{
    t->next = NULL;
    if (s->tail)
        s->tail->next = t;
    else
        s->head = t;
    s->tail = t;
    s->ntasks++;
}

static void push_front(dnp3kit_master_session *s, task *t)
{
    t->next = s->head;
    s->head = t;
    if (!s->tail)
        s->tail = t;
    s->ntasks++;
}

static bool queued(const dnp3kit_master_session *s, dnp3kit_master_task_type type, bool internal_only)
{
    for (const task *t = s->head; t; t = t->next)
        if (t->rq.type == type && (!internal_only || t->internal))
            return true;
    return false;
}

static void kick(dnp3kit_master_session *s);

static void check_reactions(dnp3kit_master_session *s, const task *done);
static void judge(dnp3kit_master_session *s, int c, uint16_t iin);
static void judge_task(dnp3kit_master_session *s, const task *t);

/* Remove the head task and report it. */
static void finish(dnp3kit_master_session *s, int err, const dnp3kit_error_detail *d)
{
    task *t = s->head;
    if (!t)
        return;
    s->head = t->next;
    if (!s->head)
        s->tail = NULL;
    s->ntasks--;
    dnp3kit_error_detail ok;
    if (!d) {
        dnp3kit_error_detail_clear(&ok);
        d = &ok;
    }
    if (err == DNP3KIT_OK && t->soft_err != DNP3KIT_OK && t->rq.type != DNP3KIT_TASK_STARTUP) {
        err = t->soft_err;
        d = &t->soft_det;
    }
    if (err == DNP3KIT_OK)
        judge_task(s, t);
    if (s->cb.on_task_done)
        s->cb.on_task_done(s->user, t->id, t->internal, err, d, &t->res);
    task tcopy = *t;
    task_free(t);
    check_reactions(s, &tcopy);
    kick(s);
}

static void fail_detail(dnp3kit_master_session *s, task *t, dnp3kit_error_detail *d, int code)
{
    dnp3kit_error_detail_clear(d);
    d->code = code;
    d->func = t ? t->func : -1;
    d->port = s->cfg.port;
    snprintf(d->host, sizeof d->host, "%s", s->cfg.host);
    if (t && t->res.has_iin)
        d->iin = t->res.iin;
}

/* Build the request of the current step into s->frag; returns its length, 0 when the step sends
 * nothing at the application layer, or a negative error. */
static int build_step(dnp3kit_master_session *s, task *t, uint8_t seq)
{
    uint8_t *b = s->frag;
    size_t cap = s->cfg.max_fragment_size;
    const dnp3kit_master_request *rq = &t->rq;
    switch (rq->type) {
    case DNP3KIT_TASK_READ_CLASS:
        t->func = DNP3KIT_FC_READ;
        return dnp3kit_build_read_class(b, cap, seq, rq->classes);
    case DNP3KIT_TASK_READ_RANGE:
        t->func = DNP3KIT_FC_READ;
        return dnp3kit_build_read_range(b, cap, seq, rq->group, rq->variation, rq->start, rq->stop);
    case DNP3KIT_TASK_CROB:
    case DNP3KIT_TASK_ANALOG_OUTPUT: {
        uint8_t func;
        if (rq->mode == DNP3KIT_CONTROL_SBO)
            func = t->step == 0 ? DNP3KIT_FC_SELECT : DNP3KIT_FC_OPERATE;
        else if (rq->mode == DNP3KIT_CONTROL_DIRECT)
            func = DNP3KIT_FC_DIRECT_OPERATE;
        else
            func = DNP3KIT_FC_DIRECT_OPERATE_NR;
        t->func = func;
        if (func == DNP3KIT_FC_OPERATE && t->req_len >= 2) {
            /* OPERATE carries exactly the SELECT's objects (clause 4.4.3): copy them. */
            memcpy(b, t->req, t->req_len);
            b[0] = dnp3kit_app_ctrl(true, true, false, false, seq);
            b[1] = DNP3KIT_FC_OPERATE;
            return (int)t->req_len;
        }
        int n = rq->type == DNP3KIT_TASK_CROB
                    ? dnp3kit_build_crob(b, cap, seq, func, rq->index, &rq->crob)
                    : dnp3kit_build_analog_output(b, cap, seq, func, rq->index, rq->ao_type, rq->ao_value);
        if (n > 0 && (size_t)n <= sizeof t->req) {
            memcpy(t->req, b, (size_t)n);
            t->req_len = (size_t)n;
        }
        return n;
    }
    case DNP3KIT_TASK_FREEZE:
        t->func = rq->clear ? (rq->no_ack ? DNP3KIT_FC_FREEZE_CLEAR_NR : DNP3KIT_FC_FREEZE_CLEAR)
                            : (rq->no_ack ? DNP3KIT_FC_IMMED_FREEZE_NR : DNP3KIT_FC_IMMED_FREEZE);
        return dnp3kit_build_freeze(b, cap, seq, rq->clear, rq->no_ack);
    case DNP3KIT_TASK_RESTART:
        t->func = rq->cold ? DNP3KIT_FC_COLD_RESTART : DNP3KIT_FC_WARM_RESTART;
        return dnp3kit_build_restart(b, cap, seq, rq->cold);
    case DNP3KIT_TASK_UNSOLICITED:
        t->func = rq->enable ? DNP3KIT_FC_ENABLE_UNSOLICITED : DNP3KIT_FC_DISABLE_UNSOLICITED;
        return dnp3kit_build_unsolicited(b, cap, seq, rq->enable, rq->classes);
    case DNP3KIT_TASK_CLEAR_RESTART:
        t->func = DNP3KIT_FC_WRITE;
        return dnp3kit_build_clear_restart(b, cap, seq);
    case DNP3KIT_TASK_TIME_SYNC: {
        dnp3kit_time_sync_mode mode = rq->time_sync;
        if (t->step == 0) {
            if (mode == DNP3KIT_TIME_SYNC_NON_LAN) {
                t->func = DNP3KIT_FC_DELAY_MEASURE;
                return dnp3kit_build_delay_measure(b, cap, seq);
            }
            t->func = DNP3KIT_FC_RECORD_CURRENT_TIME;
            t->wall_sent = s->cb.wall_clock_ms(s->user);
            return dnp3kit_build_record_current_time(b, cap, seq);
        }
        t->func = DNP3KIT_FC_WRITE;
        if (mode == DNP3KIT_TIME_SYNC_NON_LAN)
            return dnp3kit_build_write_time(b, cap, seq, 1, s->cb.wall_clock_ms(s->user) + t->measured_delay);
        return dnp3kit_build_write_time(b, cap, seq, 3, t->wall_sent);
    }
    case DNP3KIT_TASK_STARTUP:
        switch (t->step) {
        case SU_CLEAR:
            t->func = DNP3KIT_FC_WRITE;
            return dnp3kit_build_clear_restart(b, cap, seq);
        case SU_DISABLE:
            t->func = DNP3KIT_FC_DISABLE_UNSOLICITED;
            return dnp3kit_build_unsolicited(b, cap, seq, false, 0x0E);
        case SU_INTEGRITY:
            t->func = DNP3KIT_FC_READ;
            return dnp3kit_build_integrity_poll(b, cap, seq);
        case SU_TIME1:
            if (s->cfg.time_sync == DNP3KIT_TIME_SYNC_NON_LAN) {
                t->func = DNP3KIT_FC_DELAY_MEASURE;
                return dnp3kit_build_delay_measure(b, cap, seq);
            }
            t->func = DNP3KIT_FC_RECORD_CURRENT_TIME;
            t->wall_sent = s->cb.wall_clock_ms(s->user);
            return dnp3kit_build_record_current_time(b, cap, seq);
        case SU_TIME2:
            t->func = DNP3KIT_FC_WRITE;
            if (s->cfg.time_sync == DNP3KIT_TIME_SYNC_NON_LAN)
                return dnp3kit_build_write_time(b, cap, seq, 1, s->cb.wall_clock_ms(s->user) + t->measured_delay);
            return dnp3kit_build_write_time(b, cap, seq, 3, t->wall_sent);
        case SU_ENABLE:
            t->func = DNP3KIT_FC_ENABLE_UNSOLICITED;
            return dnp3kit_build_unsolicited(b, cap, seq, true, 0x0E);
        default:
            return DNP3KIT_ERR_STATE;
        }
    case DNP3KIT_TASK_LINK_STATUS:
        t->func = 0;
        return 0;
    case DNP3KIT_TASK_RAW:
        t->func = rq->func;
        if (rq->objects_len + 2 > cap)
            return DNP3KIT_ERR_TOO_LARGE;
        b[0] = dnp3kit_app_ctrl(true, true, false, false, seq);
        b[1] = rq->func;
        if (rq->objects_len)
            memcpy(b + 2, t->raw, rq->objects_len);
        return (int)(rq->objects_len + 2);
    }
    return DNP3KIT_ERR_ARG;
}

/* Does a request of this step go without a response? */
static bool step_no_ack(const task *t)
{
    return t->func == DNP3KIT_FC_DIRECT_OPERATE_NR || t->func == DNP3KIT_FC_IMMED_FREEZE_NR ||
           t->func == DNP3KIT_FC_FREEZE_CLEAR_NR;
}

/* May the current step be sent again after a timeout or a lost connection?
 * A control that may have been executed is never repeated behind the user's back. */
static bool step_retryable(const task *t)
{
    return t->func != DNP3KIT_FC_OPERATE && t->func != DNP3KIT_FC_DIRECT_OPERATE &&
           t->func != DNP3KIT_FC_DIRECT_OPERATE_NR;
}

static void step_done(dnp3kit_master_session *s, task *t);

static void start_step(dnp3kit_master_session *s, task *t)
{
    dnp3kit_error_detail d;
    uint8_t seq = s->aseq;
    if (!rate_take(s))
        return; /* over the request-rate cap: stays queued, next_timer() says until when */
    if ((t->rq.type == DNP3KIT_TASK_TIME_SYNC || t->rq.type == DNP3KIT_TASK_STARTUP) && !s->cb.wall_clock_ms &&
        (t->rq.type == DNP3KIT_TASK_TIME_SYNC || t->step == SU_TIME1)) {
        fail_detail(s, t, &d, DNP3KIT_ERR_STATE);
        detail_msg(&d, "time synchronisation needs a wall clock (no wall_clock_ms callback)");
        finish(s, DNP3KIT_ERR_STATE, &d);
        return;
    }
    if (t->rq.type != DNP3KIT_TASK_CROB && t->rq.type != DNP3KIT_TASK_ANALOG_OUTPUT &&
        t->rq.type != DNP3KIT_TASK_STARTUP)
        res_reset(t);
    if (t->rq.type == DNP3KIT_TASK_STARTUP && t->step == SU_INTEGRITY)
        res_reset(t);
    s->have_last_error = false;
    if (t->step_sent) {
        /* a retry: an answer with the old SEQ is a late answer, worth naming */
        t->prev_valid = true;
        t->prev_seq = t->expect_seq;
        t->prev_sent_ms = t->sent_ms;
    } else {
        t->prev_valid = false;
        memset(&s->seen, 0, sizeof s->seen);
    }
    t->sent_all = false;
    t->attempts++;
    t->got_fir = false;
    t->fragments = 0;
    t->sent_ms = s->now;
    if (t->rq.type == DNP3KIT_TASK_LINK_STATUS) {
        if (put_frame(s, dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS), NULL,
                      0) < 0) {
            fail_detail(s, t, &d, DNP3KIT_ERR_BUFFER);
            detail_msg(&d, "no room to send REQUEST_LINK_STATUS");
            finish(s, DNP3KIT_ERR_BUFFER, &d);
            return;
        }
        s->stats.link_requests++;
        t->st = T_WAIT_RESP;
        t->deadline = s->now + s->cfg.response_timeout_ms;
        return;
    }
    int n = build_step(s, t, seq);
    if (n < 0) {
        fail_detail(s, t, &d, n);
        detail_msg(&d, "cannot build %s request: %s", func_name(t->func), dnp3kit_strerror(n));
        finish(s, n, &d);
        return;
    }
    if (t->func == DNP3KIT_FC_OPERATE && s->now - t->select_ms > s->cfg.select_timeout_ms) {
        fail_detail(s, t, &d, DNP3KIT_ERR_TIMEOUT);
        d.timeout_s = s->cfg.select_timeout_ms / 1000.0;
        detail_msg(&d, "select timeout (%.3f s) expired before OPERATE could be sent", d.timeout_s);
        finish(s, DNP3KIT_ERR_TIMEOUT, &d);
        return;
    }
    if (t->func == DNP3KIT_FC_SELECT)
        t->select_ms = s->now;
    int r = send_fragment(s, s->frag, (size_t)n);
    if (r < 0) {
        fail_detail(s, t, &d, r);
        detail_msg(&d, "cannot send %s: %s", func_name(t->func), dnp3kit_strerror(r));
        finish(s, r, &d);
        return;
    }
    s->aseq = (uint8_t)((s->aseq + 1) & 0x0F);
    s->stats.requests++;
    t->expect_seq = seq;
    t->step_sent = true;
    if (step_no_ack(t)) {
        step_done(s, t);
        return;
    }
    t->st = T_WAIT_RESP;
    t->deadline = s->now + s->cfg.response_timeout_ms;
}

static bool iin_error(uint16_t iin)
{
    return (iin & (DNP3KIT_IIN_NO_FUNC_CODE_SUPPORT | DNP3KIT_IIN_OBJECT_UNKNOWN | DNP3KIT_IIN_PARAMETER_ERROR)) != 0;
}

static int iin_fail(dnp3kit_master_session *s, task *t, dnp3kit_error_detail *d)
{
    char names[96];
    dnp3kit_iin_format(t->res.iin, names, sizeof names);
    fail_detail(s, t, d, DNP3KIT_ERR_PROTOCOL);
    d->iin = t->res.iin;
    detail_msg(d, "outstation answered %s with IIN %s", func_name(t->func), names);
    return DNP3KIT_ERR_PROTOCOL;
}

/* Next step of a task, or finish it. */
static void advance(dnp3kit_master_session *s, task *t, int next_step)
{
    if (next_step < 0) {
        finish(s, DNP3KIT_OK, NULL);
        return;
    }
    t->step = next_step;
    t->attempts = 0;
    t->step_sent = false;
    t->st = T_QUEUED;
    start_step(s, t);
}

/* The response to the current step is complete (FIN), or none was expected. */
static void step_done(dnp3kit_master_session *s, task *t)
{
    dnp3kit_error_detail d;
    uint16_t iin = t->res.iin;
    bool noack = step_no_ack(t);
    switch (t->rq.type) {
    case DNP3KIT_TASK_CROB:
    case DNP3KIT_TASK_ANALOG_OUTPUT:
        if (noack) {
            finish(s, DNP3KIT_OK, NULL);
            return;
        }
        if (t->res.control_status > 0) {
            fail_detail(s, t, &d, DNP3KIT_ERR_CONTROL);
            d.control_status = t->res.control_status;
            detail_msg(&d, "%s of index %u rejected: status %s (%d)", func_name(t->func), t->rq.index,
                       dnp3kit_control_status_name((uint8_t)t->res.control_status), t->res.control_status);
            finish(s, DNP3KIT_ERR_CONTROL, &d);
            return;
        }
        if (t->res.has_iin && iin_error(iin)) {
            finish(s, iin_fail(s, t, &d), &d);
            return;
        }
        if (t->res.control_status != 0) {
            fail_detail(s, t, &d, DNP3KIT_ERR_PROTOCOL);
            d.finding = DNP3KIT_F_SESSION_OPERATE_MISMATCH;
            detail_msg(&d, "%s response does not echo the request's objects", func_name(t->func));
            finish(s, DNP3KIT_ERR_PROTOCOL, &d);
            return;
        }
        if (t->func == DNP3KIT_FC_SELECT) {
            if (s->now - t->select_ms > s->cfg.select_timeout_ms) {
                fail_detail(s, t, &d, DNP3KIT_ERR_TIMEOUT);
                d.timeout_s = s->cfg.select_timeout_ms / 1000.0;
                detail_msg(&d, "SELECT echo arrived after the select timeout (%.3f s)", d.timeout_s);
                finish(s, DNP3KIT_ERR_TIMEOUT, &d);
                return;
            }
            t->res.control_status = -1;
            advance(s, t, 1);
            return;
        }
        finish(s, DNP3KIT_OK, NULL);
        return;
    case DNP3KIT_TASK_TIME_SYNC:
        if (t->res.has_iin && iin_error(iin)) {
            finish(s, iin_fail(s, t, &d), &d);
            return;
        }
        if (t->step == 0) {
            if (t->rq.time_sync == DNP3KIT_TIME_SYNC_NON_LAN) {
                uint64_t rtt = s->now - t->sent_ms;
                uint32_t rtu = t->res.has_delay ? t->res.delay_ms : 0;
                t->measured_delay = rtt > rtu ? (uint32_t)((rtt - rtu) / 2) : 0;
                t->res.has_delay = true;
                t->res.delay_ms = t->measured_delay;
            }
            advance(s, t, 1);
            return;
        }
        finish(s, DNP3KIT_OK, NULL);
        return;
    case DNP3KIT_TASK_STARTUP: {
        int next;
        if (t->res.has_iin && iin_error(iin)) {
            if (t->step == SU_INTEGRITY || t->step == SU_TIME2) {
                finish(s, iin_fail(s, t, &d), &d);
                return;
            }
            if (t->soft_err == DNP3KIT_OK)
                t->soft_err = iin_fail(s, t, &t->soft_det);
        }
        /* the startup's own clear and time sync count as reactions (window, attempts) */
        if (t->step == SU_CLEAR || t->step == SU_TIME2) {
            int c = t->step == SU_CLEAR ? R_RESTART : R_TIME;
            s->react[c].last_ms = s->now ? s->now : 1;
            if (t->res.has_iin)
                judge(s, c, iin);
        }
        switch (t->step) {
        case SU_CLEAR: next = SU_DISABLE; break;
        case SU_DISABLE: next = SU_INTEGRITY; break;
        case SU_INTEGRITY:
            next = (iin & DNP3KIT_IIN_NEED_TIME) && s->cfg.time_sync != DNP3KIT_TIME_SYNC_NONE ? SU_TIME1 : SU_ENABLE;
            break;
        case SU_TIME1:
            if (s->cfg.time_sync == DNP3KIT_TIME_SYNC_NON_LAN) {
                uint64_t rtt = s->now - t->sent_ms;
                uint32_t rtu = t->res.has_delay ? t->res.delay_ms : 0;
                t->measured_delay = rtt > rtu ? (uint32_t)((rtt - rtu) / 2) : 0;
            }
            next = SU_TIME2;
            break;
        case SU_TIME2: next = SU_ENABLE; break;
        default: next = -1; break;
        }
        advance(s, t, next);
        return;
    }
    default:
        if (noack) {
            finish(s, DNP3KIT_OK, NULL);
            return;
        }
        if (t->res.has_iin && iin_error(iin)) {
            finish(s, iin_fail(s, t, &d), &d);
            return;
        }
        if ((t->rq.type == DNP3KIT_TASK_RESTART) && !t->res.has_delay) {
            fail_detail(s, t, &d, DNP3KIT_ERR_PROTOCOL);
            detail_msg(&d, "%s response carries no time delay (g52)", func_name(t->func));
            finish(s, DNP3KIT_ERR_PROTOCOL, &d);
            return;
        }
        finish(s, DNP3KIT_OK, NULL);
        return;
    }
}

/* The likely cause of a silence, from what was received since the step began,
 * and for a control that was not retried whether it may have executed. */
static void explain_silence(const dnp3kit_master_session *s, const task *t, char *b, size_t cap)
{
    size_t n = 0;
    b[0] = 0;
    if (s->seen.stray && s->seen.stray_dst == s->cfg.master_address && s->seen.stray_src != s->cfg.outstation_address)
        n += (size_t)snprintf(b + n, cap - n, "; outstation answered from address %u, not %u", s->seen.stray_src,
                              s->cfg.outstation_address);
    else if (s->seen.stray)
        n += (size_t)snprintf(b + n, cap - n, "; frames seen from %u to %u, not from %u to %u", s->seen.stray_src,
                              s->seen.stray_dst, s->cfg.outstation_address, s->cfg.master_address);
    else if (s->seen.overrun)
        n += (size_t)snprintf(b + n, cap - n,
                              "; %" PRIu64 " octets with no frame for this master: connection closed",
                              s->seen.overrun);
    else if (s->seen.octets > 0 && s->seen.frames == 0 && s->lp._have > 0)
        n += (size_t)snprintf(b + n, cap - n,
                              "; only %" PRIu64 " octets of a frame arrived: the outstation sends too slowly",
                              s->seen.octets);
    else if (s->seen.octets > 0 && s->seen.frames == 0)
        n += (size_t)snprintf(b + n, cap - n, "; %" PRIu64 " octets received, none of them a DNP3 frame: not DNP3?",
                              s->seen.octets);
    if (n < cap && s->seen.late_ms)
        n += (size_t)snprintf(b + n, cap - n, "; an answer came %" PRIu64 " ms after its request: raise --timeout",
                              s->seen.late_ms);
    if (n < cap && !step_retryable(t))
        snprintf(b + n, cap - n, t->sent_all ? "; the request was sent: the control MAY HAVE EXECUTED"
                                             : "; the request was not completely sent");
}

/* Attempt of the head task failed (timeout, lost connection): retry or fail. */
static void attempt_failed(dnp3kit_master_session *s, task *t, int code)
{
    dnp3kit_error_detail d;
    if (step_retryable(t) && t->attempts <= s->cfg.retries) {
        t->st = T_WAIT_RETRY;
        t->deadline = s->now + s->cfg.retry_delay_ms;
        return;
    }
    fail_detail(s, t, &d, code);
    d.timeout_s = s->cfg.response_timeout_ms / 1000.0;
    char extra[96] = "";
    if (s->have_last_error) {
        d.finding = s->last_error.code;
        if (s->last_error.code == DNP3KIT_F_LINK_BAD_BLOCK_CRC || s->last_error.code == DNP3KIT_F_LINK_BAD_HEADER_CRC) {
            d.crc_expected = (uint16_t)s->last_error.expected;
            d.crc_actual = (uint16_t)s->last_error.actual;
        }
        snprintf(extra, sizeof extra, " (last defect received: %s)", dnp3kit_finding_name(s->last_error.code));
    }
    const char *what = t->rq.type == DNP3KIT_TASK_LINK_STATUS ? "REQUEST_LINK_STATUS" : func_name(t->func);
    char cause[160];
    explain_silence(s, t, cause, sizeof cause);
    if (code == DNP3KIT_ERR_TIMEOUT)
        detail_msg(&d, "no response to %s from %s within %.3f s (%" PRIu32 " attempt%s)%s%s", what, s->peer,
                   d.timeout_s, t->attempts, t->attempts == 1 ? "" : "s", extra, cause);
    else
        detail_msg(&d, "connection to %s lost waiting for the response to %s (%" PRIu32 " attempt%s)%s%s",
                   s->peer, what, t->attempts, t->attempts == 1 ? "" : "s", extra, cause);
    finish(s, code, &d);
}

static void kick(dnp3kit_master_session *s)
{
    /* One request at a time (clause 4.2.2.4: a master has one outstanding request). */
    while (!s->shared && s->connected && s->head && s->head->st == T_QUEUED && s->tx_off == s->tx_len) {
        task *t = s->head;
        start_step(s, t);
        if (s->head == t && t->st == T_QUEUED)
            break; /* could not start */
    }
}

static void react(dnp3kit_master_session *s, int which, dnp3kit_master_task_type type, unsigned classes)
{
    reaction *r = &s->react[which];
    if (queued(s, type, true) || r->gave_up)
        return;
    /* Once per cause in the window, whatever asks for it (every response, a flood of
     * unsolicited responses): two bits an outstation keeps set cannot make the
     * reactions trigger each other without end. */
    if (r->last_ms && s->now - r->last_ms < s->cfg.reaction_window_ms)
        return;
    dnp3kit_master_request rq = {0};
    rq.type = type;
    rq.classes = classes;
    rq.time_sync = s->cfg.time_sync;
    task *t = task_new(s, &rq, true);
    if (!t)
        return;
    r->last_ms = s->now ? s->now : 1;
    /* Before the user's next request, behind a request already in flight. */
    if (s->head && s->head->st != T_QUEUED) {
        t->next = s->head->next;
        s->head->next = t;
        if (s->tail == s->head)
            s->tail = t;
        s->ntasks++;
    } else {
        push_front(s, t);
    }
}

/* A bit seen clear ends what was counted against it. */
static void iin_seen(dnp3kit_master_session *s, uint16_t iin)
{
    for (int c = 0; c < R_COUNT; c++)
        if (!(iin & react_bit[c])) {
            s->react[c].futile = 0;
            s->react[c].gave_up = false;
        }
}

/* The final IIN after a reaction to cause c (or the user's own clear / time sync):
 * still set means the outstation ignored it; after cfg.reaction_attempts of those
 * the master stops reacting to it. Reported as session_iin_stuck either way. */
static void judge(dnp3kit_master_session *s, int c, uint16_t iin)
{
    reaction *r = &s->react[c];
    r->judge_next = false;
    if (!(iin & react_bit[c])) {
        r->futile = 0;
        r->gave_up = false;
        return;
    }
    if (r->futile < UINT32_MAX)
        r->futile++;
    if (r->futile >= s->cfg.reaction_attempts)
        r->gave_up = true;
    s->stats.iin_stuck++;
    dnp3kit_finding f = {0};
    f.code = DNP3KIT_F_SESSION_IIN_STUCK;
    f.offset = SIZE_MAX;
    f.expected = react_bit[c];
    f.actual = r->futile;
    f.index = r->gave_up; /* 1: given up */
    dnp3kit_report(&s->sink, &f);
}

/* A task ended well: did it (or the integrity poll before it) clear what it was for? */
static void judge_task(dnp3kit_master_session *s, const task *t)
{
    if (!t->res.has_iin)
        return;
    reaction *ov = &s->react[R_OVERFLOW];
    bool overflow_poll = t->internal && t->rq.type == DNP3KIT_TASK_READ_CLASS && t->rq.classes == 0x0F;
    /* An outstation clears EVENT_BUFFER_OVERFLOW once the events are confirmed, so
     * the answer to the next request tells, not the integrity poll's own. */
    if (ov->judge_next && !(overflow_poll && t->id == ov->judge_after))
        judge(s, R_OVERFLOW, t->res.iin);
    if (t->rq.type == DNP3KIT_TASK_RESTART) {
        /* DEVICE_RESTART (and NEED_TIME after a cold one) are expected now: react at once */
        memset(&s->react[R_RESTART], 0, sizeof s->react[R_RESTART]);
        memset(&s->react[R_TIME], 0, sizeof s->react[R_TIME]);
    } else if (t->rq.type == DNP3KIT_TASK_CLEAR_RESTART || t->rq.type == DNP3KIT_TASK_TIME_SYNC) {
        /* the user's own clear or time sync counts as the reaction of its window */
        int c = t->rq.type == DNP3KIT_TASK_CLEAR_RESTART ? R_RESTART : R_TIME;
        s->react[c].last_ms = s->now ? s->now : 1;
        judge(s, c, t->res.iin);
    } else if (overflow_poll) {
        ov->judge_next = true;
        ov->judge_after = t->id;
    }
}

/* IIN reactions (clause 5.1.x): after a task ends or an unsolicited response arrives. */
static void check_reactions(dnp3kit_master_session *s, const task *done)
{
    uint16_t iin = s->last_iin;
    if (!s->connected || queued(s, DNP3KIT_TASK_STARTUP, false))
        return;
    bool startup = done && done->rq.type == DNP3KIT_TASK_STARTUP;
    if (s->cfg.iin_reactions && (iin & DNP3KIT_IIN_EVENT_BUFFER_OVERFLOW) &&
        !(done && done->internal && done->rq.type == DNP3KIT_TASK_READ_CLASS) && !startup)
        react(s, R_OVERFLOW, DNP3KIT_TASK_READ_CLASS, 0x0F);
    if (s->cfg.iin_reactions && s->cfg.time_sync != DNP3KIT_TIME_SYNC_NONE && (iin & DNP3KIT_IIN_NEED_TIME) && s->cb.wall_clock_ms &&
        !(done && done->rq.type == DNP3KIT_TASK_TIME_SYNC) && !startup)
        react(s, R_TIME, DNP3KIT_TASK_TIME_SYNC, 0);
    if (s->cfg.iin_reactions && (iin & DNP3KIT_IIN_DEVICE_RESTART) &&
        !(done && done->rq.type == DNP3KIT_TASK_CLEAR_RESTART) && !startup)
        react(s, R_RESTART, DNP3KIT_TASK_CLEAR_RESTART, 0);
}

/* ---- input ---- */

static uint32_t hash(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void on_unsolicited(dnp3kit_master_session *s, const dnp3kit_app_header *h, const uint8_t *frag, size_t len)
{
    /* Confirm first (clause 4.2.2.4.2); a repeat of the last one (same SEQ and
     * octets: our confirm was lost) is confirmed again but not delivered twice. */
    uint32_t hv = hash(frag + 2, len - 2);
    bool repeat = s->have_uns && h->seq == s->uns_seq && hv == s->uns_hash;
    /* A repeat is confirmed again at most once per reaction window (an outstation
     * repeating one response without end gets no stream of confirms), and every
     * confirm counts against the request-rate cap. */
    if (h->con && (!repeat || !s->uns_confirm_ms || s->now - s->uns_confirm_ms >= s->cfg.reaction_window_ms) &&
        rate_take(s)) {
        send_confirm(s, h->seq, true);
        s->uns_confirm_ms = s->now ? s->now : 1;
    }
    if (repeat)
        return;
    s->have_uns = true;
    s->uns_seq = h->seq;
    s->uns_hash = hv;
    s->last_iin = h->iin;
    iin_seen(s, h->iin);
    dnp3kit_master_result_reset(&s->uns);
    s->uns.has_iin = true;
    s->uns.iin = h->iin;
    s->uns.fragments = 1;
    master_decode_response(&s->uns, frag, len, h, s->cfg.max_points, true);
    if (s->cb.on_unsolicited)
        s->cb.on_unsolicited(s->user, &s->uns);
    /* Keep memory bounded under a flood: a large buffer is not kept between deliveries. */
    if (s->uns.cap > 1024 || s->uns.objects_cap > 256 || s->uns.octets_cap > 65536)
        dnp3kit_master_result_free(&s->uns);
    if (!s->head)
        check_reactions(s, NULL);
    kick(s);
}

/* Compare a control response with the request: the objects must be identical
 * except the status octet, the last one for a single g12v1/g41 object. */
static void check_echo(task *t, const uint8_t *frag, size_t len)
{
    if (t->req_len < 3 || len < 4 || len - 4 != t->req_len - 2 || memcmp(frag + 4, t->req + 2, len - 5) != 0) {
        t->res.control_status = -2; /* objects not echoed */
        return;
    }
    t->res.control_status = frag[len - 1];
}

static void on_response(dnp3kit_master_session *s, const dnp3kit_app_header *h, const uint8_t *frag, size_t len,
                        int valid)
{
    task *t = s->head;
    if (t && h->fir && t->st == T_WAIT_RETRY && t->step_sent && h->seq == t->expect_seq)
        s->seen.late_ms = s->now - t->sent_ms; /* the attempt that just timed out */
    else if (t && h->fir && t->prev_valid && h->seq == t->prev_seq)
        s->seen.late_ms = s->now - t->prev_sent_ms;
    if (!t || t->st != T_WAIT_RESP || t->rq.type == DNP3KIT_TASK_LINK_STATUS) {
        report(s, DNP3KIT_F_SESSION_RESPONSE_WITHOUT_REQUEST, 0, h->seq);
        return;
    }
    if (h->seq != t->expect_seq) {
        /* A late answer to a request that timed out, or a wrong SEQ: never taken. */
        report(s, DNP3KIT_F_SESSION_RESPONSE_SEQ_MISMATCH, t->expect_seq, h->seq);
        return;
    }
    if (h->fir == t->got_fir) {
        /* FIR on a continuation, or a continuation before FIR (clause 4.2.2.4.1) */
        report(s, DNP3KIT_F_SESSION_RESPONSE_FRAGMENT_SEQ, t->got_fir ? 0 : 1, h->fir);
        return;
    }
    s->last_iin = h->iin;
    iin_seen(s, h->iin);
    if (valid != DNP3KIT_OK) {
        dnp3kit_error_detail d;
        /* keep what was valid before the defect, and name the rest (a partial result) */
        if (t->func == DNP3KIT_FC_READ) {
            t->res.has_iin = true;
            t->res.iin = h->iin;
            t->res.fragments++;
            master_decode_response(&t->res, frag, len, h, s->cfg.max_points, true);
        }
        fail_detail(s, t, &d, DNP3KIT_ERR_INVALID);
        d.iin = h->iin;
        d.finding = s->have_last_error ? s->last_error.code : DNP3KIT_F_COUNT_;
        char where[96] = "";
        const dnp3kit_finding *le = &s->last_error;
        /* name the object (the defect alone does not tell an engineer which one) */
        if (s->have_last_error && (le->group || le->variation) && le->offset != SIZE_MAX)
            snprintf(where, sizeof where, " in g%uv%u (object header %" PRIu32 ", fragment octet %zu)", le->group,
                     le->variation, le->index, le->offset);
        detail_msg(&d, "malformed response to %s: %s%s", func_name(t->func),
                   s->have_last_error ? dnp3kit_finding_name(le->code) : dnp3kit_strerror(valid), where);
        finish(s, DNP3KIT_ERR_INVALID, &d);
        return;
    }
    t->got_fir = true;
    t->fragments++;
    if (t->rq.type != DNP3KIT_TASK_STARTUP || t->step == SU_INTEGRITY)
        t->res.fragments++;
    t->res.has_iin = true;
    t->res.iin = h->iin;
    if (h->con)
        send_confirm(s, h->seq, false);
    if ((t->rq.type == DNP3KIT_TASK_CROB || t->rq.type == DNP3KIT_TASK_ANALOG_OUTPUT) &&
        (t->func == DNP3KIT_FC_SELECT || t->func == DNP3KIT_FC_OPERATE || t->func == DNP3KIT_FC_DIRECT_OPERATE))
        check_echo(t, frag, len);
    else
        /* startup: only the integrity poll's answer is the result; the other steps' answers
         * (time sync, unsolicited) are neither its fragments nor its objects */
        master_decode_response(&t->res, frag, len, h, s->cfg.max_points,
                               t->rq.type != DNP3KIT_TASK_STARTUP || t->step == SU_INTEGRITY);
    if (h->fin) {
        t->st = T_QUEUED; /* not waiting any more; step_done decides */
        step_done(s, t);
        return;
    }
    if (t->fragments >= MAX_FRAGMENTS_PER_STEP) {
        dnp3kit_error_detail d;
        fail_detail(s, t, &d, DNP3KIT_ERR_TOO_LARGE);
        detail_msg(&d, "response to %s has more than %d fragments", func_name(t->func), MAX_FRAGMENTS_PER_STEP);
        finish(s, DNP3KIT_ERR_TOO_LARGE, &d);
        return;
    }
    t->expect_seq = (uint8_t)((h->seq + 1) & 0x0F);
    t->deadline = s->now + s->cfg.response_timeout_ms;
}

static void on_fragment(dnp3kit_master_session *s, const uint8_t *frag, size_t len)
{
    dnp3kit_app_header h;
    if (s->cb.on_fragment)
        s->cb.on_fragment(s->user, false, frag, len);
    s->have_last_error = false;
    int valid = dnp3kit_app_validate(frag, len, NULL, &s->sink);
    /* A size-prefixed object shorter than its fixed fields (a short g120 SA
     * object, annex A) still frames the rest, so validation goes on; but its
     * values cannot be read: the response is malformed, never taken. */
    if (valid == DNP3KIT_OK && s->have_last_error && s->last_error.code == DNP3KIT_F_APP_OBJECT_TOO_SHORT)
        valid = DNP3KIT_ERR_INVALID;
    if (dnp3kit_app_header_decode(frag, len, &h, NULL) < 0 || !h.has_iin)
        return; /* not a response: nothing an outstation may send a master */
    if (h.func == DNP3KIT_FC_UNSOLICITED_RESPONSE) {
        if (valid == DNP3KIT_OK)
            on_unsolicited(s, &h, frag, len);
        return;
    }
    if (h.func != DNP3KIT_FC_RESPONSE)
        return;
    if (h.uns) {
        report(s, DNP3KIT_F_APP_BAD_CONTROL_BITS, 0, h.ctrl);
        return;
    }
    on_response(s, &h, frag, len, valid);
}

/* ---- primary link layer with confirms (cfg.link_confirm; IEEE 1815 clause 9.2.6) ---- */

static bool link_busy(const dnp3kit_master_session *s)
{
    return s->cfg.link_confirm && (s->pri_wait != P_IDLE || s->lq_off != s->lq_len);
}

static void link_clear(dnp3kit_master_session *s)
{
    s->lq_off = s->lq_len = 0;
    s->pri_wait = P_IDLE;
    s->pri_reset = false;
    s->pri_tries = s->pri_nacks = 0;
}

/* (Re)send what lq's head needs: RESET_LINK_STATES until the outstation's link is
 * reset, then the segment as CONFIRMED_USER_DATA with the current FCB (a repeat
 * keeps it: the secondary takes it once, clause 9.2.6.3). */
static void link_send(dnp3kit_master_session *s)
{
    int r;
    if (!s->pri_reset) {
        r = put_frame(s, dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_RESET_LINK_STATES), NULL, 0);
        s->pri_wait = P_RESET;
        if (r == DNP3KIT_OK)
            s->stats.link_resets++;
    } else {
        const uint8_t *rec = s->lq + s->lq_off;
        r = put_frame(s, dnp3kit_link_ctrl(true, true, s->pri_fcb, true, DNP3KIT_LINK_PRI_CONFIRMED_USER_DATA), rec + 1,
                      rec[0]);
        s->pri_wait = P_DATA;
        if (r == DNP3KIT_OK) {
            s->stats.link_frames++;
            if (s->pri_tries > 0)
                s->stats.link_repeats++;
        }
    }
    /* no room in tx (cannot happen with one frame on the wire): the timeout sends again */
    s->pri_tries++;
    s->pri_deadline = s->now + s->cfg.link_timeout_ms;
}

static void link_pump(dnp3kit_master_session *s)
{
    if (!s->cfg.link_confirm || !s->connected || s->pri_wait != P_IDLE || s->lq_off == s->lq_len)
        return;
    s->pri_tries = 0;
    link_send(s);
}

/* The outstation's link did not confirm: what waits in lq is dropped, the link is
 * reset again before the next frame, and the request in flight fails naming it. */
static void link_fail(dnp3kit_master_session *s, bool nack)
{
    const char *fr = s->pri_wait == P_RESET ? "RESET_LINK_STATES" : "CONFIRMED_USER_DATA";
    uint32_t tries = s->pri_tries, nacks = s->pri_nacks;
    link_clear(s);
    task *t = s->head;
    if (!t || t->st != T_WAIT_RESP)
        return;
    dnp3kit_error_detail d;
    fail_detail(s, t, &d, nack ? DNP3KIT_ERR_PROTOCOL : DNP3KIT_ERR_TIMEOUT);
    d.timeout_s = s->cfg.link_timeout_ms / 1000.0;
    const char *what = t->rq.type == DNP3KIT_TASK_LINK_STATUS ? "REQUEST_LINK_STATUS" : func_name(t->func);
    char cause[160];
    explain_silence(s, t, cause, sizeof cause);
    if (nack)
        detail_msg(&d, "%s (%s request) to %s answered with NACK %" PRIu32 " times: the outstation's link layer "
                   "refuses it%s", fr, what, s->peer, nacks, cause);
    else
        detail_msg(&d, "no link-layer ACK to %s (%s request) from %s within %.3f s (%" PRIu32 " attempt%s)%s", fr,
                   what, s->peer, d.timeout_s, tries, tries == 1 ? "" : "s", cause);
    finish(s, d.code, &d);
}

/* The outstation's ACK or NACK to the frame on the wire. */
static void link_answer(dnp3kit_master_session *s, uint8_t func)
{
    if (func == DNP3KIT_LINK_SEC_ACK) {
        if (s->pri_wait == P_RESET) {
            s->pri_reset = true;
            s->pri_fcb = true; /* the first frame after a reset has FCB=1 */
        } else {
            s->lq_off += 1 + (size_t)s->lq[s->lq_off];
            s->pri_fcb = !s->pri_fcb;
            s->pri_nacks = 0;
        }
        s->pri_wait = P_IDLE;
        s->pri_tries = 0;
        if (s->lq_off == s->lq_len) {
            s->lq_off = s->lq_len = 0;
            /* the request is delivered: its response timeout runs from now */
            if (s->head && s->head->st == T_WAIT_RESP)
                s->head->deadline = s->now + s->cfg.response_timeout_ms;
        }
        link_pump(s);
        return;
    }
    /* NACK: the secondary has no reset link (it restarted, or never was): reset, then the same frame */
    s->stats.link_nacks++;
    if (++s->pri_nacks > s->cfg.link_retries) {
        link_fail(s, true);
        return;
    }
    s->pri_reset = false;
    s->pri_tries = 0;
    link_send(s);
}

/* FCV of a primary frame: set for the functions that use the frame count (TEST_LINK_STATES,
 * CONFIRMED_USER_DATA), clear for the others (IEEE 1815 table 9-1). */
static bool link_wants_fcv(uint8_t func)
{
    return func == DNP3KIT_LINK_PRI_TEST_LINK_STATES || func == DNP3KIT_LINK_PRI_CONFIRMED_USER_DATA;
}

/* A good frame not from our outstation to us: remembered to explain a timeout,
 * unless a neighbour on a multi-drop line sent it to us. */
static void note_stray(dnp3kit_master_session *s, const dnp3kit_link_frame *f)
{
    if (f->dst == s->cfg.master_address)
        for (size_t i = 0; i < s->nnbr; i++)
            if (s->nbr[i] == f->src)
                return;
    s->seen.stray = true;
    s->seen.stray_src = f->src;
    s->seen.stray_dst = f->dst;
}

static void on_link_frame(dnp3kit_master_session *s, const dnp3kit_link_frame *f)
{
    if (!f->crc_ok)
        return; /* discarded (clause 9.2.4.2); the parser reported the finding */
    /* Only frames from our outstation to us, travelling outstation -> master (DIR=0). */
    if (f->dir) {
        report(s, DNP3KIT_F_LINK_DIR_MISMATCH, 0, 1);
        return;
    }
    s->seen.frames++;
    if (s->shared)
        s->junk = 0; /* a multi-drop line: a good frame for a neighbour is traffic, not junk */
    if (f->src != s->cfg.outstation_address || f->dst != s->cfg.master_address) {
        note_stray(s, f);
        return;
    }
    if (f->prm && f->fcv != link_wants_fcv(f->func)) {
        /* FCV wrong for the function (table 9-1): not a valid frame, so not taken
         * (the link parser reported link_fcv_mismatch). */
        s->stats.frames_rejected++;
        return;
    }
    if (s->cb.on_frame)
        s->cb.on_frame(s->user, false, f); /* traced even when not ours: -vv shows who answered */
    if (f->src != s->cfg.outstation_address || f->dst != s->cfg.master_address) {
        note_stray(s, f);
        return;
    }
    s->junk = 0;
    s->ka_wait = false;
    if (f->prm) {
        switch (f->func) {
        case DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS:
            send_link_secondary(s, DNP3KIT_LINK_SEC_LINK_STATUS);
            return;
        case DNP3KIT_LINK_PRI_RESET_LINK_STATES:
            s->sec_reset = true;
            s->sec_fcb = true; /* the first frame after a reset has FCB=1 (clause 9.2.6.3) */
            send_link_secondary(s, DNP3KIT_LINK_SEC_ACK);
            return;
        case DNP3KIT_LINK_PRI_TEST_LINK_STATES:
            send_link_secondary(s, DNP3KIT_LINK_SEC_ACK);
            return;
        case DNP3KIT_LINK_PRI_CONFIRMED_USER_DATA:
            send_link_secondary(s, DNP3KIT_LINK_SEC_ACK);
            if (s->sec_reset) {
                if (f->fcb != s->sec_fcb) {
                    /* a repeat of the last frame taken: acknowledged again, not taken twice */
                    s->stats.frames_repeated++;
                    return;
                }
                s->sec_fcb = !s->sec_fcb;
            }
            break;
        case DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA:
            break;
        default:
            return;
        }
        if (f->user_len == 0)
            return;
        const uint8_t *msg;
        size_t mlen;
        if (dnp3kit_reassembler_push(&s->ra, f->user, f->user_len, &msg, &mlen, &s->sink) == 1)
            on_fragment(s, msg, mlen);
        return;
    }
    /* Secondary: the ACK/NACK to our confirmed frame, or the answer to our REQUEST_LINK_STATUS. */
    if (s->cfg.link_confirm && s->pri_wait != P_IDLE &&
        (f->func == DNP3KIT_LINK_SEC_ACK || f->func == DNP3KIT_LINK_SEC_NACK)) {
        link_answer(s, f->func);
        return;
    }
    task *t = s->head;
    if (t && t->rq.type == DNP3KIT_TASK_LINK_STATUS && t->st == T_WAIT_RESP) {
        if (f->func == DNP3KIT_LINK_SEC_LINK_STATUS) {
            t->st = T_QUEUED;
            finish(s, DNP3KIT_OK, NULL);
        } else {
            dnp3kit_error_detail d;
            fail_detail(s, t, &d, DNP3KIT_ERR_PROTOCOL);
            detail_msg(&d, "REQUEST_LINK_STATUS answered with %s", dnp3kit_link_func_name(false, f->func));
            finish(s, DNP3KIT_ERR_PROTOCOL, &d);
        }
    }
}

/* ---- public session API ---- */

dnp3kit_master_session *dnp3kit_master_session_new(const dnp3kit_master_config *cfg,
                                                   const dnp3kit_master_callbacks *cb, void *user,
                                                   dnp3kit_error_detail *err)
{
    if (dnp3kit_master_config_validate(cfg, err) != DNP3KIT_OK)
        return NULL;
    dnp3kit_master_session *s = calloc(1, sizeof *s);
    if (s) {
        s->cfg = *cfg;
        s->rabuf = malloc(cfg->max_fragment_size);
        s->frag = malloc(cfg->max_fragment_size);
        /* one maximal fragment in frames, plus link answers and confirms */
        s->tx_cap = (cfg->max_fragment_size / (cfg->max_frame_size - 1) + 2) * DNP3KIT_LINK_MAX_FRAME + 1024;
        s->tx = malloc(s->tx_cap);
        if (cfg->link_confirm) {
            s->lq_cap = (cfg->max_fragment_size / (cfg->max_frame_size - 1) + 2) * (DNP3KIT_LINK_MAX_USER + 1) + 1024;
            s->lq = malloc(s->lq_cap);
        }
    }
    if (!s || !s->rabuf || !s->frag || !s->tx || (cfg->link_confirm && !s->lq)) {
        if (s) {
            free(s->rabuf);
            free(s->frag);
            free(s->tx);
            free(s->lq);
            free(s);
        }
        if (err) {
            dnp3kit_error_detail_clear(err);
            err->code = DNP3KIT_ERR_NOMEM;
            detail_msg(err, "out of memory creating a session");
        }
        return NULL;
    }
    if (cb)
        s->cb = *cb;
    s->user = user;
    s->sink.fn = on_sink;
    s->sink.user = s;
    s->uns.control_status = -1;
    s->tokens = (uint64_t)cfg->max_requests_per_s * 1000; /* a full bucket: the first burst goes at once */
    dnp3kit_link_parser_init(&s->lp);
    dnp3kit_reassembler_init(&s->ra, s->rabuf, cfg->max_fragment_size);
    master_peer_name(cfg, s->peer, sizeof s->peer);
    return s;
}

void dnp3kit_master_session_free(dnp3kit_master_session *s)
{
    if (!s)
        return;
    while (s->head) {
        task *t = s->head;
        s->head = t->next;
        task_free(t);
    }
    dnp3kit_master_result_free(&s->uns);
    free(s->rabuf);
    free(s->frag);
    free(s->tx);
    free(s->lq);
    free(s);
}

const dnp3kit_master_config *dnp3kit_master_session_config(const dnp3kit_master_session *s)
{
    return &s->cfg;
}

void dnp3kit_master_session_connected(dnp3kit_master_session *s, uint64_t now_ms)
{
    s->now = now_ms;
    s->connected = true;
    s->want_close = false;
    s->ka_wait = false;
    s->sec_reset = false;
    link_clear(s); /* a new connection: RESET_LINK_STATES before the first confirmed frame */
    s->last_rx = now_ms;
    s->tx_len = s->tx_off = 0;
    dnp3kit_link_parser_init(&s->lp);
    dnp3kit_reassembler_reset(&s->ra);
    memset(s->react, 0, sizeof s->react); /* a new connection may be a restarted outstation */
    s->uns_confirm_ms = 0;                /* and it repeats what we may not have confirmed */
    if (s->cfg.startup && !queued(s, DNP3KIT_TASK_STARTUP, false)) {
        dnp3kit_master_request rq = {0};
        rq.type = DNP3KIT_TASK_STARTUP;
        task *t = task_new(s, &rq, true);
        if (t) {
            if (s->head && s->head->st != T_QUEUED) {
                /* a request waiting for a retry goes after the startup */
                s->head->st = T_QUEUED;
            }
            push_front(s, t);
        }
    }
    if (s->head && s->head->st == T_WAIT_RETRY && now_ms >= s->head->deadline)
        s->head->st = T_QUEUED;
    kick(s);
}

void dnp3kit_master_session_connect_failed(dnp3kit_master_session *s, uint64_t now_ms,
                                           const dnp3kit_error_detail *why)
{
    s->now = now_ms;
    s->connected = false;
    task *t = s->head;
    if (!t)
        return;
    t->attempts++;
    if (t->attempts > s->cfg.retries) {
        dnp3kit_error_detail d;
        if (why) {
            d = *why;
        } else {
            fail_detail(s, t, &d, DNP3KIT_ERR_CONNECT);
            detail_msg(&d, "cannot connect to %s", s->peer);
        }
        finish(s, d.code ? d.code : DNP3KIT_ERR_CONNECT, &d);
    }
}

void dnp3kit_master_session_closed(dnp3kit_master_session *s, uint64_t now_ms)
{
    s->now = now_ms;
    bool was = s->connected;
    s->connected = false;
    s->want_close = false;
    s->ka_wait = false;
    s->tx_len = s->tx_off = 0;
    s->junk = 0;
    link_clear(s);
    dnp3kit_link_parser_reset(&s->lp, &s->sink);
    dnp3kit_reassembler_finish(&s->ra, &s->sink);
    dnp3kit_reassembler_reset(&s->ra);
    task *t = s->head;
    if (was && t && t->st == T_WAIT_RESP)
        attempt_failed(s, t, DNP3KIT_ERR_CLOSED);
    /* internal tasks belong to the connection: a new one starts afresh */
    task **pp = &s->head;
    task *prev = NULL;
    while (*pp) {
        task *x = *pp;
        if (x->internal && x->st == T_QUEUED) {
            *pp = x->next;
            s->ntasks--;
            if (s->cb.on_task_done) {
                dnp3kit_error_detail d;
                fail_detail(s, x, &d, DNP3KIT_ERR_CLOSED);
                detail_msg(&d, "connection to %s closed", s->peer);
                s->cb.on_task_done(s->user, x->id, true, DNP3KIT_ERR_CLOSED, &d, &x->res);
            }
            task_free(x);
            continue;
        }
        prev = x;
        pp = &x->next;
    }
    s->tail = prev;
}

bool dnp3kit_master_session_is_connected(const dnp3kit_master_session *s)
{
    return s->connected;
}

void dnp3kit_master_session_recv(dnp3kit_master_session *s, const uint8_t *p, size_t len, uint64_t now_ms)
{
    s->now = now_ms;
    if (!s->connected)
        return;
    s->last_rx = now_ms;
    s->seen.octets += len;
    while (len > 0) {
        size_t before = len;
        int got = dnp3kit_link_parser_step(&s->lp, &p, &len, &s->rxf, &s->sink);
        s->junk += before - len;
        if (got == 1)
            on_link_frame(s, &s->rxf);
        if (!s->connected)
            break;
        if (s->junk > RX_JUNK_MAX) {
            /* octets faster than they can be DNP3 for us: reading on would only
             * fill memory, a recording, a log; the connection goes */
            s->seen.overrun = s->junk;
            report(s, DNP3KIT_F_SESSION_RX_OVERRUN, RX_JUNK_MAX, s->junk);
            s->junk = 0;
            s->want_close = true;
            break;
        }
    }
    kick(s);
}

void dnp3kit_master_session_tick(dnp3kit_master_session *s, uint64_t now_ms)
{
    s->now = now_ms;
    task *t = s->head;
    if (s->cfg.link_confirm && s->connected && s->pri_wait != P_IDLE && now_ms >= s->pri_deadline &&
        s->tx_off == s->tx_len) {
        if (s->pri_tries <= s->cfg.link_retries)
            link_send(s); /* the same frame, the same FCB */
        else
            link_fail(s, false);
        kick(s);
        return;
    }
    if (link_busy(s)) {
        /* the response timeout waits until the request is delivered */
    } else if (t && t->st == T_WAIT_RESP && now_ms >= t->deadline) {
        attempt_failed(s, t, DNP3KIT_ERR_TIMEOUT);
    } else if (t && t->st == T_WAIT_RETRY && now_ms >= t->deadline) {
        t->st = T_QUEUED;
    }
    if (s->connected && s->cfg.keepalive_ms && !s->shared) {
        if (s->ka_wait && now_ms >= s->ka_deadline) {
            s->want_close = true;
        } else if (!s->ka_wait && now_ms - s->last_rx >= s->cfg.keepalive_ms &&
                   !(s->head && s->head->st == T_WAIT_RESP) && rate_take(s)) {
            if (put_frame(s, dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS),
                          NULL, 0) == DNP3KIT_OK) {
                s->stats.link_requests++;
                s->ka_wait = true;
                s->ka_deadline = now_ms + s->cfg.response_timeout_ms;
            }
        }
    }
    kick(s);
}

int dnp3kit_master_session_submit(dnp3kit_master_session *s, const dnp3kit_master_request *rq, uint64_t now_ms,
                                  dnp3kit_error_detail *err)
{
    dnp3kit_error_detail tmp;
    dnp3kit_error_detail *d = err ? err : &tmp;
    dnp3kit_error_detail_clear(d);
    s->now = now_ms;
    d->code = DNP3KIT_ERR_ARG;
    if (!rq)
        return detail_msg(d, "no request"), DNP3KIT_ERR_ARG;
    if (s->ntasks >= MAX_TASKS) {
        d->code = DNP3KIT_ERR_TOO_LARGE;
        return detail_msg(d, "%d requests already queued", MAX_TASKS), DNP3KIT_ERR_TOO_LARGE;
    }
    dnp3kit_master_request q = *rq;
    uint8_t tmpb[64];
    switch (q.type) {
    case DNP3KIT_TASK_READ_CLASS:
        if ((q.classes & 0x0F) == 0 || (q.classes & ~0x0Fu))
            return detail_msg(d, "classes 0x%x: use bits 0-3 (class 0-3)", q.classes), DNP3KIT_ERR_ARG;
        break;
    case DNP3KIT_TASK_READ_RANGE:
        if (q.start > q.stop)
            return detail_msg(d, "range %" PRIu32 "-%" PRIu32 ": start after stop", q.start, q.stop), DNP3KIT_ERR_ARG;
        if (q.variation != 0 && !dnp3kit_catalog_find(q.group, q.variation))
            return detail_msg(d, "g%uv%u is not defined by IEEE 1815", q.group, q.variation), DNP3KIT_ERR_ARG;
        break;
    case DNP3KIT_TASK_CROB:
        if (q.crob.op > DNP3KIT_OP_LATCH_OFF || q.crob.tcc > DNP3KIT_TCC_TRIP)
            return detail_msg(d, "CROB operation %u / trip-close code %u not defined", q.crob.op, q.crob.tcc),
                   DNP3KIT_ERR_ARG;
        if ((unsigned)q.mode > DNP3KIT_CONTROL_DIRECT_NO_ACK)
            return detail_msg(d, "control mode %d unknown", (int)q.mode), DNP3KIT_ERR_ARG;
        if (dnp3kit_build_crob(tmpb, sizeof tmpb, 0, DNP3KIT_FC_SELECT, q.index, &q.crob) < 0)
            return detail_msg(d, "CROB cannot be encoded"), DNP3KIT_ERR_ARG;
        break;
    case DNP3KIT_TASK_ANALOG_OUTPUT:
        if ((unsigned)q.mode > DNP3KIT_CONTROL_DIRECT_NO_ACK)
            return detail_msg(d, "control mode %d unknown", (int)q.mode), DNP3KIT_ERR_ARG;
        if (q.ao_type < DNP3KIT_AO_INT32 || q.ao_type > DNP3KIT_AO_FLOAT64)
            return detail_msg(d, "analog output type %d: use 1-4 (g41 v1-v4)", (int)q.ao_type), DNP3KIT_ERR_ARG;
        /* the core refuses what the type cannot hold (range, fraction for integers,
         * float32 overflow/underflow); float32 rounds to nearest like any float */
        if (dnp3kit_build_analog_output(tmpb, sizeof tmpb, 0, DNP3KIT_FC_SELECT, q.index, q.ao_type, q.ao_value) < 0)
            return detail_msg(d, "value %.17g does not fit g41v%d (%s) exactly; it is never truncated", q.ao_value,
                              (int)q.ao_type,
                              q.ao_type == DNP3KIT_AO_INT32   ? "int32"
                              : q.ao_type == DNP3KIT_AO_INT16 ? "int16"
                              : q.ao_type == DNP3KIT_AO_FLOAT32 ? "float32"
                                                                : "float64"),
                   DNP3KIT_ERR_ARG;
        break;
    case DNP3KIT_TASK_UNSOLICITED:
        if ((q.classes & 0x0E) == 0 || (q.classes & ~0x0Eu))
            return detail_msg(d, "unsolicited classes 0x%x: use bits 1-3 (class 1-3)", q.classes), DNP3KIT_ERR_ARG;
        break;
    case DNP3KIT_TASK_TIME_SYNC:
        if (q.time_sync == DNP3KIT_TIME_SYNC_NONE)
            q.time_sync = s->cfg.time_sync != DNP3KIT_TIME_SYNC_NONE ? s->cfg.time_sync : DNP3KIT_TIME_SYNC_LAN;
        if (q.time_sync != DNP3KIT_TIME_SYNC_LAN && q.time_sync != DNP3KIT_TIME_SYNC_NON_LAN)
            return detail_msg(d, "time-sync mode %d unknown", (int)q.time_sync), DNP3KIT_ERR_ARG;
        break;
    case DNP3KIT_TASK_RAW:
        if (q.func == DNP3KIT_FC_CONFIRM || dnp3kit_app_func_is_response(q.func) || !dnp3kit_app_func_name(q.func))
            return detail_msg(d, "function %u cannot be sent as a request", q.func), DNP3KIT_ERR_ARG;
        if (q.objects_len + 2 > s->cfg.max_fragment_size || (q.objects_len && !q.objects))
            return detail_msg(d, "request of %zu octets does not fit the fragment size %" PRIu32, q.objects_len + 2,
                              s->cfg.max_fragment_size),
                   DNP3KIT_ERR_ARG;
        break;
    case DNP3KIT_TASK_FREEZE:
    case DNP3KIT_TASK_RESTART:
    case DNP3KIT_TASK_CLEAR_RESTART:
    case DNP3KIT_TASK_LINK_STATUS:
    case DNP3KIT_TASK_STARTUP:
        break;
    default:
        return detail_msg(d, "request type %d unknown", (int)q.type), DNP3KIT_ERR_ARG;
    }
    task *t = task_new(s, &q, false);
    if (!t) {
        d->code = DNP3KIT_ERR_NOMEM;
        return detail_msg(d, "out of memory"), DNP3KIT_ERR_NOMEM;
    }
    if (q.type == DNP3KIT_TASK_RAW && q.objects_len) {
        t->raw = malloc(q.objects_len);
        if (!t->raw) {
            task_free(t);
            d->code = DNP3KIT_ERR_NOMEM;
            return detail_msg(d, "out of memory"), DNP3KIT_ERR_NOMEM;
        }
        memcpy(t->raw, q.objects, q.objects_len);
    }
    t->rq.objects = NULL; /* the caller's buffer is not kept */
    int id = (int)t->id;
    push_back(s, t);
    dnp3kit_error_detail_clear(d);
    /* Not started here: the caller learns the id before any callback for it;
     * next_timer() turns due at once and the next tick() starts it. */
    return id;
}

size_t dnp3kit_master_session_pending(dnp3kit_master_session *s, const uint8_t **p)
{
    *p = s->tx + s->tx_off;
    return s->tx_len - s->tx_off;
}

void dnp3kit_master_session_sent(dnp3kit_master_session *s, size_t n)
{
    if (n > s->tx_len - s->tx_off)
        n = s->tx_len - s->tx_off;
    s->tx_off += n;
    if (s->tx_off == s->tx_len) {
        if (s->cfg.link_confirm && s->pri_wait != P_IDLE)
            s->pri_deadline = s->now + s->cfg.link_timeout_ms; /* the link timeout runs from the last octet out */
        /* every octet of the request out: with link confirms, its last frame (sent, maybe not acknowledged) */
        if (s->head && s->head->st == T_WAIT_RESP &&
            (!link_busy(s) ||
             (s->pri_wait == P_DATA && s->lq_off + 1 + (size_t)s->lq[s->lq_off] == s->lq_len)))
            s->head->sent_all = true;
        s->tx_off = s->tx_len = 0;
        kick(s);
    }
}

uint64_t dnp3kit_master_session_next_timer(const dnp3kit_master_session *s)
{
    uint64_t t = UINT64_MAX;
    if (link_busy(s) && s->connected && s->pri_wait != P_IDLE)
        t = s->pri_deadline; /* the response timeout waits for the ACK */
    else if (s->connected && s->head && s->head->st == T_QUEUED && !s->shared)
        return rate_ready(s);
    else if (s->connected && s->head && s->head->st == T_QUEUED)
        return rate_ready(s) > s->now ? rate_ready(s) : UINT64_MAX; /* the loop grants the line */
    else if (s->head && (s->head->st == T_WAIT_RESP || s->head->st == T_WAIT_RETRY))
        t = s->head->deadline;
    if (s->connected && s->cfg.keepalive_ms && !s->shared) {
        uint64_t k = s->ka_wait ? s->ka_deadline : s->last_rx + s->cfg.keepalive_ms;
        if (!s->ka_wait && rate_ready(s) > k)
            k = rate_ready(s);
        if (k < t)
            t = k;
    }
    return t;
}

bool dnp3kit_master_session_wants_close(const dnp3kit_master_session *s)
{
    return s->want_close;
}

size_t dnp3kit_master_session_tasks(const dnp3kit_master_session *s)
{
    return s->ntasks;
}

bool master_session_overflow_verdict(dnp3kit_master_session *s)
{
    reaction *ov = &s->react[R_OVERFLOW];
    if (!ov->judge_next || !s->connected || !(s->last_iin & DNP3KIT_IIN_EVENT_BUFFER_OVERFLOW) ||
        queued(s, DNP3KIT_TASK_READ_CLASS, true))
        return false;
    /* An event poll (classes 1-3): what a master sends after an integrity poll
     * anyway, and its answer is judged like the next request's (judge_task). */
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_READ_CLASS;
    rq.classes = 0x0E;
    task *t = task_new(s, &rq, true);
    if (!t)
        return false;
    push_back(s, t);
    kick(s);
    return true;
}

void master_session_set_neighbours(dnp3kit_master_session *s, const uint16_t *addr, size_t n)
{
    s->nnbr = 0;
    for (size_t i = 0; i < n && s->nnbr < MASTER_MAX_NEIGHBOURS; i++)
        if (addr[i] != s->cfg.outstation_address)
            s->nbr[s->nnbr++] = addr[i];
}

void master_session_set_shared(dnp3kit_master_session *s, bool shared)
{
    s->shared = shared;
    if (!shared)
        kick(s);
}

void master_session_grant(dnp3kit_master_session *s, uint64_t now_ms)
{
    if (!s->shared)
        return;
    s->now = now_ms;
    s->shared = false;
    kick(s);
    s->shared = true;
}

bool master_session_line_busy(const dnp3kit_master_session *s)
{
    return s->tx_off != s->tx_len || link_busy(s) || (s->head && s->head->st == T_WAIT_RESP);
}

bool master_session_wants_line(dnp3kit_master_session *s, uint64_t now_ms)
{
    s->now = now_ms;
    return s->connected && s->head && s->head->st == T_QUEUED && rate_ready(s) == 0;
}

bool master_session_only_internal(const dnp3kit_master_session *s)
{
    for (const task *t = s->head; t; t = t->next)
        if (!t->internal)
            return false;
    return true;
}

uint16_t dnp3kit_master_session_last_iin(const dnp3kit_master_session *s)
{
    return s->last_iin;
}

void dnp3kit_master_session_stats(const dnp3kit_master_session *s, dnp3kit_master_stats *out)
{
    *out = s->stats;
}

static size_t result_memory(const dnp3kit_master_result *r)
{
    return r->cap * sizeof *r->points + r->objects_cap * sizeof *r->objects + r->octets_cap;
}

size_t dnp3kit_master_session_memory(const dnp3kit_master_session *s)
{
    size_t n = sizeof *s + 2 * (size_t)s->cfg.max_fragment_size + s->tx_cap + s->lq_cap + result_memory(&s->uns);
    for (const task *t = s->head; t; t = t->next)
        n += sizeof *t + result_memory(&t->res);
    return n;
}

void dnp3kit_master_session_cancel(dnp3kit_master_session *s, uint32_t task_id)
{
    task **pp = &s->head, *prev = NULL;
    while (*pp) {
        task *x = *pp;
        if (x->id == task_id) {
            *pp = x->next;
            s->ntasks--;
            if (s->tail == x)
                s->tail = prev;
            task_free(x);
            kick(s);
            return;
        }
        prev = x;
        pp = &x->next;
    }
}
