/**
 * The learnable cellsort Hamiltonian (SPEC 2) and a learnable external-field term, as
 * autodiff functions of their raw parameters. The energy of a batch of states is linear
 * in sufficient statistics of the states (contact counts per type pair, squared volume
 * deviations, field sums per type), so training evaluates
 *   H(x) = Σ_ab J_ab·C_ab(x)/divisor + λ·S(x) [+ Σ_τ μ_τ·Φ_τ(x)]
 * with J = softplus(γ)·(J_raw + J_rawᵀ)/2 + bias (J_00 = 0) and λ = softplus(λ_raw) + 1e-3.
 */
import * as ops from '../autodiff/ops.js';
import type { Params } from '../autodiff/tape.js';
import { split, uniform, type Key } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';
import type { Backend } from '../engine/backend.js';
import { cpu } from '../engine/cpu/backend.js';
import { Contact, ExternalField, Hamiltonian, Volume, mooreContactStats, type Term } from './hamiltonian.js';
import { CpmState, type Configuration } from './state.js';

/** Statistics of a batch of states that the learnable energies are linear in. */
export interface CellsortStats {
  /** [B, T, T]: ½ per ordered unlike Moore pair with types (a, b) (so C_ab + C_ba counts unordered pairs). */
  contact: Tensor;
  /** [B]: Σ_{c ≥ 1} (V_c − V*)². */
  volume: Tensor;
  /** [B, T]: Σ of the field over the sites of each type (only with a field). */
  field?: Tensor;
}

export interface LearnableCellsortOptions {
  /** Number of types including the medium's. */
  types: number;
  /** Target volume V* (fixed). */
  target: number;
  /** Contact neighbourhood order and divisor (cellsort convention: 2 and 4). */
  order?: number;
  divisor?: number;
  /** With an external field: learn a coupling μ per type (the field itself comes with each state). */
  field?: boolean;
}

const softplusInv = (y: number): number => Math.log(Math.expm1(y));

/** The learnable cellsort Hamiltonian. */
export class LearnableCellsort {
  readonly types: number;
  readonly target: number;
  readonly order: number;
  readonly divisor: number;
  readonly field: boolean;
  constructor(o: LearnableCellsortOptions) {
    if (!Number.isInteger(o.types) || o.types < 2) throw new Error(`LearnableCellsort: types must be >= 2 (medium + cell types), got ${o.types}`);
    if (!(o.target > 0)) throw new Error(`LearnableCellsort: target volume must be positive, got ${o.target}`);
    this.types = o.types;
    this.target = o.target;
    this.order = o.order ?? 2;
    this.divisor = o.divisor ?? 4;
    this.field = o.field ?? false;
  }

  /** Raw parameters: J_raw ~ U(−1, 1), γ with softplus(γ) = 1, bias = 2, λ_raw ~ U(0.1, 2) [, μ = 0]. */
  init(key: Key, backend: Backend = cpu): Params {
    const [kj, kl] = split(key);
    const T = this.types;
    const p: Params = {
      J_raw: uniform(kj, [T, T], -1, 1, backend),
      gamma: ops.tensor([softplusInv(1)], [1], 'float32', backend),
      bias: ops.tensor([2], [1], 'float32', backend),
      lambda_raw: uniform(kl, [1], 0.1, 2, backend),
    };
    if (this.field) p.mu = ops.zeros([T], 'float32', backend);
    return p;
  }

  /** Effective J (T×T tensor, J_00 = 0) and λ (1-element tensor), differentiable. */
  effective(p: Params): { J: Tensor; lambda: Tensor; mu?: Tensor } {
    const T = this.types;
    const sym = ops.mul(ops.add(p.J_raw, ops.transpose(p.J_raw)), 0.5);
    let J = ops.add(ops.mul(sym, ops.softplus(p.gamma)), p.bias);
    const mask = new Float32Array(T * T).fill(1);
    mask[0] = 0;
    J = ops.mul(J, ops.tensor(mask, [T, T], 'float32', p.J_raw.backend));
    const lambda = ops.add(ops.softplus(p.lambda_raw), 1e-3);
    return this.field ? { J, lambda, mu: p.mu } : { J, lambda };
  }

