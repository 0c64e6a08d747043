/**
 * Tensor operations without gradient tracking: argument checks with clear errors, then
 * the backend's primitive kernels. autodiff/ops.ts wraps these with their gradients.
 */
import type { BinaryOp, ConvGeometry, ReduceOp, UnaryOp } from './backend.js';
import type { Backend } from './backend.js';
import { cpu } from './cpu/backend.js';
import { allocArray, type AnyTypedArray, type DType } from './dtype.js';
import { broadcastShapes, broadcastStrides, checkShape, fmt, normAxes, normAxis, sameShape, sizeOf, stridesOf, type Shape } from './shape.js';
import { Tensor } from './tensor.js';

export type TensorLike = Tensor | number;

/** Nested number arrays accepted by tensor(). */
export type NestedArray = number | readonly NestedArray[];

function flatten(data: NestedArray, out: number[], shape: number[], depth: number): void {
  if (typeof data === 'number') {
    if (depth !== shape.length && shape.length > 0) throw new Error('tensor(): ragged nested array; every row must have the same length');
    out.push(data);
    return;
  }
  if (shape.length === depth) shape.push(data.length);
  else if (shape[depth] !== data.length) throw new Error(`tensor(): ragged nested array at depth ${depth}: length ${data.length} vs ${shape[depth]}`);
  for (const d of data) flatten(d, out, shape, depth + 1);
}

/** Creates a tensor from a typed array, a flat array with a shape, or nested arrays. */
export function tensor(data: AnyTypedArray | NestedArray | readonly number[], shape?: Shape, dtype?: DType, backend: Backend = cpu): Tensor {
  let flat: ArrayLike<number>;
  let shp: number[];
  if (ArrayBuffer.isView(data)) {
    flat = data as AnyTypedArray;
    shp = shape ? [...shape] : [flat.length];
    dtype = dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
  } else {
    const out: number[] = [];
    const inferred: number[] = [];
    flatten(data as NestedArray, out, inferred, 0);
    flat = out;
    shp = shape ? [...shape] : inferred;
  }
  checkShape(shp, 'tensor()');
  if (sizeOf(shp) !== flat.length) {
    throw new Error(`tensor(): ${flat.length} values do not fill shape ${fmt(shp)} (${sizeOf(shp)} elements)`);
  }
  const dt = dtype ?? 'float32';
  const arr = allocArray(dt, flat.length);
  for (let i = 0; i < flat.length; i++) arr[i] = flat[i];
  return backend.fromArray(arr, shp, dt);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, dtype: DType = 'float32', backend: Backend = cpu): Tensor {
  checkShape(shape, 'full()');
  return backend.fill(shape, value, dtype);
}
export function zeros(shape: Shape, dtype: DType = 'float32', backend: Backend = cpu): Tensor {
  return full(shape, 0, dtype, backend);
}
export function ones(shape: Shape, dtype: DType = 'float32', backend: Backend = cpu): Tensor {
  return full(shape, 1, dtype, backend);
}
/** A 0-d tensor. */
export function scalar(value: number, dtype: DType = 'float32', backend: Backend = cpu): Tensor {
  return backend.fill([], value, dtype);
}
/** Moves a tensor to another backend (a copy through host memory). */
export async function toBackend(x: Tensor, backend: Backend): Promise<Tensor> {
  if (x.backend === backend) return x;
  return backend.fromArray(await x.read(), x.shape, x.dtype);
}

function asTensor(x: TensorLike, like: Tensor): Tensor {
  return typeof x === 'number' ? like.backend.fill([], x, 'float32') : x;
}
function sameBackend(what: string, ...xs: Tensor[]): Backend {
  const b = xs[0].backend;
  for (const x of xs) {
    if (x.backend !== b) throw new Error(`${what}: tensors live on different backends (${b.name} and ${x.backend.name}); move one with toBackend()`);
  }
  return b;
}
function requireFloat(x: Tensor, what: string): void {
  if (x.dtype !== 'float32') throw new Error(`${what}: expects float32, got ${x.dtype} ${fmt(x.shape)}; cast it first with cast(x, 'float32')`);
}

/** Elementwise unary function (float32). */
export function unary(op: UnaryOp, x: Tensor): Tensor {
  const xf = x.dtype === 'float32' ? x : cast(x, 'float32');
  return x.backend.unary(op, xf);
}

