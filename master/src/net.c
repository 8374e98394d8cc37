/* Clocks and the connection error text shared by the channels, the socket loop and the blocking API. */
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
