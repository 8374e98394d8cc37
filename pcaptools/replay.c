/*
 * dnp3-pcap replay (see replay.h and docs/dnp3-pcap.md).
 *
 * Master role: the recorded requests of one association are sent again in
 * order, one TCP connection per recorded connection, with our own
 * application and transport sequence numbers; each answer is compared with
 * the recorded one object by object. Outstation role: a live master's
 * requests are answered with the recorded responses to the same function and
 * object headers.
 */
#define _GNU_SOURCE
#include "replay.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"

/* ------------------------------------------------------------------------ */
/* capture model                                                            */
/* ------------------------------------------------------------------------ */

typedef struct load_ctx {
    rp_capture *c;
    dpe_engine *e;
    bool oom;
} load_ctx;

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return p;
    size_t nc = *cap ? *cap * 2 : 64;
    void *q = realloc(p, nc * size);
    if (q)
        *cap = nc;
    return q;
}

static void on_frag(void *ctx, const dpe_fragment *f)
{
    load_ctx *lc = ctx;
    if (f->tentative) /* a reserved link function: the station discarded it */
        return;
    rp_capture *c = lc->c;
    rp_msg *m = grow(c->msgs, &c->capmsgs, c->nmsgs, sizeof *m);
    uint8_t *d = malloc(f->len ? f->len : 1);
    if (!m || !d) {
        free(d);
        lc->oom = true;
        if (m)
            c->msgs = m;
        return;
    }
    c->msgs = m;
    memcpy(d, f->data, f->len);
    rp_msg *x = &c->msgs[c->nmsgs++];
    memset(x, 0, sizeof *x);
    x->flow = f->where.flow ? f->where.flow->id : 0;
    x->from_a = f->where.from_a;
    x->from_master = f->from_master;
    x->src = f->where.link_src;
    x->dst = f->where.link_dst;
    x->frame = f->where.pkt ? f->where.pkt->frame : 0;
    x->ts_us = f->where.pkt ? f->where.pkt->ts_us : 0;
    x->status = f->status;
    x->data = d;
    x->len = f->len;
    if (f->status != DNP3KIT_OK)
        c->bad_fragments++;
}

static void on_find(void *ctx, const dpe_where *w, const dnp3kit_finding *f)
{
    (void)w;
    load_ctx *lc = ctx;
    dnp3kit_layer l = dnp3kit_finding_layer(f->code);
    if ((l == DNP3KIT_LAYER_LINK || l == DNP3KIT_LAYER_TRANSPORT) &&
        dnp3kit_finding_severity(f->code) >= DNP3KIT_SEV_WARNING)
        lc->c->link_defects++;
}

static void w_flow_open(void *ctx, dpc_flow *f, const dpc_packet *pkt)
{
    load_ctx *lc = ctx;
    if (f->id > lc->c->nflows)
        lc->c->nflows = f->id;
    dpe_capture_callbacks()->on_flow_open(lc->e, f, pkt);
}

static void w_data(void *ctx, dpc_flow *f, bool from_a, const uint8_t *p, size_t len, const dpc_packet *pkt)
{
    load_ctx *lc = ctx;
    rp_capture *c = lc->c;
    rp_chunk *k = grow(c->chunks, &c->capchunks, c->nchunks, sizeof *k);
    uint8_t *d = malloc(len ? len : 1);
    if (k)
        c->chunks = k;
    if (!k || !d) {
        free(d);
        lc->oom = true;
    } else {
        memcpy(d, p, len);
        rp_chunk *x = &c->chunks[c->nchunks++];
        x->flow = f->id;
        x->from_a = from_a;
        x->frame = pkt ? pkt->frame : 0;
        x->ts_us = pkt ? pkt->ts_us : 0;
        x->data = d;
        x->len = len;
    }
    dpe_capture_callbacks()->on_data(lc->e, f, from_a, p, len, pkt);
}

static void w_gap(void *ctx, dpc_flow *f, bool from_a, uint64_t missing, const dpc_packet *pkt)
{
    load_ctx *lc = ctx;
    dpe_capture_callbacks()->on_gap(lc->e, f, from_a, missing, pkt);
}

static void w_finding(void *ctx, dpc_flow *f, bool from_a, const dnp3kit_finding *fi, const dpc_packet *pkt)
{
    load_ctx *lc = ctx;
    dpe_capture_callbacks()->on_finding(lc->e, f, from_a, fi, pkt);
}

static void w_flow_close(void *ctx, dpc_flow *f, const dpc_packet *pkt)
{
    load_ctx *lc = ctx;
    dpe_capture_callbacks()->on_flow_close(lc->e, f, pkt);
}

int rp_capture_load(const char *path, const dpc_options *po, rp_capture *c, char *err, size_t errcap)
{
    memset(c, 0, sizeof *c);
    load_ctx lc = {.c = c};
    dpe_callbacks cb = {.on_fragment = on_frag, .on_finding = on_find};
    dpe_options eo;
    dpe_options_default(&eo);
    eo.max_message = 65536;
    lc.e = dpe_new(&eo, &cb, &lc);
    if (!lc.e) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    dpc_callbacks wc = {w_flow_open, w_data, w_gap, w_finding, w_flow_close, NULL};
    dpc_stats st;
    char e2[256] = "";
    int rc = dpc_read_file(path, po, &wc, &lc, &st, e2, sizeof e2, NULL);
    dpe_free(lc.e);
    if (rc != 0) {
        snprintf(err, errcap, "cannot read %s: %s", path, e2[0] ? e2 : "not a pcap/pcapng file");
        rp_capture_free(c);
        return -1;
    }
    if (lc.oom) {
        snprintf(err, errcap, "out of memory reading %s", path);
        rp_capture_free(c);
        return -1;
    }
    return 0;
}

void rp_capture_free(rp_capture *c)
{
    for (size_t i = 0; i < c->nmsgs; i++)
        free(c->msgs[i].data);
    for (size_t i = 0; i < c->nchunks; i++)
        free(c->chunks[i].data);
    free(c->msgs);
    free(c->chunks);
    memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------------------------ */
/* sockets                                                                  */
/* ------------------------------------------------------------------------ */

uint64_t rp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int rp_tcp_connect(const char *hostport, int timeout_ms, char *err, size_t errcap)
{
    if (!strncmp(hostport, "tcp://", 6))
        hostport += 6;
    char host[256];
    const char *colon = strrchr(hostport, ':');
    if (!colon || colon == hostport || strlen(colon + 1) == 0 || (size_t)(colon - hostport) >= sizeof host) {
        snprintf(err, errcap, "target '%s' is not HOST:PORT", hostport);
        return -1;
    }
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = 0;
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = 0;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int gai = getaddrinfo(host, colon + 1, &hints, &res);
    if (gai != 0) {
        snprintf(err, errcap, "cannot resolve %s: %s", hostport, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    int last_errno = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            struct pollfd p = {fd, POLLOUT, 0};
            rc = poll(&p, 1, timeout_ms);
            if (rc == 1) {
                int so = 0;
                socklen_t sl = sizeof so;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl);
                rc = so ? -1 : 0;
                errno = so;
            } else {
                rc = -1;
                errno = ETIMEDOUT;
            }
        }
        if (rc == 0)
            break;
        last_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errcap, "cannot connect to %s: %s", hostport, strerror(last_errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int rp_tcp_listen(const char *bind_addr, uint16_t port, uint16_t *bound, char *err, size_t errcap)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, bind_addr ? bind_addr : "127.0.0.1", &sa.sin_addr) != 1) {
        snprintf(err, errcap, "bad listen address '%s'", bind_addr);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errcap, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 8) != 0) {
        snprintf(err, errcap, "cannot listen on %s:%u: %s", bind_addr ? bind_addr : "127.0.0.1", port,
                 strerror(errno));
        close(fd);
        return -1;
    }
    socklen_t sl = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    *bound = ntohs(sa.sin_port);
    return fd;
}

