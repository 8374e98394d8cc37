"""Captures: ``check`` and ``decode`` with the records of ``dnp3-pcap --json``.

Both run the project's ``dnp3-pcap`` (the same engine, so the same records,
findings and TCP/UDP reassembly as the command line) and parse its JSON:
:func:`decode` streams one dict per application fragment (or link frame) as
``dnp3-pcap decode --json`` prints it; :func:`check` returns the report of
``dnp3-pcap check --json``. :func:`summary` and :func:`merge` reduce reports
to finding counts, so a folder of captures can be checked in parallel (one
file per task, e.g. on a Dask cluster) and merged.

Why a program and not the library: reading pcap/pcapng files, IP fragment
and TCP stream reassembly and the check engine are dnp3-pcap's own code
(pcaptools/, linked into the program only). The shared libraries' public
API (libdnp3kit: link frames, transport segments, fragments, findings;
libdnp3kit-master) has no capture reader, so an in-process version would
either copy that code into Python or make the engine a public, versioned
C API; running the program keeps one engine and its records exactly.

How it is found (:func:`tool`): ``DNP3KIT_PCAP`` when set (a path: it must
be an executable file, nothing else is tried), else ``dnp3-pcap`` on
``PATH``, else ``PREFIX/bin/dnp3-pcap`` of the prefix this package is
installed in (``PREFIX/lib/python3/dist-packages/dnp3kit``, as ``cmake
--install --prefix PREFIX`` and the .deb lay it out). When none is there,
:class:`DNP3PcapNotFoundError` (a :class:`DNP3Error` and a
``FileNotFoundError``) says where it looked.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from typing import Iterable, Iterator, Optional, Sequence, Union

from .errors import DNP3Error

__all__ = ["check", "decode", "summary", "merge", "tool", "DNP3PcapNotFoundError"]

PathLike = Union[str, "os.PathLike[str]"]


class DNP3PcapNotFoundError(DNP3Error, FileNotFoundError):
    """The dnp3-pcap program is not where :func:`tool` looks."""


def _executable(p: str) -> bool:
    return os.path.isfile(p) and os.access(p, os.X_OK)


def _prefix_tool() -> str:
    """PREFIX/bin/dnp3-pcap for a package in PREFIX/lib/python3/dist-packages/dnp3kit."""
    pkg = os.path.dirname(os.path.abspath(__file__))
    prefix = os.path.normpath(os.path.join(pkg, "..", "..", "..", ".."))
    return os.path.join(prefix, "bin", "dnp3-pcap")


def tool() -> str:
    """Path of the dnp3-pcap program used: DNP3KIT_PCAP, else on PATH, else
    beside this package's install prefix. DNP3PcapNotFoundError otherwise."""
    env = os.environ.get("DNP3KIT_PCAP")
    if env:
        if not _executable(env):
            raise DNP3PcapNotFoundError(f"DNP3KIT_PCAP={env}: not an executable file (it names the dnp3-pcap "
                                        "program dnp3kit.pcap runs; unset it to search PATH)")
        return env
    found = shutil.which("dnp3-pcap")
    if found:
        return found
    beside = _prefix_tool()
    if _executable(beside):
        return beside
    raise DNP3PcapNotFoundError(f"dnp3-pcap not found (DNP3KIT_PCAP unset, not on PATH, not {beside}): install the "
                                "dnp3kit package, or set DNP3KIT_PCAP to the program's path")


def _options(ports: Optional[Sequence[int]], any_port: bool, max_message: Optional[int]) -> list:
    opts: list = []
    for p in ports or ():
        if isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= 65535:
            raise ValueError(f"ports: {p!r} is not a port (1-65535)")
        opts += ["--port", str(p)]
    if any_port:
        opts.append("--any-port")
    if max_message is not None:
        if isinstance(max_message, bool) or not isinstance(max_message, int) or max_message < 1:
            raise ValueError(f"max_message must be a positive integer, got {max_message!r}")
        opts += ["--max-message", str(max_message)]
    return opts


