// Shared test helpers: finite-difference gradient checks and closeness assertions.
import * as assert from 'uvu/assert';
import * as nc from 'neuralcpm';

/**
 * Checks valueAndGrad(f) against central finite differences for every entry of every
 * parameter. f maps params to a scalar; sums are done in float32, so eps and tol are loose.
 * With `kinks: true` (functions with max-pooling), an entry also passes when autodiff matches
 * the forward or the backward difference: at a tie inside a pooling window f has a kink, and
 * autodiff returns one of the two one-sided derivatives, which the central difference averages.
 * @param {(p: Record<string, nc.Tensor>) => nc.Tensor} f
 * @param {Record<string, nc.Tensor>} params
 */
export function gradCheck(f, params, { eps = 1e-2, tol = 2e-2, label = '', kinks = false } = {}) {
  const { grads } = nc.valueAndGrad(f)(params);
  const f0 = kinks ? f(params).item() : 0;
  for (const name of Object.keys(params)) {
    const base = params[name].dataSync();
    const g = grads[name].dataSync();
    for (let i = 0; i < base.length; i++) {
      const plus = Float32Array.from(base); plus[i] += eps;
      const minus = Float32Array.from(base); minus[i] -= eps;
      const fp = f({ ...params, [name]: nc.tensor(plus, params[name].shape) }).item();
      const fm = f({ ...params, [name]: nc.tensor(minus, params[name].shape) }).item();
      const fd = (fp - fm) / (2 * eps);
      const off = (d) => Math.abs(d - g[i]) > tol * Math.max(1, Math.abs(d));
      if (off(fd) && (!kinks || (off((fp - f0) / eps) && off((f0 - fm) / eps)))) {
        const sides = kinks ? ` (forward ${(fp - f0) / eps}, backward ${(f0 - fm) / eps})` : '';
        assert.unreachable(`${label} d/d${name}[${i}]: autodiff ${g[i]} vs finite difference ${fd}${sides}`);
      }
    }
  }
}

/** A random float32 tensor from a seed, entries in [lo, hi). */
export function rand(seed, shape, lo = -1, hi = 1) {
  return nc.random.uniform(nc.makeKey(seed), shape, lo, hi);
}

/** Asserts that two arrays agree within a relative tolerance. */
export function assertClose(actual, expected, tol = 1e-5, label = '') {
  assert.is(actual.length, expected.length, `${label} length`);
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (d > tol * Math.max(1, Math.abs(expected[i]))) {
      assert.unreachable(`${label}[${i}]: ${actual[i]} vs ${expected[i]} (diff ${d})`);
    }
  }
}

/** A scalar loss Σ w ⊙ y with fixed random weights, so every output entry matters. */
export function weightedSum(y, seed = 99) {
  return nc.sum(nc.mul(y, rand(seed, y.shape)));
}

/** Reference direct convolution in double precision. */
export function naiveConv(x, xs, w, ws, bias, stride, pt, pl, oh, ow) {
  const [n, c, h, wd] = xs, [o, , kh, kw] = ws;
  const out = new Float64Array(n * o * oh * ow);
  for (let b = 0; b < n; b++) for (let co = 0; co < o; co++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) {
    let s = bias ? bias[co] : 0;
    for (let ci = 0; ci < c; ci++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const iy = y * stride + ky - pt, ix = xx * stride + kx - pl;
      if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
      s += x[((b * c + ci) * h + iy) * wd + ix] * w[((co * c + ci) * kh + ky) * kw + kx];
    }
    out[((b * o + co) * oh + y) * ow + xx] = s;
  }
  return out;
}
