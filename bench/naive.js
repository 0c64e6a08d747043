// Naive direct convolution loops: the in-run reference the conv suite's ratios are taken against.

/**
 * Direct 2-D convolution forward, NCHW/OIHW, stride 1, padding p on every side.
 * @param {Float32Array} x @param {number[]} xs @param {Float32Array} w @param {number[]} ws @param {number} p
 */
export function naiveConvForward(x, xs, w, ws, p) {
  const [n, c, h, wd] = xs, [o, , kh, kw] = ws;
  const oh = h + 2 * p - kh + 1, ow = wd + 2 * p - kw + 1;
  const out = new Float32Array(n * o * oh * ow);
  for (let b = 0; b < n; b++) for (let co = 0; co < o; co++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) {
    let s = 0;
    for (let ci = 0; ci < c; ci++) for (let ky = 0; ky < kh; ky++) {
      const iy = y + ky - p;
      if (iy < 0 || iy >= h) continue;
      for (let kx = 0; kx < kw; kx++) {
        const ix = xx + kx - p;
        if (ix < 0 || ix >= wd) continue;
        s += x[((b * c + ci) * h + iy) * wd + ix] * w[((co * c + ci) * kh + ky) * kw + kx];
      }
    }
    out[((b * o + co) * oh + y) * ow + xx] = s;
  }
  return out;
}

/**
 * Direct input gradient: dx[b,ci,iy,ix] += dy[b,co,y,x] * w[co,ci,ky,kx].
 * @param {Float32Array} dy @param {Float32Array} w @param {number[]} xs @param {number[]} ws @param {number} p
 */
export function naiveConvInputGrad(dy, w, xs, ws, p) {
  const [n, c, h, wd] = xs, [o, , kh, kw] = ws;
  const oh = h + 2 * p - kh + 1, ow = wd + 2 * p - kw + 1;
  const dx = new Float32Array(n * c * h * wd);
  for (let b = 0; b < n; b++) for (let co = 0; co < o; co++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) {
    const g = dy[((b * o + co) * oh + y) * ow + xx];
    for (let ci = 0; ci < c; ci++) for (let ky = 0; ky < kh; ky++) {
      const iy = y + ky - p;
      if (iy < 0 || iy >= h) continue;
      for (let kx = 0; kx < kw; kx++) {
        const ix = xx + kx - p;
        if (ix < 0 || ix >= wd) continue;
        dx[((b * c + ci) * h + iy) * wd + ix] += g * w[((co * c + ci) * kh + ky) * kw + kx];
      }
    }
  }
  return dx;
}

/**
 * Direct weight gradient: dw[co,ci,ky,kx] = Σ dy[b,co,y,x] * x[b,ci,y+ky-p,x+kx-p].
 * @param {Float32Array} x @param {Float32Array} dy @param {number[]} xs @param {number[]} ws @param {number} p
 */
export function naiveConvWeightGrad(x, dy, xs, ws, p) {
  const [n, c, h, wd] = xs, [o, , kh, kw] = ws;
  const oh = h + 2 * p - kh + 1, ow = wd + 2 * p - kw + 1;
  const dw = new Float32Array(o * c * kh * kw);
  for (let co = 0; co < o; co++) for (let ci = 0; ci < c; ci++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
    let s = 0;
    for (let b = 0; b < n; b++) for (let y = 0; y < oh; y++) {
      const iy = y + ky - p;
      if (iy < 0 || iy >= h) continue;
      for (let xx = 0; xx < ow; xx++) {
        const ix = xx + kx - p;
        if (ix < 0 || ix >= wd) continue;
        s += dy[((b * o + co) * oh + y) * ow + xx] * x[((b * c + ci) * h + iy) * wd + ix];
      }
    }
    dw[((co * c + ci) * kh + ky) * kw + kx] = s;
  }
  return dw;
}
