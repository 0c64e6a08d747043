#!/usr/bin/env node
// Bi-polar axial organisation (paper §4.4, Table 2, Figure 7): train the six Hamiltonians on
// snapshots of the published Morpheus model (data generated here with the same semantics,
// band rules written as mathjs expressions), let each model re-arrange training states whose
// cell types were shuffled, and compare the axial organisation with the data's.
//
// The paper also compares with Toda et al. (2018)'s microscopy; that data is not public, so
// that comparison cannot be reproduced here and is not attempted.
//
//   node experiments/bipolar.js                     # default (reduced) preset for 2 CPU cores
//   node experiments/bipolar.js --preset paper      # the paper's settings (a GPU job)
//   node experiments/bipolar.js --generate-only     # only the dataset
//   node experiments/bipolar.js --resume results/bipolar-<time>
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import * as nc from 'neuralcpm';
import { MODEL_OPTIONS, bar, evaluationStarts, gitDescribe, openModelRun, parseCli, pickDevice, runModels, writeJson, writeText } from './common.js';

/**
 * @typedef {{ scenario: 'paper' | 'small', lattice?: { height: number, width: number, cells: number, target: number, samples: number, mcs: number },
 *   networks: Omit<nc.NetworkSizes, 'types' | 'ids' | 'target' | 'height' | 'width'>,
 *   neuralIterations: number, analyticalIterations: number, batch: number, mcs: number, proposals: number, pReset: number,
 *   lambdaReg: number, lr: number, evalBatch: number, checkpointEvery: number,
 *   eval: { trajectories: number, frames: number, itersPerFrame: number, proposals: number } }} Preset
 */

/** @type {Record<string, Preset>} */
const PRESETS = {
  // SPEC 4-6.3 and Table 7: 149x149, 40 cells, embedding 5, NH widths 16/32/32/64/64/64,
  // B = 16, 10 000 iterations of 0.7 MCS with P = 50, λ_reg 5e-4, p_reset 0.025·MCS;
  // evaluation 50 trajectories of 100 frames, 134 ApproxPCPM iterations (P = 50) apart.
  paper: {
    scenario: 'paper',
    networks: { embed: 5, nhWidths: [16, 32, 32, 64, 64, 64], nhPooling: [2, 1, 2, 1, 2, 1], cnnWidths: [16, 16, 32, 32, 64, 64, 128], cnnPooling: [1, 2, 1, 2, 1, 2, 1], cnnStem: 16, cnnProj: 64, oneNhWidths: [32, 64, 64, 128], oneNhPooling: [1, 2, 1, 2], readout: 32 },
    neuralIterations: 10000, analyticalIterations: 10000, batch: 16, mcs: 0.7, proposals: 50, pReset: 0.025 * 0.7, lambdaReg: 5e-4, lr: 1e-3,
    evalBatch: 32, checkpointEvery: 250,
    eval: { trajectories: 50, frames: 100, itersPerFrame: 134, proposals: 50 },
  },
  // Reduced for 2 CPU cores: 60x60 lattice, 8 + 8 cells of V* = 90, 500 MCS per sample, 160
  // samples; embedding 5 (→ 12x12), NH widths (8, 16) pooling (2, 1); B = 8 chains with one
  // ApproxPCPM iteration of P = 32 per training iteration; evaluation 4 trajectories of 10
  // frames 50 ApproxPCPM iterations (0.44 MCS) apart.
  default: {
    scenario: 'small',
    lattice: { height: 60, width: 60, cells: 16, target: 90, samples: 160, mcs: 500 },
    networks: { embed: 5, nhWidths: [8, 16], nhPooling: [2, 1], cnnWidths: [16, 32, 32], cnnPooling: [1, 2, 1], cnnStem: 16, cnnProj: 32, oneNhWidths: [32, 64], oneNhPooling: [1, 2], readout: 32 },
    neuralIterations: 150, analyticalIterations: 600, batch: 8, mcs: 32 / 3600, proposals: 32, pReset: 0.01, lambdaReg: 5e-4, lr: 2e-3,
    evalBatch: 64, checkpointEvery: 50,
    eval: { trajectories: 4, frames: 10, itersPerFrame: 50, proposals: 32 },
  },
};

/** Table 2 of the paper: p_volume, p_unfragmented, axial alignment RMSE (pixel²). */
const PAPER = {
  cellsort: [1.0, 1.0, 147.2], 'cellsort-potential': [1.0, 1.0, 154.4], cnn: [0.0, 0.07, 153.5],
  'nh1-cnn': [0.0, 0.11, 329.1], nh: [0.0, 0.17, 254.2], 'nh-closure': [0.77, 1.0, 37.3],
};

