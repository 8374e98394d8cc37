"""Captures: ``check`` and ``decode`` with the records of ``dnp3-pcap --json``.

Both run the project's ``dnp3-pcap`` (the same engine, so the same records,
findings and TCP/UDP reassembly as the command line) and parse its JSON:
:func:`decode` streams one dict per application fragment (or link frame) as
``dnp3-pcap decode --json`` prints it; :func:`check` returns the report of
``dnp3-pcap check --json``. :func:`summary` and :func:`merge` reduce reports
to finding counts, so a folder of captures can be checked in parallel (one
file per task, e.g. on a Dask cluster) and merged.

``dnp3-pcap`` is found in ``DNP3KIT_PCAP`` (a path), else on ``PATH``.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from typing import Iterable, Iterator, Optional, Sequence, Union

from .errors import DNP3Error

__all__ = ["check", "decode", "summary", "merge", "tool"]

PathLike = Union[str, "os.PathLike[str]"]


def tool() -> str:
    """Path of the dnp3-pcap program used."""
    p = os.environ.get("DNP3KIT_PCAP") or shutil.which("dnp3-pcap")
    if not p or not os.access(p, os.X_OK):
        raise DNP3Error("dnp3-pcap not found: install dnp3kit, or set DNP3KIT_PCAP to its path")
    return p


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
    Raises DNP3Error naming the file when the capture cannot be read."""
    if layer not in ("app", "link"):
        raise ValueError(f"layer must be app or link, got {layer!r}")
    cmd = [tool(), "decode", "--json", "--layer", layer, *_options(ports, any_port, max_message), "--",
           *_paths(path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip():
                yield json.loads(line)
    finally:
        if proc.stdout:
            proc.stdout.close()
        err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        rc = proc.wait()
        if proc.stderr:
            proc.stderr.close()
    if rc not in (0, 1):
        raise DNP3Error(err.strip() or f"dnp3-pcap decode exited with {rc}")


def check(path: Union[PathLike, Iterable[PathLike]], *, ports: Optional[Sequence[int]] = None,
          any_port: bool = False, max_message: Optional[int] = None) -> dict:
    """The report of ``dnp3-pcap check --json`` for one capture or several:
    ``{"files": [{"file": ..., "findings": [...], ...}], "exit": 0 or 1, ...}``.
    Raises DNP3Error (with dnp3-pcap's message) when a capture cannot be read."""
    cmd = [tool(), "check", "--json", "--fail-on", "error", *_options(ports, any_port, max_message), "--",
           *_paths(path)]
    p = subprocess.run(cmd, capture_output=True)
    if p.returncode not in (0, 1):
        raise DNP3Error(p.stderr.decode("utf-8", "replace").strip() or f"dnp3-pcap check exited with {p.returncode}")
    return json.loads(p.stdout)


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