/** Elementwise binary function with NumPy broadcasting. */
export function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new Error(`${op}: at least one argument must be a tensor`);
  const ta = typeof a === 'number' ? asTensor(a, b as Tensor) : a;
  const tb = typeof b === 'number' ? asTensor(b, ta) : b;
  const be = sameBackend(op, ta, tb);
  const outShape = broadcastShapes(ta.shape, tb.shape, op);
  return be.binary(op, ta, tb, outShape, broadcastStrides(ta.shape, outShape), broadcastStrides(tb.shape, outShape));
}

export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', a, b);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('max', a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('min', a, b);
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary('eq', a, b);
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary('ne', a, b);
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary('lt', a, b);
export const le = (a: TensorLike, b: TensorLike): Tensor => binary('le', a, b);
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary('gt', a, b);
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary('ge', a, b);
export const neg = (x: Tensor): Tensor => unary('neg', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const silu = (x: Tensor): Tensor => unary('silu', x);
export const softplus = (x: Tensor): Tensor => unary('softplus', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);

/** cond != 0 ? a : b, broadcast together. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const ta = asTensor(a, cond), tb = asTensor(b, cond);
  const be = sameBackend('where', cond, ta, tb);
  const outShape = broadcastShapes(broadcastShapes(cond.shape, ta.shape, 'where'), tb.shape, 'where');
  return be.where(cond, ta, tb, outShape, broadcastStrides(cond.shape, outShape), broadcastStrides(ta.shape, outShape), broadcastStrides(tb.shape, outShape));
}

/** Converts the dtype (float → int truncates toward zero). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return x.backend.cast(x, dtype);
}

/** A view with a new shape (one entry may be -1); shares storage. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const shp = [...shape];
  const neg1 = shp.indexOf(-1);
  if (neg1 >= 0) {
    if (shp.indexOf(-1, neg1 + 1) >= 0) throw new Error(`reshape: at most one -1 allowed in ${fmt(shape)}`);
    const rest = sizeOf(shp.filter((_, i) => i !== neg1));
    if (rest === 0 || x.size % rest !== 0) throw new Error(`reshape: cannot infer -1 in ${fmt(shape)} for ${x.size} elements of ${fmt(x.shape)}`);
    shp[neg1] = x.size / rest;
  }
  checkShape(shp, 'reshape');
  if (sizeOf(shp) !== x.size) {
    throw new Error(`reshape: cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shp)} (${sizeOf(shp)} elements)`);
  }
  return new Tensor(shp, x.dtype, x.backend, x.storage);
}

/** Reorders axes: out.shape[i] = x.shape[perm[i]]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const r = x.rank;
  if (perm.length !== r || new Set(perm.map((p) => (p < 0 ? p + r : p))).size !== r || perm.some((p) => p >= r || p < -r)) {
    throw new Error(`permute: ${fmt(perm)} is not a permutation of the ${r} axes of ${fmt(x.shape)}`);
  }
  const p = perm.map((a) => (a < 0 ? a + r : a));
  const st = stridesOf(x.shape);
  return x.backend.stridedCopy(x, p.map((a) => x.shape[a]), 0, p.map((a) => st[a]));
}

/** Swaps the last two axes. */
export function transpose(x: Tensor): Tensor {
  if (x.rank < 2) throw new Error(`transpose: needs rank >= 2, got ${fmt(x.shape)}`);
  const p = x.shape.map((_, i) => i);
  [p[x.rank - 2], p[x.rank - 1]] = [p[x.rank - 1], p[x.rank - 2]];
  return permute(x, p);
}

/** Materialises x broadcast to `shape`. */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  const out = broadcastShapes(x.shape, shape, 'broadcastTo');
  if (!sameShape(out, shape)) throw new Error(`broadcastTo: ${fmt(x.shape)} cannot be broadcast to ${fmt(shape)}`);
  if (sameShape(x.shape, shape)) return x;
  return x.backend.stridedCopy(x, shape, 0, broadcastStrides(x.shape, shape));
}

