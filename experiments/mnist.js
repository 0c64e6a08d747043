#!/usr/bin/env node
// Cellular MNIST (paper §4.3, Table 1): train the six Hamiltonians on snapshots of cells
// arranged as digits, then let each model re-arrange data states whose cell types were
// shuffled, and score the results (p_volume, p_unfragmented, Classifier Score).
//
//   node experiments/mnist.js                       # default (reduced) preset, ~1 hour on 2 cores
//   node experiments/mnist.js --preset paper        # the paper's settings (a GPU job)
//   node experiments/mnist.js --models nh,cellsort  # a subset of the six models
//   node experiments/mnist.js --generate-only       # only the dataset
//   node experiments/mnist.js --resume results/mnist-<time>
//
// Results go to results/mnist-<time>/ (report.md, results.json, per-model weights, logs,
// final-state grids and trajectory GIFs); the dataset to data/ (generated once, then reused).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import * as nc from 'neuralcpm';
import { MODEL_OPTIONS, bar, evaluationStarts, gitDescribe, openModelRun, parseCli, pickDevice, runModels, writeJson, writeText } from './common.js';

/**
 * @typedef {{ scenario: 'paper' | 'small', networks: Omit<nc.NetworkSizes, 'types' | 'ids' | 'target' | 'height' | 'width'>,
 *   neuralIterations: number, analyticalIterations: number, batch: number, mcs: number, proposals: number, pReset: number,
 *   lambdaReg: number, lr: number, evalBatch: number, checkpointEvery: number,
 *   eval: { trajectories: number, frames: number, itersPerFrame: number, proposals: number }, classifierEpochs: number }} Preset
 */

/** @type {Record<string, Preset>} */
const PRESETS = {
  // SPEC 4-5 and Table 7: 100x100, 50 cells, the paper's networks, B = 16, 10 000 iterations
  // of 0.5 MCS with P = 50, λ_reg 5e-4, p_reset 0.025·MCS; evaluation 50 trajectories of
  // 100 frames, 134 ApproxPCPM iterations (P = 50) between frames.
  paper: {
    scenario: 'paper',
    networks: { embed: 3, nhWidths: [8, 16, 32, 32], nhPooling: [3, 2, 1, 1], cnnWidths: [16, 16, 32, 32, 64, 64, 128], cnnPooling: [1, 2, 1, 2, 1, 2, 1], cnnStem: 16, cnnProj: 64, oneNhWidths: [32, 64, 128], oneNhPooling: [1, 2, 2], readout: 32 },
    neuralIterations: 10000, analyticalIterations: 10000, batch: 16, mcs: 0.5, proposals: 50, pReset: 0.025 * 0.5, lambdaReg: 5e-4, lr: 1e-3,
    evalBatch: 32, checkpointEvery: 250,
    eval: { trajectories: 50, frames: 100, itersPerFrame: 134, proposals: 50 }, classifierEpochs: 30,
  },
  // Reduced for 2 CPU cores (about an hour for all six models): 40x40 lattice, 16 cells of
  // V* = 50, embedding 4 (→ 10x10), NH widths (8, 16) pooling (2, 1); B = 8 chains with one
  // ApproxPCPM iteration of P = 32 proposals per training iteration; evaluation 4
  // trajectories of 20 frames 0.5 MCS apart (10 MCS).
  default: {
    scenario: 'small',
    networks: { embed: 4, nhWidths: [8, 16], nhPooling: [2, 1], cnnWidths: [16, 32, 32], cnnPooling: [1, 2, 1], cnnStem: 16, cnnProj: 32, oneNhWidths: [32, 64], oneNhPooling: [1, 2], readout: 32 },
    neuralIterations: 300, analyticalIterations: 1000, batch: 8, mcs: 0.02, proposals: 32, pReset: 0.01, lambdaReg: 5e-4, lr: 2e-3,
    evalBatch: 64, checkpointEvery: 50,
    eval: { trajectories: 4, frames: 20, itersPerFrame: 25, proposals: 32 }, classifierEpochs: 20,
  },
};

