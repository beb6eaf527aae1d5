#!/usr/bin/env bash
# Times the whole `mmp plan` process (best-effort and strict) on synthetic models at
# several sizes, and prints a markdown table with wall time, peak resident memory, the
# per-stage times of the best-effort run, and the growth exponent between sizes.
#
#   bash Benchmarks/scale.sh [shape] [sizes…]     (defaults: decoder 10000 100000 300000 1000000)
#
# Requests: about one per hundred quantizers, every tenth pair conflicting (for
# best-effort); strict mode runs the same model with the conflict-free request set.
# Each mode runs three times and the median is reported; the stage columns are those of
# the median best-effort run.
set -euo pipefail
cd "$(dirname "$0")/.."
shape="${1:-decoder}"; shift || true
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 300000 1000000)

swift build -c release --product mmp --quiet
swift build -c release --product mmp-synth --quiet
bin="$(swift build -c release --show-bin-path)"
work="${TMPDIR:-/tmp}/mmp-scale"
mkdir -p "$work"

echo "| quantizers | requests | best-effort | peak memory | read | resolve | build | solve | write¹ | strict | exponent² |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
prev_n=""; prev_t=""
for n in "${sizes[@]}"; do
  r=$(( n / 100 )); [ "$r" -ge 10 ] || r=10
  "$bin/mmp-synth" "$shape" "$n" "$r" "$work/$shape-$n" --conflicts >/dev/null
  "$bin/mmp-synth" "$shape" "$n" "$r" "$work/$shape-$n-calm" >/dev/null
  sync  # the generator's 400 MB out of the page cache first: time mmp, not the flush
  q=$(grep -c '"dtype"' "$work/$shape-$n/sim.json")
  reqs=$(grep -c '^  - ' "$work/$shape-$n/requests.yaml")
  # Each mode runs three times; the median run is reported (this VM's runs vary by ±10%).
  for k in 1 2 3; do
    rm -rf "$work/out"
    MMP_TIMINGS=1 /usr/bin/time -f "%e %M" -o "$work/time-$k" "$bin/mmp" plan --sim "$work/$shape-$n/sim.json" \
        --requests "$work/$shape-$n/requests.yaml" --out-dir "$work/out" --best-effort >/dev/null 2>"$work/stages-$k"
    rm -rf "$work/out-strict"
    /usr/bin/time -f "%e" -o "$work/time-strict-$k" "$bin/mmp" plan --sim "$work/$shape-$n-calm/sim.json" \
        --requests "$work/$shape-$n-calm/requests.yaml" --out-dir "$work/out-strict" >/dev/null 2>&1 || true
  done
  median=$(for k in 1 2 3; do echo "$(cut -d' ' -f1 "$work/time-$k") $k"; done | sort -n | sed -n 2p | cut -d' ' -f2)
  read -r wall kb < "$work/time-$median"
  cp "$work/stages-$median" "$work/stages"
  stage() { awk -v s="$1" '$1==s {print $2}' "$work/stages"; }
  write=$(awk '$1=="outcomes"||$1=="plan.json"||$1=="log"||$1=="encode"||$1=="write" {t+=$2} END {printf "%.3f", t}' "$work/stages")
  strict=$(cat "$work"/time-strict-{1,2,3} | sort -n | sed -n 2p)
  exponent="–"
  if [ -n "$prev_n" ]; then
    exponent=$(awk -v a="$prev_t" -v b="$wall" -v m="$prev_n" -v n="$q" 'BEGIN { printf "%.2f", log(b/a)/log(n/m) }')
  fi
  printf "| %d | %d | %.2f s | %d MB | %s | %s | %s | %s | %s | %.2f s | %s |\n" "$q" "$reqs" "$wall" $(( kb / 1024 )) \
      "$(stage read)" "$(stage resolve)" "$(stage build)" "$(stage solve)" "$write" "$strict" "$exponent"
  prev_n="$q"; prev_t="$wall"
done
echo
echo "¹ outcomes, plan.json, mmp_log.txt, sim.json and writing the files. ² log(t₂/t₁) / log(n₂/n₁) between this row and the one above (best-effort)."
