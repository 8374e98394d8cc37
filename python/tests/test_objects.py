"""dnp3kit.Master beyond the seven point types, against dnp3-outstation on
loopback: index-list reads, any group by range, dead-bands (g34), device
attributes (g0), file transfer (g70: info, ls, get, put, rm, authentication,
a stopped get leaving no partial file, refused names)."""
from __future__ import annotations

import os

import pytest

from conftest import master
from dnp3kit import DNP3ObjectError, DNP3ProtocolError, DNP3TimeoutError, FileInfo


def test_read_indices_and_groups(outstation):
    o = outstation("--analog-inputs", "16", "--set", "ai.7=77", "--octet-strings", "3")
    with master(o.port) as m:
        r = m.read_indices("ai", [3, 7, 12])
        assert [(p.type, p.index) for p in r.points] == [("ai", 3), ("ai", 7), ("ai", 12)]
        assert r.points[1].value == 77
        assert [p.index for p in m.read_indices("bi", [2, 0], variation=1).points] == [2, 0]
        with pytest.raises(DNP3ProtocolError) as e:  # 300 does not exist (qualifier 0x28)
            m.read_indices("ai", [300, 1])
        assert e.value.iin & 0x0004
        r = m.read_group(110, 0, 2)
        assert [(x.group, x.index) for x in r.objects] == [(110, 0), (110, 1), (110, 2)]
        assert r.objects[1].fields and b"text-001" in list(r.objects[1].fields.values())
        assert [p.index for p in m.read_group(30, 4, 5, variation=1).points] == [4, 5]
        assert [p.index for p in m.read_group_indices(30, [5, 1], variation=1).points] == [5, 1]
        for call, name in ((lambda: m.read_indices("xx", [1]), "type"), (lambda: m.read_indices("ai", []), "indices"),
                           (lambda: m.read_indices("ai", [70000]), "indices"),
                           (lambda: m.read_group(256, 0), "group"), (lambda: m.read_group(30, 5, 1), "start")):
            with pytest.raises((ValueError, TypeError)) as e:
                call()
            assert name in str(e.value)


def test_deadbands(outstation):
    o = outstation("--analog-inputs", "4")
    with master(o.port) as m:
        assert set(m.read_deadbands([0, 1, 2, 3])) == {0, 1, 2, 3}
        m.write_deadband(2, 2.5)
        assert m.read_deadbands([2, 3], variation=3)[2] == 2.5
        m.write_deadband(1, 700, variation=1)
        got = m.read_deadbands([1], variation=2)
        assert got == {1: 700} and isinstance(got[1], int)
        with pytest.raises(DNP3ObjectError) as e:  # does not fit 16 bits: never truncated
            m.write_deadband(1, 70000, variation=1)
        assert "ai 1" in str(e.value)
        assert m.read_deadbands([1], variation=2) == {1: 700}


def test_attributes(outstation):
    o = outstation()
    with master(o.port) as m:
        attrs = {a.variation: a for a in m.read_attributes()}
        assert attrs[252].value == "dnp3kit" and attrs[252].type == "VSTR" and attrs[252].writable is False
        assert isinstance(attrs[250].value, str) and attrs[250].value  # product name and model
        assert attrs[233].type == "UINT" and attrs[233].value == 10
        assert attrs[205].type == "FLT" and attrs[205].value == 51.5 and attrs[205].writable is True
        a = m.write_attribute(247, "RTU-7")
        assert (a.variation, a.value) == (247, "RTU-7")
        assert m.write_attribute(205, -33.875).value == -33.875
        assert [x.value for x in m.read_attributes(247)] == ["RTU-7"]
        with pytest.raises(DNP3ObjectError) as e:
            m.write_attribute(252, "other")
        assert "252" in str(e.value) and "not writable" in str(e.value)
        with pytest.raises(TypeError) as e:
            m.write_attribute(205, "north")
        assert "205" in str(e.value) and "FLT" in str(e.value)
        assert [x.value for x in m.read_attributes(252)] == ["dnp3kit"]  # nothing written


@pytest.fixture
def files(tmp_path):
    srv, loc = tmp_path / "srv", tmp_path / "loc"
    srv.mkdir()
    loc.mkdir()
    (srv / "config.ini").write_bytes(b"setting=1\n")
    (srv / "big.bin").write_bytes(os.urandom(100 * 1024 + 17))
    return srv, loc


def test_file_info_ls_get_put_rm(outstation, files):
    srv, loc = files
    o = outstation("--files", str(srv))
    with master(o.port) as m:
        i = m.file_info("config.ini")
        assert isinstance(i, FileInfo) and (i.name, i.type, i.size) == ("config.ini", "file", 10)
        assert [(e.name, e.type, e.size) for e in m.file_list()] == [("big.bin", "file", 100 * 1024 + 17),
                                                                     ("config.ini", "file", 10)]
        assert m.file_get("big.bin", str(loc / "big.got")) == 100 * 1024 + 17
        assert (loc / "big.got").read_bytes() == (srv / "big.bin").read_bytes()
        assert not (loc / "big.got.part").exists()
        assert m.file_get("config.ini", str(loc / "c4"), block_size=4) == 10  # 3 blocks of 4
        assert (loc / "c4").read_bytes() == b"setting=1\n"
        assert m.file_read("config.ini") == b"setting=1\n"
        data = os.urandom(5000)
        (loc / "up.bin").write_bytes(data)
        assert m.file_put(str(loc / "up.bin")) == 5000
        assert (srv / "up.bin").read_bytes() == data
        (loc / "empty").write_bytes(b"")
        assert m.file_put(str(loc / "empty"), "empty.bin") == 0
        assert (srv / "empty.bin").exists() and (srv / "empty.bin").stat().st_size == 0
        m.file_delete("up.bin")
        assert not (srv / "up.bin").exists()
        for call in (lambda: m.file_info("missing.txt"), lambda: m.file_delete("missing.txt"),
                     lambda: m.file_get("missing.txt", str(loc / "m"))):
            with pytest.raises(DNP3ProtocolError) as e:
                call()
            assert "missing.txt" in str(e.value)
        assert not (loc / "m").exists() and not (loc / "m.part").exists()
        with pytest.raises(ValueError) as e:
            m.file_info("a\0b")
        assert "name" in str(e.value)


def test_a_stopped_get_leaves_no_partial_file(outstation, files):
    srv, loc = files
    o = outstation("--files", str(srv), "--fault", "silent,every=40")
    with master(o.port, response_timeout=0.5) as m:
        with pytest.raises(DNP3TimeoutError) as e:
            m.file_get("big.bin", str(loc / "big.stopped"))
        assert "big.bin" in str(e.value)
    assert not (loc / "big.stopped").exists() and not (loc / "big.stopped.part").exists()


def test_file_authentication_and_refused_names(outstation, files):
    srv, loc = files
    o = outstation("--files", str(srv), "--file-auth", "op:secret")
    with master(o.port) as m:
        with pytest.raises(DNP3ProtocolError) as e:
            m.file_get("config.ini", str(loc / "a1"))
        assert "PERMISSION_DENIED" in str(e.value)
        with pytest.raises(DNP3ProtocolError) as e:
            m.file_authenticate("op", "wrong")
        assert "op" in str(e.value)
        key = m.file_authenticate("op", "secret")
        assert m.file_get("config.ini", str(loc / "a3"), auth_key=key) == 10
    h = outstation("--files", str(srv), "--files-bad-names")
    with master(h.port) as m:
        assert [e.name for e in m.file_list()] == ["big.bin", "config.ini"]
