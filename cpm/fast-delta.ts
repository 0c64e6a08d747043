/**
 * ΔH of a single copy for a Hamiltonian, with the common terms (contact over the Moore
 * neighbourhood, volume) evaluated inline and branch-free; every other term goes through
 * its own Term.deltaH. Used by the exact sampler and by ApproxPCPM.
 */
import { Contact, Volume, type Hamiltonian, type Term } from './hamiltonian.js';
import type { CpmState } from './state.js';

export class FastDelta {
  private readonly contactJ: Float64Array | null = null;
  private readonly contactTypes: number = 0;
  private readonly contactScale: number = 0;
  private readonly volLambda: number = 0;
  private readonly volTarget: number = 0;
  private readonly others: Term[] = [];
  private readonly nbr = new Int32Array(8);

  constructor(readonly state: CpmState, hamiltonian: Hamiltonian) {
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

  /** ΔH of σ_t ← c (equal to hamiltonian.deltaH(state, t, c)). */
  deltaH(t: number, c: number): number {
    this.state.neighbours8(t, this.nbr);
    return this.deltaHAt(t, c, this.nbr);
  }

  /** deltaH for a caller that already has t's Moore neighbours in nbr. */
  deltaHAt(t: number, c: number, nbr: Int32Array): number {
    const s = this.state;
    const ids = s.ids, types = s.types, siteType = s.siteType;
    const old = ids[t];
    let d = 0;
    const J = this.contactJ;
    if (J !== null) {
      const T = this.contactTypes;
      const rowNew = types[c] * T, rowOld = types[old] * T;
      const notOld = s.unlikeMask[t]; // bit q: 1[neighbour q ≠ old]
      let e = 0;
      for (let q = 0; q < 8; q++) {
        const n = nbr[q];
        const tb = siteType[n];
        // branch-free 1[b ≠ c]: ((b ^ c) − 1) >>> 31 is 1 exactly when b = c
        e += J[rowNew + tb] * (1 - (((ids[n] ^ c) - 1) >>> 31)) - J[rowOld + tb] * ((notOld >> q) & 1);
      }
      d += e * this.contactScale;
    }
    if (this.volLambda !== 0 && old !== c) {
      const vol = s.volume, target = this.volTarget;
      let e = 0;
      if (old !== 0) e += 1 - 2 * (vol[old] - target); // (v−1)² − v², v = V − V*
      if (c !== 0) e += 1 + 2 * (vol[c] - target);     // (v+1)² − v²
      d += this.volLambda * e;
    }
    for (let i = 0; i < this.others.length; i++) d += this.others[i].deltaH(s, t, c);
    return d;
  }
}
