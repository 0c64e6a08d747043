/**
 * Metrics of SPEC 7 for generated configurations: p_volume, p_unfragmented, the digit
 * classifier and its Classifier Score.
 */
import * as ops from '../autodiff/ops.js';
import { Conv2d, Linear, prefixParams, subParams } from '../autodiff/nn.js';
import { AdamW } from '../autodiff/optim.js';
import { noGrad, valueAndGrad, type Params } from '../autodiff/tape.js';
import type { Backend } from '../engine/backend.js';
import { cpu } from '../engine/cpu/backend.js';
import { makeKey, permutation, split, type Key } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';
import { componentCount, volumesOf } from './analysis.js';
import { typeMaps } from './models.js';
import type { Configuration } from './state.js';

/** The allowed volume range: [min − m, max + m] over all cells of all training states, m = 10% of V*. */
export function volumeBounds(data: readonly Configuration[], target: number): { lo: number; hi: number } {
  let lo = Infinity, hi = -Infinity;
  for (const c of data) {
    const v = volumesOf(c);
    for (let id = 1; id < v.length; id++) { lo = Math.min(lo, v[id]); hi = Math.max(hi, v[id]); }
  }
  const m = 0.1 * target;
  return { lo: lo - m, hi: hi + m };
}

/** True when every cell's volume lies within the bounds. */
export function volumesWithin(c: Configuration, b: { lo: number; hi: number }): boolean {
  const v = volumesOf(c);
  for (let id = 1; id < v.length; id++) if (v[id] < b.lo || v[id] > b.hi) return false;
  return true;
}

/** Dilation of a mask with a 3×3 square (periodic). */
export function dilate3(mask: Uint8Array, height: number, width: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    if (!mask[y * width + x]) continue;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) out[((y + dy + height) % height) * width + ((x + dx + width) % width)] = 1;
  }
  return out;
}

/** Number of fragmented cells: a cell is fragmented unless its mask dilated twice (3×3) is one 8-connected piece (a missing cell is fragmented). */
export function fragmentedCells(c: Configuration): number {
  const n = c.types.length - 1;
  const masks = Array.from({ length: n + 1 }, () => new Uint8Array(c.ids.length));
  for (let i = 0; i < c.ids.length; i++) masks[c.ids[i]][i] = 1;
  let frag = 0;
  for (let id = 1; id <= n; id++) {
    const d = dilate3(dilate3(masks[id], c.height, c.width), c.height, c.width);
    if (componentCount(d, c.height, c.width) !== 1) frag++;
  }
  return frag;
}

/**
 * p_volume and p_unfragmented over trajectories: every 5th saved frame (the initial frame
 * included) of every trajectory.
 */
export function shapeMetrics(trajectories: readonly (readonly Configuration[])[], bounds: { lo: number; hi: number }, every = 5): { pVolume: number; pUnfragmented: number; frames: number } {
  let n = 0, vol = 0, unf = 0;
  for (const t of trajectories) {
    for (let f = 0; f < t.length; f += every) {
      n++;
      if (volumesWithin(t[f], bounds)) vol++;
      if (fragmentedCells(t[f]) <= 3) unf++;
    }
  }
  if (n === 0) throw new Error('shapeMetrics: no frames to evaluate');
  return { pVolume: vol / n, pUnfragmented: unf / n, frames: n };
}

/** The Classifier Score exp(mean_i KL(p(y|x_i) ‖ mean_j p(y|x_j))) from class probabilities [n][classes]. */
export function classifierScore(probs: readonly ArrayLike<number>[]): number {
  if (probs.length === 0) throw new Error('classifierScore: no predictions');
  const k = probs[0].length;
  const marginal = new Float64Array(k);
  for (const p of probs) for (let y = 0; y < k; y++) marginal[y] += p[y] / probs.length;
  let kl = 0;
  for (const p of probs) for (let y = 0; y < k; y++) if (p[y] > 0) kl += (p[y] * Math.log(p[y] / marginal[y])) / probs.length;
  return Math.exp(kl);
}

/**
 * The digit classifier of the Classifier Score: one-hot type map → [Conv3×3 → SiLU →
 * MaxPool2] × 3 → Conv3×3 → SiLU → global mean pool → Linear → SiLU → Linear(10).
 */
