"""The old driver's API (dnp3kit.compat) against dnp3-outstation on loopback."""
from __future__ import annotations

import logging
import threading
import time

import pytest

import dnp3kit
from dnp3kit import (ControlCode, DNP3CommunicationError, DNP3Config, DNP3Master, DNP3ProtocolError,
                     DNP3TimeoutError, IINFlags, PollResult)


def cfg(port: int, **kw) -> DNP3Config:
    base = dict(port=port, response_timeout=2.0, connection_timeout=2.0, max_retries=0, retry_delay=0.1,
                class_0_poll_interval=0, class_1_poll_interval=0, class_2_poll_interval=0,
                class_3_poll_interval=0)
    base.update(kw)
    return DNP3Config(**base)


# ---- DNP3Config: the old defaults and checks ----

def test_config_defaults_are_the_old_ones():
    c = DNP3Config()
    c.validate()
    assert (c.host, c.port, c.master_address, c.outstation_address) == ("127.0.0.1", 20000, 1, 10)
    assert (c.response_timeout, c.connection_timeout, c.select_timeout) == (5.0, 10.0, 10.0)
    assert (c.max_retries, c.retry_delay, c.confirm_required, c.max_frame_size) == (3, 1.0, True, 250)
    assert (c.max_apdu_size, c.enable_unsolicited, c.log_level, c.log_raw_frames) == (2048, True, "INFO", False)
    assert [getattr(c, f"class_{k}_poll_interval") for k in range(4)] == [60.0, 5.0, 10.0, 30.0]


BAD = [
    ("host", None, TypeError), ("host", 5, TypeError), ("host", "  ", ValueError), ("host", "h" * 64, ValueError),
    ("port", 0, ValueError), ("port", 65536, ValueError), ("port", "x", ValueError), ("port", None, ValueError),
    ("port", 1.5, ValueError), ("port", True, ValueError),
    ("master_address", -1, ValueError), ("master_address", 65520, ValueError), ("master_address", "a", ValueError),
    ("outstation_address", 65535, ValueError), ("outstation_address", [], ValueError),
    ("response_timeout", 0, ValueError), ("response_timeout", "soon", ValueError),
    ("connection_timeout", -1, ValueError), ("select_timeout", 0.0, ValueError),
    ("select_timeout", float("nan"), ValueError),
    ("max_retries", -1, ValueError), ("max_retries", "many", ValueError),
    ("retry_delay", -0.5, ValueError), ("retry_delay", None, ValueError),
    ("max_frame_size", 0, ValueError), ("max_frame_size", 251, ValueError), ("max_frame_size", 5, ValueError),
    ("max_apdu_size", 0, ValueError), ("max_apdu_size", 65537, ValueError), ("max_apdu_size", "big", ValueError),
    ("class_0_poll_interval", -1, ValueError), ("class_1_poll_interval", "often", ValueError),
    ("class_2_poll_interval", -0.1, ValueError), ("class_3_poll_interval", None, ValueError),
    ("log_level", "LOUD", ValueError), ("log_level", 10, ValueError),
    ("confirm_required", "yes", TypeError), ("enable_unsolicited", 1, TypeError), ("log_raw_frames", None, TypeError),
]


@pytest.mark.parametrize("name,value,exc", BAD, ids=[f"{n}={v!r}" for n, v, _ in BAD])
def test_config_rejects_bad_values_naming_the_field(name, value, exc):
    c = DNP3Config(**{name: value})
    with pytest.raises(exc) as e:
        c.validate()
    assert name in str(e.value)
    with pytest.raises(exc):  # the master validates on construction, as the old one did
        DNP3Master(c)


def test_config_normalises_like_the_old_one():
    c = DNP3Config(host=" 10.0.0.1 ", port=20000.0, max_retries="2", response_timeout="1.5", log_level=" debug ")
    c.validate()
    assert (c.host, c.port, c.max_retries, c.response_timeout, c.log_level) == ("10.0.0.1", 20000, 2, 1.5, "DEBUG")


def test_config_fields_reach_the_c_master(outstation):
    o = outstation()
    c = cfg(o.port, master_address=1, outstation_address=10, response_timeout=1.25, connection_timeout=0.75,
            select_timeout=3.5, max_retries=1, retry_delay=0.2, max_frame_size=64, max_apdu_size=1024,
            log_level="warning", enable_unsolicited=False)
    m = DNP3Master(c)
    assert logging.getLogger("dnp3kit").level == logging.WARNING
    with m.connect():
        cc = m._master.config
        assert (cc.host, cc.port, cc.master_address, cc.outstation_address) == (b"127.0.0.1", o.port, 1, 10)
        assert (cc.response_timeout_ms, cc.connect_timeout_ms, cc.select_timeout_ms) == (1250, 750, 3500)
        assert (cc.retries, cc.retry_delay_ms, cc.max_frame_size, cc.max_fragment_size) == (1, 200, 64, 1024)
        assert m.integrity_poll().success  # 64-octet frames work end to end


