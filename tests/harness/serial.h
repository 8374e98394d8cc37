#ifndef DNP3KIT_OS_SERIAL_H
#define DNP3KIT_OS_SERIAL_H
#include <stdbool.h>
#include <stddef.h>
/* Open spec ("DEVICE[:BAUD[,8N1]]") in raw mode, or (pty) create a
 * pseudo-terminal and return its master side, the slave's path in name and
 * the slave kept open in *keep_fd. The fd is non-blocking; -1 with a message
 * on stderr. */
int os_serial_open(const char *spec, bool pty, char *name, size_t cap, int *keep_fd);

/* --connect HOST:PORT: dial out to a listening master, redialling with a
 * back-off (100 ms doubling to 5 s, back to 100 ms once the master answers). */
#include <stdint.h>
#include <sys/socket.h>
typedef struct dialer {
    struct sockaddr_storage to;
    socklen_t to_len;
    uint64_t next;        /* wall ms of the next attempt */
    uint32_t backoff_ms;
    char name[96];
    char host[64];        /* as given, for TLS's expected name */
} dialer;
int os_dial_init(dialer *d, const char *hostport);
/* A non-blocking connect in progress, or -1 (the next attempt is scheduled). */
int os_dial_start(dialer *d, uint64_t now);
void os_dial_closed(dialer *d, uint64_t now);
void os_dial_answered(dialer *d);
#endif
