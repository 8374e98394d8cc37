#!/usr/bin/env python3
"""UDP relay between a master and an outstation on loopback that can lose or
duplicate datagrams, for tests/cli/master_udp.sh.

udp_proxy.py FAMILY(4|6) TARGET_PORT [--drop-first N] [--dup] [--stray]
Prints "listening on ADDR:PORT" (the port the master sends to) and one line
per datagram relayed ("m->o", "o->m", "drop", "dup") on stdout.
The first sender is taken as the master; datagrams from the target are the
outstation's answers. --stray: on the master's first datagram, also send it a
link frame from a third socket (an unexpected peer)."""
import select
import socket
import sys

fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
host = "::1" if fam == socket.AF_INET6 else "127.0.0.1"
target = (host, int(sys.argv[2]))
drop_first = int(sys.argv[sys.argv.index("--drop-first") + 1]) if "--drop-first" in sys.argv else 0
dup = "--dup" in sys.argv
stray = "--stray" in sys.argv
front = socket.socket(fam, socket.SOCK_DGRAM)
front.bind((host, 0))
back = socket.socket(fam, socket.SOCK_DGRAM)
back.bind((host, 0))
print("listening on %s:%d" % ("127.0.0.1" if fam == socket.AF_INET else "[::1]", front.getsockname()[1]), flush=True)
master = None
dropped = 0
while True:
    r, _, _ = select.select([front, back], [], [], 30)
    if not r:
        break
    for s in r:
        data, peer = s.recvfrom(65536)
        if s is front:
            if stray and master is None:
                other = socket.socket(fam, socket.SOCK_DGRAM)
                other.bind((host, 0))
                other.sendto(bytes.fromhex("056405c4010000000000"), peer)
                print("stray %d" % other.getsockname()[1], flush=True)
            master = peer
            if dropped < drop_first:
                dropped += 1
                print("drop m->o %d" % len(data), flush=True)
                continue
            n = 2 if dup else 1
            for _ in range(n):
                back.sendto(data, target)
            print("m->o %d%s" % (len(data), " dup" if dup else ""), flush=True)
        elif master is not None:
            n = 2 if dup else 1
            for _ in range(n):
                front.sendto(data, master)
            print("o->m %d%s" % (len(data), " dup" if dup else ""), flush=True)
