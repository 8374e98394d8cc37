#!/usr/bin/env bash
# Man pages and bash completion (cmake/manpages.cmake, completions/dnp3kit.bash):
# every option and command a tool's --help names is in its generated man page;
# libdnp3kit(3) and libdnp3kit-master(3) have an entry for every function of
# the installed headers;
# `cmake --install` puts the pages in share/man/man1 (and man3) and the completion in
# share/bash-completion/completions; the completion offers each tool's
# commands and options.
# Usage: man_pages.sh BUILD_DIR SOURCE_DIR   (exit 77: help2man not installed)
set -uo pipefail
BUILD=$1 SRC=$2
command -v help2man >/dev/null || { echo "skip: help2man not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
declare -A BIN=([dnp3-master]=master/dnp3-master [dnp3-pcap]=pcaptools/dnp3-pcap
    [dnp3-outstation]=tests/harness/dnp3-outstation)
cmake --install "$BUILD" --prefix "$tmp/inst" > "$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
for tool in "${!BIN[@]}"; do
    exe=$BUILD/${BIN[$tool]}
    page=$tmp/inst/share/man/man1/$tool.1
    [ -s "$page" ] || { echo "FAIL: cmake --install put no $page"; fail=1; continue; }
    # the page's text: roff's \- is a hyphen, \(em etc. are left alone
    sed -e 's/\\-/-/g' -e 's/\\fB//g; s/\\fI//g; s/\\fR//g; s/\\fP//g' "$page" > "$tmp/$tool.txt"
    "$exe" --help > "$tmp/$tool.help"
    opts=$(grep -oE -- '(^|[^a-zA-Z0-9-])--[a-z][a-z0-9-]*' "$tmp/$tool.help" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
    [ -n "$opts" ] || { echo "FAIL: $tool --help names no option"; fail=1; }
    for o in $opts; do
        grep -qF -- "$o" "$tmp/$tool.txt" || { echo "FAIL: $tool.1 lacks $o (in --help)"; fail=1; }
    done
    grep -q '^\.TH "\?'"${tool^^}"'"\? ' "$page" || { echo "FAIL: $tool.1 has no .TH ${tool^^} header"; fail=1; }
    [ -s "$tmp/inst/share/bash-completion/completions/$tool" ] ||
        { echo "FAIL: no bash completion installed for $tool"; fail=1; }
done

# libdnp3kit(3) and libdnp3kit-master(3), from docs/NAME.3.pod by pod2man:
# installed, and each describes every function its installed headers declare
# (an entry per function, the same set both ways: a new function without its
# entry, or an entry left behind by a removed one, fails with the name).
# libdnp3kit: every header but master.h; libdnp3kit-master: master.h.
if command -v pod2man >/dev/null; then
    cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
    for lib in libdnp3kit libdnp3kit-master; do
        page3=$tmp/inst/share/man/man3/$lib.3
        if [ ! -s "$page3" ]; then
            echo "FAIL: cmake --install put no $page3"; fail=1; continue
        fi
        grep -q '^\.TH "\?'"${lib^^}"'"\? 3' "$page3" || { echo "FAIL: $lib.3 has no .TH ${lib^^} 3 header"; fail=1; }
        python3 - "$SRC/tests/tools" "$cc" "$page3" "$tmp/inst/include" "$lib" <<'PY' || fail=1
import glob, os, re, sys
sys.path.insert(0, sys.argv[1])
import check_exports as ce
cc, page, inc, lib = sys.argv[2:6]
allh = sorted(glob.glob(os.path.join(inc, "dnp3kit", "*.h")))
headers = [h for h in allh if (os.path.basename(h) == "master.h") == (lib == "libdnp3kit-master")]
declared = set()
for h in headers:
    declared |= ce.declared(cc, h, ["-I" + inc])
text = open(page, encoding="utf-8").read()
items = set(re.findall(r'^\.IP "\\fB(dnp3kit_\w+)\\fR\(\)"', text, re.M))
bad = 0
for n in sorted(declared - items):
    print("FAIL: %s.3 has no entry for %s (declared in the installed headers)" % (lib, n))
    bad = 1
for n in sorted(items - declared):
    print("FAIL: %s.3 describes %s, which no installed header declares" % (lib, n))
    bad = 1
if not declared:
    print("FAIL: no function found for %s in %s" % (lib, inc))
    bad = 1
if not bad:
    print("%s.3: %d functions of %d header(s), each with its entry" % (lib, len(declared), len(headers)))
sys.exit(bad)
PY
    done
else
    echo "pod2man not installed: libdnp3kit.3 and libdnp3kit-master.3 not checked"
fi

# completion: run the installed script in a bash with COMP_WORDS set
complete_words() { # TOOL_PATH WORD... (the last one is completed)
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _dnp3kit_complete; printf "%s\n" "${COMPREPLY[@]}"' \
        _ "$tmp/inst/share/bash-completion/completions/dnp3-pcap" "$@"
}
expect() { # WANT WORDS...: WANT among the completions of WORDS
    local want=$1; shift
    complete_words "$@" > "$tmp/words"; grep -qxF -- "$want" "$tmp/words" || { echo "FAIL: completing '$*' does not offer $want"; fail=1; }
}
P=$BUILD/pcaptools/dnp3-pcap M=$BUILD/master/dnp3-master OS=$BUILD/tests/harness/dnp3-outstation
expect check "$P" ""
expect decode "$P" de
expect --allow-empty "$P" check --allow
expect --json "$P" decode --js
expect checkout "$M" check
expect --outstation "$M" --outs
expect --idle-timeout "$OS" --idle
complete_words "$P" de > "$tmp/words"; grep -qxF check "$tmp/words" && { echo "FAIL: 'de' completes to check"; fail=1; }
[ "$(complete_words "$M" mon)" = monitor ] || { echo "FAIL: dnp3-master mon does not complete to monitor alone"; fail=1; }
[ "$fail" = 0 ] && echo "man pages: every --help option in each page; completion offers commands and options"
exit "$fail"
