/**
 * The CPM state on a periodic lattice (ids and types) with incremental bookkeeping: cell
 * volumes, periodic-aware centres of mass, per-site masks of unlike Moore neighbours, the
 * boundary set (sites with at least one), and E(x), the number of ordered unlike Moore
 * pairs. A copy updates all of it in O(neighbourhood); nothing scans the lattice.
 */
import { neighbourTable, wrapDelta } from './lattice.js';

/** POPCOUNT8[m] = number of set bits of the byte m. */
const POPCOUNT8 = Uint8Array.from({ length: 256 }, (_, m) => { let n = 0; for (let b = m; b; b >>= 1) n += b & 1; return n; });

/** NTH_BIT8[m·8 + k] = position of the k-th (from 0) set bit of the byte m (−1 if m has fewer). */
const NTH_BIT8 = Int8Array.from({ length: 2048 }, (_, i) => {
  const m = i >> 3;
  let k = i & 7;
  for (let b = 0; b < 8; b++) if ((m >> b) & 1 && k-- === 0) return b;
  return -1;
});

/** A plain, serialisable configuration: ids (H·W, row-major) and a type per id. */
export interface Configuration {
  height: number;
  width: number;
  ids: Int32Array;
  /** types[c] for c = 0..N; types[0] = 0 (the medium). */
  types: Int32Array;
}

/** Checks a configuration and says what is wrong with it. */
export function validateConfiguration(c: Configuration, source = 'configuration'): void {
  const { height, width, ids, types } = c;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 3 || width < 3) {
    throw new Error(`${source}: lattice must be at least 3x3 with integer sides, got ${height}x${width}`);
  }
  if (!(ids instanceof Int32Array)) throw new Error(`${source}: ids must be an Int32Array, got ${Object.prototype.toString.call(ids)}`);
  if (!(types instanceof Int32Array)) throw new Error(`${source}: types must be an Int32Array (one type per id, types[0] = 0), got ${Object.prototype.toString.call(types)}`);
  if (ids.length !== height * width) throw new Error(`${source}: ids has ${ids.length} entries but the lattice ${height}x${width} has ${height * width} sites`);
  if (types.length < 1 || types[0] !== 0) throw new Error(`${source}: types[0] must be 0 (the medium's type), got ${types[0]}`);
  const n = types.length - 1;
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (v < 0 || v > n) {
      throw new Error(`${source}: id ${v} at site ${i} (y=${Math.floor(i / width)}, x=${i % width}) is out of range 0..${n}; types has entries for ids 0..${n} only — add a type for every cell id`);
    }
  }
  for (let c = 1; c <= n; c++) {
    if (types[c] < 1) throw new Error(`${source}: cell ${c} has type ${types[c]}; cell types start at 1 (type 0 is the medium)`);
  }
}

/** The live state of a CPM chain. */
export class CpmState {
  readonly height: number;
  readonly width: number;
  readonly size: number;
  readonly ids: Int32Array;
  readonly types: Int32Array;
  /** Number of cells N (ids 1..N). */
  readonly cells: number;
  /** Number of types including the medium's. */
  readonly typeCount: number;
  readonly volume: Int32Array;
  /** Type of every site (types[ids[s]]), kept in step with ids. */
  readonly siteType: Int32Array;
  /** Moore (order-2) neighbour table, 8 per site. */
  readonly moore: Int32Array;
  /**
   * Per-site bit mask of the Moore neighbours with another id: bit q is set when the q-th
   * neighbour (in the order of `neighbours8`) holds another id. Its bit count is the
   * site's number of unlike neighbours (`unlikeCount`); the boundary set is the sites with
   * a nonzero mask. The exact sampler draws a boundary site and a direction and tests one
   * bit instead of comparing ids.
   */
  readonly unlikeMask: Uint8Array;
  /** The boundary set as a dense list plus each site's position in it (-1 if absent). */
  readonly boundary: Int32Array;
  readonly boundaryPos: Int32Array;
  boundarySize = 0;
  /** E(x): ordered unlike Moore pairs. */
  unlikePairs = 0;
  private readonly invWidth: number;
  private readonly nbr = new Int32Array(8);
  /** Centre-of-mass bookkeeping: a reference site per cell and sums of minimal-image offsets from it. */
  private readonly refY: Int32Array;
  private readonly refX: Int32Array;
  private readonly sumDy: Float64Array;
  private readonly sumDx: Float64Array;