const USAGE = `usage: node experiments/bipolar.js [--preset default|paper] [--models LIST] [--iterations N] [--seed S]
       [--device cpu|webgpu|auto] [--out DIR] [--resume DIR] [--data-dir DIR] [--workers N]
       [--generate-only] [--eval-weights ema|raw] [--eval-trajectories N] [--eval-frames N]
  LIST: comma-separated from ${nc.MODEL_KINDS.join(', ')} (default: all)`;

const { args, fail, intArg } = parseCli('bipolar', USAGE, MODEL_OPTIONS);
const { config, outDir } = openModelRun('bipolar', args, fail, intArg, PRESETS, (preset) => {
  let scenario = nc.bipolarScenario(preset.scenario);
  if (preset.lattice) {
    const l = preset.lattice;
    scenario = { ...scenario, name: `bipolar-${l.height}x${l.width}`, height: l.height, width: l.width, cells: l.cells, radius: l.height / 6, samples: l.samples, mcs: l.mcs, volume: { ...scenario.volume, target: l.target } };
  }
  return { scenario };
});
const workers = intArg(args.workers, 'workers') ?? os.cpus().length;
/** @type {Preset} */
const P = config.presetSettings;
/** @type {nc.ScenarioConfig} */
const S = config.scenario;
const device = await pickDevice(config.device).catch((e) => fail(e.message));
console.log(`bipolar: preset ${config.preset}, models ${config.models.join(', ')}, seed ${config.seed}, device ${device.description}, ${workers} worker threads`);
console.log('Note: the comparison with Toda et al. (2018)\'s microscopy in the paper cannot be reproduced: that data is not public.');

// ---- dataset ----
const dataPath = join(config.dataDir, `${S.name}-seed${config.seed}.npz`);
const gb = existsSync(dataPath) ? null : bar('data', S.samples);
const { dataset, generated } = await nc.ensureDataset(dataPath, S, { seed: config.seed, workers, onProgress: (d) => gb?.update(d) });
gb?.stop();
console.log(`${generated ? 'generated' : 'reusing'} ${dataPath}: ${dataset.count} samples ${S.height}x${S.width}, ${S.cells} cells, ${S.mcs} MCS each${generated ? ` (${Number(dataset.meta.seconds).toFixed(0)} s)` : ''}`);
if (args['generate-only']) process.exit(0);
const all = Array.from({ length: dataset.count }, (_, i) => nc.sampleOf(dataset, i));
const bounds = nc.volumeBounds(all, S.volume.target);
const dataAxial = nc.meanAxialVariances(all);
const dataFraction = all.map((c) => nc.bipolarFraction(c));

// ---- the six models ----
/** @type {nc.NetworkSizes} */
const sizes = { ...P.networks, types: S.contact.J.length, ids: S.cells + 1, target: S.volume.target, height: S.height, width: S.width };
/** @param {nc.Configuration} c */
const safeFraction = (c) => { try { return nc.bipolarFraction(c); } catch { return [NaN, NaN]; } };
const results = await runModels({
  kinds: config.models, sizes, P, config, temperature: S.temperature, trainSet: dataset, evalFrom: all, salt: 0xb1b0, bounds,
  device, workers, outDir, augment: nc.randomRotation, // random rotations of the drawn training states (SPEC 6.3)
  scale: S.height > 100 ? 2 : 3, gifDelay: 150,
  score: ({ trajectories, finals }) => {
    const usable = finals.filter((c) => Number.isFinite(safeFraction(c)[0]));
    const axial = usable.length ? nc.axialRmse(all, usable) : NaN;
    // bipolar fraction over time: mean and std over trajectories per frame and type
    const frac = trajectories.map((t) => t.map(safeFraction));
    const over = [0, 1].map((k) => trajectories[0].map((_, f) => {
      const v = frac.map((tr) => tr[f][k]).filter(Number.isFinite);
      const m = v.reduce((a, x) => a + x, 0) / Math.max(1, v.length);
      return { mean: m, std: Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, v.length)) };
    }));
    return {
      fields: { axial_rmse: axial, axial_variances: usable.length ? nc.meanAxialVariances(usable) : null, bipolar_fraction_over_time: over },
      summary: `axial RMSE ${axial.toFixed(1)} px²`,
    };
  },
});

