/**
 * Datasets of CPM configurations as .npz (SPEC 10): `ids` int32 [N, H, W], `types` int32
 * [N, C] (the type of every id, medium first), optional `labels` int32 [N], and `meta`, a
 * JSON string (generator, parameters, seed, MCS). Written atomically; read with checks.
 */
import { existsSync, promises as fs } from 'node:fs';
import type { Configuration } from '../state.js';
import { decodeNpz, encodeNpz, type NpyValue } from './npz.js';

export interface Dataset {
  count: number;
  height: number;
  width: number;
  /** Type slots per sample: C = N_cells + 1. */
  typeSlots: number;
  ids: Int32Array;
  types: Int32Array;
  labels?: Int32Array;
  meta: Record<string, unknown>;
}

/** Sample i as a configuration (copies). */
export function sampleOf(d: Dataset, i: number): Configuration {
  if (!Number.isInteger(i) || i < 0 || i >= d.count) throw new Error(`dataset has ${d.count} samples; index ${i} is out of range`);
  const hw = d.height * d.width;
  return {
    height: d.height, width: d.width,
    ids: d.ids.slice(i * hw, (i + 1) * hw),
    types: d.types.slice(i * d.typeSlots, (i + 1) * d.typeSlots),
  };
}

/** Encodes a dataset as .npz bytes. */
export function encodeDataset(d: Dataset): Uint8Array {
  const arrays: Record<string, NpyValue> = {
    ids: { dtype: '<i4', shape: [d.count, d.height, d.width], data: d.ids },
    types: { dtype: '<i4', shape: [d.count, d.typeSlots], data: d.types },
    meta: JSON.stringify(d.meta),
  };
  if (d.labels) arrays.labels = { dtype: '<i4', shape: [d.count], data: d.labels };
  return encodeNpz(arrays);
}

/** Writes a dataset atomically; refuses to replace an existing file unless overwrite is set. */
export async function saveDataset(path: string, d: Dataset, opts: { overwrite?: boolean } = {}): Promise<void> {
  if (!opts.overwrite && existsSync(path)) throw new Error(`${path} already exists; datasets are written once — delete it or pass overwrite to replace it`);
  const tmp = `${path}.${process.pid}.tmp`;
  await fs.writeFile(tmp, encodeDataset(d));
  await fs.rename(tmp, path);
}

/** Reads and validates a dataset file. */
export async function loadDataset(path: string): Promise<Dataset> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (e) {
    throw new Error(`cannot read dataset ${path}: ${(e as Error).message}`);
  }
  return decodeDataset(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

/** Decodes and validates dataset bytes; `source` names the file in errors. */
export function decodeDataset(bytes: Uint8Array, source: string): Dataset {
  const a = decodeNpz(bytes, source);
  const fail = (why: string): Error => new Error(`${source}: ${why}`);
  const ids = a.ids, types = a.types;
  if (!ids) throw fail("missing 'ids' (int32 [N,H,W])");
  if (!types) throw fail("missing 'types' (int32 [N,C])");
  if (ids.dtype !== '<i4' || ids.shape.length !== 3) throw fail(`ids must be int32 [N,H,W]; got ${ids.dtype} [${ids.shape}]`);
  if (types.dtype !== '<i4' || types.shape.length !== 2) throw fail(`types must be int32 [N,C]; got ${types.dtype} [${types.shape}]`);
  const [n, h, w] = ids.shape;
  const [nt, c] = types.shape;
  if (nt !== n) throw fail(`types has ${nt} rows but ids has ${n} samples`);
  const idArr = ids.data as Int32Array, tyArr = types.data as Int32Array;
  for (let i = 0; i < idArr.length; i++) {
    if (idArr[i] < 0 || idArr[i] >= c) throw fail(`id ${idArr[i]} in sample ${Math.floor(i / (h * w))} is out of range 0..${c - 1} (types has ${c} slots)`);
  }
  for (let s = 0; s < n; s++) if (tyArr[s * c] !== 0) throw fail(`types[${s}][0] must be 0 (the medium), got ${tyArr[s * c]}`);
  let labels: Int32Array | undefined;
  if (a.labels) {
    if (a.labels.dtype !== '<i4' || a.labels.shape.length !== 1 || a.labels.shape[0] !== n) throw fail(`labels must be int32 [${n}]; got ${a.labels.dtype} [${a.labels.shape}]`);
    labels = a.labels.data as Int32Array;
  }
  let meta: Record<string, unknown> = {};
  if (a.meta) {
    try {
      meta = JSON.parse(a.meta.data as string) as Record<string, unknown>;
    } catch {
      throw fail("'meta' is not valid JSON");
    }
  }
  return { count: n, height: h, width: w, typeSlots: c, ids: idArr, types: tyArr, labels, meta };
}
