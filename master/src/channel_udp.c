/*
 * UDP channel (IEEE 1815 UDP-only mode): datagrams to host:port, sent from
 * and received on local_port (0: any). The socket stays unconnected so that a
 * datagram from any other address is seen, reported and dropped rather than
 * silently filtered. Frames may come several per datagram or split across
 * datagrams: the session's link parser keeps its state between reads.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "master_private.h"

/* Largest datagram sent: whole link frames up to this many octets (one
 * 2048-octet fragment fits; a longer backlog goes in several datagrams). */
#define UDP_MAX_DATAGRAM 4096

static bool same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
        return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, 16);
    }
    const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

/* The local address datagrams to the peer leave from (for the recording):
 * what the kernel picks for a connected socket, with our bound port. */
static void learn_local(master_channel *ch)
{
    socklen_t l = sizeof ch->local;
    getsockname(ch->fd, (struct sockaddr *)&ch->local, &l);
    int t = socket(ch->peer.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (t < 0)
        return;
    struct sockaddr_storage via;
    l = sizeof via;
    if (connect(t, (struct sockaddr *)&ch->peer, ch->peer_len) == 0 &&
        getsockname(t, (struct sockaddr *)&via, &l) == 0) {
        if (via.ss_family == AF_INET6)
            ((struct sockaddr_in6 *)&via)->sin6_port = ((struct sockaddr_in6 *)&ch->local)->sin6_port;
        else
            ((struct sockaddr_in *)&via)->sin_port = ((struct sockaddr_in *)&ch->local)->sin_port;
        ch->local = via;
    }
    close(t);
}

static int udp_open(master_channel *ch, dnp3kit_error_detail *d)
{
    if (master_channel_resolve(ch, SOCK_DGRAM, d) < 0)
        return -1;
    ch->fd = socket(ch->peer.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ch->fd < 0) {
        master_connect_error(d, ch->cfg->host, ch->cfg->port, DNP3KIT_ERR_CONNECT, strerror(errno));
        return -1;
    }
    struct sockaddr_storage me;
    memset(&me, 0, sizeof me);
    socklen_t ml;
    if (ch->peer.ss_family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&me;
        s6->sin6_family = AF_INET6;
        s6->sin6_addr = in6addr_any;
        s6->sin6_port = htons(ch->cfg->local_port);
        ml = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&me;
        s4->sin_family = AF_INET;
        s4->sin_addr.s_addr = htonl(INADDR_ANY);
        s4->sin_port = htons(ch->cfg->local_port);
        ml = sizeof *s4;
    }
    int one = 1;
    setsockopt(ch->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ch->fd, (struct sockaddr *)&me, ml) < 0) {
        char why[96];
        snprintf(why, sizeof why, "cannot bind local UDP port %u: %s", ch->cfg->local_port, strerror(errno));
        master_connect_error(d, ch->cfg->host, ch->cfg->port, DNP3KIT_ERR_CONNECT, why);
        close(ch->fd);
        ch->fd = -1;
        return -1;
    }
    learn_local(ch);
    return 0;
}

static ssize_t udp_read(master_channel *ch, uint8_t *buf, size_t cap)
{
    for (;;) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(ch->fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return master_channel_io_result(ch, -1);
        }
        if (same_peer(&from, &ch->peer)) {
            if (n == 0) {
                errno = EAGAIN; /* an empty datagram is not an end of stream */
                return -1;
            }
            return n;
        }
        char got[64], want[64];
        master_channel_addr_text(&from, got, sizeof got);
        master_channel_addr_text(&ch->peer, want, sizeof want);
        master_channel_note(ch, "udp: dropped a datagram of %zd octets from %s (the outstation is %s)", n, got,
                            want);
    }
}

/* Octets of the link frame at p (whole frames are what the session queues). */
static size_t frame_len(const uint8_t *p, size_t n)
{
    if (n < 10 || p[0] != 0x05 || p[1] != 0x64 || p[2] < 5)
        return n; /* not a frame start: send the rest as it is */
    size_t user = (size_t)p[2] - 5;
    size_t len = 10 + user + 2 * ((user + 15) / 16);
    return len < n ? len : n;
}

static ssize_t udp_write(master_channel *ch, const uint8_t *p, size_t n)
{
    size_t take = 0;
    while (take < n) {
        size_t f = frame_len(p + take, n - take);
        if (take > 0 && take + f > UDP_MAX_DATAGRAM)
            break;
        take += f;
    }
    return master_channel_io_result(
        ch, sendto(ch->fd, p, take, MSG_DONTWAIT, (struct sockaddr *)&ch->peer, ch->peer_len));
}

const master_channel_ops master_channel_udp = {"udp", udp_open, master_channel_open_done, udp_read, udp_write,
                                               master_channel_close_fd};
