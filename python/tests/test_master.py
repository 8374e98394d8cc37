"""The Pythonic master (dnp3kit.Master) against dnp3-outstation on loopback:
every command of dnp3-master, events, unsolicited callbacks from the
background thread, threads sharing one master, the GIL released in calls,
closed masters, bad arguments."""
from __future__ import annotations

import threading
import time

import pytest

import dnp3kit
from conftest import master
from dnp3kit import (DNP3ClosedError, DNP3CommunicationError, DNP3ControlError, DNP3ObjectError,
                     DNP3ProtocolError, DNP3TimeoutError, Master)


def test_reads_of_every_type(outstation):
    o = outstation("--set", "ai.2=231", "--set", "dbi.1=2", "--set", "counter.0=5")
    with master(o.port) as m:
        r = m.integrity_poll()
        assert {p.type for p in r.points} == set(dnp3kit.POINT_TYPES)
        assert "DEVICE_RESTART" in r.iin_names and r.iin & 0x8000 and r.fragments >= 1
        for t in dnp3kit.POINT_TYPES:
            pts = m.read(t, 0, 1).points
            assert [p.index for p in pts] == [0, 1] and all(p.type == t and not p.event for p in pts)
        assert m.read("ai", 2).points[0].value == 231
        assert m.read("dbi", 1).points[0].value == 2
        assert m.read("counter", 0).points[0].value == 5
        f = m.read("ai", 2, 2, variation=5).points[0]  # g30v5: a float
        assert (f.group, f.variation, f.value) == (30, 5, 231.0) and isinstance(f.value, float)
        assert m.read("bi", 0).points[0].flag_names == ["ONLINE"]
        assert m.read_class(0).of("ai")[2].value == 231


def test_controls_events_freeze_time_restart_link(outstation):
    o = outstation("--class", "bo=1", "--class", "ao=2")
    with master(o.port) as m:
        m.integrity_poll()
        m.read_class(1, 2, 3)  # empty the event buffer
        assert m.operate_binary(0, "on").control_status == 0
        assert m.read("bo", 0).points[0].value is True
        m.operate_binary(0, "trip", mode="direct")
        assert m.read("bo", 0).points[0].value is False
        m.operate_binary(0, "close", mode="direct")
        assert m.read("bo", 0).points[0].value is True
        m.operate_binary(0, "off", mode="no-ack")
        m.operate_binary(1, "pulse-on", on_ms=50, off_ms=50, count=2)
        m.operate_analog(0, 7.25, type="float")
        m.operate_analog(1, -300, type="int16", mode="direct")
        assert m.read("ao", 0, 0, variation=3).points[0].value == 7.25
        assert m.read("ao", 1).points[0].value == -300
        ev = m.events()
        assert {p.type for p in ev} >= {"bo", "ao"} and all(p.event for p in ev)
        assert any(p.type == "ao" and p.index == 1 and p.value == -300 for p in ev)
        m.freeze()
        m.freeze(clear=True)
        m.time_sync("lan")
        m.time_sync("non-lan")
        m.time_sync()
        assert "NEED_TIME" not in m.integrity_poll().iin_names
        assert m.cold_restart() == 1.0
        assert m.warm_restart() == 1.0
        m.link_status()
        m.startup()
        m.enable_unsolicited([1, 2])
        m.disable_unsolicited()


def test_control_status_error(outstation):
    o = outstation("--binary-outputs", "2", "--analog-outputs", "1")
    with master(o.port) as m:
        for call in (lambda: m.operate_binary(5, "on"), lambda: m.operate_binary(5, "on", mode="direct"),
                     lambda: m.operate_analog(3, 1.0)):
            with pytest.raises(DNP3ControlError) as e:
                call()
            assert e.value.status_code == 4 and e.value.code == "ERR_CONTROL"  # NOT_SUPPORTED
        with pytest.raises(DNP3ObjectError):
            m.operate_analog(0, 1.5, type="int32")  # does not fit: never truncated


def test_iin_error_timeout_refused(outstation, refused_port):
    o = outstation("--analog-inputs", "3")
    with master(o.port) as m:
        with pytest.raises(DNP3ProtocolError) as e:
            m.read("ai", 0, 10)
        assert e.value.iin & 0x0004 and e.value.function_code == 1
    s = outstation("--fault", "silent")
    with master(s.port, response_timeout=0.3) as m:
        with pytest.raises(DNP3TimeoutError) as e:
            m.integrity_poll()
        assert e.value.timeout_seconds > 0
    m = master(refused_port)
    with pytest.raises(DNP3CommunicationError) as e:
        m.connect()
    assert (e.value.host, e.value.port, e.value.code) == ("127.0.0.1", refused_port, "ERR_CONNECT")
    m.close()


