/* Private helpers shared by the master's layers. */
#ifndef DNP3KIT_MASTER_PRIVATE_H
#define DNP3KIT_MASTER_PRIVATE_H
#include <stddef.h>
#include <sys/socket.h>
#include "dnp3kit/master.h"

/* True when every queued task was started by the session itself. */
bool master_session_only_internal(const dnp3kit_master_session *s);

/* Start a non-blocking TCP connect to host:port. Returns the fd (connect in
 * progress or done) or -1 with d filled (ERR_CONNECT, host, port). */
int master_tcp_start(const char *host, uint16_t port, dnp3kit_error_detail *d);
/* Result of a connect in progress once writable: 0 or -1 with d filled. */
int master_tcp_finish(int fd, const char *host, uint16_t port, dnp3kit_error_detail *d);
void master_connect_error(dnp3kit_error_detail *d, const char *host, uint16_t port, int code, const char *why);
#endif
