// Suite `conv-webgpu`: conv2d forward, input gradient and weight gradient on the WebGPU
// backend (shapes A and B of the `conv` suite), and two matrix products (a square one and
// the im2col shape of shape B), in GFLOP/s, with the CPU backend measured in the same run as
// the reference. Reports the adapter (lavapipe is a software adapter).
import * as nc from 'neuralcpm';
import { SHAPES } from './conv.js';

/** Median seconds per call of an async-completed GPU op (reps dispatches, then one small readback). */
async function timeGpu(/** @type {() => nc.Tensor} */ op, reps = 5, rounds = 5) {
  await nc.engine.sum(op()).read(); // warm-up: pipeline compilation
  /** @type {number[]} */
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    /** @type {nc.Tensor | null} */
    let last = null;
    for (let i = 0; i < reps; i++) last = op();
    await nc.engine.sum(/** @type {nc.Tensor} */ (last)).read();
    times.push((performance.now() - t0) / 1000 / reps);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** @param {{ measure: (name: string, fn: () => void) => number }} ctx */
export async function run(ctx) {
  const gpu = await nc.webgpuBackend();
  const info = gpu.adapter;
  /** @type {object[]} */
  const rows = [];
  for (const [label, s] of Object.entries(SHAPES)) {
    const xs = [s.n, s.cin, s.h, s.w], ws = [s.cout, s.cin, 3, 3];
    const x = nc.random.uniform(nc.makeKey(1), xs, -1, 1), w = nc.random.uniform(nc.makeKey(2), ws, -1, 1);
    const dy = nc.random.uniform(nc.makeKey(3), [s.n, s.cout, s.h, s.w], -1, 1);
    const [gx, gw, gdy] = [await nc.toBackend(x, gpu), await nc.toBackend(w, gpu), await nc.toBackend(dy, gpu)];
    const g = nc.engine.convGeometry(xs, ws, { padding: 'same' });
    const flops = 2 * s.n * s.cout * s.cin * 9 * s.h * s.w;
    /** @type {[string, () => nc.Tensor, () => unknown][]} */
    const cases = [
      ['forward', () => gpu.conv2d(gx, gw, null, g), () => nc.cpu.conv2d(x, w, null, g)],
      ['input_grad', () => gpu.conv2dInputGrad(gdy, gw, g), () => nc.cpu.conv2dInputGrad(dy, w, g)],
      ['weight_grad', () => gpu.conv2dWeightGrad(gx, gdy, g), () => nc.cpu.conv2dWeightGrad(x, dy, g)],
    ];
    for (const [op, onGpu, onCpu] of cases) {
      const tg = await timeGpu(onGpu);
      const tc = ctx.measure(`conv ${label} ${op} cpu`, onCpu);
      const gf = flops / tg / 1e9, ref = flops / tc / 1e9;
      rows.push({ name: `shape${label}_${op}`, value: gf, unit: 'GFLOP/s', reference: ref, ratio: gf / ref, adapter: info });
    }
  }
  for (const [m, k, n] of [[256, 256, 256], [51 * 144, 144, 32]]) {
    const a = nc.random.uniform(nc.makeKey(4), [m, k], -1, 1), b = nc.random.uniform(nc.makeKey(5), [k, n], -1, 1);
    const [ga, gb] = [await nc.toBackend(a, gpu), await nc.toBackend(b, gpu)];
    const tg = await timeGpu(() => nc.engine.matmul(ga, gb));
    const tc = ctx.measure(`matmul ${m}x${k}x${n} cpu`, () => nc.engine.matmul(a, b));
    const flops = 2 * m * k * n;
    rows.push({ name: `matmul_${m}x${k}x${n}`, value: flops / tg / 1e9, unit: 'GFLOP/s', reference: flops / tc / 1e9, ratio: tc / tg, adapter: info, block: gpu.matmulBlock });
  }
  return rows;
}
