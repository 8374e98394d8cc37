/*
 * Capture output: Ethernet II + IPv4/IPv6 + TCP/UDP packets with valid
 * lengths and checksums, written through libpcap's dump API so that any
 * reader (ours, tshark, Zeek) accepts them. TCP connections keep per
 * direction sequence numbers so the stream reassembles as written.
 */
#include "capture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSS 1460          /* split TCP payloads like an Ethernet path would */
#define SNAPLEN 65535
#define MAX_FRAME (14 + 40 + 20 + 65535)

#define PCAP_FILE_HEADER 24 /* octets before the first record */
#define PCAP_REC_HEADER 16  /* octets before each record's data */

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_PSH 0x08
#define TH_ACK 0x10

typedef struct wconn {
    dpc_addr ep[2];     /* [0] client, [1] server */
    uint32_t isn[2];
    uint32_t next[2];   /* next sequence number each side sends */
    bool closed;
} wconn;

struct dpc_writer {
    int dlt;
    pcap_t *pd;
    pcap_dumper_t *d;
    wconn *conns;
    int n, cap;
    uint16_t ip_id;
    bool isn_set;
    uint32_t isn_client, isn_server;
    /* bounds (dpc_writer_set_limit) */
    char *path;
    uint64_t max_bytes, bytes; /* cap per file (0: none), octets in the current file */
    unsigned files;
    bool stopped;
    void (*note)(void *, const char *);
    void *note_user;
    uint8_t frame[MAX_FRAME];
};

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* One's-complement sum (RFC 1071), folded by the caller. */
static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
    for (; n > 1; p += 2, n -= 2)
        acc += (uint32_t)(p[0] << 8 | p[1]);
    if (n)
        acc += (uint32_t)p[0] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xFFFF) + (acc >> 16);
    return (uint16_t)~acc;
}

int dpc_addr_format(const dpc_addr *a, char *buf, size_t cap)
{
    if (a->family == 0) /* the ends of a serial line (pcapin.c: port 1 = the recording side) */
        return snprintf(buf, cap, "serial:%s", a->port == 1 ? "master" : "outstation");
    if (a->family == 6) {
        char ip[INET6_ADDRSTRLEN];
        if (!inet_ntop(AF_INET6, a->ip, ip, sizeof ip))
            snprintf(ip, sizeof ip, "?");
        return snprintf(buf, cap, "[%s]:%u", ip, a->port);
    }
    return snprintf(buf, cap, "%u.%u.%u.%u:%u", a->ip[0], a->ip[1], a->ip[2], a->ip[3], a->port);
}

void dpc_addr_from_sockaddr(const struct sockaddr *sa, dpc_addr *a)
{
    memset(a, 0, sizeof *a);
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
        a->family = 6;
        memcpy(a->ip, &s6->sin6_addr, 16);
        a->port = ntohs(s6->sin6_port);
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
        a->family = 4;
        memcpy(a->ip, &s4->sin_addr, 4);
        a->port = ntohs(s4->sin_port);
    }
}

static dpc_writer *open_dlt(const char *path, int dlt, char *errbuf, size_t errcap)
{
    dpc_writer *w = calloc(1, sizeof *w);
    if (!w) {
        if (errbuf && errcap)
            snprintf(errbuf, errcap, "out of memory");
        return NULL;
    }
    w->pd = pcap_open_dead(dlt, SNAPLEN);
    w->dlt = dlt;
    if (!w->pd) {
        if (errbuf && errcap)
            snprintf(errbuf, errcap, "pcap_open_dead failed");
        free(w);
        return NULL;
    }
    w->d = pcap_dump_open(w->pd, path);
    if (!w->d) {
        if (errbuf && errcap)
            snprintf(errbuf, errcap, "%s", pcap_geterr(w->pd));
        pcap_close(w->pd);
        free(w);
        return NULL;
    }
    w->ip_id = 1;
    w->path = strdup(path);
    if (!w->path) {
        if (errbuf && errcap)
            snprintf(errbuf, errcap, "out of memory");
        pcap_dump_close(w->d);
        pcap_close(w->pd);
        free(w);
        return NULL;
    }
    w->bytes = PCAP_FILE_HEADER;
    w->files = 1;
    return w;
}

