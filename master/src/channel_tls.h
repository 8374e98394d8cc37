/*
 * TLS over a connected TCP socket (OpenSSL), for the master's TLS channels
 * (client: channel_tls.c's ops; listen: channel_listen.c) and for
 * dnp3-outstation (server and dialling client). Everything non-blocking; every
 * failure comes back as one sentence naming its cause (unknown CA, expired,
 * name mismatch, no client certificate, no common version ...).
 */
#ifndef DNP3KIT_MASTER_CHANNEL_TLS_H
#define DNP3KIT_MASTER_CHANNEL_TLS_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "dnp3kit/master.h"

typedef struct master_tls_ctx master_tls_ctx; /* SSL_CTX: certificates, versions, ciphers */
typedef struct master_tls master_tls;         /* one connection */

/* A context for the client side (server = false: verifies the server's
 * certificate against c->ca_file or the system store) or the server side
 * (needs cert_file; with ca_file it requires and verifies a client
 * certificate). NULL with why[] naming the file or setting at fault. */
master_tls_ctx *master_tls_ctx_new(const dnp3kit_tls_config *c, bool server, char *why, size_t cap);
void master_tls_ctx_free(master_tls_ctx *x);

/* Start TLS on a connected non-blocking socket (which stays the caller's to
 * close). Client: expect is the name or IP address the server certificate
 * must carry. NULL with why[] when memory is short. */
master_tls *master_tls_new(master_tls_ctx *x, int fd, const char *expect, char *why, size_t cap);
void master_tls_free(master_tls *t);

/* Advance the handshake: 0 done, 1 not yet (wait for the fd readable when
 * *wants_read, else writable), -1 failed with why[] saying why. */
int master_tls_handshake(master_tls *t, bool *wants_read, char *why, size_t cap);
/* The version and cipher agreed, e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384". */
void master_tls_describe(const master_tls *t, char *b, size_t cap);

/* As recv/send on a non-blocking socket: > 0 octets; read 0: the peer closed
 * cleanly; -1 with errno (EAGAIN: nothing now; else why[] names the cause,
 * e.g. an alert the peer sent after the handshake). */
ssize_t master_tls_read(master_tls *t, void *buf, size_t cap, char *why, size_t wcap);
ssize_t master_tls_write(master_tls *t, const void *p, size_t n, char *why, size_t wcap);

/* Parse a TLS option (name without "--", e.g. "tls-ca") into c: 1 taken,
 * 0 not a TLS option, -1 bad value (why[] filled). "tls" takes no value. */
int master_tls_option(dnp3kit_tls_config *c, const char *name, const char *val, char *why, size_t cap);
/* DNP3KIT_OK or ERR_ARG with d->message naming the bad setting. */
int master_tls_validate(const dnp3kit_tls_config *c, bool server, dnp3kit_error_detail *d);
#endif