// ---- plots (paper Figure 7): fraction of variance along the polar axis ----
const colors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
for (const [k, type] of [[0, 1], [1, 2]]) {
  /** @type {nc.Series[]} */
  const series = results.map((r, i) => {
    const o = r.bipolar_fraction_over_time[k];
    return { name: r.label, x: o.map((/** @type {any} */ _, /** @type {number} */ f) => f * r.mcs_per_frame), y: o.map((/** @type {any} */ v) => v.mean), band: o.map((/** @type {any} */ v) => v.std), color: colors[i % colors.length] };
  });
  const dm = dataFraction.map((f) => f[k]).reduce((a, b) => a + b, 0) / dataFraction.length;
  const last = Math.max(...series.map((s) => s.x[s.x.length - 1] ?? 0), 1);
  series.push({ name: 'data (mean)', x: [0, last], y: [dm, dm], color: '#000000', dashed: true });
  await nc.saveChart(join(outDir, `bipolar-fraction-type${type}`), series, { title: `Type ${type}: fraction of variance along the polar axis (mean ± std over trajectories)`, xLabel: 'MCS', yLabel: 'fraction', width: 900 });
}

// ---- report ----
const f2 = (/** @type {number} */ x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const lines = [`# Bi-polar axial organisation (${config.preset} preset)`, '',
  `Seed ${config.seed}; ${S.height}x${S.width} lattice, ${S.cells} cells, V* = ${S.volume.target}, T = ${S.temperature}, ${S.mcs} MCS per sample, ${dataset.count} samples; device ${device.description}; ${workers} worker threads; commit ${gitDescribe()}.`,
  `Weights evaluated: ${config.evalWeights === 'ema' ? 'exponential moving average (decay 0.99)' : 'raw'}. Training states are rotated by a random angle (nearest neighbour, about the lattice centre). Evaluation: ${P.eval.trajectories} trajectories from data states with permuted cell types, ${P.eval.frames} frames ${((P.eval.itersPerFrame * P.eval.proposals) / (S.height * S.width)).toFixed(2)} MCS apart; p_volume and p_unfragmented over every 5th frame, the initial one included; axial RMSE over the final frames against all data states.`,
  `Data: mean axial variances (polar₁, orth₁, polar₂, orth₂) = ${dataAxial.map((v) => v.toFixed(1)).join(', ')} px². The evaluation's start states (data states with permuted types, before any model moves them) have axial RMSE ${nc.axialRmse(all, evaluationStarts(all, config.seed, 0xb1b0, P.eval.trajectories)).toFixed(2)} px²: a model has organised the cells when it ends below that.`,
  'The paper also compares with Toda et al. (2018)\'s microscopy images; that data is not public, so that comparison is not reproduced.', '',
  '| model | p_volume | p_unfragmented | axial RMSE (px²) | paper (p_vol, p_unfrag, RMSE) | iterations | train | evaluate |',
  '|---|---|---|---|---|---|---|---|'];
for (const r of results) {
  const p = /** @type {any} */ (PAPER)[r.model];
  lines.push(`| ${r.label} | ${f2(r.p_volume)} | ${f2(r.p_unfragmented)} | ${f2(r.axial_rmse)} | ${p[0].toFixed(2)}, ${p[1].toFixed(2)}, ${p[2].toFixed(1)} | ${r.iterations} | ${(r.train_seconds / 60).toFixed(1)} min | ${(r.eval_seconds / 60).toFixed(1)} min |`);
}
lines.push('', 'The paper\'s numbers come from its full setting (149x149, 40 cells, 10 000 iterations, 50 trajectories of 67 MCS); a reduced preset is not comparable to them number for number.', '',
  '![type 1](bipolar-fraction-type1.png) ![type 2](bipolar-fraction-type2.png)', '');
// the fraction at the end of the trajectories (the models' equilibrium estimate) beside the data's
/** @param {number[]} v */
const meanStd = (v) => { const m = v.reduce((a, x) => a + x, 0) / v.length; return `${m.toFixed(3)} ± ${Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / v.length).toFixed(3)}`; };
lines.push('Fraction of variance along the polar axis at the end of the evaluation (mean ± std over trajectories):', '',
  '| | type 1 | type 2 |', '|---|---|---|',
  `| data (all states) | ${meanStd(dataFraction.map((f) => f[0]))} | ${meanStd(dataFraction.map((f) => f[1]))} |`);
for (const r of results) {
  const last = r.bipolar_fraction_over_time.map((/** @type {any[]} */ o) => o[o.length - 1]);
  lines.push(`| ${r.label} | ${last[0].mean.toFixed(3)} ± ${last[0].std.toFixed(3)} | ${last[1].mean.toFixed(3)} ± ${last[1].std.toFixed(3)} |`);
}
lines.push('');
for (const r of results) lines.push(`## ${r.label}`, '', `![final states](${r.model}/final-states.png) ![trajectory](${r.model}/trajectory.gif)`, '');
writeText(join(outDir, 'report.md'), lines.join('\n') + '\n');
writeJson(join(outDir, 'results.json'), { config, data_axial_variances: dataAxial, results });
console.log(`\n${lines.slice(0, 9 + results.length).join('\n')}\n\nwrote ${join(outDir, 'report.md')}`);
