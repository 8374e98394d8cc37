#!/usr/bin/env python3
"""Tiny hand-built DNP3 master for the outstation smoke test (loopback only).

usage: outstation_smoke.py PORT
Sends link status, an integrity poll, clears DEVICE_RESTART, a direct-operate
CROB and reads it back; checks every frame's CRCs, DIR/PRM bits, SEQ echo, the
objects of class 0 and the IIN bits.
"""
import socket
import struct
import sys


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
    return (~crc) & 0xFFFF


def frame(ctrl, dst, src, user=b""):
    hdr = bytes([0x05, 0x64, 5 + len(user), ctrl]) + struct.pack("<HH", dst, src)
    out = hdr + struct.pack("<H", crc16(hdr))
    for i in range(0, len(user), 16):
        blk = user[i:i + 16]
        out += blk + struct.pack("<H", crc16(blk))
    return out


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.tseq = 0

    def recv_frame(self):
        while True:
            if len(self.buf) >= 10:
                assert self.buf[0:2] == b"\x05\x64", "frame start %r" % self.buf[:2]
                ln = self.buf[2]
                nuser = ln - 5
                total = 10 + nuser + 2 * ((nuser + 15) // 16)
                if len(self.buf) >= total:
                    f, self.buf = self.buf[:total], self.buf[total:]
                    assert crc16(f[:8]) == struct.unpack("<H", f[8:10])[0], "header CRC"
                    user, pos = b"", 10
                    while pos < total:
                        n = min(16, total - pos - 2)
                        blk = f[pos:pos + n]
                        assert crc16(blk) == struct.unpack("<H", f[pos + n:pos + n + 2])[0], "block CRC"
                        user += blk
                        pos += n + 2
                    ctrl = f[3]
                    dst, src = struct.unpack("<HH", f[4:8])
                    return ctrl, dst, src, user
            chunk = self.s.recv(4096)
            assert chunk, "connection closed"
            self.buf += chunk

    def request(self, apdu):
        seg = bytes([0xC0 | self.tseq]) + apdu  # FIR|FIN, one segment
        self.tseq = (self.tseq + 1) & 0x3F
        self.s.sendall(frame(0xC4, 10, 1, seg))  # DIR=1 PRM=1 UNCONFIRMED_USER_DATA
        frag = b""
        while True:
            ctrl, dst, src, user = self.recv_frame()
            assert ctrl == 0x44, "outstation user data must be DIR=0 PRM=1 func 4: %#x" % ctrl
            assert (dst, src) == (1, 10)
            th = user[0]
            if th & 0x40:
                frag = b""
            frag += user[1:]
            if th & 0x80:
                return frag


def main():
    port = int(sys.argv[1])
    expect_ai1 = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--expect-ai1" else None
    c = Conn(port)
    # link status
    c.s.sendall(frame(0xC9, 10, 1))
    ctrl, dst, src, user = c.recv_frame()
    assert ctrl & 0x0F == 11 and not ctrl & 0xC0, "LINK_STATUS expected, ctrl %#x" % ctrl
    # integrity poll: g60v2, v3, v4, v1
    rsp = c.request(bytes([0xC3, 0x01, 60, 2, 6, 60, 3, 6, 60, 4, 6, 60, 1, 6]))
    assert rsp[1] == 0x81 and rsp[0] & 0x0F == 3, "RESPONSE seq 3 expected: %r" % rsp[:2]
    iin = rsp[2] << 8 | rsp[3]
    assert iin & 0x8000, "DEVICE_RESTART expected at start"
    pos, groups = 4, []
    sizes = {(1, 2): 1, (3, 2): 1, (10, 2): 1, (20, 1): 5, (21, 1): 5, (30, 1): 5, (40, 1): 5}
    while pos < len(rsp):
        g, v, q = rsp[pos:pos + 3]
        assert q == 0, "start-stop 8-bit qualifier expected, got %#x" % q
        start, stop = rsp[pos + 3], rsp[pos + 4]
        pos += 5 + (stop - start + 1) * sizes[(g, v)]
        groups.append((g, v, start, stop))
    assert pos == len(rsp), "objects do not fill the fragment"
    got = [(g, v) for g, v, _, _ in groups]
    assert got == [(1, 2), (3, 2), (10, 2), (20, 1), (21, 1), (30, 1), (40, 1)], got
    if expect_ai1 is not None:
        # find g30v1 and check point 1
        pos = 4
        while pos < len(rsp):
            g, v, q, start, stop = rsp[pos:pos + 5]
            if (g, v) == (30, 1):
                val = struct.unpack("<i", rsp[pos + 5 + 5 + 1:pos + 5 + 5 + 5])[0]
                assert val == expect_ai1, "ai.1 = %d, expected %d" % (val, expect_ai1)
            pos += 5 + (stop - start + 1) * sizes[(g, v)]
    # clear DEVICE_RESTART: WRITE g80v1 q=0 start 7 stop 7 value 0
    rsp = c.request(bytes([0xC4, 0x02, 80, 1, 0, 7, 7, 0]))
    assert rsp[0] & 0x0F == 4 and not (rsp[2] << 8 | rsp[3]) & 0x8000, "restart not cleared"
    # direct operate LATCH_ON on output 1: g12v1 q=0x28 count 1 index 1
    crob = bytes([12, 1, 0x28, 1, 0, 1, 0, 0x03, 1]) + struct.pack("<II", 0, 0) + b"\x00"
    rsp = c.request(bytes([0xC5, 0x05]) + crob)
    assert rsp[4:] == crob[:-1] + b"\x00", "CROB echo with SUCCESS expected"
    # read g10v2 0..3: output 1 now on
    rsp = c.request(bytes([0xC6, 0x01, 10, 2, 0, 0, 3]))
    assert rsp[4:9] == bytes([10, 2, 0, 0, 3]) and rsp[10] & 0x80, "output 1 must be on: %r" % rsp
    # an unknown function: NO_FUNC_CODE_SUPPORT
    rsp = c.request(bytes([0xC7, 0x1F]))
    assert rsp[3] & 0x01, "NO_FUNC_CODE_SUPPORT expected"
    print("outstation smoke: OK")


if __name__ == "__main__":
    main()
