#!/usr/bin/env bash
# Benchmark of `dnp3-pcap check` against a plain read of the file and tshark.
#
#   bash tests/bench/run.sh [BUILD_DIR]        (default BUILD_DIR: ./build)
#
# Builds dnp3-mkbench and dnp3-pcap in BUILD_DIR (configuring it RelWithDebInfo
# when it is not configured yet), writes the captures into BUILD_DIR/bench/
# once (again only when dnp3-mkbench is newer than them), verifies that check
# finds no error in them, warms the page cache, then times everything in this
# one run and prints the medians side by side:
#   cat FILE > /dev/null                   plain read (coreutils cat)
#   dnp3-mkbench --read FILE               plain read (C read(2) loop, 1 MiB blocks)
#   dnp3-mkbench --pcap-read FILE          libpcap read loop (pcap_next_ex, no decoding)
#   dnp3-pcap check --quiet FILE
#   tshark -r PREFIX -Y dnp3 -T fields -e dnp3.al.func
# tshark runs on a 20 MiB capture written by the same generator with the same
# seed (byte-identical to the first ~20 MiB of the big one, then its last
# exchanges complete and the connections close); its rate is extrapolated per MB.
# Then the CRC implementations side by side (dnp3-crcbench), peak RSS (GNU time -v, else getrusage through dnp3-mkbench --rss) and
# heap allocations under valgrind for 2 MiB and 20 MiB captures (the count must
# not grow with the number of frames). When a target is missed (or PROFILE=1),
# callgrind profiles check on the 20 MiB capture.
#
# Environment: REPS (default 7), TSHARK_REPS (3), BENCH_MB (220),
# PREFIX_MB (20), PROFILE (auto|1|0), VALGRIND (1|0).
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" 2>/dev/null && pwd || echo "${1:-$SRC/build}")
REPS=${REPS:-7}
TSHARK_REPS=${TSHARK_REPS:-3}
BENCH_MB=${BENCH_MB:-220}
PREFIX_MB=${PREFIX_MB:-20}
PROFILE=${PROFILE:-auto}
VALGRIND=${VALGRIND:-1}

say() { printf '%s\n' "$*"; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 2; }

# ---- tools ----
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
    say "== configuring $BUILD (RelWithDebInfo)"
    cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
say "== building dnp3-mkbench and dnp3-pcap in $BUILD"
if ! cmake --build "$BUILD" --target dnp3-mkbench dnp3-pcap dnp3-crcbench -j2 >"$BUILD/bench-build.log" 2>&1; then
    tail -30 "$BUILD/bench-build.log" >&2
    die "build failed (log: $BUILD/bench-build.log)"
fi
MK=$BUILD/tests/bench/dnp3-mkbench
CHECK=$BUILD/pcaptools/dnp3-pcap
[[ -x $MK && -x $CHECK ]] || die "tools not found in $BUILD"
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")

