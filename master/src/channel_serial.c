/*
 * Serial channel (RS-232, RS-485): a tty in raw mode at the configured
 * rate, character size, parity, stop bits and flow control.
 *
 * Serial lines have no packet boundaries, so this backend keeps a small
 * framer of its own: octets of a link frame (05 64 LEN ...) are held until the
 * frame is complete and handed on whole; octets outside a frame (line noise)
 * go on at once so the session's link parser reports them and resynchronises.
 * With an inter-character timeout, a gap that long inside a frame drops the
 * unfinished frame (reported) instead of gluing its start to whatever comes
 * next. A minimum turnaround keeps the master from transmitting too soon
 * after the last octet received (half-duplex RS-485 converters need the line
 * released; IEEE 1815 clause 9 leaves the figure to the installation).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/serial.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "master_private.h"

typedef struct serial_state {
    uint8_t pf[DNP3KIT_LINK_MAX_FRAME]; /* the frame being received */
    size_t pf_len, pf_need;
    uint64_t last_rx;                   /* monotonic ms of the last octet received */
} serial_state;

static const struct { uint32_t baud; speed_t sp; } speeds[] = {
    {300, B300},       {600, B600},       {1200, B1200},     {1800, B1800},     {2400, B2400},
    {4800, B4800},     {9600, B9600},     {19200, B19200},   {38400, B38400},   {57600, B57600},
    {115200, B115200}, {230400, B230400}, {460800, B460800}, {500000, B500000}, {576000, B576000},
    {921600, B921600}, {1000000, B1000000}, {1152000, B1152000}, {1500000, B1500000},
    {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000}, {3500000, B3500000},
    {4000000, B4000000},
};

unsigned master_serial_speed(uint32_t baud)
{
    for (size_t i = 0; i < sizeof speeds / sizeof speeds[0]; i++)
        if (speeds[i].baud == baud)
            return (unsigned)speeds[i].sp;
    return 0;
}

static void serial_error(master_channel *ch, dnp3kit_error_detail *d, const char *what, int e)
{
    dnp3kit_error_detail_clear(d);
    d->code = DNP3KIT_ERR_CONNECT;
    snprintf(d->host, sizeof d->host, "%.*s", (int)sizeof d->host - 1, ch->cfg->serial.device);
    /* A long device path or reason is cut to the message buffer; the return
     * value is looked at so gcc's Release -Wformat-truncation accepts that. */
    int n = e ? snprintf(d->message, sizeof d->message, "cannot open serial port %s: %s: %s", ch->cfg->serial.device,
                         what, strerror(e))
              : snprintf(d->message, sizeof d->message, "cannot open serial port %s: %s", ch->cfg->serial.device, what);
    if (n < 0)
        d->message[0] = '\0';
    if (ch->fd >= 0)
        close(ch->fd);
    ch->fd = -1;
    free(ch->state);
    ch->state = NULL;
}