  constructor(c: Configuration) {
    validateConfiguration(c);
    this.height = c.height;
    this.width = c.width;
    this.size = c.height * c.width;
    this.ids = Int32Array.from(c.ids);
    this.types = Int32Array.from(c.types);
    this.cells = this.types.length - 1;
    this.typeCount = Math.max(...this.types) + 1;
    this.moore = neighbourTable(this.height, this.width, 2);
    this.invWidth = 1 / this.width;
    this.volume = new Int32Array(this.cells + 1);
    this.siteType = new Int32Array(this.size);
    this.unlikeMask = new Uint8Array(this.size);
    this.boundary = new Int32Array(this.size);
    this.boundaryPos = new Int32Array(this.size).fill(-1);
    this.refY = new Int32Array(this.cells + 1).fill(-1);
    this.refX = new Int32Array(this.cells + 1).fill(-1);
    this.sumDy = new Float64Array(this.cells + 1);
    this.sumDx = new Float64Array(this.cells + 1);
    this.recomputeAll();
  }

  /** Rebuilds every derived quantity from ids (used at construction and by checks). */
  recomputeAll(): void {
    this.volume.fill(0);
    this.refY.fill(-1);
    this.sumDy.fill(0);
    this.sumDx.fill(0);
    this.boundaryPos.fill(-1);
    this.boundarySize = 0;
    this.unlikePairs = 0;
    for (let s = 0; s < this.size; s++) {
      const c = this.ids[s];
      this.siteType[s] = this.types[c];
      this.volume[c]++;
      this.addToCom(c, s);
      let u = 0, m = 0;
      for (let i = 0; i < 8; i++) if (this.ids[this.moore[s * 8 + i]] !== c) { u++; m |= 1 << i; }
      this.unlikeMask[s] = m;
      this.unlikePairs += u;
      if (u > 0) this.boundaryAdd(s);
    }
  }



  private boundaryAdd(s: number): void {
    this.boundaryPos[s] = this.boundarySize;
    this.boundary[this.boundarySize++] = s;
  }
  private boundaryRemove(s: number): void {
    const p = this.boundaryPos[s];
    const last = this.boundary[--this.boundarySize];
    this.boundary[p] = last;
    this.boundaryPos[last] = p;
    this.boundaryPos[s] = -1;
  }

  private addToCom(c: number, s: number): void {
    if (c === 0) return;
    const y = ((s + 0.5) * this.invWidth) | 0;
    this.comAdd(c, y, s - y * this.width);
  }

  /** Adds site (y, x) to cell c's centre sums (c ≥ 1; volume[c] already counts it). */
  private comAdd(c: number, y: number, x: number): void {
    const v = this.volume[c];
    if (v === 1 || this.refY[c] < 0) {
      this.refY[c] = y; this.refX[c] = x; this.sumDy[c] = 0; this.sumDx[c] = 0;
      if (v === 1) return;
    }
    const H = this.height, W = this.width;
    let dy = y - this.refY[c], dx = x - this.refX[c];
    if (dy * 2 >= H) dy -= H; else if (dy * 2 < -H) dy += H;
    if (dx * 2 >= W) dx -= W; else if (dx * 2 < -W) dx += W;
    const sy = (this.sumDy[c] += dy), sx = (this.sumDx[c] += dx);
    if (sy * 8 > H * v || -sy * 8 > H * v || sx * 8 > W * v || -sx * 8 > W * v) this.reanchor(c);
  }

