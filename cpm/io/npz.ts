/**
 * NumPy .npy/.npz containers (np.load reads them): little-endian int32, float32, uint8
 * and 0-d unicode strings. The zip layer is fflate's; entries are stored with a fixed
 * timestamp so that the same arrays always give the same bytes.
 */
import { unzipSync, zipSync } from 'fflate';

export type NpyDtype = '<i4' | '<f4' | '|u1' | '<f8';

/** An array to store: typed data with a shape, or a string (stored as a 0-d '<U' array). */
export type NpyValue = { dtype: NpyDtype; shape: number[]; data: Int32Array | Float32Array | Uint8Array | Float64Array } | string;

const FIXED_MTIME = new Date('1980-01-01T00:00:00Z');

function header(descr: string, shape: number[]): Uint8Array {
  const shp = shape.length === 0 ? '()' : shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shp}, }`;
  const total = 10 + h.length + 1;
  h += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + h.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = h.length & 0xff;
  out[9] = h.length >> 8;
  for (let i = 0; i < h.length; i++) out[10 + i] = h.charCodeAt(i);
  return out;
}

/** Encodes one array as .npy bytes. */
export function encodeNpy(v: NpyValue): Uint8Array {
  if (typeof v === 'string') {
    const chars = Array.from(v);
    const n = Math.max(1, chars.length);
    const h = header(`<U${n}`, []);
    const out = new Uint8Array(h.length + 4 * n);
    out.set(h, 0);
    const dv = new DataView(out.buffer);
    chars.forEach((ch, i) => dv.setUint32(h.length + 4 * i, ch.codePointAt(0)!, true));
    return out;
  }
  const count = v.shape.reduce((a, b) => a * b, 1);
  if (count !== v.data.length) throw new Error(`npy: shape [${v.shape}] needs ${count} values, got ${v.data.length}`);
  const h = header(v.dtype, v.shape);
  const bytes = new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
  const out = new Uint8Array(h.length + bytes.length);
  out.set(h, 0);
  out.set(bytes, h.length);
  return out;
}

/** A decoded .npy array. */
export interface NpyArray { dtype: string; shape: number[]; data: Int32Array | Float32Array | Uint8Array | Float64Array | string }

/** Decodes .npy bytes; `name` labels errors. */
export function decodeNpy(b: Uint8Array, name: string): NpyArray {
  const bad = (why: string): Error => new Error(`${name}: ${why}`);
  if (b.length < 10 || b[0] !== 0x93 || String.fromCharCode(...b.subarray(1, 6)) !== 'NUMPY') throw bad('not a .npy array (bad magic)');
  const major = b[6];
  const hlen = major === 1 ? b[8] | (b[9] << 8) : new DataView(b.buffer, b.byteOffset).getUint32(8, true);
  const hstart = major === 1 ? 10 : 12;
  if (hstart + hlen > b.length) throw bad('truncated .npy header');
  const h = String.fromCharCode(...b.subarray(hstart, hstart + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(h)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(h)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(h)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw bad(`unreadable .npy header ${JSON.stringify(h.trim())}`);
  if (fortran === 'True') throw bad('Fortran-ordered arrays are not supported; save with np.ascontiguousarray');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const count = shape.reduce((a, c) => a * c, 1);
  const body = b.subarray(hstart + hlen);
  const need = (size: number): Uint8Array => {
    if (body.length < count * size) throw bad(`truncated data: ${body.length} bytes for ${count} values of ${descr}`);
    return body.slice(0, count * size);
  };
  switch (descr) {
    case '<i4': return { dtype: descr, shape, data: new Int32Array(need(4).buffer) };
    case '<f4': return { dtype: descr, shape, data: new Float32Array(need(4).buffer) };
    case '<f8': return { dtype: descr, shape, data: new Float64Array(need(8).buffer) };
    case '|u1': return { dtype: descr, shape, data: need(1) };
    default: {
      const m = /^<U(\d+)$/.exec(descr);
      if (!m) throw bad(`dtype ${descr} is not supported (expected <i4, <f4, <f8, |u1 or <U)`);
      const n = Number(m[1]);
      const raw = need(4 * n);
      const dv = new DataView(raw.buffer);
      let s = '';
      for (let i = 0; i < n * count; i++) {
        const cp = dv.getUint32(4 * i, true);
        if (cp === 0) break;
        s += String.fromCodePoint(cp);
      }
      return { dtype: descr, shape, data: s };
    }
  }
}

/** Encodes named arrays as .npz bytes (uncompressed zip, fixed timestamps). */
export function encodeNpz(arrays: Record<string, NpyValue>): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0; mtime: Date }]> = {};
  for (const name of Object.keys(arrays).sort()) files[`${name}.npy`] = [encodeNpy(arrays[name]), { level: 0, mtime: FIXED_MTIME }];
  return zipSync(files);
}

/** Decodes .npz bytes into named arrays; `source` labels errors. */
export function decodeNpz(bytes: Uint8Array, source: string): Record<string, NpyArray> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new Error(`${source}: not a readable .npz (zip) file (${(e as Error).message}); it may be truncated — delete it and generate it again`);
  }
  const out: Record<string, NpyArray> = {};
  for (const [name, b] of Object.entries(files)) {
    if (!name.endsWith('.npy')) continue;
    out[name.slice(0, -4)] = decodeNpy(b, `${source}:${name}`);
  }
  return out;
}
