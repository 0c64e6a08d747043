import type { AnyTypedArray, DType } from './dtype.js';
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';

/** Elementwise functions of one float32 argument. */
export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'square' | 'silu' | 'softplus' | 'sigmoid' | 'relu' | 'abs' | 'sign' | 'recip';
/** Elementwise functions of two arguments (with broadcasting); comparisons give 0/1 float32. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type ReduceOp = 'sum' | 'max';

/** Geometry of a 2-D convolution, NCHW input, OIHW weight. */
export interface ConvGeometry {
  n: number; cin: number; h: number; w: number;
  cout: number; kh: number; kw: number;
  stride: number; padTop: number; padLeft: number;
  outH: number; outW: number;
}

/** Hyper-parameters of one fused Adam(W) update. */
export interface AdamHyper {
  lr: number; beta1: number; beta2: number; eps: number;
  /** Step number, starting at 1 (for bias correction). */
  step: number;
  /** Decoupled weight decay (AdamW); 0 for Adam. */
  weightDecay: number;
}

/**
 * The primitive kernels a backend provides. Everything else (autodiff, nn, the CPM) is
 * composed from these. Inputs are contiguous; shape checks happen in engine/ops.ts before
 * a kernel is called. The CPU backend is the reference for every other backend.
 */
export interface Backend {
  readonly name: string;
  /** Copies host data into a new tensor. */
  fromArray(data: AnyTypedArray, shape: Shape, dtype: DType): Tensor;
  /** A tensor of `shape` filled with `value`. */
  fill(shape: Shape, value: number, dtype: DType): Tensor;
  read(x: Tensor): Promise<AnyTypedArray>;
  readSync(x: Tensor): AnyTypedArray;
  dispose(x: Tensor): void;

  unary(op: UnaryOp, x: Tensor): Tensor;
  /** out[i] = op(a[aIdx(i)], b[bIdx(i)]) with broadcast strides (0 on broadcast axes). */
  binary(op: BinaryOp, a: Tensor, b: Tensor, outShape: Shape, aStrides: readonly number[], bStrides: readonly number[]): Tensor;
  /** out = cond != 0 ? a : b, all three broadcast to outShape. */
  where(cond: Tensor, a: Tensor, b: Tensor, outShape: Shape, cStrides: readonly number[], aStrides: readonly number[], bStrides: readonly number[]): Tensor;
  cast(x: Tensor, dtype: DType): Tensor;
  /** Reduces the middle axis of x viewed as [outer, n, inner]; the result has shape outShape. */
  reduce(op: ReduceOp, x: Tensor, outer: number, n: number, inner: number, outShape: Shape): Tensor;
  /** Gathers x viewed through (offset, strides) into a new contiguous tensor of `shape`. */
  stridedCopy(x: Tensor, shape: Shape, offset: number, strides: readonly number[]): Tensor;
  /** A copy of dst whose region (offset, strides, src.shape) is overwritten by src. */
  assignRegion(dst: Tensor, src: Tensor, offset: number, strides: readonly number[]): Tensor;
  /** Batched matmul: out[b] = op(a[b]) · op(b[b]); batch strides 0 mean a shared matrix. */
  matmul(a: Tensor, b: Tensor, batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number): Tensor;
  conv2d(x: Tensor, w: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor;
  conv2dInputGrad(dy: Tensor, w: Tensor, g: ConvGeometry): Tensor;
  conv2dWeightGrad(x: Tensor, dy: Tensor, g: ConvGeometry): Tensor;
  /** Max-pool with window = stride = k, no padding; returns values and flat argmax (int32) per output. */
  maxPool2d(x: Tensor, k: number, outH: number, outW: number): { out: Tensor; argmax: Tensor };
  /** Scatters dy into a zero tensor of xShape at the argmax positions. */
  maxPool2dBackward(dy: Tensor, argmax: Tensor, xShape: Shape): Tensor;
  /** out[o, j, i] = x[o, idx[j], i] for x viewed as [outer, n, inner]. */
  gather(x: Tensor, idx: Tensor, outer: number, n: number, inner: number, outShape: Shape): Tensor;
  /** out = zeros(outShape) viewed as [outer, n, inner]; out[o, idx[j], i] += src[o, j, i]. */
  scatterAdd(src: Tensor, idx: Tensor, outer: number, n: number, inner: number, outShape: Shape): Tensor;
  /** out[..., c] = (idx[...] == c) as float32, c in [0, depth). */
  oneHot(idx: Tensor, depth: number): Tensor;
  /** One fused Adam(W) step; returns the new parameter and moments. */
  adam(p: Tensor, g: Tensor, m: Tensor, v: Tensor, h: AdamHyper): { p: Tensor; m: Tensor; v: Tensor };
}
