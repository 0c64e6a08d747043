/**
 * Differentiable tensor operations. Each op states its forward computation and, right
 * beside it, its vector-Jacobian product (the gradient of a scalar loss with respect to
 * each input, given the gradient g with respect to the output).
 */
import * as E from '../engine/ops.js';
import type { ConvOptions, TensorLike } from '../engine/ops.js';
import { sameShape, normAxes, normAxis, type Shape } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { record } from './tape.js';

export { tensor, zeros, ones, full, scalar, toBackend, eq, ne, lt, le, gt, ge, oneHot, hasNonFinite, convGeometry } from '../engine/ops.js';
export type { ConvOptions, Padding, TensorLike } from '../engine/ops.js';

/** Sums g over the axes that were broadcast to reach g's shape from `shape`. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return E.reshape(E.sum(g, axes, true), shape);
}

const tensors = (...xs: TensorLike[]): Tensor[] => xs.filter((x): x is Tensor => typeof x !== 'number');
const shapeOf = (x: TensorLike): Shape => (typeof x === 'number' ? [] : x.shape);

function binaryOp(a: TensorLike, b: TensorLike, out: Tensor, vjp: (g: Tensor) => [Tensor | null, Tensor | null]): Tensor {
  const ins: Tensor[] = [];
  const map: number[] = [];
  if (typeof a !== 'number') { ins.push(a); map.push(0); }
  if (typeof b !== 'number') { ins.push(b); map.push(1); }
  return record(out, ins, (g) => {
    const [ga, gb] = vjp(g);
    const both = [ga ? unbroadcast(ga, shapeOf(a)) : null, gb ? unbroadcast(gb, shapeOf(b)) : null];
    return map.map((k) => both[k]);
  });
}

// ---- elementwise, two arguments -------------------------------------------------------

/** a + b.  d/da = g, d/db = g. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(a, b, E.add(a, b), (g) => [g, g]);
}
/** a - b.  d/da = g, d/db = -g. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(a, b, E.sub(a, b), (g) => [g, E.neg(g)]);
}
/** a · b.  d/da = g·b, d/db = g·a. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(a, b, E.mul(a, b), (g) => [E.mul(g, b), E.mul(g, a)]);
}
/** a / b.  d/da = g/b, d/db = -g·a/b². */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(a, b, E.div(a, b), (g) => [E.div(g, b), typeof b === 'number' ? null : E.neg(E.div(E.mul(g, a), E.square(b)))]);
}
/** max(a, b).  The gradient goes to a where a >= b, else to b. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(a, b, E.maximum(a, b), (g) => { const m = E.ge(a, b); return [E.mul(g, m), E.mul(g, E.sub(1, m))]; });
}
/** min(a, b).  The gradient goes to a where a <= b, else to b. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(a, b, E.minimum(a, b), (g) => { const m = E.le(a, b); return [E.mul(g, m), E.mul(g, E.sub(1, m))]; });
}

// ---- elementwise, one argument ---------------------------------------------------------

/** -x.  d/dx = -g. */
export function neg(x: Tensor): Tensor {
  return record(E.neg(x), [x], (g) => [E.neg(g)]);
}
/** eˣ.  d/dx = g·eˣ. */
export function exp(x: Tensor): Tensor {
  const y = E.exp(x);
  return record(y, [x], (g) => [E.mul(g, y)]);
}
/** ln x.  d/dx = g/x. */
export function log(x: Tensor): Tensor {
  return record(E.log(x), [x], (g) => [E.div(g, x)]);
}
/** √x.  d/dx = g/(2√x). */
export function sqrt(x: Tensor): Tensor {
  const y = E.sqrt(x);
  return record(y, [x], (g) => [E.div(E.mul(g, 0.5), y)]);
}
/** x².  d/dx = 2·g·x. */
export function square(x: Tensor): Tensor {
  return record(E.square(x), [x], (g) => [E.mul(E.mul(g, x), 2)]);
}
/** x·σ(x).  d/dx = g·σ(x)·(1 + x·(1 − σ(x))). */
export function silu(x: Tensor): Tensor {
  return record(E.silu(x), [x], (g) => {
    const s = E.sigmoid(x);
    return [E.mul(g, E.mul(s, E.add(1, E.mul(x, E.sub(1, s)))))];
  });
}
/** ln(1 + eˣ).  d/dx = g·σ(x). */
export function softplus(x: Tensor): Tensor {
  return record(E.softplus(x), [x], (g) => [E.mul(g, E.sigmoid(x))]);
}
/** σ(x) = 1/(1 + e⁻ˣ).  d/dx = g·σ·(1 − σ). */
export function sigmoid(x: Tensor): Tensor {
  const y = E.sigmoid(x);
  return record(y, [x], (g) => [E.mul(g, E.mul(y, E.sub(1, y)))]);
}
/** max(x, 0).  d/dx = g·[x > 0]. */
export function relu(x: Tensor): Tensor {
  return record(E.relu(x), [x], (g) => [E.mul(g, E.gt(x, 0))]);
}
/** |x|.  d/dx = g·sign(x). */
export function abs(x: Tensor): Tensor {
  return record(E.abs(x), [x], (g) => [E.mul(g, E.unary('sign', x))]);
}

