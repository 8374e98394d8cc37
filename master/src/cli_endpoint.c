/* dnp3-master's endpoint options: one syntax for every transport (docs/transports.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel_tls.h"
#include "cli_endpoint.h"
#include "master_private.h"

const char cli_endpoint_help[] =
    "  --tcp HOST[:PORT]     TCP client to the outstation (the default; same as --host/--port)\n"
    "  --udp HOST[:PORT]     UDP datagrams to the outstation (IEEE 1815 UDP-only mode);\n"
    "                        IPv6 as [ADDR]:PORT\n"
    "  --local-port P        UDP: local port to send from and receive on (default: any)\n"
    "  --listen [ADDR]:PORT  wait for the outstation to dial in (TCP); it is known by the link\n"
    "                        address of its first frame, others are refused (--connect-timeout: how long)\n"
    "  --listen-peer ADDR    --listen: take the outstation only from this IPv4/IPv6 address\n"
    "  --serial DEV[:BAUD[,FRAMING]]  serial port, e.g. /dev/ttyUSB0:9600,8N1 or /dev/ttyS1:115200,8E1\n"
    "                        (BAUD 300-4000000, default 9600; FRAMING data bits 5-8, parity N/E/O,\n"
    "                        stop bits 1/2, default 8N1)\n"
    "  --flow none|rtscts|xonxoff  serial flow control (default none)\n"
    "  --rs485               serial: RS-485 half-duplex by the driver (TIOCSRS485) where it has it\n"
    "  --turnaround MS       serial: least time from the last octet received to the next sent (0-1000)\n"
    "  --inter-char-timeout MS  serial: a gap this long inside a frame drops the frame (default off)\n"
    "  --link-confirm        link-layer confirms (IEEE 1815 clause 9; for serial lines, any transport):\n"
    "                        RESET_LINK_STATES on each new connection, then every frame the master\n"
    "                        sends as CONFIRMED_USER_DATA (FCB alternating) waiting for the outstation's\n"
    "                        ACK; unacknowledged frames are sent again with the same FCB\n"
    "  --link-timeout MS     --link-confirm: wait this long for each ACK (default 1000)\n"
    "  --link-retries N      --link-confirm: more sends of an unacknowledged frame (0-100, default 2)\n"
    "  --tls                 TLS over --tcp (the master is the client) or --listen (the master is the\n"
    "                        server); port 19999 (IANA dnp-sec) unless one is given. Every --tls-*\n"
    "                        option implies --tls\n"
    "  --tls-ca FILE         PEM CA certificate(s) the peer's certificate must chain to. Client: the\n"
    "                        system's store when not given; --listen: the outstation must then present\n"
    "                        a certificate from this CA (mutual authentication)\n"
    "  --tls-cert FILE       own certificate (PEM, chain allowed): the client's for mutual\n"
    "                        authentication; required with --listen\n"
    "  --tls-key FILE        its private key (PEM; default: in --tls-cert)\n"
    "  --tls-key-password-file FILE  first line: the password of an encrypted --tls-key\n"
    "  --tls-name NAME       name or IP address the outstation's certificate must carry (default: the\n"
    "                        host of --tcp)\n"
    "  --tls-min-version 1.2|1.3  lowest TLS version accepted (default 1.2)\n"
    "  --tls-max-version 1.2|1.3  highest TLS version offered (default 1.3)\n"
    "  --tls-ciphers LIST    TLS 1.2 cipher list, OpenSSL syntax (e.g. ECDHE-RSA-AES128-GCM-SHA256)\n"
    "  --tls-ciphersuites LIST  TLS 1.3 cipher suites (e.g. TLS_AES_256_GCM_SHA384)\n";

static int port_of(const char *s, uint16_t *port)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v == 0 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

int cli_endpoint_parse(const char *s, char *host, size_t hcap, uint16_t *port, char *why, size_t wcap)
{
    const char *h = s, *p = NULL;
    size_t hl;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || (close[1] && close[1] != ':')) {
            snprintf(why, wcap, "'%s': [IPV6]:PORT expected", s);
            return -1;
        }
        h = s + 1;
        hl = (size_t)(close - h);
        p = close[1] ? close + 2 : NULL;
    } else {
        const char *c = strchr(s, ':');
        if (c && strchr(c + 1, ':'))
            c = NULL; /* a bare IPv6 address: no port */
        hl = c ? (size_t)(c - s) : strlen(s);
        p = c ? c + 1 : NULL;
    }
    if (hl == 0 || hl >= hcap) {
        snprintf(why, wcap, "'%s': host empty or longer than %zu characters", s, hcap - 1);
        return -1;
    }
    if (p && port_of(p, port) < 0) {
        snprintf(why, wcap, "'%s': port must be 1-65535", s);
        return -1;
    }
    memcpy(host, h, hl);
    host[hl] = 0;
    return 0;
}

