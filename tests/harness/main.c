/*
 * dnp3-outstation: the simulator's socket loop around the sans-I/O
 * outstation (outstation.h). One thread, poll(), non-blocking sockets; one
 * process can serve many outstations (several ports, several link addresses
 * per port). See docs/dnp3-outstation.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "accept_guard.h"
#include "channel.h"
#include "channel_tls.h"
#include "outstation.h"
#include "serial.h"

#define CONN_OUT_MAX (1u << 20)

typedef struct conn {
    int fd;
    unsigned port;          /* index into ports */
    dnp3kit_link_parser lp;
    uint8_t *out;
    size_t out_len, out_cap;
    bool close_after_flush;
    bool accepted;          /* a TCP connection from the listener (idle timeout, eviction) */
    uint64_t last_rx;       /* ms of the last octet received (or of the accept) */
    bool streaming;         /* --fault endless-octets: garbage from now on */
    uint64_t next_octet;    /* --fault slow-octets: not before this (ms) */
    master_tls *tls;        /* --tls: the connection's TLS (the master library's, channel_tls.h) */
    bool handshaking, hs_read;
    char peer[96];          /* for the log */
} conn;

typedef struct port {
    uint16_t number;
    int tcp_fd, udp_fd;
    size_t first;           /* first outstation of this port */
    /* UDP: a frame may be split across datagrams, so the parser lives on
     * between datagrams of the same sender (reset when the sender changes). */
    dnp3kit_link_parser udp_lp;
    struct sockaddr_storage udp_from;
} port;

typedef struct binding {
    int conn;               /* connection index, -1 none, -2 UDP peer */
    struct sockaddr_storage peer;
} binding;

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- options ---- */

typedef struct opts {
    const char *bind;
    uint16_t port_lo, port_hi;
    uint32_t count;
    bool udp, print, pty;
    const char *serial;     /* --serial DEVICE[:BAUD[,8N1]] */
    const char *dial;       /* --connect HOST:PORT: dial out to a listening master */
    uint32_t change_every;
    uint32_t max_conns;
    uint32_t idle_timeout_s; /* 0: none */
    dnp3kit_os_config cfg;
    dnp3kit_tls_config tls; /* --tls ...: TLS server, or TLS client with --connect */
    bool port_given;
    struct { uint8_t t; uint32_t index; double value; } init[256];
    unsigned ninit;
} opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: dnp3-outstation [--bind ADDR] [--port P | --ports P1-P2] [--address N] [--master N]\n"
            "                       [--count N] [--config FILE] [--udp] [--unsolicited] [--change-every MS]\n"
            "                       [--binary-inputs N] [--double-bits N] [--binary-outputs N] [--counters N]\n"
            "                       [--frozen-counters N] [--analog-inputs N] [--analog-outputs N]\n"
            "                       [--set TYPE.INDEX=VALUE] [--class TYPE=C] [--event-buffer N]\n"
            "                       [--max-fragment N] [--select-timeout MS] [--confirm-timeout MS]\n"
            "                       [--fault KIND[:ARG][,every=N|,p=P]] [--seed N] [--no-need-time]\n"
            "                       [--max-connections N] [--idle-timeout S] [--print] [--version]\n"
            "                       [--octet-strings N] [--uints N]\n"
            "                       [--any-address] [--files DIR [--file-auth USER:PASS] [--files-bad-names]]\n"
            "                       [--serial DEVICE[:BAUD[,8N1]] | --pty]  (a serial line instead of TCP;\n"
            "                       --pty creates a pseudo-terminal and prints its path)\n"
            "                       (link layer, IEEE 1815 clause 9: RESET_LINK_STATES and CONFIRMED_USER_DATA\n"
            "                       are acknowledged; a repeat with the last frame's FCB is acknowledged and\n"
            "                       not processed again; --fault drop-link-ack:N drops the Nth ACK)\n"
            "                       [--connect HOST:PORT]  (dial out to a listening master, redialling\n"
            "                       with back-off; each address announces itself with REQUEST_LINK_STATUS)\n"
            "--max-connections N: TCP connections held at once (default 4096); a new one beyond them\n"
            "closes the longest-idle one, as does running out of file descriptors, so idle connections\n"
            "never lock a master out. --idle-timeout S: close a connection that sent nothing for S\n"
            "seconds (default 300, 0 = never).\n"
            "                       [--tls --tls-cert FILE --tls-key FILE [--tls-ca FILE]]  TLS server (default\n"
            "                       port 19999); --tls-ca: require a client certificate from that CA. With\n"
            "                       --connect: TLS client, --tls-ca verifies the master's certificate, --tls-name\n"
            "                       NAME the name it must carry (default the host), --tls-cert/--tls-key our own.\n"
            "                       [--tls-key-password-file FILE] [--tls-min-version 1.2|1.3]\n"
            "                       [--tls-max-version 1.2|1.3] [--tls-ciphers LIST] [--tls-ciphersuites LIST]\n"
            "Runs until SIGINT/SIGTERM (exit 0). See docs/dnp3-outstation.md.\n");
}

static int parse_u(const char *s, unsigned long max, unsigned long *v)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return -1;
    *v = strtoul(s, &end, 0);
    return (*end || errno || *v > max) ? -1 : 0;
}

/* One setting (flag name without "--", and its value; NULL for switches).
 * Returns 0, or -1 with a message on stderr. */
static int apply(opts *o, const char *key, const char *val, bool *used_val);