/** cond != 0 ? a : b.  The gradient goes to a where cond holds, else to b (none to cond). */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const out = E.where(cond, a, b);
  const ins = tensors(a, b);
  return record(out, ins, (g) => {
    const ga = unbroadcast(E.where(cond, g, 0), shapeOf(a));
    const gb = unbroadcast(E.where(cond, 0, g), shapeOf(b));
    return typeof a === 'number' ? [gb] : typeof b === 'number' ? [ga] : [ga, gb];
  });
}

/** Converts the dtype; integer results carry no gradient. */
export function cast(x: Tensor, dtype: 'float32' | 'int32'): Tensor {
  return E.cast(x, dtype);
}

/** Returns x with gradients blocked. */
export function stopGradient(x: Tensor): Tensor {
  return E.reshape(x, x.shape);
}

// ---- shape -----------------------------------------------------------------------------

/** A view with another shape.  d/dx = g reshaped back. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  return record(E.reshape(x, shape), [x], (g) => [E.reshape(g, x.shape)]);
}
/** Reorders axes.  d/dx = g with the inverse permutation. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const p = perm.map((a) => (a < 0 ? a + x.rank : a));
  const inv = new Array<number>(p.length);
  p.forEach((a, i) => { inv[a] = i; });
  return record(E.permute(x, p), [x], (g) => [E.permute(g, inv)]);
}
/** Swaps the last two axes. */
export function transpose(x: Tensor): Tensor {
  const p = x.shape.map((_, i) => i);
  if (x.rank >= 2) [p[x.rank - 2], p[x.rank - 1]] = [p[x.rank - 1], p[x.rank - 2]];
  return permute(x, p);
}
/** Materialises a broadcast.  d/dx = g summed over the broadcast axes. */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  return record(E.broadcastTo(x, shape), [x], (g) => [unbroadcast(g, x.shape)]);
}
/** A sub-block.  d/dx = g placed back into zeros. */
export function slice(x: Tensor, begin: readonly number[], end?: readonly number[]): Tensor {
  const out = E.slice(x, begin, end);
  return record(out, [x], (g) => [E.pad(g, x.shape.map((d, i) => {
    const b = begin[i] ?? 0;
    const e = end?.[i] ?? d;
    return [b, d - e] as const;
  }))]);
}
/** Joins along an axis.  d/dxᵢ = the matching slice of g. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  const out = E.concat(xs, axis);
  const ax = normAxis(axis, xs[0].rank, 'concat');
  return record(out, xs, (g) => {
    let pos = 0;
    return xs.map((x) => {
      const b = x.shape.map((_, i) => (i === ax ? pos : 0));
      const e = x.shape.map((d, i) => (i === ax ? pos + d : g.shape[i]));
      pos += x.shape[ax];
      return E.slice(g, b, e);
    });
  });
}
/** Constant padding.  d/dx = the interior of g. */
export function pad(x: Tensor, widths: readonly (readonly [number, number])[], value = 0): Tensor {
  const out = E.pad(x, widths, value);
  return record(out, [x], (g) => [E.slice(g, widths.map((w) => w[0]), widths.map((w, i) => w[0] + x.shape[i]))]);
}

// ---- reductions ------------------------------------------------------------------------

