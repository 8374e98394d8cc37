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
    }
    return "?";
}

void master_channel_init(master_channel *ch, const dnp3kit_master_config *cfg)
{
    memset(ch, 0, sizeof *ch);
    ch->cfg = cfg;
    ch->fd = -1;
    ch->ops = cfg->transport == DNP3KIT_TRANSPORT_UDP ? &master_channel_udp : &master_channel_tcp;
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
