/**
 * Neural Hamiltonians (SPEC 4): the permutation-equivariant Neural Hamiltonian (NH), the
 * CNN baseline and the 1-NH-layer + CNN baseline, as autodiff functions of their
 * parameters over a batch of CPM states. They run on whichever backend holds their
 * parameters (CPU or WebGPU).
 *
 * Input encoding: for every id c = 0..N a per-cell input of 1 + T channels (its own mask,
 * then the one-hot of the global type map). The strided linear embedding (kernel = stride
 * = e) of that one-hot input is computed by gathering weight rows: the own-mask part is a
 * scatter-add of W[:, 0, dy, dx] into the cell found at each site, the type part a sum of
 * W[:, 1 + τ(site), dy, dx]; the (N+1)×(1+T)×H×W one-hot tensor is never built.
 * `energyOneHot` evaluates the same networks on a relaxed id one-hot X (dense path), which
 * is what Gibbs-with-Gradients differentiates.
 */
import * as ops from '../autodiff/ops.js';
import { Conv2d, Linear, prefixParams, residualConvBlock, residualDense, subParams, type Module } from '../autodiff/nn.js';
import type { Params } from '../autodiff/tape.js';
import type { Backend } from '../engine/backend.js';
import { cpu } from '../engine/cpu/backend.js';
import { split, type Key } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';
import type { Configuration } from './state.js';

/** Shape facts of a batch of states that every network needs. */
export interface BatchInfo {
  batch: number;
  height: number;
  width: number;
  /** Ids per state, N + 1 (medium included). */
  ids: number;
}

/** Checks that a batch is non-empty, of one lattice size and one number of ids, with types < T. */
export function batchInfo(configs: readonly Configuration[], types: number, what: string): BatchInfo {
  if (configs.length === 0) throw new Error(`${what}: empty batch`);
  const { height, width } = configs[0];
  const n = configs[0].types.length;
  configs.forEach((c, b) => {
    if (c.height !== height || c.width !== width) throw new Error(`${what}: state ${b} is ${c.height}x${c.width} but state 0 is ${height}x${width}; batch states of one lattice size`);
    if (c.types.length !== n) throw new Error(`${what}: state ${b} has ${c.types.length - 1} cells but state 0 has ${n - 1}; batch states with the same number of cells`);
    for (let i = 0; i < c.types.length; i++) if (c.types[i] >= types || c.types[i] < 0) throw new Error(`${what}: state ${b} has cell type ${c.types[i]} but the model knows ${types} types (medium + ${types - 1})`);
  });
  return { batch: configs.length, height, width, ids: n };
}

// ---- the strided one-hot embedding ---------------------------------------------------

/** Index tensors of the gather embedding for one batch and one embedding size e. */
export interface EmbeddingIndex {
  info: BatchInfo;
  e: number;
  h: number;
  w: number;
  /** Row (offset o = dy·e + dx) of W_t for every (state, pixel, offset): [B·h·w·e²]. */
  ownRows: Tensor;
  /** Destination (state, cell, pixel) of every (state, pixel, offset): [B·h·w·e²]. */
  ownDest: Tensor;
  /** Row ((1 + τ)·e² + o) of W_t for every (state, pixel, offset): [B·h·w·e²]. */
  typeRows: Tensor;
}

export function embeddingIndex(configs: readonly Configuration[], info: BatchInfo, e: number, backend: Backend): EmbeddingIndex {
  const { batch: B, height: H, width: W, ids: n } = info;
  const h = Math.floor(H / e), w = Math.floor(W / e);
  if (h < 1 || w < 1) throw new Error(`embedding: the lattice ${H}x${W} is smaller than the embedding kernel ${e}`);
  const e2 = e * e, m = B * h * w * e2;
  const ownRows = new Int32Array(m), ownDest = new Int32Array(m), typeRows = new Int32Array(m);
  let q = 0;
  for (let b = 0; b < B; b++) {
    const { ids, types } = configs[b];
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const pix = i * w + j;
        for (let dy = 0; dy < e; dy++) {
          const row = (i * e + dy) * W + j * e;
          for (let dx = 0; dx < e; dx++, q++) {
            const c = ids[row + dx];
            const o = dy * e + dx;
            ownRows[q] = o;
            ownDest[q] = (b * n + c) * h * w + pix;
            typeRows[q] = (1 + types[c]) * e2 + o;
          }
        }
      }
    }
  }
  return {
    info, e, h, w,
    ownRows: ops.tensor(ownRows, [m], 'int32', backend),
    ownDest: ops.tensor(ownDest, [m], 'int32', backend),
    typeRows: ops.tensor(typeRows, [m], 'int32', backend),
  };
}

