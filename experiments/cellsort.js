#!/usr/bin/env node
// Cell sorting (paper §4.2, Table 8): learn the cellsort Hamiltonian's parameters from
// snapshots and compare them with the true ones.
//
//   node experiments/cellsort.js                      # default preset, scenarios a and b
//   node experiments/cellsort.js --preset paper       # Table 7 settings (long)
//   node experiments/cellsort.js --baselines          # also fit with Gibbs and GWG
//   node experiments/cellsort.js --generate-only      # only generate the datasets
//   node experiments/cellsort.js --resume results/cellsort-<time>
//
// Results go to results/cellsort-<time>/ (report.md, results.json, fitted parameters,
// convergence plots); datasets to data/ (generated once, then reused).
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import * as nc from 'neuralcpm';
import { bar, gitDescribe, writeJson } from './common.js';

/** @typedef {{ lattice: 'paper' | 'appendix', iterations: number, lr: number, lrSchedule: 'constant' | 'cosine', lrFinal: number, mcs: number, proposals: number, batch: number, checkpointEvery: number, baselineIterations: number, gwgSteps: number, gibbsMcs: number }} Preset */

/** @type {Record<string, Preset>} */
const PRESETS = {
  // Table 7: 200x200 data, 10 000 iterations of 1 MCS with P = 100 and B = 16, Adam 1e-3.
  paper: { lattice: 'paper', iterations: 10000, lr: 1e-3, lrSchedule: 'constant', lrFinal: 1e-3, mcs: 1, proposals: 100, batch: 16, checkpointEvery: 250, baselineIterations: 10000, gwgSteps: 20, gibbsMcs: 1 },
  // The same data and sampler with fewer iterations: a larger step size that decays
  // (cosine) to the paper's 1e-3 (about 15 minutes on 2 cores for both scenarios).
  default: { lattice: 'paper', iterations: 1500, lr: 2e-2, lrSchedule: 'cosine', lrFinal: 1e-3, mcs: 1, proposals: 100, batch: 16, checkpointEvery: 100, baselineIterations: 100, gwgSteps: 2, gibbsMcs: 0.25 },
};

/** Published numbers (SPEC 8): RMSE at T = 1 and T*, and Table 8's log10 values. */
const PAPER = {
  a: { cpm: [0.055, 0.021], log10: { cpm: [-1.26, -1.67], gibbs: [1.07, 0.58], gwg: [0.82, 0.54] } },
  b: { cpm: [0.997, 0.178], log10: { cpm: [-0.01, -0.75], gibbs: [1.02, 0.86], gwg: [0.64, 0.64] } },
};

const USAGE = `usage: node experiments/cellsort.js [--preset default|paper] [--scenario a|b|all] [--scenario-file FILE]
       [--iterations N] [--seed S] [--device cpu|webgpu|auto] [--out DIR] [--resume DIR]
       [--baselines] [--generate-only] [--data-dir DIR] [--workers N] [--eval-weights ema|raw]
       [--proposal uniform-pair|boundary-source|boundary-target]`;

