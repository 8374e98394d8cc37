/*
 * The capture writer shared by dnp3-master, dnp3-outstation, dnp3-pcap and
 * the test tools (one library, dnp3kit_capture, outside core/: it needs
 * libpcap). Writes Ethernet/IPv4|IPv6/TCP|UDP packets with consistent TCP
 * sequence numbers through libpcap's dump API.
 */
#ifndef DNP3KIT_CAPTURE_H
#define DNP3KIT_CAPTURE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dpc_addr {
    uint8_t family;   /* 4 or 6; 0: an end of a serial line */
    uint8_t ip[16];   /* IPv4 in the first 4 octets */
    uint16_t port;
} dpc_addr;

/* "192.0.2.1:20000" or "[2001:db8::1]:20000" */
int dpc_addr_format(const dpc_addr *a, char *buf, size_t cap);
struct sockaddr;
/* From a struct sockaddr_in or sockaddr_in6 (anything else reads as IPv4). */
void dpc_addr_from_sockaddr(const struct sockaddr *sa, dpc_addr *a);

/* ---- writing captures (crafted captures, session recording, benchmarks) ---- */

/* Writes Ethernet/IPv4|IPv6/TCP|UDP packets with consistent TCP sequence numbers
 * through libpcap's dump API. */
typedef struct dpc_writer dpc_writer;

dpc_writer *dpc_writer_open(const char *path, char *errbuf, size_t errcap);
/* Initial sequence numbers for connections opened after this call (default:
 * fixed values derived from the connection id). Lets tests cross 2^32. */
void dpc_writer_set_isn(dpc_writer *w, uint32_t client_isn, uint32_t server_isn);
/* Declare a TCP connection between client and server; writes the three-way
 * handshake when handshake is true. Returns a connection id >= 0. */
int dpc_writer_tcp_open(dpc_writer *w, const dpc_addr *client, const dpc_addr *server, bool handshake,
                        uint64_t ts_us);
/* One TCP segment carrying p[0..len) from client (from_client) or server. */
int dpc_writer_tcp_send(dpc_writer *w, int conn, bool from_client, const uint8_t *p, size_t len,
                        uint64_t ts_us);
/* A segment with explicit sequence offset relative to the direction's ISN+1
 * (to craft retransmissions, reordering, gaps). */
int dpc_writer_tcp_send_at(dpc_writer *w, int conn, bool from_client, uint32_t rel_seq, const uint8_t *p,
                           size_t len, uint64_t ts_us);
/* FIN from both sides. */
int dpc_writer_tcp_close(dpc_writer *w, int conn, uint64_t ts_us);
int dpc_writer_udp(dpc_writer *w, const dpc_addr *src, const dpc_addr *dst, const uint8_t *p, size_t len,
                   uint64_t ts_us);
int dpc_writer_close(dpc_writer *w);
/* Bounds for long recordings (default: none). Each file holds at most
 * max_bytes octets (0: no cap), always whole records. When the next record
 * would pass the cap: with files <= 1 recording stops (the file stays a valid
 * capture) and note() is told once why; with files > 1 the file is renamed
 * PATH.1 (PATH.1 to PATH.2, ..., the oldest, PATH.<files-1>, overwritten) and
 * a new PATH begins, so at most files x max_bytes octets are on disk and PATH
 * holds the newest. A TCP connection goes on in the new file without a new
 * handshake. */
void dpc_writer_set_limit(dpc_writer *w, uint64_t max_bytes, unsigned files, void (*note)(void *, const char *),
                          void *user);
/* True once recording stopped at the cap (or a rotation failed). */
bool dpc_writer_stopped(const dpc_writer *w);

/*
 * Serial recordings use LINKTYPE_RTAC_SERIAL (250): a 12-octet header per
 * record (seconds and microseconds, big-endian; an event type that gives the
 * direction; control lines; a footer) and then the octets as they crossed the
 * line. Chosen because it is a registered link type that Wireshark reads
 * (its rtacser dissector hands the payload to DNP3 with Decode As:
 * -d rtacser.data,dnp3) and that carries direction and time per record, which a serial line
 * has no addresses to give; dnp3-pcap reads it as one byte stream per
 * direction (docs/transports.md).
 */
#define DPC_LINKTYPE_RTAC_SERIAL 250
#define DPC_RTAC_HEADER 12
#define DPC_RTAC_TX 0x01 /* DATA_TX_START: sent by the recording side (the master) */
#define DPC_RTAC_RX 0x02 /* DATA_RX_START: received from the line */
dpc_writer *dpc_writer_open_serial(const char *path, char *errbuf, size_t errcap);
/* One record of octets sent by the master (from_master) or the outstation. */
int dpc_writer_serial(dpc_writer *w, bool from_master, const uint8_t *p, size_t len, uint64_t ts_us);

#endif
