#!/usr/bin/env python3
"""dnp3-outstation under connection abuse (loopback only, bounded counts).

usage: outstation_limits.py BUILD_DIR

1. fd exhaustion: the simulator runs with RLIMIT_NOFILE 256 and is sent 2,000
   idle connections. accept() then fails with EMFILE; the simulator must not
   spin (its CPU time, from /proc/PID/stat, stays a small part of the wall
   time), must log it at most once per 10 s, and a real `dnp3-master poll`
   must be served at once.
2. --max-connections 5 with 5 idle connections: a sixth (the real master)
   closes the longest idle one and is served.
3. --idle-timeout 1: a silent connection is closed after 1 s, not before.
4. dnp3-master --listen with no descriptor to accept with: the connection is
   closed at once, logged, and the master does not spin.
"""
import os
import re
import resource
import socket
import subprocess
import sys
import time

BUILD = sys.argv[1]
OS_BIN = os.path.join(BUILD, "tests/harness/dnp3-outstation")
MASTER = os.path.join(BUILD, "master/dnp3-master")
TICK = os.sysconf("SC_CLK_TCK")
fails = 0


def fail(msg):
    global fails
    fails += 1
    print("FAIL:", msg)


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15)


class Sim:
    def __init__(self, *args, nofile=None):
        def limit():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.log = open(os.path.join(TMP, "sim.log"), "w+")
        self.p = subprocess.Popen([OS_BIN, "--port", "0", *args], stderr=self.log, stdout=subprocess.DEVNULL,
                                  preexec_fn=limit)
        self.port = int(self.wait_line(r"listening on 127\.0\.0\.1:(\d+)").group(1))

    def text(self):
        self.log.seek(0)
        return self.log.read()

    def wait_line(self, regex, secs=10):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            m = re.search(regex, self.text())
            if m:
                return m
            if self.p.poll() is not None:
                break
            time.sleep(0.02)
        raise SystemExit("FAIL: no line /%s/ from the simulator:\n%s" % (regex, self.text()))

    def cpu_ticks(self):
        return cpu_ticks(self.p.pid)

    def stop(self):
        self.p.terminate()
        self.p.wait(timeout=10)
        self.log.close()