static int load_config(opts *o, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "dnp3-outstation: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[512];
    unsigned lineno = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        size_t n = strlen(s);
        while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
            s[--n] = 0;
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        char *key = s, *val = NULL;
        if (eq) {
            *eq = 0;
            val = eq + 1;
            while (*val == ' ' || *val == '\t')
                val++;
            char *k = eq;
            while (k > key && (k[-1] == ' ' || k[-1] == '\t'))
                *--k = 0;
        }
        bool used = false;
        /* "bi.3 = 1" is shorthand for "set = bi.3=1" */
        char setbuf[512];
        if (strchr(key, '.') && val) {
            int w = snprintf(setbuf, sizeof setbuf, "%s=%s", key, val);
            if (w < 0 || (size_t)w >= sizeof setbuf || apply(o, "set", setbuf, &used) != 0) {
                rc = -1;
                fprintf(stderr, "dnp3-outstation: %s:%u: bad line\n", path, lineno);
            }
            continue;
        }
        if (!strcmp(key, "config") || apply(o, key, val, &used) != 0 || (val && !used)) {
            fprintf(stderr, "dnp3-outstation: %s:%u: bad setting '%s'\n", path, lineno, key);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

static int apply(opts *o, const char *key, const char *val, bool *used_val)
{
    static const struct { const char *flag; uint8_t t; } COUNTS[] = {
        {"binary-inputs", DNP3KIT_OS_BI}, {"double-bits", DNP3KIT_OS_DBI}, {"binary-outputs", DNP3KIT_OS_BO},
        {"counters", DNP3KIT_OS_CNT}, {"frozen-counters", DNP3KIT_OS_FCNT}, {"analog-inputs", DNP3KIT_OS_AI},
        {"analog-outputs", DNP3KIT_OS_AO},
    };
    unsigned long v;
    *used_val = false;
    /* switches */
    if (!strcmp(key, "udp")) { o->udp = true; return 0; }
    if (!strcmp(key, "print")) { o->print = true; return 0; }
    if (!strcmp(key, "pty")) { o->pty = true; return 0; }
    if (!strcmp(key, "any-address")) { o->cfg.any_address = true; return 0; }
    if (!strcmp(key, "files-bad-names")) { o->cfg.files_bad_names = true; return 0; }
    if (!strcmp(key, "unsolicited")) { o->cfg.unsolicited = true; return 0; }
    if (!strcmp(key, "no-need-time")) { o->cfg.need_time = false; return 0; }
    if (!strcmp(key, "tls")) { o->tls.enabled = true; return 0; }
    if (!val) {
        fprintf(stderr, "dnp3-outstation: --%s needs a value\n", key);
        return -1;
    }
    *used_val = true;
    char why[200];
    int tr = master_tls_option(&o->tls, key, val, why, sizeof why);
    if (tr < 0) {
        fprintf(stderr, "dnp3-outstation: %s\n", why);
        return -1;
    }
    if (tr > 0)
        return 0;
    for (size_t k = 0; k < sizeof COUNTS / sizeof COUNTS[0]; k++)
        if (!strcmp(key, COUNTS[k].flag)) {
            if (parse_u(val, 65536, &v))
                goto bad;
            o->cfg.count[COUNTS[k].t] = (uint32_t)v;
            return 0;
        }
    if (!strcmp(key, "files") || !strcmp(key, "file-auth")) {
        char *d = strdup(val);
        if (!d)
            goto bad;
        if (key[4] == 's')
            o->cfg.files_dir = d;
        else
            o->cfg.file_auth = d;
        return 0;
    }
    if (!strcmp(key, "bind")) {
        o->bind = strdup(val);
        return 0;
    }
    if (!strcmp(key, "serial")) {
        o->serial = strdup(val);
        return 0;
    }
    if (!strcmp(key, "connect")) {
        o->dial = strdup(val);
        return 0;
    }
    if (!strcmp(key, "port")) {
        if (parse_u(val, 65535, &v))
            goto bad;
        o->port_lo = o->port_hi = (uint16_t)v;
        o->port_given = true;
        return 0;
    }
    if (!strcmp(key, "ports")) {
        unsigned a, b;
        char extra;
        if (sscanf(val, "%u-%u%c", &a, &b, &extra) != 2 || a == 0 || a > b || b > 65535 || b - a >= 10000)
            goto bad;
        o->port_lo = (uint16_t)a;
        o->port_hi = (uint16_t)b;
        o->port_given = true;
        return 0;
    }
    if (!strcmp(key, "address") || !strcmp(key, "master")) {
        if (parse_u(val, DNP3KIT_ADDR_MAX_UNICAST, &v))
            goto bad;
        if (key[0] == 'a')
            o->cfg.address = (uint16_t)v;
        else
            o->cfg.master = (uint16_t)v;
        return 0;
    }
    if (!strcmp(key, "count")) {
        if (parse_u(val, 10000, &v) || v == 0)
            goto bad;
        o->count = (uint32_t)v;
        return 0;
    }
    struct { const char *name; uint32_t *p; unsigned long max; } U[] = {
        {"change-every", &o->change_every, 3600000}, {"event-buffer", &o->cfg.event_buffer, 1000000},
        {"max-fragment", &o->cfg.max_fragment, DNP3KIT_OS_MAX_REQUEST},
        {"select-timeout", &o->cfg.select_timeout_ms, 3600000},
        {"confirm-timeout", &o->cfg.confirm_timeout_ms, 3600000},
        {"unsolicited-retries", &o->cfg.unsol_retries, 1000},
        {"unsolicited-retry-delay", &o->cfg.unsol_retry_delay_ms, 3600000},
        {"restart-delay", &o->cfg.restart_delay_ms, 65535000}, {"max-controls", &o->cfg.max_controls, 256},
        {"max-connections", &o->max_conns, 100000}, {"idle-timeout", &o->idle_timeout_s, 86400},
        {"octet-strings", &o->cfg.octet_strings, 65536}, {"uints", &o->cfg.uints, 65536},
    };
    for (size_t k = 0; k < sizeof U / sizeof U[0]; k++)
        if (!strcmp(key, U[k].name)) {
            if (parse_u(val, U[k].max, &v))
                goto bad;
            *U[k].p = (uint32_t)v;
            return 0;
        }
    if (!strcmp(key, "seed")) {
        unsigned long long s;
        char *end;
        s = strtoull(val, &end, 0);
        if (*end)
            goto bad;
        o->cfg.seed = s;
        return 0;
    }
    if (!strcmp(key, "fault")) {
        if (o->cfg.nfaults >= DNP3KIT_OS_MAX_FAULTS ||
            dnp3kit_os_fault_parse(val, &o->cfg.faults[o->cfg.nfaults]) != 0)
            goto bad;
        o->cfg.nfaults++;
        return 0;
    }
    if (!strcmp(key, "class") || !strcmp(key, "event-variation") || !strcmp(key, "static-variation")) {
        /* TYPE=N */
        char name[32];
        const char *eq = strchr(val, '=');
        if (!eq || (size_t)(eq - val) >= sizeof name)
            goto bad;
        memcpy(name, val, (size_t)(eq - val));
        name[eq - val] = 0;
        int t = dnp3kit_os_type_by_name(name);
        if (t < 0 || parse_u(eq + 1, key[0] == 'c' ? 3 : 255, &v))
            goto bad;
        if (key[0] == 'c')
            o->cfg.event_class[t] = (uint8_t)v;
        else if (key[0] == 'e')
            o->cfg.event_variation[t] = (uint8_t)v;
        else
            o->cfg.static_variation[t] = (uint8_t)v;
        return 0;
    }
    if (!strcmp(key, "set")) {
        /* TYPE.INDEX=VALUE */
        char name[32];
        const char *dot = strchr(val, '.'), *eq = strchr(val, '=');
        if (!dot || !eq || dot > eq || (size_t)(dot - val) >= sizeof name || o->ninit >= 256)
            goto bad;
        memcpy(name, val, (size_t)(dot - val));
        name[dot - val] = 0;
        int t = dnp3kit_os_type_by_name(name);
        char idx[16];
        if (t < 0 || (size_t)(eq - dot - 1) >= sizeof idx)
            goto bad;
        memcpy(idx, dot + 1, (size_t)(eq - dot - 1));
        idx[eq - dot - 1] = 0;
        char *end;
        double d = strtod(eq + 1, &end);
        if (parse_u(idx, 65535, &v) || !eq[1] || *end)
            goto bad;
        o->init[o->ninit].t = (uint8_t)t;
        o->init[o->ninit].index = (uint32_t)v;
        o->init[o->ninit].value = d;
        o->ninit++;
        return 0;
    }
    fprintf(stderr, "dnp3-outstation: unknown option --%s\n", key);
    return -1;
bad:
    fprintf(stderr, "dnp3-outstation: bad value for --%s: '%s'\n", key, val);
    return -1;
}

/* ---- server ---- */

typedef struct server {
    opts o;
    port *ports;
    unsigned nports;
    dnp3kit_outstation *os;
    binding *bind;
    size_t nos;
    conn *conns;
    size_t nconns, cap_conns;
    dialer dl;              /* --connect */
    accept_guard guard;     /* accept() at the fd limit */
    unsigned long idle_closed; /* idle connections closed since the last report */
    uint64_t idle_logged;
    master_tls_ctx *tls;    /* --tls */
} server;

static server S;

static void log_frag(void *user, bool received, const uint8_t *frag, size_t len);

static void out_write(void *user, const char *s, size_t n)
{
    (void)user;
    fwrite(s, 1, n, stdout);
}

static void log_frag(void *user, bool received, const uint8_t *frag, size_t len)
{
    dnp3kit_outstation *os = user;
    printf("%s outstation %u %s\n", received ? "<-" : "->", os->cfg.address, received ? "request" : "response");
    dnp3kit_out out = {out_write, NULL};
    dnp3kit_render_opts ro = {"    ", 32};
    dnp3kit_render_fragment_text(frag, len, &ro, &out);
    fflush(stdout);
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static socklen_t peer_len(const struct sockaddr_storage *ss)
{
    return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static int open_socket(int type, const char *addr, uint16_t portno, uint16_t *actual)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    memset(&ss, 0, sizeof ss);
    if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons(portno);
    } else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(portno);
    } else {
        fprintf(stderr, "dnp3-outstation: bad bind address %s (numeric IPv4 or IPv6 expected)\n", addr);
        return -1;
    }
    int fd = socket(ss.ss_family, type, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, peer_len(&ss)) != 0 || (type == SOCK_STREAM && listen(fd, 1024) != 0)) {
        fprintf(stderr, "dnp3-outstation: cannot listen on %s:%u: %s\n", addr, portno, strerror(errno));
        close(fd);
        return -1;
    }
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *actual = ntohs(ss.ss_family == AF_INET6 ? s6->sin6_port : s4->sin_port);
    set_nonblock(fd);
    return fd;
}

