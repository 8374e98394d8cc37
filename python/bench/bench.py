#!/usr/bin/env python3
"""Python binding cost, beside the C figures (README "Python" speed table).

usage: bench.py BUILD_DIR PORT CAPTURE [POLLS]
  polls/s: dnp3kit.Master.integrity_poll and DNP3Master.integrity_poll back
           to back against dnp3-outstation on PORT (the C figure comes from
           dnp3-master-bench rtt on the same outstation, run by bench.sh);
  decode:  dnp3kit.decode over the TCP streams of CAPTURE (DNP3 octets per
           second) against `dnp3-pcap decode --json CAPTURE` (C, JSON out);
  per call: a ctypes call into libdnp3kit (dnp3kit_crc16 of 1 octet)
           against the same loop with a Python no-op, in ns.
"""
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

import dnp3kit  # noqa: E402
from dnp3kit import _lib  # noqa: E402
from pcapread import streams  # noqa: E402


def polls(port: int, n: int) -> None:
    # Back to back, as the C figure is a round trip: the default request-rate
    # cap (100/s) would otherwise be what is measured.
    with dnp3kit.Master("127.0.0.1", port, max_requests_per_s=0) as m:
        m.integrity_poll()
        t = time.perf_counter()
        for _ in range(n):
            m.integrity_poll()
        dt = time.perf_counter() - t
    print(f"python dnp3kit.Master.integrity_poll: {n / dt:,.0f} polls/s ({dt / n * 1e6:.0f} us per poll)")
    cfg = dnp3kit.DNP3Config(port=port, enable_unsolicited=False, confirm_required=False,
                             class_0_poll_interval=0, class_1_poll_interval=0, class_2_poll_interval=0,
                             class_3_poll_interval=0)
    # the compatibility layer has no option for the cap (the old driver had
    # none): its Master is built uncapped for this measurement only
    from dnp3kit.compat import _api

    class Uncapped(_api.Master):
        def __init__(self, *a, **k):
            k.setdefault("max_requests_per_s", 0)
            super().__init__(*a, **k)

    _api.Master = Uncapped
    with dnp3kit.DNP3Master(cfg).connect() as m:
        m.integrity_poll()
        t = time.perf_counter()
        for _ in range(n):
            assert m.integrity_poll().success
        dt = time.perf_counter() - t
    print(f"python DNP3Master.integrity_poll (compat): {n / dt:,.0f} polls/s ({dt / n * 1e6:.0f} us per poll)")


def decode(build: str, capture: str) -> None:
    chunks = [c for cs in streams(capture).values() for c in cs]
    octets = sum(len(c) for c in chunks)
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        n = sum(len(dnp3kit.decode(c)) for c in chunks)
        runs.append(time.perf_counter() - t)
    dt = statistics.median(runs)
    print(f"python dnp3kit.decode: {octets / dt / 1e6:.2f} MB/s of DNP3 octets ({n / dt:,.0f} fragments/s, "
          f"{octets} octets, {n} fragments)")
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([os.path.join(build, "pcaptools", "dnp3-pcap"), "decode", "--json", capture],
                       stdout=subprocess.DEVNULL, check=False)
        runs.append(time.perf_counter() - t)
    dt = statistics.median(runs)
    print(f"C dnp3-pcap decode --json: {octets / dt / 1e6:.2f} MB/s of DNP3 octets "
          f"({os.path.getsize(capture)} octets of capture, process start included)")


def per_call() -> None:
    import ctypes
    buf = (ctypes.c_uint8 * 1)(0x5A)
    f = _lib.core.dnp3kit_crc16
    n = 200000

    def noop(_a, _b):
        return 0

    for name, fn in (("ctypes dnp3kit_crc16(1 octet)", f), ("python no-op function", noop)):
        t = time.perf_counter()
        for _ in range(n):
            fn(buf, 1)
        print(f"{name}: {(time.perf_counter() - t) / n * 1e9:.0f} ns per call")


if __name__ == "__main__":
    build, port, capture = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    polls(port, int(sys.argv[4]) if len(sys.argv) > 4 else 2000)
    decode(build, capture)
    per_call()
