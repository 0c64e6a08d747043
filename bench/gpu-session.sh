#!/bin/bash
# One prepared run of the GPU checks and benchmarks, for a machine with a hardware GPU
# (the device tool's H200): the WebGPU tests with the adapter required, then the
# conv-webgpu and nh suites recorded. Everything it produces is copied to $OUT (or
# ./gpu-session-out) so that it can be brought back and committed under bench/results/.
# Usage: bash bench/gpu-session.sh            (expects `npm ci` to have run, or runs it)
set -u
out="${OUT:-gpu-session-out}"
mkdir -p "$out"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
log() { echo "[gpu-session $(date -u +%H:%M:%S)] $*" | tee -a "$out/session.log"; }
[ -d node_modules ] || { log "npm ci"; npm ci --no-audit --no-fund >>"$out/session.log" 2>&1; }
[ -d dist ] || { log "build"; npm run build >>"$out/session.log" 2>&1; }
node -e "import('neuralcpm').then(async (nc) => { const g = await nc.webgpuBackend(); console.log(JSON.stringify(g.adapter)); })" >"$out/adapter.json" 2>>"$out/session.log"
log "adapter: $(cat "$out/adapter.json")"
log "WebGPU tests (adapter required)"
NEURALCPM_REQUIRE_WEBGPU=1 timeout 300 node node_modules/uvu/bin.js test/webgpu >"$out/webgpu-tests.log" 2>&1
log "tests: $(grep -a -E 'Total|Passed' "$out/webgpu-tests.log" | tr -s ' \n' ' ')"
for suite in conv-webgpu nh; do
  log "bench $suite"
  timeout 240 node bench/run.js --filter "$suite" --record >"$out/bench-$suite.log" 2>&1
  log "bench $suite exit $?"
done
cp bench/results/*.json "$out/" 2>/dev/null
log "done; results in $out"