static void conn_close(size_t ci)
{
    conn *c = &S.conns[ci];
    for (size_t i = 0; i < S.nos; i++)
        if (S.bind[i].conn == (int)ci) {
            dnp3kit_outstation_disconnected(&S.os[i]);
            S.bind[i].conn = -1;
        }
    master_tls_free(c->tls);
    c->tls = NULL;
    c->handshaking = false;
    close(c->fd);
    c->fd = -1;
    if (S.o.dial)
        os_dial_closed(&S.dl, now_ms());
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_cap = 0;
}

/* A stream fault of --fault (endless-octets, slow-octets), NULL when none. */
static const dnp3kit_os_fault *stream_fault(uint8_t kind)
{
    for (unsigned k = 0; k < S.o.cfg.nfaults; k++)
        if (S.o.cfg.faults[k].kind == kind)
            return &S.o.cfg.faults[k];
    return NULL;
}

static bool conn_queue(conn *c, const uint8_t *p, size_t n)
{
    if (c->streaming)
        return true; /* endless-octets: responses give way to the garbage */
    if (c->out_len + n > CONN_OUT_MAX)
        return false;
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 8192;
        while (cap < c->out_len + n)
            cap *= 2;
        uint8_t *q = realloc(c->out, cap);
        if (!q)
            return false;
        c->out = q;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    return true;
}

