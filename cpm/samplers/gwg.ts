/**
 * Gibbs-with-Gradients baseline (SPEC 3.4; Grathwohl et al. 2021, categorical form) for
 * analytical Hamiltonians made of contact, volume and field terms. With X the per-site id
 * one-hot and f(X) = −H(X)/T, g = ∇_X f, the proposal is
 *   q(i, c) ∝ exp(d[i,c]/2),  d[i,c] = g[i,c] − g[i,x_i],  c ≠ x_i,
 * the reverse probability is computed the same way at the new state, and the move is
 * accepted with min(1, exp(f(X') − f(X) + log q_rev − log q_fwd)).
 *
 * H is extended to one-hot relaxations X the way a differentiable implementation writes it:
 * types τ = X·id2type, contact (1/s)·Σ_{pairs} τ_iᵀJτ_j·(1 − X_i·X_j), volume
 * λ·Σ_c (Σ_i X_ic − V*)², field Σ_i φ_i·μ·τ_i. At a one-hot X its gradient is
 *   ∂H/∂X_ic = (1/s)·Σ_{j∈N(i)} (J[τ_c, τ_j]·1[x_j ≠ x_i] − J[τ_i, τ_j]·1[x_j = c]) + 2λ(V_c − V*) + φ_i·μ[τ_c],
 * which depends on c only through τ_c, V_c and the neighbours holding c, so the
 * normaliser is summed per type in O(|L|·(types + 8)) instead of O(|L|·N).
 */
import { checkTemperature } from './temperature.js';
import { RandomStream, type Key } from '../../engine/random.js';
import { neighbourTable } from '../lattice.js';
import { Contact, ExternalField, Volume, type Hamiltonian } from '../hamiltonian.js';
import type { CpmState } from '../state.js';

export interface GwgStep { site: number; from: number; to: number; logQForward: number; logQReverse: number; deltaH: number; acceptProbability: number; accepted: boolean }

export class GwgSampler {
  readonly temperature: number;
  /** Temperature of the proposal (2, as in the reference experiments). */
  readonly proposalTemperature = 2;
  private readonly rng: RandomStream;
  private readonly contact: Contact | null = null;
  private readonly volume: Volume | null = null;
  private readonly field: ExternalField | null = null;
  private readonly table: Int32Array;
  private readonly k: number;
  private readonly siteZ: Float64Array;
  steps = 0;
  acceptedSteps = 0;

  constructor(readonly state: CpmState, readonly hamiltonian: Hamiltonian, opts: { temperature?: number; key: Key }) {
    const T = checkTemperature(opts.temperature, 'GwgSampler');
    this.temperature = T;
    this.rng = new RandomStream(opts.key);
    for (const t of hamiltonian.terms) {
      if (t instanceof Contact && !this.contact) this.contact = t;
      else if (t instanceof Volume && !this.volume) this.volume = t;
      else if (t instanceof ExternalField && !this.field) this.field = t;
      else throw new Error(`GwgSampler: supports one contact, one volume and one field term; got an extra '${t.name}' term`);
    }
    this.table = neighbourTable(state.height, state.width, this.contact?.order ?? 2);
    this.k = this.table.length / state.size;
    this.siteZ = new Float64Array(state.size);
  }

  /** ∂H/∂X_ic at the current (one-hot) state. */
  localEnergy(i: number, c: number): number {
    const s = this.state;
    const tc = s.types[c], xi = s.ids[i], ti = s.types[xi];
    let e = 0;
    if (this.contact) {
      const T = this.contact.types, J = this.contact.j;
      for (let q = i * this.k, end = q + this.k; q < end; q++) {
        const b = s.ids[this.table[q]];
        const tb = s.types[b];
        if (b !== xi) e += J[tc * T + tb];
        if (b === c) e -= J[ti * T + tb];
      }
      e /= this.contact.divisor;
    }
    if (this.volume && c !== 0) e += 2 * this.volume.lambda * (s.volume[c] - this.volume.target);
    if (this.field) e += this.field.phi[i] * this.field.mu[tc];
    return e;
  }