# ---- captures ----
OUT=$BUILD/bench
mkdir -p "$OUT"
BIG=$OUT/bench-${BENCH_MB}.pcap
PREFIX=$OUT/bench-${PREFIX_MB}.pcap
SMALL=$OUT/bench-2.pcap
for spec in "$BIG:$BENCH_MB" "$PREFIX:$PREFIX_MB" "$SMALL:2"; do
    f=${spec%:*} mb=${spec##*:}
    if [[ ! -s $f || $MK -nt $f ]]; then
        say "== writing $f ($mb MiB)"
        "$MK" "$f.tmp" "$mb" 2>/dev/null && mv "$f.tmp" "$f"
    fi
done

# Summary of check on a file: "packets dnp3_packets flows link_frames fragments findings errors warnings infos"
summary() {
    local line rc=0
    line=$("$CHECK" check --quiet "$1") || rc=$?
    [[ $rc -le 1 ]] || die "dnp3-pcap check failed on $1"
    # FILE: P packets (D DNP3), F flows, L link frames (B bad CRC), G fragments (I invalid), N findings: E error, W warning, I info
    sed -E 's/^.*: ([0-9]+) packets \(([0-9]+) DNP3\), ([0-9]+) flows, ([0-9]+) link frames \([0-9]+ bad CRC\), ([0-9]+) fragments \([0-9]+ invalid\), ([0-9]+) findings: ([0-9]+) error, ([0-9]+) warning, ([0-9]+) info.*$/\1 \2 \3 \4 \5 \6 \7 \8 \9/' <<<"${line%%$'\n'*}"
}
read -r B_PKTS _ B_FLOWS B_LINK B_FRAGS B_FIND B_ERR B_WARN B_INFO <<<"$(summary "$BIG")"
read -r P_PKTS _ _ P_LINK P_FRAGS _ P_ERR _ _ <<<"$(summary "$PREFIX")"
read -r S_PKTS _ _ S_LINK S_FRAGS _ S_ERR _ _ <<<"$(summary "$SMALL")"
B_SIZE=$(stat -c %s "$BIG")
P_SIZE=$(stat -c %s "$PREFIX")
say ""
say "capture   $BIG"
say "          $((B_SIZE / 1048576)) MiB, $B_PKTS packets, $B_FLOWS TCP flows, $B_LINK link frames, $B_FRAGS fragments"
say "          check: $B_FIND findings ($B_ERR error, $B_WARN warning, $B_INFO info)"
say "prefix    $PREFIX: $((P_SIZE / 1048576)) MiB, $P_PKTS packets, $P_LINK link frames ($P_ERR error)"
[[ $B_ERR -eq 0 && $P_ERR -eq 0 && $S_ERR -eq 0 ]] || die "the benchmark captures must be clean (check reports errors)"

# ---- timing ----
say ""
say "== warming the page cache"
for _ in 1 2; do cat "$BIG" "$PREFIX" "$SMALL" >/dev/null; done

# seconds (6 decimals) one command takes; its output is discarded
elapsed() {
    local t0 t1
    t0=$EPOCHREALTIME
    "$@" >/dev/null 2>&1 || [[ $? -le 1 ]] || die "failed: $*"
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
catf() { cat "$1" >/dev/null; }
tsharkf() { tshark -r "$1" -Y dnp3 -T fields -e dnp3.al.func >/dev/null 2>&1; }

declare -A T ALL
# Interleave the commands within each repetition so that machine noise hits all alike.
say "== timing: $REPS repetitions (tshark: $TSHARK_REPS), medians"
for ((r = 1; r <= REPS; r++)); do
    ALL[cat]+="$(elapsed catf "$BIG") "
    ALL[read]+="$(elapsed "$MK" --read "$BIG") "
    ALL[pcap]+="$(elapsed "$MK" --pcap-read "$BIG") "
    ALL[check]+="$(elapsed "$CHECK" check --quiet "$BIG") "
    if ((r <= TSHARK_REPS)); then
        ALL[tshark]+="$(elapsed tsharkf "$PREFIX") "
    fi
    printf '.'
done
printf '\n'
for k in cat read pcap check tshark; do
    T[$k]=$(tr ' ' '\n' <<<"${ALL[$k]}" | grep . | median)
done

rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.1f", n / t }'; }
say ""
say "machine: $(nproc) CPU ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), load $(cut -d' ' -f1-3 /proc/loadavg); build: ${BUILD_TYPE:-?}; $("$CHECK" --version | sed -n 's/.*(\(CRC: [a-z]*\)).*/\1/p')"
printf '%-46s %9s %9s %10s %13s %14s\n' "command" "file MiB" "median s" "MB/s" "packets/s" "link frames/s"
row() { # name size packets frames seconds
    local mbps
    mbps=$(awk -v s="$2" -v t="$5" 'BEGIN { printf "%.1f", s / 1e6 / t }')
    printf '%-46s %9.1f %9.4f %10s %13s %14s\n' "$1" "$(awk -v s="$2" 'BEGIN { print s / 1048576 }')" "$5" "$mbps" \
        "$(awk -v n="$3" -v t="$5" 'BEGIN { printf "%.0f", n / t }')" "$(awk -v n="$4" -v t="$5" 'BEGIN { printf "%.0f", n / t }')"
}
row "cat FILE > /dev/null" "$B_SIZE" "$B_PKTS" "$B_LINK" "${T[cat]}"
row "dnp3-mkbench --read FILE (C read loop)" "$B_SIZE" "$B_PKTS" "$B_LINK" "${T[read]}"
row "dnp3-mkbench --pcap-read FILE (libpcap loop)" "$B_SIZE" "$B_PKTS" "$B_LINK" "${T[pcap]}"
row "dnp3-pcap check --quiet FILE" "$B_SIZE" "$B_PKTS" "$B_LINK" "${T[check]}"
row "tshark -Y dnp3 -e dnp3.al.func (${PREFIX_MB} MiB)*" "$P_SIZE" "$P_PKTS" "$P_LINK" "${T[tshark]}"
say "* tshark timed on the ${PREFIX_MB} MiB capture; its rate is extrapolated per MB to the full file"
say "  (full file at that rate: $(awk -v s="$B_SIZE" -v p="$P_SIZE" -v t="${T[tshark]}" 'BEGIN { printf "%.0f s", t * s / p }'))"

CHECK_MBPS=$(rate "$B_SIZE" "${T[check]}")
TSHARK_MBPS=$(rate "$P_SIZE" "${T[tshark]}")
CAT_MBPS=$(rate "$B_SIZE" "${T[cat]}")
READ_MBPS=$(rate "$B_SIZE" "${T[read]}")
PCAP_MBPS=$(rate "$B_SIZE" "${T[pcap]}")
R_TSHARK=$(awk -v a="$CHECK_MBPS" -v b="$TSHARK_MBPS" 'BEGIN { printf "%.1f", a / b }')
R_CAT=$(awk -v a="$CHECK_MBPS" -v b="$CAT_MBPS" 'BEGIN { printf "%.1f", 100 * a / b }')
R_READ=$(awk -v a="$CHECK_MBPS" -v b="$READ_MBPS" 'BEGIN { printf "%.1f", 100 * a / b }')
R_PCAP=$(awk -v a="$CHECK_MBPS" -v b="$PCAP_MBPS" 'BEGIN { printf "%.1f", 100 * a / b }')
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t) ? "met" : "MISSED" }'; }
V_TSHARK=$(verdict "$R_TSHARK" 50)
V_CAT=$(verdict "$R_CAT" 25)
say ""
say "check / tshark     = ${R_TSHARK}x        (target >= 50x: $V_TSHARK)"
say "check / cat        = ${R_CAT}%        (target >= 25%: $V_CAT)"
say "check / read loop  = ${R_READ}%"
say "check / libpcap    = ${R_PCAP}%        (libpcap's own record loop, no decoding)"

