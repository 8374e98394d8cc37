#!/usr/bin/env python3
"""The shared libraries export exactly what the public headers declare.

usage: check_exports.py CC LIBRARY.so HEADER... -- -IDIR...

Each header is run through the preprocessor; every function or extern object
it declares at file scope with a dnp3kit_ name (static inline helpers
excepted) must be a defined dynamic symbol of LIBRARY, and LIBRARY must define
no other symbol. A new public function missing from the library, or an
internal one leaking out of it, fails with its name.
"""
import os
import re
import subprocess
import sys

IDENT = re.compile(r"[A-Za-z_]\w*")


def file_scope_statements(text):
    """Statements at brace depth 0, each cut before its first '{' (bodies dropped)."""
    out, cur, depth = [], [], 0
    for ch in text:
        if ch == "{":
            if depth == 0:
                cur.append("{")
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and cur and "{" in cur and not re.match(
                    r"\s*(typedef|struct|union|enum)\b", "".join(cur)):
                # a function body ended: the statement is complete
                out.append("".join(cur))
                cur = []
        elif depth == 0:
            if ch == ";":
                out.append("".join(cur))
                cur = []
            else:
                cur.append(ch)
    return out


def declared(cc, header, flags):
    out = subprocess.run([cc, "-E", "-x", "c", *flags, header], check=True,
                         capture_output=True, text=True).stdout
    # keep the header's own lines (line markers say which file a line is
    # from; included headers are checked on their own), drop pragmas
    mine, keep = False, []
    target = os.path.realpath(header)
    for line in out.splitlines():
        m = re.match(r'# \d+ "([^"]+)"', line)
        if m:
            mine = os.path.realpath(m.group(1)) == target
        elif mine and not line.startswith("#"):
            keep.append(line)
    pre = "\n".join(keep)
    names = set()
    for st in file_scope_statements(pre):
        st = st.split("{", 1)[0].strip()
        if not st or re.match(r"(typedef|static)\b", st) or "static" in st.split("(")[0].split():
            continue
        m = re.search(r"(\w+)\s*\(", st)
        if m and not re.search(r"\(\s*\*\s*$", st[:m.start()]):
            name = m.group(1)
        elif st.startswith("extern") and "(" not in st:
            name = IDENT.findall(st)[-1]
        else:
            continue
        if name.startswith("dnp3kit_"):
            names.add(name)
    return names


def exported(lib):
    nm = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                        capture_output=True, text=True).stdout
    return {line.split()[-1] for line in nm.splitlines() if line.strip()}


def main(argv):
    sep = argv.index("--")
    cc, lib, headers, flags = argv[1], argv[2], argv[3:sep], argv[sep + 1:]
    want = set()
    for h in headers:
        want |= declared(cc, h, flags)
    have = exported(lib)
    missing, extra = sorted(want - have), sorted(have - want)
    for n in missing:
        print(f"FAIL: {lib}: {n} is declared in a public header but not exported")
    for n in extra:
        print(f"FAIL: {lib}: {n} is exported but no public header declares it "
              "(make it static, or declare it between DNP3KIT_API_BEGIN/END)")
    if missing or extra or not want:
        return 1
    print(f"{lib}: {len(have)} exported symbols, exactly the public headers' declarations")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
