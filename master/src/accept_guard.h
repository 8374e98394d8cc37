/*
 * accept() that survives file-descriptor exhaustion, for every listening side
 * (dnp3-outstation, dnp3-master --listen). At the fd limit accept() fails with
 * EMFILE/ENFILE while the connection stays in the kernel's backlog, so the
 * listening socket stays readable and a poll loop spins. The guard:
 *  - asks its owner to make room first (close its longest-idle connection),
 *    then retries;
 *  - else spends a spare descriptor it holds in reserve: closes it, accepts
 *    the excess connection, closes that at once (the peer sees the close) and
 *    takes the spare again, so the backlog drains;
 *  - else (the reserve cannot be had: the whole system is out of files) stops
 *    polling the listener for ACCEPT_GUARD_BACKOFF_MS;
 *  - logs what it did at most once per ACCEPT_GUARD_LOG_MS, with counts.
 */
#ifndef DNP3KIT_ACCEPT_GUARD_H
#define DNP3KIT_ACCEPT_GUARD_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define ACCEPT_GUARD_BACKOFF_MS 100
#define ACCEPT_GUARD_LOG_MS 10000

typedef struct accept_guard {
    int reserve;            /* spare descriptor (/dev/null), -1 while spent */
    uint64_t paused_until;  /* the listener is not polled before this (ms) */
    uint64_t last_log;      /* ms of the last log line, 0 none yet */
    unsigned long refused;  /* excess connections closed at once since the last line */
    unsigned long evicted;  /* connections closed to make room since the last line */
    unsigned long pauses;   /* back-offs since the last line */
    int last_errno;
    /* Close one held connection to make room (the longest idle); false when
     * there is none to close. May be NULL. */
    bool (*make_room)(void *user);
    void (*log)(void *user, const char *msg);
    void *user;
} accept_guard;

void accept_guard_init(accept_guard *g, bool (*make_room)(void *), void (*log)(void *, const char *), void *user);
void accept_guard_free(accept_guard *g);
/* One accepted connection, non-blocking and close-on-exec; -1 when none now
 * (nothing pending, or the guard dealt with an error: see above). */
int accept_guard_accept(accept_guard *g, int lfd, struct sockaddr *sa, socklen_t *sl, uint64_t now_ms);
/* False while backing off: leave the listener out of the poll set until
 * accept_guard_resume_at(). */
bool accept_guard_may_poll(const accept_guard *g, uint64_t now_ms);
uint64_t accept_guard_resume_at(const accept_guard *g);
/* Count a connection the owner closed to make room for a new one (its
 * --max-connections cap), reported in the guard's next log line. */
void accept_guard_count_eviction(accept_guard *g, uint64_t now_ms);
#endif