/** Per-cell embedding [B·(N+1), K, h, w] of weight [K, 1+T, e, e] and bias [K], by gathering. */
export function embedCells(weight: Tensor, bias: Tensor, idx: EmbeddingIndex): Tensor {
  const [K, C, e] = weight.shape;
  const { batch: B, ids: n } = idx.info;
  const { h, w } = idx;
  const e2 = e * e;
  const wt = ops.reshape(ops.permute(weight, [1, 2, 3, 0]), [C * e2, K]);
  const own = ops.scatterAdd(ops.gather(wt, idx.ownRows, 0), idx.ownDest, 0, B * n * h * w); // [B·n·h·w, K]
  const typ = ops.sum(ops.reshape(ops.gather(wt, idx.typeRows, 0), [B * h * w, e2, K]), 1); // [B·h·w, K]
  const sum = ops.add(ops.add(ops.reshape(own, [B, n, h * w, K]), ops.reshape(typ, [B, 1, h * w, K])), bias);
  return ops.reshape(ops.permute(sum, [0, 1, 3, 2]), [B * n, K, h, w]);
}

/** The same embedding from a (relaxed) id one-hot X [B, N+1, H, W] and id→type one-hot A [B, T, N+1] (dense path). */
export function embedCellsDense(weight: Tensor, bias: Tensor, X: Tensor, A: Tensor): Tensor {
  const [K, C, e] = weight.shape;
  const [B, n, H, W] = X.shape;
  const T = C - 1;
  const own = ops.conv2d(ops.reshape(X, [B * n, 1, H, W]), ops.slice(weight, [0, 0, 0, 0], [K, 1, e, e]), null, { stride: e });
  const typeMap = ops.reshape(ops.matmul(A, ops.reshape(X, [B, n, H * W])), [B, T, H, W]);
  const typ = ops.conv2d(typeMap, ops.slice(weight, [0, 1, 0, 0], [K, C, e, e]), bias, { stride: e });
  const [, , h, w] = typ.shape;
  return ops.reshape(ops.add(ops.reshape(own, [B, n, K, h, w]), ops.reshape(typ, [B, 1, K, h, w])), [B * n, K, h, w]);
}

/** One-hot X [B, N+1, H, W] of the ids and A [B, T, N+1] of the id types. */
export function oneHotInputs(configs: readonly Configuration[], info: BatchInfo, types: number, backend: Backend = cpu): { X: Tensor; A: Tensor } {
  const { batch: B, height: H, width: W, ids: n } = info;
  const hw = H * W;
  const x = new Float32Array(B * n * hw), a = new Float32Array(B * types * n);
  configs.forEach((c, b) => {
    for (let i = 0; i < hw; i++) x[(b * n + c.ids[i]) * hw + i] = 1;
    for (let id = 0; id < n; id++) a[(b * types + c.types[id]) * n + id] = 1;
  });
  return { X: ops.tensor(x, [B, n, H, W], 'float32', backend), A: ops.tensor(a, [B, types, n], 'float32', backend) };
}

// ---- building blocks -------------------------------------------------------------------

const conv = (p: Params, name: string, x: Tensor, same: boolean): Tensor => {
  const w = p[`${name}.weight`];
  if (!w) throw new Error(`neural Hamiltonian: missing parameter '${name}.weight'`);
  return ops.conv2d(x, w, p[`${name}.bias`] ?? null, { padding: same ? 'same' : 'valid' });
};

/** Parameters of a k×k convolution under `name`. */
function convParams(key: Key, name: string, cin: number, cout: number, k: number, backend: Backend): Params {
  return prefixParams(new Conv2d(cin, cout, k).init(key, backend), name);
}

