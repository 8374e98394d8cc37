/* CRC-16/DNP: polynomial 0x3D65 (reflected 0xA6BC), init 0, final complement (clause 9.2.4.1.3). */
#ifndef DNP3KIT_CRC_H
#define DNP3KIT_CRC_H
#include "dnp3kit/common.h"
#ifdef __cplusplus
extern "C" {
#endif
DNP3KIT_API_BEGIN

/* CRC of p[0..len). The value is transmitted low octet first. */
uint16_t dnp3kit_crc16(const uint8_t *p, size_t len);
/* True when the two octets at p[len], p[len+1] hold the CRC of p[0..len). */
bool dnp3kit_crc16_check(const uint8_t *p, size_t len);
/* Checks every data block of a link frame body: q points at the first block
 * (16 data octets + 2 CRC octets each, the last block shorter), user_len is the
 * number of data octets (at most 512 are looked at). Returns a mask of the
 * blocks whose CRC is wrong: bit i for block i + 1; 0 when all are right.
 * With AVX-512 and VPCLMULQDQ, four blocks per step; never reads past the
 * body's last CRC octet. */
uint32_t dnp3kit_crc16_check_blocks(const uint8_t *q, size_t user_len);
uint32_t dnp3kit_crc16_check_blocks_portable(const uint8_t *q, size_t user_len);
/* Which implementation dnp3kit_crc16_check_blocks uses here: "vpclmul"
 * (x86-64 AVX-512 carry-less multiply, four blocks at once) or "table";
 * chosen at start-up from CPUID. dnp3kit_crc16 always uses the table. */
const char *dnp3kit_crc16_impl(void);

DNP3KIT_API_END
#ifdef __cplusplus
}
#endif
#endif
