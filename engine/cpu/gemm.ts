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
  const panels = Math.ceil(m / MR);
  for (let p = 0; p < panels; p++) {
    const base = p * k * MR;
    for (let ii = 0; ii < MR; ii++) {
      const i = p * MR + ii;
      if (i < m) {
        let src = off + i * rs;
        for (let kk = 0; kk < k; kk++) { out[base + kk * MR + ii] = a[src]; src += cs; }
      } else {
        for (let kk = 0; kk < k; kk++) out[base + kk * MR + ii] = 0;
      }
    }
  }
}

/**
 * C[cOff + i*crs + j] += sum_k A[i,k]·B[k,j], with A packed by packA and B(k,j) at
 * b[bOff + k*brs + j*bcs].
 */
export function gemmPackedA(ap: Float64Array, b: Arr, bOff: number, brs: number, bcs: number,
  m: number, n: number, k: number, c: Arr, cOff: number, crs: number): void {
  const pm = Math.ceil(m / MR);
  const nEven = n - (n & 1);
  for (let p = 0; p < pm; p++) {
    const i0 = p * MR;
    const rows = Math.min(MR, m - i0);
    const aStart = p * k * MR;
    const aEnd = aStart + k * MR;
    const r0 = cOff + i0 * crs, r1 = r0 + crs, r2 = r1 + crs, r3 = r2 + crs;
    for (let j0 = 0; j0 < nEven; j0 += 2) {
      let c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0;
      let bp0 = bOff + j0 * bcs;
      let bp1 = bp0 + bcs;
      for (let ai = aStart; ai < aEnd; ai += MR) {
        const a0 = ap[ai], a1 = ap[ai + 1], a2 = ap[ai + 2], a3 = ap[ai + 3];
        const b0 = b[bp0], b1 = b[bp1];
        c00 += a0 * b0; c10 += a1 * b0; c20 += a2 * b0; c30 += a3 * b0;
        c01 += a0 * b1; c11 += a1 * b1; c21 += a2 * b1; c31 += a3 * b1;
        bp0 += brs; bp1 += brs;
      }
      c[r0 + j0] += c00; c[r0 + j0 + 1] += c01;
      if (rows > 1) { c[r1 + j0] += c10; c[r1 + j0 + 1] += c11; }
      if (rows > 2) { c[r2 + j0] += c20; c[r2 + j0 + 1] += c21; }
      if (rows > 3) { c[r3 + j0] += c30; c[r3 + j0 + 1] += c31; }
    }
    if (nEven < n) {
      const j0 = nEven;
      let c00 = 0, c10 = 0, c20 = 0, c30 = 0;
      let bp0 = bOff + j0 * bcs;
      for (let ai = aStart; ai < aEnd; ai += MR) {
        const b0 = b[bp0];
        c00 += ap[ai] * b0; c10 += ap[ai + 1] * b0; c20 += ap[ai + 2] * b0; c30 += ap[ai + 3] * b0;
        bp0 += brs;
      }
      c[r0 + j0] += c00;
      if (rows > 1) c[r1 + j0] += c10;
      if (rows > 2) c[r2 + j0] += c20;
      if (rows > 3) c[r3 + j0] += c30;
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
