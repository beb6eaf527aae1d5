#!/usr/bin/env bash
# Fuzzes every reader of mmp with libFuzzer (coverage-guided, AddressSanitizer on):
#
#   bash scripts/fuzz.sh                 # each reader for FUZZ_SECONDS (default 600), two at a time
#   bash scripts/fuzz.sh requests sim    # only these readers
#
# Readers: sim (the sim graph, then a plan of it), requests, config, onnx. Each starts from
# a seed corpus made of the files in Data/ and keeps what it learns in
# $FUZZ_DIR/<reader>/corpus (default /tmp/mmp-fuzz). A crash, a hang (over 10 s) or a
# leak stops that reader and leaves the input in $FUZZ_DIR/<reader>/; copy it into
# Data/fuzz/regressions/ with the expected exit status and message (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
seconds="${FUZZ_SECONDS:-600}"
work="${FUZZ_DIR:-/tmp/mmp-fuzz}"
readers=("$@")
[ ${#readers[@]} -gt 0 ] || readers=(sim requests config onnx)

swift_dir="$(dirname "$(dirname "$(command -v swift)")")"
lib="$(find "$swift_dir" -name 'libclang_rt.fuzzer_no_main-x86_64.a' | head -1)"
[ -n "$lib" ] || { echo "fuzz.sh: libFuzzer (libclang_rt.fuzzer_no_main) is not in the Swift toolchain at $swift_dir" >&2; exit 1; }
flags=(-Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp)
for r in "${readers[@]}"; do
  # (gold warns about every AddressSanitizer symbol it cannot export: noise)
  MMP_FUZZ=1 MMP_FUZZER_LIB="$lib" swift build --build-path .build-fuzz --product "fuzz-$r" "${flags[@]}" --quiet 2>&1 \
    | { grep -v "Cannot export local symbol" || true; }
done
bin=.build-fuzz/debug

seed() {  # seed READER DIR: the bundled files that reader reads
  local r=$1 dir=$2
  mkdir -p "$dir"
  case "$r" in
    sim) for f in Data/parity/*/sim.json Data/examples/*/sim.json; do cp "$f" "$dir/$(echo "$f" | tr / _)"; done ;;
    requests) for f in Data/parity/*/requests.json Data/examples/*/requests*.yaml; do cp "$f" "$dir/$(echo "$f" | tr / _)"; done ;;
    config) for f in Data/configs/*.json Data/parity/*/config.json; do cp "$f" "$dir/$(echo "$f" | tr / _)"; done ;;
    onnx) for f in Data/models/*.onnx; do cp "$f" "$dir/$(echo "$f" | tr / _)"; done ;;
  esac
  local name
  case "$r" in sim) name=sim.json ;; requests) name='requests.*' ;; config) name=config.json ;; onnx) name=model.onnx ;; esac
  for f in Data/fuzz/regressions/*/$name; do [ -e "$f" ] && cp "$f" "$dir/regression_$(basename "$(dirname "$f")")"; done
  return 0
}

run() {
  local r=$1 dir="$work/$1"
  mkdir -p "$dir/corpus"
  seed "$r" "$dir/corpus"
  local max=65536; [ "$r" = onnx ] && max=400000
  echo "fuzz-$r: ${seconds}s, corpus $dir/corpus"
  if "$bin/fuzz-$r" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=6144 -max_len="$max" \
       -artifact_prefix="$dir/" -print_final_stats=1 "$dir/corpus" >"$dir/log.txt" 2>&1; then
    echo "fuzz-$r: nothing found ($(grep -o 'Done [0-9]* runs' "$dir/log.txt" | tail -1))"
  else
    echo "fuzz-$r: FOUND something; see $dir/log.txt and $dir/crash-* / timeout-* / leak-*"
    return 1
  fi
}

status=0
pids=()
for r in "${readers[@]}"; do
  run "$r" & pids+=($!)
  if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}" || status=1; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
