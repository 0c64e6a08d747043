/**
 * Analytical Hamiltonian terms. Each term gives the full energy H(x), the exact local
 * ΔH of a single copy σ_t ← c, and its parameters as engine tensors; terms add. The
 * differentiable form of the learnable terms (energy as a function of parameter tensors
 * and sufficient statistics of the state) is in stats()/energyFromStats().
 */
import * as nc from '../engine/ops.js';
import type { Tensor } from '../engine/tensor.js';
import { neighbourTable, wrapDelta } from './lattice.js';
import type { CpmState } from './state.js';

/** One term of a Hamiltonian. */
export interface Term {
  readonly name: string;
  /** H(x) of this term; kinetic terms without an energy return 0 and set kinetic = true. */
  energy(s: CpmState): number;
  /** ΔH of setting site t to id c (the state is not modified). */
  deltaH(s: CpmState, t: number, c: number): number;
  /** True for biases without an energy (directed motion). */
  readonly kinetic?: boolean;
  /** Parameters as tensors (for learning and for saving with results). */
  parameters(): Record<string, Tensor>;
  /** A JSON description of the term and its parameters. */
  describe(): Record<string, unknown>;
}

function checkMatrix(j: readonly (readonly number[])[], what: string): Float64Array {
  const t = j.length;
  if (t < 2) throw new Error(`${what}: needs a square matrix over at least 2 types (medium + one cell type), got ${t} rows`);
  const out = new Float64Array(t * t);
  for (let a = 0; a < t; a++) {
    if (!Array.isArray(j[a]) || j[a].length !== t) throw new Error(`${what}: row ${a} has ${j[a]?.length} entries; the matrix must be ${t}x${t}`);
  }
  for (let a = 0; a < t; a++) {
    for (let b = 0; b < t; b++) {
      const v = j[a][b];
      if (!Number.isFinite(v)) throw new Error(`${what}: entry [${a}][${b}] is ${v}; contact energies must be finite numbers`);
      if (j[b][a] !== v) throw new Error(`${what}: the matrix must be symmetric, but [${a}][${b}] = ${v} and [${b}][${a}] = ${j[b][a]}`);
      out[a * t + b] = v;
    }
  }
  return out;
}

/**
 * Adhesion: H = (1/divisor) Σ_{unordered neighbour pairs {i,j} of the given order}
 * J[τ(x_i), τ(x_j)] · 1[x_i ≠ x_j]. Cellsort convention: order 2, divisor 4; Morpheus'
 * order 6 boundary normalisation: divisor 18.
 */
export class Contact implements Term {
  readonly name = 'contact';
  readonly types: number;
  readonly j: Float64Array;
  constructor(j: readonly (readonly number[])[], readonly order = 2, readonly divisor = 4) {
    this.j = checkMatrix(j, 'Contact');
    this.types = j.length;
    if (!(divisor > 0)) throw new Error(`Contact: divisor must be positive, got ${divisor}`);
    if (!Number.isInteger(order) || order < 1 || order > 6) throw new Error(`Contact: order must be 1..6, got ${order}`);
  }
  private cached: Int32Array | null = null;
  private cachedFor: CpmState | null = null;
  /** The neighbour table for this state's lattice (looked up once per state). */
  private table(s: CpmState): Int32Array {
    if (this.cachedFor === s && this.cached) return this.cached;
    if (s.typeCount > this.types) throw new Error(`Contact: the state has ${s.typeCount} types but J is ${this.types}x${this.types}`);
    this.cached = neighbourTable(s.height, s.width, this.order);
    this.cachedFor = s;
    return this.cached;
  }
  energy(s: CpmState): number {
    const tab = this.table(s);
    const k = tab.length / s.size;
    const T = this.types;
    let e = 0;
    for (let i = 0; i < s.size; i++) {
      const a = s.ids[i], ta = s.types[a];
      for (let q = 0; q < k; q++) {
        const b = s.ids[tab[i * k + q]];
        if (b !== a) e += this.j[ta * T + s.types[b]];
      }
    }
    return e / 2 / this.divisor; // every unordered pair was seen twice
  }
  deltaH(s: CpmState, t: number, c: number): number {
    const tab = this.table(s);
    const k = tab.length / s.size;
    const T = this.types;
    const old = s.ids[t];
    const to = s.types[old] * T, tn = s.types[c] * T;
    let d = 0;
    for (let q = t * k, e = q + k; q < e; q++) {
      const b = s.ids[tab[q]];
      const tb = s.types[b];
      if (b !== c) d += this.j[tn + tb];
      if (b !== old) d -= this.j[to + tb];
    }
    return d / this.divisor;
  }
  /** counts[a·T + b] (a ≤ b): unordered unlike pairs between types a and b; H = Σ J ⊙ counts / divisor. */
  stats(s: CpmState): Float64Array {
    if (this.order === 2) return mooreContactStats(s.ids, s.types, s.height, s.width, this.types);
    const tab = this.table(s);
    const k = tab.length / s.size;
    const T = this.types;
    const counts = new Float64Array(T * T);
    for (let i = 0; i < s.size; i++) {
      const a = s.ids[i], ta = s.types[a];
      for (let q = 0; q < k; q++) {
        const b = s.ids[tab[i * k + q]];
        if (b !== a) counts[ta * T + s.types[b]] += 0.5;
      }
    }
    return counts;
  }
  parameters(): Record<string, Tensor> {
    return { J: nc.tensor(Float32Array.from(this.j), [this.types, this.types]) };
  }
  describe(): Record<string, unknown> {
    const J: number[][] = [];
    for (let a = 0; a < this.types; a++) J.push(Array.from(this.j.subarray(a * this.types, (a + 1) * this.types)));
    return { term: this.name, J, order: this.order, divisor: this.divisor };
  }
}

