/* TCP connection helpers shared by the socket loop and the blocking API. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "master_private.h"

uint64_t dnp3kit_master_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t dnp3kit_master_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void master_connect_error(dnp3kit_error_detail *d, const char *host, uint16_t port, int code, const char *why)
{
    dnp3kit_error_detail_clear(d);
    d->code = code;
    d->port = port;
    snprintf(d->host, sizeof d->host, "%s", host);
    snprintf(d->message, sizeof d->message, "cannot connect to %s:%u: %s", host, port, why);
}

int master_tcp_start(const char *host, uint16_t port, dnp3kit_error_detail *d)
{
    struct addrinfo hints, *res = NULL;
    char ps[8];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(ps, sizeof ps, "%u", port);
    int rc = getaddrinfo(host, ps, &hints, &res);
    if (rc != 0 || !res) {
        master_connect_error(d, host, port, DNP3KIT_ERR_CONNECT, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        master_connect_error(d, host, port, DNP3KIT_ERR_CONNECT, strerror(errno));
        freeaddrinfo(res);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, res->ai_addr, res->ai_addrlen) < 0 && errno != EINPROGRESS) {
        master_connect_error(d, host, port, DNP3KIT_ERR_CONNECT, strerror(errno));
        close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    return fd;
}

int master_tcp_finish(int fd, const char *host, uint16_t port, dnp3kit_error_detail *d)
{
    int e = 0;
    socklen_t l = sizeof e;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
        e = errno;
    if (e != 0) {
        master_connect_error(d, host, port, DNP3KIT_ERR_CONNECT, strerror(e));
        return -1;
    }
    return 0;
}
