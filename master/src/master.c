/*
 * Blocking, thread-safe convenience API over one session (libmodbus style).
 * One mutex per master is held for the whole of each call, so a
 * SELECT/OPERATE pair (one task in the session) is never interleaved with
 * another thread's request.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dnp3kit/master.h"
#include "channel.h"
#include "master_private.h"

struct dnp3kit_master {
    pthread_mutex_t mu;
    dnp3kit_master_config cfg;
    dnp3kit_master_session *s;
    master_channel ch;
    bool want_conn;
    uint64_t next_connect;
    /* completion of the task the current call waits for */
    uint32_t wait_id;
    bool done;
    int err;
    dnp3kit_error_detail det;
    dnp3kit_master_result *out;
    dnp3kit_error_detail conn_err; /* why the last connection attempt failed */
    char lost_why[160];            /* why the channel failed after it opened (a TLS alert ...), "" none */
    bool startup_done;
    int startup_err;
    dnp3kit_error_detail startup_det;
    /* first session_iin_stuck finding of the current call: the call then fails
     * (ERR_PROTOCOL) even when its own task succeeded */
    bool stuck;
    dnp3kit_error_detail stuck_det;
    /* hooks */
    dnp3kit_master_wire_fn wire;
    void *wire_user;
    void (*t_frame)(void *, bool, const dnp3kit_link_frame *);
    void (*t_fragment)(void *, bool, const uint8_t *, size_t);
    void (*t_finding)(void *, const dnp3kit_finding *);
    void *t_user;
    void (*uns)(void *, const dnp3kit_master_result *);
    void *uns_user;
    void (*log)(void *, const char *);
    void *log_user;
};

static void ch_note(void *user, master_channel *ch, const char *msg)
{
    (void)ch;
    dnp3kit_master *m = user;
    if (m->log)
        m->log(m->log_user, msg);
}

static void cb_done(void *user, uint32_t id, bool internal, int err, const dnp3kit_error_detail *d,
                    dnp3kit_master_result *r)
{
    dnp3kit_master *m = user;
    if (internal && r->task_type == DNP3KIT_TASK_STARTUP) {
        m->startup_done = true;
        m->startup_err = err;
        m->startup_det = *d;
    }
    if (id != m->wait_id)
        return;
    m->done = true;
    m->err = err;
    m->det = *d;
    if (err == DNP3KIT_ERR_CLOSED && m->lost_why[0]) /* name the cause, not a bare "closed" */
        if (snprintf(m->det.message, sizeof m->det.message, "connection to %s:%u lost: %s", m->cfg.host,
                     m->cfg.port, m->lost_why) >= (int)sizeof m->det.message)
            m->det.message[sizeof m->det.message - 2] = '.'; /* cut short: say so */
    if (m->out)
        dnp3kit_master_result_take(m->out, r);
}

static void cb_uns(void *user, const dnp3kit_master_result *r)
{
    dnp3kit_master *m = user;
    if (m->uns)
        m->uns(m->uns_user, r);
}

static void cb_frame(void *user, bool tx, const dnp3kit_link_frame *f)
{
    dnp3kit_master *m = user;
    if (m->t_frame)
        m->t_frame(m->t_user, tx, f);
}

static void cb_fragment(void *user, bool tx, const uint8_t *p, size_t n)
{
    dnp3kit_master *m = user;
    if (m->t_fragment)
        m->t_fragment(m->t_user, tx, p, n);
}

static void cb_finding(void *user, const dnp3kit_finding *f)
{
    dnp3kit_master *m = user;
    if (f->code == DNP3KIT_F_SESSION_IIN_STUCK && !m->stuck) {
        char what[160];
        dnp3kit_finding_format(f, what, sizeof what);
        dnp3kit_error_detail *d = &m->stuck_det;
        dnp3kit_error_detail_clear(d);
        d->code = DNP3KIT_ERR_PROTOCOL;
        d->finding = f->code;
        d->iin = dnp3kit_master_session_last_iin(m->s);
        d->port = m->cfg.port;
        snprintf(d->host, sizeof d->host, "%s", m->cfg.host);
        int n = snprintf(d->message, sizeof d->message, "outstation %u at %s:%u: ", m->cfg.outstation_address,
                         m->cfg.host, m->cfg.port);
        if (n > 0 && (size_t)n < sizeof d->message)
            snprintf(d->message + n, sizeof d->message - (size_t)n, "%.*s%s", (int)(sizeof d->message - (size_t)n),
                     what, f->index ? "; the master stops reacting to it" : "");
        m->stuck = true;
    }
    if (m->t_finding)
        m->t_finding(m->t_user, f);
}

