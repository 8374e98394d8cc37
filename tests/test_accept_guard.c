/* accept_guard (master/src/accept_guard.c): accept() at the file-descriptor
 * limit, on a real loopback listener with RLIMIT_NOFILE lowered to what is
 * open: the excess connection is closed at once (the listener drains), room
 * made by the owner is used, and with nothing to spend the listener backs off. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"
#include "accept_guard.h"

static int lfd;
static struct sockaddr_in addr;
static struct rlimit saved;
static int fill[64];
static int nfill;
static unsigned nlog;

static int listener(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(fd, 16), 0);
    socklen_t l = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &l);
    return fd;
}

static int client(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    return fd;
}

/* Lower the limit and use every descriptor left: the next accept() is EMFILE. */
static void exhaust(void)
{
    getrlimit(RLIMIT_NOFILE, &saved);
    int top = dup(0);
    assert_true(top >= 0);
    close(top);
    struct rlimit r = {(rlim_t)top + 4, saved.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &r), 0);
    nfill = 0;
    for (int fd; nfill < 64 && (fd = dup(0)) >= 0;)
        fill[nfill++] = fd;
    assert_int_equal(errno, EMFILE);
}

static void restore(void)
{
    if (!saved.rlim_cur)
        return;
    while (nfill)
        close(fill[--nfill]);
    setrlimit(RLIMIT_NOFILE, &saved);
    saved.rlim_cur = 0;
}

static int teardown(void **st)
{
    (void)st;
    restore(); /* also after a failed assertion */
    return 0;
}

static bool readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1;
}

static void count_log(void *user, const char *msg)
{
    (void)user;
    assert_non_null(strstr(msg, "accept: "));
    nlog++;
}

static bool room_from_fill(void *user)
{
    (void)user;
    if (!nfill)
        return false;
    close(fill[--nfill]);
    return true;
}

/* Descriptors back, the client, the guard and the listener closed. */
static void done(accept_guard *g, int c)
{
    restore();
    close(c);
    accept_guard_free(g);
    close(lfd);
}

static void test_excess_closed_at_once(void **st)
{
    (void)st;
    lfd = listener();
    accept_guard g;
    nlog = 0;
    accept_guard_init(&g, NULL, count_log, NULL);
    assert_true(g.reserve >= 0);
    int c = client();
    exhaust();
    assert_int_equal(connect(c, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_true(readable(lfd));
    assert_int_equal(accept_guard_accept(&g, lfd, NULL, NULL, 1000), -1);
    assert_false(readable(lfd)); /* drained: a poll loop does not spin on it */
    assert_true(g.reserve >= 0); /* taken back */
    assert_true(accept_guard_may_poll(&g, 1000));
    assert_int_equal(nlog, 1);
    char b;
    assert_int_equal(recv(c, &b, 1, 0), 0); /* the peer sees the close */
    done(&g, c);
}

static void test_room_made_by_owner(void **st)
{
    (void)st;
    lfd = listener();
    accept_guard g;
    accept_guard_init(&g, room_from_fill, NULL, NULL);
    int c = client();
    exhaust();
    int before = nfill;
    assert_int_equal(connect(c, (struct sockaddr *)&addr, sizeof addr), 0);
    int fd = accept_guard_accept(&g, lfd, NULL, NULL, 1000);
    assert_true(fd >= 0);
    assert_int_equal(nfill, before - 1);
    assert_int_equal(g.evicted, 1);
    assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
    close(fd);
    done(&g, c);
}

static void test_backoff_and_one_line_per_interval(void **st)
{
    (void)st;
    lfd = listener();
    accept_guard g;
    nlog = 0;
    accept_guard_init(&g, NULL, count_log, NULL);
    close(g.reserve);
    g.reserve = -1; /* spent, and no room: as when the whole system is out of files */
    int c1 = client(), c2 = client();
    exhaust();
    assert_int_equal(connect(c1, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(accept_guard_accept(&g, lfd, NULL, NULL, 1000), -1);
    assert_int_equal(g.pauses, 0); /* reported (and reset) at once */
    assert_int_equal(nlog, 1);
    assert_false(accept_guard_may_poll(&g, 1000));
    assert_false(accept_guard_may_poll(&g, 1000 + ACCEPT_GUARD_BACKOFF_MS - 1));
    assert_true(accept_guard_may_poll(&g, accept_guard_resume_at(&g)));
    assert_int_equal(accept_guard_resume_at(&g), 1000 + ACCEPT_GUARD_BACKOFF_MS);
    /* again within the log interval: counted, not logged */
    assert_int_equal(accept_guard_accept(&g, lfd, NULL, NULL, 2000), -1);
    assert_int_equal(nlog, 1);
    assert_int_equal(g.pauses, 1);
    assert_int_equal(connect(c2, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(accept_guard_accept(&g, lfd, NULL, NULL, 1000 + ACCEPT_GUARD_LOG_MS), -1);
    assert_int_equal(nlog, 2);
    restore();
    /* descriptors again: both pending connections are accepted */
    int a = accept_guard_accept(&g, lfd, NULL, NULL, 20000), b = accept_guard_accept(&g, lfd, NULL, NULL, 20000);
    assert_true(a >= 0 && b >= 0);
    assert_int_equal(accept_guard_accept(&g, lfd, NULL, NULL, 20000), -1); /* EAGAIN: nothing more */
    close(a);
    close(b);
    close(c1);
    done(&g, c2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_excess_closed_at_once, teardown),
        cmocka_unit_test_teardown(test_room_made_by_owner, teardown),
        cmocka_unit_test_teardown(test_backoff_and_one_line_per_interval, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