int dnp3kit_serial_configure(int fd, const dnp3kit_serial_config *c, char *why, size_t cap)
{
    struct termios t;
    if (tcgetattr(fd, &t) < 0)
        return snprintf(why, cap, "not a terminal device: %s", strerror(errno)), -1;
    cfmakeraw(&t);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cflag |= c->data_bits == 5 ? CS5 : c->data_bits == 6 ? CS6 : c->data_bits == 7 ? CS7 : CS8;
    if (c->parity != 'N')
        t.c_cflag |= PARENB | (c->parity == 'O' ? PARODD : 0);
    if (c->stop_bits == 2)
        t.c_cflag |= CSTOPB;
    t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
    if (c->flow == DNP3KIT_FLOW_RTSCTS)
        t.c_cflag |= CRTSCTS;
    else if (c->flow == DNP3KIT_FLOW_XONXOFF)
        t.c_iflag |= IXON | IXOFF;
    if (c->parity != 'N')
        t.c_iflag |= INPCK; /* a parity error drops the octet; the frame CRC then fails and is reported */
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    speed_t sp = (speed_t)master_serial_speed(c->baud);
    int rc = 0;
    if (sp == 0 || cfsetispeed(&t, sp) < 0 || cfsetospeed(&t, sp) < 0)
        return snprintf(why, cap, "no such baud rate %u", c->baud), -1;
    if (tcsetattr(fd, TCSANOW, &t) < 0) {
        /* Some devices (pseudo-terminals, some USB adapters) take the rate
         * but not parity or stop bits; run without them and say so rather
         * than refuse a line that may still work. */
        int e = errno;
        t.c_cflag &= ~(tcflag_t)(PARENB | PARODD | CSTOPB);
        t.c_iflag &= ~(tcflag_t)INPCK;
        if (!(c->parity != 'N' || c->stop_bits == 2) || tcsetattr(fd, TCSANOW, &t) < 0)
            return snprintf(why, cap, "cannot apply %u baud %u%c%u: %s", c->baud, c->data_bits,
                            c->parity ? c->parity : '?', c->stop_bits, strerror(e)),
                   -1;
        snprintf(why, cap, "the device does not keep parity %c / %u stop bits (%s): running %u%c1", c->parity,
                 c->stop_bits, strerror(e), c->data_bits, 'N');
        rc = 1;
    }
    tcflush(fd, TCIOFLUSH);
    return rc;
}

int dnp3kit_serial_parse(const char *spec, dnp3kit_serial_config *c, char *why, size_t cap)
{
    const char *colon = strrchr(spec, ':');
    size_t dl = colon ? (size_t)(colon - spec) : strlen(spec);
    if (dl == 0 || dl >= sizeof c->device)
        return snprintf(why, cap, "serial device path empty or longer than %zu characters", sizeof c->device - 1), -1;
    memcpy(c->device, spec, dl);
    c->device[dl] = 0;
    if (!colon)
        return 0;
    const char *s = colon + 1;
    char *end;
    errno = 0;
    unsigned long b = strtoul(s, &end, 10);
    if (end == s || errno || b > 4000000 || (*end && *end != ',') || master_serial_speed((uint32_t)b) == 0)
        return snprintf(why, cap, "'%s': a baud rate (300-4000000, one termios knows) expected after ':'", s), -1;
    c->baud = (uint32_t)b;
    if (*end == ',') {
        const char *f = end + 1;
        if (strlen(f) != 3 || f[0] < '5' || f[0] > '8' || !strchr("NEOneo", f[1]) || (f[2] != '1' && f[2] != '2'))
            return snprintf(why, cap, "'%s': framing like 8N1 or 8E1 expected", f), -1;
        c->data_bits = (uint8_t)(f[0] - '0');
        c->parity = (char)(f[1] >= 'a' ? f[1] - 32 : f[1]);
        c->stop_bits = (uint8_t)(f[2] - '0');
    }
    return 0;
}