/* --fault endless-octets: keep the connection's output topped up with octets
 * that are no DNP3 (never 0x05, so no frame ever starts). */
static void conn_stream(conn *c)
{
    enum { CHUNK = 16384 };
    if (!c->streaming || c->out_len >= CHUNK)
        return;
    if (c->out_cap < c->out_len + CHUNK) {
        uint8_t *q = realloc(c->out, c->out_len + CHUNK);
        if (!q)
            return;
        c->out = q;
        c->out_cap = c->out_len + CHUNK;
    }
    for (size_t i = 0; i < CHUNK; i++)
        c->out[c->out_len + i] = (uint8_t)(0x10 + i % 0xE0);
    c->out_len += CHUNK;
}

static void conn_flush(size_t ci)
{
    conn *c = &S.conns[ci];
    if (c->handshaking)
        return;
    const dnp3kit_os_fault *slow = stream_fault(DNP3KIT_FAULT_SLOW_OCTETS);
    while (c->out_len) {
        uint64_t now = slow ? now_ms() : 0;
        if (slow && now < c->next_octet)
            return;
        /* a socket or a tty; SIGPIPE is ignored. slow-octets: one octet at a time */
        char why[200];
        size_t k = slow ? 1 : c->out_len;
        ssize_t n = c->tls ? master_tls_write(c->tls, c->out, k, why, sizeof why) : write(c->fd, c->out, k);
        if (slow && n > 0)
            c->next_octet = now + slow->arg;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                if (c->tls)
                    fprintf(stderr, "dnp3-outstation: %s: %s\n", c->peer, why);
                conn_close(ci);
            }
            return;
        }
        memmove(c->out, c->out + n, c->out_len - (size_t)n);
        c->out_len -= (size_t)n;
    }
    if (c->close_after_flush)
        conn_close(ci);
}

/* Move each outstation's output to its connection (or UDP peer). */
static void drain(uint64_t now)
{
    for (size_t i = 0; i < S.nos; i++) {
        dnp3kit_outstation *os = &S.os[i];
        if (!os->out_len)
            continue;
        const uint8_t *p;
        size_t n = dnp3kit_outstation_output(os, now, &p);
        if (!n)
            continue;
        binding *b = &S.bind[i];
        if (b->conn >= 0) {
            conn *c = &S.conns[b->conn];
            if (!conn_queue(c, p, n))
                continue; /* connection backed up: keep it in the outstation */
            if (os->want_close) {
                c->close_after_flush = true;
                os->want_close = false;
            }
        } else if (b->conn == -2) {
            unsigned pi = 0;
            while (pi + 1 < S.nports && S.ports[pi + 1].first <= i)
                pi++;
            /* one datagram per drain; close-mid-fragment has no meaning on UDP */
            sendto(S.ports[pi].udp_fd, p, n, 0, (struct sockaddr *)&b->peer, peer_len(&b->peer));
            os->want_close = false;
        } else {
            os->want_close = false; /* no master to send it to */
        }
        dnp3kit_outstation_consume(os, n);
    }
}

static void dispatch(unsigned pi, const dnp3kit_link_frame *f, int ci, const struct sockaddr_storage *peer,
                     uint64_t now)
{
    port *pt = &S.ports[pi];
    size_t per = S.o.count;
    bool bcast = f->dst >= DNP3KIT_ADDR_BCAST_NOCONF;
    for (size_t k = 0; k < per; k++) {
        size_t i = pt->first + k;
        dnp3kit_outstation *os = &S.os[i];
        if (!bcast && f->dst != os->cfg.address && !os->cfg.any_address)
            continue;
        binding *b = &S.bind[i];
        if (f->dir && f->prm && f->crc_ok && f->src == os->cfg.master) {
            bool fresh = b->conn != ci || (ci == -2 && peer && memcmp(&b->peer, peer, sizeof *peer) != 0);
            if (fresh) {
                if (b->conn >= 0)
                    dnp3kit_outstation_disconnected(os);
                b->conn = ci;
                if (peer)
                    b->peer = *peer;
                dnp3kit_outstation_connected(os, now);
            }
        }
        dnp3kit_outstation_on_frame(os, f, now);
        if (!bcast)
            break;
    }
}