export class DigitClassifier {
  readonly widths: readonly number[];
  constructor(readonly types = 3, widths: readonly number[] = [16, 32, 64, 64], readonly classes = 10) {
    this.widths = widths;
  }
  init(key: Key, backend: Backend = cpu): Params {
    const k = split(key, this.widths.length + 2);
    let p: Params = {};
    let c = this.types;
    this.widths.forEach((w, i) => { p = { ...p, ...prefixParams(new Conv2d(c, w, 3).init(k[i], backend), `conv${i}`) }; c = w; });
    p = { ...p, ...prefixParams(new Linear(c, c).init(k[this.widths.length], backend), 'fc0') };
    return { ...p, ...prefixParams(new Linear(c, this.classes).init(k[this.widths.length + 1], backend), 'fc1') };
  }
  logits(p: Params, x: Tensor): Tensor {
    let y = x;
    this.widths.forEach((_, i) => {
      y = ops.silu(ops.conv2d(y, p[`conv${i}.weight`], p[`conv${i}.bias`], { padding: 'same' }));
      if (i + 1 < this.widths.length) y = ops.maxPool2d(y, 2);
    });
    const pooled = ops.mean(y, [2, 3]);
    const h = ops.silu(new Linear(pooled.shape[1], pooled.shape[1]).apply(subParams(p, 'fc0'), pooled));
    return new Linear(h.shape[1], this.classes).apply(subParams(p, 'fc1'), h);
  }
  /** Class probabilities [n][classes] of configurations. */
  predict(p: Params, configs: readonly Configuration[], batch = 64): Float64Array[] {
    const out: Float64Array[] = [];
    const backend = Object.values(p)[0].backend;
    for (let s = 0; s < configs.length; s += batch) {
      const chunk = configs.slice(s, s + batch);
      const lp = noGrad(() => ops.logSoftmax(this.logits(p, typeMaps(chunk, this.types, backend)), 1)).dataSync();
      for (let i = 0; i < chunk.length; i++) out.push(Float64Array.from(lp.subarray(i * this.classes, (i + 1) * this.classes), Math.exp));
    }
    return out;
  }
}

export interface ClassifierResult {
  params: Params;
  trainAccuracy: number;
  testAccuracy: number;
  epochs: number;
  seconds: number;
}

/** Accuracy of predictions against labels. */
export function accuracy(probs: readonly ArrayLike<number>[], labels: ArrayLike<number>): number {
  let ok = 0;
  probs.forEach((p, i) => {
    let best = 0;
    for (let y = 1; y < p.length; y++) if (p[y] > p[best]) best = y;
    if (best === labels[i]) ok++;
  });
  return ok / probs.length;
}

/** Trains the classifier with AdamW (lr 1e-3, weight decay 1e-3, batch 64) and reports train and test accuracy. */
export async function trainDigitClassifier(clf: DigitClassifier, train: readonly Configuration[], trainLabels: ArrayLike<number>, test: readonly Configuration[], testLabels: ArrayLike<number>,
  opts: { epochs: number; seed: number; batch?: number; lr?: number; onEpoch?: (epoch: number, loss: number) => void }): Promise<ClassifierResult> {
  const t0 = performance.now();
  const key = makeKey(opts.seed);
  let params = clf.init(split(key)[0]);
  const opt = new AdamW({ lr: opts.lr ?? 1e-3, weightDecay: 1e-3 });
  let state = opt.init(params);
  const bs = opts.batch ?? 64;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const order = permutation(split(key, opts.epochs + 1)[epoch + 1], train.length);
    let total = 0, steps = 0;
    for (let s = 0; s < train.length; s += bs) {
      const idx = Array.from(order.subarray(s, Math.min(train.length, s + bs)));
      const x = typeMaps(idx.map((i) => train[i]), clf.types, cpu);
      const y = ops.oneHot(ops.tensor(Int32Array.from(idx, (i) => trainLabels[i]), [idx.length], 'int32'), clf.classes);
      const { value, grads } = valueAndGrad((p: Params) => ops.neg(ops.mean(ops.sum(ops.mul(ops.logSoftmax(clf.logits(p, x), 1), y), 1))))(params);
      const r = await opt.step(params, grads, state);
      params = r.params; state = r.state;
      total += value.item(); steps++;
    }
    opts.onEpoch?.(epoch + 1, total / steps);
  }
  return {
    params,
    trainAccuracy: accuracy(clf.predict(params, train), trainLabels),
    testAccuracy: accuracy(clf.predict(params, test), testLabels),
    epochs: opts.epochs,
    seconds: (performance.now() - t0) / 1000,
  };
}
