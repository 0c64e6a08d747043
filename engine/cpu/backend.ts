/** The reference backend: pure TypeScript kernels on typed arrays, single-threaded. */
import type { AdamHyper, Backend, BinaryOp, ConvGeometry, ReduceOp, UnaryOp } from '../backend.js';
import { allocArray, type AnyTypedArray, type DType } from '../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { conv2dForward, conv2dInputGrad, conv2dWeightGrad } from './conv.js';
import { gemm } from './gemm.js';

const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  square: (x) => x * x,
  silu: (x) => x / (1 + Math.exp(-x)),
  softplus: (x) => (x > 20 ? x : x < -20 ? Math.exp(x) : Math.log1p(Math.exp(x))),
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  relu: (x) => (x > 0 ? x : 0),
  abs: Math.abs,
  sign: Math.sign,
  recip: (x) => 1 / x,
};

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: (a, b) => (a !== a || b !== b ? NaN : a >= b ? a : b),
  min: (a, b) => (a !== a || b !== b ? NaN : a <= b ? a : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
};
const COMPARE = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

/** Calls body(outIndex, offsets...) over an n-d index space with per-input strides. */
function forEachStrided(shape: Shape, strides: (readonly number[])[], body: (i: number, offs: number[]) => void): void {
  const rank = shape.length;
  const size = sizeOf(shape);
  const k = strides.length;
  const offs = new Array<number>(k).fill(0);
  if (size === 0) return;
  if (rank === 0) { body(0, offs); return; }
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < size; i++) {
    body(i, offs);
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      for (let j = 0; j < k; j++) offs[j] += strides[j][ax];
      if (idx[ax] < shape[ax]) break;
      for (let j = 0; j < k; j++) offs[j] -= strides[j][ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}

function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  const c = stridesOf(shape);
  for (let i = 0; i < shape.length; i++) if (shape[i] !== 1 && strides[i] !== c[i]) return false;
  return true;
}

/** The CPU backend. Storage is a Float32Array or Int32Array. */
export class CpuBackend implements Backend {
  readonly name = 'cpu';

  private make(data: AnyTypedArray, shape: Shape, dtype: DType): Tensor {
    return new Tensor([...shape], dtype, this, data);
  }
  private arr(x: Tensor): AnyTypedArray {
    return x.storage as AnyTypedArray;
  }
  private f32(x: Tensor): Float32Array {
    return x.storage as Float32Array;
  }

  fromArray(data: AnyTypedArray, shape: Shape, dtype: DType): Tensor {
    const out = allocArray(dtype, sizeOf(shape));
    out.set(data);
    return this.make(out, shape, dtype);
  }
  fill(shape: Shape, value: number, dtype: DType): Tensor {
    const out = allocArray(dtype, sizeOf(shape));
    if (value !== 0) out.fill(value);
    return this.make(out, shape, dtype);
  }
  read(x: Tensor): Promise<AnyTypedArray> {
    return Promise.resolve(this.readSync(x));
  }
  readSync(x: Tensor): AnyTypedArray {
    return this.arr(x).slice();
  }
  dispose(_x: Tensor): void { /* garbage-collected */ }

  unary(op: UnaryOp, x: Tensor): Tensor {
    const a = this.arr(x);
    const out = new Float32Array(a.length);
    const f = UNARY[op];
    for (let i = 0; i < a.length; i++) out[i] = f(a[i]);
    return this.make(out, x.shape, 'float32');
  }

  binary(op: BinaryOp, a: Tensor, b: Tensor, outShape: Shape, aStrides: readonly number[], bStrides: readonly number[]): Tensor {
    const dtype: DType = COMPARE.has(op) || a.dtype === 'float32' || b.dtype === 'float32' || op === 'div' ? 'float32' : 'int32';
    const out = allocArray(dtype, sizeOf(outShape));
    const x = this.arr(a), y = this.arr(b);
    const f = BINARY[op];
    const aC = isContiguous(outShape, aStrides) && a.size === out.length;
    const bC = isContiguous(outShape, bStrides) && b.size === out.length;
    if (aC && bC) {
      for (let i = 0; i < out.length; i++) out[i] = f(x[i], y[i]);
    } else if (aC && b.size === 1) {
      const s = y[0];
      for (let i = 0; i < out.length; i++) out[i] = f(x[i], s);
    } else if (bC && a.size === 1) {
      const s = x[0];
      for (let i = 0; i < out.length; i++) out[i] = f(s, y[i]);
    } else {
      forEachStrided(outShape, [aStrides, bStrides], (i, o) => { out[i] = f(x[o[0]], y[o[1]]); });
    }
    return this.make(out, outShape, dtype);
  }