static void conn_read(size_t ci, uint64_t now)
{
    uint8_t buf[16384];
    for (;;) {
        conn *c = &S.conns[ci];
        char why[200];
        ssize_t n = c->tls ? master_tls_read(c->tls, buf, sizeof buf, why, sizeof why) : read(c->fd, buf, sizeof buf);
        if (n == 0) {
            conn_close(ci);
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                if (c->tls)
                    fprintf(stderr, "dnp3-outstation: %s: %s\n", c->peer, why);
                conn_close(ci);
            }
            return;
        }
        S.conns[ci].last_rx = now;
        if (stream_fault(DNP3KIT_FAULT_ENDLESS_OCTETS))
            S.conns[ci].streaming = true;
        if (S.o.dial)
            os_dial_answered(&S.dl); /* the master talks to us: the next redial starts fast again */
        const uint8_t *p = buf;
        size_t len = (size_t)n;
        dnp3kit_link_frame f;
        while (dnp3kit_link_parser_step(&S.conns[ci].lp, &p, &len, &f, NULL) == 1)
            dispatch(S.conns[ci].port, &f, (int)ci, NULL, now);
        if ((size_t)n < sizeof buf)
            return;
    }
}

static void udp_read(unsigned pi, uint64_t now)
{
    uint8_t buf[65536];
    for (int k = 0; k < 64; k++) {
        port *pt = &S.ports[pi];
        struct sockaddr_storage peer;
        memset(&peer, 0, sizeof peer); /* compared whole with memcmp */
        socklen_t sl = sizeof peer;
        ssize_t n = recvfrom(pt->udp_fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &sl);
        if (n <= 0)
            return;
        if (memcmp(&peer, &pt->udp_from, sizeof peer) != 0) {
            dnp3kit_link_parser_init(&pt->udp_lp);
            pt->udp_from = peer;
        }
        const uint8_t *p = buf;
        size_t len = (size_t)n;
        dnp3kit_link_frame f;
        while (dnp3kit_link_parser_step(&pt->udp_lp, &p, &len, &f, NULL) == 1)
            dispatch(pi, &f, -2, &peer, now);
    }
}

/* TLS on a new connection (accepted, or dialled: expect is the name the master's certificate must carry). */
static void conn_tls_start(conn *c, const char *expect)
{
    char why[200];
    c->tls = master_tls_new(S.tls, c->fd, expect, why, sizeof why);
    if (!c->tls) {
        fprintf(stderr, "dnp3-outstation: %s: %s\n", c->peer, why);
        return; /* the handshake flag stays off: conn_step closes it */
    }
    c->handshaking = true;
    c->hs_read = !expect; /* a server waits for the ClientHello; a dialler sends it once connected */
}

/* Advance a handshake; false when the connection was closed. */
static bool conn_handshake(size_t ci)
{
    conn *c = &S.conns[ci];
    char why[200];
    bool rd = true;
    int r = master_tls_handshake(c->tls, &rd, why, sizeof why);
    if (r < 0) {
        fprintf(stderr, "dnp3-outstation: TLS handshake with %s failed: %s\n", c->peer, why);
        conn_close(ci);
        return false;
    }
    c->hs_read = rd;
    if (r == 0) {
        char b[96];
        master_tls_describe(c->tls, b, sizeof b);
        fprintf(stderr, "dnp3-outstation: tls: %s with %s\n", b, c->peer);
        c->handshaking = false;
    }
    return true;
}

/* The accepted connection that received nothing for the longest time, or -1. */
static long longest_idle(void)
{
    long best = -1;
    for (size_t i = 0; i < S.nconns; i++)
        if (S.conns[i].fd >= 0 && S.conns[i].accepted && (best < 0 || S.conns[i].last_rx < S.conns[best].last_rx))
            best = (long)i;
    return best;
}

/* accept_guard's make_room, and the --max-connections policy: a master that
 * polls is never the longest idle, so idle connections cannot lock it out. */
static bool evict_idle(void *user)
{
    (void)user;
    long ci = longest_idle();
    if (ci < 0)
        return false;
    conn_close((size_t)ci);
    return true;
}

static void guard_log(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "dnp3-outstation: %s\n", msg);
    fflush(stderr);
}

/* --idle-timeout: close connections silent for that long; returns the next expiry. */
static uint64_t expire_idle(uint64_t now)
{
    uint64_t next = UINT64_MAX, idle = (uint64_t)S.o.idle_timeout_s * 1000u;
    if (!idle)
        return next;
    for (size_t i = 0; i < S.nconns; i++) {
        conn *c = &S.conns[i];
        if (c->fd < 0 || !c->accepted)
            continue;
        if (now >= c->last_rx && now - c->last_rx >= idle) {
            conn_close(i);
            S.idle_closed++;
        } else if (c->last_rx + idle < next) {
            next = c->last_rx + idle;
        }
    }
    if (S.idle_closed && (!S.idle_logged || now - S.idle_logged >= ACCEPT_GUARD_LOG_MS)) {
        fprintf(stderr, "dnp3-outstation: closed %lu idle connection(s): nothing received for %u s\n", S.idle_closed,
                S.o.idle_timeout_s);
        fflush(stderr);
        S.idle_closed = 0;
        S.idle_logged = now;
    }
    return next;
}

