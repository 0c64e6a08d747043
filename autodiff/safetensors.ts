/**
 * Parameters as safetensors files (the format Python's safetensors reads): an 8-byte
 * little-endian header length, a JSON header of {name: {dtype, shape, data_offsets}} and
 * optional "__metadata__" strings, then the raw little-endian data.
 */
import { promises as fs } from 'node:fs';
import { sizeOf, fmt } from '../engine/shape.js';
import type { Backend } from '../engine/backend.js';
import { cpu } from '../engine/cpu/backend.js';
import type { Tensor } from '../engine/tensor.js';
import type { DType } from '../engine/dtype.js';
import type { Params } from './tape.js';

const TO_ST: Record<DType, string> = { float32: 'F32', int32: 'I32' };
const FROM_ST: Record<string, DType> = { F32: 'float32', I32: 'int32' };

interface HeaderEntry { dtype: string; shape: number[]; data_offsets: [number, number] }

/** Encodes tensors (read back from their backends) and string metadata. */
export async function encodeSafetensors(params: Params, metadata: Record<string, string> = {}): Promise<Uint8Array> {
  const names = Object.keys(params).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const datas: Uint8Array[] = [];
  for (const name of names) {
    const t = params[name];
    const arr = await t.read();
    const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
    header[name] = { dtype: TO_ST[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    datas.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const hbytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + hbytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(hbytes.length), true);
  out.set(hbytes, 8);
  let p = 8 + hbytes.length;
  for (const d of datas) { out.set(d, p); p += d.length; }
  return out;
}

/** Decodes a safetensors buffer, validating its structure; `source` names it in errors. */
export function decodeSafetensors(buf: Uint8Array, source = 'buffer', backend: Backend = cpu): { tensors: Params; metadata: Record<string, string> } {
  const bad = (why: string): Error => new Error(`safetensors ${source}: ${why}; the file is corrupted or not a safetensors file — re-save it`);
  if (buf.length < 8) throw bad(`only ${buf.length} bytes, shorter than the 8-byte header length`);
  const hlen = Number(new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getBigUint64(0, true));
  if (hlen > buf.length - 8) throw bad(`header length ${hlen} exceeds the ${buf.length - 8} bytes after it (truncated?)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(buf.subarray(8, 8 + hlen)).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw bad(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('header is not a JSON object');
  const dataStart = 8 + hlen;
  const dataLen = buf.length - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors: Params = {};
  const ranges: [number, number, string][] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = raw as HeaderEntry;
    if (!e || typeof e !== 'object' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) throw bad(`entry '${name}' lacks dtype, shape or data_offsets`);
    const dtype = FROM_ST[e.dtype];
    if (!dtype) throw new Error(`safetensors ${source}: tensor '${name}' has dtype ${e.dtype}; neuralcpm reads F32 and I32 — convert it in Python first`);
    const [b, en] = e.data_offsets;
    if (!Number.isInteger(b) || !Number.isInteger(en) || b < 0 || en < b || en > dataLen) throw bad(`tensor '${name}' data_offsets [${b}, ${en}] fall outside the ${dataLen} data bytes`);
    if (!e.shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`tensor '${name}' has an invalid shape ${JSON.stringify(e.shape)}`);
    if ((en - b) !== sizeOf(e.shape) * 4) throw bad(`tensor '${name}' shape ${fmt(e.shape)} needs ${sizeOf(e.shape) * 4} bytes but has ${en - b}`);
    ranges.push([b, en, name]);
    const bytes = buf.slice(dataStart + b, dataStart + en);
    const arr = dtype === 'float32' ? new Float32Array(bytes.buffer, bytes.byteOffset, (en - b) / 4) : new Int32Array(bytes.buffer, bytes.byteOffset, (en - b) / 4);
    tensors[name] = backend.fromArray(arr, e.shape, dtype);
  }
  ranges.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) throw bad(`tensors '${ranges[i - 1][2]}' and '${ranges[i][2]}' overlap`);
  }
  return { tensors, metadata };
}

/** Writes parameters atomically (a temporary file renamed into place). */
export async function saveSafetensors(path: string, params: Params, metadata: Record<string, string> = {}): Promise<void> {
  const bytes = await encodeSafetensors(params, metadata);
  const tmp = `${path}.${process.pid}.tmp`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, path);
}

/**
 * Reads parameters. With `expected`, checks that names, shapes and dtypes match and
 * lists every difference in one error.
 */
export async function loadSafetensors(path: string, expected?: Params, backend: Backend = cpu): Promise<{ tensors: Params; metadata: Record<string, string> }> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(path);
  } catch (e) {
    throw new Error(`safetensors: cannot read '${path}': ${(e as Error).message}`);
  }
  const res = decodeSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path, backend);
  if (expected) checkParamsMatch(res.tensors, expected, path);
  return res;
}

/** Throws one error listing every missing, unexpected or mismatched parameter. */
export function checkParamsMatch(got: Params, expected: Params, source: string): void {
  const diffs: string[] = [];
  for (const [k, t] of Object.entries(expected)) {
    const g = got[k];
    if (!g) diffs.push(`missing '${k}' ${t.dtype} ${fmt(t.shape)}`);
    else if (g.dtype !== t.dtype || g.shape.join() !== t.shape.join()) diffs.push(`'${k}' is ${g.dtype} ${fmt(g.shape)}, expected ${t.dtype} ${fmt(t.shape)}`);
  }
  for (const k of Object.keys(got)) if (!expected[k]) diffs.push(`unexpected '${k}'`);
  if (diffs.length) throw new Error(`${source} does not match the model (${diffs.length} differences): ${diffs.join('; ')}. Was it saved from a model with another configuration?`);
}

