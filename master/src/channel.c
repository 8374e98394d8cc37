/* Channel layer: backend choice and what every backend shares. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "master_private.h"

const char *dnp3kit_transport_name(dnp3kit_transport t)
{
    switch (t) {
    case DNP3KIT_TRANSPORT_TCP: return "tcp";
    case DNP3KIT_TRANSPORT_UDP: return "udp";
    case DNP3KIT_TRANSPORT_SERIAL: return "serial";
    case DNP3KIT_TRANSPORT_TCP_LISTEN: return "listen";
    }
    return "?";
}

void master_channel_init(master_channel *ch, const dnp3kit_master_config *cfg)
{
    memset(ch, 0, sizeof *ch);
    ch->cfg = cfg;
    ch->fd = -1;
    ch->ops = cfg->transport == DNP3KIT_TRANSPORT_UDP      ? &master_channel_udp
              : cfg->transport == DNP3KIT_TRANSPORT_SERIAL ? &master_channel_serial
              : cfg->transport == DNP3KIT_TRANSPORT_TCP_LISTEN ? &master_channel_listen
              : cfg->tls.enabled                           ? &master_channel_tls
                                                           : &master_channel_tcp;
}

void master_channel_close(master_channel *ch)
{
    if (ch->fd >= 0)
        ch->ops->close(ch);
    ch->fd = -1;
}

void master_channel_note(master_channel *ch, const char *fmt, ...)
{
    if (!ch->log)
        return;
    char b[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    ch->log(ch->log_user, ch, b);
}

int master_channel_resolve(master_channel *ch, int socktype, dnp3kit_error_detail *d)
{
    struct addrinfo hints, *res = NULL;
    char ps[8];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = socktype;
    snprintf(ps, sizeof ps, "%u", ch->cfg->port);
    int rc = getaddrinfo(ch->cfg->host, ps, &hints, &res);
    if (rc != 0 || !res) {
        master_connect_error(d, ch->cfg->host, ch->cfg->port, DNP3KIT_ERR_CONNECT,
                             rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        if (res)
            freeaddrinfo(res);
        return -1;
    }
    memcpy(&ch->peer, res->ai_addr, res->ai_addrlen);
    ch->peer_len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

bool master_peer_valid(const char *a)
{
    struct in6_addr b6;
    struct in_addr b4;
    return memchr(a, '\0', 64) && (inet_pton(AF_INET, a, &b4) == 1 || inet_pton(AF_INET6, a, &b6) == 1);
}

bool master_channel_peer_is(const struct sockaddr_storage *ss, const char *peer)
{
    if (!peer[0])
        return true;
    struct in_addr b4;
    struct in6_addr b6;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const void *)ss;
        return inet_pton(AF_INET, peer, &b4) == 1 && b4.s_addr == s4->sin_addr.s_addr;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const void *)ss;
        if (inet_pton(AF_INET6, peer, &b6) == 1)
            return !memcmp(&b6, &s6->sin6_addr, sizeof b6);
        /* an IPv4 peer on a dual-stack listener comes as ::ffff:a.b.c.d */
        return inet_pton(AF_INET, peer, &b4) == 1 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) &&
               !memcmp(&b4, &s6->sin6_addr.s6_addr[12], 4);
    }
    return false;
}

void master_channel_addr_text(const struct sockaddr_storage *ss, char *b, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const void *)ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
        snprintf(b, cap, "[%s]:%u", ip, ntohs(s6->sin6_port));
    } else {
        const struct sockaddr_in *s4 = (const void *)ss;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
        snprintf(b, cap, "%s:%u", ip, ntohs(s4->sin_port));
    }
}

void master_peer_name(const dnp3kit_master_config *cfg, char *b, size_t cap)
{
    if (cfg->transport == DNP3KIT_TRANSPORT_SERIAL)
        snprintf(b, cap, "serial %s", cfg->serial.device);
    else if (strchr(cfg->host, ':'))
        snprintf(b, cap, "[%s]:%u", cfg->host, cfg->port);
    else
        snprintf(b, cap, "%s:%u", cfg->host, cfg->port);
}

int master_serial_validate(const dnp3kit_serial_config *c, dnp3kit_error_detail *d)
{
    d->code = DNP3KIT_ERR_ARG;
    if (!memchr(c->device, '\0', sizeof c->device) || !c->device[0])
        snprintf(d->message, sizeof d->message, "serial device: empty or longer than %zu characters",
                 sizeof c->device - 1);
    else if (master_serial_speed(c->baud) == 0)
        snprintf(d->message, sizeof d->message, "serial baud rate %u: not one the port can be set to (300-4000000)",
                 c->baud);
    else if (c->data_bits < 5 || c->data_bits > 8)
        snprintf(d->message, sizeof d->message, "serial data bits %u: must be 5-8", c->data_bits);
    else if (c->parity != 'N' && c->parity != 'E' && c->parity != 'O')
        snprintf(d->message, sizeof d->message, "serial parity '%c': must be N, E or O", c->parity ? c->parity : '?');
    else if (c->stop_bits != 1 && c->stop_bits != 2)
        snprintf(d->message, sizeof d->message, "serial stop bits %u: must be 1 or 2", c->stop_bits);
    else if (c->flow != DNP3KIT_FLOW_NONE && c->flow != DNP3KIT_FLOW_RTSCTS && c->flow != DNP3KIT_FLOW_XONXOFF)
        snprintf(d->message, sizeof d->message, "serial flow control %d: must be none, rtscts or xonxoff",
                 (int)c->flow);
    else if (c->turnaround_ms > 1000)
        snprintf(d->message, sizeof d->message, "serial turnaround %u ms: must be 0-1000", c->turnaround_ms);
    else if (c->inter_char_ms > 60000)
        snprintf(d->message, sizeof d->message, "serial inter-character timeout %u ms: must be 0-60000",
                 c->inter_char_ms);
    else
        return d->code = DNP3KIT_OK, DNP3KIT_OK;
    return DNP3KIT_ERR_ARG;
}

ssize_t master_channel_io_result(master_channel *ch, ssize_t r)
{
    if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        snprintf(ch->why, sizeof ch->why, "%s", strerror(errno));
    return r;
}

int master_channel_open_done(master_channel *ch, dnp3kit_error_detail *d)
{
    (void)ch;
    (void)d;
    return 0;
}

void master_channel_close_fd(master_channel *ch)
{
    close(ch->fd);
    ch->fd = -1;
}