static uint64_t cb_wall(void *user)
{
    (void)user;
    return dnp3kit_master_wall_ms();
}

dnp3kit_master *dnp3kit_master_new(const dnp3kit_master_config *cfg, dnp3kit_error_detail *err)
{
    dnp3kit_master *m = calloc(1, sizeof *m);
    if (!m) {
        if (err) {
            dnp3kit_error_detail_clear(err);
            err->code = DNP3KIT_ERR_NOMEM;
        }
        return NULL;
    }
    dnp3kit_master_callbacks cb = {cb_done, cb_uns, cb_frame, cb_fragment, cb_finding, cb_wall};
    m->s = dnp3kit_master_session_new(cfg, &cb, m, err);
    if (!m->s) {
        free(m);
        return NULL;
    }
    m->cfg = *cfg;
    master_channel_init(&m->ch, dnp3kit_master_session_config(m->s));
    m->ch.log = ch_note;
    m->ch.log_user = m;
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

void dnp3kit_master_set_wire_hook(dnp3kit_master *m, dnp3kit_master_wire_fn fn, void *user)
{
    pthread_mutex_lock(&m->mu);
    m->wire = fn;
    m->wire_user = user;
    pthread_mutex_unlock(&m->mu);
}

void master_set_neighbours(dnp3kit_master *m, const uint16_t *addr, size_t n)
{
    pthread_mutex_lock(&m->mu);
    master_session_set_neighbours(m->s, addr, n);
    pthread_mutex_unlock(&m->mu);
}

void dnp3kit_master_set_log(dnp3kit_master *m, void (*fn)(void *user, const char *msg), void *user)
{
    pthread_mutex_lock(&m->mu);
    m->log = fn;
    m->log_user = user;
    pthread_mutex_unlock(&m->mu);
}

void dnp3kit_master_set_trace(dnp3kit_master *m, void (*on_frame)(void *, bool, const dnp3kit_link_frame *),
                              void (*on_fragment)(void *, bool, const uint8_t *, size_t),
                              void (*on_finding)(void *, const dnp3kit_finding *), void *user)
{
    pthread_mutex_lock(&m->mu);
    m->t_frame = on_frame;
    m->t_fragment = on_fragment;
    m->t_finding = on_finding;
    m->t_user = user;
    pthread_mutex_unlock(&m->mu);
}

void dnp3kit_master_set_unsolicited(dnp3kit_master *m, void (*fn)(void *, const dnp3kit_master_result *),
                                    void *user)
{
    pthread_mutex_lock(&m->mu);
    m->uns = fn;
    m->uns_user = user;
    pthread_mutex_unlock(&m->mu);
}

static void drop_conn(dnp3kit_master *m, uint64_t now)
{
    if (!master_channel_is_open(&m->ch))
        return;
    master_channel_close(&m->ch);
    if (m->wire)
        m->wire(m->wire_user, DNP3KIT_WIRE_CLOSED, false, NULL, 0);
    m->next_connect = now + m->cfg.retry_delay_ms;
    dnp3kit_master_session_closed(m->s, now);
}

/* One connection attempt, bounded by the connection timeout and the deadline. */
static void try_connect(dnp3kit_master *m, uint64_t deadline)
{
    dnp3kit_error_detail d;
    uint64_t now = dnp3kit_master_now_ms();
    int r = master_channel_open(&m->ch, &d);
    if (r == 1) {
        uint64_t until = now + m->cfg.connect_timeout_ms;
        if (until > deadline)
            until = deadline;
        while (r == 1) {
            struct pollfd p = {m->ch.fd, m->ch.open_wants_read ? POLLIN : POLLOUT, 0};
            uint64_t t = dnp3kit_master_now_ms();
            int ms = t >= until ? 0 : (int)(until - t);
            if (m->ch.open_wants_read && ms > 200)
                ms = 200; /* finish() also ends a silent dialler's identification time */
            int pr = poll(&p, 1, ms);
            if (pr == 0 && m->ch.open_wants_read && dnp3kit_master_now_ms() < until)
                pr = 1;
            if (pr < 0 && errno == EINTR)
                continue;
            if (pr == 0) {
                master_connect_error(&d, m->cfg.host, m->cfg.port, DNP3KIT_ERR_TIMEOUT, "connection timed out");
                d.timeout_s = m->cfg.connect_timeout_ms / 1000.0;
                if (m->ch.stage) /* TCP is up, the peer is silent: e.g. TLS to a plain TCP port */
                    snprintf(d.message, sizeof d.message, "cannot connect to %s:%u: %s not finished within %.3f s "
                             "(not a TLS port?)", m->cfg.host, m->cfg.port, m->ch.stage, d.timeout_s);
                else
                    snprintf(d.message, sizeof d.message, "cannot connect to %s:%u: no answer within %.3f s",
                             m->cfg.host, m->cfg.port, d.timeout_s);
                master_channel_close(&m->ch);
                r = -1;
            } else {
                r = m->ch.ops->finish(&m->ch, &d);
            }
        }
    }
    now = dnp3kit_master_now_ms();
    if (r < 0) {
        m->next_connect = now + m->cfg.retry_delay_ms;
        m->conn_err = d;
        dnp3kit_master_session_connect_failed(m->s, now, &d);
        return;
    }
    if (m->wire) {
        struct sockaddr_storage a[2];
        a[0] = m->ch.local;
        a[1] = m->ch.peer;
        m->wire(m->wire_user, DNP3KIT_WIRE_CONNECTED, true, (const uint8_t *)a, sizeof a);
    }
    m->lost_why[0] = 0;
    dnp3kit_master_session_connected(m->s, now);
}

static bool flush(dnp3kit_master *m)
{
    const uint8_t *p;
    size_t n;
    while (master_channel_is_open(&m->ch) && (n = dnp3kit_master_session_pending(m->s, &p)) > 0) {
        ssize_t w = m->ch.ops->write(&m->ch, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return true;
            master_channel_note(&m->ch, "%s: %s", m->ch.ops->name, m->ch.why);
            snprintf(m->lost_why, sizeof m->lost_why, "%s", m->ch.why);
            drop_conn(m, dnp3kit_master_now_ms());
            return false;
        }
        if (m->wire)
            m->wire(m->wire_user, DNP3KIT_WIRE_DATA, true, p, (size_t)w);
        dnp3kit_master_session_sent(m->s, (size_t)w);
    }
    return false;
}

typedef bool (*pred_fn)(dnp3kit_master *m);

static bool pred_done(dnp3kit_master *m)
{
    return m->done;
}

static bool pred_idle(dnp3kit_master *m)
{
    const uint8_t *p;
    return dnp3kit_master_session_tasks(m->s) == 0 && dnp3kit_master_session_pending(m->s, &p) == 0;
}

static bool pred_never(dnp3kit_master *m)
{
    (void)m;
    return false;
}

/* Run the session until pred holds or the deadline passes. */
static int drive(dnp3kit_master *m, pred_fn pred, uint64_t deadline)
{
    uint8_t buf[4096];
    for (;;) {
        uint64_t now = dnp3kit_master_now_ms();
        dnp3kit_master_session_tick(m->s, now);
        if (pred(m))
            return DNP3KIT_OK;
        if (now >= deadline)
            return DNP3KIT_ERR_TIMEOUT;
        if (!master_channel_is_open(&m->ch)) {
            if (dnp3kit_master_session_tasks(m->s) == 0 && !m->want_conn)
                return DNP3KIT_ERR_CLOSED;
            if (now >= m->next_connect) {
                try_connect(m, deadline);
                continue;
            }
            uint64_t until = m->next_connect < deadline ? m->next_connect : deadline;
            uint64_t tm = dnp3kit_master_session_next_timer(m->s);
            if (tm < until)
                until = tm;
            if (until > now)
                poll(NULL, 0, (int)(until - now));
            continue;
        }
        bool want_out = flush(m);
        if (!master_channel_is_open(&m->ch))
            continue;
        if (pred(m))
            return DNP3KIT_OK;
        uint64_t until = dnp3kit_master_session_next_timer(m->s);
        if (until > deadline)
            until = deadline;
        int ms = until <= now ? 0 : (until - now > 1000 ? 1000 : (int)(until - now));
        if (m->ch.rx_held)
            ms = 0;
        struct pollfd pf = {m->ch.fd, (short)(POLLIN | (want_out ? POLLOUT : 0)), 0};
        int r = poll(&pf, 1, ms);
        if (r < 0 && errno != EINTR)
            return DNP3KIT_ERR_IO;
        if (m->ch.rx_held) { /* octets the channel read before (a dialler's first frame) */
            pf.revents |= POLLIN;
            if (r <= 0)
                r = 1;
        }
        now = dnp3kit_master_now_ms();
        bool lost = false;
        /* Read until nothing is left: a TLS channel may hold decrypted octets that
         * poll() cannot see. Bounded, so timers still run under a flood. */
        for (int k = 0; k < 16 && r > 0 && (pf.revents & (POLLIN | POLLHUP | POLLERR)); k++) {
            ssize_t n = m->ch.ops->read(&m->ch, buf, sizeof buf);
            if (n > 0) {
                if (m->wire)
                    m->wire(m->wire_user, DNP3KIT_WIRE_DATA, false, buf, (size_t)n);
                dnp3kit_master_session_recv(m->s, buf, (size_t)n, now);
            } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                if (n < 0) {
                    master_channel_note(&m->ch, "%s: %s", m->ch.ops->name, m->ch.why);
                    snprintf(m->lost_why, sizeof m->lost_why, "%s", m->ch.why);
                }
                lost = true;
                break;
            } else {
                break;
            }
        }
        if (lost) {
            drop_conn(m, now);
            continue;
        }
        if (dnp3kit_master_session_wants_close(m->s))
            drop_conn(m, now);
    }
}

