"""ctypes declarations of libdnp3kit.so.0 and libdnp3kit-master.so.0.

The structures mirror the public headers field by field; the test suite
compares every offset and size with the C compiler's (tests/test_layout.py),
so a header change that is not carried here fails there instead of
corrupting memory. ctypes releases the GIL during every call below.

The libraries are looked up in the directories of ``DNP3KIT_LIB_DIR``
(colon-separated; the build tree uses it) and otherwise by SONAME.
"""
from __future__ import annotations

import ctypes
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, Union, c_bool, c_char, c_char_p, c_double, c_int, c_size_t,
                    c_int64, c_uint, c_uint8, c_uint16, c_uint32, c_uint64, c_void_p)

c_u8p = POINTER(c_uint8)


def _load(soname: str) -> ctypes.CDLL:
    dirs = [d for d in os.environ.get("DNP3KIT_LIB_DIR", "").split(os.pathsep) if d]
    for d in dirs:
        p = os.path.join(d, soname)
        if os.path.exists(p):
            # RTLD_GLOBAL: libdnp3kit-master.so.0 then finds the core already loaded by SONAME
            return ctypes.CDLL(p, mode=ctypes.RTLD_GLOBAL)
    try:
        return ctypes.CDLL(soname, mode=ctypes.RTLD_GLOBAL)
    except OSError as e:
        raise ImportError(f"dnp3kit: cannot load {soname} (install the dnp3kit package, or set "
                          f"DNP3KIT_LIB_DIR to the directory that holds it): {e}") from None


core = _load("libdnp3kit.so.0")
master = _load("libdnp3kit-master.so.0")

# ---- common.h ----


class ErrorDetail(Structure):
    _fields_ = [("code", c_int), ("finding", c_int), ("offset", c_size_t),
                ("crc_expected", c_uint16), ("crc_actual", c_uint16), ("func", c_int), ("iin", c_int),
                ("control_status", c_int), ("timeout_s", c_double), ("port", c_uint16),
                ("host", c_char * 64), ("message", c_char * 192)]


class Finding(Structure):
    _fields_ = [("code", c_int), ("offset", c_size_t), ("expected", c_uint64), ("actual", c_uint64),
                ("index", c_uint32), ("group", c_uint8), ("variation", c_uint8), ("func", c_uint8),
                ("qualifier", c_uint8)]


FINDING_FN = CFUNCTYPE(None, c_void_p, POINTER(Finding))


class Sink(Structure):
    _fields_ = [("fn", FINDING_FN), ("user", c_void_p)]


OUT_FN = CFUNCTYPE(None, c_void_p, POINTER(c_char), c_size_t)


class Out(Structure):
    _fields_ = [("write", OUT_FN), ("user", c_void_p)]


class RenderOpts(Structure):
    _fields_ = [("indent", c_char_p), ("max_points", c_size_t)]


# ---- link.h / transport.h / app.h ----


class LinkFrame(Structure):
    _fields_ = [("len", c_uint8), ("ctrl", c_uint8), ("dir", c_bool), ("prm", c_bool), ("fcb", c_bool),
                ("fcv", c_bool), ("dfc", c_bool), ("func", c_uint8), ("dst", c_uint16), ("src", c_uint16),
                ("header_crc", c_uint16), ("crc_ok", c_bool), ("frame_len", c_size_t),
                ("user_len", c_size_t), ("user", c_uint8 * 250)]


class LinkParser(Structure):
    _fields_ = [("_buf", c_uint8 * 292), ("_have", c_size_t), ("_garbage", c_uint64), ("_offset", c_uint64),
                ("frames", c_uint64), ("bad_frames", c_uint64), ("garbage_octets", c_uint64)]


class Reassembler(Structure):
    _fields_ = [("buf", c_u8p), ("cap", c_size_t), ("len", c_size_t), ("in_progress", c_bool),
                ("discarding", c_bool), ("last_seq", c_uint8), ("have_last", c_bool), ("segments", c_uint32),
                ("messages", c_uint64), ("discarded", c_uint64)]