  where(cond: Tensor, a: Tensor, b: Tensor, outShape: Shape, cS: readonly number[], aS: readonly number[], bS: readonly number[]): Tensor {
    const dtype: DType = a.dtype === 'int32' && b.dtype === 'int32' ? 'int32' : 'float32';
    const out = allocArray(dtype, sizeOf(outShape));
    const c = this.arr(cond), x = this.arr(a), y = this.arr(b);
    forEachStrided(outShape, [cS, aS, bS], (i, o) => { out[i] = c[o[0]] !== 0 ? x[o[1]] : y[o[2]]; });
    return this.make(out, outShape, dtype);
  }

  cast(x: Tensor, dtype: DType): Tensor {
    const src = this.arr(x);
    const out = allocArray(dtype, src.length);
    if (dtype === 'int32') for (let i = 0; i < src.length; i++) out[i] = Math.trunc(src[i]);
    else out.set(src);
    return this.make(out, x.shape, dtype);
  }

  reduce(op: ReduceOp, x: Tensor, outer: number, n: number, inner: number, outShape: Shape): Tensor {
    const a = this.arr(x);
    const out = allocArray(x.dtype, outer * inner);
    if (op === 'sum') {
      const acc = new Float64Array(inner);
      for (let o = 0; o < outer; o++) {
        acc.fill(0);
        let base = o * n * inner;
        for (let j = 0; j < n; j++, base += inner) for (let i = 0; i < inner; i++) acc[i] += a[base + i];
        out.set(acc, o * inner);
      }
    } else {
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          let m = -Infinity;
          let p = o * n * inner + i;
          for (let j = 0; j < n; j++, p += inner) {
            const v = a[p];
            if (v > m || v !== v) { m = v; if (v !== v) break; }
          }
          out[o * inner + i] = m;
        }
      }
    }
    return this.make(out, outShape, x.dtype);
  }

  stridedCopy(x: Tensor, shape: Shape, offset: number, strides: readonly number[]): Tensor {
    const a = this.arr(x);
    const out = allocArray(x.dtype, sizeOf(shape));
    const rank = shape.length;
    if (rank > 0 && strides[rank - 1] === 1 && shape[rank - 1] > 8) {
      // copy innermost rows with native set
      const last = shape[rank - 1];
      const outerShape = shape.slice(0, rank - 1);
      const outerStrides = strides.slice(0, rank - 1);
      forEachStrided(outerShape, [outerStrides], (i, o) => {
        const s = offset + o[0];
        out.set(a.subarray(s, s + last), i * last);
      });
    } else {
      forEachStrided(shape, [strides], (i, o) => { out[i] = a[offset + o[0]]; });
    }
    return this.make(out, shape, x.dtype);
  }

  assignRegion(dst: Tensor, src: Tensor, offset: number, strides: readonly number[]): Tensor {
    const out = this.arr(dst).slice();
    const s = this.arr(src);
    forEachStrided(src.shape, [strides], (i, o) => { out[offset + o[0]] = s[i]; });
    return this.make(out, dst.shape, dst.dtype);
  }

  matmul(a: Tensor, b: Tensor, batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number): Tensor {
    const x = this.f32(a), y = this.f32(b);
    const out = new Float32Array(batch * m * n);
    // op(A)[i,kk]: A stored m×k (row stride k) or, transposed, k×m (row stride m)
    const ars = transA ? 1 : k, acs = transA ? m : 1;
    const brs = transB ? 1 : n, bcs = transB ? k : 1;
    for (let bi = 0; bi < batch; bi++) {
      gemm(x, bi * aBatchStride, ars, acs, y, bi * bBatchStride, brs, bcs, m, n, k, out, bi * m * n, n);
    }
    return this.make(out, [batch, m, n], 'float32');
  }

  conv2d(x: Tensor, w: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
    const out = conv2dForward(this.f32(x), this.f32(w), bias ? this.f32(bias) : null, g);
    return this.make(out, [g.n, g.cout, g.outH, g.outW], 'float32');
  }
  conv2dInputGrad(dy: Tensor, w: Tensor, g: ConvGeometry): Tensor {
    return this.make(conv2dInputGrad(this.f32(dy), this.f32(w), g), [g.n, g.cin, g.h, g.w], 'float32');
  }
  conv2dWeightGrad(x: Tensor, dy: Tensor, g: ConvGeometry): Tensor {
    return this.make(conv2dWeightGrad(this.f32(x), this.f32(dy), g), [g.cout, g.cin, g.kh, g.kw], 'float32');
  }

  maxPool2d(x: Tensor, k: number, outH: number, outW: number): { out: Tensor; argmax: Tensor } {
    const [n, c, h, w] = x.shape;
    const a = this.f32(x);
    const out = new Float32Array(n * c * outH * outW);
    const arg = new Int32Array(out.length);
    let o = 0;
    for (let p = 0; p < n * c; p++) {
      const base = p * h * w;
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++, o++) {
          let best = -Infinity, bi = base + oy * k * w + ox * k;
          for (let dy = 0; dy < k; dy++) {
            let q = base + (oy * k + dy) * w + ox * k;
            for (let dx = 0; dx < k; dx++, q++) {
              if (a[q] > best) { best = a[q]; bi = q; }
            }
          }
          out[o] = best;
          arg[o] = bi;
        }
      }
    }
    return { out: this.make(out, [n, c, outH, outW], 'float32'), argmax: this.make(arg, [n, c, outH, outW], 'int32') };
  }
  maxPool2dBackward(dy: Tensor, argmax: Tensor, xShape: Shape): Tensor {
    const g = this.f32(dy), idx = this.arr(argmax);
    const out = new Float32Array(sizeOf(xShape));
    for (let i = 0; i < g.length; i++) out[idx[i]] += g[i];
    return this.make(out, xShape, 'float32');
  }

  gather(x: Tensor, idx: Tensor, outer: number, n: number, inner: number, outShape: Shape): Tensor {
    const a = this.arr(x), ix = this.arr(idx);
    const m = ix.length;
    const out = allocArray(x.dtype, outer * m * inner);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < m; j++) {
        const s = (o * n + ix[j]) * inner;
        out.set(a.subarray(s, s + inner), (o * m + j) * inner);
      }
    return this.make(out, outShape, x.dtype);
  }
  scatterAdd(src: Tensor, idx: Tensor, outer: number, n: number, inner: number, outShape: Shape): Tensor {
    const s = this.arr(src), ix = this.arr(idx);
    const m = ix.length;
    const out = allocArray(src.dtype, outer * n * inner);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < m; j++) {
        const d = (o * n + ix[j]) * inner, q = (o * m + j) * inner;
        for (let i = 0; i < inner; i++) out[d + i] += s[q + i];
      }
    return this.make(out, outShape, src.dtype);
  }
  oneHot(idx: Tensor, depth: number): Tensor {
    const ix = this.arr(idx);
    const out = new Float32Array(ix.length * depth);
    for (let i = 0; i < ix.length; i++) {
      const c = ix[i];
      if (c >= 0 && c < depth) out[i * depth + c] = 1;
    }
    return this.make(out, [...idx.shape, depth], 'float32');
  }

  adam(p: Tensor, g: Tensor, m: Tensor, v: Tensor, h: AdamHyper): { p: Tensor; m: Tensor; v: Tensor } {
    const P = this.f32(p), G = this.f32(g), M = this.f32(m), V = this.f32(v);
    const np = new Float32Array(P.length), nm = new Float32Array(P.length), nv = new Float32Array(P.length);
    const bc1 = 1 - Math.pow(h.beta1, h.step), bc2 = 1 - Math.pow(h.beta2, h.step);
    const decay = 1 - h.lr * h.weightDecay;
    for (let i = 0; i < P.length; i++) {
      const gi = G[i];
      const mi = h.beta1 * M[i] + (1 - h.beta1) * gi;
      const vi = h.beta2 * V[i] + (1 - h.beta2) * gi * gi;
      nm[i] = mi; nv[i] = vi;
      np[i] = P[i] * decay - h.lr * (mi / bc1) / (Math.sqrt(vi / bc2) + h.eps);
    }
    return { p: this.make(np, p.shape, 'float32'), m: this.make(nm, p.shape, 'float32'), v: this.make(nv, p.shape, 'float32') };
  }
}

/** The process-wide CPU backend. */
export const cpu = new CpuBackend();