  /**
   * Moves cell c's reference site by the mean offset when the cell has drifted more than
   * an eighth of the lattice from it, so that minimal images stay consistent for cells
   * that travel across the lattice.
   */
  private reanchor(c: number): void {
    const v = this.volume[c], H = this.height, W = this.width;
    const sy = Math.round(this.sumDy[c] / v), sx = Math.round(this.sumDx[c] / v);
    this.refY[c] = (((this.refY[c] + sy) % H) + H) % H;
    this.sumDy[c] -= sy * v;
    this.refX[c] = (((this.refX[c] + sx) % W) + W) % W;
    this.sumDx[c] -= sx * v;
  }

  /** Removes site (y, x) from cell c's centre sums (c ≥ 1). */
  private comRemove(c: number, y: number, x: number): void {
    const H = this.height, W = this.width;
    let dy = y - this.refY[c], dx = x - this.refX[c];
    if (dy * 2 >= H) dy -= H; else if (dy * 2 < -H) dy += H;
    if (dx * 2 >= W) dx -= W; else if (dx * 2 < -W) dx += W;
    this.sumDy[c] -= dy;
    this.sumDx[c] -= dx;
  }

  /**
   * Centre of mass of cell c as [y, x], in [0, H) × [0, W), computed by unwrapping the
   * cell's sites relative to a reference site (cells must be smaller than half the lattice).
   * NaN for an empty cell.
   */
  centre(c: number, out: Float64Array | number[] = [0, 0]): Float64Array | number[] {
    const v = this.volume[c];
    if (c === 0 || v === 0) { out[0] = NaN; out[1] = NaN; return out; }
    let y = this.refY[c] + this.sumDy[c] / v, x = this.refX[c] + this.sumDx[c] / v;
    y = ((y % this.height) + this.height) % this.height;
    x = ((x % this.width) + this.width) % this.width;
    out[0] = y; out[1] = x;
    return out;
  }

  /**
   * Writes the 8 Moore neighbours of t into out, in the order of the `moore` table, by
   * arithmetic (no table lookup: on large lattices the table does not stay in cache).
   */
  neighbours8(t: number, out: Int32Array): void {
    const W = this.width;
    const y = ((t + 0.5) * this.invWidth) | 0;
    const x = t - y * W;
    const up = y === 0 ? t - W + this.size : t - W;
    const down = y === this.height - 1 ? t + W - this.size : t + W;
    const l = x === 0 ? W - 1 : -1;
    const r = x === W - 1 ? 1 - W : 1;
    out[0] = up; out[1] = t + l; out[2] = t + r; out[3] = down;
    out[4] = up + l; out[5] = up + r; out[6] = down + l; out[7] = down + r;
  }

  /** Number of Moore neighbours of site s with another id. */
  unlikeCount(s: number): number {
    return POPCOUNT8[this.unlikeMask[s]];
  }

  /** Direction (in `neighbours8` order) of the k-th (from 0) Moore neighbour of s with another id; −1 if there are fewer. */
  unlikeDirection(s: number, k: number): number {
    return NTH_BIT8[this.unlikeMask[s] * 8 + k];
  }

  /** Type of the id at site s. */
  typeAt(s: number): number {
    return this.types[this.ids[s]];
  }

  /** Number of Moore neighbours of t with id c. */
  neighboursWithId(t: number, c: number): number {
    let n = 0;
    for (let i = 0; i < 8; i++) if (this.ids[this.moore[t * 8 + i]] === c) n++;
    return n;
  }

  /** Change of E(x) if site t took id c. */
  unlikePairsDelta(t: number, c: number): number {
    const old = this.ids[t];
    let d = 0;
    for (let i = 0; i < 8; i++) {
      const v = this.ids[this.moore[t * 8 + i]];
      d += (v !== c ? 1 : 0) - (v !== old ? 1 : 0);
    }
    return 2 * d;
  }

  /** Sets site t to id c, updating volumes, centres, unlike counts, the boundary and E. */
  setId(t: number, c: number): void {
    if (this.ids[t] === c) return;
    this.neighbours8(t, this.nbr);
    this.setIdAt(t, c, this.nbr);
  }