void dpc_writer_set_limit(dpc_writer *w, uint64_t max_bytes, unsigned files, void (*note)(void *, const char *),
                          void *user)
{
    w->max_bytes = max_bytes;
    w->files = files ? files : 1;
    w->note = note;
    w->note_user = user;
}

bool dpc_writer_stopped(const dpc_writer *w)
{
    return w->stopped;
}

static void stop(dpc_writer *w, const char *why)
{
    w->stopped = true;
    pcap_dump_flush(w->d); /* what is written stays a valid capture of whole records */
    if (w->note) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: %s: recording stopped (the session goes on unrecorded)", w->path, why);
        w->note(w->note_user, msg);
    }
}

/* PATH.(files-2) -> PATH.(files-1), ..., PATH -> PATH.1, then a new PATH: the
 * newest octets are always in PATH, the oldest file is dropped. */
static int rotate(dpc_writer *w)
{
    pcap_dump_close(w->d);
    w->d = NULL;
    size_t n = strlen(w->path) + 16;
    char *from = malloc(n), *to = malloc(n);
    int rc = from && to ? 0 : -1;
    for (unsigned i = w->files - 1; rc == 0 && i >= 1; i--) {
        if (i == 1)
            snprintf(from, n, "%s", w->path);
        else
            snprintf(from, n, "%s.%u", w->path, i - 1);
        snprintf(to, n, "%s.%u", w->path, i);
        if (rename(from, to) != 0 && errno != ENOENT)
            rc = -1;
    }
    free(from);
    free(to);
    if (rc == 0)
        w->d = pcap_dump_open(w->pd, w->path);
    if (!w->d)
        return -1;
    w->bytes = PCAP_FILE_HEADER;
    return 0;
}

/* Every record goes through here: the size cap holds whole records. */
static void dump(dpc_writer *w, const struct pcap_pkthdr *h, const uint8_t *f)
{
    if (w->stopped)
        return;
    uint64_t rec = PCAP_REC_HEADER + (uint64_t)h->caplen;
    if (w->max_bytes && w->bytes + rec > w->max_bytes) {
        char why[160];
        if (PCAP_FILE_HEADER + rec > w->max_bytes) {
            snprintf(why, sizeof why, "a record of %llu octets is larger than the size cap of %llu octets",
                     (unsigned long long)rec, (unsigned long long)w->max_bytes);
            stop(w, why);
            return;
        }
        if (w->files <= 1) {
            snprintf(why, sizeof why, "reached the size cap of %llu octets", (unsigned long long)w->max_bytes);
            stop(w, why);
            return;
        }
        if (rotate(w) != 0) {
            snprintf(why, sizeof why, "cannot rotate: %s", strerror(errno));
            w->stopped = true; /* the dumper is gone: nothing to flush */
            if (w->note) {
                char msg[512];
                snprintf(msg, sizeof msg, "%s: %s: recording stopped (the session goes on unrecorded)", w->path, why);
                w->note(w->note_user, msg);
            }
            return;
        }
    }
    pcap_dump((u_char *)w->d, h, f);
    w->bytes += rec;
}

dpc_writer *dpc_writer_open(const char *path, char *errbuf, size_t errcap)
{
    return open_dlt(path, DLT_EN10MB, errbuf, errcap);
}

dpc_writer *dpc_writer_open_serial(const char *path, char *errbuf, size_t errcap)
{
    return open_dlt(path, DPC_LINKTYPE_RTAC_SERIAL, errbuf, errcap);
}

int dpc_writer_serial(dpc_writer *w, bool from_master, const uint8_t *p, size_t len, uint64_t ts_us)
{
    if (w->dlt != DPC_LINKTYPE_RTAC_SERIAL || len > SNAPLEN - DPC_RTAC_HEADER)
        return -1;
    uint8_t *f = w->frame;
    put32(f, (uint32_t)(ts_us / 1000000u));
    put32(f + 4, (uint32_t)(ts_us % 1000000u));
    f[8] = from_master ? DPC_RTAC_TX : DPC_RTAC_RX;
    f[9] = 0;     /* control lines: not sampled */
    put16(f + 10, 0);
    memcpy(f + DPC_RTAC_HEADER, p, len);
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)(ts_us / 1000000u);
    h.ts.tv_usec = (suseconds_t)(ts_us % 1000000u);
    h.caplen = h.len = (bpf_u_int32)(DPC_RTAC_HEADER + len);
    dump(w, &h, f);
    return 0;
}