void rp_conn_init(rp_conn *c, int fd, bool master, uint16_t local, uint16_t remote)
{
    memset(c, 0, offsetof(rp_conn, rbuf));
    c->fd = fd;
    c->master = master;
    c->local = local;
    c->remote = remote;
    c->in_len = c->in_pos = 0;
    c->closed = false;
    c->link_status_seen = c->link_requests = 0;
    dnp3kit_link_parser_init(&c->lp);
    dnp3kit_reassembler_init(&c->r, c->rbuf, sizeof c->rbuf);
    if (fd >= 0) {
        int fl = fcntl(fd, F_GETFL);
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
}

void rp_conn_close(rp_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->closed = true;
}

int rp_send_raw(rp_conn *c, const uint8_t *p, size_t len)
{
    if (c->fd < 0 || c->closed)
        return -1;
    while (len > 0) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pf = {c->fd, POLLOUT, 0};
                if (poll(&pf, 1, 2000) <= 0) {
                    c->closed = true;
                    return -1;
                }
                continue;
            }
            c->closed = true;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int emit_seg(void *user, const uint8_t *seg, size_t len)
{
    rp_conn *c = user;
    uint8_t frame[DNP3KIT_LINK_MAX_FRAME];
    uint8_t ctrl = dnp3kit_link_ctrl(c->master, true, false, false, DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA);
    int n = dnp3kit_link_build(ctrl, c->remote, c->local, seg, len, frame, sizeof frame);
    if (n < 0)
        return n;
    return rp_send_raw(c, frame, (size_t)n);
}

int rp_send_fragment(rp_conn *c, const uint8_t *frag, size_t len)
{
    return dnp3kit_transport_segment(frag, len, DNP3KIT_TRANSPORT_MAX_PAYLOAD, &c->tseq, emit_seg, c) ? -1 : 0;
}

int rp_send_link_status_request(rp_conn *c)
{
    uint8_t frame[16];
    uint8_t ctrl = dnp3kit_link_ctrl(c->master, true, false, false, DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS);
    int n = dnp3kit_link_build(ctrl, c->remote, c->local, NULL, 0, frame, sizeof frame);
    return n < 0 ? -1 : rp_send_raw(c, frame, (size_t)n);
}

static void link_answer(rp_conn *c, uint8_t func)
{
    uint8_t frame[16];
    uint8_t ctrl = dnp3kit_link_ctrl(c->master, false, false, false, func);
    int n = dnp3kit_link_build(ctrl, c->remote, c->local, NULL, 0, frame, sizeof frame);
    if (n > 0)
        rp_send_raw(c, frame, (size_t)n);
}

/* Fill the input buffer; 1 data, 0 timeout, -1 closed. */
static int fill(rp_conn *c, uint64_t deadline_ms)
{
    if (c->closed || c->fd < 0)
        return -1;
    for (;;) {
        ssize_t n = recv(c->fd, c->in, sizeof c->in, 0);
        if (n > 0) {
            c->in_len = (size_t)n;
            c->in_pos = 0;
            return 1;
        }
        if (n == 0) {
            c->closed = true;
            return -1;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            c->closed = true;
            return -1;
        }
        uint64_t now = rp_now_ms();
        if (now >= deadline_ms)
            return 0;
        struct pollfd pf = {c->fd, POLLIN, 0};
        int pr = poll(&pf, 1, (int)(deadline_ms - now));
        if (pr < 0 && errno != EINTR)
            return -1;
        if (pr == 0)
            return 0;
    }
}

/* Next link frame addressed to us: 1, 0 timeout, -1 closed. */
static int recv_frame(rp_conn *c, uint64_t deadline_ms, dnp3kit_link_frame *lf)
{
    for (;;) {
        while (c->in_pos < c->in_len) {
            const uint8_t *p = c->in + c->in_pos;
            size_t len = c->in_len - c->in_pos;
            int r = dnp3kit_link_parser_step(&c->lp, &p, &len, lf, NULL);
            c->in_pos = c->in_len - len;
            if (r == 1 && lf->crc_ok) {
                if (lf->src != c->remote || lf->dst != c->local) {
                    c->foreign++;
                    c->foreign_src = lf->src;
                    c->foreign_dst = lf->dst;
                }
                return 1;
            }
        }
        int f = fill(c, deadline_ms);
        if (f <= 0)
            return f;
    }
}

int rp_recv_fragment(rp_conn *c, uint64_t deadline_ms, const uint8_t **frag, size_t *len)
{
    dnp3kit_link_frame lf;
    for (;;) {
        int r = recv_frame(c, deadline_ms, &lf);
        if (r <= 0)
            return r;
        if (lf.prm) {
            switch (lf.func) {
            case DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS:
                c->link_requests++;
                link_answer(c, DNP3KIT_LINK_SEC_LINK_STATUS);
                continue;
            case DNP3KIT_LINK_PRI_RESET_LINK_STATES:
            case DNP3KIT_LINK_PRI_TEST_LINK_STATES:
                c->link_requests++;
                link_answer(c, DNP3KIT_LINK_SEC_ACK);
                continue;
            case DNP3KIT_LINK_PRI_CONFIRMED_USER_DATA:
                link_answer(c, DNP3KIT_LINK_SEC_ACK);
                break;
            case DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA:
                break;
            default:
                link_answer(c, DNP3KIT_LINK_SEC_NOT_SUPPORTED);
                continue;
            }
            if (lf.user_len == 0)
                continue;
            if (dnp3kit_reassembler_push(&c->r, lf.user, lf.user_len, frag, len, NULL) == 1) {
                /* a single-segment message points into lf (on our stack): copy it */
                if (*frag != c->rbuf) {
                    memmove(c->rbuf, *frag, *len);
                    *frag = c->rbuf;
                }
                return 1;
            }
        } else if (lf.func == DNP3KIT_LINK_SEC_LINK_STATUS) {
            c->link_status_seen++;
            return 2;
        }
    }
}

int rp_probe(rp_conn *c, int timeout_ms)
{
    uint64_t before = c->link_status_seen;
    /* Octets that cannot start a frame: they complete whatever partial frame
     * the case left in the target's link parser (a LENGTH that promised more)
     * so that the probe is parsed as a frame of its own (clause 9.2.4.1). */
    static const uint8_t pad[DNP3KIT_LINK_MAX_FRAME + 8];
    if (rp_send_raw(c, pad, sizeof pad) != 0 || rp_send_link_status_request(c) != 0)
        return -1;
    uint64_t deadline = rp_now_ms() + (uint64_t)timeout_ms;
    const uint8_t *f;
    size_t n;
    while (c->link_status_seen == before) {
        int r = rp_recv_fragment(c, deadline, &f, &n);
        if (r < 0)
            return -1;
        if (r == 0)
            return c->link_status_seen > before ? 1 : 0;
    }
    return 1;
}

uint16_t rp_seqs_in(const uint8_t *p, size_t len)
{
    uint16_t used = 0;
    for (size_t j = 0; j + 11 < len; j++)
        if (p[j] == 0x05 && p[j + 1] == 0x64 && p[j + 2] >= 6 && (p[j + 10] & DNP3KIT_TRANSPORT_FIR))
            used |= (uint16_t)(1u << (p[j + 11] & 0x0F));
    return used;
}

int rp_probe_build(rp_conn *c, uint8_t seq, uint8_t *out, size_t cap)
{
    static const uint8_t pad[DNP3KIT_LINK_MAX_FRAME + 8];
    if (cap < sizeof pad + 32)
        return -1;
    memcpy(out, pad, sizeof pad);
    uint8_t seg[3] = {(uint8_t)(DNP3KIT_TRANSPORT_FIR | DNP3KIT_TRANSPORT_FIN | (c->tseq & 0x3F)),
                      (uint8_t)(0xC0 | (seq & 0x0F)), DNP3KIT_FC_READ};
    c->tseq = (uint8_t)((c->tseq + 1) & 0x3F);
    uint8_t ctrl = dnp3kit_link_ctrl(c->master, true, false, false, DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA);
    int n = dnp3kit_link_build(ctrl, c->remote, c->local, seg, sizeof seg, out + sizeof pad, cap - sizeof pad);
    return n < 0 ? -1 : (int)sizeof pad + n;
}

int rp_probe_wait(rp_conn *c, uint8_t seq, int timeout_ms)
{
    uint64_t deadline = rp_now_ms() + (uint64_t)timeout_ms;
    const uint8_t *f;
    size_t n;
    for (;;) {
        int r = rp_recv_fragment(c, deadline, &f, &n);
        if (r <= 0)
            return r;
        if (r != 1 || n < 4 || f[1] != DNP3KIT_FC_RESPONSE || !(f[0] & 0x80) || (f[0] & 0x0F) != (seq & 0x0F))
            continue;
        if (f[0] & 0x20) {
            uint8_t cf[2] = {(uint8_t)(0xC0 | (seq & 0x0F)), DNP3KIT_FC_CONFIRM};
            rp_send_fragment(c, cf, 2);
        }
        return 1;
    }
}

int rp_probe_read(rp_conn *c, uint16_t avoid_seqs, int timeout_ms)
{
    static uint8_t rot;
    uint8_t seq = rot & 0x0F;
    for (int t = 0; t < 16; t++, seq = (uint8_t)((seq + 1) & 0x0F))
        if (!(avoid_seqs >> seq & 1))
            break;
    rot = (uint8_t)(seq + 1);
    uint8_t buf[DNP3KIT_LINK_MAX_FRAME * 2 + 64];
    int n = rp_probe_build(c, seq, buf, sizeof buf);
    if (n < 0 || rp_send_raw(c, buf, (size_t)n) != 0)
        return -1;
    return rp_probe_wait(c, seq, timeout_ms);
}

/* ------------------------------------------------------------------------ */
/* options                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct ropts {
    bool role_outstation;
    const char *target;
    const char *listen_port;
    const char *bind;
    uint32_t flow;              /* 0 = all flows of the association */
    bool map;
    uint16_t map_master, map_outstation;
    bool ignore_values, ignore_time;
    uint16_t ignore_iin;
    double tolerance;
    bool json, verbose, quiet;
    bool pace_recorded;
    int timeout_ms;
    int raw;                    /* -1 auto, 0 no, 1 yes */
    uint64_t max_requests;      /* outstation role: stop after this many (0 = never) */
    int idle_s;                 /* outstation role: stop after this long without a connection (0 = never) */
    dpc_options cap;
} ropts;