def poll_master(port, what):
    t0 = time.monotonic()
    r = subprocess.run([MASTER, "--port", str(port), "--timeout", "2000", "--retries", "0", "poll"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30, text=True)
    secs = time.monotonic() - t0
    if r.returncode != 0:
        fail("%s: dnp3-master poll exit %d: %s" % (what, r.returncode, r.stderr.strip()[:300]))
    elif secs > 5:
        fail("%s: dnp3-master poll took %.2f s" % (what, secs))
    print("%s: poll exit %d in %.2f s" % (what, r.returncode, secs))


def idle_clients(port, n):
    out = []
    for _ in range(n):
        s = socket.socket()
        s.settimeout(5)
        s.connect(("127.0.0.1", port))  # completes in the kernel backlog, accepted or not
        out.append(s)
    return out


def closed_by_peer(s, secs):
    """True when the simulator closed s within secs (EOF or reset)."""
    s.settimeout(secs)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def listening(port):
    """True once something listens on 127.0.0.1:port (from /proc/net/tcp, without connecting)."""
    want = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        return any(l.split()[1] == want and l.split()[3] == "0A" for l in list(f)[1:])


TMP = subprocess.check_output(["mktemp", "-d"], text=True).strip()

# ---- 1. fd exhaustion: 2,000 idle connections against a 256-descriptor limit ----
# (the case; this process needs a descriptor per client: fewer if its hard limit is low)
NCLIENTS = 2000
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < NCLIENTS + 64:
    want = NCLIENTS + 64 if hard == resource.RLIM_INFINITY else min(hard, NCLIENTS + 64)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    NCLIENTS = min(NCLIENTS, want - 64)
sim = Sim(nofile=256)
clients = idle_clients(sim.port, NCLIENTS)
sim.wait_line(r"accept: Too many open files: (\d+) idle connection")
# The measurement window: the poll, then one more second holding the 200 connections.
c0, w0 = sim.cpu_ticks(), time.monotonic()
poll_master(sim.port, "fd limit 256, %d idle connections" % NCLIENTS)
time.sleep(1.0)  # the window itself, not a wait for something to happen
c1, w1 = sim.cpu_ticks(), time.monotonic()
cpu_s, wall_s = (c1 - c0) / TICK, w1 - w0
print("fd limit: simulator used %.2f s CPU in %.2f s" % (cpu_s, wall_s))
if cpu_s > 0.25 * wall_s:
    fail("the simulator spins at the fd limit: %.2f s CPU in %.2f s" % (cpu_s, wall_s))
lines = len(re.findall(r"accept: ", sim.text()))
if lines > 2:
    fail("%d accept log lines in one 10 s interval, want at most 2:\n%s" % (lines, sim.text()))
for s in clients:
    s.close()
sim.stop()

# ---- 2. --max-connections: idle connections cannot lock a master out ----
sim = Sim("--max-connections", "5")
clients = idle_clients(sim.port, 5)
poll_master(sim.port, "--max-connections 5, 5 idle connections")
if not re.search(r"accept: connection limit: [1-9]\d* idle connection\(s\) closed to make room", sim.text()):
    fail("no eviction reported:\n" + sim.text())
if not closed_by_peer(clients[0], 5):
    fail("the longest-idle connection was not the one closed")
for s in clients:
    s.close()
sim.stop()

# ---- 3. --idle-timeout: a silent connection is closed after the timeout ----
sim = Sim("--idle-timeout", "1")
s = socket.create_connection(("127.0.0.1", sim.port), timeout=5)
t0 = time.monotonic()
if not closed_by_peer(s, 10):
    fail("--idle-timeout 1: a silent connection still open after 10 s")
secs = time.monotonic() - t0
print("idle timeout 1 s: closed after %.2f s" % secs)
if secs < 0.9:
    fail("--idle-timeout 1: closed after %.2f s, before the timeout" % secs)
sim.wait_line(r"closed 1 idle connection\(s\): nothing received for 1 s")
s.close()
# a master that talks is not idle: a poll still works on a fresh connection
poll_master(sim.port, "--idle-timeout 1")
sim.stop()

# ---- 4. dnp3-master --listen at its fd limit: the excess connection is closed at once ----
# The smallest limit at which the master still listens (it needs stdio, the listener and
# its spare descriptor) leaves no descriptor to accept with.
for nofile in range(4, 12):
    def limit(n=nofile):
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
    log = open(os.path.join(TMP, "master.log"), "w+")
    port = free_port()
    m = subprocess.Popen([MASTER, "--listen", "127.0.0.1:%d" % port, "--connect-timeout", "4000", "--retries", "0",
                          "poll"], stdout=subprocess.DEVNULL, stderr=log, preexec_fn=limit)
    end = time.monotonic() + 10
    while time.monotonic() < end and m.poll() is None and not listening(port):
        time.sleep(0.02)
    if m.poll() is not None or not listening(port):
        m.wait(timeout=10)
        continue  # could not even listen under this limit: one more descriptor
    c0 = cpu_ticks(m.pid)
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if not closed_by_peer(s, 1):
        fail("--listen under RLIMIT_NOFILE %d: the excess connection was not closed at once" % nofile)
    time.sleep(1.0)  # the measurement window (the master waits up to 4 s for its outstation)
    c1 = cpu_ticks(m.pid)
    s.close()
    try:
        m.wait(timeout=10)
    except subprocess.TimeoutExpired:
        m.kill()
        m.wait()
        fail("--listen: the master did not end 10 s after its 4 s connect timeout")
    log.seek(0)
    text = log.read()
    print("--listen, RLIMIT_NOFILE %d: excess connection closed, %.2f s CPU in about 1 s" % (nofile, (c1 - c0) / TICK))
    if not re.search(r"listen: accept: Too many open files: 1 new connection\(s\) closed at once", text):
        fail("--listen: no accept line:\n" + text)
    if c1 - c0 > 0.25 * TICK:
        fail("--listen spins at the fd limit: %d ticks in about 1 s" % (c1 - c0))
    break
else:
    fail("dnp3-master --listen did not listen under any limit of 4-11 descriptors")

subprocess.run(["rm", "-rf", TMP])
sys.exit(1 if fails else 0)