void dpc_writer_set_isn(dpc_writer *w, uint32_t client_isn, uint32_t server_isn)
{
    w->isn_set = true;
    w->isn_client = client_isn;
    w->isn_server = server_isn;
}

/* Locally administered MACs derived from the IP, so each host keeps one MAC. */
static void mac_of(uint8_t *mac, const dpc_addr *a)
{
    const uint8_t *ip = a->family == 6 ? a->ip + 12 : a->ip;
    mac[0] = 0x02;
    mac[1] = 0x00;
    memcpy(mac + 2, ip, 4);
}

/* Build Ethernet + IP + the transport header l4hdr (l4hlen octets, checksum
 * field at l4hdr[csum_at]) + payload, fill lengths and checksums, dump. */
static int emit(dpc_writer *w, const dpc_addr *src, const dpc_addr *dst, uint8_t proto, uint8_t *l4hdr,
                size_t l4hlen, size_t csum_at, const uint8_t *p, size_t len, uint64_t ts_us)
{
    bool v6 = src->family == 6;
    size_t iph = v6 ? 40 : 20;
    size_t l4len = l4hlen + len;
    if (src->family != dst->family || l4len > 65535 - (v6 ? 0 : iph))
        return -1;
    uint8_t *f = w->frame;
    mac_of(f, dst);
    mac_of(f + 6, src);
    put16(f + 12, v6 ? 0x86DD : 0x0800);
    uint8_t *ip = f + 14;
    memset(ip, 0, iph);
    uint8_t *l4 = ip + iph;
    memcpy(l4, l4hdr, l4hlen);
    if (len)
        memcpy(l4 + l4hlen, p, len);

    uint32_t acc;
    if (v6) {
        ip[0] = 0x60;
        put16(ip + 4, (uint16_t)l4len);
        ip[6] = proto;
        ip[7] = 64;
        memcpy(ip + 8, src->ip, 16);
        memcpy(ip + 24, dst->ip, 16);
        acc = sum16(0, ip + 8, 32);
    } else {
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)(iph + l4len));
        put16(ip + 4, w->ip_id++);
        put16(ip + 6, 0x4000); /* DF */
        ip[8] = 64;
        ip[9] = proto;
        memcpy(ip + 12, src->ip, 4);
        memcpy(ip + 16, dst->ip, 4);
        put16(ip + 10, fold(sum16(0, ip, 20)));
        acc = sum16(0, ip + 12, 8);
    }
    /* Pseudo-header: addresses (summed above), protocol and transport length. */
    acc += proto;
    acc += (uint32_t)l4len;
    uint16_t cs = fold(sum16(acc, l4, l4len));
    if (proto == 17 && cs == 0)
        cs = 0xFFFF; /* zero means "no checksum" for UDP */
    put16(l4 + csum_at, cs);

    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)(ts_us / 1000000u);
    h.ts.tv_usec = (suseconds_t)(ts_us % 1000000u);
    h.caplen = h.len = (bpf_u_int32)(14 + iph + l4len);
    dump(w, &h, f);
    return 0;
}

static int tcp_emit(dpc_writer *w, wconn *c, int side, uint8_t flags, uint32_t seq, const uint8_t *p,
                    size_t len, uint64_t ts_us)
{
    uint8_t th[20];
    memset(th, 0, sizeof th);
    put16(th, c->ep[side].port);
    put16(th + 2, c->ep[1 - side].port);
    put32(th + 4, seq);
    /* Acknowledge everything the peer has sent so far (nothing before its SYN). */
    if (flags & TH_ACK)
        put32(th + 8, c->next[1 - side]);
    th[12] = 5 << 4;
    th[13] = flags;
    put16(th + 14, 65535);
    return emit(w, &c->ep[side], &c->ep[1 - side], 6, th, sizeof th, 16, p, len, ts_us);
}

static wconn *conn_of(dpc_writer *w, int conn)
{
    return w && conn >= 0 && conn < w->n ? &w->conns[conn] : NULL;
}

