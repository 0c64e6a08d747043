/** Initial configurations: single-pixel cells seeded at random in a centred disc. */
import { choice, split, type Key } from '../engine/random.js';
import type { Configuration } from './state.js';

export interface DiscSeedOptions {
  height: number;
  width: number;
  /** Number of cells N; ids 1..⌊N/2⌋ get type 1, the rest type 2 (unless typeOf is given). */
  cells: number;
  /** Disc radius in sites, centred on the lattice. */
  radius: number;
  key: Key;
  /** Optional type of cell id c (1..N). */
  typeOf?: (c: number) => number;
}

/** N single-pixel cells at distinct random sites within a centred disc. */
export function seedDisc(o: DiscSeedOptions): Configuration {
  const { height, width, cells, radius } = o;
  if (!Number.isInteger(cells) || cells < 1) throw new Error(`seedDisc: cells must be a positive integer, got ${cells}`);
  const cy = (height - 1) / 2, cx = (width - 1) / 2;
  const sites: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((y - cy) ** 2 + (x - cx) ** 2 <= radius * radius) sites.push(y * width + x);
    }
  }
  if (sites.length < cells) throw new Error(`seedDisc: a disc of radius ${radius} holds ${sites.length} sites, fewer than ${cells} cells; enlarge the radius`);
  const [k] = split(o.key, 1);
  const pick = choice(k, sites.length, cells);
  const ids = new Int32Array(height * width);
  for (let i = 0; i < cells; i++) ids[sites[pick[i]]] = i + 1;
  const types = new Int32Array(cells + 1);
  const half = Math.floor(cells / 2);
  for (let c = 1; c <= cells; c++) types[c] = o.typeOf ? o.typeOf(c) : c <= half ? 1 : 2;
  return { height, width, ids, types };
}
