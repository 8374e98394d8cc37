/*
 * TLS (OpenSSL) for the channel layer and the simulator: contexts, the
 * non-blocking handshake, reads and writes, and the one-sentence reasons a
 * handshake fails; then the TLS client channel (TCP connect, then the
 * handshake, both driven by open/finish).
 *
 * Policy (docs/transports.md, "TLS"): TLS 1.2 at least; renegotiation refused
 * (SSL_OP_NO_RENEGOTIATION; TLS 1.3 has none); no session resumption (no
 * tickets, no session cache): every connection is a full handshake with a
 * full certificate check, which is what a DNP3 link that stays up for days
 * wants and keeps the failure messages the same on every attempt.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "channel.h"
#include "channel_tls.h"
#include "master_private.h"

struct master_tls_ctx {
    SSL_CTX *ctx;
    bool server, has_cert;
    char password[128];
};

struct master_tls {
    SSL *ssl;
    master_tls_ctx *x;
    bool asked;              /* client: the server asked for a certificate we do not have */
    X509 *bad;               /* the first certificate of the peer's chain that failed verification */
    char expect[256];
};

static const char *version_name(uint16_t v)
{
    return v == TLS1_3_VERSION ? "1.3" : v == TLS1_2_VERSION ? "1.2" : "highest";
}

static int password_cb(char *buf, int size, int rwflag, void *user)
{
    (void)rwflag;
    const master_tls_ctx *x = user;
    int n = (int)strlen(x->password);
    if (n >= size)
        return 0;
    memcpy(buf, x->password, (size_t)n);
    return n; /* 0 when none: OpenSSL then fails instead of asking on the terminal */
}

/* Keep the certificate that failed: after a failed handshake OpenSSL has no
 * peer certificate to ask for, and the message names its dates. */
static int verify_cb(int ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    master_tls *t = ssl ? SSL_get_app_data(ssl) : NULL;
    X509 *c = X509_STORE_CTX_get_current_cert(store);
    if (!ok && t && !t->bad && c && X509_up_ref(c) == 1)
        t->bad = c;
    return ok;
}

static int no_cert_cb(SSL *ssl, X509 **cert, EVP_PKEY **key)
{
    (void)cert;
    (void)key;
    master_tls *t = SSL_get_app_data(ssl);
    if (t)
        t->asked = true;
    return 0; /* go on without a certificate: the server says whether that is enough */
}

/* The first error of OpenSSL's queue as text, "" when empty. */
static const char *ssl_reason(unsigned long e)
{
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : "";
}

static void fail_files(char *why, size_t cap, const char *what, const char *file)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = ssl_reason(e);
    if (ERR_GET_LIB(e) == ERR_LIB_SYS || (!r[0] && errno))
        r = strerror(ERR_GET_LIB(e) == ERR_LIB_SYS ? ERR_GET_REASON(e) : errno);
    snprintf(why, cap, "TLS: cannot use %s '%s': %s", what, file, r[0] ? r : "unreadable or not PEM");
    ERR_clear_error();
}

/* A PEM private key under a password ("ENCRYPTED PRIVATE KEY", or the
 * traditional "Proc-Type: 4,ENCRYPTED"): then a failed load is the password's
 * fault, which OpenSSL's queue only says as "PEM lib" or decoder errors. */
static bool pem_encrypted(const char *file)
{
    FILE *f = fopen(file, "r");
    char line[256];
    bool enc = false;
    for (int n = 0; f && !enc && n < 10000 && fgets(line, sizeof line, f); n++)
        enc = strstr(line, "ENCRYPTED") != NULL;
    if (f)
        fclose(f);
    return enc;
}