static int ms_of(const char *val, uint32_t max, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(val, &end, 10);
    if (!*val || *end || errno || v > max)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int cli_endpoint_option(dnp3kit_master_config *cfg, const char *name, const char *val, char *why, size_t wcap)
{
    if (strcmp(name, "tls") != 0) { /* --tls takes no value: cli.c has it */
        int r = master_tls_option(&cfg->tls, name, val, why, wcap);
        if (r != 0)
            return r;
    }
    if (!strcmp(name, "serial")) {
        char w[200];
        if (dnp3kit_serial_parse(val, &cfg->serial, w, sizeof w) < 0) {
            snprintf(why, wcap, "--serial: %s", w);
            return -1;
        }
        cfg->transport = DNP3KIT_TRANSPORT_SERIAL;
        return 1;
    }
    if (!strcmp(name, "flow")) {
        if (!strcmp(val, "none"))
            cfg->serial.flow = DNP3KIT_FLOW_NONE;
        else if (!strcmp(val, "rtscts"))
            cfg->serial.flow = DNP3KIT_FLOW_RTSCTS;
        else if (!strcmp(val, "xonxoff"))
            cfg->serial.flow = DNP3KIT_FLOW_XONXOFF;
        else {
            snprintf(why, wcap, "--flow: none, rtscts or xonxoff, not '%s'", val);
            return -1;
        }
        return 1;
    }
    if (!strcmp(name, "turnaround") || !strcmp(name, "inter-char-timeout")) {
        uint32_t *f = name[0] == 't' ? &cfg->serial.turnaround_ms : &cfg->serial.inter_char_ms;
        if (ms_of(val, name[0] == 't' ? 1000 : 60000, f) < 0) {
            snprintf(why, wcap, "--%s: milliseconds (0-%u), not '%s'", name, name[0] == 't' ? 1000 : 60000, val);
            return -1;
        }
        return 1;
    }
    if (!strcmp(name, "tcp") || !strcmp(name, "udp") || !strcmp(name, "listen")) {
        if (name[0] == 'l' && val[0] == ':') { /* ":PORT": every IPv4 address */
            if (port_of(val + 1, &cfg->port) < 0) {
                snprintf(why, wcap, "--listen '%s': port must be 1-65535", val);
                return -1;
            }
            snprintf(cfg->host, sizeof cfg->host, "0.0.0.0");
        } else if (cli_endpoint_parse(val, cfg->host, sizeof cfg->host, &cfg->port, why, wcap) < 0) {
            return -1;
        }
        cfg->transport = name[0] == 't' ? DNP3KIT_TRANSPORT_TCP
                         : name[0] == 'u' ? DNP3KIT_TRANSPORT_UDP
                                          : DNP3KIT_TRANSPORT_TCP_LISTEN;
        return 1;
    }
    if (!strcmp(name, "listen-peer")) {
        if (strlen(val) >= sizeof cfg->listen_peer || !master_peer_valid(val)) {
            snprintf(why, wcap, "--listen-peer: a numeric IPv4 or IPv6 address, not '%s'", val);
            return -1;
        }
        snprintf(cfg->listen_peer, sizeof cfg->listen_peer, "%s", val);
        return 1;
    }
    if (!strcmp(name, "local-port")) {
        if (port_of(val, &cfg->local_port) < 0) {
            snprintf(why, wcap, "--local-port: 1-65535, not '%s'", val);
            return -1;
        }
        return 1;
    }
    return 0;
}
