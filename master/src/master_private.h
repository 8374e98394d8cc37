/* Private helpers shared by the master's layers. */
#ifndef DNP3KIT_MASTER_PRIVATE_H
#define DNP3KIT_MASTER_PRIVATE_H
#include <stddef.h>
#include <sys/socket.h>
#include "dnp3kit/master.h"

/* True when every queued task was started by the session itself. */
bool master_session_only_internal(const dnp3kit_master_session *s);
/* An integrity poll made in reaction to EVENT_BUFFER_OVERFLOW is judged by the
 * answer to the next request (the bit clears once its events are confirmed).
 * A one-shot call that ends before a next request queues one event poll so the
 * call learns whether the bit cleared; true when it was queued. */
bool master_session_overflow_verdict(dnp3kit_master_session *s);

/* d = {code, host, port, "cannot connect to host:port: why"}. */
/* Points, objects and time delay of a response fragment into r (result.c). */
struct dnp3kit_app_header;
void master_decode_response(dnp3kit_master_result *r, const uint8_t *frag, size_t len,
                            const struct dnp3kit_app_header *h, size_t max, bool keep);
void master_connect_error(dnp3kit_error_detail *d, const char *host, uint16_t port, int code, const char *why);
/* A numeric IPv4 or IPv6 address (NUL within 64 octets)? */
bool master_peer_valid(const char *a);
/* "host:port" ("[v6]:port"), or "serial DEVICE". */
void master_peer_name(const dnp3kit_master_config *cfg, char *b, size_t cap);
/* DNP3KIT_OK or ERR_ARG with d->message naming the serial field and its range. */
int master_serial_validate(const dnp3kit_serial_config *c, dnp3kit_error_detail *d);
/* termios speed_t for a baud rate; 0 when termios has none. */
unsigned master_serial_speed(uint32_t baud);
/* d->message = the formatted text, truncated to its size (names can be long);
 * the rest of d is left as it is. detail_msg is its short name in master/src. */
void master_detail_msg(dnp3kit_error_detail *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
#define detail_msg master_detail_msg

/* Multi-drop (several sessions on one serial line in the socket loop, loop.c):
 * a session on a shared line starts a request only when the loop grants it the
 * line; frames for the line's other addresses are its neighbours' traffic, not
 * junk. shared: put the session on (or take it off) such a line. */
void master_session_set_shared(dnp3kit_master_session *s, bool shared);
/* The outstation addresses on the session's line (its own is skipped; at most
 * MASTER_MAX_NEIGHBOURS kept): their frames to this master do not make a timeout
 * say "outstation answered from address N". master_set_neighbours: the same for
 * a blocking master (the CLI's multi-drop poll with --pcap). */
#define MASTER_MAX_NEIGHBOURS 32
void master_session_set_neighbours(dnp3kit_master_session *s, const uint16_t *addr, size_t n);
void master_set_neighbours(dnp3kit_master *m, const uint16_t *addr, size_t n);
/* Start what is queued now (one request; its own steps follow without asking). */
void master_session_grant(dnp3kit_master_session *s, uint64_t now_ms);
/* The session has the line: octets to send, a frame waiting for its link ACK, or a request waiting for its response. */
bool master_session_line_busy(const dnp3kit_master_session *s);
/* The session has a request ready to start (connected, queued, not held back by the rate cap). */
bool master_session_wants_line(dnp3kit_master_session *s, uint64_t now_ms);

/* The configuration a blocking master was made with (master.c). */
const dnp3kit_master_config *master_config_of(const dnp3kit_master *m);

/* ---- pointtext.c: values and flags as text (the CLI's tables, the checkout report) ---- */
/* Shortest text that reads back as v (as a float32 when f32). */
void master_number(double v, bool f32, char *buf, size_t cap);
/* Does this group/variation carry a float32 value? */
bool master_variation_is_f32(uint8_t group, uint8_t variation);
/* A point's value ("ON", "INTERMEDIATE", "12.5") and flag names ("ONLINE|RESTART", "-" for none). */
void master_point_value_text(const dnp3kit_master_point *p, char *buf, size_t cap);
void master_point_flags_text(const dnp3kit_master_point *p, char *buf, size_t cap);
/* Group whose flag names to use, and the flag bits without the state bits (those are the value). */
uint8_t master_flag_group(const dnp3kit_master_point *p);
uint8_t master_flag_bits(const dnp3kit_master_point *p);

#endif