master_tls_ctx *master_tls_ctx_new(const dnp3kit_tls_config *c, bool server, char *why, size_t cap)
{
    ERR_clear_error();
    master_tls_ctx *x = calloc(1, sizeof *x);
    if (!x || !(x->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()))) {
        snprintf(why, cap, "TLS: out of memory");
        free(x);
        return NULL;
    }
    x->server = server;
    snprintf(x->password, sizeof x->password, "%s", c->key_password);
    SSL_CTX *ctx = x->ctx;
    SSL_CTX_set_min_proto_version(ctx, c->min_version ? c->min_version : TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, c->max_version);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);
    /* writes may be partial and retried from a buffer that has moved (the
     * session's and the simulator's output queues) */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_default_passwd_cb(ctx, password_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, x);
    if (c->ciphers[0] && SSL_CTX_set_cipher_list(ctx, c->ciphers) != 1) {
        snprintf(why, cap, "TLS: --tls-ciphers '%s': no cipher OpenSSL knows", c->ciphers);
        goto bad;
    }
    if (c->ciphersuites[0] && SSL_CTX_set_ciphersuites(ctx, c->ciphersuites) != 1) {
        snprintf(why, cap, "TLS: --tls-ciphersuites '%s': not TLS 1.3 cipher suites OpenSSL knows", c->ciphersuites);
        goto bad;
    }
    if (c->cert_file[0]) {
        const char *key = c->key_file[0] ? c->key_file : c->cert_file;
        if (SSL_CTX_use_certificate_chain_file(ctx, c->cert_file) != 1) {
            fail_files(why, cap, "certificate", c->cert_file);
            goto bad;
        }
        if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
            if (pem_encrypted(key)) {
                snprintf(why, cap, "TLS: cannot decrypt private key '%s': %s", key,
                         c->key_password[0] ? "wrong password" : "it is encrypted and no password was given");
                ERR_clear_error();
            } else {
                fail_files(why, cap, "private key", key);
            }
            goto bad;
        }
        if (SSL_CTX_check_private_key(ctx) != 1) {
            snprintf(why, cap, "TLS: private key '%s' does not belong to certificate '%s'", key, c->cert_file);
            goto bad;
        }
        x->has_cert = true;
    } else if (server) {
        snprintf(why, cap, "TLS: the server side needs its certificate and key (--tls-cert, --tls-key)");
        goto bad;
    }
    if (c->ca_file[0]) {
        if (SSL_CTX_load_verify_locations(ctx, c->ca_file, NULL) != 1) {
            fail_files(why, cap, "CA file", c->ca_file);
            goto bad;
        }
        if (server) {
            STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(c->ca_file);
            if (names)
                SSL_CTX_set_client_CA_list(ctx, names);
        }
    } else if (!server) {
        SSL_CTX_set_default_verify_paths(ctx);
    }
    if (!server)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
    else if (c->ca_file[0])
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
    if (!server && !x->has_cert)
        SSL_CTX_set_client_cert_cb(ctx, no_cert_cb);
    ERR_clear_error();
    return x;
bad:
    master_tls_ctx_free(x);
    return NULL;
}

void master_tls_ctx_free(master_tls_ctx *x)
{
    if (!x)
        return;
    SSL_CTX_free(x->ctx);
    free(x);
}

master_tls *master_tls_new(master_tls_ctx *x, int fd, const char *expect, char *why, size_t cap)
{
    master_tls *t = calloc(1, sizeof *t);
    if (!t || !(t->ssl = SSL_new(x->ctx)) || SSL_set_fd(t->ssl, fd) != 1) {
        snprintf(why, cap, "TLS: out of memory");
        if (t)
            SSL_free(t->ssl);
        free(t);
        return NULL;
    }
    t->x = x;
    SSL_set_app_data(t->ssl, t);
    if (x->server) {
        SSL_set_accept_state(t->ssl);
    } else {
        SSL_set_connect_state(t->ssl);
        snprintf(t->expect, sizeof t->expect, "%s", expect ? expect : "");
        if (t->expect[0]) {
            /* an IP address is checked against the certificate's IP entries, a name against its DNS names */
            X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
            if (X509_VERIFY_PARAM_set1_ip_asc(vp, t->expect) != 1) {
                X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
                X509_VERIFY_PARAM_set1_host(vp, t->expect, 0);
                SSL_set_tlsext_host_name(t->ssl, t->expect);
            }
        }
    }
    return t;
}

void master_tls_free(master_tls *t)
{
    if (!t)
        return;
    SSL_free(t->ssl);
    X509_free(t->bad);
    free(t);
}

static void cert_time(const ASN1_TIME *a, char *b, size_t cap)
{
    struct tm tm;
    if (a && ASN1_TIME_to_tm(a, &tm) == 1)
        strftime(b, cap, "%Y-%m-%d %H:%M:%S UTC", &tm);
    else
        snprintf(b, cap, "?");
}

