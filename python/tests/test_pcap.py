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


# ---- how dnp3-pcap is found, and a clear error when it is not ----

def test_dnp3kit_pcap_naming_a_missing_program_is_a_clear_error(tmp_path, monkeypatch):
    cap = crafted_captures()[0]
    for bad in (tmp_path / "nowhere" / "dnp3-pcap", tmp_path):  # missing; a directory
        monkeypatch.setenv("DNP3KIT_PCAP", str(bad))
        for call in (lambda: dnp3kit.pcap.check(cap), lambda: dnp3kit.pcap.decode(cap), dnp3kit.pcap.tool):
            with pytest.raises(dnp3kit.pcap.DNP3PcapNotFoundError) as e:
                call()  # decode raises at the call, not at the first record
            assert f"DNP3KIT_PCAP={bad}" in str(e.value) and "not an executable file" in str(e.value)
            assert isinstance(e.value, dnp3kit.DNP3Error) and isinstance(e.value, FileNotFoundError)
    plain = tmp_path / "plain"
    plain.write_text("#!/bin/sh\n")
    monkeypatch.setenv("DNP3KIT_PCAP", str(plain))  # not executable
    with pytest.raises(dnp3kit.pcap.DNP3PcapNotFoundError):
        dnp3kit.pcap.check(cap)


def test_no_dnp3_pcap_anywhere_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.delenv("DNP3KIT_PCAP", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing there
    monkeypatch.setattr(dnp3kit.pcap, "_prefix_tool", lambda: str(tmp_path / "prefix" / "bin" / "dnp3-pcap"))
    with pytest.raises(dnp3kit.pcap.DNP3PcapNotFoundError) as e:
        dnp3kit.pcap.check(crafted_captures()[0])
    msg = str(e.value)
    assert "dnp3-pcap not found" in msg and "DNP3KIT_PCAP" in msg and "PATH" in msg
    assert str(tmp_path / "prefix" / "bin" / "dnp3-pcap") in msg


def test_found_on_path_and_beside_the_install_prefix(tmp_path, monkeypatch):
    real = os.environ["DNP3KIT_PCAP"]
    monkeypatch.delenv("DNP3KIT_PCAP", raising=False)
    onpath = tmp_path / "path"
    onpath.mkdir()
    os.symlink(real, onpath / "dnp3-pcap")
    monkeypatch.setenv("PATH", str(onpath))
    assert dnp3kit.pcap.tool() == str(onpath / "dnp3-pcap")
    # an installed layout: PREFIX/lib/python3/dist-packages/dnp3kit and PREFIX/bin/dnp3-pcap, PATH without it
    import shutil
    prefix = tmp_path / "prefix"
    site = prefix / "lib" / "python3" / "dist-packages"
    shutil.copytree(os.path.dirname(dnp3kit.__file__), site / "dnp3kit")
    (prefix / "bin").mkdir()
    os.symlink(real, prefix / "bin" / "dnp3-pcap")
    env = {k: v for k, v in os.environ.items() if k != "DNP3KIT_PCAP"}
    env.update(PATH=str(tmp_path / "empty"), PYTHONPATH=str(site))
    p = subprocess.run([__import__("sys").executable, "-c",
                        "import dnp3kit.pcap as p, sys; print(p.tool()); "
                        "sys.exit(p.check(sys.argv[1])['files'][0]['file'] != sys.argv[1])",
                        crafted_captures()[0]], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == str(prefix / "bin" / "dnp3-pcap")


def test_a_program_that_is_not_dnp3_pcap_is_a_dnp3_error(tmp_path, monkeypatch):
    cap = crafted_captures()[0]
    # the stand-ins are shell scripts, not our code: under the sanitizer run
    # (run_pytest.sh preloads libasan) the shell would get ASan, which turns the
    # SIGSEGV below into its own report and exit status
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    fake = tmp_path / "fake"
    fake.write_text("#!/bin/sh\necho 'hello, not json'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("DNP3KIT_PCAP", str(fake))
    with pytest.raises(dnp3kit.DNP3Error, match="not JSON"):
        list(dnp3kit.pcap.decode(cap))
    with pytest.raises(dnp3kit.DNP3Error, match="no JSON report"):
        dnp3kit.pcap.check(cap)
    crash = tmp_path / "crash"
    crash.write_text("#!/bin/sh\nkill -SEGV $$\n")
    crash.chmod(0o755)
    monkeypatch.setenv("DNP3KIT_PCAP", str(crash))
    with pytest.raises(dnp3kit.DNP3Error, match="killed by signal 11"):
        dnp3kit.pcap.check(cap)
    with pytest.raises(dnp3kit.DNP3Error, match="killed by signal 11"):
        list(dnp3kit.pcap.decode(cap))
