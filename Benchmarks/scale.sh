#!/usr/bin/env bash
# Times the whole `mmp plan` process (best-effort and strict) on synthetic models at
# several sizes, and prints markdown tables with wall time, peak resident memory, the
# per-stage times of the best-effort run, and the growth between sizes.
#
#   bash Benchmarks/scale.sh                      every shape at 10k, 100k, 300k and 1M
#                                                 quantizers, the 800-block residual stack,
#                                                 and each target of issue 6, met or not
#   bash Benchmarks/scale.sh SHAPE [sizes…]       one shape (decoder, moe, cnn)
#
# Requests: about one per hundred quantizers, every tenth pair conflicting (for
# best-effort); strict mode runs the same model with the conflict-free request set.
# Each mode runs five times and the median is reported; the stage columns are those of
# the median best-effort run. Once per size, strict mode also runs on the conflicting
# set (every conflict found and explained: "strict, conflicts") and best-effort on the
# conflict-free set with `--dot` (the picture of a large feasible plan: "--dot").
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product mmp --quiet
swift build -c release --product mmp-synth --quiet
bin="$(swift build -c release --show-bin-path)"
work="${TMPDIR:-/tmp}/mmp-scale"
mkdir -p "$work"

# median FILE…: the median of the first field of the files.
median() { for f in "$@"; do cut -d' ' -f1 "$f"; done | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

# run SHAPE N REQUESTS: generates the model (once per size) and runs both modes five
# times; sets wall, kb (peak KiB of the median best-effort run), strict, and leaves that
# run's stage times in $work/stages.
run() {
  local shape=$1 n=$2 r=$3 dir="$work/$1-$2"
  "$bin/mmp-synth" "$shape" "$n" "$r" "$dir" --conflicts >/dev/null
  "$bin/mmp-synth" "$shape" "$n" "$r" "$dir-calm" >/dev/null
  sync  # the generator's files out of the page cache first: time mmp, not the flush
  # Each run starts with the previous run's half a gigabyte of output removed and flushed,
  # so that it does not pay for another run's page-cache writeback.
  for k in 1 2 3 4 5; do
    rm -rf "$work/out" "$work/out-strict"; sync
    MMP_TIMINGS=1 /usr/bin/time -f "%e %M" -o "$work/time-$k" "$bin/mmp" plan --sim "$dir/sim.json" \
        --requests "$dir/requests.yaml" --out-dir "$work/out" --best-effort >/dev/null 2>"$work/stages-$k"
    rm -rf "$work/out"; sync
    /usr/bin/time -f "%e" -o "$work/time-strict-$k" "$bin/mmp" plan --sim "$dir-calm/sim.json" \
        --requests "$dir-calm/requests.yaml" --out-dir "$work/out-strict" >/dev/null 2>&1 || true
  done
  wall=$(median "$work"/time-{1,2,3,4,5})
  local k
  for k in 1 2 3 4 5; do [ "$(cut -d' ' -f1 "$work/time-$k")" = "$wall" ] && break; done
  kb=$(cut -d' ' -f2 "$work/time-$k")
  cp "$work/stages-$k" "$work/stages"
  strict=$(median "$work"/time-strict-{1,2,3,4,5})
  rm -rf "$work/out-conflicts"; sync
  /usr/bin/time -f "%e" -o "$work/time-conflicts" "$bin/mmp" plan --sim "$dir/sim.json" \
      --requests "$dir/requests.yaml" --out-dir "$work/out-conflicts" >/dev/null 2>&1 || true
  conflicts=$(tail -1 "$work/time-conflicts" | cut -d' ' -f1)  # after "Command exited with non-zero status 2"
  rm -rf "$work/out-conflicts" "$work/out-dot" "$work/plan.dot"; sync
  /usr/bin/time -f "%e" -o "$work/time-dot" "$bin/mmp" plan --sim "$dir-calm/sim.json" \
      --requests "$dir-calm/requests.yaml" --out-dir "$work/out-dot" --best-effort --dot "$work/plan.dot" >/dev/null 2>&1
  dot=$(cut -d' ' -f1 "$work/time-dot")
  rm -rf "$work/out-dot" "$work/plan.dot"
}

# table SHAPE SIZES…: one shape's table; sets last_wall, last_mb, last_strict, last_q
# (largest size) and ratios (time ratio per tenfold size step, e.g. "8.9× 10.4×").
table() {
  local shape=$1; shift
  local prev_n="" prev_t="" n r q reqs exponent write
  echo "| quantizers | requests | best-effort | peak memory | read | resolve | build | solve | write¹ | strict | strict, conflicts | --dot | exponent² |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for n in "$@"; do
    r=$(( n / 100 )); [ "$r" -ge 10 ] || r=10
    run "$shape" "$n" "$r"
    q=$(grep -c '"dtype"' "$work/$shape-$n/sim.json")
    reqs=$(grep -c '^  - ' "$work/$shape-$n/requests.yaml")
    stage() { awk -v s="$1" '$1==s {print $2}' "$work/stages"; }
    write=$(awk '$1=="outcomes"||$1=="write" {t+=$2} END {printf "%.3f", t}' "$work/stages")
    exponent="–"
    if [ -n "$prev_n" ]; then
      exponent=$(awk -v a="$prev_t" -v b="$wall" -v m="$prev_n" -v n="$q" 'BEGIN { printf "%.2f", log(b/a)/log(n/m) }')
    fi
    printf "| %d | %d | %.2f s | %d MB | %s | %s | %s | %s | %s | %.2f s | %.2f s | %.2f s | %s |\n" "$q" "$reqs" "$wall" $(( kb / 1024 )) \
        "$(stage read)" "$(stage resolve)" "$(stage build)" "$(stage solve)" "$write" "$strict" "$conflicts" "$dot" "$exponent"
    eval "t_$n=$wall"  # for the tenfold ratios below
    prev_n="$q"; prev_t="$wall"
    last_wall=$wall; last_mb=$(( kb / 1024 )); last_strict=$strict; last_q=$q; last_conflicts=$conflicts; last_dot=$dot
  done
  # Tenfold steps between the sizes given (10k→100k, 100k→1M).
  ratios=""
  for n in "$@"; do
    local m=$(( n * 10 ))
    if eval "[ -n \"\${t_$m:-}\" ]"; then
      ratios="$ratios $(eval "awk -v a=\$t_$n -v b=\$t_$m 'BEGIN { printf \"%.1f×\", b/a }'")"
    fi
  done
  echo
  echo "¹ outcomes, plan.json, mmp_log.txt, sim.json and writing the files. ² log(t₂/t₁) / log(n₂/n₁) between this row and the one above (best-effort)."
}

if [ $# -gt 0 ]; then
  shape=$1; shift
  sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 300000 1000000)
  table "$shape" "${sizes[@]}"
  exit 0
fi

# Every shape, then the residual stack, then the targets.
met() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "**not met**"; fi; }
summary=()
for shape in decoder moe cnn; do
  echo "### $shape"
  echo
  # shellcheck disable=SC2086  # SCALE_SIZES (a quick check of this script) is a list
  table "$shape" ${SCALE_SIZES:-10000 100000 300000 1000000}
  echo
  summary+=("$shape|$last_q|$last_wall|$last_mb|$last_strict|${ratios# }|$last_conflicts|$last_dot")