/* Why the peer's certificate failed verification. */
static void verify_failure(master_tls *t, char *why, size_t cap)
{
    long v = SSL_get_verify_result(t->ssl);
    const char *whose = t->x->server ? "the client certificate" : "the server certificate";
    const X509 *peer = t->bad;
    char when[40];
    switch (v) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
        snprintf(why, cap, "TLS: %s is not from a trusted CA (unknown CA: %s)", whose, X509_verify_cert_error_string(v));
        break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
        cert_time(peer ? X509_get0_notAfter(peer) : NULL, when, sizeof when);
        snprintf(why, cap, "TLS: %s has expired (not valid after %s)", whose, when);
        break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        cert_time(peer ? X509_get0_notBefore(peer) : NULL, when, sizeof when);
        snprintf(why, cap, "TLS: %s is not yet valid (not before %s)", whose, when);
        break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        snprintf(why, cap, "TLS: %s does not name '%s' (name mismatch; --tls-name sets the name expected)", whose,
                 t->expect);
        break;
    default:
        snprintf(why, cap, "TLS: %s was rejected: %s", whose, X509_verify_cert_error_string(v));
    }
}

/* One sentence for a failed handshake, read or write (ret: what OpenSSL returned). */
static void failure(master_tls *t, int ret, char *why, size_t cap)
{
    int e = SSL_get_error(t->ssl, ret);
    unsigned long q = ERR_peek_error();
    int reason = ERR_GET_REASON(q);
    const char *peer = t->x->server ? "the client" : "the server";
    if (e == SSL_ERROR_SYSCALL || (e == SSL_ERROR_SSL && q == 0) || reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        int en = errno;
        if (t->asked)
            snprintf(why, cap, "TLS: %s requires a client certificate, and none was given (--tls-cert, --tls-key; "
                               "it closed the connection)", peer);
        else if (q == 0 && en != 0 && en != EAGAIN && reason != SSL_R_UNEXPECTED_EOF_WHILE_READING)
            snprintf(why, cap, "TLS: %s", strerror(en));
        else
            snprintf(why, cap, "TLS: %s closed the connection during the handshake", peer);
    } else if (e == SSL_ERROR_ZERO_RETURN) {
        snprintf(why, cap, "TLS: %s closed the connection", peer);
    } else if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
        verify_failure(t, why, cap);
    } else if (reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED || reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE ||
               (t->asked && reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE)) {
        if (t->x->server)
            snprintf(why, cap, "TLS: the client sent no certificate, and one is required (--tls-ca is set)");
        else
            snprintf(why, cap, "TLS: the server requires a client certificate, and none was given (--tls-cert, "
                               "--tls-key)");
    } else if (reason == SSL_R_TLSV1_ALERT_UNKNOWN_CA) {
        snprintf(why, cap, "TLS: %s does not trust our certificate (alert: unknown CA)", peer);
    } else if (reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE || reason == SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED ||
               reason == SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN || reason == SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED ||
               reason == SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE) {
        snprintf(why, cap, "TLS: %s rejected our certificate (alert: %s)", peer, ssl_reason(q));
    } else if (reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION || reason == SSL_R_UNSUPPORTED_PROTOCOL ||
               reason == SSL_R_NO_PROTOCOLS_AVAILABLE || reason == SSL_R_VERSION_TOO_LOW ||
               reason == SSL_R_VERSION_TOO_HIGH) {
        snprintf(why, cap, "TLS: no protocol version in common with %s (ours: %s to %s; %s)", peer,
                 version_name((uint16_t)SSL_get_min_proto_version(t->ssl)),
                 version_name((uint16_t)SSL_get_max_proto_version(t->ssl)), ssl_reason(q));
    } else if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_HTTP_REQUEST ||
               reason == SSL_R_PACKET_LENGTH_TOO_LONG) {
        snprintf(why, cap, "TLS: %s does not speak TLS (%s): a plain TCP port?", peer, ssl_reason(q));
    } else if (reason == SSL_R_NO_SHARED_CIPHER || reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE) {
        snprintf(why, cap, "TLS: handshake failure with %s (%s): no cipher in common (--tls-ciphers, "
                           "--tls-ciphersuites)?", peer, ssl_reason(q));
    } else {
        snprintf(why, cap, "TLS: %s", q ? ssl_reason(q) : "handshake failed");
    }
    ERR_clear_error();
}

int master_tls_handshake(master_tls *t, bool *wants_read, char *why, size_t cap)
{
    ERR_clear_error();
    errno = 0;
    int r = SSL_do_handshake(t->ssl);
    if (r == 1)
        return 0;
    int e = SSL_get_error(t->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        *wants_read = e == SSL_ERROR_WANT_READ;
        return 1;
    }
    failure(t, r, why, cap);
    return -1;
}

void master_tls_describe(const master_tls *t, char *b, size_t cap)
{
    snprintf(b, cap, "%s %s", SSL_get_version(t->ssl), SSL_get_cipher_name(t->ssl));
}

