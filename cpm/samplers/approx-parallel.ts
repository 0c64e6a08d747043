/**
 * ApproxPCPM (paper Algorithm 2). Each iteration draws P distinct boundary sites uniformly
 * without replacement; pairs each with a uniform Moore neighbour of another id; proposes a
 * copy between them; evaluates every ΔH_i against the same old state; accepts each with
 * probability min(1, exp(−ΔH_i/T)); and applies all accepted proposals at once. When two
 * accepted proposals share a target, the one drawn first wins; a copy that would remove a
 * cell's last site is skipped. K iterations of P proposals make K·P = |L|·MCS attempts.
 * The chain does not satisfy detailed balance; that is known and accepted for training.
 *
 * Proposal variants (which end the drawn boundary site b is):
 * - 'boundary-source' (SPEC 3.2 as written): b copies its id into the neighbour.
 * - 'boundary-target' (the paper's Algorithm 2 text): b takes the neighbour's id.
 * - 'uniform-pair' (default): b is kept with probability unlike(b)/8 and takes the
 *   neighbour's id, so every ordered unlike pair is equally likely, as in the classic CPM
 *   and the exact sampler. With weak contact energies at T = 1 (cell sorting a) the other
 *   two are dominated by their proposal bias: from data states, one MCS with the true
 *   parameters moves E(x) from 47 000 to 28 000 ('boundary-source') or 91 000
 *   ('boundary-target'), but keeps it at 47 000 with uniform pairs (bench/notes).
 */
import { checkTemperature } from './temperature.js';
import { FastRandomStream, type Key } from '../../engine/random.js';
import { metropolisAccepts } from './metropolis.js';
import type { Hamiltonian } from '../hamiltonian.js';
import { FastDelta } from '../fast-delta.js';
import type { Configuration, CpmState } from '../state.js';

/** Computes ΔH of a batch of proposals (target sites and new ids) against the current state. */
export interface DeltaEvaluator {
  deltas(state: CpmState, targets: Int32Array, newIds: Int32Array, count: number, out: Float64Array): void;
}

/** Local ΔH of an analytical Hamiltonian. */
export class LocalDeltas implements DeltaEvaluator {
  private fast: FastDelta | null = null;
  constructor(readonly hamiltonian: Hamiltonian) {}
  deltas(state: CpmState, targets: Int32Array, newIds: Int32Array, count: number, out: Float64Array): void {
    if (!this.fast || this.fast.state !== state) this.fast = new FastDelta(state, this.hamiltonian);
    for (let i = 0; i < count; i++) out[i] = this.fast.deltaH(targets[i], newIds[i]);
  }
}

/** A sampler's proposals as EnergyDeltas and NhFastDeltas read them (ApproxPCPM). */
export interface ProposalSet { readonly state: CpmState; readonly targets: Int32Array; readonly newIds: Int32Array; readonly dH: Float64Array }

/** Anything that fills the ΔH of many samplers' proposals at once; `states` counts the states evaluated. */
export interface MultiDeltas {
  readonly states: number;
  deltasMany(samplers: readonly ProposalSet[], counts: readonly number[]): Promise<void>;
}

/**
 * ΔH from a batched energy function (for differentiable Hamiltonians without a local form):
 * every proposal's state is materialised (the old state with one site changed) and the
 * energies are evaluated in batches of `batch` states, ΔH_i = H(x_i) − H(x). `deltas` serves
 * one chain with a synchronous energy; `deltasMany` evaluates the current states and the
 * proposals of many chains together, and accepts an asynchronous energy (a GPU read-back or
 * worker threads). Exact for any model; the cost is one forward pass per proposal.
 */
