/*
 * Socket loop: many sessions, one thread, epoll. Each session keeps one
 * channel (channel.h: TCP, UDP ...) open, reopening it after its retry
 * delay; timers come from the sessions themselves
 * (dnp3kit_master_session_next_timer). Sessions on the same serial device
 * share one channel (multi-drop, DESIGN.md principle 6): the line goes to one
 * of them at a time, in turn, for one request and its response or timeout.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dnp3kit/master.h"
#include "accept_guard.h"
#include "channel.h"
#include "channel_tls.h"
#include "master_private.h"

#define IDENTIFY_MS 2000  /* a dialler that sends no link header within this is closed */
#define MAX_CANDIDATES 4096 /* diallers being identified at once */
/* epoll tags beside a conn index */
#define TAG_LISTENER (1ull << 62)
#define TAG_CAND (1ull << 61)
#define TAG_MASK (TAG_LISTENER | TAG_CAND)

/* Dial-in (TCP_LISTEN, plain or TLS): one listening socket per HOST:PORT shared
 * by every session waiting there; a connection is handed to the session whose
 * outstation and master addresses its first frame carries. */
typedef struct listener {
    int fd; /* -1: slot free */
    char host[64];
    uint16_t port;
    size_t users;
    master_tls_ctx *tls; /* TLS: the master's certificate (and the CA a dialler's must come from) */
    accept_guard guard;
    struct dnp3kit_master_loop *loop;
} listener;

typedef struct cand {
    int fd; /* -1: slot free */
    size_t lst;
    uint64_t deadline;
    struct sockaddr_storage peer;
    uint8_t first[64];
    size_t n;
    master_tls *tls; /* TLS: the dialler's, handshaking until hs_done */
    bool hs_done;
} cand;

typedef struct conn {
    dnp3kit_master_session *s;
    master_channel ch;
    bool used, connecting, want_out;
    uint64_t next_connect, connect_deadline;
    /* Multi-drop: sessions whose serial device is the same share the channel of the
     * first of them (the line's owner); owner == own index otherwise. */
    size_t owner;
    size_t turn;    /* owner of a shared line: the member granted the line last */
    size_t partial; /* owner: the member whose octets are half written (SIZE_MAX: none) */
    bool shared;    /* owner: more than one session on the line */
    size_t lst;     /* dial-in: its listener (SIZE_MAX: not a dial-in session) */
} conn;

struct dnp3kit_master_loop {
    int ep;
    conn *c;
    size_t n, cap;
    listener *ls;
    size_t nls;
    cand *cs;
    size_t ncs;
    dnp3kit_master_loop_log_fn log;
    void *log_user;
};

#define MEMBERS(l, o, j)                                                                                               \
    for (size_t j = 0; j < (l)->n; j++)                                                                                \
        if ((l)->c[j].used && (l)->c[j].owner == (o))

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

/* Close the channel of owner c: every session on it is told (closed, or the connect failed). */
static void conn_close(dnp3kit_master_loop *l, conn *c, uint64_t now, bool failed_connect,
                       const dnp3kit_error_detail *why)
{
    if (c->ch.fd >= 0)
        epoll_ctl(l->ep, EPOLL_CTL_DEL, c->ch.fd, NULL);
    master_channel_close(&c->ch);
    bool was_connecting = c->connecting;
    c->connecting = false;
    c->want_out = false;
    c->partial = SIZE_MAX;
    const dnp3kit_master_config *cfg = dnp3kit_master_session_config(c->s);
    c->next_connect = now + (c->lst != SIZE_MAX ? cfg->connect_timeout_ms : cfg->retry_delay_ms);
    size_t o = (size_t)(c - l->c);
    MEMBERS(l, o, j) {
        if (failed_connect || was_connecting)
            dnp3kit_master_session_connect_failed(l->c[j].s, now, why);
        else
            dnp3kit_master_session_closed(l->c[j].s, now);
    }
}

/* The line of owner o opened: every session on it is connected. */
static void line_connected(dnp3kit_master_loop *l, size_t o, uint64_t now)
{
    MEMBERS(l, o, j)
    dnp3kit_master_session_connected(l->c[j].s, now);
}

