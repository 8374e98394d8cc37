"""dnp3kit.pcap: decode/check give dnp3-pcap's records; errors name the file;
summary/merge add up; a Dask LocalCluster gives the single-process summary."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

import dnp3kit
from conftest import crafted_captures


def run_json(*args: str):
    p = subprocess.run([os.environ["DNP3KIT_PCAP"], *args], capture_output=True)
    assert p.returncode in (0, 1), p.stderr
    return p.stdout


@pytest.mark.parametrize("path", crafted_captures(), ids=os.path.basename)
def test_decode_and_check_records_are_dnp3_pcaps(path):
    for layer in ("app", "link"):
        want = [json.loads(x) for x in run_json("decode", "--json", "--layer", layer, path).splitlines() if x.strip()]
        assert list(dnp3kit.pcap.decode(path, layer=layer)) == want
    assert dnp3kit.pcap.check(path) == json.loads(run_json("check", "--json", path))


def test_options_reach_dnp3_pcap():
    path = [p for p in crafted_captures() if p.endswith("clean_session.pcap")][0]
    assert list(dnp3kit.pcap.decode(path, ports=[20001])) == []  # DNP3 is on 20000 only
    assert list(dnp3kit.pcap.decode(path, ports=[20001], any_port=True))
    big = dnp3kit.pcap.check(path, max_message=4096)
    assert big["files"][0]["file"] == path


def test_errors_name_the_file(tmp_path):
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"this is not a capture")
    with pytest.raises(dnp3kit.DNP3Error) as e:
        dnp3kit.pcap.check(junk)
    assert "junk.pcap" in str(e.value)
    with pytest.raises(dnp3kit.DNP3Error) as e:
        list(dnp3kit.pcap.decode(junk))
    assert "junk.pcap" in str(e.value)
    with pytest.raises(FileNotFoundError):
        dnp3kit.pcap.check(tmp_path / "missing.pcap")
    with pytest.raises(ValueError):
        dnp3kit.pcap.check([])
    with pytest.raises(ValueError):
        list(dnp3kit.pcap.decode(crafted_captures()[0], layer="physical"))
    with pytest.raises(ValueError):
        dnp3kit.pcap.check(crafted_captures()[0], ports=[0])


def test_summary_and_merge():
    caps = crafted_captures()
    whole = dnp3kit.pcap.summary(dnp3kit.pcap.check(caps))
    parts = [dnp3kit.pcap.summary(dnp3kit.pcap.check(p)) for p in caps]
    assert dnp3kit.pcap.merge(parts) == whole
    assert whole["files"] == len(caps) and whole["findings"]["link_bad_block_crc"] >= 1
    assert sum(whole["findings"].values()) == sum(whole["severities"].values())


def test_dask_local_cluster_gives_the_single_process_summary():
    distributed = pytest.importorskip("distributed")
    caps = crafted_captures()
    single = dnp3kit.pcap.summary(dnp3kit.pcap.check(caps))  # one dnp3-pcap over every file
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2)
        w = sorted(client.scheduler_info()["workers"])
        assert len(w) == 2
        # half the files to each worker, so both really take part
        futures = [client.submit(lambda p: dnp3kit.pcap.summary(dnp3kit.pcap.check(p)), p,
                                 workers=[w[i % 2]], allow_other_workers=False, pure=False)
                   for i, p in enumerate(caps)]
        merged = dnp3kit.pcap.merge(client.gather(futures))
    assert merged == single
