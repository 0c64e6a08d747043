// Suite `train`: cellsort training iterations per second at the paper preset's settings
// (200x200 data, B = 16 chains, 1 MCS of ApproxPCPM with P = 100 per iteration), split
// into sampling and gradient time; the same iterations with the chains on one thread are
// the reference (the ratio is the speed-up of the worker pool).
import { existsSync } from 'node:fs';
import os from 'node:os';
import * as nc from 'neuralcpm';

/** @param {{ measure: (name: string, fn: () => void) => number }} _ctx */
export async function run(_ctx) {
  const sc = nc.cellsortScenario('a', 'paper');
  const data = existsSync('data/cellsort-a-paper.npz')
    ? await nc.loadDataset('data/cellsort-a-paper.npz')
    : await nc.generateDataset({ ...sc, samples: 8 }, { seed: 2025 });
  /** @type {nc.TrainConfig} */
  const tc = { sampler: 'cpm', iterations: 10000, batch: 16, mcs: 1, proposals: 100, proposal: 'uniform-pair', gwgSteps: 1, pReset: 1, permuteTypes: false, lambdaReg: 0, lr: 1e-3, lrSchedule: 'constant', lrFinal: 1e-3, emaDecay: 0.99, temperature: 1, seed: 0, checkpointEvery: 1000 };
  /** @param {nc.ChainPool | null} pool @param {number} n */
  async function time(pool, n) {
    const tr = new nc.Trainer(tc, data, { target: 200, types: 3 });
    tr.pool = pool;
    for (let i = 0; i < 3; i++) await tr.step(); // warm-up
    let sample = 0, grad = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) { const l = await tr.step(); sample += l.sampleSeconds; grad += l.gradSeconds; }
    const s = (performance.now() - t0) / 1000;
    return { perSecond: n / s, sample: sample / n, grad: grad / n };
  }
  const single = await time(null, 20);
  const pool = new nc.ChainPool(os.cpus().length);
  const multi = await time(pool, 40);
  await pool.close();
  return [
    { name: 'paper_preset_iterations_per_s', value: multi.perSecond, unit: 'it/s', reference: single.perSecond, ratio: multi.perSecond / single.perSecond, workers: os.cpus().length },
    { name: 'paper_preset_sampling_s_per_it', value: multi.sample, unit: 's' },
    { name: 'paper_preset_gradient_s_per_it', value: multi.grad, unit: 's' },
    { name: 'paper_preset_hours_for_10000_it', value: 10000 / multi.perSecond / 3600, unit: 'h' },
  ];
}