def tx_fragments(caplog) -> list:
    """The application fragments sent, decoded from the log_raw_frames lines."""
    octets = b"".join(bytes.fromhex(r.getMessage()[3:]) for r in caplog.records if r.getMessage().startswith("TX "))
    return dnp3kit.decode(octets)


def test_log_raw_frames_enable_unsolicited_and_confirm_required_are_used(outstation, caplog):
    o = outstation("--unsolicited")
    caplog.set_level(logging.DEBUG, logger="dnp3kit")
    with DNP3Master(cfg(o.port, log_raw_frames=True, enable_unsolicited=True, confirm_required=True,
                        log_level="DEBUG")).connect():
        pass
    sent = tx_fragments(caplog)
    assert any(f.func == 20 for f in sent), "enable_unsolicited=True sends ENABLE_UNSOLICITED on open()"
    raw = b"".join(bytes.fromhex(r.getMessage()[3:]) for r in caplog.records if r.getMessage().startswith("TX "))
    assert raw.startswith(bytes.fromhex("05 64 05 c9")), "confirm_required: REQUEST_LINK_STATUS first"
    caplog.clear()
    with DNP3Master(cfg(o.port, log_raw_frames=True, enable_unsolicited=False, confirm_required=False,
                        log_level="DEBUG")).connect():
        pass
    assert not [r for r in caplog.records if r.getMessage().startswith("TX ")]


def test_confirm_required_fails_open_when_the_link_layer_is_silent(outstation):
    o = outstation("--fault", "silent")
    with pytest.raises(DNP3TimeoutError) as e:
        DNP3Master(cfg(o.port, response_timeout=0.3, enable_unsolicited=False)).open()
    assert e.value.timeout_seconds and e.value.timeout_seconds > 0
    m = DNP3Master(cfg(o.port, confirm_required=False, enable_unsolicited=False))
    m.open()  # the TCP connection alone is fine
    assert m.is_connected
    m.close()


def test_class_poll_intervals_schedule_background_polls(outstation):
    o = outstation()
    seen = []
    got = threading.Event()
    m = DNP3Master(cfg(o.port, class_1_poll_interval=0.1, enable_unsolicited=False))

    def on_poll(k, r):
        seen.append((k, r.success))
        got.set()

    m.set_poll_callback(on_poll)
    with m.connect():
        assert got.wait(10)
        assert m.last_poll[1].success
    assert seen[0] == (1, True) and all(k == 1 for k, _ in seen)


# ---- every call ----

def test_every_read_call(outstation):
    o = outstation("--binary-inputs", "6", "--analog-inputs", "5", "--counters", "3", "--binary-outputs", "4",
                   "--analog-outputs", "2", "--set", "ai.1=-12", "--set", "bi.3=1", "--set", "counter.2=77")
    m = DNP3Master(cfg(o.port, enable_unsolicited=False))
    assert not m.is_connected
    with m.connect() as mm:
        assert mm is m and m.is_connected
        r = m.integrity_poll()
        assert isinstance(r, PollResult) and r.success and r.error is None
        assert isinstance(r.iin, IINFlags) and r.iin.device_restart is True  # the outstation just started
        assert m.integrity_poll().iin.device_restart is False  # and the master cleared it
        assert [p.index for p in r.binary_inputs] == list(range(6))
        assert r.binary_inputs[3].value is True and r.binary_inputs[3].is_online
        assert r.analog_inputs[1].value == -12 and len(r.analog_inputs) == 5
        assert [c.value for c in r.counters][2] == 77
        assert len(r.binary_outputs) == 4 and len(r.analog_outputs) == 2
        assert r.raw_response and r.raw_response[1] == 0x81  # RESPONSE, as received
        for k in range(4):
            assert m.read_class(k).success
        with pytest.raises(ValueError, match="class_num"):
            m.read_class(4)
        bi = m.read_binary_inputs(2, 4)
        assert [(p.index, p.value) for p in bi] == [(2, False), (3, True), (4, False)]
        assert [p.value for p in m.read_analog_inputs(1, 1)] == [-12]
        assert [p.value for p in m.read_counters(0, 2)] == [0, 0, 77]
        assert [p.index for p in m.read_binary_outputs(0, 3)] == [0, 1, 2, 3]
        assert [p.index for p in m.read_analog_outputs(0, 1)] == [0, 1]
    assert not m.is_connected
    with pytest.raises(DNP3CommunicationError):
        m.read_binary_inputs(0, 1)
    r = m.integrity_poll()
    assert not r.success and "Not connected" in r.error


