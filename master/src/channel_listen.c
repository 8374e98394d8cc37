/*
 * TCP listen channel (dial-in): the master listens on host:port and waits for
 * its outstation to connect, as outstations behind cellular modems do. A
 * connection is taken when the link header of its first frame says it comes
 * from the configured outstation to this master (link source and
 * destination address); anything else is refused and closed with the reason
 * in the log: a frame from another address, octets that are no frame, or
 * silence for the identification time. One candidate is examined at a time,
 * each for at most IDENTIFY_MS, so a silent dialler never holds the port.
 * With TLS the master is the TLS server: the handshake (inside the same
 * IDENTIFY_MS) comes first, and a failed one refuses the candidate with its
 * reason (no client certificate, unknown CA ...).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accept_guard.h"
#include "channel.h"
#include "channel_tls.h"
#include "master_private.h"

#define IDENTIFY_MS 2000 /* a dialler that sends no frame header within this is closed */

typedef struct listen_state {
    int lfd;               /* the listening socket */
    int cand;              /* connection being identified, -1 none */
    uint64_t cand_deadline;
    struct sockaddr_storage cand_peer;
    uint8_t first[64];     /* octets read while identifying, handed to the session first */
    size_t nfirst, off;
    accept_guard guard;    /* at the fd limit: excess connections closed at once, no spinning */
    master_tls_ctx *tls_ctx; /* TLS: the master's certificate, the CA for the outstation's */
    master_tls *tls;         /* the candidate's, then the connection's */
    bool handshaking;
} listen_state;

static void drop_candidate(master_channel *ch, listen_state *st, const char *why)
{
    char a[64];
    master_channel_addr_text(&st->cand_peer, a, sizeof a);
    master_channel_note(ch, "listen: refused the connection from %s: %s", a, why);
    master_tls_free(st->tls);
    st->tls = NULL;
    ch->open_wants_read = true;
    close(st->cand);
    st->cand = -1;
    st->nfirst = 0;
    ch->rx_held = false;
    ch->fd = st->lfd;
}

static void guard_note(void *user, const char *msg)
{
    master_channel_note(user, "listen: %s", msg);
}

static void listen_free(master_channel *ch)
{
    listen_state *st = ch->state;
    if (st) {
        if (st->cand >= 0)
            close(st->cand);
        if (st->lfd >= 0 && st->lfd != ch->fd)
            close(st->lfd);
        accept_guard_free(&st->guard);
        master_tls_free(st->tls);
        master_tls_ctx_free(st->tls_ctx);
        free(st);
    }
    ch->state = NULL;
}

