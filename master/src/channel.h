/*
 * The channel layer: one small backend interface under the session state
 * machine (DESIGN.md principle 6; libmodbus's backend struct is the model).
 * A channel moves octets and reports open/close/errors; the socket loop and
 * the blocking API drive every kind through these functions and never look
 * at which one it is. The session never sees a channel at all.
 */
#ifndef DNP3KIT_MASTER_CHANNEL_H
#define DNP3KIT_MASTER_CHANNEL_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "dnp3kit/master.h"

typedef struct master_channel master_channel;

typedef struct master_channel_ops {
    const char *name;
    /* Start opening. 0: open; 1: in progress (wait until fd is writable,
     * then call finish); -1: failed, d filled (code, host, port, message). */
    int (*open)(master_channel *ch, dnp3kit_error_detail *d);
    /* An open in progress made progress: 0 open, 1 not yet, -1 failed (d filled). */
    int (*finish)(master_channel *ch, dnp3kit_error_detail *d);
    /* > 0 octets read; 0 closed by the peer; -1 with errno (EAGAIN: nothing
     * now; anything else: ch->why says what happened). */
    ssize_t (*read)(master_channel *ch, uint8_t *buf, size_t cap);
    /* Octets taken (maybe fewer than n), or -1 with errno as for read. */
    ssize_t (*write)(master_channel *ch, const uint8_t *p, size_t n);
    void (*close)(master_channel *ch);
} master_channel_ops;

/* A note from a channel (e.g. a datagram from an unexpected peer dropped). */
typedef void (*master_channel_log_fn)(void *user, master_channel *ch, const char *msg);

struct master_channel {
    const master_channel_ops *ops;
    const dnp3kit_master_config *cfg;
    int fd;                         /* for the loop's poll/epoll; -1 when closed */
    struct sockaddr_storage local, peer; /* once open: both ends (recording, peer checks) */
    socklen_t peer_len;
    char why[160];                  /* last read/write failure, for the log */
    master_channel_log_fn log;
    void *log_user;
    void *state;                    /* backend's own (serial: framer, timing) */
    bool open_wants_read;           /* an open in progress waits for fd readable (listen), not writable */
    const char *stage;              /* an open in progress past connecting, e.g. "TLS handshake"; NULL */
    bool rx_held;                   /* the backend holds octets already read that poll() cannot see
                                     * (listen: the identifying frame): read without waiting for POLLIN */
};

/* Pick the backend for cfg->transport; the channel starts closed. */
void master_channel_init(master_channel *ch, const dnp3kit_master_config *cfg);
static inline int master_channel_open(master_channel *ch, dnp3kit_error_detail *d)
{
    return ch->ops->open(ch, d);
}
static inline bool master_channel_is_open(const master_channel *ch)
{
    return ch->fd >= 0;
}
void master_channel_close(master_channel *ch);
/* Format a note and hand it to ch->log (when set). */
void master_channel_note(master_channel *ch, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Resolve cfg->host:cfg->port for socket type (SOCK_STREAM/SOCK_DGRAM) into
 * ch->peer; -1 with d filled. */
int master_channel_resolve(master_channel *ch, int socktype, dnp3kit_error_detail *d);

/* Shared by the backends: note errno's text in ch->why after a read/write
 * that failed for good (not EAGAIN/EINTR), and pass r on. */
ssize_t master_channel_io_result(master_channel *ch, ssize_t r);
/* finish() of a backend whose open() never stays in progress. */
int master_channel_open_done(master_channel *ch, dnp3kit_error_detail *d);
/* close() of a backend with nothing but its fd. */
void master_channel_close_fd(master_channel *ch);

/* Does ss come from the numeric address peer ("" matches all)? */
bool master_channel_peer_is(const struct sockaddr_storage *ss, const char *peer);
/* "192.0.2.1:20000" or "[2001:db8::1]:20000". */
void master_channel_addr_text(const struct sockaddr_storage *ss, char *b, size_t cap);

extern const master_channel_ops master_channel_tcp;
extern const master_channel_ops master_channel_udp;
extern const master_channel_ops master_channel_serial;
extern const master_channel_ops master_channel_listen;
extern const master_channel_ops master_channel_tls;
/* TCP client open/finish (ops->finish is called when connect() completes at once);
 * the TLS channel runs its handshake after them. */
int master_tcp_open(master_channel *ch, dnp3kit_error_detail *d);
int master_tcp_finish(master_channel *ch, dnp3kit_error_detail *d);
#endif
