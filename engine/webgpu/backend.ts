/**
 * The WebGPU backend: every primitive kernel of the Backend interface as a WGSL compute
 * shader (sources in wgsl/). Tensors live in GPU storage buffers and stay there between
 * ops; dispatches are recorded into one command encoder and submitted together when a
 * result is read back (or every 64 dispatches). Pipelines are cached by kernel and
 * template constants; shapes travel in a small per-dispatch parameter buffer, so one
 * pipeline serves every shape. Buffers are recycled through a pool once their tensors
 * are garbage-collected.
 */
import { readFileSync } from 'node:fs';
import type { AdamHyper, Backend, BinaryOp, ConvGeometry, ReduceOp, UnaryOp } from '../backend.js';
import { allocArray, type AnyTypedArray, type DType } from '../dtype.js';
import { sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { gentleWait, getGpu, WEBGPU_HINT, type AdapterDescription } from './device.js';

type GPUDeviceT = GPUDevice;
type GPUBufferT = GPUBuffer;

interface Storage { buffer: GPUBufferT; bytes: number }

const STORAGE = 0x80, COPY_SRC = 0x04, COPY_DST = 0x08, MAP_READ = 0x01;

const UNARY_WGSL: Record<UnaryOp, string> = {
  neg: '-x',
  exp: 'exp(x)',
  log: 'log(x)',
  sqrt: 'sqrt(x)',
  square: 'x * x',
  silu: 'x / (1.0 + exp(-x))',
  softplus: 'select(select(log(1.0 + exp(x)), exp(x), x < -20.0), x, x > 20.0)',
  sigmoid: 'select(exp(x) / (1.0 + exp(x)), 1.0 / (1.0 + exp(-x)), x >= 0.0)',
  relu: 'max(x, 0.0)',
  abs: 'abs(x)',
  sign: 'sign(x)',
  recip: '1.0 / x',
};
const COMPARE: Partial<Record<BinaryOp, string>> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };
const ARITH: Partial<Record<BinaryOp, string>> = { add: 'x + y', sub: 'x - y', mul: 'x * y', div: 'x / y', max: 'max(x, y)', min: 'min(x, y)' };

const wgslDir = new URL('../../../wgsl/', import.meta.url);
const sources = new Map<string, string>();
function source(name: string): string {
  let s = sources.get(name);
  if (!s) {
    s = readFileSync(new URL(`${name}.wgsl`, wgslDir), 'utf8');
    sources.set(name, s);
  }
  return s;
}

const f32bits = (v: number): number => new Uint32Array(new Float32Array([v]).buffer)[0];

