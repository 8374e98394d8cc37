"""dnp3kit.Master.checkout: the point-list checkout of dnp3-master (the C
library's dnp3kit_master_checkout) from Python, against dnp3-outstation."""
from __future__ import annotations

import csv
import json
import os
import subprocess

import pytest

import dnp3kit
from conftest import SOURCE_DIR, master

HEADER = "type,index,name,expected,flags,control,watch,watch_expected"
ROWS = [
    "bi,0,Breaker 0 status,OFF,ONLINE,,,",
    'ai,1,"Feeder 1 current, A",-5..5,ONLINE,,,',
    "ai,3,Feeder 3 current,100..200,ONLINE,,,",         # fails: the simulator has 0
    "counter,0,Energy 0,0..1000000,ONLINE,,,",
    "bo,1,Close coil 1,OFF,ONLINE,on,bo 1,ON",
    "ao,1,Setpoint 1,0,ONLINE,1234,ao 1,1234",
    "bi,12,Breaker 12 (not wired),OFF,ONLINE,,,",      # fails: not reported
]


def write_list(tmp_path, rows=ROWS, name="points.csv"):
    p = tmp_path / name
    p.write_text("\n".join([HEADER, *rows]) + "\n")
    return p


def test_checkout_with_every_control_confirmed(outstation, tmp_path):
    o = outstation()
    points = write_list(tmp_path)
    asked = []

    def confirm(what):
        asked.append(what)
        return True

    with master(o.port) as m:
        r = m.checkout(points, report=str(tmp_path / "rep"), confirm=confirm, watch_timeout=5)
        assert m.read("bo", 1).points[0].value is True      # the control was sent
    assert (r.checked, r.passed, r.failed, r.skipped) == (7, 5, 2, 0)
    assert [(f.type, f.index, f.detail) for f in r.failures] == [
        ("ai", 3, "value 0, expected 100..200"), ("bi", 12, "not reported by the outstation")]
    assert asked == ["operate bo 1 (Close coil 1): on", "operate ao 1 (Setpoint 1): 1234"]
    by = {(w.type, w.index): w for w in r.rows}
    assert by[("bo", 1)].result == "PASS" and "bo 1 showed ON" in by[("bo", 1)].detail
    assert by[("ai", 1)].name == "Feeder 1 current, A" and by[("ai", 1)].observed == "0"
    assert by[("ai", 1)].flags == "ONLINE" and by[("ai", 1)].line == 3 and by[("ai", 1)].expected == "-5..5"
    assert r.report_csv == str(tmp_path / "rep.csv") and r.report_html == str(tmp_path / "rep.html")
    rows = list(csv.DictReader(open(r.report_csv)))
    assert [(x["type"], x["index"], x["result"]) for x in rows] == [
        (w.type, str(w.index), w.result) for w in r.rows]
    html = open(r.report_html).read()
    assert "Feeder 1 current, A" in html and f"127.0.0.1:{o.port}" in html and r.started and r.finished


def test_checkout_declined_controls_send_nothing_and_match_dnp3_master(outstation, tmp_path):
    o = outstation()
    points = write_list(tmp_path)
    with master(o.port) as m:
        r = m.checkout(points)  # confirm=False: every control declined; default report name
        assert m.read("bo", 1).points[0].value is False and m.read("ao", 1).points[0].value == 0
    assert (r.checked, r.passed, r.failed, r.skipped) == (7, 3, 2, 2)
    assert r.report_csv == str(tmp_path / "points-report.csv")
    assert [w.detail for w in r.rows if w.result == "SKIPPED"] == [
        "control on declined: nothing was sent", "control 1234 declined: nothing was sent"]
    # the same list through dnp3-master gives the same verdicts (one implementation)
    exe = os.environ.get("DNP3KIT_MASTER")
    if not exe:
        pytest.skip("DNP3KIT_MASTER not set")
    p = subprocess.run([exe, "--port", str(o.port), "--json", "checkout", str(points), "--report",
                        str(tmp_path / "cli")], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    d = json.loads(p.stdout)
    assert (d["checked"], d["passed"], d["failed"], d["skipped"]) == (r.checked, r.passed, r.failed, r.skipped)
    assert [(f["type"], f["index"], f["detail"]) for f in d["failures"]] == [
        (f.type, f.index, f.detail) for f in r.failures]


def test_a_raising_confirm_declines_and_is_reraised(outstation, tmp_path):
    o = outstation()
    points = write_list(tmp_path)
    with master(o.port) as m:
        def boom(what):
            raise KeyboardInterrupt
        with pytest.raises(KeyboardInterrupt):
            m.checkout(points, confirm=boom)
        assert m.read("bo", 1).points[0].value is False  # nothing was sent
        assert m.integrity_poll().points  # the master goes on


BAD_LISTS = [
    (["bi,0,x,OFF,,,,", "bi,0,y,OFF,,,,"], "points.csv:3: bi 0 is listed twice (first on line 2)"),
    (["ai,70000,x,,,,,"], "points.csv:2: index '70000' is not 0-65535"),
    (["bi,1,x,,,on,,"], "points.csv:2: control 'on': only outputs (bo, ao) have controls"),
    (["xx,1,x,,,,,"], "points.csv:2: unknown point type 'xx'"),
    ([], "points.csv: no points"),
]


@pytest.mark.parametrize("rows,msg", BAD_LISTS, ids=[m.split(": ", 1)[-1][:30] for _, m in BAD_LISTS])
def test_a_bad_list_raises_value_error_naming_the_line_and_sends_nothing(outstation, tmp_path, rows, msg):
    o = outstation()
    points = write_list(tmp_path, rows)
    with master(o.port) as m:
        with pytest.raises(ValueError) as e:
            m.checkout(points, confirm=True)
        assert msg in str(e.value)
    assert not (tmp_path / "points-report.csv").exists()


def test_checkout_errors(outstation, tmp_path, refused_port):
    o = outstation()
    points = write_list(tmp_path)
    with master(o.port) as m:
        with pytest.raises(ValueError, match="cannot read"):
            m.checkout(tmp_path / "missing.csv")
        with pytest.raises(dnp3kit.DNP3Error, match="cannot write"):
            m.checkout(points, report=str(tmp_path / "no" / "such" / "dir" / "rep"))
        with pytest.raises(ValueError, match="watch_timeout"):
            m.checkout(points, watch_timeout=0)
        with pytest.raises(TypeError, match="confirm"):
            m.checkout(points, confirm="yes")
    with pytest.raises(dnp3kit.DNP3ClosedError):
        m.checkout(points)
    dead = master(refused_port)  # not connected: the checkout's poll connects, and is refused
    with pytest.raises(dnp3kit.DNP3CommunicationError) as e:
        dead.checkout(points)
    assert e.value.port == refused_port and str(e.value).startswith("checkout: ")
    dead.close()


def test_the_documented_example_list_parses(outstation, tmp_path):
    o = outstation()
    with master(o.port) as m:
        r = m.checkout(os.path.join(SOURCE_DIR, "docs", "checkout-example.csv"), report=str(tmp_path / "ex"))
    assert r.checked == 9 and r.skipped == 3  # its three controls declined
