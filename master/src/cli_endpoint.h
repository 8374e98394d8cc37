/* dnp3-master's endpoint options (--tcp, --udp ...): one syntax for every transport. */
#ifndef DNP3KIT_CLI_ENDPOINT_H
#define DNP3KIT_CLI_ENDPOINT_H
#include <stddef.h>
#include <stdint.h>
#include "dnp3kit/master.h"

/* "HOST", "HOST:PORT", "[IPV6]" or "[IPV6]:PORT" (a bare IPv6 address without
 * brackets is taken whole as the host). 0, or -1 with why[] filled. */
int cli_endpoint_parse(const char *s, char *host, size_t hcap, uint16_t *port, char *why, size_t wcap);

/* Apply an endpoint option (name without "--", value) to cfg. 1 taken,
 * 0 not an endpoint option, -1 bad value (why[] filled). */
int cli_endpoint_option(dnp3kit_master_config *cfg, const char *name, const char *val, char *why, size_t wcap);

/* Options text for --help. */
extern const char cli_endpoint_help[];
#endif
