/**
 * Winograd F(2×2, 3×3) convolution for 3×3 kernels with stride 1 (Lavin & Gray, 2016).
 * Each 2×2 output tile needs 16 multiplications per channel pair instead of 36:
 *   Y = Aᵀ [ Σ_ci (G g Gᵀ) ⊙ (Bᵀ d B) ] A.
 * The 16 element-wise products become 16 GEMMs over (channels × tiles), done by the
 * packed-A GEMM. The weight gradient uses the same transforms:
 *   dg = Gᵀ [ Σ_tiles (A dY Aᵀ) ⊙ (Bᵀ d B) ] G.
 * Transform matrices have entries 0, ±1 and ±1/2, so results match direct convolution to
 * float32 rounding.
 */
import type { ConvGeometry } from '../backend.js';
import { gemmPackedA, MR, packA, packedASize } from './gemm.js';

const scratch: Float32Array[] = [];
let scratch64 = new Float64Array(0);
/** A reusable double work buffer of at least `size` entries. */
function work64(size: number): Float64Array {
  if (scratch64.length < size) scratch64 = new Float64Array(Math.max(size, scratch64.length * 2));
  return scratch64;
}
/** A reusable work buffer (slot 0..3) of at least `size` floats; contents are undefined. */
function work(slot: number, size: number): Float32Array {
  const cur = scratch[slot];
  if (cur && cur.length >= size) return cur;
  const next = new Float32Array(Math.max(size, cur ? cur.length * 2 : 0));
  scratch[slot] = next;
  return next;
}

/** True when the Winograd path applies (3×3, stride 1). */
export function winogradApplies(g: ConvGeometry): boolean {
  return g.kh === 3 && g.kw === 3 && g.stride === 1;
}

/** Images per chunk so that the transformed tiles of a chunk stay in the L2 cache. */
function chunkSize(g: ConvGeometry, tilesPerImage: number): number {
  const bytesPerImage = 16 * (g.cin + g.cout) * tilesPerImage * 4;
  return Math.max(1, Math.min(g.n, Math.floor((CHUNK_KB * 1024) / bytesPerImage)));
}
let CHUNK_KB = Number(process.env.NEURALCPM_WINOGRAD_CHUNK_KB ?? 768);

/**
 * V[t][ξ][ci] = (Bᵀ d B)[ξ] for every input tile t of images [b0, b0 + nb); t runs over
 * (image, tile row, tile column). Tile-major keeps each tile's 16·cin values together.
 */
function transformInput(x: Float32Array, g: ConvGeometry, b0: number, nb: number, th: number, tw: number, v: Float32Array): void {
  const { cin, h, w, padTop, padLeft } = g;
  const tpi = th * tw;
  const plane = cin; // stride between successive ξ of one (tile, channel)
  // A zero-padded copy of one channel, so every 4×4 patch is in bounds.
  const ph = 2 * th + 2, pw = 2 * tw + 2;
  const pad = work(2, ph * pw);
  for (let bi = 0; bi < nb; bi++) {
    for (let ci = 0; ci < cin; ci++) {
      const src = ((b0 + bi) * cin + ci) * h * w;
      pad.fill(0, 0, ph * pw);
      for (let yy = 0; yy < ph; yy++) {
        const iy = yy - padTop;
        if (iy < 0 || iy >= h) continue;
        const xlo = Math.max(0, padLeft), xhi = Math.min(pw, w + padLeft);
        for (let xx = xlo, s = src + iy * w + xlo - padLeft; xx < xhi; xx++, s++) pad[yy * pw + xx] = x[s];
      }
      let o = bi * tpi * 16 * cin + ci;
      for (let ty = 0; ty < th; ty++) {
        for (let tx = 0; tx < tw; tx++, o += 16 * cin) {
          const s0 = 2 * ty * pw + 2 * tx, s1 = s0 + pw, s2 = s1 + pw, s3 = s2 + pw;
          // Bᵀ d on rows: r0 = d0 - d2, r1 = d1 + d2, r2 = d2 - d1, r3 = d1 - d3 (per column c)
          const d00 = pad[s0], d01 = pad[s0 + 1], d02 = pad[s0 + 2], d03 = pad[s0 + 3];
          const d10 = pad[s1], d11 = pad[s1 + 1], d12 = pad[s1 + 2], d13 = pad[s1 + 3];
          const d20 = pad[s2], d21 = pad[s2 + 1], d22 = pad[s2 + 2], d23 = pad[s2 + 3];
          const d30 = pad[s3], d31 = pad[s3 + 1], d32 = pad[s3 + 2], d33 = pad[s3 + 3];
          let a0 = d00 - d20, a1 = d01 - d21, a2 = d02 - d22, a3 = d03 - d23;
          let q = o;
          v[q] = a0 - a2; v[q += plane] = a1 + a2; v[q += plane] = a2 - a1; v[q += plane] = a1 - a3;
          a0 = d10 + d20; a1 = d11 + d21; a2 = d12 + d22; a3 = d13 + d23;
          v[q += plane] = a0 - a2; v[q += plane] = a1 + a2; v[q += plane] = a2 - a1; v[q += plane] = a1 - a3;
          a0 = d20 - d10; a1 = d21 - d11; a2 = d22 - d12; a3 = d23 - d13;
          v[q += plane] = a0 - a2; v[q += plane] = a1 + a2; v[q += plane] = a2 - a1; v[q += plane] = a1 - a3;
          a0 = d10 - d30; a1 = d11 - d31; a2 = d12 - d32; a3 = d13 - d33;
          v[q += plane] = a0 - a2; v[q += plane] = a1 + a2; v[q += plane] = a2 - a1; v[q += plane] = a1 - a3;
        }
      }
    }
  }
}