/* Sessions on the line of owner o: 1 alone, more for a multi-drop line; marks them. */
static size_t line_update(dnp3kit_master_loop *l, size_t o)
{
    size_t k = 0;
    MEMBERS(l, o, j)
    k++;
    l->c[o].shared = k > 1;
    uint16_t addr[MASTER_MAX_NEIGHBOURS + 1];
    size_t na = 0;
    MEMBERS(l, o, j)
    if (na < sizeof addr / sizeof addr[0])
        addr[na++] = dnp3kit_master_session_config(l->c[j].s)->outstation_address;
    MEMBERS(l, o, j) {
        master_session_set_shared(l->c[j].s, k > 1);
        master_session_set_neighbours(l->c[j].s, addr, k > 1 ? na : 0);
    }
    return k;
}

void dnp3kit_master_loop_free(dnp3kit_master_loop *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        if (l->c[i].used)
            master_channel_close(&l->c[i].ch);
    for (size_t i = 0; i < l->ncs; i++)
        if (l->cs[i].fd >= 0) {
            master_tls_free(l->cs[i].tls);
            close(l->cs[i].fd);
        }
    for (size_t i = 0; i < l->nls; i++)
        if (l->ls[i].fd >= 0) {
            close(l->ls[i].fd);
            accept_guard_free(&l->ls[i].guard);
            master_tls_ctx_free(l->ls[i].tls);
        }
    free(l->cs);
    free(l->ls);
    close(l->ep);
    free(l->c);
    free(l);
}