int dpc_writer_tcp_open(dpc_writer *w, const dpc_addr *client, const dpc_addr *server, bool handshake,
                        uint64_t ts_us)
{
    if (!w || client->family != server->family)
        return -1;
    if (w->n == w->cap) {
        int ncap = w->cap ? w->cap * 2 : 16;
        wconn *nc = realloc(w->conns, (size_t)ncap * sizeof *nc);
        if (!nc)
            return -1;
        w->conns = nc;
        w->cap = ncap;
    }
    int id = w->n++;
    wconn *c = &w->conns[id];
    memset(c, 0, sizeof *c);
    c->ep[0] = *client;
    c->ep[1] = *server;
    /* Deterministic ISNs keep crafted captures reproducible. */
    c->isn[0] = w->isn_set ? w->isn_client : 0x10000000u + (uint32_t)id * 0x10001u;
    c->isn[1] = w->isn_set ? w->isn_server : 0x70000000u + (uint32_t)id * 0x10001u;
    c->next[0] = c->isn[0] + 1;
    c->next[1] = c->isn[1] + 1;
    if (handshake) {
        uint32_t peer = c->next[1];
        c->next[1] = 0; /* the SYN acknowledges nothing */
        int rc = tcp_emit(w, c, 0, TH_SYN, c->isn[0], NULL, 0, ts_us);
        c->next[1] = peer;
        if (rc == 0)
            rc = tcp_emit(w, c, 1, TH_SYN | TH_ACK, c->isn[1], NULL, 0, ts_us);
        if (rc == 0)
            rc = tcp_emit(w, c, 0, TH_ACK, c->next[0], NULL, 0, ts_us);
        if (rc != 0)
            return -1;
    }
    return id;
}

int dpc_writer_tcp_send_at(dpc_writer *w, int conn, bool from_client, uint32_t rel_seq, const uint8_t *p,
                           size_t len, uint64_t ts_us)
{
    wconn *c = conn_of(w, conn);
    if (!c || (len && !p))
        return -1;
    int side = from_client ? 0 : 1;
    uint32_t seq = c->isn[side] + 1 + rel_seq;
    do {
        size_t n = len > MSS ? MSS : len;
        if (tcp_emit(w, c, side, TH_PSH | TH_ACK, seq, p, n, ts_us) != 0)
            return -1;
        seq += (uint32_t)n;
        p += n;
        len -= n;
    } while (len > 0);
    /* Later plain sends continue after the furthest octet written. */
    if ((int32_t)(seq - c->next[side]) > 0)
        c->next[side] = seq;
    return 0;
}

int dpc_writer_tcp_send(dpc_writer *w, int conn, bool from_client, const uint8_t *p, size_t len,
                        uint64_t ts_us)
{
    wconn *c = conn_of(w, conn);
    if (!c)
        return -1;
    int side = from_client ? 0 : 1;
    return dpc_writer_tcp_send_at(w, conn, from_client, c->next[side] - c->isn[side] - 1, p, len, ts_us);
}

int dpc_writer_tcp_close(dpc_writer *w, int conn, uint64_t ts_us)
{
    wconn *c = conn_of(w, conn);
    if (!c || c->closed)
        return -1;
    c->closed = true;
    /* FIN from the client, FIN+ACK from the server, last ACK from the client. */
    if (tcp_emit(w, c, 0, TH_FIN | TH_ACK, c->next[0], NULL, 0, ts_us) != 0)
        return -1;
    c->next[0]++;
    if (tcp_emit(w, c, 1, TH_FIN | TH_ACK, c->next[1], NULL, 0, ts_us) != 0)
        return -1;
    c->next[1]++;
    return tcp_emit(w, c, 0, TH_ACK, c->next[0], NULL, 0, ts_us);
}

int dpc_writer_udp(dpc_writer *w, const dpc_addr *src, const dpc_addr *dst, const uint8_t *p, size_t len,
                   uint64_t ts_us)
{
    if (!w || (len && !p) || len > 65535 - 8)
        return -1;
    uint8_t uh[8];
    put16(uh, src->port);
    put16(uh + 2, dst->port);
    put16(uh + 4, (uint16_t)(8 + len));
    put16(uh + 6, 0);
    return emit(w, src, dst, 17, uh, sizeof uh, 6, p, len, ts_us);
}

int dpc_writer_close(dpc_writer *w)
{
    if (!w)
        return -1;
    int rc = 0;
    if (w->d) {
        if (pcap_dump_flush(w->d) != 0)
            rc = -1;
        pcap_dump_close(w->d);
    }
    free(w->path);
    pcap_close(w->pd);
    free(w->conns);
    free(w);
    return rc;
}