static volatile sig_atomic_t stop_flag;
static void on_sig(int s)
{
    (void)s;
    stop_flag = 1;
}

void rp_usage(FILE *out)
{
    fprintf(out,
            "usage: dnp3-pcap replay --role master --target HOST:PORT [OPTIONS] CAPTURE\n"
            "       dnp3-pcap replay --role outstation --listen PORT [OPTIONS] CAPTURE\n"
            "\n"
            "master role: send the recorded requests of one association again (fresh\n"
            "application and transport sequence numbers, one TCP connection per recorded\n"
            "connection), wait for every answer, compare it object by object.\n"
            "  --target HOST:PORT      the outstation to drive\n"
            "  --flow N                only recorded flow N (as numbered by decode; default: all\n"
            "                          flows of the capture's only association)\n"
            "  --map-addresses M:O     use link addresses M (master) and O (outstation)\n"
            "  --ignore-values         compare structure only (headers, counts, indexes)\n"
            "  --ignore-time           ignore timestamps and time objects (g50, g51, g52)\n"
            "  --ignore-iin BITS       IIN bits to ignore: names (NEED_TIME,CLASS_1_EVENTS) or\n"
            "                          a number (0x1000)\n"
            "  --tolerance X           analog values may differ by X (absolute, default 0)\n"
            "  --pace recorded|fast    keep the recorded gaps between requests (default fast)\n"
            "  --timeout MS            response timeout (default 3000)\n"
            "  --raw                   send the recorded master octets verbatim (fuzz reproducers;\n"
            "                          chosen automatically when the capture holds link or\n"
            "                          transport defects), then probe whether the target survived\n"
            "  --json                  one JSON report on stdout\n"
            "  -v, --verbose           print every exchange, not only those that differ\n"
            "exit: 0 equivalent (raw: the target survived), 1 different (raw: it did not),\n"
            "      2 error (bad capture, no DNP3, unreachable target, connection closed, or no\n"
            "      answer at all at the recorded link addresses: then --map-addresses is named)\n"
            "\n"
            "outstation role: answer a live master with the recorded responses to the same\n"
            "function and object headers; other requests get IIN NO_FUNC_CODE_SUPPORT or\n"
            "OBJECT_UNKNOWN and are logged on stderr.\n"
            "  --listen PORT           TCP port (0: any; prints 'listening on 127.0.0.1:PORT')\n"
            "  --bind ADDR             listen address (default 127.0.0.1)\n"
            "  --max-requests N        stop after N requests; --idle S: after S s with no master\n"
            "exit: 0 stopped (SIGINT/SIGTERM or a limit), 2 error\n"
            "\n"
            "both: -p/--port N[,N...] DNP3 ports in the capture (default 20000)\n");
}

static int parse_iin_bits(const char *s, uint16_t *out)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    uint16_t v = 0;
    for (char *tok = strtok(buf, ",|"); tok; tok = strtok(NULL, ",|")) {
        char *end;
        unsigned long n = strtoul(tok, &end, 0);
        if (*end == 0 && end != tok && n <= 0xFFFF) {
            v |= (uint16_t)n;
            continue;
        }
        bool found = false;
        for (unsigned b = 0; b < 16; b++) {
            const char *nm = dnp3kit_iin_bit_name((uint16_t)(1u << b));
            if (nm && !strcasecmp(nm, tok)) {
                v |= (uint16_t)(1u << b);
                found = true;
            }
        }
        if (!found)
            return -1;
    }
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* comparison                                                               */
/* ------------------------------------------------------------------------ */

typedef struct diffs {
    char **lines;
    size_t n, cap;
} diffs;

static void diff_add(diffs *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void diff_add(diffs *d, const char *fmt, ...)
{
    if (d->n >= 200)
        return; /* bounded: a wholly different device still gives a readable report */
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **l = grow(d->lines, &d->cap, d->n, sizeof *l);
    if (!l)
        return;
    d->lines = l;
    d->lines[d->n] = strdup(buf);
    if (d->lines[d->n])
        d->n++;
}

static void diffs_free(diffs *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->lines[i]);
    free(d->lines);
    memset(d, 0, sizeof *d);
}

/* A response as a list of fragments (multi-fragment responses are flattened). */
typedef struct resp {
    uint8_t *frags[64];
    size_t lens[64];
    size_t n;
} resp;

static void resp_free(resp *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->frags[i]);
    r->n = 0;
}

static void resp_add(resp *r, const uint8_t *p, size_t len)
{
    if (r->n >= 64)
        return;
    uint8_t *d = malloc(len ? len : 1);
    if (!d)
        return;
    memcpy(d, p, len);
    r->frags[r->n] = d;
    r->lens[r->n++] = len;
}

/* The recorded answer to the request c->msgs[i]: the RESPONSE fragments that
 * follow it in its flow, up to the one with FIN or the master's next request
 * (its confirms in between are skipped). Both roles of replay use it. */
static void recorded_answer(const rp_capture *c, size_t i, resp *out)
{
    uint32_t flow = c->msgs[i].flow;
    for (size_t j = i + 1; j < c->nmsgs; j++) {
        const rp_msg *r = &c->msgs[j];
        if (r->flow != flow)
            continue;
        dnp3kit_app_header rh;
        if (dnp3kit_app_header_decode(r->data, r->len, &rh, NULL) != 0)
            continue;
        if (r->from_master) {
            if (rh.func == DNP3KIT_FC_CONFIRM)
                continue;
            break;
        }
        if (rh.func != DNP3KIT_FC_RESPONSE)
            continue;
        resp_add(out, r->data, r->len);
        if (rh.fin)
            break;
    }
}

typedef struct hdr_view {
    dnp3kit_object_header oh;
    const uint8_t *frag;
    size_t len;
} hdr_view;

