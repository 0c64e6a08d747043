/**
 * The energy models of the Cellular MNIST and bipolar experiments (paper Table 1/2), behind
 * one interface: the learnable cellsort Hamiltonian, cellsort + a learnable external
 * potential, the CNN, 1 NH layer + CNN, the Neural Hamiltonian and the NH as a closure on
 * top of a learnable cellsort Hamiltonian (H = w_S·H_cellsort + w_NN·H_NN).
 */
import * as ops from '../autodiff/ops.js';
import { prefixParams, subParams } from '../autodiff/nn.js';
import type { Params } from '../autodiff/tape.js';
import type { Backend } from '../engine/backend.js';
import { cpu } from '../engine/cpu/backend.js';
import { split, type Key } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';
import { LearnableCellsort } from './learnable.js';
import { batchInfo, CnnHamiltonian, NeuralHamiltonian, OneNhCnnHamiltonian, type NeuralEnergy } from './neural.js';
import type { Configuration } from './state.js';

export type ModelKind = 'cellsort' | 'cellsort-potential' | 'cnn' | 'nh1-cnn' | 'nh' | 'nh-closure';
export const MODEL_KINDS: readonly ModelKind[] = ['cellsort', 'cellsort-potential', 'cnn', 'nh1-cnn', 'nh', 'nh-closure'];
export const MODEL_LABELS: Record<ModelKind, string> = {
  cellsort: 'Cellsort', 'cellsort-potential': 'Cellsort + external potential', cnn: 'CNN',
  'nh1-cnn': '1 NH layer + CNN', nh: 'Neural Hamiltonian', 'nh-closure': 'NH + closure',
};

/** A learnable Hamiltonian of a batch of states. */
export interface EnergyModel {
  readonly kind: ModelKind;
  readonly types: number;
  init(key: Key, backend?: Backend): Params;
  /** H [B], differentiable in the parameters. */
  energy(p: Params, configs: readonly Configuration[]): Tensor;
  /** H on a relaxed id one-hot X [B, N+1, H, W] (A [B, T, N+1]: id types), differentiable in X. */
  energyOneHot(p: Params, X: Tensor, A: Tensor, configs: readonly Configuration[]): Tensor;
}

function backendOf(p: Params): Backend {
  const first = Object.values(p)[0];
  return first ? first.backend : cpu;
}

/** Type one-hot maps [B, T, H, W] of states (float32). */
export function typeMaps(configs: readonly Configuration[], T: number, backend: Backend): Tensor {
  const { height: H, width: W } = configs[0];
  const hw = H * W;
  const out = new Float32Array(configs.length * T * hw);
  configs.forEach((c, b) => { for (let i = 0; i < hw; i++) out[(b * T + c.types[c.ids[i]]) * hw + i] = 1; });
  return ops.tensor(out, [configs.length, T, H, W], 'float32', backend);
}

/** The learnable cellsort Hamiltonian, optionally with a learnable potential map per cell type. */
export class CellsortModel implements EnergyModel {
  readonly kind: ModelKind;
  readonly cellsort: LearnableCellsort;
  constructor(readonly types: number, readonly target: number, readonly potential: { height: number; width: number } | null = null) {
    this.cellsort = new LearnableCellsort({ types, target });
    this.kind = potential ? 'cellsort-potential' : 'cellsort';
  }
  init(key: Key, backend: Backend = cpu): Params {
    const p = this.cellsort.init(key, backend);
    if (this.potential) p.potential = ops.zeros([this.types - 1, this.potential.height, this.potential.width], 'float32', backend);
    return p;
  }
  energy(p: Params, configs: readonly Configuration[]): Tensor {
    batchInfo(configs, this.types, 'cellsort model');
    const be = backendOf(p);
    let h = this.cellsort.energy(p, this.cellsort.stats(configs, undefined, be));
    if (this.potential) h = ops.add(h, this.potentialEnergy(p, typeMaps(configs, this.types, be)));
    return h;
  }
  private potentialEnergy(p: Params, maps: Tensor): Tensor {
    const [B, T, H, W] = maps.shape;
    if (H !== this.potential!.height || W !== this.potential!.width) throw new Error(`cellsort-potential: the potential is ${this.potential!.height}x${this.potential!.width} but the states are ${H}x${W}`);
    const cells = ops.slice(maps, [0, 1, 0, 0], [B, T, H, W]);
    return ops.sum(ops.mul(cells, p.potential), [1, 2, 3]);
  }
  /**
   * The relaxation of H to a one-hot X (equal to energy() at one-hot X): types τ = A·X,
   * contact (1/2s)·Σ_i Σ_{j∈Moore(i)} τ_iᵀJτ_j·(1 − X_i·X_j), volume λ·Σ_{c≥1}(Σ_i X_ic − V*)²,
   * potential Σ_i Φ[τ_i, i].
   */
  energyOneHot(p: Params, X: Tensor, A: Tensor): Tensor {
    const [B, n, H, W] = X.shape;
    const T = this.types;
    const { J, lambda } = this.cellsort.effective(p);
    const tau = ops.reshape(ops.matmul(A, ops.reshape(X, [B, n, H * W])), [B, T, H, W]);
    const Jt = ops.reshape(ops.matmul(ops.broadcastTo(ops.reshape(J, [1, T, T]), [B, T, T]), ops.reshape(tau, [B, T, H * W])), [B, T, H, W]);
    let contact: Tensor | null = null;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      if (dy === 0 && dx === 0) continue;
      const pairE = ops.sum(ops.mul(tau, roll(Jt, dy, dx)), 1); // [B, H, W]
      const same = ops.sum(ops.mul(X, roll(X, dy, dx)), 1);
      const term = ops.sum(ops.mul(pairE, ops.sub(1, same)), [1, 2]);
      contact = contact ? ops.add(contact, term) : term;
    }
    const vol = ops.sum(ops.slice(X, [0, 1, 0, 0], [B, n, H, W]), [2, 3]); // [B, n-1]
    const volE = ops.mul(ops.sum(ops.square(ops.sub(vol, this.target)), 1), lambda);
    let h = ops.add(ops.div(contact!, 2 * this.cellsort.divisor), volE);
    if (this.potential) h = ops.add(h, this.potentialEnergy(p, tau));
    return h;
  }
}

