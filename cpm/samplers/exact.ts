/**
 * The exact CPM sampler (edge-list Metropolis). Each attempt draws an ordered pair
 * (source s, target t) uniformly from the Moore-neighbour pairs with different ids,
 * proposes σ_t ← σ_s and accepts with probability min(1, h·exp(−ΔH/T)). Classic kinetics
 * (h = 1) is the standard CPM with null moves skipped; each attempt advances time by
 * 8/E(x) MCS. The exact-Boltzmann option uses the Hastings factor
 * h = [n(t, σ_t)/n(t, σ_s)]·[E(x)/E(x')], making exp(−H/T) exactly stationary.
 * Copies that would remove a cell's last site are rejected (the vanishing guard).
 */
import { RandomStream, type Key } from '../../engine/random.js';
import { Contact, Volume, type Hamiltonian, type Term } from '../hamiltonian.js';
import type { CpmState } from '../state.js';

export interface ExactSamplerOptions {
  /** Temperature T > 0 (default 1). */
  temperature?: number;
  /** Use the Hastings correction so that p(x) ∝ exp(−H(x)/T) exactly (default false). */
  exactBoltzmann?: boolean;
  /** Random key; the same key, state and Hamiltonian give the same chain. */
  key: Key;
}

/** Counters of a chain. */
export interface SamplerStats { mcs: number; attempts: number; accepted: number }

export class ExactSampler {
  readonly temperature: number;
  readonly exactBoltzmann: boolean;
  private readonly rng: RandomStream;
  /** Elapsed time in Monte Carlo sweeps. */
  mcs = 0;
  attempts = 0;
  accepted = 0;

  // The common terms are evaluated inline (Moore contact, volume); the rest through Term.deltaH.
  private readonly contactJ: Float64Array | null = null;
  private readonly contactTypes: number = 0;
  private readonly contactScale: number = 0;
  private readonly volLambda: number = 0;
  private readonly volTarget: number = 0;
  private readonly others: Term[] = [];
  private readonly nbr = new Int32Array(8);

  constructor(readonly state: CpmState, readonly hamiltonian: Hamiltonian, opts: ExactSamplerOptions) {
    const T = opts.temperature ?? 1;
    if (!(T > 0) || !Number.isFinite(T)) throw new Error(`ExactSampler: temperature must be a finite positive number, got ${T}`);
    this.temperature = T;
    this.exactBoltzmann = opts.exactBoltzmann ?? false;
    this.rng = new RandomStream(opts.key);
    let contactDone = false, volumeDone = false;
    for (const term of hamiltonian.terms) {
      if (!contactDone && term instanceof Contact && term.order === 2) {
        if (state.typeCount > term.types) throw new Error(`Contact: the state has ${state.typeCount} types but J is ${term.types}x${term.types}`);
        this.contactJ = term.j; this.contactTypes = term.types; this.contactScale = 1 / term.divisor;
        contactDone = true;
      } else if (!volumeDone && term instanceof Volume) {
        this.volLambda = term.lambda; this.volTarget = term.target;
        volumeDone = true;
      } else {
        this.others.push(term);
      }
    }
  }

  /** ΔH of σ_t ← c (the same value as hamiltonian.deltaH, with the common terms inlined). */
  deltaH(t: number, c: number): number {
    const s = this.state;
    const ids = s.ids, types = s.types;
    const old = ids[t];
    let d = 0;
    const J = this.contactJ;
    if (J !== null) {
      const T = this.contactTypes, nbr = this.nbr;
      s.neighbours8(t, nbr);
      const rowNew = types[c] * T, rowOld = types[old] * T;
      let e = 0;
      for (let q = 0; q < 8; q++) {
        const b = ids[nbr[q]];
        const tb = types[b];
        // branch-free 1[b ≠ c] and 1[b ≠ old]: ((b ^ c) − 1) >>> 31 is 1 exactly when b = c
        const notC = 1 - (((b ^ c) - 1) >>> 31), notOld = 1 - (((b ^ old) - 1) >>> 31);
        e += J[rowNew + tb] * notC - J[rowOld + tb] * notOld;
      }
      d += e * this.contactScale;
    }
    if (this.volLambda !== 0) {
      const vol = s.volume, target = this.volTarget;
      let e = 0;
      if (old !== 0) e += 1 - 2 * (vol[old] - target); // (v−1)² − v², v = V − V*
      if (c !== 0) e += 1 + 2 * (vol[c] - target);     // (v+1)² − v²
      d += this.volLambda * e;
    }
    for (let i = 0; i < this.others.length; i++) d += this.others[i].deltaH(s, t, c);
    return d;
  }

  /** One attempt; returns true if the copy was accepted. Throws if no copy is possible. */
  attempt(): boolean {
    const s = this.state;
    const E = s.unlikePairs;
    if (E === 0) throw new Error('ExactSampler: the lattice holds a single id, so no copy is possible; start from a configuration with at least two ids');
    const rng = this.rng;
    const ids = s.ids, boundary = s.boundary, nb = s.boundarySize, nbr = this.nbr;
    // A uniform unlike ordered pair: a uniform boundary target and a uniform Moore
    // neighbour, retried until their ids differ (each unlike pair has probability 1/(8·|B|)).
    // One 32-bit word per try: the target from the high part of word·|B| (multiply-shift)
    // and the direction from the word's low 3 bits; both are uniform to within a relative
    // |B|/2^29 (below 3e-5 on a 200×200 lattice), far below any Monte Carlo error.
    let t: number, src: number;
    do {
      const w = rng.nextUint32();
      t = boundary[Math.floor(w * nb * 2.3283064365386963e-10)];
      s.neighbours8(t, nbr);
      src = nbr[w & 7];
    } while (ids[src] === ids[t]);
    this.attempts++;
    this.mcs += 8 / E;
    const c = ids[src], old = ids[t];
    if (old !== 0 && s.volume[old] === 1) return false;
    const dH = this.deltaH(t, c);
    let logH = -dH / this.temperature;
    if (this.exactBoltzmann) {
      const e2 = E + s.unlikePairsDelta(t, c);
      logH += Math.log(s.neighboursWithId(t, old) / s.neighboursWithId(t, c)) + Math.log(E / e2);
    }
    if (logH < 0 && rng.uniform32() >= Math.exp(logH)) return false;
    s.setId(t, c);
    this.accepted++;
    return true;
  }

  /** Runs until `mcs` more Monte Carlo sweeps have elapsed. */
  run(mcs: number): SamplerStats {
    if (!(mcs >= 0)) throw new Error(`ExactSampler.run: MCS must be >= 0, got ${mcs}`);
    const end = this.mcs + mcs;
    while (this.mcs < end) this.attempt();
    return this.stats();
  }

  stats(): SamplerStats {
    return { mcs: this.mcs, attempts: this.attempts, accepted: this.accepted };
  }
}
