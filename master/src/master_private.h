/* Private helpers shared by the master's layers. */
#ifndef DNP3KIT_MASTER_PRIVATE_H
#define DNP3KIT_MASTER_PRIVATE_H
#include <stddef.h>
#include <sys/socket.h>
#include "dnp3kit/master.h"

/* True when every queued task was started by the session itself. */
bool master_session_only_internal(const dnp3kit_master_session *s);

/* d = {code, host, port, "cannot connect to host:port: why"}. */
void master_connect_error(dnp3kit_error_detail *d, const char *host, uint16_t port, int code, const char *why);
#endif