class AppHeader(Structure):
    _fields_ = [("ctrl", c_uint8), ("fir", c_bool), ("fin", c_bool), ("con", c_bool), ("uns", c_bool),
                ("seq", c_uint8), ("func", c_uint8), ("has_iin", c_bool), ("iin", c_uint16),
                ("header_len", c_size_t)]


class AppSummary(Structure):
    _fields_ = [("header", AppHeader), ("object_headers", c_uint32), ("points", c_uint64),
                ("valid_len", c_size_t)]


# ---- build.h / master.h ----


class Crob(Structure):
    _fields_ = [("op", c_uint8), ("tcc", c_uint8), ("clear", c_bool), ("count", c_uint8), ("on_ms", c_uint32),
                ("off_ms", c_uint32), ("status", c_uint8)]


class SerialConfig(Structure):
    _fields_ = [("device", c_char * 128), ("baud", c_uint32), ("data_bits", c_uint8), ("parity", c_char),
                ("stop_bits", c_uint8), ("flow", c_int), ("rs485", c_bool), ("inter_char_ms", c_uint32),
                ("turnaround_ms", c_uint32)]


class TlsConfig(Structure):
    _fields_ = [("enabled", c_bool), ("ca_file", c_char * 256), ("cert_file", c_char * 256),
                ("key_file", c_char * 256), ("key_password", c_char * 128), ("name", c_char * 256),
                ("min_version", c_uint16), ("max_version", c_uint16), ("ciphers", c_char * 256),
                ("ciphersuites", c_char * 256)]


class MasterConfig(Structure):
    _fields_ = [("host", c_char * 64), ("port", c_uint16), ("master_address", c_uint16),
                ("outstation_address", c_uint16), ("response_timeout_ms", c_uint32),
                ("connect_timeout_ms", c_uint32), ("select_timeout_ms", c_uint32), ("retries", c_uint32),
                ("retry_delay_ms", c_uint32), ("max_frame_size", c_uint32), ("max_fragment_size", c_uint32),
                ("keepalive_ms", c_uint32), ("time_sync", c_int), ("startup", c_bool),
                ("iin_reactions", c_bool), ("max_points", c_uint32), ("transport", c_int),
                ("local_port", c_uint16), ("serial", SerialConfig), ("reaction_window_ms", c_uint32),
                ("reaction_attempts", c_uint32), ("max_requests_per_s", c_uint32), ("tls", TlsConfig),
                ("link_confirm", c_bool), ("link_timeout_ms", c_uint32), ("link_retries", c_uint32),
                ("listen_peer", c_char * 64)]


class MasterPoint(Structure):
    _fields_ = [("type", c_uint8), ("event", c_bool), ("group", c_uint8), ("variation", c_uint8),
                ("has_flags", c_bool), ("flags", c_uint8), ("index", c_uint32), ("value", c_double),
                ("has_time", c_bool), ("time_ms", c_uint64)]


class FieldValue(Union):
    _fields_ = [("u", c_uint64), ("i", c_int64), ("f", c_double)]


class MasterField(Structure):
    _fields_ = [("name", c_char_p), ("type", c_uint8), ("v", FieldValue), ("octets_off", c_uint32),
                ("octets_len", c_uint32)]


MAX_FIELDS = 8  # DNP3KIT_MAX_FIELDS (catalog.h)
# dnp3kit_field_type values the binding converts (catalog.h)
FT_I16, FT_I32, FT_F32, FT_F64, FT_OCTETS = 7, 8, 9, 10, 18


class MasterObject(Structure):
    _fields_ = [("group", c_uint8), ("variation", c_uint8), ("qualifier", c_uint8), ("event", c_bool),
                ("has_index", c_bool), ("index", c_uint32), ("name", c_char_p), ("nfields", c_uint8),
                ("fields", MasterField * MAX_FIELDS)]