def test_unsolicited_callback_runs_in_a_background_thread(outstation):
    o = outstation("--unsolicited", "--change-every", "50")
    got = []
    threads = set()
    ev = threading.Event()

    def cb(r):
        got.append(r)
        threads.add(threading.current_thread().name)
        if any(p.event for x in got for p in x.points):
            ev.set()

    with master(o.port) as m:
        m.on_unsolicited(cb)
        m.enable_unsolicited()
        assert ev.wait(15), f"{len(got)} unsolicited responses, none with events"
    assert all(r.unsolicited for r in got)
    assert threads == {"dnp3kit-callbacks"}


def test_a_raising_callback_is_reported_and_the_thread_goes_on(outstation):
    o = outstation("--unsolicited", "--change-every", "50")
    errors = []
    later = threading.Event()
    calls = [0]

    def bad(r):
        calls[0] += 1
        if calls[0] == 1:
            raise RuntimeError("callback broke")
        later.set()

    with master(o.port) as m:
        m.on_callback_error = errors.append
        m.on_unsolicited(bad)
        m.enable_unsolicited()
        assert later.wait(15), "no callback after the one that raised"
        assert m.callback_errors >= 1
    assert isinstance(errors[0], RuntimeError) and str(errors[0]) == "callback broke"


def test_two_threads_share_one_master(outstation):
    o = outstation("--analog-inputs", "3", "--binary-outputs", "2")
    failures = []
    with master(o.port) as m:
        m.listen()  # the background thread competes too

        def polls():
            try:
                for _ in range(15):
                    assert len(m.read("ai", 0, 2).points) == 3
            except BaseException as e:
                failures.append(e)

        def controls():
            try:
                for i in range(15):
                    m.operate_binary(i % 2, "on" if i % 3 else "off")  # SBO pairs never interleave
            except BaseException as e:
                failures.append(e)

        ts = [threading.Thread(target=polls), threading.Thread(target=controls)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
    assert not failures, failures


def test_the_gil_is_released_during_a_call(outstation):
    o = outstation("--fault", "delay:600")
    with master(o.port) as m:
        ticks = [0]
        done = threading.Event()

        def spin():
            while not done.is_set():
                ticks[0] += 1
                time.sleep(0.001)

        t = threading.Thread(target=spin)
        t.start()
        start = time.monotonic()
        m.integrity_poll()
        took = time.monotonic() - start
        done.set()
        t.join()
    assert took >= 0.5
    assert ticks[0] > 50, f"another thread ran only {ticks[0]} times in {took:.2f} s"


def test_a_closed_master_raises_and_never_crashes(outstation):
    o = outstation()
    m = master(o.port)
    m.connect()
    m.close()
    m.close()  # idempotent
    assert m.closed
    calls = [m.connect, m.integrity_poll, lambda: m.read_class(1), lambda: m.read("ai", 0),
             lambda: m.operate_binary(0), lambda: m.operate_analog(0, 1.0), m.freeze, m.time_sync,
             m.cold_restart, m.warm_restart, m.enable_unsolicited, m.disable_unsolicited, m.link_status,
             m.startup, m.process, m.listen]
    for c in calls:
        with pytest.raises(DNP3ClosedError):
            c()


BAD_ARGS = [
    (dict(host=5), TypeError, "host"), (dict(host=""), ValueError, "host"), (dict(port=0), ValueError, "port"),
    (dict(port="1"), TypeError, "port"), (dict(master_address=65520), ValueError, "master_address"),
    (dict(response_timeout=0), ValueError, "response_timeout"), (dict(retries=-1), ValueError, "retries"),
    (dict(max_frame_size=5), ValueError, "max_frame_size"), (dict(time_sync="gps"), ValueError, "time_sync"),
    (dict(startup=1), TypeError, "startup"), (dict(keepalive="x"), TypeError, "keepalive"),
]


@pytest.mark.parametrize("kw,exc,name", BAD_ARGS, ids=[n for _, _, n in BAD_ARGS])
def test_bad_arguments_name_the_field(kw, exc, name):
    args = dict(host="127.0.0.1", port=20000)
    args.update(kw)
    host, port = args.pop("host"), args.pop("port")
    with pytest.raises(exc) as e:
        Master(host, port, **args)
    assert name in str(e.value)


def test_bad_request_arguments(outstation):
    o = outstation()
    with master(o.port) as m:
        for call, name in ((lambda: m.read("xx", 0), "type"), (lambda: m.read("ai", 5, 1), "start"),
                           (lambda: m.read("ai", -1), "start"), (lambda: m.read_class(4), "classes"),
                           (lambda: m.read_class(), "classes"), (lambda: m.operate_binary(0, "jump"), "op"),
                           (lambda: m.operate_binary(70000), "index"), (lambda: m.operate_binary(0, mode="x"), "mode"),
                           (lambda: m.operate_analog(0, "1"), "value"), (lambda: m.operate_analog(0, 1, type="q"), "type"),
                           (lambda: m.enable_unsolicited([0]), "classes"), (lambda: m.time_sync("gps"), "mode"),
                           (lambda: m.on_unsolicited(5), "callback")):
            with pytest.raises((ValueError, TypeError)) as e:
                call()
            assert name in str(e.value)
        assert m.integrity_poll().points  # still fine
