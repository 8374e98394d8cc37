/*
 * The deliberately fragile test target of `dnp3-pcap fuzz` (issue 5): a
 * small DNP3 outstation over TCP that answers link status requests and
 * requests with a null response, and calls abort() on one specific malformed
 * object header: a group 30 header with the 8-bit start-stop qualifier
 * (0x00) whose start is greater than its stop (clause 4.2.2.7.3 forbids it).
 * It checks that header before validating the fragment, as careless code
 * would. Usage: dnp3-fragile [--port P] [--half-dead] (0 = any; prints
 * "listening on 127.0.0.1:PORT" on stderr). One connection at a time.
 * --half-dead: instead of aborting, the application layer stops answering
 * for good while the link layer still answers link status requests (a hung
 * application task): only a probe tied to its case can tell.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dnp3kit/dnp3kit.h"

static void send_frame(int fd, uint8_t ctrl, const uint8_t *user, size_t len)
{
    uint8_t out[DNP3KIT_LINK_MAX_FRAME];
    int n = dnp3kit_link_build(ctrl, 1, 10, user, len, out, sizeof out);
    if (n > 0 && send(fd, out, (size_t)n, MSG_NOSIGNAL) < 0)
        return;
}

static int half_dead, app_dead;

static void on_fragment(int fd, const uint8_t *f, size_t len)
{
    if (len < 2 || f[1] == DNP3KIT_FC_CONFIRM || app_dead)
        return;
    /* the bug: trusts the first object header's range */
    if (len >= 7 && f[2] == 30 && f[4] == 0x00 && f[5] > f[6]) {
        if (!half_dead)
            abort();
        app_dead = 1;
        return;
    }
    uint8_t rsp[5] = {0xC0, (uint8_t)(0xC0 | (f[0] & 0x0F)), DNP3KIT_FC_RESPONSE, 0, 0};
    send_frame(fd, dnp3kit_link_ctrl(false, true, false, false, DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA), rsp, 5);
}

int main(int argc, char **argv)
{
    int port = 0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--port") && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--half-dead"))
            half_dead = 1;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 4) != 0) {
        perror("dnp3-fragile");
        return 3;
    }
    socklen_t sl = sizeof sa;
    getsockname(lfd, (struct sockaddr *)&sa, &sl);
    fprintf(stderr, "dnp3-fragile: listening on 127.0.0.1:%u\n", ntohs(sa.sin_port));
    static uint8_t mbuf[DNP3KIT_DEFAULT_MAX_MESSAGE];
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        dnp3kit_link_parser lp;
        dnp3kit_link_parser_init(&lp);
        dnp3kit_reassembler r;
        dnp3kit_reassembler_init(&r, mbuf, sizeof mbuf);
        uint8_t in[4096];
        ssize_t got;
        while ((got = recv(fd, in, sizeof in, 0)) > 0) {
            const uint8_t *p = in;
            size_t len = (size_t)got;
            dnp3kit_link_frame lf;
            while (len > 0) {
                if (dnp3kit_link_parser_step(&lp, &p, &len, &lf, NULL) != 1 || !lf.crc_ok || !lf.prm)
                    continue;
                if (lf.func == DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS) {
                    send_frame(fd, dnp3kit_link_ctrl(false, false, false, false, DNP3KIT_LINK_SEC_LINK_STATUS), NULL, 0);
                } else if (lf.func == DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA && lf.user_len > 0) {
                    const uint8_t *msg;
                    size_t ml;
                    if (dnp3kit_reassembler_push(&r, lf.user, lf.user_len, &msg, &ml, NULL) == 1)
                        on_fragment(fd, msg, ml);
                }
            }
        }
        close(fd);
    }
}