class FileInfo(Structure):
    _fields_ = [("name", c_char * 256), ("name_len", c_size_t), ("type", c_uint16), ("size", c_uint32),
                ("time_ms", c_uint64), ("permissions", c_uint16)]


class MasterResult(Structure):
    _fields_ = [("points", POINTER(MasterPoint)), ("count", c_size_t), ("cap", c_size_t),
                ("dropped", c_size_t), ("objects", POINTER(MasterObject)), ("nobjects", c_size_t), ("objects_cap", c_size_t),
                ("octets", POINTER(c_uint8)), ("octets_len", c_size_t), ("octets_cap", c_size_t),
                ("undecoded", c_size_t), ("has_iin", c_bool), ("iin", c_uint16), ("fragments", c_uint32),
                ("control_status", c_int), ("has_delay", c_bool), ("delay_ms", c_uint32),
                ("task_id", c_uint32), ("task_type", c_uint8)]


class MasterRequest(Structure):
    _fields_ = [("type", c_int), ("classes", c_uint), ("group", c_uint8), ("variation", c_uint8),
                ("start", c_uint32), ("stop", c_uint32), ("index", c_uint16), ("mode", c_int), ("crob", Crob),
                ("ao_type", c_int), ("ao_value", c_double), ("clear", c_bool), ("no_ack", c_bool),
                ("cold", c_bool), ("enable", c_bool), ("time_sync", c_int),
                ("func", c_uint8), ("objects", c_void_p), ("objects_len", c_size_t)]


UNS_FN = CFUNCTYPE(None, c_void_p, POINTER(MasterResult))
WIRE_FN = CFUNCTYPE(None, c_void_p, c_int, c_bool, POINTER(c_uint8), c_size_t)
TRACE_FRAME_FN = CFUNCTYPE(None, c_void_p, c_bool, POINTER(LinkFrame))
TRACE_FRAGMENT_FN = CFUNCTYPE(None, c_void_p, c_bool, POINTER(c_uint8), c_size_t)

# task types, modes (master.h)
TASK_READ_CLASS, TASK_READ_RANGE, TASK_CROB, TASK_ANALOG_OUTPUT, TASK_FREEZE, TASK_RESTART, \
    TASK_UNSOLICITED, TASK_TIME_SYNC, TASK_CLEAR_RESTART, TASK_LINK_STATUS, TASK_STARTUP = range(1, 12)
WIRE_CONNECTED, WIRE_DATA, WIRE_CLOSED = 1, 2, 3


def _sig(lib, name, res, *args):
    f = getattr(lib, name)
    f.restype = res
    f.argtypes = list(args)


EP = POINTER(ErrorDetail)
SP = POINTER(Sink)
_sig(core, "dnp3kit_strerror", c_char_p, c_int)
_sig(core, "dnp3kit_err_name", c_char_p, c_int)
_sig(core, "dnp3kit_finding_name", c_char_p, c_int)
_sig(core, "dnp3kit_finding_severity", c_int, c_int)
_sig(core, "dnp3kit_finding_layer", c_int, c_int)
_sig(core, "dnp3kit_severity_name", c_char_p, c_int)
_sig(core, "dnp3kit_layer_name", c_char_p, c_int)
_sig(core, "dnp3kit_finding_format", c_int, POINTER(Finding), c_char_p, c_size_t)
_sig(core, "dnp3kit_iin_format", c_int, c_uint16, c_char_p, c_size_t)
_sig(core, "dnp3kit_flags_format", c_int, c_uint8, c_uint8, c_char_p, c_size_t)
_sig(core, "dnp3kit_control_status_name", c_char_p, c_uint8)
_sig(core, "dnp3kit_app_func_name", c_char_p, c_uint8)
_sig(core, "dnp3kit_crc16", c_uint16, c_u8p, c_size_t)
_sig(core, "dnp3kit_app_validate", c_int, c_u8p, c_size_t, POINTER(AppSummary), SP)
_sig(core, "dnp3kit_render_fragment_json", c_int, c_u8p, c_size_t, POINTER(RenderOpts), POINTER(Out))
_sig(core, "dnp3kit_render_link_json", None, POINTER(LinkFrame), POINTER(Out))
_sig(core, "dnp3kit_link_parser_init", None, POINTER(LinkParser))
_sig(core, "dnp3kit_link_parser_step", c_int, POINTER(LinkParser), POINTER(c_u8p), POINTER(c_size_t),
     POINTER(LinkFrame), SP)
