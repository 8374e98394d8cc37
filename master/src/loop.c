/*
 * Socket loop: many sessions, one thread, epoll. Each session keeps one
 * channel (channel.h: TCP, UDP ...) open, reopening it after its retry
 * delay; timers come from the sessions themselves
 * (dnp3kit_master_session_next_timer).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dnp3kit/master.h"
#include "channel.h"
#include "master_private.h"

typedef struct conn {
    dnp3kit_master_session *s;
    master_channel ch;
    bool used, connecting, want_out;
    uint64_t next_connect, connect_deadline;
} conn;

struct dnp3kit_master_loop {
    int ep;
    conn *c;
    size_t n, cap;
    dnp3kit_master_loop_log_fn log;
    void *log_user;
};

static void conn_note(dnp3kit_master_loop *l, const conn *c, const char *msg)
{
    if (l->log && msg[0])
        l->log(l->log_user, (int)(c - l->c), msg);
}

static void channel_note(void *user, master_channel *ch, const char *msg);

void dnp3kit_master_loop_set_log(dnp3kit_master_loop *l, dnp3kit_master_loop_log_fn fn, void *user)
{
    l->log = fn;
    l->log_user = user;
}

dnp3kit_master_loop *dnp3kit_master_loop_new(void)
{
    dnp3kit_master_loop *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->ep = epoll_create1(EPOLL_CLOEXEC);
    if (l->ep < 0) {
        free(l);
        return NULL;
    }
    return l;
}

static void conn_close(dnp3kit_master_loop *l, conn *c, uint64_t now, bool failed_connect,
                       const dnp3kit_error_detail *why)
{
    if (c->ch.fd >= 0)
        epoll_ctl(l->ep, EPOLL_CTL_DEL, c->ch.fd, NULL);
    master_channel_close(&c->ch);
    bool was_connecting = c->connecting;
    c->connecting = false;
    c->want_out = false;
    const dnp3kit_master_config *cfg = dnp3kit_master_session_config(c->s);
    c->next_connect = now + cfg->retry_delay_ms;
    if (failed_connect || was_connecting)
        dnp3kit_master_session_connect_failed(c->s, now, why);
    else
        dnp3kit_master_session_closed(c->s, now);
}

void dnp3kit_master_loop_free(dnp3kit_master_loop *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        if (l->c[i].used)
            master_channel_close(&l->c[i].ch);
    close(l->ep);
    free(l->c);
    free(l);
}

int dnp3kit_master_loop_add(dnp3kit_master_loop *l, dnp3kit_master_session *s, dnp3kit_error_detail *err)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        if (!l->c[i].used)
            break;
    if (i == l->n) {
        if (l->n == l->cap) {
            size_t ncap = l->cap ? l->cap * 2 : 16;
            conn *nc = realloc(l->c, ncap * sizeof *nc);
            if (!nc) {
                if (err) {
                    dnp3kit_error_detail_clear(err);
                    err->code = DNP3KIT_ERR_NOMEM;
                }
                return DNP3KIT_ERR_NOMEM;
            }
            l->c = nc;
            l->cap = ncap;
        }
        l->n++;
    }
    conn *c = &l->c[i];
    memset(c, 0, sizeof *c);
    c->s = s;
    master_channel_init(&c->ch, dnp3kit_master_session_config(s));
    c->ch.log = channel_note;
    c->ch.log_user = l;
    c->used = true;
    return (int)i;
}

void dnp3kit_master_loop_remove(dnp3kit_master_loop *l, int handle)
{
    if (handle < 0 || (size_t)handle >= l->n || !l->c[handle].used)
        return;
    conn *c = &l->c[handle];
    if (c->ch.fd >= 0)
        conn_close(l, c, dnp3kit_master_now_ms(), false, NULL);
    c->used = false;
}

static void set_events(dnp3kit_master_loop *l, conn *c, bool out)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | (out ? EPOLLOUT : 0);
    ev.data.u64 = (uint64_t)(c - l->c);
    epoll_ctl(l->ep, EPOLL_CTL_MOD, c->ch.fd, &ev);
    c->want_out = out;
}

static void flush(dnp3kit_master_loop *l, conn *c, uint64_t now)
{
    const uint8_t *p;
    size_t n;
    while (c->ch.fd >= 0 && !c->connecting && (n = dnp3kit_master_session_pending(c->s, &p)) > 0) {
        ssize_t w = c->ch.ops->write(&c->ch, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!c->want_out)
                    set_events(l, c, true);
                return;
            }
            conn_note(l, c, c->ch.why);
            conn_close(l, c, now, false, NULL);
            return;
        }
        dnp3kit_master_session_sent(c->s, (size_t)w);
    }
    if (c->ch.fd >= 0 && !c->connecting && c->want_out)
        set_events(l, c, false);
}

static void channel_note(void *user, master_channel *ch, const char *msg)
{
    conn_note(user, (const conn *)(const void *)((char *)ch - offsetof(conn, ch)), msg);
}

static void start_connect(dnp3kit_master_loop *l, conn *c, uint64_t now)
{
    const dnp3kit_master_config *cfg = dnp3kit_master_session_config(c->s);
    dnp3kit_error_detail d;
    if (cfg->transport == DNP3KIT_TRANSPORT_TCP_LISTEN) {
        master_connect_error(&d, cfg->host, cfg->port, DNP3KIT_ERR_ARG, "listen (dial-in) is not in the socket loop yet");
        c->next_connect = now + cfg->retry_delay_ms;
        dnp3kit_master_session_connect_failed(c->s, now, &d);
        return;
    }
    int r = master_channel_open(&c->ch, &d);
    if (r < 0) {
        c->next_connect = now + cfg->retry_delay_ms;
        dnp3kit_master_session_connect_failed(c->s, now, &d);
        return;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | (r == 1 ? EPOLLOUT : 0);
    ev.data.u64 = (uint64_t)(c - l->c);
    if (epoll_ctl(l->ep, EPOLL_CTL_ADD, c->ch.fd, &ev) < 0) {
        master_channel_close(&c->ch);
        master_connect_error(&d, cfg->host, cfg->port, DNP3KIT_ERR_CONNECT, strerror(errno));
        c->next_connect = now + cfg->retry_delay_ms;
        dnp3kit_master_session_connect_failed(c->s, now, &d);
        return;
    }
    c->connecting = r == 1;
    c->want_out = r == 1;
    c->connect_deadline = now + cfg->connect_timeout_ms;
    if (r == 0) {
        dnp3kit_master_session_connected(c->s, now);
        flush(l, c, now);
    }
}

int dnp3kit_master_loop_run_once(dnp3kit_master_loop *l, int timeout_ms)
{
    uint64_t now = dnp3kit_master_now_ms();
    uint64_t next = now + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms);
    for (size_t i = 0; i < l->n; i++) {
        conn *c = &l->c[i];
        if (!c->used)
            continue;
        if (c->ch.fd < 0 && now >= c->next_connect)
            start_connect(l, c, now);
        if (c->ch.fd < 0 && c->next_connect < next)
            next = c->next_connect;
        if (c->connecting && c->connect_deadline < next)
            next = c->connect_deadline;
        uint64_t t = dnp3kit_master_session_next_timer(c->s);
        if (t < next)
            next = t;
    }
    int ms = next <= now ? 0 : (int)(next - now);
    struct epoll_event evs[256];
    int nev = epoll_wait(l->ep, evs, 256, ms);
    if (nev < 0) {
        if (errno == EINTR)
            nev = 0;
        else
            return DNP3KIT_ERR_IO;
    }
    now = dnp3kit_master_now_ms();
    uint8_t buf[8192];
    for (int k = 0; k < nev; k++) {
        size_t i = (size_t)evs[k].data.u64;
        if (i >= l->n || !l->c[i].used || l->c[i].ch.fd < 0)
            continue;
        conn *c = &l->c[i];
        if (c->connecting) {
            if (!(evs[k].events & (EPOLLOUT | EPOLLERR | EPOLLHUP | (c->ch.open_wants_read ? EPOLLIN : 0))))
                continue;
            dnp3kit_error_detail d;
            int r = c->ch.ops->finish(&c->ch, &d);
            if (r < 0) {
                conn_close(l, c, now, true, &d);
                continue;
            }
            if (r > 0) {
                /* a TLS handshake waits for the peer: stop waking on a writable socket */
                set_events(l, c, !c->ch.open_wants_read);
                continue;
            }
            c->connecting = false;
            set_events(l, c, false);
            dnp3kit_master_session_connected(c->s, now);
            flush(l, c, now);
            continue;
        }
        if (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
            for (;;) {
                ssize_t n = c->ch.ops->read(&c->ch, buf, sizeof buf);
                if (n > 0) {
                    dnp3kit_master_session_recv(c->s, buf, (size_t)n, now);
                    if ((size_t)n < sizeof buf)
                        break;
                    continue;
                }
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                    break;
                if (n < 0 && errno == EINTR)
                    continue;
                if (n < 0)
                    conn_note(l, c, c->ch.why);
                conn_close(l, c, now, false, NULL);
                break;
            }
        }
        if (c->ch.fd >= 0)
            flush(l, c, now);
    }
    for (size_t i = 0; i < l->n; i++) {
        conn *c = &l->c[i];
        if (!c->used)
            continue;
        if (c->connecting && now >= c->connect_deadline) {
            const dnp3kit_master_config *cfg = dnp3kit_master_session_config(c->s);
            dnp3kit_error_detail d;
            master_connect_error(&d, cfg->host, cfg->port, DNP3KIT_ERR_TIMEOUT, "connection timed out");
            d.timeout_s = cfg->connect_timeout_ms / 1000.0;
            conn_close(l, c, now, true, &d);
            continue;
        }
        if (dnp3kit_master_session_next_timer(c->s) <= now)
            dnp3kit_master_session_tick(c->s, now);
        if (c->ch.fd >= 0 && dnp3kit_master_session_wants_close(c->s)) {
            conn_close(l, c, now, false, NULL);
            continue;
        }
        if (c->ch.fd >= 0 && !c->connecting)
            flush(l, c, now);
    }
    return nev;
}
