"""The API audit of dnp3kit.compat against the old driver (dnp3py / nfm-dnp3 1.0.1).

The names, signatures, fields and defaults below were written down from
reading the old driver's source and README (not imported: it is not
installed here). Each test fails if dnp3kit.compat lacks one, or has it with
another name, argument name or default. The last test runs a script written
the way the old driver's README and examples/ use it, with only
``dnp3py`` replaced by ``dnp3kit.compat``, against dnp3-outstation.
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import os
import subprocess
import sys
import textwrap

import pytest

# ---- every public name of the old package, module by module (their __all__ and module-level names) ----

OLD_NAMES = {
    "": ["DNP3CommunicationError", "DNP3Config", "DNP3CRCError", "DNP3Error", "DNP3Master", "DNP3ProtocolError",
         "DNP3TimeoutError", "__version__"],
    "core": ["DNP3Config", "DNP3ControlError", "DNP3CommunicationError", "DNP3CRCError", "DNP3Error",
             "DNP3FrameError", "DNP3Master", "DNP3ObjectError", "DNP3ProtocolError", "PollResult",
             "DNP3TimeoutError"],
    "core.config": ["LinkLayerFunction", "AppLayerFunction", "QualifierCode", "ControlCode", "ControlStatus",
                    "IINFlags", "DNP3Config"],
    "core.exceptions": ["DNP3Error", "DNP3CommunicationError", "DNP3TimeoutError", "DNP3ProtocolError",
                        "DNP3CRCError", "DNP3FrameError", "DNP3ObjectError", "DNP3ControlError"],
    "core.master": ["DNP3Master", "PollResult"],
    "objects": ["AnalogInput", "AnalogOutput", "AnalogOutputCommand", "BinaryInput", "BinaryOutput",
                "BinaryOutputCommand", "Counter", "ObjectGroup", "ObjectVariation", "get_object_size",
                "get_group_name"],
    "objects.binary": ["BinaryFlags", "BinaryInput", "BinaryOutput", "BinaryOutputCommand", "parse_binary_inputs",
                       "parse_binary_outputs"],
    "objects.analog": ["AnalogFlags", "AnalogInput", "AnalogOutput", "AnalogOutputCommand", "parse_analog_inputs",
                       "parse_analog_outputs"],
    "objects.counter": ["CounterFlags", "Counter", "FrozenCounter", "parse_counters"],
    "objects.groups": ["ObjectGroup", "ObjectVariation", "OBJECT_SIZES", "get_object_size", "get_group_name"],
    "utils": ["CRC16DNP3", "calculate_frame_crc", "get_logger", "log_frame", "log_parsed_frame", "setup_logging"],
    "utils.crc": ["CRC16DNP3", "calculate_frame_crc"],
    "utils.logging": ["setup_logging", "get_logger", "log_frame", "log_parsed_frame"],
}


@pytest.mark.parametrize("mod", sorted(OLD_NAMES), ids=lambda m: "dnp3py" + ("." + m if m else ""))
def test_every_old_name_exists(mod):
    m = importlib.import_module("dnp3kit.compat" + ("." + mod if mod else ""))
    missing = [n for n in OLD_NAMES[mod] if not hasattr(m, n)]
    assert not missing, f"dnp3kit.compat.{mod} lacks {missing}"
    exported = set(getattr(m, "__all__", []))
    assert not [n for n in OLD_NAMES[mod] if n not in exported], "every old name is in __all__ too"


def test_top_level_dnp3kit_has_the_old_top_level_names():
    import dnp3kit
    assert not [n for n in OLD_NAMES[""] if not hasattr(dnp3kit, n)]


def test_old_enum_members_and_values():
    from dnp3kit.compat.core.config import (AppLayerFunction, ControlCode, ControlStatus, LinkLayerFunction,
                                            QualifierCode)
    assert {m.name: m.value for m in LinkLayerFunction} == dict(
        RESET_LINK=0x40, RESET_USER_PROCESS=0x41, TEST_LINK=0x42, USER_DATA_CONFIRMED=0x43,
        USER_DATA_UNCONFIRMED=0x44, REQUEST_LINK_STATUS=0x49, ACK=0, NACK=1, LINK_STATUS=0x0B, NOT_SUPPORTED=0x0F)
    assert len(AppLayerFunction) == 34 and AppLayerFunction.ABORT_FILE == 0x1E
    assert AppLayerFunction.UNSOLICITED_RESPONSE == 0x82 and AppLayerFunction.AUTHENTICATION_RESPONSE == 0x83
    assert {m.name: m.value for m in QualifierCode} == dict(
        UINT8_START_STOP=0, UINT16_START_STOP=1, ALL_OBJECTS=6, UINT8_COUNT=7, UINT16_COUNT=8,
        UINT8_COUNT_UINT8_INDEX=0x17, UINT8_COUNT_UINT16_INDEX=0x28, UINT16_COUNT_UINT16_INDEX=0x29,
        FREE_FORMAT_UINT16_COUNT=0x5B)
    assert [m.name for m in ControlCode] == ["NUL", "PULSE_ON", "PULSE_OFF", "LATCH_ON", "LATCH_OFF", "QUEUE",
                                             "CLEAR", "TRIP_CLOSE_CLOSE", "TRIP_CLOSE_TRIP"]
    # the one deliberate difference: IEEE 1815's trip-close code (the old driver had 0x40 = TRIP)
    assert (ControlCode.TRIP_CLOSE_CLOSE, ControlCode.TRIP_CLOSE_TRIP) == (0x40, 0x80)
    assert {m.name: m.value for m in ControlStatus} == dict(
        SUCCESS=0, TIMEOUT=1, NO_SELECT=2, FORMAT_ERROR=3, NOT_SUPPORTED=4, ALREADY_ACTIVE=5, HARDWARE_ERROR=6,
        LOCAL=7, TOO_MANY_OBJS=8, NOT_AUTHORIZED=9, AUTOMATION_INHIBIT=10, PROCESSING_LIMITED=11, OUT_OF_RANGE=12,
        NOT_PARTICIPATING=126, UNDEFINED=127)


def test_flag_enums():
    from dnp3kit.compat.objects.analog import AnalogFlags
    from dnp3kit.compat.objects.binary import BinaryFlags
    from dnp3kit.compat.objects.counter import CounterFlags
    assert [m.name for m in BinaryFlags] == ["ONLINE", "RESTART", "COMM_LOST", "REMOTE_FORCED", "LOCAL_FORCED",
                                             "CHATTER_FILTER", "RESERVED", "STATE"]
    assert [m.name for m in AnalogFlags] == ["ONLINE", "RESTART", "COMM_LOST", "REMOTE_FORCED", "LOCAL_FORCED",
                                             "OVER_RANGE", "REFERENCE_ERR", "RESERVED"]
    assert [m.name for m in CounterFlags] == ["ONLINE", "RESTART", "COMM_LOST", "REMOTE_FORCED", "LOCAL_FORCED",
                                              "ROLLOVER", "DISCONTINUITY", "RESERVED"]
    assert [m.value for m in BinaryFlags] == [1 << i for i in range(8)]


def test_object_group_and_variation_names():
    from dnp3kit.compat.objects.groups import ObjectGroup, ObjectVariation
    old_groups = dict(BINARY_INPUT=1, BINARY_INPUT_EVENT=2, DOUBLE_BIT_BINARY_INPUT=3,
                      DOUBLE_BIT_BINARY_INPUT_EVENT=4, BINARY_OUTPUT=10, BINARY_OUTPUT_EVENT=11,
                      CONTROL_RELAY_OUTPUT_BLOCK=12, BINARY_OUTPUT_COMMAND_EVENT=13, COUNTER=20, FROZEN_COUNTER=21,
                      COUNTER_EVENT=22, FROZEN_COUNTER_EVENT=23, ANALOG_INPUT=30, FROZEN_ANALOG_INPUT=31,
                      ANALOG_INPUT_EVENT=32, FROZEN_ANALOG_INPUT_EVENT=33, ANALOG_INPUT_DEADBAND=34,
                      ANALOG_OUTPUT=40, ANALOG_OUTPUT_STATUS=40, ANALOG_OUTPUT_BLOCK=41, ANALOG_OUTPUT_EVENT=42,
                      ANALOG_OUTPUT_COMMAND_EVENT=43, TIME_AND_DATE=50, TIME_AND_DATE_CTO=51, CLASS_OBJECTS=60,
                      FILE_IDENTIFIER=70, FILE_AUTHENTICATION=71, INTERNAL_INDICATIONS=80, DEVICE_ATTRIBUTES=0,
                      OCTET_STRING=110, OCTET_STRING_EVENT=111, VIRTUAL_TERMINAL_OUTPUT=112,
                      VIRTUAL_TERMINAL_EVENT=113, AUTHENTICATION=120)
    assert {n: ObjectGroup[n].value for n in old_groups} == old_groups
    for n, v in dict(ANY=0, BI_PACKED=1, BI_WITH_FLAGS=2, BIE_WITH_RELATIVE_TIME=3, CROB=1, PCB=2, PM=3,
                     CTR_16_DELTA_WITHOUT_FLAG=8, AI_DOUBLE_WITH_FLAG=6, AO_DOUBLE_WITH_FLAG=4, AOB_DOUBLE=4,
                     CLASS_0=1, CLASS_1=2, CLASS_2=3, CLASS_3=4, TIME_INDEXED_ABSOLUTE=4).items():
        assert ObjectVariation[n] == v


# ---- signatures: argument names and defaults ----

E = inspect.Parameter.empty
MASTER_METHODS = {
    "__init__": [("config", None)],
    "connect": [], "open": [], "close": [],
    "integrity_poll": [], "read_class": [("class_num", E)],
    "read_binary_inputs": [("start", 0), ("stop", 0)], "read_analog_inputs": [("start", 0), ("stop", 0)],
    "read_counters": [("start", 0), ("stop", 0)], "read_binary_outputs": [("start", 0), ("stop", 0)],
    "read_analog_outputs": [("start", 0), ("stop", 0)],
    "direct_operate_binary": [("index", E), ("value", E), ("control_code", None)],
    "select_operate_binary": [("index", E), ("value", E), ("control_code", None)],
    "pulse_binary": [("index", E), ("on_time", E), ("off_time", 0), ("count", 1), ("pulse_on", True)],
    "direct_operate_analog": [("index", E), ("value", E)],
    "cold_restart": [], "warm_restart": [],
    "enable_unsolicited": [("class_mask", 0x07)], "disable_unsolicited": [("class_mask", 0x07)],
    "set_unsolicited_callback": [("callback", E)],
}


def params(f) -> list:
    return [(p.name, p.default) for p in inspect.signature(f).parameters.values() if p.name != "self"]


@pytest.mark.parametrize("name", sorted(MASTER_METHODS))
def test_dnp3master_method_signatures(name):
    from dnp3kit.compat import DNP3Master
    assert params(getattr(DNP3Master, name)) == MASTER_METHODS[name]


def test_dnp3master_attributes():
    from dnp3kit.compat import DNP3Config, DNP3Master
    m = DNP3Master(DNP3Config(enable_unsolicited=False))
    assert isinstance(type(m).__dict__["is_connected"], property) and m.is_connected is False
    assert isinstance(m.config, DNP3Config)
    assert repr(m) == "DNP3Master(127.0.0.1:20000, disconnected)"
    assert isinstance(DNP3Master().config, DNP3Config)  # config optional, defaults used


def fields(cls) -> list:
    out = []
    for f in dataclasses.fields(cls):
        d = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else E)
        out.append((f.name, d))
    return out


OLD_CONFIG = [("host", "127.0.0.1"), ("port", 20000), ("master_address", 1), ("outstation_address", 10),
              ("response_timeout", 5.0), ("connection_timeout", 10.0), ("select_timeout", 10.0),
              ("max_retries", 3), ("retry_delay", 1.0), ("confirm_required", True), ("max_frame_size", 250),
              ("max_apdu_size", 2048), ("enable_unsolicited", True), ("class_0_poll_interval", 60.0),
              ("class_1_poll_interval", 5.0), ("class_2_poll_interval", 10.0), ("class_3_poll_interval", 30.0),
              ("log_level", "INFO"), ("log_raw_frames", False)]


def test_config_fields_in_the_old_order_with_the_old_defaults():
    from dnp3kit.compat.core.config import DNP3Config
    assert fields(DNP3Config) == OLD_CONFIG
    assert DNP3Config("10.1.1.1", 20001).port == 20001  # positional order kept


OLD_FIELDS = {
    "PollResult": [("success", E), ("iin", None), ("binary_inputs", []), ("binary_outputs", []),
                   ("analog_inputs", []), ("analog_outputs", []), ("counters", []), ("error", None),
                   ("raw_response", None)],
    "BinaryInput": [("index", E), ("value", E), ("flags", 1), ("timestamp", None)],
    "BinaryOutput": [("index", E), ("value", E), ("flags", 1)],
    "BinaryOutputCommand": [("index", E), ("control_code", 3), ("count", 1), ("on_time", 0), ("off_time", 0),
                            ("status", 0)],
    "AnalogInput": [("index", E), ("value", E), ("flags", 1), ("timestamp", None)],
    "AnalogOutput": [("index", E), ("value", E), ("flags", 1)],
    "AnalogOutputCommand": [("index", E), ("value", E), ("status", 0)],
    "Counter": [("index", E), ("value", E), ("flags", 1), ("timestamp", None)],
    "FrozenCounter": [("index", E), ("value", E), ("flags", 1), ("timestamp", None)],
    "IINFlags": [(n, False) for n in ("broadcast", "class_1_events", "class_2_events", "class_3_events", "need_time",
                                      "local_control", "device_trouble", "device_restart", "no_func_code_support",
                                      "object_unknown", "parameter_error", "event_buffer_overflow",
                                      "already_executing", "config_corrupt", "reserved_2_6", "reserved_2_7")],
}


@pytest.mark.parametrize("name", sorted(OLD_FIELDS))
def test_dataclass_fields_start_with_the_old_ones(name):
    import dnp3kit.compat as c
    got = fields(getattr(c, name))
    assert got[:len(OLD_FIELDS[name])] == OLD_FIELDS[name]  # dnp3kit may add fields after them (PollResult)


OLD_MEMBERS = {
    "BinaryInput": ["is_online", "has_restart", "comm_lost", "from_bytes", "to_bytes"],
    "BinaryOutput": ["from_bytes", "to_bytes"],
    "BinaryOutputCommand": ["operation", "latch_on", "latch_off", "pulse_on", "pulse_off", "trip", "close",
                            "to_bytes", "from_bytes"],
    "AnalogInput": ["is_online", "is_over_range", "comm_lost", "from_bytes", "to_bytes"],
    "AnalogOutput": ["from_bytes", "to_bytes"],
    "AnalogOutputCommand": ["create", "to_bytes", "from_bytes"],
    "Counter": ["is_online", "has_rollover", "comm_lost", "from_bytes", "to_bytes"],
    "FrozenCounter": ["from_bytes", "to_bytes"],
    "IINFlags": ["from_bytes", "to_bytes", "has_errors", "has_reserved_bits"],
    "CRC16DNP3": ["calculate", "calculate_bytes", "verify", "verify_bytes", "append_crc"],
}
OLD_SIGS = {
    ("BinaryInput", "from_bytes"): [("data", E), ("index", E), ("variation", 2)],
    ("BinaryInput", "to_bytes"): [("variation", 2)],
    ("BinaryOutput", "from_bytes"): [("data", E), ("index", E), ("variation", 2)],
    ("AnalogInput", "from_bytes"): [("data", E), ("index", E), ("variation", 1)],
    ("AnalogInput", "to_bytes"): [("variation", 1)],
    ("AnalogOutput", "from_bytes"): [("data", E), ("index", E), ("variation", 1)],
    ("AnalogOutputCommand", "create"): [("index", E), ("value", E)],
    ("AnalogOutputCommand", "to_bytes"): [("variation", 1)],
    ("Counter", "from_bytes"): [("data", E), ("index", E), ("variation", 1)],
    ("BinaryOutputCommand", "pulse_on"): [("index", E), ("on_time", E), ("off_time", 0), ("count", 1)],
    ("BinaryOutputCommand", "pulse_off"): [("index", E), ("on_time", 0), ("off_time", 0), ("count", 1)],
    ("BinaryOutputCommand", "from_bytes"): [("data", E), ("index", E)],
    ("IINFlags", "from_bytes"): [("iin1", E), ("iin2", E)],
    ("CRC16DNP3", "verify"): [("data", E), ("expected_crc", E)],
    ("CRC16DNP3", "verify_bytes"): [("data", E), ("crc_bytes", E)],
}


@pytest.mark.parametrize("name", sorted(OLD_MEMBERS))
def test_members_of_the_old_types(name):
    import dnp3kit.compat as c
    cls = getattr(c, name)
    assert not [a for a in OLD_MEMBERS[name] if not hasattr(cls, a)]
    for (cn, meth), want in OLD_SIGS.items():
        if cn == name:
            assert [p for p in params(getattr(cls, meth)) if p[0] != "cls"] == want, meth


def test_function_signatures():
    import dnp3kit.compat as c
    from dnp3kit.compat.utils import logging as lg
    for f in ("parse_binary_inputs", "parse_binary_outputs", "parse_analog_inputs", "parse_analog_outputs",
              "parse_counters"):
        assert params(getattr(c, f)) == [("data", E), ("start_index", E), ("count", E), ("variation", E)]
    assert params(c.get_object_size) == [("group", E), ("variation", E)]
    assert params(c.get_group_name) == [("group", E)]
    assert params(c.calculate_frame_crc) == [("frame_data", E)]
    assert params(lg.setup_logging) == [("level", "INFO"), ("log_file", None), ("log_format", None)]
    assert params(lg.log_frame) == [("frame", E), ("direction", "TX"), ("logger", None)]
    assert params(lg.log_parsed_frame) == [("frame_info", E), ("direction", "TX"), ("logger", None)]
    assert params(lg.get_logger) == []


OLD_EXC = {"DNP3CommunicationError": ["host", "port"], "DNP3TimeoutError": ["timeout_seconds"],
           "DNP3ProtocolError": ["function_code", "iin"], "DNP3CRCError": ["expected_crc", "actual_crc"],
           "DNP3FrameError": [], "DNP3ObjectError": ["group", "variation"], "DNP3ControlError": ["status_code"]}


@pytest.mark.parametrize("name", sorted(OLD_EXC))
def test_exceptions_take_and_keep_the_old_context(name):
    from dnp3kit.compat.core import exceptions as ex
    cls = getattr(ex, name)
    assert issubclass(cls, ex.DNP3Error) and issubclass(ex.DNP3Error, Exception)
    if OLD_EXC[name]:
        assert params(cls.__init__) == [("message", E)] + [(a, None) for a in OLD_EXC[name]]
    e = cls("msg", *range(1, len(OLD_EXC[name]) + 1))
    assert str(e) == "msg" and [getattr(e, a) for a in OLD_EXC[name]] == list(range(1, len(OLD_EXC[name]) + 1))
    e = cls("msg")
    assert all(getattr(e, a) is None for a in OLD_EXC[name])


# ---- DNP3Config.validate(): what the old one rejected, this one rejects with the same exception ----

OLD_REJECTS = [  # (field, value, the old validate()'s exception)
    ("host", None, TypeError), ("host", 12, TypeError), ("host", b"h", TypeError), ("host", "", ValueError),
    ("host", " \t", ValueError),
    ("port", 0, ValueError), ("port", -1, ValueError), ("port", 65536, ValueError), ("port", "abc", ValueError),
    ("port", None, ValueError), ("port", [], ValueError),
    ("master_address", -1, ValueError), ("master_address", 65520, ValueError), ("master_address", 65535, ValueError),
    ("master_address", None, ValueError), ("outstation_address", -1, ValueError),
    ("outstation_address", 65534, ValueError), ("outstation_address", "ten", ValueError),
    ("response_timeout", 0, ValueError), ("response_timeout", -1.0, ValueError), ("response_timeout", None, ValueError),
    ("connection_timeout", 0, ValueError), ("connection_timeout", "x", ValueError),
    ("select_timeout", -5, ValueError), ("select_timeout", {}, ValueError),
    ("max_retries", -1, ValueError), ("max_retries", None, ValueError), ("max_retries", "x", ValueError),
    ("retry_delay", -0.1, ValueError), ("retry_delay", "x", ValueError),
    ("max_frame_size", 0, ValueError), ("max_frame_size", 251, ValueError), ("max_frame_size", None, ValueError),
    ("max_apdu_size", 0, ValueError), ("max_apdu_size", 65537, ValueError), ("max_apdu_size", "x", ValueError),
    ("class_0_poll_interval", -1, ValueError), ("class_1_poll_interval", "x", ValueError),
    ("class_2_poll_interval", None, ValueError), ("class_3_poll_interval", -0.5, ValueError),
    ("log_level", "TRACE", ValueError), ("log_level", None, ValueError), ("log_level", 20, ValueError),
]


@pytest.mark.parametrize("name,value,exc", OLD_REJECTS, ids=[f"{n}={v!r}" for n, v, _ in OLD_REJECTS])
def test_config_rejects_what_the_old_one_rejected(name, value, exc):
    from dnp3kit.compat import DNP3Config, DNP3Master
    with pytest.raises(exc) as e:
        DNP3Config(**{name: value}).validate()
    assert type(e.value) is exc and name.split("_")[0] in str(e.value).lower()
    with pytest.raises(exc):
        DNP3Master(DNP3Config(**{name: value}))


OLD_ACCEPTS = [  # (field, value, normalised as the old one normalised it)
    ("host", "  10.0.0.2 ", "10.0.0.2"), ("port", "20001", 20001), ("port", 1, 1), ("port", 65535, 65535),
    ("master_address", 0, 0), ("master_address", 65519, 65519), ("outstation_address", "7", 7),
    ("response_timeout", 2, 2.0), ("connection_timeout", "0.5", 0.5), ("select_timeout", 1e-3, 1e-3),
    ("max_retries", 0, 0), ("max_retries", "4", 4), ("retry_delay", 0, 0.0), ("max_frame_size", 250, 250),
    ("max_apdu_size", 65535, 65535), ("class_0_poll_interval", 0, 0.0), ("class_3_poll_interval", "1", 1.0),
    ("log_level", "warning", "WARNING"), ("log_level", " Error ", "ERROR"), ("log_level", "critical", "CRITICAL"),
]


@pytest.mark.parametrize("name,value,want", OLD_ACCEPTS, ids=[f"{n}={v!r}" for n, v, _ in OLD_ACCEPTS])
def test_config_accepts_and_normalises_what_the_old_one_did(name, value, want):
    from dnp3kit.compat import DNP3Config
    c = DNP3Config(**{name: value})
    c.validate()
    got = getattr(c, name)
    assert got == want and type(got) is type(want)


# ---- argument checks of the calls: the old exception, raised before anything is sent ----

@pytest.mark.parametrize("call,args", [
    ("read_class", (4,)), ("read_class", (-1,)), ("read_class", ("1",)),
    ("read_binary_inputs", (-1, 0)), ("read_analog_inputs", (5, 2)), ("read_counters", ("a", 1)),
    ("read_binary_outputs", (0, -3)), ("read_analog_outputs", (0, 1.5)), ("read_binary_inputs", (0, 65536)),
])
def test_bad_call_arguments_raise_value_error_as_before(call, args):
    from dnp3kit.compat import DNP3Config, DNP3Master
    m = DNP3Master(DNP3Config(enable_unsolicited=False))  # not even connected: the check comes first
    with pytest.raises(ValueError):
        getattr(m, call)(*args)


# ---- the object helpers ----

def test_object_codecs_and_catalogue():
    import struct

    import dnp3kit.compat as c
    assert c.get_object_size(30, 1) == 5 and c.get_object_size(12, 1) == 11 and c.get_object_size(1, 1) is None
    assert c.get_object_size(2, 2) == 7 and c.get_object_size(200, 1) is None
    assert c.OBJECT_SIZES[(20, 1)] == 5 and (30, 6) in c.OBJECT_SIZES and c.OBJECT_SIZES.get((99, 9)) is None
    assert c.get_group_name(30) == "Analog Input" and c.get_group_name(99) == "Group 99"
    assert c.BinaryInput.from_bytes(bytes([0x81, 1, 2, 3, 4, 5, 6]), 4, 2) == c.BinaryInput(4, True, 0x81,
                                                                                         0x060504030201)
    assert c.BinaryInput(4, True, 0x01, 5).to_bytes(3) == bytes([0x81, 5, 0])
    assert c.AnalogInput.from_bytes(struct.pack("<Bf", 1, 2.5), 0, 5).value == 2.5
    assert c.AnalogInput(0, -2).to_bytes(2) == struct.pack("<Bh", 1, -2)
    assert c.Counter.from_bytes(struct.pack("<H", 9), 1, 6) == c.Counter(1, 9, 1)
    assert c.AnalogOutputCommand.create(3, 7).to_bytes(2) == struct.pack("<hB", 7, 0)
    crob = c.BinaryOutputCommand.pulse_on(1, 100, 200, 2)
    assert c.BinaryOutputCommand.from_bytes(crob.to_bytes(), 1) == crob
    assert crob.operation == "PULSE_ON" and repr(crob) == "BinaryOutputCommand(idx=1, op=PULSE_ON, status=0)"
    with pytest.raises(ValueError):
        c.BinaryOutputCommand(0, control_code=0xC3)
    with pytest.raises(ValueError):
        c.AnalogInput(0, 1 << 40).to_bytes(1)
    with pytest.raises(TypeError):
        c.AnalogInput.from_bytes("x", 0, 1)
    with pytest.raises(ValueError):
        c.AnalogInput.from_bytes(b"\x01", 0, 1)
    # parse_* go through the C decoder
    pts = c.parse_analog_inputs(struct.pack("<BiBi", 1, -7, 0x21, 9), 5, 2, 1)
    assert [(p.index, p.value, p.is_over_range) for p in pts] == [(5, -7, False), (6, 9, True)]
    assert [p.value for p in c.parse_binary_inputs(bytes([0x05, 0x02]), 0, 10, 1)] == \
        [True, False, True] + [False] * 6 + [True]
    assert [p.value for p in c.parse_counters(struct.pack("<BIBI", 1, 5, 1, 6), 0, 2, 1)] == [5, 6]
    with pytest.raises(ValueError):
        c.parse_analog_inputs(b"\x01\x02", 0, 2, 1)  # too short: refused, not misread
    assert c.parse_binary_outputs(b"", 0, 0, 2) == []
    # the CRC is the C core's: header of a REQUEST_LINK_STATUS to 1 from 10 (a known frame)
    assert c.CRC16DNP3.calculate_bytes(bytes.fromhex("056405c901000a00")) == c.calculate_frame_crc(
        bytes.fromhex("056405c901000a00"))[0]
    assert c.CRC16DNP3.verify_bytes(b"123456789", c.CRC16DNP3.calculate_bytes(b"123456789"))
    assert c.CRC16DNP3.calculate(b"123456789") == 0xEA82  # CRC-16/DNP check value
    assert c.CRC16DNP3.append_crc(b"ab")[:2] == b"ab"
    assert len(c.calculate_frame_crc(bytes(8 + 20))[1]) == 2
    with pytest.raises(ValueError):
        c.CRC16DNP3.verify_bytes(b"x", b"\x00")


def test_logging_helpers(capsys, tmp_path):
    from dnp3kit.compat.utils.logging import get_logger, log_frame, log_parsed_frame, setup_logging
    lg = setup_logging("DEBUG", log_file=str(tmp_path / "d.log"))
    assert lg is get_logger() and lg.name == "dnp3kit" and not lg.propagate
    log_frame(b"\x05\x64", "RX")
    log_parsed_frame({"source": 10, "destination": 1, "function": 0x81}, "RX")
    out = capsys.readouterr().out
    assert "RX: [2 bytes] 05 64" in out and "RX Frame: src=10 dst=1 func=0x81" in out
    assert "05 64" in (tmp_path / "d.log").read_text(encoding="utf-8")
    with pytest.raises(ValueError):
        setup_logging("LOUD")
    with pytest.raises(TypeError):
        log_frame("05 64")
    setup_logging("WARNING")


# ---- the migration note names every one of them ----

def test_docs_python_md_maps_every_old_name():
    import re

    from conftest import SOURCE_DIR
    doc = open(os.path.join(SOURCE_DIR, "docs", "python.md"), encoding="utf-8").read()
    names = {n for v in OLD_NAMES.values() for n in v} | set(MASTER_METHODS) - {"__init__"}
    names |= set(OLD_MEMBERS) | {m for v in OLD_MEMBERS.values() for m in v} | set(OLD_EXC)
    names |= {a for v in OLD_EXC.values() for a in v} | {f for f, _ in OLD_CONFIG}
    names |= {f for v in OLD_FIELDS.values() for f, _ in v}
    names |= {"dnp3py." + m for m in OLD_NAMES if m}
    missing = sorted(n for n in names if not re.search(r"(?<!\w)" + re.escape(n) + r"\b", doc))
    assert not missing, f"docs/python.md does not mention {missing}"
    assert "dnp3py.layers" in doc  # and says what replaces the part not carried over


# ---- a script written against the old driver, with only the import changed ----

OLD_SCRIPT = '''
import sys
import threading

from dnp3py import (DNP3CommunicationError, DNP3CRCError, DNP3Config, DNP3Error, DNP3Master, DNP3ProtocolError,
                    DNP3TimeoutError)
from dnp3py.core import DNP3ControlError, DNP3FrameError, DNP3ObjectError, PollResult
from dnp3py.core.config import ControlCode, IINFlags
from dnp3py.objects import BinaryOutputCommand
from dnp3py.utils.logging import setup_logging

HOST, PORT, DEAD_PORT, EVENT_PORT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def basic_read_example():
    setup_logging(level="INFO")
    config = DNP3Config(host=HOST, port=PORT, master_address=1, outstation_address=10, response_timeout=5.0)
    master = DNP3Master(config)
    try:
        master.open()
        print(f"Connected to {config.host}:{config.port}")
        result = master.integrity_poll()
        if result.success:
            print(f"IIN: {result.iin}")
            print(f"iin is {type(result.iin).__name__}, errors={result.iin.has_errors()}")
            for bi in result.binary_inputs:
                print(f"  {bi}")
            for ai in result.analog_inputs:
                print(f"  {ai}")
            for ctr in result.counters:
                print(f"  {ctr}")
        else:
            print(f"Poll failed: {result.error}")
        inputs = master.read_binary_inputs(0, 9)
        print(f"read {len(inputs)} binary inputs")
        analogs = master.read_analog_inputs(0, 4)
        print(f"read {len(analogs)} analog inputs")
    except Exception as e:
        print(f"Error: {e}")
    finally:
        master.close()
        print("Disconnected")


def control_example():
    master = DNP3Master(DNP3Config(host=HOST, port=PORT, master_address=1, outstation_address=10))
    try:
        master.open()
        success = master.direct_operate_binary(index=0, value=True)
        print(f"DO on: {'Success' if success else 'Failed'}")
        print(f"bo0={master.read_binary_outputs(0, 0)[0].value}")
        success = master.direct_operate_binary(index=0, value=False)
        print(f"DO off: {'Success' if success else 'Failed'}")
        success = master.select_operate_binary(index=1, value=True)
        print(f"SBO: {'Success' if success else 'Failed'}")
        success = master.pulse_binary(index=2, on_time=50, off_time=50, count=3)
        print(f"Pulse: {'Success' if success else 'Failed'}")
        code = BinaryOutputCommand.trip(3).control_code
        assert code == ControlCode.TRIP_CLOSE_TRIP | ControlCode.PULSE_ON
        print(f"Trip: {'Success' if master.direct_operate_binary(3, True, control_code=code) else 'Failed'}")
        print(f"Refused: {'Success' if master.direct_operate_binary(index=99, value=True) else 'Failed'}")
        print(f"cmd={BinaryOutputCommand.latch_on(0)}")
    finally:
        master.close()


def analog_control_example():
    master = DNP3Master(DNP3Config(host=HOST, port=PORT))
    try:
        master.open()
        success = master.direct_operate_analog(index=0, value=50)
        print(f"AO: {'Success' if success else 'Failed'}")
        outputs = master.read_analog_outputs(0, 0)
        if outputs:
            print(f"Current value: {outputs[0].value}")
    finally:
        master.close()


def context_manager_example():
    master = DNP3Master(DNP3Config(host=HOST, port=PORT))
    with master.connect():
        result = master.integrity_poll()
        if result.success:
            print(f"Found {len(result.binary_inputs)} binary inputs")
            print(f"Found {len(result.analog_inputs)} analog inputs")
            print(f"Found {len(result.counters)} counters")
        for k in (1, 2, 3):
            r = master.read_class(k)
            print(f"class {k}: {r.success}")
        print(f"restarts: {master.warm_restart()} {master.cold_restart()}")


def unsolicited_example():
    got = threading.Event()
    seen = []

    def on_unsolicited(response):
        seen.append(response)
        if response.analog_inputs:
            got.set()

    master = DNP3Master(DNP3Config(host=HOST, port=EVENT_PORT))
    master.set_unsolicited_callback(on_unsolicited)
    with master.connect():
        print(f"enable: {master.enable_unsolicited(0x07)}")
        print(f"unsolicited: {got.wait(10)}")
        print(f"disable: {master.disable_unsolicited()}")


def exception_example():
    master = DNP3Master(DNP3Config(host=HOST, port=DEAD_PORT, connection_timeout=2.0))
    try:
        with master.connect():
            master.integrity_poll()
    except DNP3TimeoutError as e:
        print(f"Timeout after {e.timeout_seconds}s")
    except DNP3CommunicationError as e:
        print(f"Connection failed: host={e.host}, port={e.port}")
    except DNP3CRCError:
        print("CRC validation failed")
    except DNP3Error as e:
        print(f"DNP3 error: {e}")
    for bad in (dict(port=0), dict(host=""), dict(master_address=70000), dict(log_level="LOUD")):
        try:
            DNP3Master(DNP3Config(**bad))
        except ValueError:
            print(f"rejected {sorted(bad)[0]}")
    try:
        DNP3Master(DNP3Config(host=None))
    except TypeError:
        print("rejected host type")
    print(IINFlags.from_bytes(0x80, 0x04).has_errors(), IINFlags().to_bytes())
    print(issubclass(DNP3ControlError, DNP3Error), issubclass(DNP3FrameError, DNP3Error),
          issubclass(DNP3ObjectError, DNP3Error), issubclass(DNP3ProtocolError, DNP3Error))
    print(PollResult(success=False).counters)


basic_read_example()
control_example()
analog_control_example()
context_manager_example()
unsolicited_example()
exception_example()
'''


def test_a_script_written_for_the_old_driver_runs_with_one_import_changed(outstation, refused_port, tmp_path):
    o = outstation("--binary-inputs", "10", "--analog-inputs", "5", "--counters", "2", "--binary-outputs", "4",
                   "--analog-outputs", "1", "--set", "ai.2=17")
    ev = outstation("--unsolicited", "--change-every", "50", "--analog-inputs", "2")
    script = tmp_path / "old_script.py"
    script.write_text(textwrap.dedent(OLD_SCRIPT).replace("dnp3py", "dnp3kit.compat"))
    assert "dnp3py" not in script.read_text()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    p = subprocess.run([sys.executable, str(script), "127.0.0.1", str(o.port), str(refused_port), str(ev.port)],
                       capture_output=True, text=True, timeout=120, env=env)
    out = p.stdout
    assert p.returncode == 0, p.stdout + p.stderr
    for want in ["Connected to 127.0.0.1:", "iin is IINFlags, errors=False", "BinaryInput(idx=9, OFF, online)",
                 "AnalogInput(idx=2, value=17, online)", "Counter(idx=1, value=0, online)",
                 "read 10 binary inputs", "read 5 analog inputs", "Disconnected",
                 "DO on: Success", "bo0=True", "DO off: Success", "SBO: Success", "Pulse: Success", "Trip: Success",
                 "Refused: Failed", "cmd=BinaryOutputCommand(idx=0, op=LATCH_ON, status=0)",
                 "AO: Success", "Current value: 50",
                 "Found 10 binary inputs", "Found 5 analog inputs", "Found 2 counters",
                 "class 1: True", "class 2: True", "class 3: True", "restarts: True True",
                 "enable: True", "unsolicited: True", "disable: True",
                 f"Connection failed: host=127.0.0.1, port={refused_port}",
                 "rejected port", "rejected host", "rejected master_address", "rejected log_level",
                 "rejected host type", "True (0, 0)", "True True True True", "[]"]:
        assert want in out, f"{want!r} not in:\n{out}\n{p.stderr}"
    assert "Error:" not in out and "Poll failed" not in out
