"""dnp3kit.Master over every transport of the C library, against dnp3-outstation:
TLS (certificates made here by the openssl command; mutual authentication with
an encrypted key and its password file; refusals), UDP, a serial
pseudo-terminal; the request rate cap; and the validation of every transport
and safety option (the error names the option)."""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest

import dnp3kit
from dnp3kit import DNP3CommunicationError, DNP3Error, Master, Serial, Tls

SIM = ("--binary-inputs", "3", "--analog-inputs", "2", "--set", "ai.1=42")


def master(port: int = 20000, **kw) -> Master:
    kw.setdefault("response_timeout", 3.0)
    kw.setdefault("connect_timeout", 3.0)
    kw.setdefault("retries", 0)
    return Master("127.0.0.1", port, **kw)


def logged(o, text: str, timeout: float = 20.0) -> bool:
    """Whether the simulator printed a line with text within timeout (its reader
    thread may take the line after the call that caused it has returned)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(text in line for line in o.lines):
            return True
        time.sleep(0.02)  # polling a condition with a deadline
    return False


def has_points(r) -> None:
    ai = {p.index: p.value for p in r.of("ai")}
    assert ai.get(1) == 42 and len(r.of("bi")) == 3, r.points


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """A CA, a server certificate for 127.0.0.1/localhost, a client certificate
    whose key is encrypted (password in a file), and a certificate of another CA."""
    if not shutil.which("openssl"):
        pytest.skip("no openssl command (scripts/deps.sh installs it)")
    d = tmp_path_factory.mktemp("certs")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=60)

    for ca in ("ca", "ca2"):
        run("req", "-x509", *ec, "-keyout", f"{ca}.key", "-out", f"{ca}.pem", "-days", "3", "-subj", f"/CN={ca}")
    for leaf, ca, subj, san in (("server", "ca", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
                                ("other", "ca2", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
                                ("client", "ca", "/CN=dnp3kit master", "basicConstraints=CA:FALSE")):
        run("req", "-x509", *ec, "-keyout", f"{leaf}.key", "-out", f"{leaf}.pem", "-days", "2", "-subj", subj,
            "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-addext", san)
    run("pkey", "-in", "client.key", "-aes256", "-passout", "pass:right", "-out", "client-enc.key")
    (d / "right.pw").write_text("right\n")
    (d / "wrong.pw").write_text("wrong\n")
    return d


def tls_outstation(outstation, certs, *extra: str, cert: str = "server"):
    return outstation(*SIM, "--tls", "--tls-cert", str(certs / f"{cert}.pem"), "--tls-key", str(certs / f"{cert}.key"),
                      *extra)


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_poll_over_tls(outstation, certs, version):
    o = tls_outstation(outstation, certs)
    with master(o.port, tls=Tls(ca=str(certs / "ca.pem"), min_version=version, max_version=version)) as m:
        has_points(m.integrity_poll())
    assert logged(o, f"tls: TLSv{version} "), o.lines


def test_tls_mutual_authentication_with_key_password_file(outstation, certs):
    o = tls_outstation(outstation, certs, "--tls-ca", str(certs / "ca.pem"))
    tls = Tls(ca=str(certs / "ca.pem"), cert=str(certs / "client.pem"), key=str(certs / "client-enc.key"),
              key_password_file=str(certs / "right.pw"), name="localhost", ciphersuites="TLS_AES_256_GCM_SHA384")
    with master(o.port, tls=tls) as m:
        has_points(m.integrity_poll())
    # the same key with the password given directly
    tls.key_password_file, tls.key_password = None, "right"
    with master(o.port, tls=tls) as m:
        has_points(m.read_class(0))
    # no client certificate: the outstation that requires one refuses the handshake
    with pytest.raises(DNP3CommunicationError):
        with master(o.port, tls=Tls(ca=str(certs / "ca.pem"))) as m:
            m.integrity_poll()


def test_tls_refusals_name_their_cause(outstation, certs):
    o = tls_outstation(outstation, certs, cert="other")
    with pytest.raises(DNP3Error) as e:  # a certificate of an unknown CA
        with master(o.port, tls=Tls(ca=str(certs / "ca.pem"))) as m:
            m.integrity_poll()
    assert "trusted CA" in str(e.value), e.value
    o = tls_outstation(outstation, certs)
    with pytest.raises(DNP3Error) as e:  # the name is not in the certificate
        with master(o.port, tls=Tls(ca=str(certs / "ca.pem"), name="elsewhere.example")) as m:
            m.integrity_poll()
    assert "does not name 'elsewhere.example'" in str(e.value), e.value
    with pytest.raises(DNP3Error) as e:  # a wrong key password
        wrong = Tls(ca=str(certs / "ca.pem"), cert=str(certs / "client.pem"), key=str(certs / "client-enc.key"),
                        key_password_file=str(certs / "wrong.pw"))
        with master(o.port, tls=wrong) as m:
            m.integrity_poll()
    assert "password" in str(e.value), e.value
    plain = outstation(*SIM)
    with pytest.raises(DNP3Error):  # a plain TCP port does not speak TLS
        with master(plain.port, tls=Tls(ca=str(certs / "ca.pem"))) as m:
            m.integrity_poll()


def test_poll_over_udp(outstation):
    o = outstation(*SIM, "--udp")
    with master(o.port, transport="udp") as m:
        has_points(m.integrity_poll())
        m.operate_binary(0, "on", mode="sbo")
    assert any("(tcp+udp)" in line for line in o.lines)


def test_poll_over_serial_pty(outstation):
    o = outstation(*SIM, "--pty")
    assert o.pty and o.pty.startswith("/dev/"), o.lines
    with Master(serial=Serial(o.pty, baud=19200, parity="N", turnaround=0.005, inter_char_timeout=0.5),
                response_timeout=3.0, retries=0) as m:
        assert m.transport == "serial"
        has_points(m.integrity_poll())
        m.operate_binary(1, "off", mode="direct")


def test_link_confirm_over_serial_pty(outstation):
    o = outstation(*SIM, "--pty")
    frames = []
    m = Master(serial=Serial(o.pty, baud=19200), response_timeout=3.0, retries=0, iin_reactions=False,
               link_confirm=True, link_timeout=0.5, link_retries=1)
    m.set_wire_hook(lambda ev, tx, data: frames.append(data) if ev == "data" and tx else None)
    with m:
        has_points(m.integrity_poll())
    # the master's first frame resets the link (RESET_LINK_STATES, DIR|PRM), its request
    # then goes as CONFIRMED_USER_DATA with FCB 1 and FCV 1 (control octet 0xF3)
    assert frames and frames[0][:4] == b"\x05\x64\x05\xc0", frames[:1]
    assert frames[1][3] == 0xF3, [f[:4].hex() for f in frames]


def free_port() -> int:
    # the kernel's choice, released for the master to bind (as tests/cli/lib.sh free_port)
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dial_in_plain_and_over_tls(outstation, certs):
    port = free_port()
    # the simulator redials with back-off until the master listens
    outstation(*SIM, "--connect", f"127.0.0.1:{port}")
    with master(port, transport="listen", connect_timeout=20.0) as m:
        has_points(m.integrity_poll())
    port = free_port()
    tls = Tls(cert=str(certs / "server.pem"), key=str(certs / "server.key"))
    o = outstation(*SIM, "--connect", f"127.0.0.1:{port}", "--tls", "--tls-ca", str(certs / "ca.pem"),
                   "--tls-name", "localhost")
    with master(port, transport="listen", connect_timeout=20.0, tls=tls) as m:
        has_points(m.integrity_poll())
    assert logged(o, "tls: TLSv1.3"), o.lines


def test_request_rate_cap(outstation):
    o = outstation(*SIM)
    # 5 requests per second with bursts of 5: 10 reads cannot end within (10 - 5) / 5 = 1 s
    with master(o.port, max_requests_per_s=5, iin_reactions=False) as m:
        t0 = time.monotonic()
        for _ in range(10):
            m.read("ai", 1, 1)
        assert time.monotonic() - t0 >= 0.95


def test_options_reach_the_c_configuration():
    m = master(transport="udp", local_port=20001, max_requests_per_s=0, reaction_window=2.5, reaction_attempts=7,
               iin_reactions=False)
    c = m.config
    assert (c.transport, c.local_port, c.max_requests_per_s, c.reaction_window_ms, c.reaction_attempts,
            c.iin_reactions) == (1, 20001, 0, 2500, 7, False)
    m.close()
    m = master(transport="listen", listen_peer="::1")
    assert m.config.listen_peer == b"::1"
    m.close()
    m = master(link_confirm=True, link_timeout=0.25, link_retries=5)
    assert (m.config.link_confirm, m.config.link_timeout_ms, m.config.link_retries) == (True, 250, 5)
    m.close()
    m = Master(serial=Serial("/dev/ttyS9", baud=115200, data_bits=7, parity="e", stop_bits=2, flow="rtscts",
                             rs485=True, inter_char_timeout=0.02, turnaround=0.01))
    s = m.config.serial
    assert (m.config.transport, s.device, s.baud, s.data_bits, s.parity, s.stop_bits, s.flow, s.rs485,
            s.inter_char_ms, s.turnaround_ms) == (2, b"/dev/ttyS9", 115200, 7, b"E", 2, 1, True, 20, 10)
    m.close()
    m = master(tls=Tls(ca="ca.pem", cert="c.pem", key="c.key", key_password="pw", name="rtu", min_version="1.2",
                       max_version="1.3", ciphers="ECDHE-ECDSA-AES128-GCM-SHA256", ciphersuites="TLS_AES_128_GCM_SHA256"))
    t = m.config.tls
    assert (t.enabled, t.ca_file, t.cert_file, t.key_file, t.key_password, t.name, t.min_version, t.max_version,
            t.ciphers, t.ciphersuites) == (True, b"ca.pem", b"c.pem", b"c.key", b"pw", b"rtu", 0x0303, 0x0304,
                                           b"ECDHE-ECDSA-AES128-GCM-SHA256", b"TLS_AES_128_GCM_SHA256")
    m.close()
    assert not master().config.tls.enabled


BAD = [
    (dict(transport="carrier-pigeon"), ValueError, "transport"),
    (dict(transport="serial"), ValueError, "serial"),
    (dict(serial="/dev/ttyS0"), TypeError, "serial"),
    (dict(tls=True), TypeError, "tls"),
    (dict(transport="udp", tls=Tls()), ValueError, "tls"),
    (dict(transport="listen", tls=Tls()), ValueError, "tls"),  # a TLS server needs its certificate (C check)
    (dict(local_port=1000), ValueError, "local_port"),
    (dict(transport="udp", local_port=70000), ValueError, "local_port"),
    (dict(transport="udp", local_port="1"), TypeError, "local_port"),
    (dict(max_requests_per_s=-1), ValueError, "max_requests_per_s"),
    (dict(max_requests_per_s=1000001), ValueError, "max_requests_per_s"),
    (dict(max_requests_per_s=1.5), TypeError, "max_requests_per_s"),
    (dict(reaction_window=-1), ValueError, "reaction_window"),
    (dict(reaction_window="5"), TypeError, "reaction_window"),
    (dict(reaction_attempts=0), ValueError, "reaction_attempts"),
    (dict(reaction_attempts=101), ValueError, "reaction_attempts"),
    (dict(link_confirm=1), TypeError, "link_confirm"),
    (dict(link_timeout=0), ValueError, "link_timeout"),
    (dict(link_retries=101), ValueError, "link_retries"),
    (dict(listen_peer="127.0.0.1"), ValueError, "listen_peer"),
    (dict(transport="listen", listen_peer="rtu.example"), ValueError, "listen peer"),
    (dict(transport="listen", listen_peer=5), TypeError, "listen_peer"),
    (dict(tls=Tls(min_version="1.1")), ValueError, "tls.min_version"),
    (dict(tls=Tls(max_version=1.3)), ValueError, "tls.max_version"),
    (dict(tls=Tls(min_version="1.3", max_version="1.2")), ValueError, "tls.min_version"),
    (dict(tls=Tls(ca=5)), TypeError, "tls.ca"),
    (dict(tls=Tls(cert="x" * 256)), ValueError, "tls.cert"),
    (dict(tls=Tls(key_password="p" * 128)), ValueError, "tls.key_password"),
    (dict(tls=Tls(key_password="a", key_password_file="f")), ValueError, "key_password_file"),
    (dict(tls=Tls(key_password_file="/nonexistent/pw")), ValueError, "tls.key_password_file"),
    (dict(tls=Tls(ciphers="c\0")), ValueError, "tls.ciphers"),
    (dict(serial=Serial("")), ValueError, "serial.device"),
    (dict(serial=Serial("/dev/x" * 40)), ValueError, "serial.device"),
    (dict(serial=Serial("/dev/x", baud=299)), ValueError, "serial.baud"),
    (dict(serial=Serial("/dev/x", baud="9600")), TypeError, "serial.baud"),
    (dict(serial=Serial("/dev/x", data_bits=9)), ValueError, "serial.data_bits"),
    (dict(serial=Serial("/dev/x", parity="M")), ValueError, "serial.parity"),
    (dict(serial=Serial("/dev/x", parity=0)), TypeError, "serial.parity"),
    (dict(serial=Serial("/dev/x", stop_bits=3)), ValueError, "serial.stop_bits"),
    (dict(serial=Serial("/dev/x", flow="dtr")), ValueError, "serial.flow"),
    (dict(serial=Serial("/dev/x", rs485=1)), TypeError, "serial.rs485"),
    (dict(serial=Serial("/dev/x", inter_char_timeout=61)), ValueError, "serial.inter_char_timeout"),
    (dict(serial=Serial("/dev/x", turnaround=1.5)), ValueError, "serial.turnaround"),
    (dict(serial=Serial("/dev/x", turnaround=None)), TypeError, "serial.turnaround"),
]


@pytest.mark.parametrize("args,exc,name", BAD, ids=[f"{b[2]}-{i}" for i, b in enumerate(BAD)])
def test_bad_options_name_the_option(args, exc, name):
    with pytest.raises(exc) as e:
        Master("127.0.0.1", 20000, **args)
    assert name in str(e.value), e.value


def test_baud_rate_termios_does_not_know_is_refused_by_the_library():
    # in range for Python, not a rate of termios: the C check names it
    with pytest.raises(ValueError) as e:
        Master(serial=Serial("/dev/x", baud=12345))
    assert "baud" in str(e.value), e.value
    assert dnp3kit.Serial is Serial and dnp3kit.Tls is Tls


def test_simulator_dies_with_a_killed_test_process():
    # a test process killed outright (no finalizer runs) leaves no dnp3-outstation behind
    import os
    import signal
    import sys
    if not shutil.which("setpriv"):
        pytest.skip("no setpriv (util-linux)")
    code = ("import os, sys; sys.path.insert(0, sys.argv[1]); import conftest; o = conftest.Outstation(); "
            "print(o.proc.pid, flush=True); os.kill(os.getpid(), 9)")
    child = subprocess.run([sys.executable, "-c", code, os.path.dirname(__file__)], capture_output=True, text=True,
                           timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr
    pid = int(child.stdout.split()[0])

    def alive() -> bool:
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 30
    while alive() and time.monotonic() < deadline:
        time.sleep(0.05)  # polling a condition with a deadline, not waiting for luck
    assert not alive(), f"dnp3-outstation {pid} outlived the killed test process"
