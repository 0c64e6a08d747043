// Helpers shared by the experiment scripts: atomic JSON, progress bars, the commit, devices.
import { writeFileSync, renameSync, existsSync, readFileSync, readdirSync, mkdirSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execSync } from 'node:child_process';
import os from 'node:os';
import cliProgress from 'cli-progress';
import * as nc from 'neuralcpm';

/** Writes JSON atomically (temporary file, then rename). @param {string} path @param {unknown} value */
export function writeJson(path, value) {
  writeFileSync(`${path}.tmp`, JSON.stringify(value, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
}

/** Writes a text file atomically. @param {string} path @param {string} text */
export function writeText(path, text) {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

export function gitDescribe() {
  try { return execSync('git describe --always --dirty', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return 'unknown'; }
}

/** A progress bar with rate and ETA. @param {string} label @param {number} total */
export function bar(label, total) {
  const b = new cliProgress.SingleBar({
    format: `${label.padEnd(22)} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted} {info}`,
    hideCursor: true, etaBuffer: 50, noTTYOutput: true, notTTYSchedule: 10000,
  }, cliProgress.Presets.shades_classic);
  const t0 = Date.now();
  b.start(total, 0, { rate: '0.0', info: '' });
  return {
    /** @param {number} v @param {string} [info] */
    update(v, info = '') { b.update(v, { rate: (v / Math.max(1e-3, (Date.now() - t0) / 1000)).toFixed(2), info }); },
    stop() { b.stop(); },
  };
}

/**
 * The backend for --device: cpu; webgpu (fails clearly without an adapter); auto (WebGPU
 * only on a hardware adapter, else the CPU). Returns the backend and a description.
 * @param {string} device
 * @returns {Promise<{ backend: nc.Backend, name: 'cpu' | 'webgpu', description: string }>}
 */
export async function pickDevice(device) {
  const cpuDesc = `cpu (${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores)`;
  if (device === 'cpu') return { backend: nc.cpu, name: 'cpu', description: cpuDesc };
  if (device !== 'webgpu' && device !== 'auto') throw new Error(`--device must be cpu, webgpu or auto, got '${device}'`);
  let gpu;
  try {
    gpu = await nc.webgpuBackend();
  } catch (e) {
    if (device === 'webgpu') throw e;
    return { backend: nc.cpu, name: 'cpu', description: `${cpuDesc}; auto: no WebGPU adapter` };
  }
  const info = gpu.adapter;
  const desc = `webgpu (${info.vendor} ${info.architecture} ${info.description}${info.isSoftware ? ', software adapter' : ''})`;
  if (device === 'auto' && info.isSoftware) return { backend: nc.cpu, name: 'cpu', description: `${cpuDesc}; auto: the WebGPU adapter is software (${info.description}), so the CPU` };
  return { backend: gpu, name: 'webgpu', description: desc };
}

/**
 * Trains one model of an experiment in runDir (resuming from its checkpoint, logging every
 * iteration to log.jsonl, checkpointing atomically) and saves the evaluation weights.
 * Returns null when training stopped on a non-finite loss (the last good checkpoint stays).
 * @param {{ kind: nc.ModelKind, sizes: nc.NetworkSizes, tc: nc.EnergyTrainConfig, trainSet: nc.Dataset,
 *   device: { backend: nc.Backend, name: string }, workers: number, runDir: string, evalWeights: string,
 *   augment?: ((c: nc.Configuration, key: nc.Key) => nc.Configuration) | null }} o
 */
export async function trainModel(o) {
  mkdirSync(o.runDir, { recursive: true });
  const model = nc.buildModel(o.kind, o.sizes);
  const trainer = new nc.EnergyTrainer(model, o.tc, o.trainSet, o.device.backend);
  trainer.augment = o.augment ?? null;
  const pool = o.device.name === 'cpu' && o.workers > 1 ? new nc.EnergyPool(o.kind, o.sizes, o.workers) : null;
  trainer.pool = pool;
  const logPath = join(o.runDir, 'log.jsonl');
  const ckpt = join(o.runDir, 'checkpoint.safetensors');
  if (existsSync(ckpt)) {
    await trainer.loadCheckpoint(ckpt);
    const kept = existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').filter((l) => l && JSON.parse(l).iteration <= trainer.iteration) : [];
    writeFileSync(logPath, kept.map((l) => l + '\n').join(''));
    console.log(`${o.kind}: resuming from iteration ${trainer.iteration}`);
  } else {
    writeFileSync(logPath, '');
  }
  const t0 = Date.now();
  const b = bar(`train ${o.kind}`, o.tc.iterations);
  b.update(trainer.iteration);
  try {
    while (trainer.iteration < o.tc.iterations) {
      const log = await trainer.step();
      appendFileSync(logPath, JSON.stringify(log) + '\n');
      if (trainer.iteration % o.tc.checkpointEvery === 0 || trainer.iteration === o.tc.iterations) await trainer.saveCheckpoint(o.runDir);
      b.update(trainer.iteration, `loss ${log.loss.toFixed(2)} H+ ${log.energyPos.toFixed(1)} H- ${log.energyNeg.toFixed(1)} acc ${(100 * log.acceptance).toFixed(0)}%`);
    }
  } catch (e) {
    b.stop();
    await pool?.close();
    if (e instanceof nc.NonFiniteLossError) {
      console.error(`${o.kind}: ${e.message}. The last good checkpoint is ${ckpt}.`);
      process.exitCode = 1;
      return null;
    }
    throw e;
  }
  b.stop();
  const trainSeconds = (Date.now() - t0) / 1000;
  const weights = o.evalWeights === 'raw' ? trainer.params : trainer.ema;
  await nc.saveSafetensors(join(o.runDir, 'weights.safetensors'), await nc.paramsToCpu(weights), { model: o.kind, sizes: JSON.stringify(o.sizes), train_config: JSON.stringify(o.tc), weights: o.evalWeights });
  return { model, trainer, pool, weights, trainSeconds };
}

/**
 * The evaluation's start states: `count` states drawn from `from` with their cell types
 * permuted over ids 1..N, from a key made of seed and salt (the same for every model).
 * @param {nc.Configuration[]} from @param {number} seed @param {number} salt @param {number} count
 */
export function evaluationStarts(from, seed, salt, count) {
  const ek = nc.foldIn(nc.makeKey(seed), salt);
  const rng = new nc.RandomStream(ek);
  return Array.from({ length: count }, (_, i) => nc.permuteCellTypes(from[rng.int(from.length)], nc.foldIn(ek, i + 1)));
}

/**
 * Evaluation trajectories with a progress bar (SPEC 7): from `count` states drawn from `from`
 * with their cell types permuted (key from seed and salt), all advancing together.
 * @param {{ kind: string, model: nc.EnergyModel, weights: nc.Params, from: nc.Configuration[], seed: number, salt: number,
 *   eval: { trajectories: number, frames: number, itersPerFrame: number, proposals: number },
 *   temperature: number, evalBatch: number, pool: nc.EnergyPool | null }} o
 */
export async function evaluateTrajectories(o) {
  const ek = nc.foldIn(nc.makeKey(o.seed), o.salt);
  const starts = evaluationStarts(o.from, o.seed, o.salt, o.eval.trajectories);
  const t1 = Date.now();
  const eb = bar(`evaluate ${o.kind}`, o.eval.frames);
  const trajectories = await nc.sampleTrajectories(o.model, o.weights, starts, {
    frames: o.eval.frames, itersPerFrame: o.eval.itersPerFrame, proposals: o.eval.proposals, temperature: o.temperature,
    key: nc.foldIn(ek, 0xffff), evalBatch: o.evalBatch, pool: o.pool, onFrame: (d) => eb.update(d),
  });
  eb.stop();
  await o.pool?.close();
  return { trajectories, finals: trajectories.map((t) => t[t.length - 1]), seconds: (Date.now() - t1) / 1000 };
}

/**
 * Parses a script's flags (node:util parseArgs, strict). Bad input exits with status 2 and
 * the usage; --help prints the usage.
 * @template {Record<string, { type: 'string' | 'boolean', default?: string | boolean }>} O
 * @param {string} script @param {string} usage @param {O} options
 */
export function parseCli(script, usage, options) {
  /** @param {string} msg @returns {never} */
  function fail(msg) {
    console.error(`${script}: ${msg}\n${usage}`);
    process.exit(2);
  }
  /** @type {any} */
  let args;
  try {
    args = parseArgs({ options: { ...options, help: { type: 'boolean', default: false } }, strict: true }).values;
  } catch (e) {
    fail(/** @type {Error} */ (e).message);
  }
  if (args.help) { console.log(usage); process.exit(0); }
  /** @param {string | undefined} v @param {string} name @returns {number | undefined} */
  const intArg = (v, name) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) fail(`--${name} must be a non-negative integer, got '${v}'`);
    return n;
  };
  return { args, fail, intArg };
}

/** Flags of the neural-model experiments (mnist.js, bipolar.js). */
export const MODEL_OPTIONS = /** @type {const} */ ({
  preset: { type: 'string', default: 'default' },
  models: { type: 'string', default: nc.MODEL_KINDS.join(',') },
  iterations: { type: 'string' },
  seed: { type: 'string', default: '0' },
  device: { type: 'string', default: 'cpu' },
  out: { type: 'string' },
  resume: { type: 'string' },
  'data-dir': { type: 'string', default: 'data' },
  workers: { type: 'string' },
  'generate-only': { type: 'boolean', default: false },
  'eval-weights': { type: 'string', default: 'ema' },
  'eval-trajectories': { type: 'string' },
  'eval-frames': { type: 'string' },
});

/**
 * The run's configuration: read back from --resume DIR, or made by `build` from a preset and
 * the shared model flags, saved as config.json in a new (or empty) output directory.
 * @param {string} script @param {any} args @param {(msg: string) => never} fail
 * @param {(v: string | undefined, name: string) => number | undefined} intArg
 * @param {Record<string, any>} presets
 * @param {(preset: any, common: { models: string[], iterations: number | null, seed: number }) => Record<string, unknown>} build
 */
export function openModelRun(script, args, fail, intArg, presets, build) {
  if (args.resume) {
    const cfgPath = join(args.resume, 'config.json');
    if (!existsSync(cfgPath)) fail(`--resume ${args.resume}: no config.json there; point it at a results/${script}-<time> directory`);
    return { config: JSON.parse(readFileSync(cfgPath, 'utf8')), outDir: /** @type {string} */ (args.resume) };
  }
  const preset = presets[args.preset];
  if (!preset) fail(`--preset must be 'default' or 'paper', got '${args.preset}'`);
  const models = String(args.models).split(',').map((s) => s.trim()).filter(Boolean);
  for (const m of models) if (!nc.MODEL_KINDS.includes(/** @type {any} */ (m))) fail(`--models: unknown model '${m}'; choose from ${nc.MODEL_KINDS.join(', ')}`);
  if (models.length === 0) fail('--models: name at least one model');
  if (!['ema', 'raw'].includes(args['eval-weights'])) fail(`--eval-weights must be ema or raw, got '${args['eval-weights']}'`);
  if (!['cpu', 'webgpu', 'auto'].includes(args.device)) fail(`--device must be cpu, webgpu or auto, got '${args.device}'`);
  const iterations = intArg(args.iterations, 'iterations');
  if (iterations === 0) fail('--iterations must be at least 1');
  const evalTraj = intArg(args['eval-trajectories'], 'eval-trajectories'), evalFrames = intArg(args['eval-frames'], 'eval-frames');
  if (evalTraj === 0 || evalFrames === 0) fail('--eval-trajectories and --eval-frames must be at least 1');
  const settings = { ...preset, eval: { ...preset.eval, trajectories: evalTraj ?? preset.eval.trajectories, frames: evalFrames ?? preset.eval.frames } };
  const seed = /** @type {number} */ (intArg(args.seed, 'seed'));
  const config = {
    preset: args.preset, presetSettings: settings, models, seed, device: args.device, evalWeights: args['eval-weights'], dataDir: args['data-dir'],
    iterations: iterations ?? null, ...build(settings, { models, iterations: iterations ?? null, seed }),
  };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const outDir = args.out ?? join('results', `${script}-${stamp}`);
  if (!args['generate-only']) {
    if (existsSync(outDir) && readdirSync(outDir).length > 0) fail(`${outDir} exists and is not empty; choose another --out, or continue it with --resume ${outDir}`);
    mkdirSync(outDir, { recursive: true });
    writeJson(join(outDir, 'config.json'), config);
  }
  return { config, outDir };
}

/** result.json of a model run finished earlier, or null. @param {string} runDir */
export function finishedResult(runDir) {
  const path = join(runDir, 'result.json');
  if (!existsSync(path)) return null;
  console.log(`reusing ${path} (finished earlier)`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

/**
 * The training configuration of one model from an experiment preset (analytical models get
 * their own iteration count; --iterations overrides both).
 * @param {string} kind @param {any} P the preset @param {{ iterations: number | null, seed: number }} config @param {number} temperature
 * @returns {nc.EnergyTrainConfig}
 */
export function trainConfigFor(kind, P, config, temperature) {
  const analytical = kind === 'cellsort' || kind === 'cellsort-potential';
  return {
    iterations: config.iterations ?? (analytical ? P.analyticalIterations : P.neuralIterations),
    batch: P.batch, mcs: P.mcs, proposals: P.proposals, pReset: P.pReset, permuteTypes: true, lambdaReg: P.lambdaReg,
    lr: P.lr, emaDecay: 0.99, temperature, seed: config.seed, checkpointEvery: P.checkpointEvery, evalBatch: P.evalBatch,
  };
}

/**
 * Trains and evaluates each model kind of an experiment in turn, in outDir/<kind>: reuses a
 * result.json finished earlier, trains (resumable, see trainModel), draws the evaluation
 * trajectories, scores p_volume and p_unfragmented (SPEC 7), saves the final states and a
 * trajectory as pictures and writes result.json with the experiment's own metrics, which
 * `score` returns as extra fields plus a phrase for the console line. Models whose training
 * stopped on a non-finite loss are left out.
 * @param {{ kinds: readonly string[], sizes: nc.NetworkSizes, P: any, config: any, temperature: number,
 *   trainSet: nc.Dataset, evalFrom: nc.Configuration[], salt: number, bounds: { lo: number, hi: number },
 *   device: { backend: nc.Backend, name: string, description: string }, workers: number, outDir: string,
 *   augment?: ((c: nc.Configuration, key: nc.Key) => nc.Configuration) | null, scale: number, gifDelay: number,
 *   score: (o: { trajectories: nc.Configuration[][], finals: nc.Configuration[] }) => { fields: object, summary: string } }} o
 * @returns {Promise<any[]>} the results, in the order of `kinds`
 */
export async function runModels(o) {
  /** @type {any[]} */
  const results = [];
  for (const kind of o.kinds) {
    const runDir = join(o.outDir, kind);
    const earlier = finishedResult(runDir);
    if (earlier) { results.push(earlier); continue; }
    const tc = trainConfigFor(kind, o.P, o.config, o.temperature);
    const trained = await trainModel({ kind: /** @type {nc.ModelKind} */ (kind), sizes: o.sizes, tc, trainSet: o.trainSet, device: o.device, workers: o.workers, runDir, evalWeights: o.config.evalWeights, augment: o.augment });
    if (!trained) continue;
    const { model, trainer, pool, weights, trainSeconds } = trained;
    const { trajectories, finals, seconds: evalSeconds } = await evaluateTrajectories({ kind, model, weights, from: o.evalFrom, seed: o.config.seed, salt: o.salt, eval: o.P.eval, temperature: o.temperature, evalBatch: o.P.evalBatch, pool });
    const shape = nc.shapeMetrics(trajectories, o.bounds);
    await nc.savePngGrid(join(runDir, 'final-states.png'), finals, Math.min(8, finals.length), { scale: o.scale });
    await nc.saveGif(join(runDir, 'trajectory.gif'), trajectories[0], { scale: o.scale, delay: o.gifDelay });
    const { fields, summary } = o.score({ trajectories, finals });
    const result = {
      model: kind, label: nc.MODEL_LABELS[/** @type {nc.ModelKind} */ (kind)], p_volume: shape.pVolume, p_unfragmented: shape.pUnfragmented, ...fields,
      frames_evaluated: shape.frames, trajectories: o.P.eval.trajectories, frames: o.P.eval.frames,
      mcs_per_frame: (o.P.eval.itersPerFrame * o.P.eval.proposals) / (o.sizes.height * o.sizes.width),
      iterations: tc.iterations, train_seconds: trainSeconds, eval_seconds: evalSeconds, proposal_forward_passes: trainer.proposalStates,
      params: nc.nn.countParams(weights), train_config: tc, sizes: o.sizes, device: o.device.description, workers: o.workers,
      weights: o.config.evalWeights, commit: gitDescribe(), seed: o.config.seed,
    };
    writeJson(join(runDir, 'result.json'), result);
    results.push(result);
    console.log(`${kind}: p_volume ${shape.pVolume.toFixed(2)}, p_unfragmented ${shape.pUnfragmented.toFixed(2)}, ${summary} (train ${(trainSeconds / 60).toFixed(1)} min, evaluate ${(evalSeconds / 60).toFixed(1)} min)`);
  }
  return results;
}