ssize_t master_tls_read(master_tls *t, void *buf, size_t cap, char *why, size_t wcap)
{
    ERR_clear_error();
    errno = 0;
    int r = SSL_read(t->ssl, buf, cap > 1u << 30 ? 1 << 30 : (int)cap);
    if (r > 0) {
        /* the server took us: a later failure is not about the certificate it asked for (in TLS 1.3
         * its verdict on that comes after the handshake, as an alert or, racing it, a reset) */
        t->asked = false;
        return r;
    }
    int e = SSL_get_error(t->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        errno = EAGAIN;
        return -1;
    }
    if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0 && ERR_peek_error() == 0))
        return 0; /* close_notify, or a plain end of the TCP stream */
    int en = errno;
    failure(t, r, why, wcap);
    errno = e == SSL_ERROR_SYSCALL && en ? en : EPROTO;
    return -1;
}

ssize_t master_tls_write(master_tls *t, const void *p, size_t n, char *why, size_t wcap)
{
    ERR_clear_error();
    errno = 0;
    int r = SSL_write(t->ssl, p, n > 1u << 30 ? 1 << 30 : (int)n);
    if (r > 0)
        return r;
    int e = SSL_get_error(t->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        errno = EAGAIN;
        return -1;
    }
    int en = errno;
    failure(t, r, why, wcap);
    errno = e == SSL_ERROR_SYSCALL && en ? en : EPROTO;
    return -1;
}

/* ---- options ---- */

static int version_of(const char *v, uint16_t *out)
{
    if (!strcmp(v, "1.2"))
        *out = TLS1_2_VERSION;
    else if (!strcmp(v, "1.3"))
        *out = TLS1_3_VERSION;
    else
        return -1;
    return 0;
}

static int read_password(const char *file, char *out, size_t cap, char *why, size_t wcap)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        snprintf(why, wcap, "--tls-key-password-file '%s': %s", file, strerror(errno));
        return -1;
    }
    char line[256];
    if (!fgets(line, sizeof line, f))
        line[0] = 0;
    fclose(f);
    line[strcspn(line, "\r\n")] = 0;
    size_t n = strlen(line);
    if (n >= cap) {
        snprintf(why, wcap, "--tls-key-password-file '%s': the password is longer than %zu characters", file, cap - 1);
        return -1;
    }
    memcpy(out, line, n + 1); /* fits: checked above (gcc -Os could not see that through snprintf) */
    return 0;
}

int master_tls_option(dnp3kit_tls_config *c, const char *name, const char *val, char *why, size_t cap)
{
    static const struct {
        const char *name;
        size_t off, size;
    } S[] = {
#define F(n, f) {n, offsetof(dnp3kit_tls_config, f), sizeof(((dnp3kit_tls_config *)0)->f)}
        F("tls-ca", ca_file), F("tls-cert", cert_file), F("tls-key", key_file), F("tls-name", name),
        F("tls-ciphers", ciphers), F("tls-ciphersuites", ciphersuites),
#undef F
    };
    if (strncmp(name, "tls", 3) != 0)
        return 0;
    if (!strcmp(name, "tls")) {
        c->enabled = true;
        return 1;
    }
    for (size_t i = 0; i < sizeof S / sizeof S[0]; i++)
        if (!strcmp(name, S[i].name)) {
            if (!val[0] || strlen(val) >= S[i].size) {
                snprintf(why, cap, "--%s: empty or longer than %zu characters", name, S[i].size - 1);
                return -1;
            }
            snprintf((char *)c + S[i].off, S[i].size, "%s", val);
            c->enabled = true;
            return 1;
        }
    if (!strcmp(name, "tls-min-version") || !strcmp(name, "tls-max-version")) {
        if (version_of(val, name[4] == 'm' && name[5] == 'i' ? &c->min_version : &c->max_version) < 0) {
            snprintf(why, cap, "--%s: 1.2 or 1.3, not '%s'", name, val);
            return -1;
        }
        c->enabled = true;
        return 1;
    }
    if (!strcmp(name, "tls-key-password-file")) {
        if (read_password(val, c->key_password, sizeof c->key_password, why, cap) < 0)
            return -1;
        c->enabled = true;
        return 1;
    }
    return 0;
}