/**
 * Contact statistics over the Moore neighbourhood of a configuration, visiting each
 * unordered pair once: counts[a·T + b] gets ½ per ordered unlike pair of types (a, b).
 */
export function mooreContactStats(ids: Int32Array, types: Int32Array, H: number, W: number, T: number): Float64Array {
  const counts = new Float64Array(T * T);
  for (let y = 0; y < H; y++) {
    const down = (y + 1) % H;
    for (let x = 0; x < W; x++) {
      const a = ids[y * W + x], ta = types[a] * T;
      const r = (x + 1) % W, l = (x + W - 1) % W;
      // forward neighbours: right, down-left, down, down-right
      const n1 = ids[y * W + r], n2 = ids[down * W + l], n3 = ids[down * W + x], n4 = ids[down * W + r];
      if (n1 !== a) { const tb = types[n1]; counts[ta + tb] += 0.5; counts[tb * T + types[a]] += 0.5; }
      if (n2 !== a) { const tb = types[n2]; counts[ta + tb] += 0.5; counts[tb * T + types[a]] += 0.5; }
      if (n3 !== a) { const tb = types[n3]; counts[ta + tb] += 0.5; counts[tb * T + types[a]] += 0.5; }
      if (n4 !== a) { const tb = types[n4]; counts[ta + tb] += 0.5; counts[tb * T + types[a]] += 0.5; }
    }
  }
  return counts;
}

/** Volume constraint: H = λ Σ_{c ≥ 1} (V(c) − V*)². */
export class Volume implements Term {
  readonly name = 'volume';
  constructor(readonly lambda: number, readonly target: number) {
    if (!Number.isFinite(lambda) || lambda < 0) throw new Error(`Volume: lambda must be a finite number >= 0, got ${lambda}`);
    if (!Number.isFinite(target) || target <= 0) throw new Error(`Volume: target volume must be positive, got ${target}`);
  }
  energy(s: CpmState): number {
    let e = 0;
    for (let c = 1; c <= s.cells; c++) { const d = s.volume[c] - this.target; e += d * d; }
    return this.lambda * e;
  }
  deltaH(s: CpmState, t: number, c: number): number {
    const old = s.ids[t];
    if (old === c) return 0;
    let d = 0;
    if (old !== 0) { const v = s.volume[old] - this.target; d += (v - 1) * (v - 1) - v * v; }
    if (c !== 0) { const v = s.volume[c] - this.target; d += (v + 1) * (v + 1) - v * v; }
    return this.lambda * d;
  }
  parameters(): Record<string, Tensor> {
    return { lambda: nc.scalar(this.lambda), target: nc.scalar(this.target) };
  }
  describe(): Record<string, unknown> {
    return { term: this.name, lambda: this.lambda, target: this.target };
  }
}

/** External field: H = Σ_sites φ[site] · μ[τ(site)]. */
export class ExternalField implements Term {
  readonly name = 'field';
  readonly phi: Float64Array;
  readonly mu: Float64Array;
  constructor(phi: ArrayLike<number>, mu: readonly number[], readonly height: number, readonly width: number) {
    if (phi.length !== height * width) throw new Error(`ExternalField: field has ${phi.length} values but the lattice ${height}x${width} has ${height * width} sites`);
    this.phi = Float64Array.from(phi);
    this.mu = Float64Array.from(mu);
    for (let i = 0; i < this.phi.length; i++) if (!Number.isFinite(this.phi[i])) throw new Error(`ExternalField: field value at site ${i} is ${this.phi[i]}`);
  }
  private check(s: CpmState): void {
    if (s.height !== this.height || s.width !== this.width) throw new Error(`ExternalField: built for ${this.height}x${this.width} but the state is ${s.height}x${s.width}`);
    if (s.typeCount > this.mu.length) throw new Error(`ExternalField: ${this.mu.length} couplings for ${s.typeCount} types; give one per type, medium first`);
  }
  energy(s: CpmState): number {
    this.check(s);
    let e = 0;
    for (let i = 0; i < s.size; i++) e += this.phi[i] * this.mu[s.types[s.ids[i]]];
    return e;
  }
  deltaH(s: CpmState, t: number, c: number): number {
    return this.phi[t] * (this.mu[s.types[c]] - this.mu[s.types[s.ids[t]]]);
  }
  /** fieldPerType[τ] = Σ_{sites of type τ} φ; H = μ · fieldPerType. */
  stats(s: CpmState): Float64Array {
    this.check(s);
    const out = new Float64Array(this.mu.length);
    for (let i = 0; i < s.size; i++) out[s.types[s.ids[i]]] += this.phi[i];
    return out;
  }
  parameters(): Record<string, Tensor> {
    return { mu: nc.tensor(Float32Array.from(this.mu)), phi: nc.tensor(Float32Array.from(this.phi), [this.height, this.width]) };
  }
  describe(): Record<string, unknown> {
    return { term: this.name, mu: Array.from(this.mu), field: `${this.height}x${this.width}` };
  }
}

