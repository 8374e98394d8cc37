/* TCP client channel: non-blocking connect to host:port. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "master_private.h"

static void fail(master_channel *ch, dnp3kit_error_detail *d, int code, const char *why)
{
    master_connect_error(d, ch->cfg->host, ch->cfg->port, code, why);
    if (ch->fd >= 0)
        close(ch->fd);
    ch->fd = -1;
}

int master_tcp_open(master_channel *ch, dnp3kit_error_detail *d)
{
    if (master_channel_resolve(ch, SOCK_STREAM, d) < 0)
        return -1;
    ch->fd = socket(ch->peer.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ch->fd < 0)
        return fail(ch, d, DNP3KIT_ERR_CONNECT, strerror(errno)), -1;
    int one = 1;
    setsockopt(ch->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(ch->fd, (struct sockaddr *)&ch->peer, ch->peer_len) == 0)
        return ch->ops->finish(ch, d);
    if (errno != EINPROGRESS)
        return fail(ch, d, DNP3KIT_ERR_CONNECT, strerror(errno)), -1;
    return 1;
}

int master_tcp_finish(master_channel *ch, dnp3kit_error_detail *d)
{
    int e = 0;
    socklen_t l = sizeof e;
    if (getsockopt(ch->fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
        e = errno;
    if (e != 0)
        return fail(ch, d, DNP3KIT_ERR_CONNECT, strerror(e)), -1;
    l = sizeof ch->local;
    getsockname(ch->fd, (struct sockaddr *)&ch->local, &l);
    return 0;
}

static ssize_t tcp_read(master_channel *ch, uint8_t *buf, size_t cap)
{
    return master_channel_io_result(ch, recv(ch->fd, buf, cap, MSG_DONTWAIT));
}

static ssize_t tcp_write(master_channel *ch, const uint8_t *p, size_t n)
{
    return master_channel_io_result(ch, send(ch->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT));
}

const master_channel_ops master_channel_tcp = {"tcp", master_tcp_open, master_tcp_finish, tcp_read, tcp_write,
                                               master_channel_close_fd};
