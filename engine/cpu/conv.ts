/**
 * CPU convolution kernels (NCHW input, OIHW weight): im2col rows copied with native
 * `set`, then the packed-A GEMM. The input gradient is a convolution of the output
 * gradient with the flipped, transposed kernel when the stride is 1, and a col2im
 * scatter otherwise; the weight gradient contracts the output gradient with im2col rows.
 */
import type { ConvGeometry } from '../backend.js';
import { gemmPackedA, packA, packedASize, packScratch } from './gemm.js';
import { winogradApplies, winogradForward, winogradWeightGrad } from './winograd.js';

let colScratch = new Float32Array(1024);
function colBuffer(size: number): Float32Array {
  if (colScratch.length < size) colScratch = new Float32Array(Math.max(size, colScratch.length * 2));
  return colScratch;
}

/** Writes the im2col matrix of image `n` (rows = cin·kh·kw, columns = outH·outW) into col. */
export function im2col(x: Float32Array, n: number, g: ConvGeometry, col: Float32Array): void {
  const { cin, h, w, kh, kw, stride, padTop, padLeft, outH, outW } = g;
  const hw = outH * outW;
  const imgOff = n * cin * h * w;
  let row = 0;
  for (let ci = 0; ci < cin; ci++) {
    const chOff = imgOff + ci * h * w;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++, row++) {
        const rowOff = row * hw;
        // valid output columns: 0 <= ox*stride + kx - padLeft < w
        const oxLo = Math.max(0, Math.ceil((padLeft - kx) / stride));
        const oxHi = Math.min(outW, Math.floor((w - 1 + padLeft - kx) / stride) + 1);
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * stride + ky - padTop;
          const dst = rowOff + oy * outW;
          if (iy < 0 || iy >= h || oxHi <= oxLo) {
            col.fill(0, dst, dst + outW);
            continue;
          }
          if (oxLo > 0) col.fill(0, dst, dst + oxLo);
          if (oxHi < outW) col.fill(0, dst + oxHi, dst + outW);
          const src = chOff + iy * w + oxLo * stride + kx - padLeft;
          if (stride === 1) {
            for (let ox = oxLo, s = src; ox < oxHi; ox++, s++) col[dst + ox] = x[s];
          } else {
            for (let ox = oxLo, s = src; ox < oxHi; ox++, s += stride) col[dst + ox] = x[s];
          }
        }
      }
    }
  }
}

/** y = conv(x, w) + bias. */
export function conv2dForward(x: Float32Array, w: Float32Array, bias: Float32Array | null, g: ConvGeometry): Float32Array {
  if (winogradApplies(g)) return winogradForward(x, w, bias, g);
  const { n, cin, cout, kh, kw, outH, outW } = g;
  const hw = outH * outW;
  const kdim = cin * kh * kw;
  const out = new Float32Array(n * cout * hw);
  const ap = new Float64Array(packedASize(cout, kdim));
  packA(w, 0, kdim, 1, cout, kdim, ap);
  const col = colBuffer(kdim * hw);
  const is1x1 = kh === 1 && kw === 1 && g.stride === 1 && g.padTop === 0 && g.padLeft === 0;
  for (let b = 0; b < n; b++) {
    const o = b * cout * hw;
    if (bias) for (let co = 0; co < cout; co++) out.fill(bias[co], o + co * hw, o + (co + 1) * hw);
    const ow = bias === null;
    if (is1x1) {
      gemmPackedA(ap, x, b * cin * hw, hw, 1, cout, hw, kdim, out, o, hw, 1, ow);
    } else {
      im2col(x, b, g, col);
      gemmPackedA(ap, col, 0, hw, 1, cout, hw, kdim, out, o, hw, 1, ow);
    }
  }
  return out;
}

/** dL/dx from dL/dy. */
export function conv2dInputGrad(dy: Float32Array, w: Float32Array, g: ConvGeometry): Float32Array {
  const { n, cin, h, w: width, cout, kh, kw, stride, padTop, padLeft, outH, outW } = g;
  const padBottom = (outH - 1) * stride + kh - h - padTop;
  const padRight = (outW - 1) * stride + kw - width - padLeft;
  if (stride === 1 && padTop <= kh - 1 && padLeft <= kw - 1 && padBottom <= kh - 1 && padRight <= kw - 1 && padBottom >= 0 && padRight >= 0) {
    // Full correlation with the flipped kernel, channels swapped: w'[ci][co][ky][kx] = w[co][ci][kh-1-ky][kw-1-kx].
    const wt = new Float32Array(cin * cout * kh * kw);
    for (let co = 0; co < cout; co++)
      for (let ci = 0; ci < cin; ci++)
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++)
            wt[((ci * cout + co) * kh + ky) * kw + kx] = w[((co * cin + ci) * kh + (kh - 1 - ky)) * kw + (kw - 1 - kx)];
    const g2: ConvGeometry = {
      n, cin: cout, h: outH, w: outW, cout: cin, kh, kw, stride: 1,
      padTop: kh - 1 - padTop, padLeft: kw - 1 - padLeft, outH: h, outW: width,
    };
    return conv2dForward(dy, wt, null, g2);
  }
  // General stride: dcol = Wᵀ·dy, then scatter-add the columns back (col2im).
  const hw = outH * outW;
  const kdim = cin * kh * kw;
  const dx = new Float32Array(n * cin * h * width);
  const ap = new Float64Array(packedASize(kdim, cout));
  packA(w, 0, 1, kdim, kdim, cout, ap);
  const dcol = new Float32Array(kdim * hw);
  for (let b = 0; b < n; b++) {
    dcol.fill(0);
    gemmPackedA(ap, dy, b * cout * hw, hw, 1, kdim, hw, cout, dcol, 0, hw);
    const imgOff = b * cin * h * width;
    let row = 0;
    for (let ci = 0; ci < cin; ci++)
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++, row++)
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * stride + ky - padTop;
            if (iy < 0 || iy >= h) continue;
            for (let ox = 0; ox < outW; ox++) {
              const ix = ox * stride + kx - padLeft;
              if (ix < 0 || ix >= width) continue;
              dx[imgOff + (ci * h + iy) * width + ix] += dcol[row * hw + oy * outW + ox];
            }
          }
  }
  return dx;
}

/** dL/dw from x and dL/dy (each image's contraction is summed in double precision). */
export function conv2dWeightGrad(x: Float32Array, dy: Float32Array, g: ConvGeometry): Float32Array {
  if (winogradApplies(g)) return winogradWeightGrad(x, dy, g);
  const { n, cin, cout, kh, kw, outH, outW } = g;
  const hw = outH * outW;
  const kdim = cin * kh * kw;
  const acc = new Float32Array(cout * kdim);
  const col = colBuffer(kdim * hw);
  const ap = packScratch(packedASize(cout, hw));
  for (let b = 0; b < n; b++) {
    im2col(x, b, g, col);
    packA(dy, b * cout * hw, hw, 1, cout, hw, ap);
    gemmPackedA(ap, col, 0, 1, hw, cout, kdim, hw, acc, 0, kdim);
  }
  return acc;
}