static void loop_note(dnp3kit_master_loop *l, int handle, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void loop_note(dnp3kit_master_loop *l, int handle, const char *fmt, ...)
{
    if (!l->log)
        return;
    char b[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    l->log(l->log_user, handle, b);
}

static void guard_note(void *user, const char *msg)
{
    listener *ls = user;
    loop_note(ls->loop, -1, "listen %s:%u: %s", ls->host, ls->port, msg);
}

/* The listener for s's host:port (made on first use): its index in *out. */
static int listener_get(dnp3kit_master_loop *l, dnp3kit_master_session *s, size_t *out, dnp3kit_error_detail *err)
{
    const dnp3kit_master_config *cfg = dnp3kit_master_session_config(s);
    size_t free_slot = SIZE_MAX;
    for (size_t k = 0; k < l->nls; k++) {
        if (l->ls[k].fd < 0) {
            free_slot = free_slot == SIZE_MAX ? k : free_slot;
            continue;
        }
        if (l->ls[k].port == cfg->port && !strcmp(l->ls[k].host, cfg->host)) {
            if ((l->ls[k].tls != NULL) != cfg->tls.enabled) {
                if (err) {
                    master_connect_error(err, cfg->host, cfg->port, DNP3KIT_ERR_ARG, "");
                    snprintf(err->message, sizeof err->message,
                             "listening on %s:%u: the loop already listens there %s TLS", cfg->host, cfg->port,
                             l->ls[k].tls ? "with" : "without");
                }
                return DNP3KIT_ERR_ARG;
            }
            l->ls[k].users++;
            *out = k;
            return DNP3KIT_OK;
        }
    }
    dnp3kit_error_detail tmp;
    dnp3kit_error_detail *d = err ? err : &tmp;
    master_channel ch;
    master_channel_init(&ch, cfg);
    if (master_channel_resolve(&ch, SOCK_STREAM, d) < 0)
        return d->code ? d->code : DNP3KIT_ERR_CONNECT;
    int fd = socket(ch.peer.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&ch.peer, ch.peer_len) < 0 || listen(fd, 1024) < 0) {
        char why[96];
        snprintf(why, sizeof why, "cannot listen: %s", strerror(errno));
        master_connect_error(d, cfg->host, cfg->port, DNP3KIT_ERR_CONNECT, why);
        snprintf(d->message, sizeof d->message, "cannot listen on %s:%u: %s", cfg->host, cfg->port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return DNP3KIT_ERR_CONNECT;
    }
    master_tls_ctx *tls = NULL;
    if (cfg->tls.enabled) {
        char why[200];
        if (!(tls = master_tls_ctx_new(&cfg->tls, true, why, sizeof why))) {
            close(fd);
            master_connect_error(d, cfg->host, cfg->port, DNP3KIT_ERR_CONNECT, why);
            if (snprintf(d->message, sizeof d->message, "cannot listen on %s:%u: %s", cfg->host, cfg->port, why) >=
                (int)sizeof d->message)
                d->message[sizeof d->message - 2] = '.';
            return DNP3KIT_ERR_CONNECT;
        }
    }
    if (free_slot == SIZE_MAX) {
        listener *nl = realloc(l->ls, (l->nls + 1) * sizeof *nl);
        if (!nl) {
            master_tls_ctx_free(tls);
            close(fd);
            master_connect_error(d, cfg->host, cfg->port, DNP3KIT_ERR_NOMEM, "out of memory");
            return DNP3KIT_ERR_NOMEM;
        }
        l->ls = nl;
        free_slot = l->nls++;
    }
    listener *ls = &l->ls[free_slot];
    memset(ls, 0, sizeof *ls);
    ls->fd = fd;
    ls->loop = l;
    snprintf(ls->host, sizeof ls->host, "%s", cfg->host);
    ls->port = cfg->port;
    ls->users = 1;
    ls->tls = tls;
    accept_guard_init(&ls->guard, NULL, guard_note, ls);
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.u64 = TAG_LISTENER | free_slot;
    epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev);
    *out = free_slot;
    return DNP3KIT_OK;
}

static void cand_drop(dnp3kit_master_loop *l, cand *k, const char *why)
{
    char a[64];
    master_channel_addr_text(&k->peer, a, sizeof a);
    loop_note(l, -1, "listen %s:%u: refused the connection from %s: %s", l->ls[k->lst].host, l->ls[k->lst].port, a,
              why);
    epoll_ctl(l->ep, EPOLL_CTL_DEL, k->fd, NULL);
    master_tls_free(k->tls);
    k->tls = NULL;
    close(k->fd);
    k->fd = -1;
}

/* ---- a dialler's connection once it is a session's: plain TCP, or TLS (state: its master_tls) ---- */

static ssize_t acc_tls_read(master_channel *ch, uint8_t *buf, size_t cap)
{
    return master_tls_read(ch->state, buf, cap, ch->why, sizeof ch->why);
}

static ssize_t acc_tls_write(master_channel *ch, const uint8_t *p, size_t n)
{
    return master_tls_write(ch->state, p, n, ch->why, sizeof ch->why);
}

static int acc_open(master_channel *ch, dnp3kit_error_detail *d)
{
    master_connect_error(d, ch->cfg->host, ch->cfg->port, DNP3KIT_ERR_STATE, "a dial-in connection is not opened");
    return -1;
}

static void acc_tls_close(master_channel *ch)
{
    master_tls_free(ch->state);
    ch->state = NULL;
    master_channel_close_fd(ch);
}

static const master_channel_ops acc_tls_ops = {"listen-tls", acc_open, master_channel_open_done, acc_tls_read,
                                               acc_tls_write, acc_tls_close};

static void conn_read(dnp3kit_master_loop *l, size_t i, uint64_t now);

static void line_run(dnp3kit_master_loop *l, size_t o, uint64_t now);

/* Accept what is waiting on listener li: each a candidate until its first frame names it. */
static void listener_accept(dnp3kit_master_loop *l, size_t li, uint64_t now)
{
    for (;;) {
        listener *ls = &l->ls[li];
        struct sockaddr_storage peer;
        socklen_t pl = sizeof peer;
        int fd = accept_guard_accept(&ls->guard, ls->fd, (struct sockaddr *)&peer, &pl, now);
        if (fd < 0)
            return;
        size_t k;
        for (k = 0; k < l->ncs; k++)
            if (l->cs[k].fd < 0)
                break;
        if (k == l->ncs) {
            cand *nc = k < MAX_CANDIDATES ? realloc(l->cs, (l->ncs + 1) * sizeof *nc) : NULL;
            if (!nc) {
                close(fd);
                loop_note(l, -1, "listen %s:%u: %d diallers being identified already: one more closed", ls->host,
                          ls->port, MAX_CANDIDATES);
                continue;
            }
            l->cs = nc;
            l->ncs++;
        }
        cand *c = &l->cs[k];
        memset(c, 0, sizeof *c);
        c->fd = fd;
        c->lst = li;
        c->peer = peer;
        c->deadline = now + IDENTIFY_MS;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event ev;
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.u64 = TAG_CAND | k;
        epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev);
        if (ls->tls) {
            char why[200];
            if (!(c->tls = master_tls_new(ls->tls, fd, NULL, why, sizeof why)))
                cand_drop(l, c, why);
        }
    }
}

