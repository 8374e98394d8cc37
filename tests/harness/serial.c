/* dnp3-outstation on a serial line: a device (--serial) or a pseudo-terminal it creates (--pty). */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "dnp3kit/master.h"
#include "serial.h"

int os_serial_open(const char *spec, bool pty, char *name, size_t cap, int *keep_fd)
{
    dnp3kit_master_config mc;
    dnp3kit_master_config_default(&mc); /* the serial defaults: 9600 8N1, no flow control */
    dnp3kit_serial_config *c = &mc.serial;
    char why[200];
    *keep_fd = -1;
    if (pty) {
        int m, s;
        char path[128];
        if (openpty(&m, &s, path, NULL, NULL) < 0) {
            fprintf(stderr, "dnp3-outstation: cannot create a pseudo-terminal: %s\n", strerror(errno));
            return -1;
        }
        /* The far end opens the slave; keeping it open here too means the
         * master side never sees a hang-up between two dnp3-master runs, and
         * raw mode from the start means nothing is echoed before it does. */
        struct termios t;
        tcgetattr(s, &t);
        cfmakeraw(&t);
        tcsetattr(s, TCSANOW, &t);
        fcntl(m, F_SETFL, fcntl(m, F_GETFL, 0) | O_NONBLOCK);
        snprintf(name, cap, "%s", path);
        *keep_fd = s;
        return m;
    }
    if (dnp3kit_serial_parse(spec, c, why, sizeof why) < 0) {
        fprintf(stderr, "dnp3-outstation: --serial: %s\n", why);
        return -1;
    }
    int fd = open(c->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "dnp3-outstation: cannot open serial port %s: %s\n", c->device, strerror(errno));
        return -1;
    }
    int rc = dnp3kit_serial_configure(fd, c, why, sizeof why);
    if (rc > 0)
        fprintf(stderr, "dnp3-outstation: serial port %s: %s\n", c->device, why);
    if (rc < 0) {
        fprintf(stderr, "dnp3-outstation: serial port %s: %s\n", c->device, why);
        close(fd);
        return -1;
    }
    snprintf(name, cap, "%s at %u %u%c%u", c->device, c->baud, c->data_bits, c->parity, c->stop_bits);
    return fd;
}

int os_dial_init(dialer *d, const char *hostport)
{
    memset(d, 0, sizeof *d);
    char host[64];
    const char *colon = strrchr(hostport, ':');
    size_t hl = colon ? (size_t)(colon - hostport) : 0;
    if (!colon || hl == 0 || hl >= sizeof host) {
        fprintf(stderr, "dnp3-outstation: --connect HOST:PORT expected, not '%s'\n", hostport);
        return -1;
    }
    memcpy(host, hostport, hl);
    host[hl] = 0;
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = 0;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0 || !res) {
        fprintf(stderr, "dnp3-outstation: --connect %s: %s\n", hostport, gai_strerror(rc));
        return -1;
    }
    memcpy(&d->to, res->ai_addr, res->ai_addrlen);
    d->to_len = res->ai_addrlen;
    freeaddrinfo(res);
    d->backoff_ms = 100;
    snprintf(d->name, sizeof d->name, "%s", hostport);
    snprintf(d->host, sizeof d->host, "%s", host);
    return 0;
}

int os_dial_start(dialer *d, uint64_t now)
{
    int fd = socket(d->to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&d->to, d->to_len) == 0 || errno == EINPROGRESS)
            return fd;
        close(fd);
    }
    os_dial_closed(d, now);
    return -1;
}

void os_dial_closed(dialer *d, uint64_t now)
{
    d->next = now + d->backoff_ms;
    d->backoff_ms = d->backoff_ms >= 2500 ? 5000 : d->backoff_ms * 2;
}

void os_dial_answered(dialer *d)
{
    d->backoff_ms = 100;
}