/** One NH layer (SPEC 4): c_in → c_out with edge width E = c_out and max-pool rate `pool`. */
export class NhLayer {
  constructor(readonly cin: number, readonly cout: number, readonly pool: number) {}
  get edge(): number { return this.cout; }
  init(key: Key, backend: Backend): Params {
    const E = this.edge;
    const k = split(key, 7);
    return {
      ...convParams(k[0], 'z', this.cin, E, 1, backend),
      ...convParams(k[1], 'phi0', E, E, 3, backend),
      ...convParams(k[2], 'phi1', E, E, 3, backend),
      ...convParams(k[3], 'agg', E, E, 1, backend),
      ...convParams(k[4], 'psi0', this.cin + E, this.cout, 3, backend),
      ...convParams(k[5], 'psi1', this.cout, this.cout, 3, backend),
      ...(this.cin !== this.cout ? convParams(k[6], 'res', this.cin, this.cout, 1, backend) : {}),
    };
  }
  /** Σ_c φ(z_c) per state: [B, E, h, w], from per-cell inputs h [B·n, c_in, h, w]. */
  messageSum(p: Params, x: Tensor, B: number): Tensor {
    const [, , hh, ww] = x.shape;
    const n = x.shape[0] / B;
    const z = conv(p, 'z', x, false);
    const f = ops.silu(conv(p, 'phi1', ops.silu(conv(p, 'phi0', z, true)), true));
    return ops.sum(ops.reshape(f, [B, n, this.edge, hh, ww]), 1);
  }
  /**
   * The layer's output before pooling, from the inputs and the message sum. ψ's first
   * convolution of [h_c ; A] is split by input channels: the h_c part per cell, the A part
   * (the same for every cell) once per state and broadcast over the cells.
   */
  update(p: Params, x: Tensor, S: Tensor, B: number): Tensor {
    const [, , hh, ww] = x.shape;
    const n = x.shape[0] / B, E = this.edge, co = this.cout, ci = this.cin;
    const A = conv(p, 'agg', S, false);
    const w0 = p['psi0.weight'];
    if (!w0) throw new Error("neural Hamiltonian: missing parameter 'psi0.weight'");
    const perCell = ops.conv2d(x, ops.slice(w0, [0, 0, 0, 0], [co, ci, 3, 3]), null, { padding: 'same' });
    const shared = ops.conv2d(A, ops.slice(w0, [0, ci, 0, 0], [co, ci + E, 3, 3]), p['psi0.bias'] ?? null, { padding: 'same' });
    const pre = ops.reshape(ops.add(ops.reshape(perCell, [B, n, co, hh, ww]), ops.reshape(shared, [B, 1, co, hh, ww])), [B * n, co, hh, ww]);
    let o = conv(p, 'psi1', ops.silu(pre), true);
    o = ops.add(o, ci === co ? x : conv(p, 'res', x, false));
    return o;
  }
  apply(p: Params, x: Tensor, B: number): Tensor {
    return ops.maxPool2d(this.update(p, x, this.messageSum(p, x, B), B), this.pool);
  }
}

/** The readout MLP: two residual blocks x ← SiLU(Wx + b) + x, then Linear(width → 1). */
class ReadoutMlp {
  private readonly blocks: Module[];
  private readonly out: Linear;
  constructor(readonly width: number) {
    this.blocks = [residualDense(width), residualDense(width)];
    this.out = new Linear(width, 1);
  }
  init(key: Key, backend: Backend): Params {
    const k = split(key, 3);
    return { ...prefixParams(this.blocks[0].init(k[0], backend), 'r0'), ...prefixParams(this.blocks[1].init(k[1], backend), 'r1'), ...prefixParams(this.out.init(k[2], backend), 'out') };
  }
  apply(p: Params, x: Tensor): Tensor {
    let y = this.blocks[0].apply(subParams(p, 'r0'), x);
    y = this.blocks[1].apply(subParams(p, 'r1'), y);
    return ops.reshape(this.out.apply(subParams(p, 'out'), y), [x.shape[0]]);
  }
}

/** Σ over cells and pixels of a 1×1 convolution: W·(Σ x) + count·b (the same number, cheaper). */
function summedProjection(p: Params, name: string, x: Tensor, B: number): Tensor {
  const w = p[`${name}.weight`], b = p[`${name}.bias`];
  const [, c, hh, ww] = x.shape;
  const n = x.shape[0] / B;
  const s = ops.sum(ops.reshape(x, [B, n, c, hh * ww]), [1, 3]); // [B, c]
  const y = ops.matmul(s, ops.reshape(w, [w.shape[0], c]), false, true);
  return ops.add(y, ops.mul(b, n * hh * ww));
}

// ---- models ----------------------------------------------------------------------------