static int serial_open(master_channel *ch, dnp3kit_error_detail *d)
{
    const dnp3kit_serial_config *c = &ch->cfg->serial;
    ch->state = calloc(1, sizeof(serial_state));
    if (!ch->state)
        return serial_error(ch, d, "out of memory", ENOMEM), -1;
    ch->fd = open(c->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (ch->fd < 0)
        return serial_error(ch, d, "open", errno), -1;
    char why[160];
    int rc = dnp3kit_serial_configure(ch->fd, c, why, sizeof why);
    if (rc < 0) {
        serial_error(ch, d, why, 0);
        return -1;
    }
    if (rc > 0)
        master_channel_note(ch, "serial: %s: %s", c->device, why);
    ioctl(ch->fd, TIOCEXCL); /* a second master on the same port would garble both */
    if (c->rs485) {
        struct serial_rs485 rs;
        memset(&rs, 0, sizeof rs);
        rs.flags = SER_RS485_ENABLED | SER_RS485_RTS_ON_SEND;
        if (ioctl(ch->fd, TIOCSRS485, &rs) < 0)
            master_channel_note(ch,
                                "serial: %s has no RS-485 mode in its driver (%s): half-duplex by timing only "
                                "(turnaround %u ms)",
                                c->device, strerror(errno), c->turnaround_ms);
    }
    return 0;
}

/* Octets of a frame whose header is pf[0..2]. */
static size_t frame_need(uint8_t len)
{
    size_t user = (size_t)len - 5;
    return 10 + user + 2 * ((user + 15) / 16);
}

static ssize_t serial_read(master_channel *ch, uint8_t *buf, size_t cap)
{
    serial_state *st = ch->state;
    if (cap < 2 * DNP3KIT_LINK_MAX_FRAME) {
        errno = EINVAL;
        return -1;
    }
    uint8_t in[1024];
    size_t want = cap - DNP3KIT_LINK_MAX_FRAME;
    ssize_t n = read(ch->fd, in, want < sizeof in ? want : sizeof in);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            snprintf(ch->why, sizeof ch->why, "serial port %s: %s", ch->cfg->serial.device,
                     n == 0 ? "end of file" : strerror(errno));
        if (n == 0) {
            errno = EIO;
            return -1; /* a tty has no orderly close: treat as an I/O error */
        }
        return -1;
    }
    uint64_t now = dnp3kit_master_now_ms();
    uint32_t ict = ch->cfg->serial.inter_char_ms;
    if (ict && st->pf_len && now - st->last_rx > ict) {
        master_channel_note(ch,
                            "serial: inter-character timeout: %zu octets of an unfinished frame dropped after a "
                            "gap of %llu ms (limit %u ms)",
                            st->pf_len, (unsigned long long)(now - st->last_rx), ict);
        st->pf_len = 0;
    }
    st->last_rx = now;
    size_t out = 0;
    for (ssize_t i = 0; i < n; i++) {
        uint8_t b = in[i];
        if (st->pf_len == 0) {
            if (b == 0x05)
                st->pf[st->pf_len++] = b;
            else
                buf[out++] = b; /* noise: the session reports it */
            continue;
        }
        if (st->pf_len == 1 && b != 0x64) {
            buf[out++] = st->pf[0];
            st->pf_len = 0;
            i--; /* this octet may start a frame */
            continue;
        }
        st->pf[st->pf_len++] = b;
        if (st->pf_len == 3) {
            if (b < 5) { /* no such frame: hand it on for the parser to report */
                memcpy(buf + out, st->pf, 3);
                out += 3;
                st->pf_len = 0;
                continue;
            }
            st->pf_need = frame_need(b);
        }
        if (st->pf_len >= 3 && st->pf_len == st->pf_need) {
            memcpy(buf + out, st->pf, st->pf_len);
            out += st->pf_len;
            st->pf_len = 0;
        }
    }
    if (out == 0) {
        errno = EAGAIN;
        return -1;
    }
    return (ssize_t)out;
}

static ssize_t serial_write(master_channel *ch, const uint8_t *p, size_t n)
{
    serial_state *st = ch->state;
    uint32_t ta = ch->cfg->serial.turnaround_ms;
    if (ta && st->last_rx) {
        uint64_t now = dnp3kit_master_now_ms();
        if (now < st->last_rx + ta)
            poll(NULL, 0, (int)(st->last_rx + ta - now)); /* bounded by the 1000 ms limit on turnaround */
    }
    ssize_t w = write(ch->fd, p, n);
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        snprintf(ch->why, sizeof ch->why, "serial port %s: %s", ch->cfg->serial.device, strerror(errno));
    return w;
}

static void serial_close(master_channel *ch)
{
    close(ch->fd);
    ch->fd = -1;
    free(ch->state);
    ch->state = NULL;
}

const master_channel_ops master_channel_serial = {"serial", serial_open, master_channel_open_done, serial_read,
                                                  serial_write, serial_close};
