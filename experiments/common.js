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