/* Candidate ki is readable: once its first link header is in, hand it to its session. */
static void cand_read(dnp3kit_master_loop *l, size_t ki, uint64_t now)
{
    cand *k = &l->cs[ki];
    char why[200];
    if (k->tls && !k->hs_done) {
        /* the handshake first (inside the same identification time) */
        bool rd = true;
        int h = master_tls_handshake(k->tls, &rd, why, sizeof why);
        if (h < 0) {
            cand_drop(l, k, why);
            return;
        }
        struct epoll_event ev;
        memset(&ev, 0, sizeof ev);
        ev.events = h == 1 && !rd ? EPOLLOUT : EPOLLIN;
        ev.data.u64 = TAG_CAND | ki;
        epoll_ctl(l->ep, EPOLL_CTL_MOD, k->fd, &ev);
        if (h == 1)
            return;
        k->hs_done = true;
        char a[64], b[96];
        master_channel_addr_text(&k->peer, a, sizeof a);
        master_tls_describe(k->tls, b, sizeof b);
        loop_note(l, -1, "listen %s:%u: tls: %s with %s", l->ls[k->lst].host, l->ls[k->lst].port, b, a);
    }
    ssize_t r;
    if (k->tls)
        r = master_tls_read(k->tls, k->first + k->n, sizeof k->first - k->n, why, sizeof why);
    else
        r = recv(k->fd, k->first + k->n, sizeof k->first - k->n, MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (r <= 0) {
        cand_drop(l, k, r == 0 ? "closed before sending a frame" : k->tls ? why : strerror(errno));
        return;
    }
    k->n += (size_t)r;
    if (k->n < 10)
        return;
    const uint8_t *h = k->first;
    if (h[0] != 0x05 || h[1] != 0x64) {
        cand_drop(l, k, "its first octets are not a link frame");
        return;
    }
    unsigned dst = (unsigned)h[4] | (unsigned)h[5] << 8, src = (unsigned)h[6] | (unsigned)h[7] << 8;
    size_t ci = SIZE_MAX;
    for (size_t j = 0; j < l->n && ci == SIZE_MAX; j++) {
        if (!l->c[j].used || l->c[j].lst != k->lst)
            continue;
        const dnp3kit_master_config *cfg = dnp3kit_master_session_config(l->c[j].s);
        if (cfg->outstation_address == src && cfg->master_address == dst)
            ci = j;
    }
    if (ci == SIZE_MAX) {
        snprintf(why, sizeof why, "its first frame is from link address %u to %u: no session for that outstation",
                 src, dst);
        cand_drop(l, k, why);
        return;
    }
    conn *c = &l->c[ci];
    const char *want = dnp3kit_master_session_config(c->s)->listen_peer;
    if (!master_channel_peer_is(&k->peer, want)) {
        snprintf(why, sizeof why, "outstation %u must dial in from %s (listen_peer)", src, want);
        cand_drop(l, k, why);
        return;
    }
    char a[64];
    master_channel_addr_text(&k->peer, a, sizeof a);
    if (c->ch.fd >= 0) {
        loop_note(l, (int)ci, "listen: outstation %u dialled in again from %s: the earlier connection closed", src, a);
        conn_close(l, c, now, false, NULL);
    }
    epoll_ctl(l->ep, EPOLL_CTL_DEL, k->fd, NULL);
    c->ch.ops = k->tls ? &acc_tls_ops : &master_channel_tcp;
    c->ch.state = k->tls;
    k->tls = NULL;
    c->ch.fd = k->fd;
    c->ch.peer = k->peer;
    c->ch.peer_len = sizeof k->peer;
    c->connecting = false;
    c->want_out = false;
    k->fd = -1;
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.u64 = (uint64_t)ci;
    epoll_ctl(l->ep, EPOLL_CTL_ADD, c->ch.fd, &ev);
    loop_note(l, (int)ci, "listen: outstation %u dialled in from %s", src, a);
    dnp3kit_master_session_connected(c->s, now);
    dnp3kit_master_session_recv(c->s, k->first, k->n, now);
    conn_read(l, ci, now); /* what came behind the first octets (TLS may hold it decrypted already) */
    if (c->ch.fd >= 0)
        line_run(l, ci, now);
}

static bool same_line(const dnp3kit_serial_config *a, const dnp3kit_serial_config *b)
{
    return a->baud == b->baud && a->data_bits == b->data_bits && a->parity == b->parity &&
           a->stop_bits == b->stop_bits && a->flow == b->flow && a->rs485 == b->rs485;
}

int dnp3kit_master_loop_add(dnp3kit_master_loop *l, dnp3kit_master_session *s, dnp3kit_error_detail *err)
{
    const dnp3kit_master_config *cfg = dnp3kit_master_session_config(s);
    size_t line = SIZE_MAX;
    if (cfg->transport == DNP3KIT_TRANSPORT_SERIAL) {
        /* another session on this device: the same line (multi-drop) */
        for (size_t j = 0; j < l->n && line == SIZE_MAX; j++) {
            const conn *o = &l->c[j];
            if (!o->used || o->owner != j)
                continue;
            const dnp3kit_master_config *oc = dnp3kit_master_session_config(o->s);
            if (oc->transport == DNP3KIT_TRANSPORT_SERIAL && !strcmp(oc->serial.device, cfg->serial.device))
                line = j;
        }
        if (line != SIZE_MAX) {
            const dnp3kit_master_config *oc = dnp3kit_master_session_config(l->c[line].s);
            const char *why = NULL;
            if (!same_line(&oc->serial, &cfg->serial))
                why = "is already in the loop with other line settings";
            MEMBERS(l, line, j)
            if (dnp3kit_master_session_config(l->c[j].s)->outstation_address == cfg->outstation_address)
                why = "already carries a session for this outstation address";
            if (why) {
                if (err) {
                    dnp3kit_error_detail_clear(err);
                    err->code = DNP3KIT_ERR_ARG;
                    detail_msg(err, "serial line %s %s (outstation %u)", cfg->serial.device, why,
                               cfg->outstation_address);
                }
                return DNP3KIT_ERR_ARG;
            }
        }
    }
    size_t lst = SIZE_MAX;
    if (cfg->transport == DNP3KIT_TRANSPORT_TCP_LISTEN) {
        int r = listener_get(l, s, &lst, err);
        if (r < 0)
            return r;
    }
    size_t i;
    for (i = 0; i < l->n; i++)
        if (!l->c[i].used)
            break;
    if (i == l->n) {
        if (l->n == l->cap) {
            size_t ncap = l->cap ? l->cap * 2 : 16;
            conn *nc = realloc(l->c, ncap * sizeof *nc);
            if (!nc) {
                if (lst != SIZE_MAX)
                    l->ls[lst].users--; /* a listener left without users is closed with the loop */
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
    c->lst = lst;
    if (lst != SIZE_MAX)
        c->next_connect = dnp3kit_master_now_ms() + cfg->connect_timeout_ms;
    master_channel_init(&c->ch, cfg);
    c->ch.log = channel_note;
    c->ch.log_user = l;
    c->used = true;
    c->partial = SIZE_MAX;
    c->owner = line != SIZE_MAX ? line : i;
    if (line != SIZE_MAX) {
        line_update(l, line);
        conn *o = &l->c[line];
        if (o->ch.fd >= 0 && !o->connecting)
            dnp3kit_master_session_connected(s, dnp3kit_master_now_ms());
    }
    return (int)i;
}

void dnp3kit_master_loop_remove(dnp3kit_master_loop *l, int handle)
{
    if (handle < 0 || (size_t)handle >= l->n || !l->c[handle].used)
        return;
    size_t h = (size_t)handle;
    conn *c = &l->c[h];
    uint64_t now = dnp3kit_master_now_ms();
    if (c->owner != h) {
        /* one outstation leaves a multi-drop line; the others stay on it */
        conn *o = &l->c[c->owner];
        if (o->ch.fd >= 0 && !o->connecting)
            dnp3kit_master_session_closed(c->s, now);
        if (o->partial == h)
            o->partial = SIZE_MAX;
        c->used = false;
        master_session_set_shared(c->s, false);
        line_update(l, c->owner);
        return;
    }
    if (c->ch.fd >= 0)
        conn_close(l, c, now, false, NULL);
    c->used = false;
    master_session_set_shared(c->s, false);
    if (c->lst != SIZE_MAX && --l->ls[c->lst].users == 0) {
        listener *ls = &l->ls[c->lst];
        for (size_t k = 0; k < l->ncs; k++)
            if (l->cs[k].fd >= 0 && l->cs[k].lst == c->lst) {
                master_tls_free(l->cs[k].tls);
                l->cs[k].tls = NULL;
                close(l->cs[k].fd);
                l->cs[k].fd = -1;
            }
        close(ls->fd);
        accept_guard_free(&ls->guard);
        master_tls_ctx_free(ls->tls);
        ls->tls = NULL;
        ls->fd = -1;
    }
    /* the line's next session owns it now (reopened on the next run) */
    size_t no = SIZE_MAX;
    for (size_t j = 0; j < l->n; j++) {
        if (!l->c[j].used || l->c[j].owner != h)
            continue;
        if (no == SIZE_MAX)
            no = j;
        l->c[j].owner = no;
    }
    if (no != SIZE_MAX) {
        l->c[no].partial = SIZE_MAX;
        l->c[no].turn = no;
        l->c[no].next_connect = 0;
        line_update(l, no);
    }
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

/* Write member m's pending octets on owner o's channel: 0 all written, 1 the
 * channel is full (o waits for writable), -1 the channel failed (closed). */
static int flush_one(dnp3kit_master_loop *l, conn *o, conn *m, uint64_t now)
{
    const uint8_t *p;
    size_t n;
    while (o->ch.fd >= 0 && !o->connecting && (n = dnp3kit_master_session_pending(m->s, &p)) > 0) {
        ssize_t w = o->ch.ops->write(&o->ch, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 1;
            conn_note(l, o, o->ch.why);
            conn_close(l, o, now, false, NULL);
            return -1;
        }
        dnp3kit_master_session_sent(m->s, (size_t)w);
        if ((size_t)w < n)
            return 1;
    }
    return 0;
}

/* Everything the sessions of owner c's line want sent. On a multi-drop line
 * octets go whole per session: one half written goes on before any other. */
static void flush(dnp3kit_master_loop *l, conn *c, uint64_t now)
{
    if (c->ch.fd < 0 || c->connecting)
        return;
    size_t o = (size_t)(c - l->c);
    if (c->partial != SIZE_MAX) {
        int r = flush_one(l, c, &l->c[c->partial], now);
        if (r < 0)
            return;
        if (r > 0) {
            if (!c->want_out)
                set_events(l, c, true);
            return;
        }
        c->partial = SIZE_MAX;
    }
    MEMBERS(l, o, j) {
        int r = flush_one(l, c, &l->c[j], now);
        if (r < 0)
            return;
        if (r > 0) {
            c->partial = j;
            if (!c->want_out)
                set_events(l, c, true);
            return;
        }
    }
    if (c->want_out)
        set_events(l, c, false);
}

/* A multi-drop line (owner o) that nobody is using goes to the next session, in
 * turn, that has a request ready: one request on the wire at a time, and a
 * silent outstation holds it only for its own timeout. True when granted. */
static bool arbitrate(dnp3kit_master_loop *l, size_t o, uint64_t now)
{
    conn *c = &l->c[o];
    if (!c->shared || c->ch.fd < 0 || c->connecting)
        return false;
    MEMBERS(l, o, j)
    if (master_session_line_busy(l->c[j].s))
        return false;
    for (size_t k = 1; k <= l->n; k++) {
        size_t j = (c->turn + k) % l->n;
        if (!l->c[j].used || l->c[j].owner != o || !master_session_wants_line(l->c[j].s, now))
            continue;
        master_session_grant(l->c[j].s, now);
        if (master_session_line_busy(l->c[j].s)) {
            c->turn = j;
            return true;
        }
    }
    return false;
}

/* Grant and send until the line is busy (a request that needs no answer frees it at once). */
static void line_run(dnp3kit_master_loop *l, size_t o, uint64_t now)
{
    for (int round = 0; round < 64; round++) {
        bool g = arbitrate(l, o, now);
        flush(l, &l->c[o], now);
        if (!g)
            break;
    }
}

static void channel_note(void *user, master_channel *ch, const char *msg)
{
    conn_note(user, (const conn *)(const void *)((char *)ch - offsetof(conn, ch)), msg);
}

static void start_connect(dnp3kit_master_loop *l, conn *c, uint64_t now)
{
    const dnp3kit_master_config *cfg = dnp3kit_master_session_config(c->s);
    size_t o = (size_t)(c - l->c);
    dnp3kit_error_detail d;
    int r = master_channel_open(&c->ch, &d);
    if (r < 0) {
        c->next_connect = now + cfg->retry_delay_ms;
        MEMBERS(l, o, j)
        dnp3kit_master_session_connect_failed(l->c[j].s, now, &d);
        return;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | (r == 1 ? EPOLLOUT : 0);
    ev.data.u64 = (uint64_t)o;
    if (epoll_ctl(l->ep, EPOLL_CTL_ADD, c->ch.fd, &ev) < 0) {
        master_channel_close(&c->ch);
        master_connect_error(&d, cfg->host, cfg->port, DNP3KIT_ERR_CONNECT, strerror(errno));
        c->next_connect = now + cfg->retry_delay_ms;
        MEMBERS(l, o, j)
        dnp3kit_master_session_connect_failed(l->c[j].s, now, &d);
        return;
    }
    c->connecting = r == 1;
    c->want_out = r == 1;
    c->connect_deadline = now + cfg->connect_timeout_ms;
    if (r == 0) {
        line_connected(l, o, now);
        line_run(l, o, now);
    }
}

/* Read what owner i's channel has; every session on it sees the octets. */
static void conn_read(dnp3kit_master_loop *l, size_t i, uint64_t now)
{
    conn *c = &l->c[i];
    uint8_t buf[8192];
    for (;;) {
        ssize_t n = c->ch.ops->read(&c->ch, buf, sizeof buf);
        if (n > 0) {
            /* on a multi-drop line each session takes its own address's frames */
            MEMBERS(l, i, j)
            dnp3kit_master_session_recv(l->c[j].s, buf, (size_t)n, now);
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

int dnp3kit_master_loop_run_once(dnp3kit_master_loop *l, int timeout_ms)
{
    uint64_t now = dnp3kit_master_now_ms();
    uint64_t next = now + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms);
    for (size_t i = 0; i < l->n; i++) {
        conn *c = &l->c[i];
        if (!c->used)
            continue;
        if (c->lst != SIZE_MAX) {
            /* dial-in: nothing to open; a request waiting longer than the connect timeout learns why */
            if (c->ch.fd < 0 && now >= c->next_connect) {
                const dnp3kit_master_config *cfg = dnp3kit_master_session_config(c->s);
                dnp3kit_error_detail d;
                char why[96];
                snprintf(why, sizeof why, "outstation %u has not dialled in within %.3f s", cfg->outstation_address,
                         cfg->connect_timeout_ms / 1000.0);
                master_connect_error(&d, cfg->host, cfg->port, DNP3KIT_ERR_TIMEOUT, why);
                snprintf(d.message, sizeof d.message, "listening on %s:%u: %s", cfg->host, cfg->port, why);
                d.timeout_s = cfg->connect_timeout_ms / 1000.0;
                c->next_connect = now + cfg->connect_timeout_ms;
                dnp3kit_master_session_connect_failed(c->s, now, &d);
            }
            if (c->ch.fd < 0 && c->next_connect < next)
                next = c->next_connect;
        } else if (c->owner == i) {
            if (c->ch.fd < 0 && now >= c->next_connect)
                start_connect(l, c, now);
            if (c->ch.fd < 0 && c->next_connect < next)
                next = c->next_connect;
            if (c->connecting && c->connect_deadline < next)
                next = c->connect_deadline;
            if (c->shared)
                line_run(l, i, now);
        }
        uint64_t t = dnp3kit_master_session_next_timer(c->s);
        if (t < next)
            next = t;
    }
    for (size_t k = 0; k < l->ncs; k++)
        if (l->cs[k].fd >= 0 && l->cs[k].deadline < next)
            next = l->cs[k].deadline;
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
    for (int k = 0; k < nev; k++) {
        uint64_t tag = evs[k].data.u64 & TAG_MASK;
        if (tag == TAG_LISTENER) {
            size_t li = (size_t)(evs[k].data.u64 & ~TAG_MASK);
            if (li < l->nls && l->ls[li].fd >= 0)
                listener_accept(l, li, now);
            continue;
        }
        if (tag == TAG_CAND) {
            size_t ki = (size_t)(evs[k].data.u64 & ~TAG_MASK);
            if (ki < l->ncs && l->cs[ki].fd >= 0)
                cand_read(l, ki, now);
            continue;
        }
        size_t i = (size_t)evs[k].data.u64;
        if (i >= l->n || !l->c[i].used || l->c[i].owner != i || l->c[i].ch.fd < 0)
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
            line_connected(l, i, now);
            line_run(l, i, now);
            continue;
        }
        if (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            conn_read(l, i, now);
        if (c->ch.fd >= 0)
            line_run(l, i, now);
    }
    for (size_t i = 0; i < l->n; i++) {
        conn *c = &l->c[i];
        if (!c->used)
            continue;
        conn *o = &l->c[c->owner];
        if (c->owner == i && c->connecting && now >= c->connect_deadline) {
            const dnp3kit_master_config *cfg = dnp3kit_master_session_config(c->s);
            dnp3kit_error_detail d;
            master_connect_error(&d, cfg->host, cfg->port, DNP3KIT_ERR_TIMEOUT, "connection timed out");
            d.timeout_s = cfg->connect_timeout_ms / 1000.0;
            conn_close(l, c, now, true, &d);
            continue;
        }
        if (dnp3kit_master_session_next_timer(c->s) <= now)
            dnp3kit_master_session_tick(c->s, now);
        if (o->ch.fd >= 0 && dnp3kit_master_session_wants_close(c->s)) {
            conn_close(l, o, now, false, NULL);
            continue;
        }
    }
    for (size_t k = 0; k < l->ncs; k++)
        if (l->cs[k].fd >= 0 && now >= l->cs[k].deadline) {
            char why[64];
            if (l->cs[k].tls && !l->cs[k].hs_done)
                snprintf(why, sizeof why, "TLS handshake not finished within %.3f s", IDENTIFY_MS / 1000.0);
            else
                snprintf(why, sizeof why, "no link frame within %.3f s", IDENTIFY_MS / 1000.0);
            cand_drop(l, &l->cs[k], why);
        }
    for (size_t i = 0; i < l->n; i++)
        if (l->c[i].used && l->c[i].owner == i && l->c[i].ch.fd >= 0 && !l->c[i].connecting)
            line_run(l, i, now);
    return nev;
}