static int listen_open(master_channel *ch, dnp3kit_error_detail *d)
{
    listen_state *st = calloc(1, sizeof *st);
    if (!st) {
        master_connect_error(d, ch->cfg->host, ch->cfg->port, DNP3KIT_ERR_NOMEM, "out of memory");
        return -1;
    }
    st->lfd = st->cand = -1;
    accept_guard_init(&st->guard, NULL, guard_note, ch);
    ch->state = st;
    /* resolve fills ch->peer with the address to listen on */
    if (master_channel_resolve(ch, SOCK_STREAM, d) < 0) {
        listen_free(ch);
        return -1;
    }
    st->lfd = socket(ch->peer.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (st->lfd >= 0)
        setsockopt(st->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (st->lfd < 0 || bind(st->lfd, (struct sockaddr *)&ch->peer, ch->peer_len) < 0 || listen(st->lfd, 64) < 0) {
        char why[96];
        snprintf(why, sizeof why, "cannot listen: %s", strerror(errno));
        master_connect_error(d, ch->cfg->host, ch->cfg->port, DNP3KIT_ERR_CONNECT, why);
        snprintf(d->message, sizeof d->message, "cannot listen on %s:%u: %s", ch->cfg->host, ch->cfg->port,
                 strerror(errno));
        listen_free(ch);
        return -1;
    }
    if (ch->cfg->tls.enabled) {
        char why[200];
        if (!(st->tls_ctx = master_tls_ctx_new(&ch->cfg->tls, true, why, sizeof why))) {
            master_connect_error(d, ch->cfg->host, ch->cfg->port, DNP3KIT_ERR_CONNECT, why);
            if (snprintf(d->message, sizeof d->message, "cannot listen on %s:%u: %s", ch->cfg->host, ch->cfg->port,
                         why) >= (int)sizeof d->message)
                d->message[sizeof d->message - 2] = '.';
            listen_free(ch);
            return -1;
        }
    }
    ch->fd = st->lfd;
    ch->open_wants_read = true;
    return 1;
}

static ssize_t cand_recv(master_channel *ch, listen_state *st, int fd, uint8_t *buf, size_t cap)
{
    if (st->tls)
        return master_tls_read(st->tls, buf, cap, ch->why, sizeof ch->why);
    return master_channel_io_result(ch, recv(fd, buf, cap, MSG_DONTWAIT));
}

/* The listener or the candidate is readable: accept, or look at the first octets. */
static int listen_finish(master_channel *ch, dnp3kit_error_detail *d)
{
    (void)d;
    listen_state *st = ch->state;
    uint64_t now = dnp3kit_master_now_ms();
    if (st->cand >= 0 && now >= st->cand_deadline) {
        char why[96];
        snprintf(why, sizeof why, "no link frame within %.3f s", IDENTIFY_MS / 1000.0);
        drop_candidate(ch, st, why);
    }
    if (st->cand < 0) {
        if (!accept_guard_may_poll(&st->guard, now)) {
            /* backing off (no descriptor to spare): the listener stays readable, so wait here */
            poll(NULL, 0, (int)(accept_guard_resume_at(&st->guard) - now));
            return 1;
        }
        socklen_t l = sizeof st->cand_peer;
        st->cand = accept_guard_accept(&st->guard, st->lfd, (struct sockaddr *)&st->cand_peer, &l, now);
        if (st->cand < 0)
            return 1;
        int one = 1;
        setsockopt(st->cand, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        st->cand_deadline = now + IDENTIFY_MS;
        st->nfirst = 0;
        ch->fd = st->cand;
        if (st->tls_ctx) {
            char why[200];
            if (!(st->tls = master_tls_new(st->tls_ctx, st->cand, NULL, why, sizeof why))) {
                drop_candidate(ch, st, why);
                return 1;
            }
            st->handshaking = true;
        }
    }
    if (st->handshaking) {
        char why[200];
        bool rd = true;
        int r = master_tls_handshake(st->tls, &rd, why, sizeof why);
        if (r < 0) {
            drop_candidate(ch, st, why);
            return 1;
        }
        ch->open_wants_read = rd;
        if (r == 1)
            return 1;
        st->handshaking = false;
        ch->open_wants_read = true;
        char a[64], b[96];
        master_channel_addr_text(&st->cand_peer, a, sizeof a);
        master_tls_describe(st->tls, b, sizeof b);
        master_channel_note(ch, "listen: tls: %s with %s", b, a);
    }
    ssize_t n = cand_recv(ch, st, st->cand, st->first + st->nfirst, sizeof st->first - st->nfirst);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        drop_candidate(ch, st, n == 0 ? "closed before sending a frame" : ch->why);
        return 1;
    }
    if (n > 0)
        st->nfirst += (size_t)n;
    if (st->nfirst < 10)
        return 1;
    const uint8_t *h = st->first;
    if (h[0] != 0x05 || h[1] != 0x64) {
        drop_candidate(ch, st, "its first octets are not a link frame");
        return 1;
    }
    unsigned dst = (unsigned)h[4] | (unsigned)h[5] << 8, src = (unsigned)h[6] | (unsigned)h[7] << 8;
    if (src != ch->cfg->outstation_address || dst != ch->cfg->master_address) {
        char why[128];
        snprintf(why, sizeof why, "its first frame is from link address %u to %u, not from outstation %u to %u",
                 src, dst, ch->cfg->outstation_address, ch->cfg->master_address);
        drop_candidate(ch, st, why);
        return 1;
    }
    if (!master_channel_peer_is(&st->cand_peer, ch->cfg->listen_peer)) {
        char why[160];
        snprintf(why, sizeof why, "outstation %u must dial in from %s (--listen-peer)", src, ch->cfg->listen_peer);
        drop_candidate(ch, st, why);
        return 1;
    }
    /* Taken: the listener closes (others are refused by the kernel until the
     * next open), the candidate becomes the connection. */
    char a[64];
    master_channel_addr_text(&st->cand_peer, a, sizeof a);
    master_channel_note(ch, "listen: outstation %u dialled in from %s", src, a);
    close(st->lfd);
    st->lfd = -1;
    ch->fd = st->cand;
    st->cand = -1;
    st->off = 0;
    ch->rx_held = st->nfirst > 0; /* the identifying frame: the session must see it now (an
                                   * unsolicited response waits for its confirm), not when
                                   * the outstation next sends something */
    ch->peer = st->cand_peer;
    socklen_t l = sizeof ch->local;
    getsockname(ch->fd, (struct sockaddr *)&ch->local, &l);
    ch->open_wants_read = false;
    return 0;
}

static ssize_t listen_read(master_channel *ch, uint8_t *buf, size_t cap)
{
    listen_state *st = ch->state;
    if (st->off < st->nfirst) {
        size_t k = st->nfirst - st->off < cap ? st->nfirst - st->off : cap;
        memcpy(buf, st->first + st->off, k);
        st->off += k;
        ch->rx_held = st->off < st->nfirst;
        return (ssize_t)k;
    }
    return cand_recv(ch, st, ch->fd, buf, cap);
}

static ssize_t listen_write(master_channel *ch, const uint8_t *p, size_t n)
{
    listen_state *st = ch->state;
    if (st->tls)
        return master_tls_write(st->tls, p, n, ch->why, sizeof ch->why);
    return master_channel_io_result(ch, send(ch->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT));
}

static void listen_close(master_channel *ch)
{
    listen_free(ch);
    if (ch->fd >= 0)
        close(ch->fd);
    ch->fd = -1;
    ch->rx_held = false;
    ch->open_wants_read = false;
}

const master_channel_ops master_channel_listen = {"listen", listen_open, listen_finish, listen_read, listen_write,
                                                  listen_close};
