/** Shape arithmetic shared by every backend: sizes, strides, broadcasting, axes. */

export type Shape = readonly number[];

/** Number of elements of a shape. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C order) strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Formats a shape as [a,b,c] for error messages. */
export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Throws unless every entry is a non-negative integer. */
export function checkShape(shape: Shape, what: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${what}: shape ${fmt(shape)} has an invalid dimension ${d}; dimensions must be non-negative integers`);
    }
  }
}

/** Shape that two shapes broadcast to (NumPy rules), or a clear error. */
export function broadcastShapes(a: Shape, b: Shape, what = 'broadcast'): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${what}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together (axis ${i}: ${da} vs ${db}); make the sizes equal or 1`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a tensor of `shape` as if broadcast to `outShape` (0 on broadcast axes). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const st = stridesOf(shape);
  const off = outShape.length - shape.length;
  const out = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < shape.length; i++) {
    out[i + off] = shape[i] === 1 && outShape[i + off] !== 1 ? 0 : st[i];
  }
  return out;
}

/** Normalises possibly negative axes against a rank; sorted, unique, validated. */
export function normAxes(axes: number | readonly number[] | undefined, rank: number, what: string): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = new Set<number>();
  for (const a of list) {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw new Error(`${what}: axis ${a} is out of range for a tensor of rank ${rank}; use -${rank}..${rank - 1}`);
    }
    out.add(a < 0 ? a + rank : a);
  }
  return [...out].sort((x, y) => x - y);
}

/** Normalises one axis. */
export function normAxis(axis: number, rank: number, what: string): number {
  return normAxes(axis, rank, what)[0];
}

/** True when two shapes are equal. */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
