// Helpers shared by the experiment scripts: atomic JSON, progress bars, the commit, devices.
import { writeFileSync, renameSync } from 'node:fs';
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
  const { existsSync, readFileSync, writeFileSync, appendFileSync, mkdirSync } = await import('node:fs');
  const { join } = await import('node:path');
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
  /** @type {nc.Params} */
  const cpuWeights = {};
  for (const [k, v] of Object.entries(weights)) cpuWeights[k] = v.backend === nc.cpu ? v : await nc.toBackend(v, nc.cpu);
  await nc.saveSafetensors(join(o.runDir, 'weights.safetensors'), cpuWeights, { model: o.kind, sizes: JSON.stringify(o.sizes), train_config: JSON.stringify(o.tc), weights: o.evalWeights });
  return { model, trainer, pool, weights, trainSeconds };
}

/**
 * Evaluation trajectories with a progress bar (SPEC 7): starts advance together.
 * @param {{ kind: string, model: nc.EnergyModel, weights: nc.Params, starts: nc.Configuration[], frames: number, itersPerFrame: number,
 *   proposals: number, temperature: number, key: nc.Key, evalBatch: number, pool: nc.EnergyPool | null }} o
 */
export async function evaluateTrajectories(o) {
  const t1 = Date.now();
  const eb = bar(`evaluate ${o.kind}`, o.frames);
  const trajectories = await nc.sampleTrajectories(o.model, o.weights, o.starts, {
    frames: o.frames, itersPerFrame: o.itersPerFrame, proposals: o.proposals, temperature: o.temperature,
    key: o.key, evalBatch: o.evalBatch, pool: o.pool, onFrame: (d) => eb.update(d),
  });
  eb.stop();
  return { trajectories, seconds: (Date.now() - t1) / 1000 };
}