/** Pads a shape (and its strides) to 6 axes, leading ones. */
function pad6(values: readonly number[], fill: number): number[] {
  if (values.length > 6) throw new Error(`WebGPU backend: tensors of rank ${values.length} are not supported (at most 6 axes)`);
  return [...new Array<number>(6 - values.length).fill(fill), ...values];
}

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  private readonly device: GPUDeviceT;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly pool = new Map<number, GPUBufferT[]>();
  private readonly registry = new FinalizationRegistry<GPUBufferT>((b) => this.release(b));
  private encoder: GPUCommandEncoder | null = null;
  private pending = 0;
  private lost: string | null = null;

  /**
   * Outputs per matmul invocation (rows × columns; columns a multiple of 4), compiled into the
   * kernel. On lavapipe, where an invocation is a lane of a CPU SIMD loop, big blocks reuse
   * each loaded value most: 12 × 8 ran a 7344×144×32 product at 16 GFLOP/s against 11 for
   * 4 × 8 and 1.1 for the former 16×16 shared-memory tiles. A hardware GPU needs many more
   * invocations in flight, so it gets 4 × 4.
   */
  matmulBlock: { rows: number; cols: number };

  constructor(readonly gpu: { device: GPUDeviceT; info: AdapterDescription; gpu: unknown }) {
    this.device = gpu.device;
    this.matmulBlock = gpu.info.isSoftware ? { rows: 12, cols: 8 } : { rows: 4, cols: 4 };
    this.device.lost.then((info) => { this.lost = info.message || 'device lost'; }).catch(() => undefined);
  }

  /** The adapter that runs this backend (recorded with every result). */
  get adapter(): AdapterDescription {
    return this.gpu.info;
  }

  // ---- buffers ------------------------------------------------------------------------

  private checkAlive(): void {
    if (this.lost) throw new Error(`WebGPU device was lost (${this.lost}); results computed after this point are invalid — restart the process`);
  }

  private alloc(bytes: number): Storage {
    this.checkAlive();
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const limit = this.device.limits.maxStorageBufferBindingSize;
    if (size > limit) throw new Error(`WebGPU: a tensor of ${bytes} bytes exceeds the adapter's storage buffer limit of ${limit} bytes; use smaller batches or the CPU backend`);
    const buffer = this.pool.get(size)?.pop() ?? this.device.createBuffer({ size, usage: STORAGE | COPY_SRC | COPY_DST });
    return { buffer, bytes };
  }
  private release(buffer: GPUBufferT): void {
    const size = buffer.size;
    let list = this.pool.get(size);
    if (!list) { list = []; this.pool.set(size, list); }
    if (list.length < 64) list.push(buffer);
    else buffer.destroy();
  }
  private make(shape: Shape, dtype: DType, st: Storage): Tensor {
    const t = new Tensor([...shape], dtype, this, st);
    this.registry.register(st, st.buffer);
    return t;
  }
  private buf(x: Tensor): GPUBufferT {
    if (x.backend !== this) throw new Error(`WebGPU backend got a tensor of the ${x.backend.name} backend; move it with toBackend()`);
    return (x.storage as Storage).buffer;
  }
  private newTensor(shape: Shape, dtype: DType): Tensor {
    return this.make(shape, dtype, this.alloc(sizeOf(shape) * 4));
  }

  /** Submits recorded work. */
  flush(): void {
    if (this.encoder) {
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
      this.pending = 0;
    }
  }

  // ---- dispatch -----------------------------------------------------------------------

  private pipeline(key: string, code: string, entryPoint = 'main'): GPUComputePipeline {
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint } });
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** Records one dispatch: meta words, bound buffers (meta first), workgroup counts. */
  private dispatch(pipe: GPUComputePipeline, meta: readonly number[], buffers: GPUBufferT[], groups: [number, number, number]): void {
    this.checkAlive();
    const metaBuf = this.device.createBuffer({ size: Math.max(16, Math.ceil(meta.length / 4) * 16), usage: STORAGE, mappedAtCreation: true });
    new Uint32Array(metaBuf.getMappedRange()).set(meta.map((v) => v >>> 0));
    metaBuf.unmap();
    const entries = [metaBuf, ...buffers].map((b, i) => ({ binding: i, resource: { buffer: b } }));
    const bind = this.device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries });
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    const pass = this.encoder.beginComputePass();
    pass.setPipeline(pipe);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    pass.end();
    if (++this.pending >= 64) this.flush();
  }

  /** Workgroup grid for n invocations of 64 in 1-D (folded into 2-D past 65535 groups); returns [row, groups]. */
  private grid(n: number): [number, [number, number, number]] {
    const groups = Math.max(1, Math.ceil(n / 64));
    const gx = Math.min(groups, 65535);
    const gy = Math.ceil(groups / gx);
    return [gx * 64, [gx, gy, 1]];
  }

  private elementwise(key: string, code: string, n: number, extra: readonly number[], buffers: GPUBufferT[], entryPoint = 'main'): void {
    const [row, groups] = this.grid(n);
    this.dispatch(this.pipeline(key, code, entryPoint), [row, n, ...extra], buffers, groups);
  }

  // ---- Backend ------------------------------------------------------------------------

  fromArray(data: AnyTypedArray, shape: Shape, dtype: DType): Tensor {
    const n = sizeOf(shape);
    const arr = allocArray(dtype, n);
    arr.set(data.subarray(0, n));
    const t = this.newTensor(shape, dtype);
    this.flush(); // queue writes land before already-recorded work otherwise
    if (n > 0) this.device.queue.writeBuffer(this.buf(t), 0, arr.buffer, arr.byteOffset, arr.byteLength);
    if (dtype === 'int32' && n <= 1 << 24) this.hostIndex.set(t, arr as Int32Array);
    return t;
  }
  /** Host copies of int32 tensors uploaded from the host (index tensors), for CSR scatter-add. */
  private readonly hostIndex = new WeakMap<Tensor, Int32Array>();
  private readonly csrCache = new WeakMap<Tensor, { n: number; order: Tensor; start: Tensor }>();
  /** Destination-sorted entry lists of an index tensor known on the host (counting sort, ascending j). */
  private csrOf(idx: Tensor, n: number): { order: Tensor; start: Tensor } | null {
    const hit = this.csrCache.get(idx);
    if (hit && hit.n === n) return hit;
    const host = this.hostIndex.get(idx);
    if (!host) return null;
    const start = new Int32Array(n + 1);
    for (let j = 0; j < host.length; j++) { const r = host[j]; if (r < 0 || r >= n) return null; start[r + 1]++; }
    for (let r = 0; r < n; r++) start[r + 1] += start[r];
    const fillPos = start.slice(0, n);
    const order = new Int32Array(host.length);
    for (let j = 0; j < host.length; j++) order[fillPos[host[j]]++] = j;
    const entry = { n, order: this.fromArray(order, [order.length], 'int32'), start: this.fromArray(start, [n + 1], 'int32') };
    this.csrCache.set(idx, entry);
    return entry;
  }
  fill(shape: Shape, value: number, dtype: DType): Tensor {
    const arr = allocArray(dtype, sizeOf(shape));
    if (value !== 0) arr.fill(value);
    return this.fromArray(arr, shape, dtype);
  }
  async read(x: Tensor): Promise<AnyTypedArray> {
    const bytes = x.size * 4;
    const out = allocArray(x.dtype, x.size);
    if (bytes === 0) return out;
    const staging = this.device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: MAP_READ | COPY_DST });
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    this.encoder.copyBufferToBuffer(this.buf(x), 0, staging, 0, Math.ceil(bytes / 4) * 4);
    this.flush();
    if (this.adapter.isSoftware) await gentleWait(() => staging.mapAsync(MAP_READ));
    else await staging.mapAsync(MAP_READ);
    this.checkAlive();
    const view = staging.getMappedRange();
    if (x.dtype === 'float32') (out as Float32Array).set(new Float32Array(view, 0, x.size));
    else (out as Int32Array).set(new Int32Array(view, 0, x.size));
    staging.unmap();
    staging.destroy();
    return out;
  }
  readSync(x: Tensor): AnyTypedArray {
    throw new Error(`${x}: WebGPU tensors cannot be read synchronously; use await tensor.read() or itemAsync()`);
  }
  dispose(_x: Tensor): void { /* buffers return to the pool when their tensors are collected */ }

  unary(op: UnaryOp, x: Tensor): Tensor {
    const out = this.newTensor(x.shape, 'float32');
    this.elementwise(`unary:${op}`, source('unary').replaceAll('OP_EXPR', UNARY_WGSL[op]), x.size, [], [this.buf(x), this.buf(out)]);
    return out;
  }

  binary(op: BinaryOp, a: Tensor, b: Tensor, outShape: Shape, aStrides: readonly number[], bStrides: readonly number[]): Tensor {
    const bothInt = a.dtype === 'int32' && b.dtype === 'int32';
    const cmp = COMPARE[op];
    const outType: DType = cmp || !bothInt || op === 'div' ? 'float32' : 'int32';
    let x = a, y = b;
    if (!bothInt || op === 'div') { x = this.cast(a, 'float32'); y = this.cast(b, 'float32'); }
    const inT = x.dtype === 'int32' ? 'i32' : 'f32';
    const expr = cmp ? `select(0.0, 1.0, x ${cmp} y)` : ARITH[op]!;
    const code = source('binary').replace(/\bIN\b/g, inT).replace(/\bOUT\b/g, outType === 'int32' ? 'i32' : 'f32').replaceAll('OP_EXPR', expr);
    const out = this.newTensor(outShape, outType);
    const meta = [...pad6(outShape, 1), ...pad6(aStrides, 0), ...pad6(bStrides, 0)];
    this.elementwise(`binary:${op}:${inT}`, code, out.size, meta, [this.buf(x), this.buf(y), this.buf(out)]);
    return out;
  }

  where(cond: Tensor, a: Tensor, b: Tensor, outShape: Shape, cS: readonly number[], aS: readonly number[], bS: readonly number[]): Tensor {
    const c = this.cast(cond, 'float32'), x = this.cast(a, 'float32'), y = this.cast(b, 'float32');
    const out = this.newTensor(outShape, 'float32');
    const meta = [...pad6(outShape, 1), ...pad6(cS, 0), ...pad6(aS, 0), ...pad6(bS, 0)];
    this.elementwise('where', source('where'), out.size, meta, [this.buf(c), this.buf(x), this.buf(y), this.buf(out)]);
    return out;
  }

  cast(x: Tensor, dtype: DType): Tensor {
    if (x.dtype === dtype) return x;
    const inT = x.dtype === 'int32' ? 'i32' : 'f32', outT = dtype === 'int32' ? 'i32' : 'f32';
    const out = this.newTensor(x.shape, dtype);
    this.elementwise(`cast:${inT}:${outT}`, source('cast').replace(/\bIN\b/g, inT).replace(/\bOUT\b/g, outT), x.size, [], [this.buf(x), this.buf(out)]);
    return out;
  }

  reduce(op: ReduceOp, x: Tensor, outer: number, n: number, inner: number, outShape: Shape): Tensor {
    const T = x.dtype === 'int32' ? 'i32' : 'f32';
    const body = op === 'sum'
      ? (T === 'f32'
        ? 'var s = 0.0; var comp = 0.0;\n  for (var j = 0u; j < n; j++) { let yv = src[p] - comp; let tv = s + yv; comp = (tv - s) - yv; s = tv; p += inner; }\n  out[i] = s;'
        : 'var s = 0; for (var j = 0u; j < n; j++) { s += src[p]; p += inner; }\n  out[i] = s;')
      : (T === 'f32'
        // NaN test on the bits: shader compilers may fold v != v to false
        ? 'var m = src[p]; for (var j = 0u; j < n; j++) { let v = src[p]; if ((bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u) { m = v; break; } m = max(m, v); p += inner; }\n  out[i] = m;'
        : 'var m = src[p]; for (var j = 0u; j < n; j++) { m = max(m, src[p]); p += inner; }\n  out[i] = m;');
    const code = source('reduce').replace(/\bT\b/g, T).replaceAll('REDUCE_BODY', body);
    // Few outputs over a long axis: reduce chunks of 256 in parallel, then reduce the chunks
    // (one invocation looping over 10^5 values serially is slow on any GPU).
    if (n > 1024 && outer * inner < 16384) {
      const len = 256, chunks = Math.ceil(n / len);
      const part = this.newTensor([outer, chunks, inner], x.dtype);
      this.elementwise(`reduce:${op}:${T}`, code, outer * chunks * inner, [n, inner, len, chunks], [this.buf(x), this.buf(part)]);
      return this.reduce(op, part, outer, chunks, inner, outShape);
    }
    const out = this.newTensor(outShape, x.dtype);
    this.elementwise(`reduce:${op}:${T}`, code, outer * inner, [n, inner, n, 1], [this.buf(x), this.buf(out)]);
    return out;
  }

  stridedCopy(x: Tensor, shape: Shape, offset: number, strides: readonly number[]): Tensor {
    const out = this.newTensor(shape, x.dtype);
    if (out.size > 0) this.elementwise('gather_view', source('strided'), out.size, [offset, ...pad6(shape, 1), ...pad6(strides, 0)], [this.buf(x), this.buf(out)], 'gather_view');
    return out;
  }

  assignRegion(dst: Tensor, src: Tensor, offset: number, strides: readonly number[]): Tensor {
    const out = this.newTensor(dst.shape, dst.dtype);
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (dst.size > 0) this.encoder.copyBufferToBuffer(this.buf(dst), 0, this.buf(out), 0, Math.ceil(dst.size * 4 / 4) * 4);
    if (src.size > 0) this.elementwise('scatter_view', source('strided'), src.size, [offset, ...pad6(src.shape, 1), ...pad6(strides, 0)], [this.buf(src), this.buf(out)], 'scatter_view');
    return out;
  }

  matmul(a: Tensor, b: Tensor, batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number): Tensor {
    const out = this.newTensor([batch, m, n], 'float32');
    const ars = transA ? 1 : k, acs = transA ? m : 1;
    const brs = transB ? 1 : n, bcs = transB ? k : 1;
    if (batch * m * n === 0) return out;
    if (batch > 65535) throw new Error(`WebGPU matmul: batch ${batch} exceeds 65535; split it`);
    const { rows: tm, cols: tn } = this.matmulBlock;
    if (!(Number.isInteger(tm) && tm >= 1 && Number.isInteger(tn) && tn >= 4 && tn % 4 === 0)) {
      throw new Error(`WebGPU matmul: matmulBlock must be whole rows >= 1 and columns a multiple of 4, got ${tm} x ${tn}`);
    }
    const colBlocks = Math.ceil(n / tn), blocks = Math.ceil(m / tm) * colBlocks;
    if (Math.ceil(blocks / 64) > 65535) throw new Error(`WebGPU matmul: ${m}x${n} outputs need ${Math.ceil(blocks / 64)} workgroups (limit 65535); split it`);
    const code = source('matmul').replaceAll('TMVu', `${(tm * tn) / 4}u`).replaceAll('TMV', `${(tm * tn) / 4}`)
      .replaceAll('TNVu', `${tn / 4}u`).replaceAll('TNV', `${tn / 4}`)
      .replaceAll('TMu', `${tm}u`).replaceAll('TM', `${tm}`).replaceAll('TNu', `${tn}u`).replaceAll('TN', `${tn}`);
    this.dispatch(this.pipeline(`matmul:${tm}:${tn}`, code), [m, n, k, aBatchStride, ars, acs, bBatchStride, brs, bcs, batch, colBlocks, blocks],
      [this.buf(a), this.buf(b), this.buf(out)], [Math.ceil(blocks / 64), 1, batch]);
    return out;
  }

  private convMeta(g: ConvGeometry): number[] {
    return [g.n, g.cin, g.h, g.w, g.cout, g.kh, g.kw, g.stride, g.padTop, g.padLeft, g.outH, g.outW];
  }
  conv2d(x: Tensor, w: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
    const out = this.newTensor([g.n, g.cout, g.outH, g.outW], 'float32');
    const b = bias ?? this.fill([1], 0, 'float32');
    const blocks = Math.ceil(g.cout / 4);
    if (4 * g.cin * g.kh * g.kw > 4096) {
      throw new Error(`WebGPU conv2d: ${g.cin} input channels with a ${g.kh}x${g.kw} kernel exceed the kernel's 1024 staged weights per output channel; use the CPU backend for this layer`);
    }
    // kernel shape, stride and block width as constants: the tap loops unroll. Each row is cut
    // into the fewest blocks of at most 12 columns, as equal as possible: wider blocks reuse each
    // loaded input more often (on lavapipe 12 columns ran shape B 1.6x faster than 4, and shape
    // A 1.25x faster than 8), while 17 and more ran slower again.
    const px = Math.ceil(g.outW / Math.ceil(g.outW / 12));
    const seg = (px - 1) * g.stride + g.kw;
    const items = Math.ceil((g.n * Math.ceil(g.outW / px) * g.outH) / 64);
    if (items > 65535 || blocks > 65535) throw new Error(`WebGPU conv2d: batch ${g.n} of ${g.outH}x${g.outW} outputs needs ${items} workgroups (limit 65535); split the batch`);
    const code = source('conv2d').replaceAll('KHu', `${g.kh}u`).replaceAll('KWu', `${g.kw}u`).replaceAll('STRIDE', `${g.stride}`)
      .replaceAll('SEGu', `${seg}u`).replaceAll('SEG', `${seg}`).replaceAll('PXu', `${px}u`).replaceAll('PX', `${px}`);
    this.dispatch(this.pipeline(`conv2d:${g.kh}:${g.kw}:${g.stride}:${px}`, code), [...this.convMeta(g), bias ? 1 : 0, blocks],
      [this.buf(x), this.buf(w), this.buf(b), this.buf(out)], [items, 1, blocks]);
    return out;
  }
  conv2dInputGrad(dy: Tensor, w: Tensor, g: ConvGeometry): Tensor {
    const padBottom = (g.outH - 1) * g.stride + g.kh - g.h - g.padTop;
    const padRight = (g.outW - 1) * g.stride + g.kw - g.w - g.padLeft;
    if (g.stride === 1 && g.padTop < g.kh && g.padLeft < g.kw && padBottom >= 0 && padBottom < g.kh && padRight >= 0 && padRight < g.kw
      && 4 * g.cout * g.kh * g.kw <= 4096) {
      // Stride 1: a full correlation of dy with the flipped, channel-swapped kernel (the forward kernel).
      const wt = this.newTensor([g.cin, g.cout, g.kh, g.kw], 'float32');
      this.elementwise('conv_flip', source('conv_flip'), wt.size, [g.cout, g.cin, g.kh, g.kw], [this.buf(w), this.buf(wt)]);
      return this.conv2d(dy, wt, null, {
        n: g.n, cin: g.cout, h: g.outH, w: g.outW, cout: g.cin, kh: g.kh, kw: g.kw, stride: 1,
        padTop: g.kh - 1 - g.padTop, padLeft: g.kw - 1 - g.padLeft, outH: g.h, outW: g.w,
      });
    }
    const out = this.newTensor([g.n, g.cin, g.h, g.w], 'float32');
    this.elementwise('conv2d_input_grad', source('conv2d_input_grad'), out.size, this.convMeta(g), [this.buf(dy), this.buf(w), this.buf(out)]);
    return out;
  }
  conv2dWeightGrad(x: Tensor, dy: Tensor, g: ConvGeometry): Tensor {
    const total = g.cout * g.cin * g.kh * g.kw;
    const rowsAll = g.n * g.outH;
    if (g.kh * g.kw <= 25 && rowsAll >= 8) {
      // items = (4 output channels, 1 input channel, a chunk of rows), about 1024 of them, each
      // with 4 × kh·kw accumulators in registers; then one sum over the chunks
      const coBlocks = Math.ceil(g.cout / 4);
      const pairs = coBlocks * g.cin;
      const want = Math.max(1, Math.min(rowsAll, Math.ceil(1024 / pairs)));
      const rows = Math.ceil(rowsAll / want);
      const chunks = Math.ceil(rowsAll / rows);
      const part = this.newTensor([chunks, total], 'float32');
      const wgs = Math.ceil((chunks * pairs) / 64);
      const gx = Math.min(wgs, 65535), gy = Math.ceil(wgs / gx);
      const code = source('conv2d_weight_grad_block').replaceAll('KHu', `${g.kh}u`).replaceAll('KWu', `${g.kw}u`)
        .replaceAll('STRIDE', `${g.stride}`).replaceAll('TAPS', `${g.kh * g.kw}`);
      this.dispatch(this.pipeline(`conv2d_weight_grad_block:${g.kh}:${g.kw}:${g.stride}`, code), [gx * 64, total, ...this.convMeta(g), rows, chunks, coBlocks],
        [this.buf(x), this.buf(dy), this.buf(part)], [gx, gy, 1]);
      return this.reduce('sum', part, 1, chunks, total, [g.cout, g.cin, g.kh, g.kw]);
    }
    const out = this.newTensor([g.cout, g.cin, g.kh, g.kw], 'float32');
    const gx = Math.min(total, 65535), gy = Math.ceil(total / gx);
    this.dispatch(this.pipeline('conv2d_weight_grad', source('conv2d_weight_grad')), [0, total, ...this.convMeta(g)],
      [this.buf(x), this.buf(dy), this.buf(out)], [gx, gy, 1]);
    return out;
  }

  maxPool2d(x: Tensor, k: number, outH: number, outW: number): { out: Tensor; argmax: Tensor } {
    const [n, c, h, w] = x.shape;
    const out = this.newTensor([n, c, outH, outW], 'float32');
    const argmax = this.newTensor([n, c, outH, outW], 'int32');
    this.elementwise('maxpool', source('maxpool'), out.size, [h, w, k, outH, outW], [this.buf(x), this.buf(out), this.buf(argmax)]);
    return { out, argmax };
  }
  maxPool2dBackward(dy: Tensor, argmax: Tensor, xShape: Shape): Tensor {
    const out = this.fill(xShape, 0, 'float32');
    this.elementwise('maxpool_backward', source('maxpool_backward'), dy.size, [], [this.buf(dy), this.buf(argmax), this.buf(out)]);
    return out;
  }

  gather(x: Tensor, idx: Tensor, outer: number, n: number, inner: number, outShape: Shape): Tensor {
    const out = this.newTensor(outShape, x.dtype);
    if (out.size > 0) this.elementwise('gather', source('gather'), out.size, [n, inner, idx.size], [this.buf(x), this.buf(idx), this.buf(out)]);
    return out;
  }
  scatterAdd(src: Tensor, idx: Tensor, outer: number, n: number, inner: number, outShape: Shape): Tensor {
    const s = this.cast(src, 'float32');
    const out = this.newTensor(outShape, 'float32');
    const csr = idx.size > 0 ? this.csrOf(idx, n) : null;
    if (csr) this.elementwise('scatter_add_csr', source('scatter_add_csr'), out.size, [n, inner, idx.size], [this.buf(s), this.buf(csr.order), this.buf(csr.start), this.buf(out)]);
    else this.elementwise('scatter_add', source('scatter_add'), out.size, [n, inner, idx.size], [this.buf(s), this.buf(idx), this.buf(out)]);
    return src.dtype === 'int32' ? this.cast(out, 'int32') : out;
  }
  oneHot(idx: Tensor, depth: number): Tensor {
    const out = this.newTensor([...idx.shape, depth], 'float32');
    this.elementwise('one_hot', source('one_hot'), out.size, [depth], [this.buf(idx), this.buf(out)]);
    return out;
  }

  adam(p: Tensor, g: Tensor, m: Tensor, v: Tensor, h: AdamHyper): { p: Tensor; m: Tensor; v: Tensor } {
    const np = this.newTensor(p.shape, 'float32'), nm = this.newTensor(p.shape, 'float32'), nv = this.newTensor(p.shape, 'float32');
    const bc1 = 1 - Math.pow(h.beta1, h.step), bc2 = 1 - Math.pow(h.beta2, h.step);
    const meta = [h.lr, h.beta1, h.beta2, h.eps, bc1, bc2, 1 - h.lr * h.weightDecay].map(f32bits);
    this.elementwise('adam', source('adam'), p.size, meta, [this.buf(p), this.buf(g), this.buf(m), this.buf(v), this.buf(np), this.buf(nm), this.buf(nv)]);
    return { p: np, m: nm, v: nv };
  }
}

let shared: Promise<WebGpuBackend> | null = null;

/** The process-wide WebGPU backend; a clear error when no adapter is available. */
export function webgpuBackend(): Promise<WebGpuBackend> {
  shared ??= (async () => {
    const gpu = await getGpu();
    if (!gpu) throw new Error(`WebGPU: no adapter found; ${WEBGPU_HINT}, or use --device cpu`);
    return new WebGpuBackend(gpu as never);
  })();
  return shared;
}