say
say "== CRC: the link layer's frame-body check, portable and on this CPU"
"$BUILD/tests/bench/dnp3-crcbench" 64 "$REPS"

# ---- memory ----
say ""
say "== peak RSS"
peak_rss() { # prints KiB
    if [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then
        /usr/bin/time -v "$@" 2>&1 >/dev/null | sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p'
    else
        "$MK" --rss "$@" 2>&1 >/dev/null | sed -n 's/^maxrss_kb //p'
    fi
}
say "check  $((B_SIZE / 1048576)) MiB:  $(peak_rss "$CHECK" check --quiet "$BIG") KiB"
say "check  $((P_SIZE / 1048576)) MiB:  $(peak_rss "$CHECK" check --quiet "$PREFIX") KiB"
if command -v tshark >/dev/null; then
    say "tshark $((P_SIZE / 1048576)) MiB:  $(peak_rss tshark -r "$PREFIX" -Y dnp3 -T fields -e dnp3.al.func) KiB"
fi

if [[ $VALGRIND == 1 ]] && command -v valgrind >/dev/null; then
    say ""
    say "== heap allocations of check (valgrind memcheck, whole process incl. libc/libpcap)"
    printf '%-12s %9s %12s %10s %14s %16s\n' "capture" "packets" "link frames" "allocs" "frees" "bytes allocated"
    for spec in "$SMALL:$S_PKTS:$S_LINK" "$PREFIX:$P_PKTS:$P_LINK"; do
        IFS=: read -r f pk lk <<<"$spec"
        usage=$(valgrind --tool=memcheck --leak-check=no "$CHECK" check --quiet "$f" 2>&1 >/dev/null |
            sed -n 's/^==[0-9]*==[[:space:]]*total heap usage: //p')
        # "N allocs, M frees, B bytes allocated"
        read -r na _ nf _ nb _ <<<"${usage//,/}"
        printf '%-12s %9s %12s %10s %14s %16s\n' "$(basename "$f")" "$pk" "$lk" "$na" "$nf" "$nb"
    done
    say "(the allocation count must stay flat while frames grow ~10x: per-flow state only, nothing per frame)"
fi

# ---- profile when a target is missed ----
if [[ $PROFILE == 1 || ($PROFILE == auto && ($V_TSHARK == MISSED || $V_CAT == MISSED)) ]]; then
    say ""
    say "== profile of check (a target was missed, or PROFILE=1)"
    # Time-based, when perf can sample here (cpu-clock works in most VMs).
    PD=$OUT/perf.data
    if command -v perf >/dev/null &&
        perf record -q -e cpu-clock -F 10000 -o "$PD" -- \
            bash -c 'for _ in 1 2 3 4 5; do "$0" check --quiet "$1" >/dev/null; done' "$CHECK" "$BIG" >/dev/null 2>&1; then
        say "-- perf (cpu-clock samples, 5 runs on $(basename "$BIG")), by source file:"
        perf report -i "$PD" --no-children --sort srcfile --stdio 2>/dev/null | grep -E '^ +[0-9]' |
            sed -E 's/^( +[0-9.]+%) +$/\1  (kernel: read(2) copying from the page cache)/' | head -14 || true
        say "-- by function:"
        perf report -i "$PD" --no-children --sort dso,symbol --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -25 || true
    else
        say "(perf cannot sample here; callgrind only)"
    fi
    if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
        CG=$OUT/callgrind.out
        valgrind --tool=callgrind --callgrind-out-file="$CG" "$CHECK" check --quiet "$PREFIX" >/dev/null 2>&1
        callgrind_annotate "$CG" >"$CG.self.txt" 2>/dev/null || true
        callgrind_annotate --inclusive=yes "$CG" >"$CG.incl.txt" 2>/dev/null || true
        say "-- callgrind on $(basename "$PREFIX"): instructions, exclusive (self):"
        sed -n '/^Ir/,$p' "$CG.self.txt" | grep -E '^ *[0-9]' | head -25 | sed 's/ \[[^]]*\]$//' || true
        say "-- inclusive:"
        sed -n '/^Ir/,$p' "$CG.incl.txt" | grep -E '^ *[0-9]' | sed -e 's/ \[[^]]*\]$//' -e "s#$SRC/##" |
            awk '!seen[$0]++' | sed -n '5,28p' || true
        say "full profile: callgrind_annotate --auto=yes $CG"
    fi
fi
