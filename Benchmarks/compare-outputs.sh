#!/usr/bin/env bash
# Checks that a change leaves every output byte-identical: runs two mmp binaries on the
# bundled examples (the resnet_tiny sim, the ONNX models with both configs) in both modes,
# and on any generated profiles given (directories with sim.json and requests.yaml, e.g.
# from mmp-synth), and compares every file written, stdout, stderr and the exit status.
#
#   bash Benchmarks/compare-outputs.sh OLD_MMP NEW_MMP [PROFILE_DIR…]
set -u
OLD=$1; NEW=$2; shift 2
W="${TMPDIR:-/tmp}/mmp-compare"; rm -rf "$W"; mkdir -p "$W"
cd "$(dirname "$0")/.."
status=0
run() { # name args...
  local name=$1; shift
  for v in old new; do
    local bin=$OLD; [ $v = new ] && bin=$NEW
    $bin "$@" --out-dir $W/$v/$name > $W/$v/$name.stdout 2> $W/$v/$name.stderr; echo $? > $W/$v/$name.rc
    sed -i "s#$W/$v/#W/#g" $W/$v/$name.stdout $W/$v/$name.stderr
  done
  if diff -r $W/old/$name $W/new/$name >/dev/null && diff $W/old/$name.stdout $W/new/$name.stdout >/dev/null && diff $W/old/$name.stderr $W/new/$name.stderr > /dev/null && diff $W/old/$name.rc $W/new/$name.rc >/dev/null; then echo "same: $name"; else echo "DIFFERENT: $name"; status=1; fi
}
mkdir -p $W/old $W/new
for r in Data/examples/resnet_tiny/requests*.yaml; do
  n=$(basename $r .yaml)
  run rt-$n plan --sim Data/examples/resnet_tiny/sim.json --requests $r --config Data/configs/htp_like.json
  run rt-be-$n plan --sim Data/examples/resnet_tiny/sim.json --requests $r --config Data/configs/htp_like.json --best-effort
done
for cfg in default htp_like; do
  for mode in "" --best-effort; do
    run mbv2-$cfg$mode plan --onnx Data/models/mobilenet_v2.onnx --config Data/configs/$cfg.json --requests Data/examples/seed/requests.yaml $mode
    run mbv2ts-$cfg$mode plan --onnx Data/models/mobilenet_v2_torchscript.onnx --config Data/configs/$cfg.json --requests Data/examples/seed/requests.yaml $mode
    run llama-$cfg$mode plan --onnx Data/models/llama_tiny.onnx --config Data/configs/$cfg.json --requests Data/examples/llama/requests.yaml $mode
  done
done
for big in "$@"; do
  for mode in "" --best-effort; do
    run big-$(basename $big)$mode plan --sim $big/sim.json --requests $big/requests.yaml $mode
  done
done
exit $status