export interface NeuralHamiltonianConfig {
  /** Types including the medium's (T). */
  types: number;
  /** Embedding kernel = stride e. */
  embed: number;
  /** Node widths per NH layer. */
  widths: readonly number[];
  /** Max-pool rate per NH layer. */
  pooling: readonly number[];
  /** Readout width (32 in the paper). */
  readout?: number;
}

/** The paper's networks (SPEC 4, Configurations). */
export const NH_CONFIGS = {
  mnist: { embed: 3, widths: [8, 16, 32, 32], pooling: [3, 2, 1, 1] },
  bipolar: { embed: 5, widths: [16, 32, 32, 64, 64, 64], pooling: [2, 1, 2, 1, 2, 1] },
} as const;

/** A differentiable energy of a batch of states. */
export interface NeuralEnergy {
  readonly types: number;
  init(key: Key, backend?: Backend): Params;
  /** H of every state [B] (gather embedding). */
  energy(p: Params, configs: readonly Configuration[]): Tensor;
  /** H on a relaxed id one-hot X [B, N+1, H, W] with id types A [B, T, N+1]. */
  energyOneHot(p: Params, X: Tensor, A: Tensor): Tensor;
}

function checkWidths(what: string, widths: readonly number[], pooling: readonly number[]): void {
  if (widths.length === 0 || widths.length !== pooling.length) throw new Error(`${what}: widths (${widths.length}) and pooling (${pooling.length}) must be non-empty and of equal length`);
  for (const v of [...widths, ...pooling]) if (!Number.isInteger(v) || v < 1) throw new Error(`${what}: widths and pooling rates must be positive integers, got ${v}`);
}

function backendOf(p: Params): Backend {
  const first = Object.values(p)[0];
  return first ? first.backend : cpu;
}

/** The Neural Hamiltonian: embedding, NH layers, readout (SPEC 4). */
export class NeuralHamiltonian implements NeuralEnergy {
  readonly types: number;
  readonly embed: number;
  readonly layers: NhLayer[];
  readonly readoutWidth: number;
  private readonly mlp: ReadoutMlp;
  constructor(readonly config: NeuralHamiltonianConfig) {
    checkWidths('NeuralHamiltonian', config.widths, config.pooling);
    if (!Number.isInteger(config.types) || config.types < 2) throw new Error(`NeuralHamiltonian: types must be >= 2 (medium + cell types), got ${config.types}`);
    this.types = config.types;
    this.embed = config.embed;
    this.readoutWidth = config.readout ?? 32;
    let cin = config.widths[0];
    this.layers = config.widths.map((c, i) => { const l = new NhLayer(cin, c, config.pooling[i]); cin = c; return l; });
    this.mlp = new ReadoutMlp(this.readoutWidth);
  }
  /** Total stride of the network: e·Π pooling (shift invariance holds for multiples of it). */
  get stride(): number { return this.embed * this.config.pooling.reduce((a, b) => a * b, 1); }
  init(key: Key, backend: Backend = cpu): Params {
    const k = split(key, this.layers.length + 3);
    const K = this.config.widths[0], C = 1 + this.types, e = this.embed;
    let p: Params = prefixParams(new Conv2d(C, K, e).init(k[0], backend), 'embed');
    this.layers.forEach((l, i) => { p = { ...p, ...prefixParams(l.init(k[i + 1], backend), `nh${i}`) }; });
    p = { ...p, ...convParams(k[this.layers.length + 1], 'proj', this.layers[this.layers.length - 1].cout, this.readoutWidth, 1, backend) };
    return { ...p, ...prefixParams(this.mlp.init(k[this.layers.length + 2], backend), 'mlp') };
  }
  /** Per-cell features after all NH layers, from the embedding [B·n, K, h, w]. */
  trunk(p: Params, x: Tensor, B: number, from = 0): Tensor {
    let y = x;
    for (let i = from; i < this.layers.length; i++) y = this.layers[i].apply(subParams(p, `nh${i}`), y, B);
    return y;
  }
  /** H from the per-cell features of the last layer. */
  head(p: Params, feats: Tensor, B: number): Tensor {
    return this.mlp.apply(subParams(p, 'mlp'), summedProjection(p, 'proj', feats, B));
  }
  embedding(p: Params, configs: readonly Configuration[], info: BatchInfo): Tensor {
    return embedCells(p['embed.weight'], p['embed.bias'], embeddingIndex(configs, info, this.embed, backendOf(p)));
  }
  energy(p: Params, configs: readonly Configuration[]): Tensor {
    const info = batchInfo(configs, this.types, 'NeuralHamiltonian');
    return this.head(p, this.trunk(p, this.embedding(p, configs, info), info.batch), info.batch);
  }
  energyOneHot(p: Params, X: Tensor, A: Tensor): Tensor {
    const B = X.shape[0];
    return this.head(p, this.trunk(p, embedCellsDense(p['embed.weight'], p['embed.bias'], X, A), B), B);
  }
}

