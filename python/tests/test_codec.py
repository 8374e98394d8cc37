"""dnp3kit.decode / decode_fragment: same objects as dnp3-pcap decode --json
on every crafted capture, and hostile octets never crash the interpreter."""
from __future__ import annotations

import os
import random
import subprocess
import json

import pytest

import dnp3kit
from conftest import CAPTURES, crafted_captures
from pcapread import streams

KEYS = ("link_src", "link_dst", "dir", "tentative", "segments", "ac", "func", "func_name", "iin", "iin_raw", "objects")


def test_decode_fragment_plain_objects():
    f = dnp3kit.decode_fragment(bytes.fromhex("c0 81 00 00 1e 01 00 00 00 01 d2 04 00 00"))
    assert f.valid and not f.findings
    assert (f.func, f.func_name, f.iin, f.iin_raw) == (129, "RESPONSE", [], 0)
    assert f.ac == {"fir": True, "fin": True, "con": False, "uns": False, "seq": 0}
    (o,) = f.objects
    assert (o["group"], o["variation"], o["start"], o["stop"]) == (30, 1, 0, 0)
    assert o["points"] == [{"index": 0, "flags": ["ONLINE"], "flags_raw": 1, "value": 1234}]
    # stop = 1: the second point is missing
    bad = dnp3kit.decode_fragment(bytes.fromhex("c0 81 00 00 1e 01 00 00 01 01 d2 04 00 00"))
    assert not bad.valid and [x["name"] for x in bad.findings] == ["app_object_truncated"]
    assert bad.findings[0]["severity"] == "error" and bad.findings[0]["layer"] == "application"


def crc16(data: bytes) -> int:
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
    return ~crc & 0xFFFF


def frame(ctrl: int, dst: int, src: int, user: bytes) -> bytes:
    hdr = bytes([0x05, 0x64, 5 + len(user), ctrl]) + dst.to_bytes(2, "little") + src.to_bytes(2, "little")
    out = hdr + crc16(hdr).to_bytes(2, "little")
    for i in range(0, len(user), 16):
        out += user[i:i + 16] + crc16(user[i:i + 16]).to_bytes(2, "little")
    return out


def test_decode_a_stream_with_a_bad_crc():
    # READ class 0 from master 1 to outstation 10, three times; the second with a corrupted header CRC
    good = frame(0xC4, 10, 1, bytes.fromhex("c0 c0 01 3c 01 06"))
    frags = dnp3kit.decode(good + good[:8] + b"\x00\x00" + good[10:] + good)
    assert [(f.func_name, f.link_src, f.link_dst, f.dir, f.segments) for f in frags] == \
        [("READ", 1, 10, "master", 1)] * 2
    # the frame is dropped; its remaining octets are skipped as garbage up to the next start
    assert [x["name"] for x in frags.findings] == ["link_bad_header_crc", "link_garbage"]


def test_reserved_link_function_gives_a_tentative_fragment():
    # READ class 0 in a frame of reserved primary function 5, between two good ones
    good = frame(0xC4, 10, 1, bytes.fromhex("c0 c0 01 3c 01 06"))
    odd = frame(0xC5, 10, 1, bytes.fromhex("c0 c1 01 3c 02 06"))
    frags = dnp3kit.decode(good + odd + good)
    assert [(f.func_name, f.tentative, f.segments) for f in frags] == \
        [("READ", None, 1), ("READ", "link_reserved_function", 1), ("READ", None, 1)]
    t = frags[1]
    assert t.objects[0]["group"] == 60 and t.objects[0]["variation"] == 2
    assert not t.valid and t.findings == [] and t.to_dict()["tentative"] == "link_reserved_function"
    assert [x["name"] for x in frags.findings] == ["link_reserved_function"]
    # not a whole segment (FIN clear): no fragment, only the link's finding
    part = frame(0xC5, 10, 1, bytes.fromhex("40 c1 01 3c 02 06"))
    frags = dnp3kit.decode(part)
    assert list(frags) == [] and [x["name"] for x in frags.findings] == ["link_reserved_function"]


def test_bad_types_raise():
    for bad in ("05 64", None, 5, [5, 100]):
        with pytest.raises(TypeError):
            dnp3kit.decode(bad)
        with pytest.raises(TypeError):
            dnp3kit.decode_fragment(bad)
    with pytest.raises(ValueError):
        dnp3kit.decode(b"", max_message=0)
    assert dnp3kit.decode(b"") == [] and dnp3kit.decode_fragment(b"").findings


def pcap_records(path: str) -> list:
    out = subprocess.run([os.environ["DNP3KIT_PCAP"], "decode", "--json", path], capture_output=True, check=False)
    assert out.returncode in (0, 1), out.stderr
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("path", crafted_captures(), ids=os.path.basename)
def test_decode_equals_dnp3_pcap_on_every_crafted_capture(path):
    """The in-process codec, fed each direction's TCP/UDP stream, finds the
    fragments dnp3-pcap's engine finds, with the same fields."""
    records = pcap_records(path)
    compared = 0
    for (src, dst), chunks in streams(path).items():
        mine = [f.to_dict() for chunk in chunks for f in dnp3kit.decode(chunk)]
        # tentative records (a reserved link function's user data, decoded as if it
        # were; never reassembled) included, in their places
        theirs = [r for r in records if r["src"] == src and r["dst"] == dst]
        assert [{k: d.get(k) for k in KEYS} for d in mine] == [{k: r.get(k) for k in KEYS} for r in theirs], \
            f"{src} -> {dst}"
        for d, r in zip(mine, theirs):
            assert set(d["findings"]) <= set(r["findings"])
        compared += len(theirs)
    assert compared == len(records)


def seeds(tmp_path_factory):
    exe = os.environ.get("DNP3KIT_EXTRACT_SEEDS")
    if not exe:
        pytest.skip("DNP3KIT_EXTRACT_SEEDS not set")
    d = tmp_path_factory.mktemp("seeds")
    shared = os.environ.get("DNP3KIT_SHARED_CAPTURES", "")
    srcs = [CAPTURES] + ([shared] if shared and os.path.isdir(shared) else [])
    subprocess.run([exe, str(d), *srcs], check=True, capture_output=True)
    return sorted(os.path.join(r, f) for r, _, fs in os.walk(d) for f in fs)


def test_hostile_octets_never_crash(tmp_path_factory):
    """Fuzz seeds, crafted captures (whole files) and seeded random mutations
    of them: every call returns (with findings) or raises, nothing else."""
    rng = random.Random(1815)
    every = seeds(tmp_path_factory)
    assert len(every) > 20
    # a fixed sample keeps the run short; each seed kind is covered
    files = sorted(rng.sample(every, min(len(every), 250))) + crafted_captures()
    n = 0
    for path in files:
        with open(path, "rb") as fh:
            data = fh.read()
        for variant in (data, data[::-1], bytes(rng.getrandbits(8) for _ in range(min(len(data), 600)))):
            mutated = bytearray(variant)
            for _ in range(min(8, len(mutated))):
                mutated[rng.randrange(len(mutated))] = rng.getrandbits(8)
            for octets in (variant, bytes(mutated)):
                frags = dnp3kit.decode(octets)
                assert isinstance(frags.findings, list)
                f = dnp3kit.decode_fragment(octets[:4096])
                assert f.valid or f.findings
                n += 1
    assert n > 100