/* All object headers of a response; returns count (<= cap); *bad set when one did not validate. */
static size_t collect_headers(const resp *r, hdr_view *out, size_t cap, uint16_t *iin, bool *bad)
{
    size_t n = 0;
    *iin = 0;
    for (size_t f = 0; f < r->n; f++) {
        dnp3kit_app_header h;
        if (dnp3kit_app_header_decode(r->frags[f], r->lens[f], &h, NULL) != DNP3KIT_OK) {
            *bad = true;
            continue;
        }
        *iin |= h.iin;
        dnp3kit_object_iter it;
        dnp3kit_object_iter_init(&it, r->frags[f], r->lens[f], &h);
        dnp3kit_object_header oh;
        int rc;
        while ((rc = dnp3kit_object_iter_next(&it, &oh, NULL)) == 1) {
            if (n < cap) {
                out[n].oh = oh;
                out[n].frag = r->frags[f];
                out[n].len = r->lens[f];
                n++;
            }
        }
        if (rc < 0)
            *bad = true;
    }
    return n;
}

static void fmt_range(const dnp3kit_object_header *oh, char *buf, size_t cap)
{
    if (oh->has_range)
        snprintf(buf, cap, "g%uv%u q=0x%02x %" PRIu64 "-%" PRIu64, oh->group, oh->variation, oh->qualifier,
                 oh->start, oh->stop);
    else if (oh->range_code == DNP3KIT_RANGE_ALL)
        snprintf(buf, cap, "g%uv%u q=0x%02x all", oh->group, oh->variation, oh->qualifier);
    else
        snprintf(buf, cap, "g%uv%u q=0x%02x count=%" PRIu64, oh->group, oh->variation, oh->qualifier,
                 oh->count);
}

static void fmt_value(const dnp3kit_point *p, char *buf, size_t cap)
{
    switch (p->value_kind) {
    case DNP3KIT_VAL_BOOL: snprintf(buf, cap, "%d", p->b ? 1 : 0); break;
    case DNP3KIT_VAL_DBIT: snprintf(buf, cap, "%u", p->dbit); break;
    case DNP3KIT_VAL_INT: snprintf(buf, cap, "%" PRId64, p->i); break;
    case DNP3KIT_VAL_UINT: snprintf(buf, cap, "%" PRIu64, p->u); break;
    case DNP3KIT_VAL_FLOAT: snprintf(buf, cap, "%.9g", p->f); break;
    case DNP3KIT_VAL_OCTETS: snprintf(buf, cap, "%zu octets", p->octets_len); break;
    default: snprintf(buf, cap, "-"); break;
    }
}

static bool is_time_group(uint8_t g) { return g == 50 || g == 51 || g == 52; }

static bool values_equal(const dnp3kit_point *a, const dnp3kit_point *b, double tol)
{
    if (a->value_kind != b->value_kind)
        return false;
    switch (a->value_kind) {
    case DNP3KIT_VAL_BOOL: return a->b == b->b;
    case DNP3KIT_VAL_DBIT: return a->dbit == b->dbit;
    case DNP3KIT_VAL_INT: return llabs(a->i - b->i) <= (long long)tol;
    case DNP3KIT_VAL_UINT: return (a->u > b->u ? a->u - b->u : b->u - a->u) <= (uint64_t)tol;
    case DNP3KIT_VAL_FLOAT: return a->f == b->f || fabs(a->f - b->f) <= tol || (isnan(a->f) && isnan(b->f));
    case DNP3KIT_VAL_OCTETS:
        return a->octets_len == b->octets_len && (a->octets_len == 0 || !memcmp(a->octets, b->octets, a->octets_len));
    default: return true;
    }
}

static void compare_points(const hdr_view *a, const hdr_view *b, const ropts *o, diffs *d)
{
    char name[64];
    snprintf(name, sizeof name, "g%uv%u", a->oh.group, a->oh.variation);
    dnp3kit_point_iter pa, pb;
    dnp3kit_point_iter_init(&pa, a->frag, a->len, &a->oh);
    dnp3kit_point_iter_init(&pb, b->frag, b->len, &b->oh);
    bool time_obj = is_time_group(a->oh.group);
    for (;;) {
        dnp3kit_point x, y;
        int ra = dnp3kit_point_iter_next(&pa, &x);
        int rb = dnp3kit_point_iter_next(&pb, &y);
        if (ra != 1 || rb != 1) {
            if (ra == 1 || rb == 1)
                diff_add(d, "%s: recorded and live differ in point count", name);
            return;
        }
        uint64_t idx = x.index;
        if (x.has_index != y.has_index || x.index != y.index) {
            diff_add(d, "%s: point index recorded %" PRIu64 ", got %" PRIu64, name, x.index, y.index);
            continue;
        }
        if (time_obj && o->ignore_time)
            continue;
        if (!o->ignore_values) {
            if (x.has_flags != y.has_flags || x.flags != y.flags) {
                char fa[128], fb[128];
                dnp3kit_flags_format(a->oh.group, x.flags, fa, sizeof fa);
                dnp3kit_flags_format(a->oh.group, y.flags, fb, sizeof fb);
                diff_add(d, "%s[%" PRIu64 "] flags: recorded %s, got %s", name, idx, fa[0] ? fa : "0",
                         fb[0] ? fb : "0");
            }
            if (!values_equal(&x, &y, o->tolerance)) {
                char va[64], vb[64];
                fmt_value(&x, va, sizeof va);
                fmt_value(&y, vb, sizeof vb);
                diff_add(d, "%s[%" PRIu64 "] value: recorded %s, got %s", name, idx, va, vb);
            }
            if (x.has_status != y.has_status || x.status != y.status)
                diff_add(d, "%s[%" PRIu64 "] status: recorded %s, got %s", name, idx,
                         dnp3kit_control_status_name(x.status), dnp3kit_control_status_name(y.status));
        }
        if (!o->ignore_time && (x.has_time != y.has_time || x.time_ms != y.time_ms))
            diff_add(d, "%s[%" PRIu64 "] time: recorded %" PRIu64 ", got %" PRIu64, name, idx, x.time_ms,
                     y.time_ms);
    }
}

#define MAX_HDRS 512

static void compare_responses(const resp *rec, const resp *live, const ropts *o, diffs *d)
{
    if (rec->n == 0 && live->n == 0)
        return;
    if (rec->n && !live->n) {
        diff_add(d, "no response (recorded: %zu fragment%s)", rec->n, rec->n == 1 ? "" : "s");
        return;
    }
    if (!rec->n && live->n) {
        diff_add(d, "a response where none was recorded");
        return;
    }
    hdr_view *ha = calloc(MAX_HDRS, sizeof *ha), *hb = calloc(MAX_HDRS, sizeof *hb);
    if (!ha || !hb) {
        free(ha);
        free(hb);
        diff_add(d, "out of memory comparing");
        return;
    }
    uint16_t iin_a, iin_b;
    bool bad_a = false, bad_b = false;
    size_t na = collect_headers(rec, ha, MAX_HDRS, &iin_a, &bad_a);
    size_t nb = collect_headers(live, hb, MAX_HDRS, &iin_b, &bad_b);
    dnp3kit_app_header h0, h1;
    if (dnp3kit_app_header_decode(rec->frags[0], rec->lens[0], &h0, NULL) == 0 &&
        dnp3kit_app_header_decode(live->frags[0], live->lens[0], &h1, NULL) == 0 && h0.func != h1.func)
        diff_add(d, "function: recorded %s, got %u", dnp3kit_app_func_name(h0.func) ? dnp3kit_app_func_name(h0.func) : "?",
                 h1.func);
    uint16_t mask = (uint16_t)~o->ignore_iin;
    if ((iin_a & mask) != (iin_b & mask)) {
        char ia[256], ib[256];
        dnp3kit_iin_format(iin_a & mask, ia, sizeof ia);
        dnp3kit_iin_format(iin_b & mask, ib, sizeof ib);
        diff_add(d, "IIN: recorded [%s], got [%s]", ia, ib);
    }
    if (bad_b && !bad_a)
        diff_add(d, "the live response does not validate");
    size_t n = na < nb ? na : nb;
    for (size_t i = 0; i < n; i++) {
        char ra[96], rb[96];
        fmt_range(&ha[i].oh, ra, sizeof ra);
        fmt_range(&hb[i].oh, rb, sizeof rb);
        bool same_type = ha[i].oh.group == hb[i].oh.group && ha[i].oh.variation == hb[i].oh.variation;
        if (!same_type || ha[i].oh.count != hb[i].oh.count || ha[i].oh.start != hb[i].oh.start ||
            ha[i].oh.stop != hb[i].oh.stop || ha[i].oh.prefix_code != hb[i].oh.prefix_code) {
            /* a time object whose count differs is still a time difference */
            diff_add(d, "object header %zu: recorded %s, got %s", i + 1, ra, rb);
            if (!same_type)
                continue;
        }
        compare_points(&ha[i], &hb[i], o, d);
    }
    for (size_t i = n; i < na; i++) {
        char ra[96];
        fmt_range(&ha[i].oh, ra, sizeof ra);
        diff_add(d, "object header %zu missing: recorded %s", i + 1, ra);
    }
    for (size_t i = n; i < nb; i++) {
        char rb[96];
        fmt_range(&hb[i].oh, rb, sizeof rb);
        diff_add(d, "object header %zu extra: got %s", i + 1, rb);
    }
    free(ha);
    free(hb);
}