/* Longest a single task may take: every attempt's connection, retry delay and a
 * response to each of up to 6 steps. A backstop: the session's own timers end
 * a task first. */
static uint64_t backstop(const dnp3kit_master *m)
{
    uint64_t per = (uint64_t)m->cfg.connect_timeout_ms + m->cfg.retry_delay_ms + 6ull * m->cfg.response_timeout_ms;
    return (m->cfg.retries + 1ull) * per + 2000;
}

/* A call whose task succeeded still fails when the outstation ignored a reaction meanwhile. */
static int stuck_result(dnp3kit_master *m, int rc, dnp3kit_error_detail *d)
{
    if (rc != DNP3KIT_OK || !m->stuck)
        return rc;
    *d = m->stuck_det;
    return DNP3KIT_ERR_PROTOCOL;
}

static int run_task(dnp3kit_master *m, const dnp3kit_master_request *rq, dnp3kit_master_result *r,
                    dnp3kit_error_detail *err)
{
    dnp3kit_error_detail tmp;
    dnp3kit_error_detail *d = err ? err : &tmp;
    dnp3kit_error_detail_clear(d);
    m->want_conn = true;
    int id = dnp3kit_master_session_submit(m->s, rq, dnp3kit_master_now_ms(), d);
    if (id < 0)
        return id;
    m->wait_id = (uint32_t)id;
    m->done = false;
    m->stuck = false;
    m->out = r;
    uint64_t start = dnp3kit_master_now_ms();
    int rc = drive(m, pred_done, start + backstop(m));
    m->out = NULL;
    m->wait_id = 0;
    if (!m->done) {
        dnp3kit_master_session_cancel(m->s, (uint32_t)id);
        dnp3kit_error_detail_clear(d);
        d->code = rc == DNP3KIT_OK ? DNP3KIT_ERR_TIMEOUT : rc;
        d->port = m->cfg.port;
        snprintf(d->host, sizeof d->host, "%s", m->cfg.host);
        d->timeout_s = (double)backstop(m) / 1000.0;
        snprintf(d->message, sizeof d->message, "request to %s:%u did not end within %.3f s", m->cfg.host,
                 m->cfg.port, d->timeout_s);
        return d->code;
    }
    *d = m->det;
    rc = m->err;
    /* Let IIN reactions this answer triggered (clear restart, time sync, integrity poll) run now. */
    /* Also send what the end of the task left queued: the confirm of the last fragment,
     * a no-ack request. */
    const uint8_t *p;
    if (master_session_only_internal(m->s) &&
        (dnp3kit_master_session_tasks(m->s) > 0 || dnp3kit_master_session_pending(m->s, &p) > 0))
        (void)drive(m, pred_idle, dnp3kit_master_now_ms() + backstop(m));
    if (master_session_only_internal(m->s) && master_session_overflow_verdict(m->s))
        (void)drive(m, pred_idle, dnp3kit_master_now_ms() + backstop(m));
    return stuck_result(m, rc, d);
}

