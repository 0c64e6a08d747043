/**
 * Dataset generation: each sample is seeded single-pixel cells in a disc, simulated with
 * the exact sampler for the scenario's MCS. Sample i draws from foldIn(key(seed), i), so
 * the dataset is the same byte for byte whatever the number of worker threads.
 */
import { Worker } from 'node:worker_threads';
import { cpus } from 'node:os';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { foldIn, makeKey, split } from '../engine/random.js';
import { seedDisc } from './init.js';
import { ExactSampler } from './samplers/exact.js';
import { buildHamiltonian, type ScenarioConfig } from './scenario.js';
import { CpmState, type Configuration } from './state.js';
import { saveDataset, sampleOf, loadDataset, type Dataset } from './io/dataset.js';
import { savePng } from './pictures.js';

/** One simulated sample of a scenario. */
export function generateSample(s: ScenarioConfig, seed: number, index: number): { config: Configuration; attempts: number; mcs: number } {
  const [kInit, kRun] = split(foldIn(makeKey(seed), index));
  const cfg = seedDisc({ height: s.height, width: s.width, cells: s.cells, radius: s.radius, key: kInit });
  const state = new CpmState(cfg);
  const sampler = new ExactSampler(state, buildHamiltonian(s), { temperature: s.temperature, key: kRun });
  const st = sampler.run(s.mcs);
  return { config: state.configuration(), attempts: st.attempts, mcs: st.mcs };
}

export interface GenerateOptions {
  seed: number;
  /** Worker threads (default: the number of cores, at most the number of samples; 1 runs inline). */
  workers?: number;
  /** Called after every finished sample. */
  onProgress?: (done: number, total: number) => void;
}

const workerUrl = new URL('./datagen-worker.js', import.meta.url);

/** Generates all samples of a scenario, on worker threads when workers > 1. */
export async function generateDataset(s: ScenarioConfig, opts: GenerateOptions): Promise<Dataset> {
  const total = s.samples;
  const hw = s.height * s.width;
  const slots = s.cells + 1;
  const ids = new Int32Array(total * hw);
  const types = new Int32Array(total * slots);
  const workers = Math.max(1, Math.min(opts.workers ?? cpus().length, total));
  let done = 0;
  const store = (i: number, c: Configuration): void => {
    ids.set(c.ids, i * hw);
    types.set(c.types, i * slots);
    done++;
    opts.onProgress?.(done, total);
  };
  const t0 = Date.now();
  if (workers === 1) {
    for (let i = 0; i < total; i++) store(i, generateSample(s, opts.seed, i).config);
  } else {
    let next = 0;
    await Promise.all(Array.from({ length: workers }, () => new Promise<void>((resolve, reject) => {
      const w = new Worker(fileURLToPath(workerUrl), { workerData: { scenario: s, seed: opts.seed } });
      const feed = (): void => {
        if (next < total) w.postMessage(next++);
        else { void w.terminate(); resolve(); }
      };
      w.on('message', (m: { index: number; ids: Int32Array; types: Int32Array }) => {
        store(m.index, { height: s.height, width: s.width, ids: m.ids, types: m.types });
        feed();
      });
      w.on('error', reject);
      w.on('online', feed);
    })));
  }
  return {
    count: total, height: s.height, width: s.width, typeSlots: slots, ids, types,
    meta: { generator: 'neuralcpm exact sampler (edge-list Metropolis, classic kinetics)', stream: 'FastRandomStream: xoshiro128** seeded by Threefry-2x32 from each sample key', scenario: s, seed: opts.seed, mcs: s.mcs, seconds: (Date.now() - t0) / 1000 },
  };
}

/**
 * Returns the dataset at `path`, generating and saving it first (with a few example
 * pictures beside it) when it does not exist yet. An existing file must match the scenario.
 */
export async function ensureDataset(path: string, s: ScenarioConfig, opts: GenerateOptions & { examples?: number }): Promise<{ dataset: Dataset; generated: boolean }> {
  if (existsSync(path)) {
    const d = await loadDataset(path);
    const want = JSON.stringify(s), have = JSON.stringify((d.meta as { scenario?: unknown }).scenario);
    if (want !== have) {
      throw new Error(`${path} was generated for another scenario (${have}); expected ${want}. Delete it to regenerate, or point to another data directory`);
    }
    return { dataset: d, generated: false };
  }
  mkdirSync(dirname(path), { recursive: true });
  const d = await generateDataset(s, opts);
  await saveDataset(path, d);
  const examples = Math.min(opts.examples ?? 4, d.count);
  for (let i = 0; i < examples; i++) await savePng(join(dirname(path), `${s.name}-sample${i}.png`), sampleOf(d, i), { scale: s.height > 150 ? 2 : 3 });
  return { dataset: d, generated: true };
}
