/* accept() at the file-descriptor limit without spinning: see accept_guard.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "accept_guard.h"

void accept_guard_init(accept_guard *g, bool (*make_room)(void *), void (*log)(void *, const char *), void *user)
{
    memset(g, 0, sizeof *g);
    g->make_room = make_room;
    g->log = log;
    g->user = user;
    /* taken while descriptors are plentiful, spent only at the limit */
    g->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void accept_guard_free(accept_guard *g)
{
    if (g->reserve >= 0)
        close(g->reserve);
    g->reserve = -1;
}

/* At most one line per ACCEPT_GUARD_LOG_MS: a flood of connections must not
 * turn into a flood of log lines. */
static void report(accept_guard *g, uint64_t now)
{
    if (!g->log || (!g->refused && !g->evicted && !g->pauses))
        return;
    if (g->last_log && now - g->last_log < ACCEPT_GUARD_LOG_MS)
        return;
    char msg[320];
    int n = snprintf(msg, sizeof msg, "accept: %s:", g->last_errno ? strerror(g->last_errno) : "connection limit");
    const char *sep = "";
    if (g->evicted && n > 0 && (size_t)n < sizeof msg) {
        n += snprintf(msg + n, sizeof msg - (size_t)n, " %lu idle connection(s) closed to make room", g->evicted);
        sep = ",";
    }
    if (g->refused && n > 0 && (size_t)n < sizeof msg) {
        n += snprintf(msg + n, sizeof msg - (size_t)n, "%s %lu new connection(s) closed at once", sep, g->refused);
        sep = ",";
    }
    if (g->pauses && n > 0 && (size_t)n < sizeof msg)
        n += snprintf(msg + n, sizeof msg - (size_t)n, "%s %lu pause(s) of %u ms", sep, g->pauses,
                      (unsigned)ACCEPT_GUARD_BACKOFF_MS);
    if (n > 0 && (size_t)n < sizeof msg)
        snprintf(msg + n, sizeof msg - (size_t)n, " (reported at most once per %u s)",
                 (unsigned)(ACCEPT_GUARD_LOG_MS / 1000));
    g->log(g->user, msg);
    g->last_log = now ? now : 1;
    g->refused = g->evicted = g->pauses = 0;
    g->last_errno = 0;
}

void accept_guard_count_eviction(accept_guard *g, uint64_t now_ms)
{
    g->evicted++;
    report(g, now_ms);
}

int accept_guard_accept(accept_guard *g, int lfd, struct sockaddr *sa, socklen_t *sl, uint64_t now_ms)
{
    socklen_t cap = sl ? *sl : 0;
    /* bounded: each pass either returns or made progress (room, or one excess connection gone) */
    for (int pass = 0; pass < 8; pass++) {
        if (sl)
            *sl = cap;
        int fd = accept(lfd, sa, sl);
        if (fd >= 0) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
            fcntl(fd, F_SETFD, FD_CLOEXEC);
            report(g, now_ms);
            return fd;
        }
        int e = errno;
        if (e == EINTR || e == ECONNABORTED)
            continue;
        if (e == EAGAIN || e == EWOULDBLOCK)
            return -1;
        bool no_fd = e == EMFILE || e == ENFILE;
        if (no_fd) {
            /* Linux reports EMFILE before it looks at the backlog: is anyone waiting at all? */
            struct pollfd p = {lfd, POLLIN, 0};
            if (poll(&p, 1, 0) != 1) {
                report(g, now_ms);
                return -1;
            }
        }
        g->last_errno = e;
        if (no_fd && g->make_room && g->make_room(g->user)) {
            g->evicted++;
            continue;
        }
        if (no_fd && g->reserve >= 0) {
            close(g->reserve);
            int x = accept(lfd, NULL, NULL);
            if (x >= 0) {
                close(x);
                g->refused++;
            }
            g->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (x >= 0)
                continue;
        }
        /* nothing to spend (or another error, ENOBUFS, ENOMEM): leave the
         * listener alone for a while instead of polling it hot */
        g->pauses++;
        g->paused_until = now_ms + ACCEPT_GUARD_BACKOFF_MS;
        report(g, now_ms);
        return -1;
    }
    report(g, now_ms);
    return -1;
}

bool accept_guard_may_poll(const accept_guard *g, uint64_t now_ms)
{
    return now_ms >= g->paused_until;
}

uint64_t accept_guard_resume_at(const accept_guard *g)
{
    return g->paused_until;
}
