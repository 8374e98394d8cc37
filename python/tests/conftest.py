"""Fixtures: the simulator on loopback, paths of the build and the captures.

ctest runs this suite with DNP3KIT_LIB_DIR (the shared libraries),
DNP3KIT_PCAP, DNP3KIT_OUTSTATION, DNP3KIT_EXTRACT_SEEDS and DNP3KIT_SOURCE_DIR
set (tests/CMakeLists.txt); run by hand, set them the same way.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

SOURCE_DIR = os.environ.get("DNP3KIT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
CAPTURES = os.path.join(SOURCE_DIR, "captures")


def crafted_captures() -> list:
    return sorted(os.path.join(CAPTURES, f) for f in os.listdir(CAPTURES) if f.endswith(".pcap"))


class Outstation:
    """A dnp3-outstation on 127.0.0.1, port chosen by the kernel (--port 0);
    started when its "listening on" line (with --pty: "serial on") arrives on
    stdout."""

    def __init__(self, *args: str) -> None:
        exe = os.environ.get("DNP3KIT_OUTSTATION")
        if not exe:
            pytest.skip("DNP3KIT_OUTSTATION not set")
        # --pdeathsig: should pytest itself die (a crash, ctest's timeout), the
        # kernel kills the simulator too; the fixtures' finalizers cover the rest
        guard = ["setpriv", "--pdeathsig", "KILL"] if shutil.which("setpriv") else []
        self.proc = subprocess.Popen([*guard, exe, "--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines: list = []
        self.port = None
        self.pty = None  # with --pty: the path of its pseudo-terminal
        ready = threading.Event()

        def read() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self.lines.append(line)
                if self.port is None and "listening on 127.0.0.1:" in line:
                    self.port = int(line.split("listening on 127.0.0.1:")[1].split()[0].rstrip(","))
                    ready.set()
                if "dialling " in line:  # --connect: it dials the master by itself
                    ready.set()
                if self.pty is None and "serial on /dev/" in line:
                    self.pty = line.split("serial on ")[1].split(",")[0]
                    ready.set()
            ready.set()

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        if not ready.wait(30) or (self.port is None and self.pty is None and "--connect" not in args):
            self.stop()
            raise RuntimeError("dnp3-outstation did not start: " + "".join(self.lines))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)


def master(port: int, **kw):
    """A dnp3kit.Master to 127.0.0.1:port with short timeouts and no retries
    (a test's keywords override them)."""
    from dnp3kit import Master
    kw.setdefault("response_timeout", 2.0)
    kw.setdefault("connect_timeout", 2.0)
    kw.setdefault("retries", 0)
    kw.setdefault("retry_delay", 0.1)
    return Master("127.0.0.1", port, **kw)


@pytest.fixture
def outstation():
    """outstation(*args) -> Outstation; every one started is stopped at the end."""
    started: list = []

    def start(*args: str) -> Outstation:
        o = Outstation(*args)
        started.append(o)
        return o

    yield start
    for o in started:
        o.stop()


@pytest.fixture
def refused_port():
    """A port on 127.0.0.1 that refuses connections: bound by this test, not
    listening (so nothing else can take it meanwhile)."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    yield s.getsockname()[1]
    s.close()