  /** Energies [B] of a batch from its statistics. */
  energy(p: Params, s: CellsortStats): Tensor {
    const { J, lambda, mu } = this.effective(p);
    const B = s.volume.shape[0];
    const contact = ops.div(ops.sum(ops.mul(s.contact, J), [1, 2]), this.divisor);
    let h = ops.add(contact, ops.mul(s.volume, lambda));
    if (mu) {
      if (!s.field) throw new Error('LearnableCellsort: this model has a field term but the statistics carry no field sums');
      h = ops.add(h, ops.sum(ops.mul(s.field, mu), 1));
    }
    return ops.reshape(h, [B]);
  }

  /** Statistics of configurations (with per-state fields when the model has a field term). */
  stats(configs: readonly Configuration[], fields?: readonly ArrayLike<number>[], backend: Backend = cpu): CellsortStats {
    const T = this.types, B = configs.length;
    const contact = new Float32Array(B * T * T);
    const volume = new Float32Array(B);
    const field = this.field ? new Float32Array(B * T) : undefined;
    const probe = new Contact(identity(T), this.order, this.divisor);
    configs.forEach((c, b) => {
      if (c.types.some((t) => t >= T)) throw new Error(`LearnableCellsort.stats: state ${b} has cell type ${Math.max(...c.types)} but the model has ${T} types`);
      contact.set(this.order === 2 ? mooreContactStats(c.ids, c.types, c.height, c.width, T) : probe.stats(new CpmState(c)), b * T * T);
      const vol = new Int32Array(c.types.length);
      for (let i = 0; i < c.ids.length; i++) vol[c.ids[i]]++;
      let sq = 0;
      for (let id = 1; id < vol.length; id++) { const d = vol[id] - this.target; sq += d * d; }
      volume[b] = sq;
      if (field) {
        const st = new CpmState(c);
        const f = fields?.[b];
        if (!f) throw new Error(`LearnableCellsort.stats: state ${b} has no field; pass one field per state`);
        const mu = new Array<number>(T).fill(0);
        field.set(new ExternalField(f, mu, c.height, c.width).stats(st), b * T);
      }
    });
    return {
      contact: ops.tensor(contact, [B, T, T], 'float32', backend),
      volume: ops.tensor(volume, [B], 'float32', backend),
      ...(field ? { field: ops.tensor(field, [B, T], 'float32', backend) } : {}),
    };
  }

  /** The current parameters as plain numbers. */
  values(p: Params): { J: number[][]; lambda: number; mu?: number[] } {
    const { J, lambda, mu } = this.effective(p);
    const j = J.dataSync(), T = this.types;
    const rows: number[][] = [];
    for (let a = 0; a < T; a++) rows.push(Array.from(j.subarray(a * T, (a + 1) * T)));
    return { J: rows, lambda: lambda.dataSync()[0], ...(mu ? { mu: Array.from(mu.dataSync()) } : {}) };
  }

  /** The analytical Hamiltonian with the current parameters (for the samplers). */
  hamiltonian(p: Params, field?: ArrayLike<number>, height?: number, width?: number): Hamiltonian {
    const v = this.values(p);
    const terms: Term[] = [new Contact(v.J, this.order, this.divisor), new Volume(v.lambda, this.target)];
    if (v.mu && field && height && width) terms.push(new ExternalField(field, v.mu, height, width));
    return new Hamiltonian(terms);
  }
}

function identity(t: number): number[][] {
  return Array.from({ length: t }, () => new Array<number>(t).fill(0));
}

/** v = (λ, J00, J01, J02, J11, J12, J22) for three types (SPEC 7), or the upper triangle in general. */
export function parameterVector(J: readonly (readonly number[])[], lambda: number): number[] {
  const v = [lambda];
  for (let a = 0; a < J.length; a++) for (let b = a; b < J.length; b++) v.push(J[a][b]);
  return v;
}

/** Parameter RMSE at T = 1 and at the least-squares temperature scale T* (SPEC 7). */
export function parameterRmse(learned: readonly number[], truth: readonly number[]): { rmseT1: number; rmseTStar: number; scale: number } {
  if (learned.length !== truth.length) throw new Error(`parameterRmse: ${learned.length} learned vs ${truth.length} true values`);
  const n = truth.length;
  let dot = 0, tt = 0, e1 = 0;
  for (let i = 0; i < n; i++) { dot += truth[i] * learned[i]; tt += truth[i] * truth[i]; e1 += (learned[i] - truth[i]) ** 2; }
  const s = dot / tt;
  let es = 0;
  for (let i = 0; i < n; i++) es += (learned[i] - s * truth[i]) ** 2;
  return { rmseT1: Math.sqrt(e1 / n), rmseTStar: Math.sqrt(es / n), scale: s };
}