/** Residual conv blocks with max-pooling after each, then Σ over pixels of a 1×1 conv and the MLP. */
class ConvTower {
  readonly blocks: Module[];
  constructor(readonly cin: number, readonly widths: readonly number[], readonly pooling: readonly number[], readonly projWidth: number) {
    let c = cin;
    this.blocks = widths.map((w) => { const b = residualConvBlock(c, w); c = w; return b; });
  }
  init(key: Key, backend: Backend): Params {
    const k = split(key, this.blocks.length + 2);
    let p: Params = {};
    this.blocks.forEach((b, i) => { p = { ...p, ...prefixParams(b.init(k[i], backend), `block${i}`) }; });
    return { ...p, ...convParams(k[this.blocks.length], 'proj', this.widths[this.widths.length - 1], this.projWidth, 1, backend) };
  }
  features(p: Params, x: Tensor): Tensor {
    let y = x;
    this.blocks.forEach((b, i) => { y = ops.maxPool2d(b.apply(subParams(p, `block${i}`), y), this.pooling[i]); });
    return summedProjection(p, 'proj', y, y.shape[0]);
  }
}

export interface CnnConfig {
  types: number;
  /** Ids per state N + 1 (the CNN's input has one channel per id). */
  ids: number;
  embed?: number;
  stem?: number;
  widths?: readonly number[];
  pooling?: readonly number[];
  proj?: number;
}

/**
 * The CNN baseline: input = concat(id one-hot, type one-hot), Conv k=s=3 → 16, residual
 * conv blocks, Conv1×1 → 64, Σ over pixels, the readout MLP. Not permutation invariant.
 */
export class CnnHamiltonian implements NeuralEnergy {
  readonly types: number;
  readonly ids: number;
  readonly embed: number;
  readonly stem: number;
  private readonly tower: ConvTower;
  private readonly mlp: ReadoutMlp;
  constructor(readonly config: CnnConfig) {
    this.types = config.types;
    this.ids = config.ids;
    this.embed = config.embed ?? 3;
    this.stem = config.stem ?? 16;
    const widths = config.widths ?? [16, 16, 32, 32, 64, 64, 128];
    const pooling = config.pooling ?? [1, 2, 1, 2, 1, 2, 1];
    checkWidths('CnnHamiltonian', widths, pooling);
    const proj = config.proj ?? 64;
    this.tower = new ConvTower(this.stem, widths, pooling, proj);
    this.mlp = new ReadoutMlp(proj);
  }
  init(key: Key, backend: Backend = cpu): Params {
    const k = split(key, 3);
    return {
      ...prefixParams(new Conv2d(this.ids + this.types, this.stem, this.embed).init(k[0], backend), 'stem'),
      ...this.tower.init(k[1], backend),
      ...prefixParams(this.mlp.init(k[2], backend), 'mlp'),
    };
  }
  private rest(p: Params, x: Tensor): Tensor {
    return this.mlp.apply(subParams(p, 'mlp'), this.tower.features(p, x));
  }
  energy(p: Params, configs: readonly Configuration[]): Tensor {
    const info = batchInfo(configs, this.types, 'CnnHamiltonian');
    if (info.ids !== this.ids) throw new Error(`CnnHamiltonian: built for ${this.ids - 1} cells but the states have ${info.ids - 1}`);
    // the stem on the one-hot input, by gathering: rows id·e² + o and (ids + τ)·e² + o
    const { batch: B, height: H, width: W } = info;
    const e = this.embed, e2 = e * e, h = Math.floor(H / e), w = Math.floor(W / e);
    const rows = new Int32Array(B * h * w * 2 * e2);
    let q = 0;
    for (const c of configs) {
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) {
        for (let dy = 0; dy < e; dy++) for (let dx = 0; dx < e; dx++) {
          const id = c.ids[(i * e + dy) * W + j * e + dx];
          rows[q++] = id * e2 + dy * e + dx;
          rows[q++] = (this.ids + c.types[id]) * e2 + dy * e + dx;
        }
      }
    }
    const weight = p['stem.weight'];
    const K = this.stem, C = this.ids + this.types;
    const wt = ops.reshape(ops.permute(weight, [1, 2, 3, 0]), [C * e2, K]);
    const g = ops.sum(ops.reshape(ops.gather(wt, ops.tensor(rows, [rows.length], 'int32', weight.backend), 0), [B, h * w, 2 * e2, K]), 2);
    const x = ops.reshape(ops.permute(ops.add(g, p['stem.bias']), [0, 2, 1]), [B, K, h, w]);
    return this.rest(p, x);
  }
  energyOneHot(p: Params, X: Tensor, A: Tensor): Tensor {
    const [B, n, H, W] = X.shape;
    const typeMap = ops.reshape(ops.matmul(A, ops.reshape(X, [B, n, H * W])), [B, this.types, H, W]);
    const x = ops.conv2d(ops.concat([X, typeMap], 1), p['stem.weight'], p['stem.bias'], { stride: this.embed });
    return this.rest(p, x);
  }
}