static void accept_all(unsigned pi, uint64_t now)
{
    for (;;) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        int fd = accept_guard_accept(&S.guard, S.ports[pi].tcp_fd, (struct sockaddr *)&from, &fl, now);
        if (fd < 0)
            return;
        size_t live = 0, slot = S.nconns;
        for (size_t i = 0; i < S.nconns; i++) {
            if (S.conns[i].fd >= 0)
                live++;
            else if (slot == S.nconns)
                slot = i;
        }
        if (live >= S.o.max_conns) {
            /* connections are capped (memory stays bounded): the newcomer replaces the longest idle */
            long victim = longest_idle();
            if (victim < 0) {
                close(fd);
                continue;
            }
            conn_close((size_t)victim);
            accept_guard_count_eviction(&S.guard, now);
            slot = (size_t)victim;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (slot == S.nconns) {
            if (S.nconns == S.cap_conns) {
                size_t cap = S.cap_conns ? S.cap_conns * 2 : 16;
                conn *q = realloc(S.conns, cap * sizeof *q);
                if (!q) {
                    close(fd);
                    continue;
                }
                S.conns = q;
                S.cap_conns = cap;
            }
            S.nconns++;
        }
        conn *c = &S.conns[slot];
        memset(c, 0, sizeof *c);
        c->fd = fd;
        c->port = pi;
        c->accepted = true;
        c->last_rx = now;
        dnp3kit_link_parser_init(&c->lp);
        master_channel_addr_text(&from, c->peer, sizeof c->peer);
        if (S.tls)
            conn_tls_start(c, NULL);
        /* outstations of this port bind to the connection on the master's first frame */
    }
}