int master_tls_validate(const dnp3kit_tls_config *c, bool server, dnp3kit_error_detail *d)
{
    d->code = DNP3KIT_ERR_ARG;
    uint16_t lo = c->min_version ? c->min_version : TLS1_2_VERSION, hi = c->max_version ? c->max_version : TLS1_3_VERSION;
    if ((c->min_version && c->min_version != TLS1_2_VERSION && c->min_version != TLS1_3_VERSION) ||
        (c->max_version && c->max_version != TLS1_2_VERSION && c->max_version != TLS1_3_VERSION))
        snprintf(d->message, sizeof d->message, "tls: min_version/max_version must be 0x0303 (1.2), 0x0304 (1.3) or 0");
    else if (lo > hi)
        snprintf(d->message, sizeof d->message, "tls: the minimum version (%s) is above the maximum (%s)",
                 version_name(lo), version_name(hi));
    else if (server && !c->cert_file[0])
        snprintf(d->message, sizeof d->message,
                 "tls: listening with TLS needs the master's certificate and key (--tls-cert, --tls-key)");
    else
        return d->code = DNP3KIT_OK, DNP3KIT_OK;
    return DNP3KIT_ERR_ARG;
}

/* ---- the client channel: TCP connect, then the handshake ---- */

typedef struct tls_state {
    master_tls_ctx *x;
    master_tls *t;
} tls_state;

static void tls_free(master_channel *ch)
{
    tls_state *st = ch->state;
    if (st) {
        master_tls_free(st->t);
        master_tls_ctx_free(st->x);
        free(st);
    }
    ch->state = NULL;
}

static int tls_fail(master_channel *ch, dnp3kit_error_detail *d, const char *why)
{
    master_connect_error(d, ch->cfg->host, ch->cfg->port, DNP3KIT_ERR_CONNECT, why);
    tls_free(ch);
    if (ch->fd >= 0)
        close(ch->fd);
    ch->fd = -1;
    ch->stage = NULL;
    return -1;
}

static int tls_step(master_channel *ch, dnp3kit_error_detail *d)
{
    tls_state *st = ch->state;
    char why[200];
    bool rd = false;
    int r = master_tls_handshake(st->t, &rd, why, sizeof why);
    if (r < 0)
        return tls_fail(ch, d, why);
    ch->open_wants_read = r == 1 && rd;
    if (r == 0) {
        char b[96];
        master_tls_describe(st->t, b, sizeof b);
        master_channel_note(ch, "tls: %s with %s:%u", b, ch->cfg->host, ch->cfg->port);
        ch->stage = NULL;
    }
    return r;
}

static int tls_finish(master_channel *ch, dnp3kit_error_detail *d)
{
    tls_state *st = ch->state;
    if (st->t)
        return tls_step(ch, d);
    int r = master_tcp_finish(ch, d);
    if (r != 0) {
        if (r < 0)
            tls_free(ch);
        return r;
    }
    char why[200];
    const char *expect = ch->cfg->tls.name[0] ? ch->cfg->tls.name : ch->cfg->host;
    if (!(st->t = master_tls_new(st->x, ch->fd, expect, why, sizeof why)))
        return tls_fail(ch, d, why);
    ch->stage = "TLS handshake";
    return tls_step(ch, d);
}

static int tls_open(master_channel *ch, dnp3kit_error_detail *d)
{
    char why[200];
    tls_state *st = calloc(1, sizeof *st);
    if (!st)
        return tls_fail(ch, d, "out of memory");
    ch->state = st;
    if (!(st->x = master_tls_ctx_new(&ch->cfg->tls, false, why, sizeof why)))
        return tls_fail(ch, d, why);
    ch->open_wants_read = false;
    int r = master_tcp_open(ch, d); /* an immediate connect has run tls_finish already */
    if (r < 0)
        tls_free(ch);
    return r;
}

static ssize_t tls_read(master_channel *ch, uint8_t *buf, size_t cap)
{
    tls_state *st = ch->state;
    return master_tls_read(st->t, buf, cap, ch->why, sizeof ch->why);
}

static ssize_t tls_write(master_channel *ch, const uint8_t *p, size_t n)
{
    tls_state *st = ch->state;
    return master_tls_write(st->t, p, n, ch->why, sizeof ch->why);
}

static void tls_close(master_channel *ch)
{
    tls_state *st = ch->state;
    if (st && st->t)
        SSL_shutdown(st->t->ssl); /* close_notify, best effort: the socket is non-blocking */
    tls_free(ch);
    master_channel_close_fd(ch);
    ch->open_wants_read = false;
    ch->stage = NULL;
}

const master_channel_ops master_channel_tls = {"tls", tls_open, tls_finish, tls_read, tls_write, tls_close};
