/**
 * Gibbs baseline (SPEC 3.3): pick a site uniformly, compute H for every id value at that
 * site, draw the new id from softmax(−H/T). There is no boundary or neighbour restriction,
 * which is why it fragments cells. |L| site updates make one MCS.
 */
import { checkTemperature } from './temperature.js';
import { RandomStream, type Key } from '../../engine/random.js';
import type { Hamiltonian } from '../hamiltonian.js';
import type { CpmState } from '../state.js';

export class GibbsSampler {
  private readonly rng: RandomStream;
  private readonly logits: Float64Array;
  readonly temperature: number;
  updates = 0;

  constructor(readonly state: CpmState, readonly hamiltonian: Hamiltonian, opts: { temperature?: number; key: Key }) {
    const T = checkTemperature(opts.temperature, 'GibbsSampler');
    this.temperature = T;
    this.rng = new RandomStream(opts.key);
    this.logits = new Float64Array(state.cells + 1);
  }

  /** The conditional distribution of the id at site t (probabilities over 0..N). */
  conditional(t: number): Float64Array {
    const s = this.state, n = s.cells + 1;
    let m = -Infinity;
    for (let c = 0; c < n; c++) {
      // H(x with x_t = c) − H(x) = ΔH(t ← c); the common H(x) cancels in the softmax
      const l = -this.hamiltonian.deltaH(s, t, c) / this.temperature;
      this.logits[c] = l;
      if (l > m) m = l;
    }
    let z = 0;
    for (let c = 0; c < n; c++) { const e = Math.exp(this.logits[c] - m); this.logits[c] = e; z += e; }
    for (let c = 0; c < n; c++) this.logits[c] /= z;
    return this.logits;
  }

  /** One site update. */
  update(): void {
    const s = this.state;
    const t = this.rng.int(s.size);
    const p = this.conditional(t);
    let u = this.rng.uniform(), c = 0;
    for (; c < p.length - 1; c++) { u -= p[c]; if (u < 0) break; }
    s.setId(t, c);
    this.updates++;
  }

  /** |L|·mcs site updates. */
  run(mcs: number): void {
    const n = Math.round(this.state.size * mcs);
    for (let i = 0; i < n; i++) this.update();
  }
}