/* ------------------------------------------------------------------------ */
/* master role                                                              */
/* ------------------------------------------------------------------------ */

static void print_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void describe_request(const uint8_t *frag, size_t len, char *buf, size_t cap)
{
    dnp3kit_app_header h;
    if (dnp3kit_app_header_decode(frag, len, &h, NULL) != 0) {
        snprintf(buf, cap, "(%zu octets, undecodable)", len);
        return;
    }
    const char *fn = dnp3kit_app_func_name(h.func);
    size_t w = (size_t)snprintf(buf, cap, "%s", fn ? fn : "RESERVED");
    dnp3kit_object_iter it;
    dnp3kit_object_iter_init(&it, frag, len, &h);
    dnp3kit_object_header oh;
    int k = 0;
    while (w < cap && dnp3kit_object_iter_next(&it, &oh, NULL) == 1 && k++ < 6) {
        char r[96];
        fmt_range(&oh, r, sizeof r);
        w += (size_t)snprintf(buf + w, cap - w, " %s", r);
    }
}

/* Who is the master of a flow: the side that sent master fragments. */
typedef struct flow_info {
    bool known;
    bool master_is_a;
    uint16_t master, outstation;
    size_t nreq;
} flow_info;

typedef struct rstats {
    size_t exchanges, same, different, unsolicited, connections, errors;
    size_t answered; /* exchanges that got a live answer */
} rstats;

static int raw_replay(const rp_capture *c, const ropts *o, uint32_t flow)
{
    char err[256];
    int fd = rp_tcp_connect(o->target, o->timeout_ms, err, sizeof err);
    if (fd < 0) {
        fprintf(stderr, "dnp3-pcap replay: %s\n", err);
        return RP_EXIT_ERROR;
    }
    rp_conn *conn = malloc(sizeof *conn);
    if (!conn) {
        close(fd);
        return RP_EXIT_ERROR;
    }
    /* the reproducer's addresses: the first frame's header */
    uint16_t ms = 1, os = 10;
    for (size_t i = 0; i < c->nchunks; i++) {
        const rp_chunk *k = &c->chunks[i];
        if (k->len >= 8 && k->data[0] == 0x05 && k->data[1] == 0x64 && k->from_a) {
            os = (uint16_t)(k->data[4] | k->data[5] << 8);
            ms = (uint16_t)(k->data[6] | k->data[7] << 8);
            break;
        }
    }
    if (o->map) {
        ms = o->map_master;
        os = o->map_outstation;
    }
    rp_conn_init(conn, fd, true, ms, os);
    size_t sent = 0, octets = 0;
    bool died = false;
    uint64_t t0 = 0;
    uint64_t start = rp_now_ms();
    for (size_t i = 0; i < c->nchunks && !died; i++) {
        const rp_chunk *k = &c->chunks[i];
        if (!k->from_a || (flow && k->flow != flow))
            continue;
        if (o->pace_recorded) {
            if (!t0)
                t0 = k->ts_us;
            uint64_t due = start + (k->ts_us - t0) / 1000;
            while (rp_now_ms() < due)
                usleep(1000);
        }
        if (rp_send_raw(conn, k->data, k->len) != 0)
            died = true;
        sent++;
        octets += k->len;
        /* drain what the target says meanwhile */
        const uint8_t *f;
        size_t n;
        while (!died) {
            int r = rp_recv_fragment(conn, rp_now_ms() + 20, &f, &n);
            if (r < 0)
                died = true;
            if (r <= 0)
                break;
        }
    }
    /* probe with an application READ whose SEQ no recorded request uses, so
     * that no late answer to the replayed octets can pass for the probe's */
    uint16_t avoid = 0;
    for (size_t i = 0; i < c->nchunks; i++)
        if (c->chunks[i].from_a && (!flow || c->chunks[i].flow == flow))
            avoid |= rp_seqs_in(c->chunks[i].data, c->chunks[i].len);
    int alive = died ? -1 : rp_probe_read(conn, avoid, o->timeout_ms);
    if (alive == 1) {
        /* a crash may take a moment to close the socket: probe once more */
        usleep(100000);
        alive = rp_probe_read(conn, avoid, o->timeout_ms);
    }
    rp_conn_close(conn);
    free(conn);
    const char *verdict = alive == 1 ? "survived" : alive == 0 ? "went silent" : "closed the connection (crashed?)";
    if (o->json)
        printf("{\"mode\":\"raw\",\"chunks\":%zu,\"octets\":%zu,\"target_alive\":%s,\"verdict\":\"%s\"}\n", sent,
               octets, alive == 1 ? "true" : "false", verdict);
    else
        printf("raw replay: %zu chunks, %zu octets sent to %s; the target %s\n", sent, octets, o->target, verdict);
    return alive == 1 ? RP_EXIT_SAME : RP_EXIT_DIFFERENT;
}

/* Receive one solicited response (all fragments) for seq; confirms what asks for it.
 * Returns 0 ok (maybe empty on timeout), -1 connection lost. */
static int await_response(rp_conn *conn, uint8_t seq, uint64_t deadline, resp *out, rstats *st, bool verbose)
{
    bool started = false;
    uint8_t next = seq;
    for (;;) {
        const uint8_t *f;
        size_t n;
        int r = rp_recv_fragment(conn, deadline, &f, &n);
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        if (r == 2)
            continue;
        dnp3kit_app_header h;
        if (dnp3kit_app_header_decode(f, n, &h, NULL) != 0)
            continue;
        if (h.con) {
            uint8_t cbuf[4];
            int cl = dnp3kit_build_confirm(cbuf, sizeof cbuf, h.seq, h.uns);
            if (cl > 0)
                rp_send_fragment(conn, cbuf, (size_t)cl);
        }
        if (h.func == DNP3KIT_FC_UNSOLICITED_RESPONSE) {
            st->unsolicited++;
            if (verbose)
                fprintf(stderr, "  (unsolicited response seq=%u confirmed)\n", h.seq);
            continue;
        }
        if (h.func != DNP3KIT_FC_RESPONSE)
            continue;
        if (!started) {
            if (!h.fir || h.seq != seq)
                continue; /* stale answer to an earlier request */
            started = true;
        } else if (h.seq != next) {
            continue;
        }
        resp_add(out, f, n);
        next = (uint8_t)((h.seq + 1) & 0x0F);
        if (h.fin)
            return 0;
        deadline = rp_now_ms() + 5000; /* the next fragment follows our confirm */
    }
}

