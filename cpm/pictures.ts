/**
 * Pictures of cells: a configuration as an RGB image (a colour per type, cell borders
 * drawn dark), saved as PNG (pngjs); trajectories as animated GIF (gifenc).
 */
import { promises as fs } from 'node:fs';
import { PNG } from 'pngjs';
import gifenc from 'gifenc';
import type { Configuration } from './state.js';

/** Colours per type (medium first), then the border colour. */
export const PALETTE: readonly (readonly [number, number, number])[] = [
  [250, 250, 250], // medium
  [90, 140, 210], // type 1 (blue)
  [235, 150, 60], // type 2 (orange)
  [110, 190, 110], // type 3
  [200, 90, 160], // type 4
  [160, 160, 160], // further types
];
const BORDER: readonly [number, number, number] = [40, 40, 40];

export interface PictureOptions {
  /** Pixels per lattice site (default 3). */
  scale?: number;
}

/** Palette index per output pixel (type colour, or the border index = PALETTE.length). */
export function renderIndexed(c: Configuration, opts: PictureOptions = {}): { width: number; height: number; index: Uint8Array } {
  const scale = opts.scale ?? 3;
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`pictures: scale must be a positive integer, got ${scale}`);
  const W = c.width * scale, H = c.height * scale;
  const index = new Uint8Array(W * H);
  const border = PALETTE.length;
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      const id = c.ids[y * c.width + x];
      const colour = Math.min(c.types[id] ?? 0, PALETTE.length - 1);
      // a site is drawn with a border on its right/bottom edge when the neighbour there differs
      const right = x + 1 < c.width && c.ids[y * c.width + x + 1] !== id;
      const down = y + 1 < c.height && c.ids[(y + 1) * c.width + x] !== id;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const edge = scale > 1 && ((right && dx === scale - 1) || (down && dy === scale - 1));
          index[(y * scale + dy) * W + x * scale + dx] = edge ? border : colour;
        }
      }
    }
  }
  return { width: W, height: H, index };
}

/** The configuration as PNG bytes. */
export function encodePng(c: Configuration, opts: PictureOptions = {}): Buffer {
  const { width, height, index } = renderIndexed(c, opts);
  const png = new PNG({ width, height });
  const colours = [...PALETTE, BORDER];
  for (let i = 0; i < index.length; i++) {
    const [r, g, b] = colours[index[i]];
    png.data[4 * i] = r; png.data[4 * i + 1] = g; png.data[4 * i + 2] = b; png.data[4 * i + 3] = 255;
  }
  return PNG.sync.write(png);
}

/** Writes a configuration as a PNG file. */
export async function savePng(path: string, c: Configuration, opts: PictureOptions = {}): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await fs.writeFile(tmp, encodePng(c, opts));
  await fs.rename(tmp, path);
}

/** Frames as animated GIF bytes (delay in milliseconds per frame). */
export function encodeGif(frames: readonly Configuration[], opts: PictureOptions & { delay?: number } = {}): Uint8Array {
  if (frames.length === 0) throw new Error('encodeGif: needs at least one frame');
  const gif = gifenc.GIFEncoder();
  const palette = [...PALETTE, BORDER].map((c) => [...c]);
  while (palette.length < 8) palette.push([0, 0, 0]);
  for (const f of frames) {
    const { width, height, index } = renderIndexed(f, opts);
    gif.writeFrame(index, width, height, { palette, delay: opts.delay ?? 100 });
  }
  gif.finish();
  return gif.bytes();
}

/** Writes frames as an animated GIF file. */
export async function saveGif(path: string, frames: readonly Configuration[], opts: PictureOptions & { delay?: number } = {}): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await fs.writeFile(tmp, encodeGif(frames, opts));
  await fs.rename(tmp, path);
}

/** Several configurations of one size side by side as a PNG grid (`cols` per row, a gap between). */
export function encodePngGrid(configs: readonly Configuration[], cols: number, opts: PictureOptions & { gap?: number } = {}): Buffer {
  if (configs.length === 0) throw new Error('encodePngGrid: needs at least one configuration');
  const tiles = configs.map((c) => renderIndexed(c, opts));
  const tw = tiles[0].width, th = tiles[0].height, gap = opts.gap ?? 4;
  if (tiles.some((t) => t.width !== tw || t.height !== th)) throw new Error('encodePngGrid: all configurations must have the same lattice size');
  const c = Math.max(1, Math.min(cols, configs.length)), r = Math.ceil(configs.length / c);
  const W = c * tw + (c + 1) * gap, H = r * th + (r + 1) * gap;
  const png = new PNG({ width: W, height: H });
  png.data.fill(255);
  const colours = [...PALETTE, BORDER];
  tiles.forEach((t, k) => {
    const ox = gap + (k % c) * (tw + gap), oy = gap + Math.floor(k / c) * (th + gap);
    for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
      const [R, G, B] = colours[t.index[y * tw + x]];
      const o = 4 * ((oy + y) * W + ox + x);
      png.data[o] = R; png.data[o + 1] = G; png.data[o + 2] = B; png.data[o + 3] = 255;
    }
  });
  return PNG.sync.write(png);
}

/** Writes a PNG grid of configurations. */
export async function savePngGrid(path: string, configs: readonly Configuration[], cols: number, opts: PictureOptions & { gap?: number } = {}): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await fs.writeFile(tmp, encodePngGrid(configs, cols, opts));
  await fs.rename(tmp, path);
}