_sig(core, "dnp3kit_link_parser_finish", None, POINTER(LinkParser), SP)
_sig(core, "dnp3kit_reassembler_init", None, POINTER(Reassembler), c_u8p, c_size_t)
_sig(core, "dnp3kit_reassembler_push", c_int, POINTER(Reassembler), c_u8p, c_size_t, POINTER(c_u8p),
     POINTER(c_size_t), SP)
_sig(core, "dnp3kit_reassembler_finish", None, POINTER(Reassembler), SP)
_sig(core, "dnp3kit_link_reserved_fragment", c_bool, POINTER(LinkFrame), POINTER(c_u8p), POINTER(c_size_t))

MP = c_void_p
_sig(master, "dnp3kit_master_config_default", None, POINTER(MasterConfig))
_sig(master, "dnp3kit_master_config_validate", c_int, POINTER(MasterConfig), EP)
_sig(master, "dnp3kit_master_new", MP, POINTER(MasterConfig), EP)
_sig(master, "dnp3kit_master_free", None, MP)
_sig(master, "dnp3kit_master_close", None, MP)
_sig(master, "dnp3kit_master_connect", c_int, MP, EP)
_sig(master, "dnp3kit_master_run", c_int, MP, POINTER(MasterRequest), POINTER(MasterResult), EP)
_sig(master, "dnp3kit_master_process", c_int, MP, c_int, EP)
_sig(master, "dnp3kit_master_result_free", None, POINTER(MasterResult))
_sig(master, "dnp3kit_master_set_unsolicited", None, MP, UNS_FN, c_void_p)
_sig(master, "dnp3kit_master_set_wire_hook", None, MP, WIRE_FN, c_void_p)
_sig(master, "dnp3kit_master_set_trace", None, MP, TRACE_FRAME_FN, TRACE_FRAGMENT_FN, FINDING_FN, c_void_p)
_sig(master, "dnp3kit_master_point_type_name", c_char_p, c_int)
U32P = POINTER(c_uint32)
_sig(master, "dnp3kit_master_read_indices", c_int, MP, c_int, c_uint8, U32P, c_size_t, POINTER(MasterResult), EP)
_sig(master, "dnp3kit_master_read_group_indices", c_int, MP, c_uint8, c_uint8, U32P, c_size_t,
     POINTER(MasterResult), EP)
_sig(master, "dnp3kit_master_read_group", c_int, MP, c_uint8, c_uint8, c_uint32, c_uint32, POINTER(MasterResult), EP)
_sig(master, "dnp3kit_master_write_deadband", c_int, MP, c_uint16, c_uint8, c_double, EP)
_sig(master, "dnp3kit_master_read_attributes", c_int, MP, c_uint8, POINTER(MasterResult), EP)
_sig(master, "dnp3kit_master_write_attribute", c_int, MP, c_uint8, c_uint8, c_u8p, c_size_t, EP)
FILE_READ, FILE_WRITE = 1, 2
_sig(master, "dnp3kit_file_status_name", c_char_p, c_uint8)
_sig(master, "dnp3kit_master_file_authenticate", c_int, MP, c_char_p, c_char_p, U32P, EP)
_sig(master, "dnp3kit_master_file_open", c_int, MP, c_char_p, c_int, c_uint32, U32P, POINTER(c_uint16), U32P, EP)
_sig(master, "dnp3kit_master_file_read", c_int, MP, c_uint32, c_uint32, c_u8p, c_size_t, POINTER(c_size_t),
     POINTER(c_bool), EP)