def test_every_control_call(outstation):
    o = outstation("--binary-outputs", "4", "--analog-outputs", "2")
    m = DNP3Master(cfg(o.port, enable_unsolicited=False))
    with m.connect():
        assert m.direct_operate_binary(0, True) is True
        assert m.read_binary_outputs(0, 0)[0].value is True
        assert m.direct_operate_binary(0, False) is True
        assert m.read_binary_outputs(0, 0)[0].value is False
        assert m.select_operate_binary(1, True) is True
        assert m.read_binary_outputs(1, 1)[0].value is True
        assert m.pulse_binary(2, on_time=100, off_time=100, count=2) is True
        assert m.pulse_binary(2, on_time=100, pulse_on=False) is True
        assert m.direct_operate_analog(0, 12.5) is True
        assert m.read_analog_outputs(0, 0)[0].value == 12  # g40v1 (the default variation) is an integer
        assert m._master.read("ao", 0, 0, variation=3).points[0].value == 12.5  # g40v3: the float set
        assert m.direct_operate_analog(1, 1234) is True
        assert m.read_analog_outputs(1, 1)[0].value == 1234
        # refused controls are False, as before (the status is logged)
        assert m.direct_operate_binary(99, True) is False
        assert m.select_operate_binary(99, True) is False
        assert m.direct_operate_analog(99, 1.0) is False
        with pytest.raises(ValueError):
            m.direct_operate_binary(0, True, control_code=0xC3)  # TRIP and CLOSE both


def test_trip_close_and_the_control_object_are_right_on_the_wire(outstation, caplog):
    o = outstation("--binary-outputs", "2")
    caplog.set_level(logging.DEBUG, logger="dnp3kit")
    m = DNP3Master(cfg(o.port, enable_unsolicited=False, log_raw_frames=True, confirm_required=False,
                       log_level="DEBUG"))
    with m.connect():
        assert m.direct_operate_binary(0, True, control_code=ControlCode.TRIP_CLOSE_CLOSE | ControlCode.PULSE_ON)
        assert m.read_binary_outputs(0, 0)[0].value is True  # CLOSE sets the output
        assert m.direct_operate_binary(0, True, control_code=ControlCode.TRIP_CLOSE_TRIP | ControlCode.PULSE_ON)
        assert m.read_binary_outputs(0, 0)[0].value is False  # TRIP clears it
    crobs = [f for f in tx_fragments(caplog) if f.func == 5]
    assert len(crobs) == 2
    for f, code in zip(crobs, (0x41, 0x81)):
        assert f.valid and not f.findings
        (obj,) = f.objects
        assert (obj["group"], obj["variation"], obj["qualifier"], obj["count"]) == (12, 1, 0x28, 1)
        pt = obj["points"][0]
        assert pt["index"] == 0 and pt["code"] == code and pt["tcc"] == ("CLOSE" if code == 0x41 else "TRIP")


def test_restarts_and_unsolicited_calls(outstation):
    o = outstation("--unsolicited")
    m = DNP3Master(cfg(o.port, enable_unsolicited=False))
    with m.connect():
        assert m.cold_restart() is True
        assert m.warm_restart() is True
        assert m.enable_unsolicited() is True
        assert m.enable_unsolicited(0x02) is True
        assert m.disable_unsolicited(0x07) is True


def test_unsolicited_callback_is_really_called(outstation):
    o = outstation("--unsolicited", "--change-every", "50", "--analog-inputs", "2")
    got = []
    ev = threading.Event()

    def cb(r):
        got.append(r)
        if any(r.analog_inputs or r.binary_inputs or r.counters for r in got):
            ev.set()

    m = DNP3Master(cfg(o.port, enable_unsolicited=True))
    m.set_unsolicited_callback(cb)
    with m.connect():
        assert ev.wait(15), f"no unsolicited data in 15 s ({len(got)} responses)"
    assert all(isinstance(r, PollResult) and r.success and r.unsolicited for r in got)
    assert threading.current_thread() is threading.main_thread()


# ---- exceptions, with their attributes ----

def test_refused_port_raises_communication_error(refused_port):
    with pytest.raises(DNP3CommunicationError) as e:
        DNP3Master(cfg(refused_port)).open()
    assert (e.value.host, e.value.port) == ("127.0.0.1", refused_port)
    assert "refused" in str(e.value).lower()


def test_silent_outstation_raises_timeout(outstation):
    o = outstation("--fault", "silent")
    m = DNP3Master(cfg(o.port, confirm_required=False, enable_unsolicited=False, response_timeout=0.3))
    with m.connect():
        with pytest.raises(DNP3TimeoutError) as e:
            m.read_binary_inputs(0, 1)
        assert e.value.timeout_seconds > 0
        r = m.integrity_poll()
        assert not r.success and isinstance(r.exception, DNP3TimeoutError)


def test_iin_error_raises_protocol_error(outstation):
    o = outstation("--analog-inputs", "4")
    with DNP3Master(cfg(o.port, enable_unsolicited=False)).connect() as m:
        with pytest.raises(DNP3ProtocolError) as e:
            m.read_analog_inputs(0, 500)  # beyond the database: PARAMETER_ERROR
        assert e.value.function_code == 1
        assert IINFlags.from_int(e.value.iin).parameter_error


def test_iin_flags_round_trip():
    f = IINFlags.from_bytes(0x90, 0x04)
    assert f.device_restart and f.need_time and f.parameter_error and f.has_errors()
    assert f.to_bytes() == (0x90, 0x04)
    assert IINFlags.from_int(0x9004) == f
    with pytest.raises(TypeError):
        IINFlags.from_bytes("x", 0)
