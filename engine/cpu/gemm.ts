/**
 * Single-threaded GEMM for the CPU backend: C[M×N] += A[M×K] · B[K×N].
 * A is packed into panels of 4 rows (k-major) once; B is read in place through
 * (row stride, column stride), so im2col rows and transposed views need no packing.
 * The micro-kernel keeps a 4×2 block of C in registers (8 accumulators fit V8's
 * 16 floating-point registers together with the loaded operands).
 */

export const MR = 4;

type Arr = Float32Array | Float64Array;

/** Size of the packed buffer for an M×K matrix. */
export function packedASize(m: number, k: number): number {
  return Math.ceil(m / MR) * MR * k;
}

/** Packs A (element (i,k) at a[off + i*rs + k*cs]) into 4-row panels, zero-padded. */
export function packA(a: Arr, off: number, rs: number, cs: number, m: number, k: number, out: Float64Array): void {
  const panels = Math.ceil(m / 4);
  for (let p = 0; p < panels; p++) {
    const base = p * k * 4;
    for (let ii = 0; ii < 4; ii++) {
      const i = p * 4 + ii;
      if (i < m) {
        let src = off + i * rs;
        for (let kk = 0, q = base + ii; kk < k; kk++, q += 4) { out[q] = a[src]; src += cs; }
      } else {
        for (let kk = 0, q = base + ii; kk < k; kk++, q += 4) out[q] = 0;
      }
    }
  }
}

/**
 * C[cOff + i*crs + j*ccs] += sum_k A[i,k]·B[k,j] (or = with overwrite), with A packed by
 * packA and B(k,j) at b[bOff + k*brs + j*bcs].
 */
export function gemmPackedA(ap: Float64Array, b: Arr, bOff: number, brs: number, bcs: number,
  m: number, n: number, k: number, c: Arr, cOff: number, crs: number, ccs = 1, overwrite = false): void {

  const pm = Math.ceil(m / MR);
  const nEven = n - (n & 1);
  for (let p = 0; p < pm; p++) {
    const i0 = p * MR;
    const rows = Math.min(MR, m - i0);
    if (rows === MR) kernel4x2(ap, p * k * MR, k, b, bOff, brs, bcs, nEven, c, cOff + i0 * crs, crs, ccs, overwrite);
    else edge(ap, p * k * MR, k, rows, 0, nEven, b, bOff, brs, bcs, c, cOff + i0 * crs, crs, ccs, overwrite);
    if (nEven < n) edge(ap, p * k * MR, k, rows, nEven, n, b, bOff, brs, bcs, c, cOff + i0 * crs, crs, ccs, overwrite);
  }
}

/** The hot loop: full 4-row panel times column pairs [0, nEven). Kept small so V8 keeps all accumulators in registers. */
function kernel4x2(ap: Float64Array, aStart: number, k: number, b: Arr, bOff: number, brs: number, bcs: number,
  nEven: number, c: Arr, cOff: number, crs: number, ccs: number, overwrite: boolean): void {
  const aEnd = aStart + k * 4;
  for (let j0 = 0; j0 < nEven; j0 += 2) {
    let c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0;
    let bp = bOff + j0 * bcs;
    // literal 4 (not MR): V8 does not constant-fold module bindings in this loop
    for (let ai = aStart; ai < aEnd; ai += 4, bp += brs) {
      const a0 = ap[ai], a1 = ap[ai + 1], a2 = ap[ai + 2], a3 = ap[ai + 3];
      const b0 = b[bp];
      c00 += a0 * b0; c10 += a1 * b0; c20 += a2 * b0; c30 += a3 * b0;
      const b1 = b[bp + bcs];
      c01 += a0 * b1; c11 += a1 * b1; c21 += a2 * b1; c31 += a3 * b1;
    }
    const o = cOff + j0 * ccs;
    if (overwrite) {
      c[o] = c00; c[o + ccs] = c01;
      c[o + crs] = c10; c[o + crs + ccs] = c11;
      c[o + 2 * crs] = c20; c[o + 2 * crs + ccs] = c21;
      c[o + 3 * crs] = c30; c[o + 3 * crs + ccs] = c31;
    } else {
      c[o] += c00; c[o + ccs] += c01;
      c[o + crs] += c10; c[o + crs + ccs] += c11;
      c[o + 2 * crs] += c20; c[o + 2 * crs + ccs] += c21;
      c[o + 3 * crs] += c30; c[o + 3 * crs + ccs] += c31;
    }
  }
}

/** Partial panels and the odd last column, one output at a time. */
function edge(ap: Float64Array, aStart: number, k: number, rows: number, j0: number, j1: number,
  b: Arr, bOff: number, brs: number, bcs: number, c: Arr, cOff: number, crs: number, ccs: number, overwrite: boolean): void {
  for (let j = j0; j < j1; j++) {
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let kk = 0, ai = aStart + i, bp = bOff + j * bcs; kk < k; kk++, ai += 4, bp += brs) s += ap[ai] * b[bp];
      const q = cOff + i * crs + j * ccs;
      c[q] = overwrite ? s : c[q] + s;
    }
  }
}

let scratch = new Float64Array(1024);
/** A reusable packing buffer of at least `size` doubles. */
export function packScratch(size: number): Float64Array {
  if (scratch.length < size) scratch = new Float64Array(Math.max(size, scratch.length * 2));
  return scratch;
}

/** C += op(A)·op(B) for general strided operands (convenience wrapper that packs A). */
export function gemm(a: Arr, aOff: number, ars: number, acs: number,
  b: Arr, bOff: number, brs: number, bcs: number,
  m: number, n: number, k: number, c: Arr, cOff: number, crs: number): void {
  const ap = packScratch(packedASize(m, k));
  packA(a, aOff, ars, acs, m, k, ap);
  gemmPackedA(ap, b, bOff, brs, bcs, m, n, k, c, cOff, crs);
}
