"""The ctypes structures of dnp3kit._lib match the C headers: every field's
offset and size and every structure's size, as the C compiler lays them out.
A header change not carried into _lib.py fails here."""
from __future__ import annotations

import ctypes
import os
import subprocess

import pytest

from conftest import SOURCE_DIR
from dnp3kit import _lib

STRUCTS = {
    _lib.ErrorDetail: "dnp3kit_error_detail", _lib.Finding: "dnp3kit_finding", _lib.Sink: "dnp3kit_sink",
    _lib.Out: "dnp3kit_out", _lib.RenderOpts: "dnp3kit_render_opts", _lib.LinkFrame: "dnp3kit_link_frame",
    _lib.LinkParser: "dnp3kit_link_parser", _lib.Reassembler: "dnp3kit_reassembler",
    _lib.AppHeader: "dnp3kit_app_header", _lib.AppSummary: "dnp3kit_app_summary", _lib.Crob: "dnp3kit_crob",
    _lib.SerialConfig: "dnp3kit_serial_config", _lib.TlsConfig: "dnp3kit_tls_config",
    _lib.MasterConfig: "dnp3kit_master_config", _lib.MasterPoint: "dnp3kit_master_point",
    _lib.MasterResult: "dnp3kit_master_result", _lib.MasterRequest: "dnp3kit_master_request",
    _lib.MasterField: "dnp3kit_master_field", _lib.MasterObject: "dnp3kit_master_object",
    _lib.FileInfo: "dnp3kit_file_info", _lib.CheckoutRow: "dnp3kit_checkout_row",
    _lib.CheckoutOptions: "dnp3kit_checkout_options", _lib.CheckoutReport: "dnp3kit_checkout_report",
}


def test_every_structure_matches_the_headers(tmp_path):
    cc = os.environ.get("DNP3KIT_CC", "cc")
    lines = ['#include <stddef.h>', '#include <stdio.h>', '#include "dnp3kit/dnp3kit.h"',
             '#include "dnp3kit/master.h"', "int main(void) {"]
    want = []
    for cls, cname in STRUCTS.items():
        lines.append(f'printf("%zu\\n", sizeof({cname}));')
        want.append(f"{cname} size {ctypes.sizeof(cls)}")
        for name, _t in cls._fields_:
            lines.append(f'printf("%zu %zu\\n", offsetof({cname}, {name}), sizeof((({cname} *)0)->{name}));')
            f = getattr(cls, name)
            want.append(f"{cname}.{name} {f.offset} {f.size}")
    lines.append("return 0; }")
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines))
    exe = tmp_path / "layout"
    subprocess.run([cc, "-std=c17", "-I", os.path.join(SOURCE_DIR, "core", "include"), "-I",
                    os.path.join(SOURCE_DIR, "master", "include"), str(src), "-o", str(exe)], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split("\n")
    got = []
    for cls, cname in STRUCTS.items():
        got.append(f"{cname} size {out.pop(0)}")
        for name, _t in cls._fields_:
            got.append(f"{cname}.{name} {out.pop(0)}")
    assert got == want


def test_config_defaults_land_where_the_binding_reads_them():
    c = _lib.MasterConfig()
    _lib.master.dnp3kit_master_config_default(ctypes.byref(c))
    assert (c.host, c.port, c.master_address, c.outstation_address) == (b"127.0.0.1", 20000, 1, 10)
    assert (c.response_timeout_ms, c.retries, c.max_frame_size, c.max_fragment_size) == (5000, 2, 250, 2048)
    assert c.iin_reactions is True and c.max_points == 100000