/** The sub-block begin[i] <= index < end[i] on every axis (end defaults to the size). */
export function slice(x: Tensor, begin: readonly number[], end?: readonly number[]): Tensor {
  if (begin.length > x.rank || (end && end.length > x.rank)) throw new Error(`slice: more bounds than the ${x.rank} axes of ${fmt(x.shape)}`);
  const st = stridesOf(x.shape);
  const shape: number[] = [];
  let offset = 0;
  for (let i = 0; i < x.rank; i++) {
    const b = begin[i] ?? 0;
    const e = end?.[i] ?? x.shape[i];
    if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e > x.shape[i] || b > e) {
      throw new Error(`slice: axis ${i} bounds [${b}, ${e}) do not fit size ${x.shape[i]} of ${fmt(x.shape)}`);
    }
    shape.push(e - b);
    offset += b * st[i];
  }
  return x.backend.stridedCopy(x, shape, offset, st);
}

/** Joins tensors along an axis. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('concat: needs at least one tensor');
  const ref = xs[0];
  const ax = normAxis(axis, ref.rank, 'concat');
  const be = sameBackend('concat', ...xs);
  let total = 0;
  for (const x of xs) {
    if (x.rank !== ref.rank || x.dtype !== ref.dtype || x.shape.some((d, i) => i !== ax && d !== ref.shape[i])) {
      throw new Error(`concat: ${x.dtype} ${fmt(x.shape)} does not match ${ref.dtype} ${fmt(ref.shape)} outside axis ${ax}`);
    }
    total += x.shape[ax];
  }
  const shape = [...ref.shape];
  shape[ax] = total;
  let out = be.fill(shape, 0, ref.dtype);
  const st = stridesOf(shape);
  let pos = 0;
  for (const x of xs) {
    if (x.size > 0) out = be.assignRegion(out, x, pos * st[ax], st);
    pos += x.shape[ax];
  }
  return out;
}

/** Pads each axis with [before, after] entries of `value`. */
export function pad(x: Tensor, widths: readonly (readonly [number, number])[], value = 0): Tensor {
  if (widths.length !== x.rank) throw new Error(`pad: needs ${x.rank} [before, after] pairs for ${fmt(x.shape)}, got ${widths.length}`);
  for (const [b, a] of widths) {
    if (!Number.isInteger(b) || !Number.isInteger(a) || b < 0 || a < 0) throw new Error(`pad: widths must be non-negative integers, got [${b}, ${a}]`);
  }
  const shape = x.shape.map((d, i) => d + widths[i][0] + widths[i][1]);
  const st = stridesOf(shape);
  const out = x.backend.fill(shape, value, x.dtype);
  if (x.size === 0) return out;
  const off = widths.reduce((acc, w, i) => acc + w[0] * st[i], 0);
  return x.backend.assignRegion(out, x, off, st);
}

function reduceAxes(op: ReduceOp, x: Tensor, axes: number | readonly number[] | undefined, keepdims: boolean): Tensor {
  const ax = normAxes(axes, x.rank, op);
  const keptShape = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const outShape = keepdims ? keptShape : x.shape.filter((_, i) => !ax.includes(i));
  if (ax.length === 0) return reshape(x, outShape);
  if (op === 'max' && ax.some((a) => x.shape[a] === 0)) throw new Error(`max: cannot reduce an empty axis of ${fmt(x.shape)}`);
  // Move reduced axes to the middle of [outer, reduced, inner] if they are not contiguous.
  const contiguous = ax[ax.length - 1] - ax[0] === ax.length - 1;
  let src = x;
  let outer: number, n: number, inner: number;
  if (contiguous) {
    outer = sizeOf(x.shape.slice(0, ax[0]));
    n = sizeOf(ax.map((a) => x.shape[a]));
    inner = sizeOf(x.shape.slice(ax[ax.length - 1] + 1));
  } else {
    const keep = x.shape.map((_, i) => i).filter((i) => !ax.includes(i));
    src = permute(x, [...keep, ...ax]);
    outer = sizeOf(keep.map((a) => x.shape[a]));
    n = sizeOf(ax.map((a) => x.shape[a]));
    inner = 1;
  }
  return x.backend.reduce(op, src, outer, n, inner, outShape);
}