/** Sum over axes.  d/dx = g broadcast back over the summed axes. */
export function sum(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  const ax = normAxes(axes, x.rank, 'sum');
  const kept = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  return record(E.sum(x, ax, keepdims), [x], (g) => [E.broadcastTo(E.reshape(g, kept), x.shape)]);
}
/** Mean over axes (sum times 1/count). */
export function mean(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  const ax = normAxes(axes, x.rank, 'mean');
  const count = ax.reduce((n, a) => n * x.shape[a], 1);
  return mul(sum(x, ax, keepdims), 1 / count);
}
/** Maximum over axes.  d/dx = g shared equally among the entries that attain the maximum. */
export function max(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  const ax = normAxes(axes, x.rank, 'max');
  const kept = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const y = E.max(x, ax, keepdims);
  return record(y, [x], (g) => {
    const mask = E.eq(x, E.reshape(y, kept));
    const count = E.sum(mask, ax, true);
    return [E.mul(mask, E.div(E.reshape(g, kept), count))];
  });
}
/** log Σ exp(x) over an axis, computed stably. */
export function logSumExp(x: Tensor, axis: number, keepdims = false): Tensor {
  const m = E.max(x, axis, true);
  const s = log(sum(exp(sub(x, m)), axis, true));
  const out = add(s, m);
  return keepdims ? out : reshape(out, x.shape.filter((_, i) => i !== normAxis(axis, x.rank, 'logSumExp')));
}
/** log softmax over an axis. */
export function logSoftmax(x: Tensor, axis: number): Tensor {
  return sub(x, logSumExp(x, axis, true));
}

// ---- linear algebra and convolution ---------------------------------------------------

/**
 * C = op(A)·op(B) over the last two axes.
 * d/d op(A) = g·op(B)ᵀ, d/d op(B) = op(A)ᵀ·g (summed over a broadcast batch).
 */
export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  const out = E.matmul(a, b, transA, transB);
  return record(out, [a, b], (g) => {
    const ga = transA ? E.matmul(b, g, transB, true) : E.matmul(g, b, false, !transB);
    const gb = transB ? E.matmul(g, a, true, transA) : E.matmul(a, g, !transA, false);
    return [unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)];
  });
}

/**
 * 2-D convolution. d/dx is the transposed convolution of g, d/dw the correlation of x
 * with g, d/dbias the sum of g over batch and pixels.
 */
export function conv2d(x: Tensor, w: Tensor, bias: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  const out = E.conv2d(x, w, bias, opts);
  const geo = E.convGeometry(x.shape, w.shape, opts);
  const ins = bias ? [x, w, bias] : [x, w];
  return record(out, ins, (g) => {
    const gx = x.backend.conv2dInputGrad(g, w, geo);
    const gw = x.backend.conv2dWeightGrad(x, g, geo);
    return bias ? [gx, gw, E.sum(g, [0, 2, 3])] : [gx, gw];
  });
}

/** Max-pool, window = stride = k.  d/dx = g routed to each window's maximum. */
export function maxPool2d(x: Tensor, k: number): Tensor {
  if (k === 1) return x;
  const { out, argmax } = E.maxPool2d(x, k);
  return record(out, [x], (g) => [x.backend.maxPool2dBackward(g, argmax, x.shape)]);
}

/** Sum-pool with window = stride = k (a reshape and a sum). */
export function sumPool2d(x: Tensor, k: number): Tensor {
  const [n, c, h, w] = x.shape;
  const oh = Math.floor(h / k), ow = Math.floor(w / k);
  const cropped = oh * k === h && ow * k === w ? x : slice(x, [0, 0, 0, 0], [n, c, oh * k, ow * k]);
  return sum(reshape(cropped, [n, c, oh, k, ow, k]), [3, 5]);
}

/** index_select along an axis.  d/dx = g scattered back (added) to the selected entries. */
export function gather(x: Tensor, idx: Tensor, axis: number): Tensor {
  const ax = normAxis(axis, x.rank, 'gather');
  return record(E.gather(x, idx, ax), [x], (g) => [E.scatterAdd(g, idx, ax, x.shape[ax])]);
}
/** Adds src's entries into zeros at idx along an axis.  d/dsrc = g gathered at idx. */
export function scatterAdd(src: Tensor, idx: Tensor, axis: number, size: number): Tensor {
  const ax = normAxis(axis, src.rank, 'scatterAdd');
  return record(E.scatterAdd(src, idx, ax, size), [src], (g) => [E.gather(g, idx, ax)]);
}
