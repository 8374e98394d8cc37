#ifndef DNP3KIT_OS_SERIAL_H
#define DNP3KIT_OS_SERIAL_H
#include <stdbool.h>
#include <stddef.h>
/* Open spec ("DEVICE[:BAUD[,8N1]]") in raw mode, or (pty) create a
 * pseudo-terminal and return its master side, the slave's path in name and
 * the slave kept open in *keep_fd. The fd is non-blocking; -1 with a message
 * on stderr. */
int os_serial_open(const char *spec, bool pty, char *name, size_t cap, int *keep_fd);
#endif