/** U[ξ][co][ci] = (G g Gᵀ)[ξ] for every kernel. */
function transformWeights(w: Float32Array, cout: number, cin: number): Float32Array {
  const u = new Float32Array(16 * cout * cin);
  const plane = cout * cin;
  const t = new Float64Array(12);
  for (let co = 0; co < cout; co++) {
    for (let ci = 0; ci < cin; ci++) {
      const s = (co * cin + ci) * 9;
      // G g (4×3): rows g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2
      for (let c = 0; c < 3; c++) {
        const g0 = w[s + c], g1 = w[s + 3 + c], g2 = w[s + 6 + c];
        t[c] = g0; t[3 + c] = 0.5 * (g0 + g1 + g2); t[6 + c] = 0.5 * (g0 - g1 + g2); t[9 + c] = g2;
      }
      // (·) Gᵀ (4×4)
      for (let r = 0; r < 4; r++) {
        const g0 = t[r * 3], g1 = t[r * 3 + 1], g2 = t[r * 3 + 2];
        const o = r * 4 * plane + co * cin + ci;
        u[o] = g0;
        u[o + plane] = 0.5 * (g0 + g1 + g2);
        u[o + 2 * plane] = 0.5 * (g0 - g1 + g2);
        u[o + 3 * plane] = g2;
      }
    }
  }
  return u;
}

/** y = conv3×3(x, w) + bias with stride 1. */
export function winogradForward(x: Float32Array, w: Float32Array, bias: Float32Array | null, g: ConvGeometry): Float32Array {
  const { n, cin, cout, outH, outW } = g;
  const th = Math.ceil(outH / 2), tw = Math.ceil(outW / 2), tpi = th * tw;
  const out = new Float32Array(n * cout * outH * outW);
  const u = transformWeights(w, cout, cin);
  const ap = new Float64Array(16 * packedASize(cout, cin));
  const pa = packedASize(cout, cin);
  for (let xi = 0; xi < 16; xi++) {
    packA(u, xi * cout * cin, cin, 1, cout, cin, ap.subarray(xi * pa, (xi + 1) * pa));
  }
  const chunk = chunkSize(g, tpi);
  const v = work(0, 16 * cin * chunk * tpi);
  const m = work(1, 16 * cout * chunk * tpi);
  for (let b0 = 0; b0 < n; b0 += chunk) {
    const nb = Math.min(chunk, n - b0);
    const T = nb * tpi;
    transformInput(x, g, b0, nb, th, tw, v);
    // M[t][ξ][co] = Σ_ci U[ξ][co][ci] · V[t][ξ][ci]
    for (let xi = 0; xi < 16; xi++) {
      gemmPackedA(ap.subarray(xi * pa, (xi + 1) * pa), v, xi * cin, 1, 16 * cin, cout, T, cin, m, xi * cout, 1, 16 * cout, true);
    }
    // Y = Aᵀ M A per tile: rows y0 = m0 + m1 + m2, y1 = m1 - m2 - m3, then the same on columns.
    const plane = cout;
    for (let bi = 0; bi < nb; bi++) {
      for (let ty = 0; ty < th; ty++) {
        for (let tx = 0; tx < tw; tx++) {
          const t = bi * tpi + ty * tw + tx;
          for (let co = 0; co < cout; co++) {
            const bv = bias ? bias[co] : 0;
            const ob = ((b0 + bi) * cout + co) * outH * outW;
            const q = t * 16 * cout + co;
            // column sums of rows (m0 + m1 + m2) and (m1 - m2 - m3) for the four columns
            let p = q;
            const m00 = m[p], m01 = m[p += plane], m02 = m[p += plane], m03 = m[p += plane];
            const m10 = m[p += plane], m11 = m[p += plane], m12 = m[p += plane], m13 = m[p += plane];
            const m20 = m[p += plane], m21 = m[p += plane], m22 = m[p += plane], m23 = m[p += plane];
            const m30 = m[p += plane], m31 = m[p += plane], m32 = m[p += plane], m33 = m[p += plane];
            const r00 = m00 + m10 + m20, r01 = m01 + m11 + m21, r02 = m02 + m12 + m22, r03 = m03 + m13 + m23;
            const r10 = m10 - m20 - m30, r11 = m11 - m21 - m31, r12 = m12 - m22 - m32, r13 = m13 - m23 - m33;
            const y = 2 * ty, xx = 2 * tx;
            const o = ob + y * outW + xx;
            out[o] = r00 + r01 + r02 + bv;
            if (xx + 1 < outW) out[o + 1] = r01 - r02 - r03 + bv;
            if (y + 1 < outH) {
              out[o + outW] = r10 + r11 + r12 + bv;
              if (xx + 1 < outW) out[o + outW + 1] = r11 - r12 - r13 + bv;
            }
          }
        }
      }
    }
  }
  return out;
}