  /** setId for a caller that already has t's Moore neighbours in nbr (the samplers' hot path). */
  setIdAt(t: number, c: number, nbr: Int32Array): void {
    const ids = this.ids, mask = this.unlikeMask;
    const old = ids[t];
    if (old === c) return;
    const y = ((t + 0.5) * this.invWidth) | 0, x = t - y * this.width;
    if (old !== 0) this.comRemove(old, y, x);
    this.volume[old]--;
    ids[t] = c;
    this.siteType[t] = this.types[c];
    this.volume[c]++;
    if (c !== 0) this.comAdd(c, y, x);
    let mt = 0, dE = 0;
    for (let q = 0; q < 8; q++) {
      const n = nbr[q];
      const v = ids[n];
      // Branch-free: isC = 1[v = c], isOld = 1[v = old] (((a ^ b) − 1) >>> 31 is 1 iff a = b).
      // The pair (t, n) turns unlike (d = 1) or like (d = −1) or stays (d = 0); t's mask is rebuilt.
      const isC = ((v ^ c) - 1) >>> 31, isOld = ((v ^ old) - 1) >>> 31;
      mt |= (1 - isC) << q;
      const d = isOld - isC;
      const before = mask[n];
      const after = before ^ ((d & 1) << (q ^ 3)); // t is n's neighbour in the opposite direction (q ^ 3)
      mask[n] = after;
      dE += d;
      // n joins or leaves the boundary only when its mask turns nonzero or zero
      if ((before === 0) !== (after === 0)) {
        if (before === 0) this.boundaryAdd(n);
        else this.boundaryRemove(n);
      }
    }
    const beforeT = mask[t];
    mask[t] = mt;
    // both ordered pairs of every changed neighbour relation count
    this.unlikePairs += dE + POPCOUNT8[mt] - POPCOUNT8[beforeT];
    if (beforeT === 0 && mt !== 0) this.boundaryAdd(t);
    else if (beforeT !== 0 && mt === 0) this.boundaryRemove(t);
  }

  /** A plain copy of the configuration. */
  configuration(): Configuration {
    return { height: this.height, width: this.width, ids: Int32Array.from(this.ids), types: Int32Array.from(this.types) };
  }

  /**
   * Compares the incremental bookkeeping with a full recomputation; returns a list of
   * differences (empty when consistent). For tests and debugging. Centres are only
   * well defined for compact cells (smaller than half the lattice); skip them with
   * centres: false for fragmented states.
   */
  verify(opts: { centres?: boolean } = {}): string[] {
    const fresh = new CpmState(this.configuration());
    const diffs: string[] = [];
    for (let c = 0; c <= this.cells; c++) {
      if (fresh.volume[c] !== this.volume[c]) diffs.push(`volume[${c}] ${this.volume[c]} vs ${fresh.volume[c]}`);
      if (c > 0 && this.volume[c] > 0 && opts.centres !== false) {
        const a = this.centre(c), b = fresh.centre(c);
        const dy = Math.abs(wrapDelta(a[0], b[0], this.height)), dx = Math.abs(wrapDelta(a[1], b[1], this.width));
        if (dy > 1e-6 || dx > 1e-6) diffs.push(`centre[${c}] ${a} vs ${b}`);
      }
    }
    if (fresh.unlikePairs !== this.unlikePairs) diffs.push(`E ${this.unlikePairs} vs ${fresh.unlikePairs}`);
    if (fresh.boundarySize !== this.boundarySize) diffs.push(`boundary size ${this.boundarySize} vs ${fresh.boundarySize}`);
    for (let s = 0; s < this.size; s++) {
      if (fresh.unlikeMask[s] !== this.unlikeMask[s]) { diffs.push(`unlikeMask[${s}] ${this.unlikeMask[s]} vs ${fresh.unlikeMask[s]}`); break; }
      if ((fresh.boundaryPos[s] >= 0) !== (this.boundaryPos[s] >= 0)) { diffs.push(`boundary membership of ${s}`); break; }
    }
    for (let i = 0; i < this.boundarySize; i++) {
      if (this.boundaryPos[this.boundary[i]] !== i) { diffs.push(`boundary index ${i} inconsistent`); break; }
    }

    return diffs;
  }
}
