/** Measurements on configurations: volumes and connected components (8-connectivity). */
import type { Configuration } from './state.js';

/** Volume of every id 0..N. */
export function volumesOf(c: Configuration): Int32Array {
  const v = new Int32Array(c.types.length);
  for (let i = 0; i < c.ids.length; i++) v[c.ids[i]]++;
  return v;
}

/**
 * Number of 8-connected components of a binary mask on an H×W lattice (periodic wrap by
 * default, as the CPM lattice is).
 */
export function componentCount(mask: Uint8Array, height: number, width: number, periodic = true): number {
  if (mask.length !== height * width) throw new Error(`componentCount: mask has ${mask.length} entries for a ${height}x${width} lattice`);
  const seen = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  let count = 0;
  for (let s = 0; s < mask.length; s++) {
    if (!mask[s] || seen[s]) continue;
    count++;
    let top = 0;
    stack[top++] = s;
    seen[s] = 1;
    while (top > 0) {
      const p = stack[--top];
      const y = (p / width) | 0, x = p - y * width;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          if (dy === 0 && dx === 0) continue;
          let ny = y + dy, nx = x + dx;
          if (periodic) { ny = (ny + height) % height; nx = (nx + width) % width; }
          else if (ny < 0 || ny >= height || nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (mask[q] && !seen[q]) { seen[q] = 1; stack[top++] = q; }
        }
      }
    }
  }
  return count;
}

/** The mask of cell id `id`. */
export function cellMask(c: Configuration, id: number): Uint8Array {
  const m = new Uint8Array(c.ids.length);
  for (let i = 0; i < c.ids.length; i++) if (c.ids[i] === id) m[i] = 1;
  return m;
}

/** Number of 8-connected pieces of every cell (0 for a missing cell). */
export function cellComponentCounts(c: Configuration): Int32Array {
  const out = new Int32Array(c.types.length);
  for (let id = 1; id < c.types.length; id++) out[id] = componentCount(cellMask(c, id), c.height, c.width);
  return out;
}