/** dL/dw for a 3×3, stride-1 convolution. */
export function winogradWeightGrad(x: Float32Array, dy: Float32Array, g: ConvGeometry): Float32Array {
  const { n, cin, cout, outH, outW } = g;
  const th = Math.ceil(outH / 2), tw = Math.ceil(outW / 2), tpi = th * tw;
  const chunk = chunkSize(g, tpi);
  const v = work(0, 16 * cin * chunk * tpi);
  const panels = Math.ceil(cout / MR);
  // Z is written straight into the packed-A layout of the GEMM: per ξ, 4-row panels of
  // output channels, tile-major: zp[ξ][panel][t][co % 4].
  const zp = work64(16 * panels * MR * chunk * tpi);
  const acc = new Float32Array(16 * cout * cin); // Σ_t Z ⊙ V per ξ, [ξ][co][ci]
  for (let b0 = 0; b0 < n; b0 += chunk) {
    const nb = Math.min(chunk, n - b0);
    const T = nb * tpi;
    transformInput(x, g, b0, nb, th, tw, v);
    const xiStride = panels * MR * T;
    if (cout % MR !== 0) zp.fill(0, 0, 16 * xiStride);
    // Z = A dY Aᵀ per tile: z0 = y0, z1 = y0 + y1, z2 = y0 - y1, z3 = -y1 on rows and columns.
    for (let co = 0; co < cout; co++) {
      const lane = co % MR, panelOff = Math.floor(co / MR) * MR * T;
      for (let bi = 0; bi < nb; bi++) {
        const ib = ((b0 + bi) * cout + co) * outH * outW;
        for (let ty = 0; ty < th; ty++) {
          for (let tx = 0; tx < tw; tx++) {
            const y = 2 * ty, xx = 2 * tx;
            const o = ib + y * outW + xx;
            const hasX = xx + 1 < outW, hasY = y + 1 < outH;
            const a = dy[o], b = hasX ? dy[o + 1] : 0;
            const c = hasY ? dy[o + outW] : 0, d = hasY && hasX ? dy[o + outW + 1] : 0;
            // rows of A dY: [a b], [a+c b+d], [a-c b-d], [-c -d]; then the same on columns
            const t = bi * tpi + ty * tw + tx;
            let q = panelOff + t * MR + lane;
            zp[q] = a; zp[q += xiStride] = a + b; zp[q += xiStride] = a - b; zp[q += xiStride] = -b;
            const e = a + c, f = b + d;
            zp[q += xiStride] = e; zp[q += xiStride] = e + f; zp[q += xiStride] = e - f; zp[q += xiStride] = -f;
            const e2 = a - c, f2 = b - d;
            zp[q += xiStride] = e2; zp[q += xiStride] = e2 + f2; zp[q += xiStride] = e2 - f2; zp[q += xiStride] = -f2;
            zp[q += xiStride] = -c; zp[q += xiStride] = -c - d; zp[q += xiStride] = d - c; zp[q += xiStride] = d;
          }
        }
      }
    }
    for (let xi = 0; xi < 16; xi++) {
      // acc[ξ][co][ci] += Σ_t Z[ξ][co][t] · V[ξ][ci][t]
      gemmPackedA(zp.subarray(xi * xiStride, (xi + 1) * xiStride), v, xi * cin, 16 * cin, 1, cout, cin, T, acc, xi * cout * cin, cin);
    }
  }
  // dg = Gᵀ M G per (co, ci); Gᵀ rows: [1, ½, ½, 0], [0, ½, -½, 0], [0, ½, ½, 1]
  const out = new Float32Array(cout * cin * 9);
  const plane = cout * cin;
  const t = new Float64Array(12);
  for (let co = 0; co < cout; co++) {
    for (let ci = 0; ci < cin; ci++) {
      const base = co * cin + ci;
      for (let c = 0; c < 4; c++) {
        const m0 = acc[base + c * plane], m1 = acc[base + (4 + c) * plane], m2 = acc[base + (8 + c) * plane], m3 = acc[base + (12 + c) * plane];
        t[c] = m0 + 0.5 * (m1 + m2); t[4 + c] = 0.5 * (m1 - m2); t[8 + c] = 0.5 * (m1 + m2) + m3;
      }
      const o = base * 9;
      for (let r = 0; r < 3; r++) {
        const m0 = t[r * 4], m1 = t[r * 4 + 1], m2 = t[r * 4 + 2], m3 = t[r * 4 + 3];
        out[o + r * 3] = m0 + 0.5 * (m1 + m2);
        out[o + r * 3 + 1] = 0.5 * (m1 - m2);
        out[o + r * 3 + 2] = 0.5 * (m1 + m2) + m3;
      }
    }
  }
  return out;
}
