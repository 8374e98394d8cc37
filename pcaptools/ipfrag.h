/*
 * IP fragment reassembly for the capture reader (pcapin.c): IPv4 fragments
 * and IPv6 fragment headers, keyed by (addresses, identification[, protocol]).
 *
 * Bounds (docs/dnp3-pcap.md, "IP fragments"):
 *   - a datagram ends at most at octet 65,535 of its payload (the IP limit)
 *     and is held in at most IPF_MAX_PIECES disjoint pieces;
 *   - at most IPF_MAX_DATAGRAMS datagrams and IPF_MEMORY octets of fragment
 *     data are held at once; past either the oldest datagram is dropped;
 *   - a datagram not complete IPF_TIMEOUT_US (capture time) after its first
 *     fragment is dropped.
 * Overlaps: a fragment repeating octets already held with the same values is
 * accepted (a retransmission); different values, or fragments that disagree
 * on where the datagram ends, drop the whole datagram (RFC 5722 does so for
 * IPv6; for IPv4 no choice of "first" or "last" wins would be right for a
 * capture analyser, which cannot know what the receiver did).
 * Every dropped datagram is reported once through the fail callback; further
 * fragments of it are absorbed silently until its timeout.
 */
#ifndef DNP3KIT_IPFRAG_H
#define DNP3KIT_IPFRAG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnp3kit/common.h"

#define IPF_MAX_OCTETS 65535u
#define IPF_MAX_PIECES 64
#define IPF_MAX_DATAGRAMS 1024
#define IPF_MEMORY (16u * 1024 * 1024)
#define IPF_TIMEOUT_US (30ull * 1000000) /* Linux's ipfrag_time default */

/* The bound an IP_FRAGMENT_LIMIT finding names (its qualifier). */
enum { IPF_LIM_OCTETS = 0, IPF_LIM_PIECES, IPF_LIM_MEMORY, IPF_LIM_DATAGRAMS };

typedef struct ipf_table ipf_table;

/* One fragment as read from the packet. */
typedef struct ipf_frag {
    uint8_t family;           /* 4 or 6 */
    const uint8_t *src, *dst; /* 4 or 16 octets */
    uint32_t id;              /* IPv4: 16 bits; IPv6: 32 */
    uint8_t proto;            /* IPv4: protocol; IPv6: the fragment header's next header */
    uint32_t offset;          /* in octets */
    bool more;                /* MF / M */
    const uint8_t *data;
    size_t len;
} ipf_frag;

/* A dropped datagram, for the caller to report (it decides whether the
 * datagram concerns DNP3: head holds its first octets when the first
 * fragment arrived). */
typedef struct ipf_fail {
    uint8_t family, proto;
    const uint8_t *src, *dst;
    const uint8_t *head; /* NULL when the first fragment never arrived */
    size_t headlen;
    dnp3kit_finding f;   /* code, expected, actual, index (first frame), func (IP version), qualifier */
} ipf_fail;

typedef void (*ipf_fail_fn)(void *ctx, const ipf_fail *fail);

/* Bounds, for tests that exercise them with small values; 0 = the default. */
typedef struct ipf_limits {
    size_t memory;
    size_t datagrams;
    uint64_t timeout_us;
} ipf_limits;

ipf_table *ipf_new(const ipf_limits *lim); /* NULL: out of memory */
void ipf_free(ipf_table *t);

/*
 * Add a fragment seen at capture time ts in frame. Returns a malloc'd buffer
 * holding the whole datagram payload (the caller frees it) when this fragment
 * completed it, with *len and *proto set; NULL otherwise. Reports datagrams it
 * drops (including, first, those timed out by ts) through fail.
 */
uint8_t *ipf_add(ipf_table *t, const ipf_frag *fr, uint64_t ts, uint64_t frame, ipf_fail_fn fail, void *ctx,
                 size_t *len, uint8_t *proto);

/* Drop the datagrams timed out by capture time ts (cheap when none are). */
void ipf_expire(ipf_table *t, uint64_t ts, ipf_fail_fn fail, void *ctx);

/* End of the capture: every datagram still incomplete is reported and dropped. */
void ipf_finish(ipf_table *t, ipf_fail_fn fail, void *ctx);

/* Datagrams held now (tests). */
size_t ipf_pending(const ipf_table *t);

#endif