/** Table 1 of the paper: p_volume, p_unfragmented, Classifier Score. */
const PAPER = {
  cellsort: [1.0, 1.0, 2.47], 'cellsort-potential': [1.0, 1.0, 3.11], cnn: [0.0, 0.05, 3.7],
  'nh1-cnn': [0.06, 0.87, 3.53], nh: [0.11, 0.99, 4.91], 'nh-closure': [1.0, 1.0, 4.35],
};

const USAGE = `usage: node experiments/mnist.js [--preset default|paper] [--models LIST] [--iterations N] [--seed S]
       [--device cpu|webgpu|auto] [--out DIR] [--resume DIR] [--data-dir DIR] [--workers N]
       [--generate-only] [--eval-weights ema|raw] [--j12 8|6] [--eval-trajectories N] [--eval-frames N]
  LIST: comma-separated from ${nc.MODEL_KINDS.join(', ')} (default: all)`;

const { args, fail, intArg } = parseCli('mnist', USAGE, { ...MODEL_OPTIONS, j12: { type: 'string', default: '8' } });
const j12 = Number(args.j12);
if (!args.resume && j12 !== 8 && j12 !== 6) fail(`--j12 must be 8 (the value behind Table 1) or 6 (Table 5), got '${args.j12}'`);
const { config, outDir } = openModelRun('mnist', args, fail, intArg, PRESETS, (preset) => ({ j12, scenario: nc.mnistScenario(preset.scenario, { j12 }) }));
const workers = intArg(args.workers, 'workers') ?? os.cpus().length;
/** @type {Preset} */
const P = config.presetSettings;
/** @type {nc.MnistScenario} */
const S = config.scenario;
const device = await pickDevice(config.device).catch((e) => fail(e.message));
console.log(`mnist: preset ${config.preset}, models ${config.models.join(', ')}, seed ${config.seed}, device ${device.description}, ${workers} worker threads`);

// ---- dataset and split ----
const dataPath = join(config.dataDir, `${S.name}-seed${config.seed}.npz`);
const gb = existsSync(dataPath) ? null : bar('data', S.samples);
const { dataset, generated } = await nc.ensureMnistDataset(dataPath, S, { seed: config.seed, workers, onProgress: (d) => gb?.update(d) });
gb?.stop();
console.log(`${generated ? 'generated' : 'reusing'} ${dataPath}: ${dataset.count} samples ${S.height}x${S.width}, ${S.cells} cells, ${S.mcs} MCS each (J12 = ${S.J[1][2]})`);
if (args['generate-only']) process.exit(0);
const all = Array.from({ length: dataset.count }, (_, i) => nc.sampleOf(dataset, i));
const labels = /** @type {Int32Array} */ (dataset.labels);
const nTrain = Math.floor(0.8 * all.length);
const train = all.slice(0, nTrain), test = all.slice(nTrain);
const trainLabels = labels.slice(0, nTrain), testLabels = labels.slice(nTrain);
const bounds = nc.volumeBounds(train, S.target);

// ---- the digit classifier (trained once per run, reused on resume) ----
const clf = new nc.DigitClassifier(S.J.length);
const clfPath = join(outDir, 'classifier.safetensors');
/** @type {any} */
let clfInfo;
/** @type {nc.Params} */
let clfParams;
if (existsSync(clfPath)) {
  const loaded = await nc.loadSafetensors(clfPath);
  clfParams = loaded.tensors;
  clfInfo = JSON.parse(readFileSync(join(outDir, 'classifier.json'), 'utf8'));
  console.log(`classifier: reusing ${clfPath} (test accuracy ${(100 * clfInfo.testAccuracy).toFixed(1)}%)`);
} else {
  const cb = bar('classifier', P.classifierEpochs);
  const r = await nc.trainDigitClassifier(clf, train, trainLabels, test, testLabels, { epochs: P.classifierEpochs, seed: config.seed + 1, onEpoch: (e, l) => cb.update(e, `loss ${l.toFixed(3)}`) });
  cb.stop();
  clfParams = r.params;
  const dataCs = nc.classifierScore(clf.predict(r.params, test));
  clfInfo = { trainAccuracy: r.trainAccuracy, testAccuracy: r.testAccuracy, epochs: r.epochs, seconds: r.seconds, train: train.length, test: test.length, dataClassifierScore: dataCs };
  await nc.saveSafetensors(clfPath, r.params, { info: JSON.stringify(clfInfo) });
  writeJson(join(outDir, 'classifier.json'), clfInfo);
  console.log(`classifier: train accuracy ${(100 * r.trainAccuracy).toFixed(1)}%, test accuracy ${(100 * r.testAccuracy).toFixed(1)}% (${test.length} held-out states), Classifier Score of the held-out data ${dataCs.toFixed(2)}, ${r.seconds.toFixed(0)} s`);
}

