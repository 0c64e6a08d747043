/**
 * Bi-polar axial organisation (SPEC 6.3, 7): the published Morpheus model as a scenario
 * whose band rules are mathjs expressions, random rotations of training states, and the
 * axial metrics (variance of the cells' centres along and across the polar axis of the
 * type-2 cells, the axial alignment RMSE and the bipolar fraction).
 */
import { RandomStream, type Key } from '../engine/random.js';
import type { ScenarioConfig } from './scenario.js';
import { CpmState, type Configuration } from './state.js';

/**
 * The band rules, as a Morpheus user writes them: type 1 moves towards the centre band
 * (sign(S/2 − cx)) while outside 0.4·S < cx < 0.6·S; type 2 moves out of the band towards
 * the nearer pole (sign(cx − S/2)) while inside it; motion is along x only.
 */
export const BIPOLAR_BAND_RULES = {
  dx: 'type == 1 ? ((cx < 0.4 * S or cx > 0.6 * S) ? sign(S / 2 - cx) : 0) : ((type == 2 and cx > 0.4 * S and cx < 0.6 * S) ? sign(cx - S / 2) : 0)',
  dy: '0',
} as const;

/** The published model (paper) or a reduced lattice for 2 CPU cores (small). */
export function bipolarScenario(preset: 'paper' | 'small', opts: { samples?: number; mcs?: number } = {}): ScenarioConfig {
  const J = [[0, 16, 16], [16, 6, 16], [16, 16, 6]];
  const motion = { strength: [0, 0.2, 0.2], dx: BIPOLAR_BAND_RULES.dx, dy: BIPOLAR_BAND_RULES.dy };
  if (preset === 'paper') {
    return { name: 'bipolar-paper', height: 149, width: 149, cells: 40, radius: 149 / 6, temperature: 2, mcs: opts.mcs ?? 2000, samples: opts.samples ?? 1000,
      contact: { J, order: 6, divisor: 18 }, volume: { lambda: 1, target: 150 }, motion };
  }
  if (preset === 'small') {
    return { name: 'bipolar-small', height: 75, width: 75, cells: 20, radius: 75 / 6, temperature: 2, mcs: opts.mcs ?? 600, samples: opts.samples ?? 200,
      contact: { J, order: 6, divisor: 18 }, volume: { lambda: 1, target: 100 }, motion };
  }
  throw new Error(`bipolar preset must be 'paper' or 'small', got '${String(preset)}'`);
}

/**
 * The configuration rotated by `angle` (radians, counter-clockwise) about the lattice centre
 * with nearest-neighbour sampling; sites whose source falls outside the lattice become medium.
 */
export function rotateConfiguration(c: Configuration, angle: number): Configuration {
  const { height: H, width: W } = c;
  const cy = (H - 1) / 2, cx = (W - 1) / 2;
  const cos = Math.cos(angle), sin = Math.sin(angle);
  const ids = new Int32Array(H * W);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    // inverse rotation of the output site gives the source site
    const dy = y - cy, dx = x - cx;
    const sy = Math.round(cy + cos * dy + sin * dx), sx = Math.round(cx - sin * dy + cos * dx);
    if (sy >= 0 && sy < H && sx >= 0 && sx < W) ids[y * W + x] = c.ids[sy * W + sx];
  }
  return { ...c, ids };
}

/** A rotation by a uniform random angle (the training-time augmentation of SPEC 6.3). */
export function randomRotation(c: Configuration, key: Key): Configuration {
  return rotateConfiguration(c, new RandomStream(key).uniform() * 2 * Math.PI);
}

/** Variances of the cell centres per type (1, 2) along the polar axis and across it. */
export interface AxialVariances { polar: [number, number]; orthogonal: [number, number] }

/**
 * Per state: the centres of mass of all cells; the principal axes of the type-2 centres
 * (eigenvectors of their covariance, largest eigenvalue first); every centre projected on
 * them; for types 1 and 2 the variance along the polar (first) and the orthogonal axis.
 */
export function axialVariances(c: Configuration): AxialVariances {
  const s = new CpmState(c);
  const centre = new Float64Array(2);
  const pts: { y: number; x: number; type: number }[] = [];
  for (let id = 1; id < c.types.length; id++) {
    if (s.volume[id] === 0) continue;
    s.centre(id, centre);
    pts.push({ y: centre[0], x: centre[1], type: c.types[id] });
  }
  const two = pts.filter((p) => p.type === 2);
  if (two.length < 2) throw new Error('axialVariances: needs at least two type-2 cells to define the polar axis');
  const my = two.reduce((a, p) => a + p.y, 0) / two.length, mx = two.reduce((a, p) => a + p.x, 0) / two.length;
  let syy = 0, sxx = 0, sxy = 0;
  for (const p of two) { syy += (p.y - my) ** 2; sxx += (p.x - mx) ** 2; sxy += (p.y - my) * (p.x - mx); }
  // largest eigenvector of [[sxx, sxy], [sxy, syy]] (x first)
  const tr = sxx + syy, det = sxx * syy - sxy * sxy;
  const l1 = tr / 2 + Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
  let ux = sxy, uy = l1 - sxx;
  if (Math.abs(ux) + Math.abs(uy) < 1e-12) { ux = sxx >= syy ? 1 : 0; uy = sxx >= syy ? 0 : 1; }
  const norm = Math.hypot(ux, uy);
  ux /= norm; uy /= norm;
  const variance = (vals: number[]): number => {
    if (vals.length === 0) return 0;
    const m = vals.reduce((a, v) => a + v, 0) / vals.length;
    return vals.reduce((a, v) => a + (v - m) ** 2, 0) / vals.length;
  };
  const out: AxialVariances = { polar: [0, 0], orthogonal: [0, 0] };
  for (const t of [1, 2]) {
    const mine = pts.filter((p) => p.type === t);
    out.polar[t - 1] = variance(mine.map((p) => p.x * ux + p.y * uy));
    out.orthogonal[t - 1] = variance(mine.map((p) => -p.x * uy + p.y * ux));
  }
  return out;
}

/** Mean axial variances over states, as [polar₁, orth₁, polar₂, orth₂]. */
export function meanAxialVariances(states: readonly Configuration[]): number[] {
  const acc = [0, 0, 0, 0];
  for (const c of states) {
    const v = axialVariances(c);
    acc[0] += v.polar[0]; acc[1] += v.orthogonal[0]; acc[2] += v.polar[1]; acc[3] += v.orthogonal[1];
  }
  return acc.map((a) => a / states.length);
}

/** Axial alignment RMSE (pixel²) between the mean axial variances of data and model final states. */
export function axialRmse(data: readonly Configuration[], model: readonly Configuration[]): number {
  const a = meanAxialVariances(data), b = meanAxialVariances(model);
  return Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / 4);
}

/** Fraction of each type's variance along the polar axis: [type 1, type 2]. */
export function bipolarFraction(c: Configuration): [number, number] {
  const v = axialVariances(c);
  const f = (i: number): number => (v.polar[i] + v.orthogonal[i] > 0 ? v.polar[i] / (v.polar[i] + v.orthogonal[i]) : 0);
  return [f(0), f(1)];
}