int main(int argc, char **argv)
{
    opts *o = &S.o;
    o->bind = "127.0.0.1";
    o->port_lo = o->port_hi = 20000;
    o->count = 1;
    o->max_conns = 4096;
    o->idle_timeout_s = 300;
    dnp3kit_os_config_default(&o->cfg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--version")) {
            printf("dnp3-outstation (dnp3kit) %s\n", DNP3KIT_VERSION_STRING);
            return 0;
        }
        if (strncmp(a, "--", 2) != 0) {
            usage(stderr);
            return 2;
        }
        char key[64];
        const char *val = NULL;
        const char *eq = strchr(a + 2, '=');
        size_t kl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (kl >= sizeof key) {
            usage(stderr);
            return 2;
        }
        memcpy(key, a + 2, kl);
        key[kl] = 0;
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
            val = argv[i + 1];
        if (!strcmp(key, "config")) {
            if (!val || load_config(o, val) != 0)
                return 2;
            if (!eq)
                i++;
            continue;
        }
        bool used;
        if (apply(o, key, val, &used) != 0)
            return 2;
        if (used && !eq)
            i++;
        else if (!used && eq) {
            fprintf(stderr, "dnp3-outstation: --%s takes no value\n", key);
            return 2;
        }
    }
    S.nports = o->serial || o->pty || o->dial ? 1u : (unsigned)(o->port_hi - o->port_lo + 1);
    S.nos = (size_t)S.nports * o->count;
    if (S.nos > 100000 || (uint32_t)o->cfg.address + o->count - 1 > DNP3KIT_ADDR_MAX_UNICAST) {
        fprintf(stderr, "dnp3-outstation: too many outstations\n");
        return 2;
    }
    S.ports = calloc(S.nports, sizeof *S.ports);
    S.os = calloc(S.nos, sizeof *S.os);
    S.bind = calloc(S.nos, sizeof *S.bind);
    if (!S.ports || !S.os || !S.bind) {
        fprintf(stderr, "dnp3-outstation: out of memory\n");
        return 3;
    }
    uint64_t now = now_ms();
    for (size_t i = 0; i < S.nos; i++) {
        dnp3kit_os_config c = o->cfg;
        c.address = (uint16_t)(o->cfg.address + i % o->count);
        c.seed = o->cfg.seed + i;
        int rc = dnp3kit_outstation_init(&S.os[i], &c, now);
        if (rc != DNP3KIT_OK) {
            fprintf(stderr, "dnp3-outstation: bad configuration: %s\n", dnp3kit_strerror(rc));
            return 2;
        }
        for (unsigned k = 0; k < o->ninit; k++)
            if (dnp3kit_outstation_set_initial(&S.os[i], o->init[k].t, o->init[k].index, o->init[k].value) != 0) {
                fprintf(stderr, "dnp3-outstation: no point %s.%u\n", dnp3kit_os_type_name(o->init[k].t),
                        o->init[k].index);
                return 2;
            }
        if (o->print) {
            S.os[i].log = log_frag;
            S.os[i].log_user = &S.os[i];
        }
        S.bind[i].conn = -1;
    }
    char line_name[160] = "";
    int keep_fd = -1;
    if (o->serial || o->pty) {
        /* one line, every outstation on it (multi-drop by link address) */
        S.ports[0].tcp_fd = S.ports[0].udp_fd = -1;
        int fd = os_serial_open(o->serial, o->pty, line_name, sizeof line_name, &keep_fd);
        if (fd < 0 || !(S.conns = calloc(1, sizeof *S.conns)))
            return 3;
        S.nconns = S.cap_conns = 1;
        S.conns[0].fd = fd;
        dnp3kit_link_parser_init(&S.conns[0].lp);
    }
    if (o->tls.enabled) {
        if (o->serial || o->pty || o->udp) {
            fprintf(stderr, "dnp3-outstation: --tls is for TCP (listening or --connect), not --serial/--pty/--udp\n");
            return 2;
        }
        char why[200];
        dnp3kit_error_detail d;
        if (master_tls_validate(&o->tls, !o->dial, &d) != DNP3KIT_OK) {
            fprintf(stderr, "dnp3-outstation: %s\n", d.message);
            return 2;
        }
        if (!(S.tls = master_tls_ctx_new(&o->tls, !o->dial, why, sizeof why))) {
            fprintf(stderr, "dnp3-outstation: %s\n", why);
            return 2;
        }
        if (!o->port_given)
            o->port_lo = o->port_hi = DNP3KIT_TLS_PORT;
    }
    if (o->dial) {
        if (os_dial_init(&S.dl, o->dial) < 0 || !(S.conns = calloc(1, sizeof *S.conns)))
            return 2;
        S.ports[0].tcp_fd = S.ports[0].udp_fd = -1;
        S.nconns = S.cap_conns = 1;
        S.conns[0].fd = -1;
        snprintf(line_name, sizeof line_name, "%s", o->dial);
    }
    for (unsigned pi = 0; pi < S.nports && !line_name[0]; pi++) {
        port *p = &S.ports[pi];
        p->first = (size_t)pi * o->count;
        p->udp_fd = -1;
        uint16_t want = (uint16_t)(o->port_lo + pi), actual;
        p->tcp_fd = open_socket(SOCK_STREAM, o->bind, want, &actual);
        if (p->tcp_fd < 0)
            return 3;
        p->number = actual;
        if (o->udp) {
            uint16_t ua;
            p->udp_fd = open_socket(SOCK_DGRAM, o->bind, actual, &ua);
            if (p->udp_fd < 0)
                return 3;
        }
    }
    accept_guard_init(&S.guard, evict_idle, guard_log, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (o->dial)
        fprintf(stderr, "dnp3-outstation: dialling %s, addresses %u..%u, master %u\n", o->dial, o->cfg.address,
                (unsigned)(o->cfg.address + o->count - 1), o->cfg.master);
    else if (line_name[0])
        fprintf(stderr, "dnp3-outstation: serial on %s, addresses %u..%u, master %u\n", line_name, o->cfg.address,
                (unsigned)(o->cfg.address + o->count - 1), o->cfg.master);
    else if (S.nports == 1)
        fprintf(stderr, "dnp3-outstation: listening on %s:%u%s, addresses %u..%u, master %u\n", o->bind,
                S.ports[0].number, o->udp ? " (tcp+udp)" : S.tls ? " (tls)" : "", o->cfg.address,
                (unsigned)(o->cfg.address + o->count - 1), o->cfg.master);
    else
        fprintf(stderr, "dnp3-outstation: listening on %s:%u-%u%s, addresses %u..%u, master %u\n", o->bind,
                S.ports[0].number, S.ports[S.nports - 1].number, o->udp ? " (tcp+udp)" : "", o->cfg.address,
                (unsigned)(o->cfg.address + o->count - 1), o->cfg.master);
    fflush(stderr);

    struct pollfd *pfds = NULL;
    size_t pcap = 0;
    uint64_t next_change = o->change_every ? now + o->change_every : UINT64_MAX;
    while (!stop_flag) {
        now = now_ms();
        if (o->dial && S.conns[0].fd < 0 && now >= S.dl.next) {
            /* (re)dial; each outstation announces itself with REQUEST_LINK_STATUS so
             * the master can tell who called by the link address */
            conn *c = &S.conns[0];
            c->fd = os_dial_start(&S.dl, now);
            if (c->fd >= 0) {
                dnp3kit_link_parser_init(&c->lp);
                snprintf(c->peer, sizeof c->peer, "%s", S.dl.name);
                if (S.tls)
                    conn_tls_start(c, o->tls.name[0] ? o->tls.name : S.dl.host);
                for (size_t i = 0; i < S.nos; i++) {
                    uint8_t f[DNP3KIT_LINK_MAX_FRAME];
                    int n = dnp3kit_link_build(
                        dnp3kit_link_ctrl(false, true, false, false, DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS),
                        S.os[i].cfg.master, S.os[i].cfg.address, NULL, 0, f, sizeof f);
                    if (n > 0)
                        conn_queue(c, f, (size_t)n);
                }
            }
        }
        /* timers */
        uint64_t deadline = next_change;
        for (size_t i = 0; i < S.nos; i++) {
            uint64_t d = dnp3kit_outstation_next_deadline(&S.os[i]);
            if (d <= now) {
                dnp3kit_outstation_tick(&S.os[i], now);
                d = dnp3kit_outstation_next_deadline(&S.os[i]);
            }
            if (d < deadline)
                deadline = d;
        }
        if (now >= next_change) {
            for (size_t i = 0; i < S.nos; i++)
                if (S.bind[i].conn != -1 || !o->cfg.unsolicited)
                    dnp3kit_outstation_simulate_change(&S.os[i], now);
            next_change = now + o->change_every;
            if (next_change < deadline)
                deadline = next_change;
        }
        uint64_t idle_next = expire_idle(now);
        if (idle_next < deadline)
            deadline = idle_next;
        bool listen = accept_guard_may_poll(&S.guard, now);
        if (!listen && accept_guard_resume_at(&S.guard) < deadline)
            deadline = accept_guard_resume_at(&S.guard);
        drain(now);
        for (size_t ci = 0; ci < S.nconns; ci++)
            if (S.conns[ci].fd >= 0 && S.conns[ci].out_len)
                conn_flush(ci);
        /* poll set: listeners, UDP sockets, connections */
        size_t need = (size_t)S.nports * 2 + S.nconns;
        if (need > pcap) {
            struct pollfd *q = realloc(pfds, need * sizeof *q);
            if (!q)
                break;
            pfds = q;
            pcap = need;
        }
        size_t np = 0;
        for (unsigned pi = 0; pi < S.nports; pi++) {
            /* left out while accept() backs off (fd exhaustion): poll() would return at once */
            pfds[np++] = (struct pollfd){listen ? S.ports[pi].tcp_fd : -1, POLLIN, 0};
            pfds[np++] = (struct pollfd){S.ports[pi].udp_fd, POLLIN, 0};
        }
        size_t polled = S.nconns; /* accept() below may add connections that were not polled */
        const dnp3kit_os_fault *slow = stream_fault(DNP3KIT_FAULT_SLOW_OCTETS);
        for (size_t ci = 0; ci < polled; ci++) {
            conn *c = &S.conns[ci];
            conn_stream(c);
            bool out = c->out_len > 0;
            if (out && slow && c->next_octet > now) {
                out = false; /* its next octet is not due yet */
                if (c->next_octet < deadline)
                    deadline = c->next_octet;
            }
            short ev = c->handshaking ? (c->hs_read ? POLLIN : POLLOUT) : (short)(POLLIN | (out ? POLLOUT : 0));
            pfds[np++] = (struct pollfd){c->fd, ev, 0};
        }
        bool pending = false;
        for (size_t i = 0; i < S.nos && !pending; i++)
            if (S.os[i].out_len && now >= S.os[i].hold_until)
                pending = true; /* backed-up output waiting for room */
        int timeout = 1000;
        if (pending)
            timeout = 5;
        else if (deadline != UINT64_MAX)
            timeout = deadline <= now ? 0 : (deadline - now > 1000 ? 1000 : (int)(deadline - now));
        int rc = poll(pfds, np, timeout);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            perror("dnp3-outstation: poll");
            break;
        }
        now = now_ms();
        np = 0;
        for (unsigned pi = 0; pi < S.nports; pi++) {
            if (pfds[np++].revents & POLLIN)
                accept_all(pi, now);
            if (pfds[np++].revents & POLLIN)
                udp_read(pi, now);
        }
        for (size_t ci = 0; ci < polled; ci++, np++) {
            if (S.conns[ci].fd < 0 || pfds[np].fd != S.conns[ci].fd)
                continue;
            short re = pfds[np].revents;
            if (S.conns[ci].handshaking) {
                if (!re || !conn_handshake(ci) || S.conns[ci].handshaking)
                    continue;
                re = POLLIN | POLLOUT; /* done: send what waited (a dialler's announcements), read what came */
            } else if (S.tls && !S.conns[ci].tls) {
                conn_close(ci); /* TLS could not start on it (out of memory) */
                continue;
            }
            if (re & (POLLIN | POLLHUP | POLLERR))
                conn_read(ci, now);
            if (S.conns[ci].fd >= 0 && (re & POLLOUT))
                conn_flush(ci);
        }
        drain(now);
        for (size_t ci = 0; ci < S.nconns; ci++)
            if (S.conns[ci].fd >= 0 && S.conns[ci].out_len)
                conn_flush(ci);
    }
    for (size_t ci = 0; ci < S.nconns; ci++)
        if (S.conns[ci].fd >= 0)
            conn_close(ci);
    /* what the masters sent, for tests that count requests (docs/dnp3-outstation.md) */
    unsigned long long req = 0, conf = 0, frames = 0;
    for (size_t i = 0; i < S.nos; i++) {
        req += S.os[i].requests;
        conf += S.os[i].confirms;
        frames += S.os[i].frames_in;
    }
    fprintf(stderr, "dnp3-outstation: %llu requests (%llu of them confirms), %llu link frames received\n", req, conf,
            frames);
    unsigned long long lr = 0, lt = 0, lrep = 0, ld = 0;
    for (size_t i = 0; i < S.nos; i++) {
        lr += S.os[i].link_resets;
        lt += S.os[i].link_taken;
        lrep += S.os[i].link_repeats;
        ld += S.os[i].link_acks_dropped;
    }
    if (lr || lt)
        fprintf(stderr,
                "dnp3-outstation: link: %llu RESET_LINK_STATES, %llu CONFIRMED_USER_DATA taken, %llu repeats "
                "acknowledged and not processed again, %llu ACKs dropped (fault)\n",
                lr, lt, lrep, ld);
    for (size_t i = 0; i < S.nos; i++)
        dnp3kit_outstation_free(&S.os[i]);
    master_tls_ctx_free(S.tls);
    if (keep_fd >= 0)
        close(keep_fd);
    accept_guard_free(&S.guard);
    for (unsigned pi = 0; pi < S.nports; pi++) {
        if (S.ports[pi].tcp_fd >= 0)
            close(S.ports[pi].tcp_fd);
        if (S.ports[pi].udp_fd >= 0)
            close(S.ports[pi].udp_fd);
    }
    free(pfds);
    free(S.conns);
    free(S.os);
    free(S.bind);
    free(S.ports);
    fprintf(stderr, "dnp3-outstation: stopped\n");
    return 0;
}
