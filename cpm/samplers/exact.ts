/**
 * The exact CPM sampler (edge-list Metropolis). Each attempt draws an ordered pair
 * (source s, target t) uniformly from the Moore-neighbour pairs with different ids,
 * proposes σ_t ← σ_s and accepts with probability min(1, h·exp(−ΔH/T)). Classic kinetics
 * (h = 1) is the standard CPM with null moves skipped; each attempt advances time by
 * 8/E(x) MCS. The exact-Boltzmann option uses the Hastings factor
 * h = [n(t, σ_t)/n(t, σ_s)]·[E(x)/E(x')], making exp(−H/T) exactly stationary.
 * Copies that would remove a cell's last site are rejected (the vanishing guard).
 */
import { checkTemperature } from './temperature.js';
import { metropolisAccepts } from './metropolis.js';
import { FastRandomStream, type Key } from '../../engine/random.js';
import type { Hamiltonian } from '../hamiltonian.js';
import { FastDelta } from '../fast-delta.js';
import type { CpmState } from '../state.js';

/** FIRST_SET[m] = index of the lowest set bit of the 4-bit mask m (m > 0). */
const FIRST_SET = Int8Array.from({ length: 16 }, (_, m) => (m === 0 ? -1 : Math.log2(m & -m)));

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
  private readonly rng: FastRandomStream;
  private readonly nbr = new Int32Array(8);
  /** Random words drawn ahead from rng, and the next one to use. */
  private readonly words = new Uint32Array(256);
  private wordPos = 256;
  /** The four tries of a proposal round: targets, then their words. */
  private readonly tries = new Int32Array(8);
  /** Elapsed time as a one-element array: a double kept in a local of the long loop would be boxed at every update. */
  private readonly clock = new Float64Array(1);
  /** Elapsed time in Monte Carlo sweeps. */
  get mcs(): number {
    return this.clock[0];
  }
  attempts = 0;
  accepted = 0;

  private readonly fast: FastDelta;

  constructor(readonly state: CpmState, readonly hamiltonian: Hamiltonian, opts: ExactSamplerOptions) {
    const T = checkTemperature(opts.temperature, 'ExactSampler');
    this.temperature = T;
    this.exactBoltzmann = opts.exactBoltzmann ?? false;
    this.rng = new FastRandomStream(opts.key);
    this.fast = new FastDelta(state, hamiltonian);
  }

  /** ΔH of σ_t ← c. */
  deltaH(t: number, c: number): number {
    return this.fast.deltaH(t, c);
  }

  /** One attempt; returns true if the copy was accepted. Throws if no copy is possible. */
  attempt(): boolean {
    const before = this.accepted;
    this.advance(1, Infinity);
    return this.accepted > before;
  }

  /** Runs until `mcs` more Monte Carlo sweeps have elapsed. */
  run(mcs: number): SamplerStats {
    if (!(mcs >= 0)) throw new Error(`ExactSampler.run: MCS must be >= 0, got ${mcs}`);
    this.advance(Infinity, this.mcs + mcs);
    return this.stats();
  }

  /** The chain itself: attempts until maxAttempts are made or the time reaches endMcs. */
  private advance(maxAttempts: number, endMcs: number): void {
    const s = this.state;
    const rng = this.rng, fast = this.fast, nbr = this.nbr;
    const ids = s.ids, boundary = s.boundary, volume = s.volume, mask = s.unlikeMask;
    const invT = 1 / this.temperature, exact = this.exactBoltzmann;
    const clock = this.clock, words = this.words, tries = this.tries;
    let attempts = 0, accepted = 0, pos = this.wordPos;
    while (attempts < maxAttempts && clock[0] < endMcs) {
      const E = s.unlikePairs;
      if (E === 0) {
        this.wordPos = pos; this.attempts += attempts; this.accepted += accepted;
        throw new Error('ExactSampler: the lattice holds a single id, so no copy is possible; start from a configuration with at least two ids');
      }
      // A uniform unlike ordered pair: a uniform boundary target and a uniform Moore
      // direction, retried until that neighbour holds another id (each unlike pair has
      // probability 1/(8·|B|)); the state's unlike mask answers without touching ids. One
      // 32-bit word per try: the target from the high part of word·|B| (multiply-shift)
      // and the direction from the word's low 3 bits; both are uniform to within a
      // relative |B|/2^29 (below 3e-5 on a 200×200 lattice). Four tries are evaluated at
      // once and the first success taken (FIRST_SET), which replaces a hard-to-predict
      // branch per try by one per four; only the words up to that success are consumed.
      const scale = s.boundarySize * 2.3283064365386963e-10;
      let t: number, dir: number;
      for (;;) {
        if (pos > 252) { rng.fill(words); pos = 0; }
        const w0 = words[pos], w1 = words[pos + 1], w2 = words[pos + 2], w3 = words[pos + 3];
        const t0 = boundary[Math.floor(w0 * scale)], t1 = boundary[Math.floor(w1 * scale)];
        const t2 = boundary[Math.floor(w2 * scale)], t3 = boundary[Math.floor(w3 * scale)];
        const hits = ((mask[t0] >> (w0 & 7)) & 1) | (((mask[t1] >> (w1 & 7)) & 1) << 1)
          | (((mask[t2] >> (w2 & 7)) & 1) << 2) | (((mask[t3] >> (w3 & 7)) & 1) << 3);
        if (hits === 0) { pos += 4; continue; }
        const k = FIRST_SET[hits];
        pos += k + 1;
        tries[0] = t0; tries[1] = t1; tries[2] = t2; tries[3] = t3;
        tries[4] = w0; tries[5] = w1; tries[6] = w2; tries[7] = w3;
        t = tries[k];
        dir = tries[4 + k] & 7;
        break;
      }
      attempts++;
      clock[0] += 8 / E;
      s.neighbours8(t, nbr);
      const c = ids[nbr[dir]], old = ids[t];
      if (old !== 0 && volume[old] === 1) continue; // vanishing guard
      // accept with probability min(1, exp(−x)); x = ΔH/T (minus the log Hastings factor)
      let x = fast.deltaHAt(t, c, nbr) * invT;
      if (exact) {
        const e2 = E + s.unlikePairsDelta(t, c);
        x -= Math.log(s.neighboursWithId(t, old) / s.neighboursWithId(t, c)) + Math.log(E / e2);
      }
      if (!(x <= 0)) { // the uniform is drawn only when it is needed
        if (pos === 256) { rng.fill(words); pos = 0; }
        if (!metropolisAccepts(x, words[pos++] * 2.3283064365386963e-10)) continue;
      }
      s.setIdAt(t, c, nbr);
      accepted++;
    }
    this.wordPos = pos;
    this.attempts += attempts;
    this.accepted += accepted;
  }

  stats(): SamplerStats {
    return { mcs: this.mcs, attempts: this.attempts, accepted: this.accepted };
  }
}