  /** log Σ_{i, c ≠ x_i} exp(d[i,c]/2) at the current state; fills per-site sums. */
  private logNormaliser(): { logZ: number; shift: number } {
    const s = this.state, T2 = this.temperature * this.proposalTemperature;
    const nT = s.typeCount, N = s.cells;
    // ω_c = exp(−vol'_c/T2) with vol' the volume part of ∂H, W_τ = Σ_{c of type τ} ω_c
    const volGrad = (c: number): number => (this.volume && c !== 0 ? 2 * this.volume.lambda * (s.volume[c] - this.volume.target) : 0);
    let vMin = Infinity;
    for (let c = 0; c <= N; c++) vMin = Math.min(vMin, volGrad(c));
    const omega = new Float64Array(N + 1);
    const W = new Float64Array(nT);
    for (let c = 0; c <= N; c++) { omega[c] = Math.exp(-(volGrad(c) - vMin) / T2); W[s.types[c]] += omega[c]; }
    const Jt = this.contact ? this.contact.types : 0, J = this.contact?.j, div = this.contact?.divisor ?? 1;
    const A = new Float64Array(nT);
    const seen: number[] = [], counts: number[] = [];
    // first pass: exponents are relative to each site's own energy, so they are bounded
    let total = 0;
    let logScale = 0;
    const logs = this.siteZ;
    let maxLog = -Infinity;
    for (let i = 0; i < s.size; i++) {
      const xi = s.ids[i];
      A.fill(0);
      seen.length = 0; counts.length = 0;
      for (let q = i * this.k, end = q + this.k; q < end; q++) {
        const b = s.ids[this.table[q]];
        if (J && b !== xi) for (let tau = 0; tau < nT; tau++) A[tau] += J[tau * Jt + s.types[b]];
        const p = seen.indexOf(b);
        if (p < 0) { seen.push(b); counts.push(1); } else counts[p]++;
      }
      const phi = this.field ? this.field.phi[i] : 0;
      const base = this.localEnergy(i, xi) - vMin;
      // Σ over ids c ≠ x_i not among the neighbours, grouped by type
      let z = 0;
      const excl = new Float64Array(nT);
      excl[s.types[xi]] += omega[xi];
      for (let p = 0; p < seen.length; p++) if (seen[p] !== xi) excl[s.types[seen[p]]] += omega[seen[p]];
      for (let tau = 0; tau < nT; tau++) {
        const rest = Math.max(0, W[tau] - excl[tau]);
        if (rest === 0) continue;
        const u = A[tau] / div + (this.field ? phi * this.field.mu[tau] : 0);
        z += Math.exp(-(u - base) / T2) * rest;
      }
      // neighbour ids c ≠ x_i: their contact energy lacks the n(i,c) like-pairs
      for (let p = 0; p < seen.length; p++) {
        const c = seen[p];
        if (c === xi) continue;
        z += Math.exp(-(this.localEnergy(i, c) - vMin - base) / T2);
      }
      const l = Math.log(z);
      logs[i] = l;
      if (l > maxLog) maxLog = l;
    }
    for (let i = 0; i < s.size; i++) total += Math.exp(logs[i] - maxLog);
    logScale = maxLog + Math.log(total);
    return { logZ: logScale, shift: vMin };
  }

  /** log q(i, c) at the current state. */
  private logQ(i: number, c: number, norm: { logZ: number; shift: number }): number {
    const T2 = this.temperature * this.proposalTemperature;
    const xi = this.state.ids[i];
    return -(this.localEnergy(i, c) - this.localEnergy(i, xi)) / T2 - norm.logZ;
  }

  /** Draws (i, c) from the proposal at the current state. */
  private draw(norm: { logZ: number }): [number, number] {
    const s = this.state;
    // site i ∝ Z_i
    let u = this.rng.uniform();
    let i = 0;
    for (; i < s.size - 1; i++) {
      u -= Math.exp(this.siteZ[i] - norm.logZ);
      if (u < 0) break;
    }
    // id c ≠ x_i ∝ exp(−(U[i,c] − U[i,x_i])/T2), by direct enumeration over ids for this one site
    const T2 = this.temperature * this.proposalTemperature;
    const xi = s.ids[i];
    const base = this.localEnergy(i, xi);
    const w = new Float64Array(s.cells + 1);
    let m = -Infinity;
    for (let c = 0; c <= s.cells; c++) { if (c === xi) continue; w[c] = -(this.localEnergy(i, c) - base) / T2; if (w[c] > m) m = w[c]; }
    let z = 0;
    for (let c = 0; c <= s.cells; c++) { if (c === xi) { w[c] = 0; continue; } w[c] = Math.exp(w[c] - m); z += w[c]; }
    let v = this.rng.uniform() * z, c = 0;
    for (; c < s.cells; c++) { if (c === xi) continue; v -= w[c]; if (v < 0) break; }
    if (c === xi) c = c === 0 ? 1 : c - 1;
    return [i, c];
  }

  /** One GWG step (propose, compute the reverse probability, accept or restore). */
  step(): GwgStep {
    const s = this.state;
    const norm = this.logNormaliser();
    const [i, c] = this.draw(norm);
    return this.tryMove(i, c, norm);
  }

  /** Evaluates the move x_i ← c with its forward and reverse proposal probabilities and applies the Metropolis-Hastings test. */
  tryMove(i: number, c: number, norm = this.logNormaliser()): GwgStep {
    const s = this.state;
    const from = s.ids[i];
    const logQForward = this.logQ(i, c, norm);
    const deltaH = this.hamiltonian.deltaH(s, i, c);
    s.setId(i, c);
    const normRev = this.logNormaliser();
    const logQReverse = this.logQ(i, from, normRev);
    const logA = -deltaH / this.temperature + logQReverse - logQForward;
    const acceptProbability = Math.min(1, Math.exp(logA));
    const accepted = this.rng.uniform() < acceptProbability;
    if (!accepted) s.setId(i, from);
    this.steps++;
    if (accepted) this.acceptedSteps++;
    return { site: i, from, to: c, logQForward, logQReverse, deltaH, acceptProbability, accepted };
  }

  /** Runs `steps` GWG steps. */
  run(steps: number): void {
    for (let k = 0; k < steps; k++) this.step();
  }
}