export class EnergyDeltas implements DeltaEvaluator, MultiDeltas {
  /** States evaluated so far (old states and proposals). */
  states = 0;
  constructor(readonly energy: (configs: readonly Configuration[]) => ArrayLike<number> | Promise<ArrayLike<number>>, readonly batch = 32) {
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`EnergyDeltas: batch must be a positive integer, got ${batch}`);
  }

  /** The old state of every set followed by its proposals' states; owner[i] is the set, slot[i] the proposal (−1: old state). */
  private plan(sets: readonly ProposalSet[], counts: readonly number[]): { configs: Configuration[]; owner: Int32Array; slot: Int32Array } {
    const configs: Configuration[] = [], owner: number[] = [], slot: number[] = [];
    sets.forEach((s, k) => {
      const base = s.state.configuration();
      configs.push(base); owner.push(k); slot.push(-1);
      for (let j = 0; j < counts[k]; j++) {
        const ids = Int32Array.from(base.ids);
        ids[s.targets[j]] = s.newIds[j];
        configs.push({ ...base, ids }); owner.push(k); slot.push(j);
      }
    });
    return { configs, owner: Int32Array.from(owner), slot: Int32Array.from(slot) };
  }

  /** ΔH_i = e[i] − e[old state of its set], written into `outs`. */
  private static finish(e: Float64Array, owner: Int32Array, slot: Int32Array, outs: readonly Float64Array[]): void {
    const base = new Float64Array(outs.length);
    for (let i = 0; i < e.length; i++) if (slot[i] < 0) base[owner[i]] = e[i];
    for (let i = 0; i < e.length; i++) if (slot[i] >= 0) outs[owner[i]][slot[i]] = e[i] - base[owner[i]];
  }

  deltas(state: CpmState, targets: Int32Array, newIds: Int32Array, count: number, out: Float64Array): void {
    const { configs, owner, slot } = this.plan([{ state, targets, newIds, dH: out }], [count]);
    const e = new Float64Array(configs.length);
    for (let start = 0; start < configs.length; start += this.batch) {
      const v = this.energy(configs.slice(start, start + this.batch));
      if (v instanceof Promise) throw new Error('EnergyDeltas.deltas needs a synchronous energy function; with an asynchronous one use deltasMany (runChains)');
      for (let i = 0; i < v.length; i++) e[start + i] = v[i];
    }
    this.states += configs.length;
    EnergyDeltas.finish(e, owner, slot, [out]);
  }

  /** Fills every set's dH for its first counts[k] proposals. */
  async deltasMany(sets: readonly ProposalSet[], counts: readonly number[]): Promise<void> {
    const { configs, owner, slot } = this.plan(sets, counts);
    const e = new Float64Array(configs.length);
    for (let start = 0; start < configs.length; start += this.batch) {
      const v = await this.energy(configs.slice(start, start + this.batch));
      for (let i = 0; i < v.length; i++) e[start + i] = v[i];
    }
    this.states += configs.length;
    EnergyDeltas.finish(e, owner, slot, sets.map((s) => s.dH));
  }
}

export type ProposalKind = 'uniform-pair' | 'boundary-source' | 'boundary-target';
export const PROPOSAL_KINDS: readonly ProposalKind[] = ['uniform-pair', 'boundary-source', 'boundary-target'];

export interface ApproxOptions {
  /** Proposals per iteration P. */
  proposals: number;
  /** Proposal variant (see the class comment); default 'uniform-pair'. */
  proposal?: ProposalKind;
  temperature?: number;
  key: Key;
}

export class ApproxPCPM {
  readonly proposals: number;
  readonly temperature: number;
  private readonly rng: FastRandomStream;
  /** Random words drawn ahead from rng, and the next one to use. */
  private readonly words = new Uint32Array(256);
  private wordPos = 256;
  /** This iteration's proposals (target sites and new ids) and their ΔH. */
  readonly targets: Int32Array;
  readonly newIds: Int32Array;
  readonly dH: Float64Array;
  private readonly accept: Uint8Array;
  private readonly written: Uint8Array;
  private readonly nbr = new Int32Array(8);
  readonly proposal: ProposalKind;
  iterations = 0;
  proposed = 0;
  accepted = 0;

  constructor(readonly state: CpmState, readonly evaluator: DeltaEvaluator | null, opts: ApproxOptions) {
    if (!Number.isInteger(opts.proposals) || opts.proposals < 1) throw new Error(`ApproxPCPM: proposals per iteration must be a positive integer, got ${opts.proposals}`);
    const T = checkTemperature(opts.temperature, 'ApproxPCPM');
    this.proposals = opts.proposals;
    this.proposal = opts.proposal ?? 'uniform-pair';
    if (!PROPOSAL_KINDS.includes(this.proposal)) throw new Error(`ApproxPCPM: proposal must be one of ${PROPOSAL_KINDS.join(', ')}, got '${String(opts.proposal)}'`);
    this.temperature = T;
    this.rng = new FastRandomStream(opts.key);
    this.targets = new Int32Array(opts.proposals);
    this.newIds = new Int32Array(opts.proposals);
    this.dH = new Float64Array(opts.proposals);
    this.accept = new Uint8Array(opts.proposals);
    this.written = new Uint8Array(state.size);
  }