_sig(master, "dnp3kit_master_file_write", c_int, MP, c_uint32, c_uint32, c_bool, c_u8p, c_size_t, EP)
_sig(master, "dnp3kit_master_file_close", c_int, MP, c_uint32, EP)
_sig(master, "dnp3kit_master_file_delete", c_int, MP, c_char_p, c_uint32, EP)
_sig(master, "dnp3kit_master_file_info", c_int, MP, c_char_p, POINTER(FileInfo), EP)
_sig(master, "dnp3kit_file_parse_directory", c_int, c_u8p, c_size_t, POINTER(POINTER(FileInfo)),
     POINTER(c_size_t), EP)


# ---- point-list checkout (master.h: dnp3kit_master_checkout) ----
CHECKOUT_COLUMNS = ("type", "index", "name", "expected", "flags", "control", "watch", "watch_expected")


class CheckoutRow(Structure):
    _fields_ = [("line", ctypes.c_uint), ("type", c_int), ("index", c_uint32),
                ("cell", c_char_p * len(CHECKOUT_COLUMNS)), ("watch_type", c_int), ("watch_index", c_uint32),
                ("verdict", c_int), ("observed", c_char * 48), ("flags", c_char * 96), ("time", c_char * 40),
                ("detail", c_char * 240)]


CHECKOUT_CONFIRM_FN = CFUNCTYPE(c_bool, c_void_p, c_char_p)


class CheckoutOptions(Structure):
    _fields_ = [("report_base", c_char_p), ("target", c_char_p), ("recording", c_char_p),
                ("watch_timeout_s", c_double), ("confirm", CHECKOUT_CONFIRM_FN), ("user", c_void_p)]


class CheckoutReport(Structure):
    _fields_ = [("rows", POINTER(CheckoutRow)), ("count", c_size_t), ("passed", c_size_t), ("failed", c_size_t),
                ("skipped", c_size_t), ("started", c_char * 40), ("finished", c_char * 40),
                ("report_csv", c_char * 1100), ("report_html", c_char * 1100), ("stage", c_int),
                ("error", c_char * 1400)]


CHECKOUT_STAGE_LIST, CHECKOUT_STAGE_POLL, CHECKOUT_STAGE_REPORT = 1, 2, 3
_sig(master, "dnp3kit_master_checkout", c_int, MP, c_char_p, POINTER(CheckoutOptions), POINTER(CheckoutReport), EP)
_sig(master, "dnp3kit_checkout_report_free", None, POINTER(CheckoutReport))
libc = ctypes.CDLL(None)
_sig(libc, "free", None, c_void_p)


def text(b: bytes | None) -> str:
    return b.decode("utf-8", "replace") if b else ""


def iin_names(iin: int) -> list[str]:
    buf = ctypes.create_string_buffer(256)
    core.dnp3kit_iin_format(iin & 0xFFFF, buf, len(buf))
    return [n for n in text(buf.value).split("|") if n]


def flag_names(group: int, flags: int) -> list[str]:
    buf = ctypes.create_string_buffer(256)
    core.dnp3kit_flags_format(group, flags, buf, len(buf))
    return [n for n in text(buf.value).split("|") if n]


def finding_dict(f: Finding) -> dict:
    buf = ctypes.create_string_buffer(256)
    core.dnp3kit_finding_format(ctypes.byref(f), buf, len(buf))
    return {"name": text(core.dnp3kit_finding_name(f.code)),
            "severity": text(core.dnp3kit_severity_name(core.dnp3kit_finding_severity(f.code))),
            "layer": text(core.dnp3kit_layer_name(core.dnp3kit_finding_layer(f.code))),
            "offset": f.offset if f.offset != ctypes.c_size_t(-1).value else None,
            "detail": text(buf.value)}


class FindingCollector:
    """A dnp3kit_sink that appends each finding (as a dict) to ``items``."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self._fn = FINDING_FN(self._on)
        self.sink = Sink(self._fn, None)

    def _on(self, _user, f) -> None:
        self.items.append(finding_dict(f.contents))