/** @param {string} msg @returns {never} */
function fail(msg) {
  console.error(`cellsort: ${msg}\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      preset: { type: 'string', default: 'default' },
      scenario: { type: 'string', default: 'all' },
      'scenario-file': { type: 'string' },
      iterations: { type: 'string' },
      seed: { type: 'string', default: '0' },
      device: { type: 'string', default: 'cpu' },
      out: { type: 'string' },
      resume: { type: 'string' },
      baselines: { type: 'boolean', default: false },
      'generate-only': { type: 'boolean', default: false },
      'data-dir': { type: 'string', default: 'data' },
      workers: { type: 'string' },
      'eval-weights': { type: 'string', default: 'ema' },
      proposal: { type: 'string', default: 'uniform-pair' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
} catch (e) {
  fail(/** @type {Error} */ (e).message);
}
const args = /** @type {NonNullable<typeof parsed>} */ (parsed).values;
if (args.help) { console.log(USAGE); process.exit(0); }

/** @param {string | undefined} v @param {string} name */
function intArg(v, name) {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) fail(`--${name} must be a non-negative integer, got '${v}'`);
  return n;
}

// ---- the experiment's configuration (saved, and reloaded by --resume) ----
/** @type {any} */
let config;
let outDir;
if (args.resume) {
  outDir = args.resume;
  const cfgPath = join(outDir, 'config.json');
  if (!existsSync(cfgPath)) fail(`--resume ${outDir}: no config.json there; point it at a results/cellsort-<time> directory`);
  config = JSON.parse(readFileSync(cfgPath, 'utf8'));
} else {
  const preset = PRESETS[/** @type {string} */ (args.preset)];
  if (!preset) fail(`--preset must be 'default' or 'paper', got '${args.preset}'`);
  if (!['cpu', 'auto', 'webgpu'].includes(/** @type {string} */ (args.device))) fail(`--device must be cpu, webgpu or auto, got '${args.device}'`);
  if (args.device === 'webgpu') fail('--device webgpu: the cellsort fit has no GPU work (7 scalar parameters and lattice samplers); use --device cpu (auto picks cpu)');
  /** @type {{ name: string, scenario: nc.ScenarioConfig, truth: number[], dataSeed: number }[]} */
  const scenarios = [];
  if (args['scenario-file']) {
    let raw;
    try { raw = JSON.parse(readFileSync(args['scenario-file'], 'utf8')); } catch (e) { fail(`--scenario-file ${args['scenario-file']}: ${/** @type {Error} */ (e).message}`); }
    /** @type {nc.ScenarioConfig} */
    let sc;
    try { sc = nc.validateScenario(raw, /** @type {string} */ (args['scenario-file'])); } catch (e) { fail(/** @type {Error} */ (e).message); }
    scenarios.push({ name: sc.name, scenario: sc, truth: nc.parameterVector(sc.contact.J, sc.volume.lambda), dataSeed: 7 });
  } else {
    const which = args.scenario === 'all' ? ['a', 'b'] : [args.scenario];
    for (const w of which) {
      if (w !== 'a' && w !== 'b') fail(`--scenario must be a, b or all, got '${w}'`);
      const sc = nc.cellsortScenario(/** @type {'a' | 'b'} */ (w), preset.lattice);
      scenarios.push({ name: w, scenario: sc, truth: nc.parameterVector(sc.contact.J, sc.volume.lambda), dataSeed: w === 'a' ? 2025 : 2026 });
    }
  }
  const iterations = intArg(args.iterations, 'iterations') ?? preset.iterations;
  if (iterations < 1) fail('--iterations must be at least 1');
  const samplers = args.baselines ? ['cpm', 'gibbs', 'gwg'] : ['cpm'];
  config = {
    preset: args.preset, proposal: args.proposal, seed: intArg(args.seed, 'seed'), device: 'cpu', evalWeights: args['eval-weights'], dataDir: args['data-dir'],
    scenarios, samplers, iterations, presetSettings: preset,
  };
  if (!nc.PROPOSAL_KINDS.includes(config.proposal)) fail(`--proposal must be one of ${nc.PROPOSAL_KINDS.join(', ')}, got '${config.proposal}'`);
  if (!['ema', 'raw'].includes(config.evalWeights)) fail(`--eval-weights must be ema or raw, got '${config.evalWeights}'`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  outDir = args.out ?? join('results', `cellsort-${stamp}`);
  if (!args['generate-only']) {
    if (existsSync(outDir) && readdirSync(outDir).length > 0) fail(`${outDir} exists and is not empty; choose another --out, or continue it with --resume ${outDir}`);
    mkdirSync(outDir, { recursive: true });
    writeJson(join(outDir, 'config.json'), config);
  }
}
const workers = intArg(args.workers, 'workers') ?? os.cpus().length;

console.log(`cellsort: preset ${config.preset}, scenarios ${config.scenarios.map((/** @type {any} */ s) => s.name).join(', ')}, samplers ${config.samplers.join(', ')}, ${config.iterations} iterations, seed ${config.seed}, ${workers} worker threads, device cpu (${os.cpus()[0]?.model})`);

// ---- datasets ----
/** @type {Record<string, nc.Dataset>} */
const datasets = {};
for (const s of config.scenarios) {
  const path = join(config.dataDir, `${s.scenario.name}.npz`);
  const exists = existsSync(path);
  const b = exists ? null : bar(`data ${s.name}`, s.scenario.samples);
  const { dataset, generated } = await nc.ensureDataset(path, s.scenario, { seed: s.dataSeed, workers, onProgress: (d) => b?.update(d) });
  b?.stop();
  console.log(`${generated ? 'generated' : 'reusing'} ${path}: ${dataset.count} samples ${dataset.height}x${dataset.width}, ${dataset.typeSlots - 1} cells, ${s.scenario.mcs} MCS`);
  datasets[s.name] = dataset;
}
if (args['generate-only']) process.exit(0);

// ---- training ----
const pool = workers > 1 ? new nc.ChainPool(workers) : null;
/** @type {any[]} */
const results = [];
for (const s of config.scenarios) {
  for (const sampler of config.samplers) {
    const p = config.presetSettings;
    const runDir = join(outDir, `${s.name}-${sampler}`);
    const finished = join(runDir, 'result.json');
    if (existsSync(finished)) {
      results.push(JSON.parse(readFileSync(finished, 'utf8')));
      console.log(`${s.name}/${sampler}: finished earlier, reusing ${finished}`);
      continue;
    }
    /** @type {nc.TrainConfig} */
    const tc = {
      sampler, iterations: sampler === 'cpm' ? config.iterations : Math.min(config.iterations, p.baselineIterations),
      batch: p.batch, mcs: sampler === 'gibbs' ? p.gibbsMcs : p.mcs, proposals: p.proposals, proposal: config.proposal, gwgSteps: p.gwgSteps,
      pReset: 1, permuteTypes: false, lambdaReg: 0, lr: p.lr, lrSchedule: p.lrSchedule, lrFinal: p.lrFinal, emaDecay: 0.99, temperature: s.scenario.temperature,
      seed: config.seed, checkpointEvery: p.checkpointEvery,
    };
    const trainer = new nc.Trainer(tc, datasets[s.name], { target: s.scenario.volume.target, types: s.scenario.contact.J.length });
    trainer.pool = pool;
    mkdirSync(runDir, { recursive: true });
    const logPath = join(runDir, 'log.jsonl');
    const ckpt = join(runDir, 'checkpoint.safetensors');
    if (existsSync(ckpt)) {
      await trainer.loadCheckpoint(ckpt);
      // drop log lines after the checkpoint: those iterations are recomputed identically
      const kept = existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').filter((l) => l && JSON.parse(l).iteration <= trainer.iteration) : [];
      writeFileSync(logPath, kept.map((l) => l + '\n').join(''));
      console.log(`${s.name}/${sampler}: resuming from iteration ${trainer.iteration}`);
    } else {
      writeFileSync(logPath, '');
    }
    const t0 = Date.now();
    const b = bar(`fit ${s.name}/${sampler}`, tc.iterations);
    b.update(trainer.iteration);
    try {
      while (trainer.iteration < tc.iterations) {
        const log = await trainer.step();
        appendFileSync(logPath, JSON.stringify(log) + '\n');
        if (trainer.iteration % tc.checkpointEvery === 0 || trainer.iteration === tc.iterations) await trainer.saveCheckpoint(runDir);
        const r = nc.parameterRmse(log.vector, s.truth);
        b.update(trainer.iteration, `loss ${log.loss.toFixed(1)} rmse(T*) ${r.rmseTStar.toFixed(3)}`);
      }
    } catch (e) {
      b.stop();
      if (e instanceof nc.NonFiniteError) {
        console.error(`${s.name}/${sampler}: ${e.message}. The last good checkpoint is ${ckpt}.`);
        process.exitCode = 1;
        continue;
      }
      throw e;
    }
    b.stop();
    const seconds = (Date.now() - t0) / 1000;
    const weights = config.evalWeights === 'raw' ? trainer.params : trainer.ema;
    const v = trainer.model.values(weights);
    const learned = nc.parameterVector(v.J, v.lambda);
    const rmse = nc.parameterRmse(learned, s.truth);
    const raw = trainer.model.values(trainer.params);
    const rawRmse = nc.parameterRmse(nc.parameterVector(raw.J, raw.lambda), s.truth);
    await nc.saveSafetensors(join(runDir, 'params.safetensors'), { ...trainer.params, ...Object.fromEntries(Object.entries(trainer.ema).map(([k, t]) => [`ema.${k}`, t])) },
      { config: JSON.stringify(tc), scenario: JSON.stringify(s.scenario) });
    const result = {
      scenario: s.name, sampler, rmse_t1: rmse.rmseT1, rmse_tstar: rmse.rmseTStar, scale: rmse.scale,
      log10_rmse_t1: Math.log10(rmse.rmseT1), log10_rmse_tstar: Math.log10(rmse.rmseTStar),
      learned, true: s.truth, learned_J: v.J, learned_lambda: v.lambda, weights: config.evalWeights,
      raw: { rmse_t1: rawRmse.rmseT1, rmse_tstar: rawRmse.rmseTStar, learned: nc.parameterVector(raw.J, raw.lambda) },
      wall_seconds: seconds, iterations: tc.iterations, train_config: tc, device: 'cpu', cpu: os.cpus()[0]?.model, workers,
      commit: gitDescribe(), seed: config.seed,
    };
    writeJson(finished, result);
    results.push(result);
    console.log(`${s.name}/${sampler}: RMSE(T=1) ${rmse.rmseT1.toFixed(4)}, RMSE(T*) ${rmse.rmseTStar.toFixed(4)} (scale ${rmse.scale.toFixed(3)}), ${seconds.toFixed(0)} s`);
    await plotConvergence(runDir, logPath, s, sampler);
  }
}
await pool?.close();

/** Learned parameters divided by the least-squares scale s, against the true values. */
async function plotConvergence(/** @type {string} */ dir, /** @type {string} */ logPath, /** @type {any} */ s, /** @type {string} */ sampler) {
  const lines = readFileSync(logPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const names = ['λ', 'J00', 'J01', 'J02', 'J11', 'J12', 'J22'];
  const every = Math.max(1, Math.floor(lines.length / 400));
  const pts = lines.filter((_, i) => i % every === 0 || i === lines.length - 1);
  /** @type {nc.Series[]} */
  const series = [];
  const colors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2'];
  names.forEach((n, k) => {
    if (n === 'J00') return;
    series.push({ name: `${n} / s`, x: pts.map((l) => l.iteration), y: pts.map((l) => l.vector[k] / nc.parameterRmse(l.vector, s.truth).scale), color: colors[k] });
    series.push({ name: `${n} true`, x: [pts[0].iteration, pts[pts.length - 1].iteration], y: [s.truth[k], s.truth[k]], color: colors[k], dashed: true });
  });
  await nc.saveChart(join(dir, 'convergence'), series, { title: `Cell sorting ${s.name}, ${sampler} sampler: learned / s vs true`, xLabel: 'iteration', yLabel: 'parameter value' });
}

// ---- report ----
const report = [`# Cell sorting fit (${config.preset} preset)`, '',
  `Seed ${config.seed}, ${config.iterations} iterations for the CPM sampler, device cpu (${os.cpus()[0]?.model}, ${workers} worker threads), commit ${gitDescribe()}.`,
  `Weights evaluated: ${config.evalWeights === 'ema' ? 'exponential moving average (decay 0.99)' : 'raw'}. Vector v = (λ, J00, J01, J02, J11, J12, J22).`, '',
  '| scenario | sampler | RMSE(T=1) | RMSE(T*) | log10 RMSE(T=1) | log10 RMSE(T*) | paper log10 (T=1, T*) | iterations | wall time |',
  '|---|---|---|---|---|---|---|---|---|'];
for (const r of results) {
  const paper = /** @type {any} */ (PAPER)[r.scenario]?.log10?.[r.sampler];
  report.push(`| ${r.scenario} | ${r.sampler} | ${r.rmse_t1.toFixed(4)} | ${r.rmse_tstar.toFixed(4)} | ${r.log10_rmse_t1.toFixed(2)} | ${r.log10_rmse_tstar.toFixed(2)} | ${paper ? paper.join(', ') : '—'} | ${r.iterations} | ${(r.wall_seconds / 60).toFixed(1)} min |`);
}
report.push('', 'Paper (§4.2): scenario a RMSE 0.055 (T=1), 0.021 (T*); scenario b 0.997 (T=1), 0.178 (T*).', '');
for (const r of results) {
  report.push(`## ${r.scenario} / ${r.sampler}`, '', '| | λ | J00 | J01 | J02 | J11 | J12 | J22 |', '|---|---|---|---|---|---|---|---|',
    `| true | ${r.true.map((/** @type {number} */ x) => x.toFixed(3)).join(' | ')} |`,
    `| learned | ${r.learned.map((/** @type {number} */ x) => x.toFixed(3)).join(' | ')} |`,
    `| learned / s (s = ${r.scale.toFixed(3)}) | ${r.learned.map((/** @type {number} */ x) => (x / r.scale).toFixed(3)).join(' | ')} |`, '',
    `![convergence](${r.scenario}-${r.sampler}/convergence.png)`, '');
}
writeFileSync(join(outDir, 'report.md'), report.join('\n') + '\n');
writeJson(join(outDir, 'results.json'), { config, results });
console.log(`\n${report.slice(0, 7 + results.length).join('\n')}\n\nwrote ${join(outDir, 'report.md')}`);