done

echo "### 800-block residual stack (4,006 quantizers, 402 requests, best-effort)"
echo
run cnn 4006 402
stack_wall=$wall
printf "%.0f ms, %d MB peak\n\n" "$(awk -v t="$wall" 'BEGIN { print t * 1000 }')" $(( kb / 1024 ))

echo "### Targets"
echo
echo "| target | measured | |"
echo "|---|---|---|"
echo "| 800-block residual stack, 402 requests, best-effort: under 100 ms | $(awk -v t="$stack_wall" 'BEGIN { printf "%.0f ms", t * 1000 }') | $(met "$stack_wall < 0.1") |"
for row in "${summary[@]}"; do
  IFS='|' read -r shape q w mb s rs c d <<< "$row"
  echo "| $shape, $q quantizers, $(( q / 100 )) requests, best-effort: under 3 s and 1.5 GB | $w s, $mb MB | $(met "$w < 3 && $mb < 1536") |"
  echo "| $shape, strict no slower (within this machine's ±10% run-to-run variation) | $s s | $(met "$s <= $w * 1.1") |"
  echo "| $shape, strict with every conflict explained: within 2× of best-effort | $c s | $(met "$c <= $w * 2") |"
  echo "| $shape, --dot on the feasible plan: within 1.5× of best-effort | $d s | $(met "$d <= $w * 1.5") |"
  worst=$(echo "$rs" | tr -d '×' | tr ' ' '\n' | sort -n | tail -1)
  echo "| $shape, 10× the quantizers at most 12× the time | $rs | $(met "${worst:-99} <= 12") |"
done