export interface OneNhCnnConfig {
  types: number;
  embed: number;
  /** The NH layer's width and pooling. */
  width: number;
  pool: number;
  /** Width of the per-cell 1×1 projection summed over cells (32). */
  cellProj?: number;
  widths: readonly number[];
  pooling: readonly number[];
  proj?: number;
}

/** 1 NH layer + CNN: embedding, the first NH layer, Conv1×1 → 32, Σ over cells, residual conv blocks, Σ over pixels, MLP. */
export class OneNhCnnHamiltonian implements NeuralEnergy {
  readonly types: number;
  readonly layer: NhLayer;
  readonly cellProj: number;
  private readonly tower: ConvTower;
  private readonly mlp: ReadoutMlp;
  constructor(readonly config: OneNhCnnConfig) {
    checkWidths('OneNhCnnHamiltonian', config.widths, config.pooling);
    this.types = config.types;
    this.layer = new NhLayer(config.width, config.width, config.pool);
    this.cellProj = config.cellProj ?? 32;
    const proj = config.proj ?? config.widths[config.widths.length - 1];
    this.tower = new ConvTower(this.cellProj, config.widths, config.pooling, proj);
    this.mlp = new ReadoutMlp(proj);
  }
  init(key: Key, backend: Backend = cpu): Params {
    const k = split(key, 5);
    const C = 1 + this.types, e = this.config.embed;
    return {
      ...prefixParams(new Conv2d(C, this.config.width, e).init(k[0], backend), 'embed'),
      ...prefixParams(this.layer.init(k[1], backend), 'nh0'),
      ...convParams(k[2], 'cells', this.config.width, this.cellProj, 1, backend),
      ...this.tower.init(k[3], backend),
      ...prefixParams(this.mlp.init(k[4], backend), 'mlp'),
    };
  }
  private rest(p: Params, emb: Tensor, B: number): Tensor {
    const y = this.layer.apply(subParams(p, 'nh0'), emb, B);
    const [, c, hh, ww] = y.shape;
    const n = y.shape[0] / B;
    // Σ_c Conv1×1(y_c) = Conv1×1 applied to Σ_c y_c with the bias counted n times
    const s = ops.sum(ops.reshape(y, [B, n, c, hh, ww]), 1);
    const x = ops.add(conv({ 'cells.weight': p['cells.weight'] }, 'cells', s, false), ops.reshape(ops.mul(p['cells.bias'], n), [this.cellProj, 1, 1]));
    return this.mlp.apply(subParams(p, 'mlp'), this.tower.features(p, x));
  }
  energy(p: Params, configs: readonly Configuration[]): Tensor {
    const info = batchInfo(configs, this.types, 'OneNhCnnHamiltonian');
    const emb = embedCells(p['embed.weight'], p['embed.bias'], embeddingIndex(configs, info, this.config.embed, backendOf(p)));
    return this.rest(p, emb, info.batch);
  }
  energyOneHot(p: Params, X: Tensor, A: Tensor): Tensor {
    return this.rest(p, embedCellsDense(p['embed.weight'], p['embed.bias'], X, A), X.shape[0]);
  }
}