/** A neural network alone. */
export class NeuralModel implements EnergyModel {
  constructor(readonly kind: ModelKind, readonly net: NeuralEnergy) {}
  get types(): number { return this.net.types; }
  init(key: Key, backend: Backend = cpu): Params { return this.net.init(key, backend); }
  energy(p: Params, configs: readonly Configuration[]): Tensor { return this.net.energy(p, configs); }
  energyOneHot(p: Params, X: Tensor, A: Tensor): Tensor { return this.net.energyOneHot(p, X, A); }
}

/** H = w_S·H_cellsort + w_NN·H_NN with learnable w_S (init 0.25) and w_NN (init 1). */
export class ClosureModel implements EnergyModel {
  readonly kind: ModelKind = 'nh-closure';
  readonly cellsort: CellsortModel;
  constructor(readonly net: NeuralEnergy, target: number) {
    this.cellsort = new CellsortModel(net.types, target);
  }
  get types(): number { return this.net.types; }
  init(key: Key, backend: Backend = cpu): Params {
    const [ka, kb] = split(key);
    return {
      ...prefixParams(this.cellsort.init(ka, backend), 'cellsort'),
      ...prefixParams(this.net.init(kb, backend), 'nn'),
      w_s: ops.tensor([0.25], [1], 'float32', backend),
      w_nn: ops.tensor([1], [1], 'float32', backend),
    };
  }
  energy(p: Params, configs: readonly Configuration[]): Tensor {
    const hs = this.cellsort.energy(subParams(p, 'cellsort'), configs);
    const hn = this.net.energy(subParams(p, 'nn'), configs);
    return ops.add(ops.mul(hs, p.w_s), ops.mul(hn, p.w_nn));
  }
  energyOneHot(p: Params, X: Tensor, A: Tensor, configs: readonly Configuration[]): Tensor {
    const hs = this.cellsort.energyOneHot(subParams(p, 'cellsort'), X, A);
    const hn = this.net.energyOneHot(subParams(p, 'nn'), X, A);
    return ops.add(ops.mul(hs, p.w_s), ops.mul(hn, p.w_nn));
  }
}

/** x shifted periodically by (dy, dx) over its last two axes: out[.., i, j] = x[.., i + dy, j + dx]. */
function roll(x: Tensor, dy: number, dx: number): Tensor {
  const r = x.rank, H = x.shape[r - 2], W = x.shape[r - 1];
  const cut = (t: Tensor, axis: number, k: number, len: number): Tensor => {
    const m = ((k % len) + len) % len;
    if (m === 0) return t;
    const b0 = t.shape.map(() => 0), e0 = [...t.shape], b1 = t.shape.map(() => 0), e1 = [...t.shape];
    b0[axis] = m; e1[axis] = m;
    return ops.concat([ops.slice(t, b0, e0), ops.slice(t, b1, e1)], axis);
  };
  return cut(cut(x, r - 2, dy, H), r - 1, dx, W);
}

/** Sizes of the networks of one experiment. */
export interface NetworkSizes {
  types: number;
  /** N + 1 ids per state (the CNN needs it). */
  ids: number;
  embed: number;
  nhWidths: readonly number[];
  nhPooling: readonly number[];
  cnnWidths: readonly number[];
  cnnPooling: readonly number[];
  cnnStem?: number;
  cnnProj?: number;
  oneNhWidths: readonly number[];
  oneNhPooling: readonly number[];
  readout?: number;
  /** Target volume of the analytical part. */
  target: number;
  height: number;
  width: number;
}

/** Builds one of the six models. */
export function buildModel(kind: ModelKind, s: NetworkSizes): EnergyModel {
  const nh = (): NeuralHamiltonian => new NeuralHamiltonian({ types: s.types, embed: s.embed, widths: s.nhWidths, pooling: s.nhPooling, readout: s.readout });
  switch (kind) {
    case 'cellsort': return new CellsortModel(s.types, s.target);
    case 'cellsort-potential': return new CellsortModel(s.types, s.target, { height: s.height, width: s.width });
    case 'cnn': return new NeuralModel('cnn', new CnnHamiltonian({ types: s.types, ids: s.ids, embed: s.embed, stem: s.cnnStem, widths: s.cnnWidths, pooling: s.cnnPooling, proj: s.cnnProj }));
    case 'nh1-cnn': return new NeuralModel('nh1-cnn', new OneNhCnnHamiltonian({ types: s.types, embed: s.embed, width: s.nhWidths[0], pool: s.nhPooling[0], widths: s.oneNhWidths, pooling: s.oneNhPooling }));
    case 'nh': return new NeuralModel('nh', nh());
    case 'nh-closure': return new ClosureModel(nh(), s.target);
    default: throw new Error(`unknown model '${String(kind)}'; choose one of ${MODEL_KINDS.join(', ')}`);
  }
}

