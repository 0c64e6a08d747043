/**
 * The training checkpoint format shared by the trainers: one safetensors file with the
 * parameters, the EMA weights, Adam's moments and the persistent chains, and metadata
 * (iteration, Adam step, the run's configuration). Written atomically.
 */
import { existsSync, mkdirSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as ops from '../autodiff/ops.js';
import type { Params } from '../autodiff/tape.js';
import type { AdamState } from '../autodiff/optim.js';
import { decodeSafetensors, encodeSafetensors } from '../autodiff/safetensors.js';
import type { Tensor } from '../engine/tensor.js';
import type { Configuration } from './state.js';

export interface TrainingState { params: Params; ema: Params; adam: AdamState; chains: Configuration[]; iteration: number }

/** Checkpoint bytes (tensors must be readable on the host: CPU tensors). */
export async function encodeCheckpoint(s: TrainingState, metadata: Record<string, string>): Promise<Uint8Array> {
  const t: Params = {};
  for (const [k, v] of Object.entries(s.params)) t[`params.${k}`] = v;
  for (const [k, v] of Object.entries(s.ema)) t[`ema.${k}`] = v;
  for (const [k, v] of Object.entries(s.adam.m)) t[`adam_m.${k}`] = v;
  for (const [k, v] of Object.entries(s.adam.v)) t[`adam_v.${k}`] = v;
  s.chains.forEach((c, b) => {
    t[`chain.${b}.ids`] = ops.tensor(c.ids, [c.height, c.width], 'int32');
    t[`chain.${b}.types`] = ops.tensor(c.types, [c.types.length], 'int32');
  });
  return encodeSafetensors(t, { ...metadata, iteration: String(s.iteration), adam_step: String(s.adam.step) });
}

/** Writes dir/checkpoint.safetensors atomically; returns its path. */
export async function writeCheckpoint(dir: string, bytes: Uint8Array): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'checkpoint.safetensors');
  const tmp = `${path}.${process.pid}.tmp`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, path);
  return path;
}

/** Reads a checkpoint file: its tensors and metadata (clear errors for a missing or corrupted file). */
export async function readCheckpoint(path: string): Promise<{ tensors: Record<string, Tensor>; metadata: Record<string, string> }> {
  if (!existsSync(path)) throw new Error(`no checkpoint at ${path}; nothing to resume`);
  const buf = await fs.readFile(path);
  return decodeSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}

/**
 * The training state stored in a checkpoint, shaped like `like` (every tensor must be present
 * with the same shape); `place` moves a loaded tensor to the trainer's backend.
 */
export function restoreCheckpoint(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string>, like: TrainingState,
  place: (t: Tensor) => Tensor = (t) => t): TrainingState {
  const pick = (prefix: string, shapeOf: Params): Params => {
    const out: Params = {};
    for (const [k, v] of Object.entries(shapeOf)) {
      const t = tensors[`${prefix}.${k}`];
      if (!t || t.shape.join() !== v.shape.join()) throw new Error(`${path}: missing or mismatched '${prefix}.${k}'; the checkpoint is corrupted or from another model`);
      out[k] = place(t);
    }
    return out;
  };
  const chains = like.chains.map((c, b) => {
    const ids = tensors[`chain.${b}.ids`], types = tensors[`chain.${b}.types`];
    if (!ids || !types) throw new Error(`${path}: missing chain ${b}; the checkpoint is corrupted`);
    return { height: c.height, width: c.width, ids: ids.dataSync() as Int32Array, types: types.dataSync() as Int32Array };
  });
  const iteration = Number(metadata.iteration);
  if (!Number.isInteger(iteration) || iteration < 0) throw new Error(`${path}: bad iteration '${metadata.iteration}' in the checkpoint metadata`);
  return {
    params: pick('params', like.params), ema: pick('ema', like.ema),
    adam: { step: Number(metadata.adam_step), m: pick('adam_m', like.adam.m), v: pick('adam_v', like.adam.v) },
    chains, iteration,
  };
}
