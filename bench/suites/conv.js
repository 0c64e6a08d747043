// Suite `conv`: conv2d forward, input gradient and weight gradient on the CPU backend, in
// GFLOP/s, against naive direct loops measured in the same run.
import * as nc from 'neuralcpm';
import { naiveConvForward, naiveConvInputGrad, naiveConvWeightGrad } from '../naive.js';

/** The two shapes of the foundation issue: N = 51 images, 3x3 kernel, 'same' padding. */
export const SHAPES = {
  A: { n: 51, cin: 8, cout: 8, h: 34, w: 34 },
  B: { n: 51, cin: 16, cout: 32, h: 12, w: 12 },
};

/** @param {{ measure: (name: string, fn: () => void) => number }} ctx */
export function run(ctx) {
  /** @type {{ name: string, value: number, unit: string, reference?: number, ratio?: number }[]} */
  const results = [];
  for (const [label, s] of Object.entries(SHAPES)) {
    const xs = [s.n, s.cin, s.h, s.w], ws = [s.cout, s.cin, 3, 3];
    const x = nc.random.uniform(nc.makeKey(1), xs, -1, 1);
    const w = nc.random.uniform(nc.makeKey(2), ws, -1, 1);
    const dy = nc.random.uniform(nc.makeKey(3), [s.n, s.cout, s.h, s.w], -1, 1);
    const g = nc.engine.convGeometry(xs, ws, { padding: 'same' });
    const flops = 2 * s.n * s.cout * s.cin * 9 * s.h * s.w;
    const X = /** @type {Float32Array} */ (x.dataSync()), W = /** @type {Float32Array} */ (w.dataSync()), DY = /** @type {Float32Array} */ (dy.dataSync());
    const cases = [
      ['forward', () => nc.cpu.conv2d(x, w, null, g), () => naiveConvForward(X, xs, W, ws, 1)],
      ['input_grad', () => nc.cpu.conv2dInputGrad(dy, w, g), () => naiveConvInputGrad(DY, W, xs, ws, 1)],
      ['weight_grad', () => nc.cpu.conv2dWeightGrad(x, dy, g), () => naiveConvWeightGrad(X, DY, xs, ws, 1)],
    ];
    for (const [op, ours, naive] of /** @type {[string, () => unknown, () => unknown][]} */ (cases)) {
      const tOurs = ctx.measure(`conv ${label} ${op}`, ours);
      const tNaive = ctx.measure(`conv ${label} ${op} naive`, naive);
      const gf = flops / tOurs / 1e9, ref = flops / tNaive / 1e9;
      results.push({ name: `shape${label}_${op}`, value: gf, unit: 'GFLOP/s', reference: ref, ratio: gf / ref });
    }
  }
  return results;
}