/** Sum over axes (all when omitted). */
export function sum(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  return reduceAxes('sum', x, axes, keepdims);
}
/** Maximum over axes (all when omitted); NaN propagates. */
export function max(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  return reduceAxes('max', x, axes, keepdims);
}
/** Mean over axes (all when omitted). */
export function mean(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  const ax = normAxes(axes, x.rank, 'mean');
  const count = sizeOf(ax.map((a) => x.shape[a]));
  return mul(sum(cast(x, 'float32'), ax, keepdims), 1 / count);
}

/** Batched matrix product of the last two axes; batch axes broadcast when one side has none. */
export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  requireFloat(a, 'matmul');
  requireFloat(b, 'matmul');
  if (a.rank < 2 || b.rank < 2) throw new Error(`matmul: needs matrices (rank >= 2), got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const be = sameBackend('matmul', a, b);
  const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2);
  const m = transA ? ac : ar, k = transA ? ar : ac;
  const kb = transB ? bc : br, n = transB ? br : bc;
  if (k !== kb) throw new Error(`matmul: inner dimensions differ: ${fmt(a.shape)}${transA ? 'ᵀ' : ''} · ${fmt(b.shape)}${transB ? 'ᵀ' : ''} (${k} vs ${kb})`);
  const aBatch = a.shape.slice(0, -2), bBatch = b.shape.slice(0, -2);
  let batchShape: readonly number[];
  let aStride = ar * ac, bStride = br * bc;
  if (sameShape(aBatch, bBatch)) batchShape = aBatch;
  else if (sizeOf(bBatch) === 1) { batchShape = aBatch; bStride = 0; }
  else if (sizeOf(aBatch) === 1) { batchShape = bBatch; aStride = 0; }
  else throw new Error(`matmul: batch shapes ${fmt(aBatch)} and ${fmt(bBatch)} differ; make them equal or give one side no batch axes`);
  const batch = sizeOf(batchShape);
  const out = be.matmul(a, b, batch, m, k, n, transA, transB, aStride, bStride);
  return reshape(out, [...batchShape, m, n]);
}

export type Padding = 'same' | 'valid' | number | readonly [number, number] | readonly [number, number, number, number];
export interface ConvOptions {
  stride?: number;
  /** 'same', 'valid', a size for all sides, [y, x], or [top, bottom, left, right]. */
  padding?: Padding;
}

/** Works out the geometry of conv2d(x [N,C,H,W], w [O,C,kh,kw]) or a clear error. */
export function convGeometry(xShape: Shape, wShape: Shape, opts: ConvOptions = {}): ConvGeometry {
  if (xShape.length !== 4) throw new Error(`conv2d: input must be NCHW (rank 4), got ${fmt(xShape)}`);
  if (wShape.length !== 4) throw new Error(`conv2d: weight must be [out, in, kh, kw], got ${fmt(wShape)}`);
  const [n, cin, h, w] = xShape;
  const [cout, wc, kh, kw] = wShape;
  if (wc !== cin) throw new Error(`conv2d: weight ${fmt(wShape)} expects ${wc} input channels but the input ${fmt(xShape)} has ${cin}`);
  const stride = opts.stride ?? 1;
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`conv2d: stride must be a positive integer, got ${stride}`);
  const p = opts.padding ?? 'valid';
  let top: number, bottom: number, left: number, right: number;
  if (p === 'valid') { top = bottom = left = right = 0; }
  else if (p === 'same') {
    const oh = Math.ceil(h / stride), ow = Math.ceil(w / stride);
    const ph = Math.max((oh - 1) * stride + kh - h, 0), pw = Math.max((ow - 1) * stride + kw - w, 0);
    top = Math.floor(ph / 2); bottom = ph - top; left = Math.floor(pw / 2); right = pw - left;
  } else if (typeof p === 'number') { top = bottom = left = right = p; }
  else if (p.length === 2) { top = bottom = p[0]; left = right = p[1]; }
  else { [top, bottom, left, right] = p; }
  for (const v of [top, bottom, left, right]) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`conv2d: padding must be non-negative integers, got ${JSON.stringify(p)}`);
  }
  const outH = Math.floor((h + top + bottom - kh) / stride) + 1;
  const outW = Math.floor((w + left + right - kw) / stride) + 1;
  if (outH < 1 || outW < 1) throw new Error(`conv2d: kernel ${kh}x${kw} is larger than the padded input ${h + top + bottom}x${w + left + right}`);
  return { n, cin, h, w, cout, kh, kw, stride, padTop: top, padLeft: left, outH, outW };
}

/** 2-D convolution (cross-correlation), NCHW input, [out, in, kh, kw] weight, optional bias [out]. */
export function conv2d(x: Tensor, w: Tensor, bias: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  requireFloat(x, 'conv2d');
  requireFloat(w, 'conv2d');
  const be = sameBackend('conv2d', x, w, ...(bias ? [bias] : []));
  const g = convGeometry(x.shape, w.shape, opts);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== g.cout)) throw new Error(`conv2d: bias must be [${g.cout}], got ${fmt(bias.shape)}`);
  return be.conv2d(x, w, bias, g);
}

/** Max-pool with window = stride = k, no padding (trailing rows/columns that do not fill a window are dropped). */
export function maxPool2d(x: Tensor, k: number): { out: Tensor; argmax: Tensor } {
  requireFloat(x, 'maxPool2d');
  if (x.rank !== 4) throw new Error(`maxPool2d: input must be NCHW (rank 4), got ${fmt(x.shape)}`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`maxPool2d: window must be a positive integer, got ${k}`);
  const outH = Math.floor(x.shape[2] / k), outW = Math.floor(x.shape[3] / k);
  if (outH < 1 || outW < 1) throw new Error(`maxPool2d: window ${k} is larger than the input ${fmt(x.shape)}`);
  return x.backend.maxPool2d(x, k, outH, outW);
}

function checkIndex(idx: Tensor, n: number, what: string): void {
  if (idx.dtype !== 'int32' || idx.rank !== 1) throw new Error(`${what}: indices must be a 1-D int32 tensor, got ${idx.dtype} ${fmt(idx.shape)}`);
  if (idx.backend.name === 'cpu') {
    const a = idx.dataSync();
    for (let i = 0; i < a.length; i++) {
      if (a[i] < 0 || a[i] >= n) throw new Error(`${what}: index ${a[i]} at position ${i} is out of range [0, ${n})`);
    }
  }
}

/** Selects entries idx along an axis (index_select). */
export function gather(x: Tensor, idx: Tensor, axis: number): Tensor {
  const ax = normAxis(axis, x.rank, 'gather');
  sameBackend('gather', x, idx);
  checkIndex(idx, x.shape[ax], 'gather');
  const shape = [...x.shape];
  shape[ax] = idx.shape[0];
  return x.backend.gather(x, idx, sizeOf(x.shape.slice(0, ax)), x.shape[ax], sizeOf(x.shape.slice(ax + 1)), shape);
}

/** Zeros of size `size` along `axis` (other axes from src) with src's entries added at idx. */
export function scatterAdd(src: Tensor, idx: Tensor, axis: number, size: number): Tensor {
  const ax = normAxis(axis, src.rank, 'scatterAdd');
  sameBackend('scatterAdd', src, idx);
  checkIndex(idx, size, 'scatterAdd');
  if (idx.shape[0] !== src.shape[ax]) throw new Error(`scatterAdd: ${idx.shape[0]} indices for ${src.shape[ax]} entries along axis ${ax} of ${fmt(src.shape)}`);
  const shape = [...src.shape];
  shape[ax] = size;
  return src.backend.scatterAdd(src, idx, sizeOf(src.shape.slice(0, ax)), size, sizeOf(src.shape.slice(ax + 1)), shape);
}

/** One-hot float32 encoding of int32 indices, appended as a last axis of size depth. */
export function oneHot(idx: Tensor, depth: number): Tensor {
  if (idx.dtype !== 'int32') throw new Error(`oneHot: indices must be int32, got ${idx.dtype}`);
  if (!Number.isInteger(depth) || depth < 1) throw new Error(`oneHot: depth must be a positive integer, got ${depth}`);
  return idx.backend.oneHot(idx, depth);
}

/** True when any entry is NaN or infinite. */
export async function hasNonFinite(x: Tensor): Promise<boolean> {
  if (x.size === 0) return false;
  // x - x is 0 for finite values and NaN otherwise; max propagates NaN.
  const m = await max(sub(x, x)).itemAsync();
  return m !== 0;
}