/** A cell's preferred direction of motion: [dy, dx] (unit length or zero) from its centre and type. */
export type DirectionFn = (centreY: number, centreX: number, type: number, height: number, width: number) => readonly [number, number];

/**
 * Directed motion (a kinetic bias without an energy): for each cell c of a type with
 * strength s and direction d̂, ΔH_c = −s · V_c · d̂ · (com_c(x') − com_c(x)), applied to
 * the gaining and the losing cell, V_c the volume before the copy.
 */
export class DirectedMotion implements Term {
  readonly name = 'directed-motion';
  readonly kinetic = true;
  private readonly centre = new Float64Array(2);
  /** Per-cell cache: the centre and type the direction was last evaluated at, and the direction. */
  private cache: { h: number; w: number; cy: Float64Array; cx: Float64Array; type: Int32Array; dy: Float64Array; dx: Float64Array } | null = null;
  constructor(readonly strength: readonly number[], readonly direction: DirectionFn, readonly label = 'custom') {
    for (const v of strength) if (!Number.isFinite(v)) throw new Error(`DirectedMotion: strengths must be finite, got ${strength}`);
  }
  energy(): number {
    return 0;
  }
  /** The change of cell c's centre if it gains (+1) or loses (−1) site t, as [dy, dx]. */
  comShift(s: CpmState, c: number, t: number, sign: 1 | -1): [number, number] {
    const v = s.volume[c];
    const com = s.centre(c, this.centre);
    const ty = (t / s.width) | 0, tx = t - ty * s.width;
    const ry = wrapDelta(ty, com[0], s.height), rx = wrapDelta(tx, com[1], s.width);
    if (sign > 0) return [ry / (v + 1), rx / (v + 1)];
    if (v <= 1) return [0, 0];
    return [-ry / (v - 1), -rx / (v - 1)];
  }
  private termFor(s: CpmState, c: number, t: number, sign: 1 | -1): number {
    if (c === 0) return 0;
    const type = s.types[c];
    const str = this.strength[type] ?? 0;
    if (str === 0 || s.volume[c] === 0) return 0;
    const com = s.centre(c, this.centre);
    const [dy, dx] = this.directionOf(s, c, com[0], com[1], type);
    if (dy === 0 && dx === 0) return 0;
    const [sy, sx] = this.comShift(s, c, t, sign);
    return -str * s.volume[c] * (dy * sy + dx * sx);
  }
  /** Cell c's direction, evaluated again only when its centre or type changed since the last call. */
  private directionOf(s: CpmState, c: number, cy: number, cx: number, type: number): readonly [number, number] {
    const n = s.types.length;
    if (!this.cache || this.cache.cy.length < n || this.cache.h !== s.height || this.cache.w !== s.width) {
      this.cache = { h: s.height, w: s.width, cy: new Float64Array(n).fill(NaN), cx: new Float64Array(n), type: new Int32Array(n), dy: new Float64Array(n), dx: new Float64Array(n) };
    }
    const k = this.cache;
    if (k.cy[c] !== cy || k.cx[c] !== cx || k.type[c] !== type) {
      const [dy, dx] = this.direction(cy, cx, type, s.height, s.width);
      k.cy[c] = cy; k.cx[c] = cx; k.type[c] = type; k.dy[c] = dy; k.dx[c] = dx;
    }
    return [k.dy[c], k.dx[c]];
  }
  deltaH(s: CpmState, t: number, c: number): number {
    const old = s.ids[t];
    if (old === c) return 0;
    return this.termFor(s, c, t, 1) + this.termFor(s, old, t, -1);
  }
  parameters(): Record<string, Tensor> {
    return { strength: nc.tensor(Float32Array.from(this.strength)) };
  }
  describe(): Record<string, unknown> {
    return { term: this.name, strength: [...this.strength], direction: this.label };
  }
}

/** A sum of terms with a temperature. */
export class Hamiltonian {
  constructor(readonly terms: readonly Term[]) {
    if (terms.length === 0) throw new Error('Hamiltonian: needs at least one term');
  }
  energy(s: CpmState): number {
    let e = 0;
    for (const t of this.terms) e += t.energy(s);
    return e;
  }
  deltaH(s: CpmState, t: number, c: number): number {
    let d = 0;
    for (let i = 0; i < this.terms.length; i++) d += this.terms[i].deltaH(s, t, c);
    return d;
  }
  describe(): Record<string, unknown>[] {
    return this.terms.map((t) => t.describe());
  }
}