  /** Iterations for `mcs` sweeps: K = round(H·W·MCS / P). */
  iterationsFor(mcs: number): number {
    return Math.round((this.state.size * mcs) / this.proposals);
  }

  /** Draws this iteration's proposals; returns how many (fewer than P if the boundary is smaller). */
  propose(): number {
    const s = this.state, rng = this.rng, words = this.words, ids = s.ids, nbr = this.nbr;
    const B = s.boundarySize;
    const n = Math.min(this.proposals, B);
    const boundary = s.boundary, pos = s.boundaryPos;
    const pair = this.proposal === 'uniform-pair';
    let w = this.wordPos;
    // Uniform integers below m come from one 32-bit word by multiply-shift (floor(word·m/2^32)),
    // uniform to within a relative m/2^32.
    for (let j = 0; j < n; j++) {
      // partial Fisher-Yates inside the boundary list (positions stay consistent)
      let r: number;
      for (;;) {
        if (w === 256) { rng.fill(words); w = 0; }
        const word = words[w++];
        r = j + Math.floor(word * (B - j) * 2.3283064365386963e-10);
        // uniform-pair: keep b with probability unlike(b)/8 (the word's low 3 bits), so that
        // (b, partner) is uniform over unlike pairs
        if (!pair || (word & 7) < s.unlikeCount(boundary[r])) break;
      }
      const a = boundary[j], b = boundary[r];
      boundary[j] = b; pos[b] = j;
      boundary[r] = a; pos[a] = r;
      // b's partner: a uniform Moore neighbour with another id
      if (w === 256) { rng.fill(words); w = 0; }
      const k = Math.floor(words[w++] * s.unlikeCount(b) * 2.3283064365386963e-10);
      s.neighbours8(b, nbr);
      const other = nbr[s.unlikeDirection(b, k)];
      if (this.proposal === 'boundary-source') { this.targets[j] = other; this.newIds[j] = ids[b]; }
      else { this.targets[j] = b; this.newIds[j] = ids[other]; }
    }
    this.wordPos = w;
    return n;
  }

  /** One iteration: propose, evaluate against the same state, accept, apply at once. */
  step(): number {
    if (!this.evaluator) throw new Error('ApproxPCPM.step: this sampler has no ΔH evaluator; give one to the constructor, or evaluate proposals yourself and call commit()');
    const n = this.propose();
    this.evaluator.deltas(this.state, this.targets, this.newIds, n, this.dH);
    return this.commit(n);
  }

  /** Accepts or rejects the n proposals whose ΔH are in `dH` and applies the accepted ones at once. */
  commit(n: number): number {
    const invT = 1 / this.temperature, rng = this.rng, words = this.words;
    let w = this.wordPos;
    for (let j = 0; j < n; j++) {
      const x = this.dH[j] * invT;
      let ok = x <= 0;
      if (!ok) {
        if (w === 256) { rng.fill(words); w = 0; }
        ok = metropolisAccepts(x, words[w++] * 2.3283064365386963e-10);
      }
      this.accept[j] = ok ? 1 : 0;
    }
    this.wordPos = w;
    const s = this.state;
    let applied = 0;
    for (let j = 0; j < n; j++) {
      if (!this.accept[j]) continue;
      const t = this.targets[j];
      if (this.written[t]) continue; // an earlier proposal already took this target
      const old = s.ids[t];
      if (old !== 0 && s.volume[old] === 1) continue;
      this.written[t] = 1;
      s.setId(t, this.newIds[j]);
      applied++;
    }
    for (let j = 0; j < n; j++) this.written[this.targets[j]] = 0;
    this.iterations++;
    this.proposed += n;
    this.accepted += applied;
    return applied;
  }

  /** Runs K = round(|L|·mcs/P) iterations. */
  run(mcs: number): void {
    const k = this.iterationsFor(mcs);
    for (let i = 0; i < k; i++) this.step();
  }
}
