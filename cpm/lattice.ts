/**
 * The periodic square lattice: row-major sites (index = y·W + x) and neighbourhoods by
 * Morpheus' "order": successive shells at distances 1, √2, 2, √5, √8 and 3.
 */

/** Offsets [dy, dx] of each shell, nearest first. */
const SHELLS: readonly (readonly (readonly [number, number])[])[] = [
  [[-1, 0], [0, -1], [0, 1], [1, 0]],
  [[-1, -1], [-1, 1], [1, -1], [1, 1]],
  [[-2, 0], [0, -2], [0, 2], [2, 0]],
  [[-2, -1], [-2, 1], [-1, -2], [-1, 2], [1, -2], [1, 2], [2, -1], [2, 1]],
  [[-2, -2], [-2, 2], [2, -2], [2, 2]],
  [[-3, 0], [0, -3], [0, 3], [3, 0]],
];

/** Offsets of the neighbourhood of the given order (1 = 4 nearest, 2 = Moore, ... 6 = 28). */
export function neighbourOffsets(order: number): [number, number][] {
  if (!Number.isInteger(order) || order < 1 || order > 6) {
    throw new Error(`neighbourhood order must be an integer from 1 to 6 (4, 8, 12, 20, 24 or 28 neighbours), got ${order}`);
  }
  return SHELLS.slice(0, order).flat().map(([dy, dx]) => [dy, dx]);
}

const tableCache = new Map<string, Int32Array>();

/**
 * Site indices of every site's neighbours with periodic wrap: table[s·k + i] is the i-th
 * neighbour of s (k = neighbourhood size). Cached per (height, width, order).
 */
export function neighbourTable(height: number, width: number, order: number): Int32Array {
  const key = `${height}x${width}o${order}`;
  const hit = tableCache.get(key);
  if (hit) return hit;
  const offs = neighbourOffsets(order);
  const k = offs.length;
  const t = new Int32Array(height * width * k);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = y * width + x;
      for (let i = 0; i < k; i++) {
        const ny = (y + offs[i][0] + height) % height;
        const nx = (x + offs[i][1] + width) % width;
        t[s * k + i] = ny * width + nx;
      }
    }
  }
  tableCache.set(key, t);
  return t;
}

/** Minimal-image difference a − b on a ring of size n, in [−n/2, n/2). */
export function wrapDelta(a: number, b: number, n: number): number {
  let d = a - b;
  const half = n / 2;
  if (d >= half) d -= n;
  else if (d < -half) d += n;
  return d;
}