// ---- the six models ----
/** @type {nc.NetworkSizes} */
const sizes = { ...P.networks, types: S.J.length, ids: S.cells + 1, target: S.target, height: S.height, width: S.width };
/** @type {nc.Dataset} */
const trainSet = { ...dataset, count: nTrain, ids: dataset.ids.slice(0, nTrain * S.height * S.width), types: dataset.types.slice(0, nTrain * (S.cells + 1)), labels: trainLabels };
const results = await runModels({
  kinds: config.models, sizes, P, config, temperature: S.temperature, trainSet, evalFrom: train, salt: 0x5eed, bounds,
  device, workers, outDir, scale: S.height > 60 ? 2 : 4, gifDelay: 120,
  score: ({ finals }) => {
    const cs = nc.classifierScore(clf.predict(clfParams, finals));
    return { fields: { classifier_score: cs }, summary: `Classifier Score ${cs.toFixed(2)}` };
  },
});

// ---- report ----
const f2 = (/** @type {number} */ x) => x.toFixed(2);
const lines = [`# Cellular MNIST (${config.preset} preset)`, '',
  `Seed ${config.seed}; ${S.height}x${S.width} lattice, ${S.cells} cells, V* = ${S.target}, J12 = ${S.J[1][2]}; device ${device.description}; ${workers} worker threads; commit ${gitDescribe()}.`,
  `Weights evaluated: ${config.evalWeights === 'ema' ? 'exponential moving average (decay 0.99)' : 'raw'}. Evaluation: ${P.eval.trajectories} trajectories from training states with permuted cell types, ${P.eval.frames} frames ${((P.eval.itersPerFrame * P.eval.proposals) / (S.height * S.width)).toFixed(2)} MCS apart (ApproxPCPM, P = ${P.eval.proposals}); p_volume and p_unfragmented over every 5th frame, the initial one included; Classifier Score over the final frames.`,
  `Digit classifier: test accuracy ${(100 * clfInfo.testAccuracy).toFixed(1)}% on ${clfInfo.test} held-out states (train ${(100 * clfInfo.trainAccuracy).toFixed(1)}%); the held-out data itself scores CS = ${f2(clfInfo.dataClassifierScore)}, and the evaluation's start states (training states with permuted types) score CS = ${f2(nc.classifierScore(clf.predict(clfParams, evaluationStarts(train, config.seed, 0x5eed, P.eval.trajectories))))}.`, '',
  '| model | p_volume | p_unfragmented | Classifier Score | paper (p_vol, p_unfrag, CS) | iterations | train | evaluate |',
  '|---|---|---|---|---|---|---|---|'];
for (const r of results) {
  const p = /** @type {any} */ (PAPER)[r.model];
  lines.push(`| ${r.label} | ${f2(r.p_volume)} | ${f2(r.p_unfragmented)} | ${f2(r.classifier_score)} | ${p.map(f2).join(', ')} | ${r.iterations} | ${(r.train_seconds / 60).toFixed(1)} min | ${(r.eval_seconds / 60).toFixed(1)} min |`);
}
lines.push('', 'The paper\'s numbers come from its full setting (100x100, 50 cells, 10 000 iterations, 50 trajectories of 67 MCS); a reduced preset is not comparable to them number for number.', '');
for (const r of results) lines.push(`## ${r.label}`, '', `![final states](${r.model}/final-states.png) ![trajectory](${r.model}/trajectory.gif)`, '');
writeText(join(outDir, 'report.md'), lines.join('\n') + '\n');
writeJson(join(outDir, 'results.json'), { config, classifier: clfInfo, results });
console.log(`\n${lines.slice(0, 8 + results.length).join('\n')}\n\nwrote ${join(outDir, 'report.md')}`);