int dnp3kit_master_connect(dnp3kit_master *m, dnp3kit_error_detail *err)
{
    dnp3kit_error_detail tmp;
    dnp3kit_error_detail *d = err ? err : &tmp;
    dnp3kit_error_detail_clear(d);
    pthread_mutex_lock(&m->mu);
    int rc = DNP3KIT_OK;
    if (!master_channel_is_open(&m->ch)) {
        m->want_conn = true;
        for (uint32_t attempt = 0; attempt <= m->cfg.retries && !master_channel_is_open(&m->ch); attempt++) {
            uint64_t now = dnp3kit_master_now_ms();
            if (attempt > 0 && m->next_connect > now)
                poll(NULL, 0, (int)(m->next_connect - now));
            m->startup_done = false;
            try_connect(m, now + m->cfg.connect_timeout_ms + 1000);
        }
        if (!master_channel_is_open(&m->ch)) {
            *d = m->conn_err; /* the reason of the last attempt */
            snprintf(d->message + strlen(d->message), sizeof d->message - strlen(d->message), " (%u attempts)",
                     m->cfg.retries + 1);
            m->want_conn = false;
            rc = d->code ? d->code : DNP3KIT_ERR_CONNECT;
        } else if (m->cfg.startup) {
            m->stuck = false;
            rc = drive(m, pred_idle, dnp3kit_master_now_ms() + backstop(m));
            if (rc == DNP3KIT_OK && m->startup_done && m->startup_err != DNP3KIT_OK) {
                rc = m->startup_err;
                *d = m->startup_det;
            } else if (rc != DNP3KIT_OK) {
                d->code = rc;
                snprintf(d->message, sizeof d->message, "startup sequence did not end");
            }
            rc = stuck_result(m, rc, d);
        }
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

int dnp3kit_master_run(dnp3kit_master *m, const dnp3kit_master_request *rq, dnp3kit_master_result *r,
                           dnp3kit_error_detail *err)
{
    pthread_mutex_lock(&m->mu);
    int rc = run_task(m, rq, r, err);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

int dnp3kit_master_integrity_poll(dnp3kit_master *m, dnp3kit_master_result *r, dnp3kit_error_detail *err)
{
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_READ_CLASS;
    rq.classes = 0x0F;
    return dnp3kit_master_run(m, &rq, r, err);
}

int dnp3kit_master_read_class(dnp3kit_master *m, unsigned classes, dnp3kit_master_result *r,
                              dnp3kit_error_detail *err)
{
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_READ_CLASS;
    rq.classes = classes;
    return dnp3kit_master_run(m, &rq, r, err);
}

int dnp3kit_master_read_range(dnp3kit_master *m, dnp3kit_point_type type, uint8_t variation, uint32_t start,
                              uint32_t stop, dnp3kit_master_result *r, dnp3kit_error_detail *err)
{
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_READ_RANGE;
    rq.group = dnp3kit_master_point_type_group(type);
    rq.variation = variation;
    rq.start = start;
    rq.stop = stop;
    if (rq.group == 0) {
        if (err) {
            dnp3kit_error_detail_clear(err);
            err->code = DNP3KIT_ERR_ARG;
            snprintf(err->message, sizeof err->message, "point type %d unknown", (int)type);
        }
        return DNP3KIT_ERR_ARG;
    }
    return dnp3kit_master_run(m, &rq, r, err);
}

int dnp3kit_master_operate_binary(dnp3kit_master *m, uint16_t index, const dnp3kit_crob *op,
                                  dnp3kit_control_mode mode, dnp3kit_error_detail *err)
{
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_CROB;
    rq.index = index;
    rq.crob = *op;
    rq.crob.status = 0;
    rq.mode = mode;
    return dnp3kit_master_run(m, &rq, NULL, err);
}

int dnp3kit_master_operate_analog(dnp3kit_master *m, uint16_t index, dnp3kit_ao_type type, double value,
                                  dnp3kit_control_mode mode, dnp3kit_error_detail *err)
{
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_ANALOG_OUTPUT;
    rq.index = index;
    rq.ao_type = type;
    rq.ao_value = value;
    rq.mode = mode;
    return dnp3kit_master_run(m, &rq, NULL, err);
}

static int restart(dnp3kit_master *m, bool cold, uint32_t *delay_ms, dnp3kit_error_detail *err)
{
    dnp3kit_master_request rq = {0};
    dnp3kit_master_result r = {0};
    rq.type = DNP3KIT_TASK_RESTART;
    rq.cold = cold;
    int rc = dnp3kit_master_run(m, &rq, &r, err);
    if (delay_ms)
        *delay_ms = r.has_delay ? r.delay_ms : 0;
    dnp3kit_master_result_free(&r);
    return rc;
}

int dnp3kit_master_cold_restart(dnp3kit_master *m, uint32_t *delay_ms, dnp3kit_error_detail *err)
{
    return restart(m, true, delay_ms, err);
}

int dnp3kit_master_warm_restart(dnp3kit_master *m, uint32_t *delay_ms, dnp3kit_error_detail *err)
{
    return restart(m, false, delay_ms, err);
}

static int unsol(dnp3kit_master *m, bool enable, unsigned classes, dnp3kit_error_detail *err)
{
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_UNSOLICITED;
    rq.enable = enable;
    rq.classes = classes;
    return dnp3kit_master_run(m, &rq, NULL, err);
}

int dnp3kit_master_enable_unsolicited(dnp3kit_master *m, unsigned classes, dnp3kit_error_detail *err)
{
    return unsol(m, true, classes, err);
}

int dnp3kit_master_disable_unsolicited(dnp3kit_master *m, unsigned classes, dnp3kit_error_detail *err)
{
    return unsol(m, false, classes, err);
}

int dnp3kit_master_time_sync(dnp3kit_master *m, dnp3kit_time_sync_mode mode, dnp3kit_error_detail *err)
{
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_TIME_SYNC;
    rq.time_sync = mode;
    return dnp3kit_master_run(m, &rq, NULL, err);
}

int dnp3kit_master_freeze(dnp3kit_master *m, bool clear, dnp3kit_error_detail *err)
{
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_FREEZE;
    rq.clear = clear;
    return dnp3kit_master_run(m, &rq, NULL, err);
}

int dnp3kit_master_link_status(dnp3kit_master *m, dnp3kit_error_detail *err)
{
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_LINK_STATUS;
    return dnp3kit_master_run(m, &rq, NULL, err);
}

int dnp3kit_master_process(dnp3kit_master *m, int timeout_ms, dnp3kit_error_detail *err)
{
    if (err)
        dnp3kit_error_detail_clear(err);
    pthread_mutex_lock(&m->mu);
    m->stuck = false;
    int rc = drive(m, pred_never, dnp3kit_master_now_ms() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms));
    if (rc == DNP3KIT_ERR_TIMEOUT)
        rc = DNP3KIT_OK; /* the wait is the point */
    if (rc != DNP3KIT_OK && err) {
        err->code = rc;
        snprintf(err->message, sizeof err->message, "not connected to %s:%u", m->cfg.host, m->cfg.port);
    }
    dnp3kit_error_detail tmp;
    rc = stuck_result(m, rc, err ? err : &tmp);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

void dnp3kit_master_close(dnp3kit_master *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    m->want_conn = false;
    drop_conn(m, dnp3kit_master_now_ms());
    m->next_connect = 0;
    pthread_mutex_unlock(&m->mu);
}

void dnp3kit_master_free(dnp3kit_master *m)
{
    if (!m)
        return;
    dnp3kit_master_close(m);
    dnp3kit_master_session_free(m->s);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

const dnp3kit_master_config *master_config_of(const dnp3kit_master *m)
{
    return &m->cfg;
}
