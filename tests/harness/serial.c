/* dnp3-outstation on a serial line: a device (--serial) or a pseudo-terminal it creates (--pty). */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "dnp3kit/master.h"
#include "serial.h"

int os_serial_open(const char *spec, bool pty, char *name, size_t cap, int *keep_fd)
{
    dnp3kit_master_config mc;
    dnp3kit_master_config_default(&mc); /* the serial defaults: 9600 8N1, no flow control */
    dnp3kit_serial_config *c = &mc.serial;
    char why[200];
    *keep_fd = -1;
    if (pty) {
        int m, s;
        char path[128];
        if (openpty(&m, &s, path, NULL, NULL) < 0) {
            fprintf(stderr, "dnp3-outstation: cannot create a pseudo-terminal: %s\n", strerror(errno));
            return -1;
        }
        /* The far end opens the slave; keeping it open here too means the
         * master side never sees a hang-up between two dnp3-master runs, and
         * raw mode from the start means nothing is echoed before it does. */
        struct termios t;
        tcgetattr(s, &t);
        cfmakeraw(&t);
        tcsetattr(s, TCSANOW, &t);
        fcntl(m, F_SETFL, fcntl(m, F_GETFL, 0) | O_NONBLOCK);
        snprintf(name, cap, "%s", path);
        *keep_fd = s;
        return m;
    }
    if (dnp3kit_serial_parse(spec, c, why, sizeof why) < 0) {
        fprintf(stderr, "dnp3-outstation: --serial: %s\n", why);
        return -1;
    }
    int fd = open(c->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "dnp3-outstation: cannot open serial port %s: %s\n", c->device, strerror(errno));
        return -1;
    }
    int rc = dnp3kit_serial_configure(fd, c, why, sizeof why);
    if (rc > 0)
        fprintf(stderr, "dnp3-outstation: serial port %s: %s\n", c->device, why);
    if (rc < 0) {
        fprintf(stderr, "dnp3-outstation: serial port %s: %s\n", c->device, why);
        close(fd);
        return -1;
    }
    snprintf(name, cap, "%s at %u %u%c%u", c->device, c->baud, c->data_bits, c->parity, c->stop_bits);
    return fd;
}
