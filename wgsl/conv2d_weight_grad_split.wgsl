// dL/dw of conv2d, split over the N·outH output rows: workgroup g takes the rows
// [g·rows, (g + 1)·rows) and writes a partial weight gradient part[g, co, ci, ky, kx]; a sum
// over g finishes it. Each invocation owns (co, ci) pairs (lid, lid + 64, ...) and keeps
// all kh·kw ≤ 25 taps in registers, so one dy value feeds kh·kw multiply-adds.
// prm: [row, total, n, cin, h, w, cout, kh, kw, stride, padTop, padLeft, outH, outW, rows, groups];
// the backend replaces the kh, kw and stride reads by constants (one pipeline per kernel shape).
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let n = prm[2]; let cin = prm[3]; let h = i32(prm[4]); let wd = i32(prm[5]); let cout = prm[6];
  let kh = prm[7]; let kw = prm[8]; let stride = i32(prm[9]);
  let pt = i32(prm[10]); let pl = i32(prm[11]); let oh = prm[12]; let ow = prm[13];
  let rows = prm[14]; let g = wg.x + wg.y * 65535u;
  if (g >= prm[15]) { return; }
  let taps = kh * kw;
  let q0 = g * rows; let q1 = min(n * oh, q0 + rows);
  for (var pair = lid; pair < cout * cin; pair += 64u) {
    let co = pair / cin; let ci = pair % cin;
    var acc: array<f32, 25>;
    for (var t = 0u; t < 25u; t++) { acc[t] = 0.0; }
    for (var q = q0; q < q1; q++) {
      let b = q / oh; let oy = q % oh;
      let dyRow = ((b * cout + co) * oh + oy) * ow;
      let xImg = i32((b * cin + ci) * u32(h * wd));
      for (var ky = 0u; ky < kh; ky++) {
        let iy = i32(oy) * stride + i32(ky) - pt;
        if (iy < 0 || iy >= h) { continue; }
        let xRow = xImg + iy * wd;
        for (var kx = 0u; kx < kw; kx++) {
          // ox range with 0 <= ox·stride + kx − pl < w
          let off = i32(kx) - pl;
          var lo = 0;
          if (off < 0) { lo = (-off + stride - 1) / stride; }
          var hi = (wd - 1 - off) / stride + 1;
          if (wd - 1 - off < 0) { hi = 0; }
          hi = min(hi, i32(ow));
          var s = 0.0;
          for (var ox = lo; ox < hi; ox++) {
            s += dy[dyRow + u32(ox)] * x[xRow + ox * stride + off];
          }
          acc[ky * kw + kx] += s;
        }
      }
    }
    let base = (g * cout * cin + pair) * taps;
    for (var t = 0u; t < taps; t++) { part[base + t] = acc[t]; }
  }
}