def _paths(path: Union[PathLike, Iterable[PathLike]]) -> list:
    if isinstance(path, (str, os.PathLike)):
        paths = [os.fspath(path)]
    else:
        paths = [os.fspath(p) for p in path]
    if not paths:
        raise ValueError("path: no capture given")
    for p in paths:
        if not os.path.isfile(p):
            raise FileNotFoundError(p)
    return paths


def decode(path: Union[PathLike, Iterable[PathLike]], *, layer: str = "app", ports: Optional[Sequence[int]] = None,
           any_port: bool = False, max_message: Optional[int] = None) -> Iterator[dict]:
    """Iterate the records of ``dnp3-pcap decode --json`` (layer "app": one per
    application fragment, "link": one per link frame), parsed, as they come.
    Bad arguments, a missing capture and a missing dnp3-pcap raise here, at
    the call; a capture that cannot be read raises DNP3Error naming the file
    while iterating."""
    if layer not in ("app", "link"):
        raise ValueError(f"layer must be app or link, got {layer!r}")
    cmd = [tool(), "decode", "--json", "--layer", layer, *_options(ports, any_port, max_message), "--",
           *_paths(path)]
    return _records(cmd)


def _records(cmd: list) -> Iterator[dict]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError as e:
                    raise DNP3Error(f"{cmd[0]} printed a line that is not JSON (is it dnp3-pcap?): "
                                    f"{line[:80]!r}") from e
    finally:
        if proc.stdout:
            proc.stdout.close()
        err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        rc = proc.wait()
        if proc.stderr:
            proc.stderr.close()
    if rc not in (0, 1):
        raise DNP3Error(err.strip() or (f"{cmd[0]} decode killed by signal {-rc}" if rc < 0
                                        else f"{cmd[0]} decode exited with {rc}"))


def check(path: Union[PathLike, Iterable[PathLike]], *, ports: Optional[Sequence[int]] = None,
          any_port: bool = False, max_message: Optional[int] = None) -> dict:
    """The report of ``dnp3-pcap check --json`` for one capture or several:
    ``{"files": [{"file": ..., "findings": [...], ...}], "exit": 0 or 1, ...}``.
    Raises DNP3Error (with dnp3-pcap's message) when a capture cannot be read."""
    cmd = [tool(), "check", "--json", "--fail-on", "error", *_options(ports, any_port, max_message), "--",
           *_paths(path)]
    p = subprocess.run(cmd, capture_output=True)
    if p.returncode not in (0, 1):
        raise DNP3Error(p.stderr.decode("utf-8", "replace").strip() or (
            f"{cmd[0]} check killed by signal {-p.returncode}" if p.returncode < 0
            else f"{cmd[0]} check exited with {p.returncode}"))
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        raise DNP3Error(f"{cmd[0]} printed no JSON report (is it dnp3-pcap?): {p.stdout[:80]!r}") from e


def summary(report: dict) -> dict:
    """Finding counts of a check report: ``{"files": N, "findings": {name: n},
    "severities": {severity: n}}`` (a plain dict; merge adds them up)."""
    names: Counter = Counter()
    sev: Counter = Counter()
    files = report.get("files", [])
    for f in files:
        for x in f.get("findings", []):
            names[x["name"]] += 1
            sev[x["severity"]] += 1
    return {"files": len(files), "findings": dict(sorted(names.items())), "severities": dict(sorted(sev.items()))}


def merge(summaries: Iterable[dict]) -> dict:
    """Add summaries up (order does not matter)."""
    files = 0
    names: Counter = Counter()
    sev: Counter = Counter()
    for s in summaries:
        files += s["files"]
        names.update(s["findings"])
        sev.update(s["severities"])
    return {"files": files, "findings": dict(sorted(names.items())), "severities": dict(sorted(sev.items()))}