static int master_role(const rp_capture *c, const ropts *o)
{
    /* flows and their associations */
    uint32_t nf = c->nflows;
    flow_info *fi = calloc(nf + 1, sizeof *fi);
    if (!fi)
        return RP_EXIT_ERROR;
    bool multi = false;
    uint16_t am = 0, ao = 0;
    bool have_assoc = false;
    size_t total_req = 0;
    for (size_t i = 0; i < c->nmsgs; i++) {
        const rp_msg *m = &c->msgs[i];
        if (m->flow > nf || (o->flow && m->flow != o->flow))
            continue;
        flow_info *f = &fi[m->flow];
        uint16_t ms = m->from_master ? m->src : m->dst, os = m->from_master ? m->dst : m->src;
        if (!f->known) {
            f->known = true;
            f->master_is_a = m->from_master ? m->from_a : !m->from_a;
            f->master = ms;
            f->outstation = os;
        }
        if (!have_assoc) {
            have_assoc = true;
            am = ms;
            ao = os;
        } else if (am != ms || ao != os) {
            multi = true;
        }
        if (m->from_master) {
            dnp3kit_app_header h;
            if (dnp3kit_app_header_decode(m->data, m->len, &h, NULL) == 0 && h.func != DNP3KIT_FC_CONFIRM) {
                f->nreq++;
                total_req++;
            }
        }
    }
    int rc = RP_EXIT_SAME;
    if (multi) {
        fprintf(stderr, "dnp3-pcap replay: the capture holds several associations; choose one with --flow N\n");
        free(fi);
        return RP_EXIT_ERROR;
    }
    if (total_req == 0) {
        fprintf(stderr, "dnp3-pcap replay: no DNP3 master requests %s\n",
                o->flow ? "in that flow" : "in the capture");
        free(fi);
        return RP_EXIT_ERROR;
    }
    uint16_t lm = o->map ? o->map_master : am, lo = o->map ? o->map_outstation : ao;
    rstats st = {0};
    rp_conn *conn = malloc(sizeof *conn);
    if (!conn) {
        free(fi);
        return RP_EXIT_ERROR;
    }
    conn->fd = -1;
    uint8_t app_seq = 0;
    if (o->json)
        printf("{\"target\":\"%s\",\"association\":{\"master\":%u,\"outstation\":%u},\"exchanges\":[", o->target, lm, lo);
    bool first_json = true;
    char err[256];
    uint64_t t_first = 0, wall0 = rp_now_ms();
    for (uint32_t flow = 1; flow <= nf && rc != RP_EXIT_ERROR; flow++) {
        if (!fi[flow].known || fi[flow].nreq == 0)
            continue;
        int fd = rp_tcp_connect(o->target, o->timeout_ms, err, sizeof err);
        if (fd < 0) {
            fprintf(stderr, "dnp3-pcap replay: %s\n", err);
            rc = RP_EXIT_ERROR;
            break;
        }
        rp_conn_init(conn, fd, true, lm, lo);
        st.connections++;
        /* this flow's messages in order */
        for (size_t i = 0; i < c->nmsgs; i++) {
            const rp_msg *m = &c->msgs[i];
            if (m->flow != flow || !m->from_master)
                continue;
            dnp3kit_app_header h;
            if (dnp3kit_app_header_decode(m->data, m->len, &h, NULL) != 0 || h.func == DNP3KIT_FC_CONFIRM)
                continue;
            /* recorded answer: the RESPONSE fragments after it, up to FIN or the next request */
            resp rec = {0}, live = {0};
            recorded_answer(c, i, &rec);
            if (o->pace_recorded) {
                if (!t_first)
                    t_first = m->ts_us;
                uint64_t due = wall0 + (m->ts_us - t_first) / 1000;
                while (rp_now_ms() < due)
                    usleep(1000);
            }
            /* renumber: our own application sequence */
            uint8_t *req = malloc(m->len);
            if (!req) {
                rc = RP_EXIT_ERROR;
                resp_free(&rec);
                break;
            }
            memcpy(req, m->data, m->len);
            req[0] = (uint8_t)((req[0] & 0xF0) | app_seq);
            uint8_t seq = app_seq;
            app_seq = (uint8_t)((app_seq + 1) & 0x0F);
            int lost = rp_send_fragment(conn, req, m->len);
            bool no_answer = h.func == DNP3KIT_FC_DIRECT_OPERATE_NR || h.func == DNP3KIT_FC_IMMED_FREEZE_NR ||
                             h.func == DNP3KIT_FC_FREEZE_CLEAR_NR || h.func == DNP3KIT_FC_FREEZE_AT_TIME_NR ||
                             h.func == DNP3KIT_FC_AUTH_REQ_NO_ACK;
            if (!lost && !(no_answer && rec.n == 0)) {
                uint64_t dl = rp_now_ms() + (uint64_t)(rec.n ? o->timeout_ms : o->timeout_ms / 10);
                lost = await_response(conn, seq, dl, &live, &st, o->verbose);
            }
            char what[256];
            describe_request(m->data, m->len, what, sizeof what);
            diffs d = {0};
            if (lost) {
                diff_add(&d, "the target closed the connection");
                st.errors++;
                rc = RP_EXIT_ERROR;
            } else {
                compare_responses(&rec, &live, o, &d);
            }
            st.exchanges++;
            if (live.n)
                st.answered++;
            if (!lost && rec.n && !live.n && !st.answered && rp_probe(conn, o->timeout_ms) != 1) {
                /* Not one answer on this association, not even LINK_STATUS: the
                 * target is not at these link addresses (or not DNP3). Comparing
                 * the remaining exchanges would only time out one by one. */
                if (conn->foreign)
                    fprintf(stderr,
                            "dnp3-pcap replay: %s answered nothing to master %u -> outstation %u (no response, no link "
                            "status) but sent frames from outstation %u to master %u: replay with --map-addresses "
                            "%u:%u\n",
                            o->target, lm, lo, conn->foreign_src, conn->foreign_dst, conn->foreign_dst,
                            conn->foreign_src);
                else
                    fprintf(stderr,
                            "dnp3-pcap replay: %s answered nothing to master %u -> outstation %u (no response, no link "
                            "status): if the outstation uses other link addresses, replay with --map-addresses "
                            "MASTER:OUTSTATION\n",
                            o->target, lm, lo);
                st.errors++;
                rc = RP_EXIT_ERROR;
                diff_add(&d, "no answer at link addresses %u -> %u (see --map-addresses)", lm, lo);
            }
            if (d.n) {
                st.different++;
                if (rc == RP_EXIT_SAME)
                    rc = RP_EXIT_DIFFERENT;
            } else {
                st.same++;
            }
            if (o->json) {
                printf("%s{\"n\":%zu,\"flow\":%u,\"frame\":%" PRIu64 ",\"request\":", first_json ? "" : ",",
                       st.exchanges, flow, m->frame);
                print_json_str(stdout, what);
                printf(",\"recorded_fragments\":%zu,\"live_fragments\":%zu,\"equivalent\":%s,\"differences\":[",
                       rec.n, live.n, d.n ? "false" : "true");
                for (size_t k = 0; k < d.n; k++) {
                    if (k)
                        putchar(',');
                    print_json_str(stdout, d.lines[k]);
                }
                printf("]}");
                first_json = false;
            } else if (!o->quiet && (d.n || o->verbose)) {
                printf("exchange %zu (flow %u, frame %" PRIu64 "): %s -> %s\n", st.exchanges, flow, m->frame, what,
                       d.n ? "DIFFERENT" : "same");
                for (size_t k = 0; k < d.n; k++)
                    printf("    %s\n", d.lines[k]);
            }
            diffs_free(&d);
            resp_free(&rec);
            resp_free(&live);
            free(req);
            if (rc == RP_EXIT_ERROR) {
                if (lost)
                    fprintf(stderr, "dnp3-pcap replay: %s closed the connection during exchange %zu (%s)\n",
                            o->target, st.exchanges, what);
                break;
            }
        }
        /* take in any last unsolicited response before closing */
        rp_conn_close(conn);
    }
    if (o->json) {
        printf("],\"summary\":{\"exchanges\":%zu,\"equivalent\":%zu,\"different\":%zu,\"unsolicited\":%zu,"
               "\"connections\":%zu,\"error\":%s,\"result\":\"%s\"}}\n",
               st.exchanges, st.same, st.different, st.unsolicited, st.connections, rc == RP_EXIT_ERROR ? "true" : "false",
               rc == RP_EXIT_SAME ? "equivalent" : rc == RP_EXIT_DIFFERENT ? "different" : "error");
    } else {
        printf("replay: %zu exchanges over %zu connections to %s: %zu equivalent, %zu different; "
               "%zu unsolicited responses confirmed -> %s\n",
               st.exchanges, st.connections, o->target, st.same, st.different, st.unsolicited,
               rc == RP_EXIT_SAME ? "EQUIVALENT" : rc == RP_EXIT_DIFFERENT ? "DIFFERENT" : "ERROR");
    }
    free(conn);
    free(fi);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* outstation role                                                          */
/* ------------------------------------------------------------------------ */

typedef struct pair {
    const rp_msg *req;
    resp rsp;               /* recorded fragments (copied) */
    uint8_t key[512];       /* function + object header octets (without object data) */
    size_t key_len;
    uint64_t used;
} pair;

/* Function code and the octets of each object header (group..range field), data excluded. */
static size_t request_key(const uint8_t *frag, size_t len, uint8_t *key, size_t cap, uint8_t *func)
{
    dnp3kit_app_header h;
    if (dnp3kit_app_header_decode(frag, len, &h, NULL) != 0)
        return 0;
    *func = h.func;
    size_t k = 0;
    key[k++] = h.func;
    dnp3kit_object_iter it;
    dnp3kit_object_iter_init(&it, frag, len, &h);
    dnp3kit_object_header oh;
    while (dnp3kit_object_iter_next(&it, &oh, NULL) == 1) {
        if (k + oh.header_len > cap)
            break;
        memcpy(key + k, frag + oh.offset, oh.header_len);
        k += oh.header_len;
    }
    return k;
}

static void log_request(const char *prefix, const uint8_t *frag, size_t len)
{
    char what[256];
    describe_request(frag, len, what, sizeof what);
    fprintf(stderr, "dnp3-pcap replay: %s: %s\n", prefix, what);
}

static int serve_conn(rp_conn *conn, pair *pairs, size_t np, const ropts *o, uint64_t *nreq)
{
    uint8_t out[4096];
    while (!stop_flag) {
        const uint8_t *f;
        size_t n;
        int r = rp_recv_fragment(conn, rp_now_ms() + 200, &f, &n);
        if (r < 0)
            return 0;
        if (r != 1)
            continue;
        uint8_t func = 0;
        uint8_t key[512];
        size_t kl = request_key(f, n, key, sizeof key, &func);
        if (!kl || func == DNP3KIT_FC_CONFIRM)
            continue;
        (*nreq)++;
        uint8_t seq = f[0] & 0x0F;
        pair *best = NULL;
        bool func_known = false;
        for (size_t i = 0; i < np; i++) {
            if (pairs[i].key[0] == func)
                func_known = true;
            if (pairs[i].key_len == kl && !memcmp(pairs[i].key, key, kl) &&
                (!best || pairs[i].used < best->used))
                best = &pairs[i];
        }
        bool nr = func == DNP3KIT_FC_DIRECT_OPERATE_NR || func == DNP3KIT_FC_IMMED_FREEZE_NR ||
                  func == DNP3KIT_FC_FREEZE_CLEAR_NR || func == DNP3KIT_FC_FREEZE_AT_TIME_NR;
        if (!best) {
            log_request(func_known ? "no recorded answer (OBJECT_UNKNOWN)" : "no recorded answer (NO_FUNC_CODE_SUPPORT)",
                        f, n);
            if (nr)
                continue;
            int l = dnp3kit_build_null_response(out, sizeof out, dnp3kit_app_ctrl(true, true, false, false, seq),
                                                DNP3KIT_FC_RESPONSE,
                                                func_known ? DNP3KIT_IIN_OBJECT_UNKNOWN : DNP3KIT_IIN_NO_FUNC_CODE_SUPPORT);
            if (l > 0 && rp_send_fragment(conn, out, (size_t)l) != 0)
                return 0;
            continue;
        }
        best->used++;
        if (o->verbose)
            log_request("answering", f, n);
        for (size_t k = 0; k < best->rsp.n; k++) {
            size_t l = best->rsp.lens[k];
            if (l > sizeof out)
                continue;
            memcpy(out, best->rsp.frags[k], l);
            out[0] = (uint8_t)((out[0] & 0xF0) | ((seq + k) & 0x0F));
            if (rp_send_fragment(conn, out, l) != 0)
                return 0;
            if ((out[0] & DNP3KIT_AC_CON) && k + 1 < best->rsp.n) {
                /* the next fragment follows the master's confirm (clause 4.4.8) */
                uint64_t dl = rp_now_ms() + 5000;
                for (;;) {
                    int rr = rp_recv_fragment(conn, dl, &f, &n);
                    if (rr < 0)
                        return 0;
                    if (rr == 0 || (rr == 1 && n >= 2 && f[1] == DNP3KIT_FC_CONFIRM))
                        break;
                }
            }
        }
        if (o->max_requests && *nreq >= o->max_requests)
            return 1;
    }
    return 1;
}

static int outstation_role(const rp_capture *c, const ropts *o)
{
    size_t nreq = 0;
    for (size_t i = 0; i < c->nmsgs; i++)
        if (c->msgs[i].from_master)
            nreq++;
    pair *pairs = calloc(nreq ? nreq : 1, sizeof *pairs);
    if (!pairs)
        return RP_EXIT_ERROR;
    size_t np = 0;
    uint16_t am = 1, ao = 10;
    bool have = false;
    for (size_t i = 0; i < c->nmsgs; i++) {
        const rp_msg *m = &c->msgs[i];
        if (!m->from_master)
            continue;
        uint8_t func;
        pair *p = &pairs[np];
        p->key_len = request_key(m->data, m->len, p->key, sizeof p->key, &func);
        if (!p->key_len || func == DNP3KIT_FC_CONFIRM)
            continue;
        if (!have) {
            have = true;
            am = m->src;
            ao = m->dst;
        }
        p->req = m;
        recorded_answer(c, i, &p->rsp);
        if (p->rsp.n)
            np++;
        else
            resp_free(&p->rsp);
    }
    if (np == 0) {
        fprintf(stderr, "dnp3-pcap replay: no recorded request/response pairs in the capture\n");
        free(pairs);
        return RP_EXIT_ERROR;
    }
    if (o->map) {
        am = o->map_master;
        ao = o->map_outstation;
    }
    char err[256];
    char *end;
    unsigned long port = strtoul(o->listen_port, &end, 10);
    if (*end || port > 65535) {
        fprintf(stderr, "dnp3-pcap replay: --listen takes a port number\n");
        free(pairs);
        return RP_EXIT_ERROR;
    }
    uint16_t bound;
    int lfd = rp_tcp_listen(o->bind, (uint16_t)port, &bound, err, sizeof err);
    if (lfd < 0) {
        fprintf(stderr, "dnp3-pcap replay: %s\n", err);
        for (size_t i = 0; i < np; i++)
            resp_free(&pairs[i].rsp);
        free(pairs);
        return RP_EXIT_ERROR;
    }
    fprintf(stderr, "dnp3-pcap replay: listening on %s:%u, outstation %u, master %u, %zu recorded exchanges\n",
            o->bind ? o->bind : "127.0.0.1", bound, ao, am, np);
    struct sigaction sa = {.sa_handler = on_sig};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rp_conn *conn = malloc(sizeof *conn);
    uint64_t served = 0;
    uint64_t idle_since = rp_now_ms();
    while (conn && !stop_flag) {
        struct pollfd pf = {lfd, POLLIN, 0};
        int pr = poll(&pf, 1, 200);
        if (pr <= 0) {
            if (o->idle_s && rp_now_ms() - idle_since > (uint64_t)o->idle_s * 1000)
                break;
            continue;
        }
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        rp_conn_init(conn, fd, false, ao, am);
        int more = serve_conn(conn, pairs, np, o, &served);
        rp_conn_close(conn);
        idle_since = rp_now_ms();
        if (more && o->max_requests && served >= o->max_requests)
            break;
    }
    close(lfd);
    free(conn);
    fprintf(stderr, "dnp3-pcap replay: served %" PRIu64 " requests\n", served);
    for (size_t i = 0; i < np; i++)
        resp_free(&pairs[i].rsp);
    free(pairs);
    return RP_EXIT_SAME;
}

/* ------------------------------------------------------------------------ */
/* entry                                                                    */
/* ------------------------------------------------------------------------ */

int rp_main(int argc, char **argv)
{
    ropts o;
    memset(&o, 0, sizeof o);
    dpc_options_default(&o.cap);
    o.timeout_ms = 3000;
    o.raw = -1;
    const char *role = NULL;
    bool ports_set = false;
    enum { O_ROLE = 256, O_TARGET, O_LISTEN, O_FLOW, O_MAP, O_IGNV, O_IGNT, O_IGNI, O_TOL, O_JSON, O_PACE,
           O_TIMEOUT, O_RAW, O_BIND, O_MAXREQ, O_IDLE };
    static const struct option lo[] = {
        {"role", required_argument, NULL, O_ROLE},
        {"target", required_argument, NULL, O_TARGET},
        {"listen", required_argument, NULL, O_LISTEN},
        {"bind", required_argument, NULL, O_BIND},
        {"flow", required_argument, NULL, O_FLOW},
        {"map-addresses", required_argument, NULL, O_MAP},
        {"ignore-values", no_argument, NULL, O_IGNV},
        {"ignore-time", no_argument, NULL, O_IGNT},
        {"ignore-iin", required_argument, NULL, O_IGNI},
        {"tolerance", required_argument, NULL, O_TOL},
        {"json", no_argument, NULL, O_JSON},
        {"pace", required_argument, NULL, O_PACE},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"raw", no_argument, NULL, O_RAW},
        {"max-requests", required_argument, NULL, O_MAXREQ},
        {"idle", required_argument, NULL, O_IDLE},
        {"port", required_argument, NULL, 'p'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    int ch;
    char *end;
    while ((ch = getopt_long(argc, argv, "p:vqh", lo, NULL)) != -1) {
        switch (ch) {
        case O_ROLE: role = optarg; break;
        case O_TARGET: o.target = optarg; break;
        case O_LISTEN: o.listen_port = optarg; break;
        case O_BIND: o.bind = optarg; break;
        case O_FLOW:
            o.flow = (uint32_t)strtoul(optarg, &end, 10);
            if (*end || !o.flow) {
                fprintf(stderr, "dnp3-pcap replay: --flow takes a flow number (1, 2, ...)\n");
                return RP_EXIT_ERROR;
            }
            break;
        case O_MAP: {
            unsigned a, b;
            if (sscanf(optarg, "%u:%u", &a, &b) != 2 || a > 65535 || b > 65535) {
                fprintf(stderr, "dnp3-pcap replay: --map-addresses takes MASTER:OUTSTATION\n");
                return RP_EXIT_ERROR;
            }
            o.map = true;
            o.map_master = (uint16_t)a;
            o.map_outstation = (uint16_t)b;
            break;
        }
        case O_IGNV: o.ignore_values = true; break;
        case O_IGNT: o.ignore_time = true; break;
        case O_IGNI:
            if (parse_iin_bits(optarg, &o.ignore_iin) != 0) {
                fprintf(stderr, "dnp3-pcap replay: --ignore-iin: unknown IIN bit in '%s'\n", optarg);
                return RP_EXIT_ERROR;
            }
            break;
        case O_TOL:
            o.tolerance = strtod(optarg, &end);
            if (*end || !(o.tolerance >= 0)) {
                fprintf(stderr, "dnp3-pcap replay: --tolerance takes a non-negative number\n");
                return RP_EXIT_ERROR;
            }
            break;
        case O_JSON: o.json = true; break;
        case O_PACE:
            if (!strcmp(optarg, "recorded")) o.pace_recorded = true;
            else if (!strcmp(optarg, "fast")) o.pace_recorded = false;
            else {
                fprintf(stderr, "dnp3-pcap replay: --pace takes recorded or fast\n");
                return RP_EXIT_ERROR;
            }
            break;
        case O_TIMEOUT:
            o.timeout_ms = (int)strtol(optarg, &end, 10);
            if (*end || o.timeout_ms < 10 || o.timeout_ms > 600000) {
                fprintf(stderr, "dnp3-pcap replay: --timeout takes 10 to 600000 ms\n");
                return RP_EXIT_ERROR;
            }
            break;
        case O_RAW: o.raw = 1; break;
        case O_MAXREQ: o.max_requests = strtoull(optarg, NULL, 10); break;
        case O_IDLE: o.idle_s = atoi(optarg); break;
        case 'p': {
            if (!ports_set) {
                o.cap.nports = 0;
                ports_set = true;
            }
            char buf[256];
            snprintf(buf, sizeof buf, "%s", optarg);
            for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
                unsigned long v = strtoul(tok, &end, 10);
                if (*end || !v || v > 65535 || o.cap.nports >= DPC_MAX_PORTS) {
                    fprintf(stderr, "dnp3-pcap replay: bad port '%s'\n", tok);
                    return RP_EXIT_ERROR;
                }
                o.cap.ports[o.cap.nports++] = (uint16_t)v;
            }
            break;
        }
        case 'v': o.verbose = true; break;
        case 'q': o.quiet = true; break;
        case 'h': rp_usage(stdout); return RP_EXIT_SAME;
        default: rp_usage(stderr); return RP_EXIT_ERROR;
        }
    }
    if (!role || (strcmp(role, "master") && strcmp(role, "outstation"))) {
        fprintf(stderr, "dnp3-pcap replay: --role master or --role outstation is required\n");
        return RP_EXIT_ERROR;
    }
    o.role_outstation = !strcmp(role, "outstation");
    if (!o.role_outstation && !o.target) {
        fprintf(stderr, "dnp3-pcap replay: --role master needs --target HOST:PORT\n");
        return RP_EXIT_ERROR;
    }
    if (o.role_outstation && !o.listen_port) {
        fprintf(stderr, "dnp3-pcap replay: --role outstation needs --listen PORT\n");
        return RP_EXIT_ERROR;
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "dnp3-pcap replay: exactly one capture file expected\n");
        return RP_EXIT_ERROR;
    }
    signal(SIGPIPE, SIG_IGN);
    rp_capture c;
    char err[512];
    if (rp_capture_load(argv[optind], &o.cap, &c, err, sizeof err) != 0) {
        fprintf(stderr, "dnp3-pcap replay: %s\n", err);
        return RP_EXIT_ERROR;
    }
    int rc;
    bool any_master_bytes = false;
    for (size_t i = 0; i < c.nchunks; i++)
        any_master_bytes |= c.chunks[i].from_a;
    if (c.nmsgs == 0 && !(o.raw == 1 && any_master_bytes)) {
        fprintf(stderr, "dnp3-pcap replay: no DNP3 application fragments in %s (ports:", argv[optind]);
        for (size_t i = 0; i < o.cap.nports; i++)
            fprintf(stderr, " %u", o.cap.ports[i]);
        fprintf(stderr, ")\n");
        rc = RP_EXIT_ERROR;
    } else if (o.role_outstation) {
        rc = outstation_role(&c, &o);
    } else if (o.raw == 1 || (o.raw == -1 && (c.link_defects || c.bad_fragments))) {
        if (o.raw == -1 && !o.quiet)
            fprintf(stderr, "dnp3-pcap replay: the capture holds malformed DNP3 (%" PRIu64 " link/transport defects, "
                            "%" PRIu64 " invalid fragments): sending it verbatim (--raw)\n",
                    c.link_defects, c.bad_fragments);
        rc = raw_replay(&c, &o, o.flow);
    } else {
        rc = master_role(&c, &o);
    }
    rp_capture_free(&c);
    return rc;
}
