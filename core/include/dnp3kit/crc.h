/* CRC-16/DNP: polynomial 0x3D65 (reflected 0xA6BC), init 0, final complement (clause 9.2.4.1.3). */
#ifndef DNP3KIT_CRC_H
#define DNP3KIT_CRC_H
#include "dnp3kit/common.h"
#ifdef __cplusplus
extern "C" {
#endif

/* CRC of p[0..len). The value is transmitted low octet first. */
uint16_t dnp3kit_crc16(const uint8_t *p, size_t len);
/* True when the two octets at p[len], p[len+1] hold the CRC of p[0..len). */
bool dnp3kit_crc16_check(const uint8_t *p, size_t len);

#ifdef __cplusplus
}
#endif
#endif
