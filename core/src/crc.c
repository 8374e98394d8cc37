/* CRC-16/DNP (clause 9.2.4.1.3): reflected polynomial 0xA6BC (0x3D65), init 0,
 * final complement. Slicing-by-8 over tables computed at compile time would
 * need a generator; instead the 8 tables are filled once on first use. The
 * link layer runs a CRC over every octet, so this is the hot loop of `check`. */
#include <string.h>

#include "dnp3kit/crc.h"

static uint16_t tab[8][256];
static volatile int tab_ready;

static void init_tables(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint16_t c = (uint16_t)i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xA6BC) : (uint16_t)(c >> 1);
        tab[0][i] = c;
    }
    for (unsigned i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            tab[t][i] = (uint16_t)((tab[t - 1][i] >> 8) ^ tab[0][tab[t - 1][i] & 0xFF]);
    /* Tables are identical whichever thread fills them; the flag only saves work. */
    __atomic_store_n(&tab_ready, 1, __ATOMIC_RELEASE);
}

static uint16_t crc_raw(uint16_t crc, const uint8_t *p, size_t len)
{
    while (len >= 8) {
        uint32_t lo = (uint32_t)p[0] | (uint32_t)p[1] << 8;
        lo ^= crc;
        crc = (uint16_t)(tab[7][lo & 0xFF] ^ tab[6][lo >> 8] ^ tab[5][p[2]] ^ tab[4][p[3]] ^
                         tab[3][p[4]] ^ tab[2][p[5]] ^ tab[1][p[6]] ^ tab[0][p[7]]);
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = (uint16_t)((crc >> 8) ^ tab[0][(crc ^ *p++) & 0xFF]);
    return crc;
}

uint16_t dnp3kit_crc16(const uint8_t *p, size_t len)
{
    if (!__atomic_load_n(&tab_ready, __ATOMIC_ACQUIRE))
        init_tables();
    return (uint16_t)~crc_raw(0, p, len);
}

bool dnp3kit_crc16_check(const uint8_t *p, size_t len)
{
    uint16_t c = dnp3kit_crc16(p, len);
    return p[len] == (uint8_t)(c & 0xFF) && p[len + 1] == (uint8_t)(c >> 8);
}
