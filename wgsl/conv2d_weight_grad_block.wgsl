// dL/dw of conv2d for kernels of at most 25 taps: invocation i takes one item = (block of 4
// output channels, one input channel, one chunk of `rows` output rows) and accumulates the
// 4 × TAPS partial sums of that item in registers: per output pixel, 4 dy values (a vec4)
// and TAPS inputs feed 4·TAPS multiply-adds. It writes part[chunk, co, ci, ky, kx]; a sum
// over the chunks finishes the gradient. The backend compiles KH, KW, STRIDE and TAPS in.
// prm: [row, total, n, cin, h, w, cout, kh, kw, stride, padTop, padLeft, outH, outW, rows, chunks, coBlocks]
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = prm[2]; let cin = prm[3]; let h = i32(prm[4]); let wd = i32(prm[5]); let cout = prm[6];
  let kh = KHu; let kw = KWu; let stride = STRIDE;
  let pt = i32(prm[10]); let pl = i32(prm[11]); let oh = prm[12]; let ow = prm[13];
  let rows = prm[14]; let chunks = prm[15]; let coBlocks = prm[16];
  let item = gid.x + gid.y * prm[0];
  if (item >= chunks * coBlocks * cin) { return; }
  let ci = item % cin;
  let cb = (item / cin) % coBlocks;
  let chunk = item / (cin * coBlocks);
  let co0 = cb * 4u;
  let taps = kh * kw;
  var acc: array<vec4<f32>, TAPS>;
  for (var t = 0u; t < taps; t++) { acc[t] = vec4<f32>(0.0); }
  let plane = oh * ow;
  let q0 = chunk * rows; let q1 = min(n * oh, q0 + rows);
  for (var q = q0; q < q1; q++) {
    let b = q / oh; let oy = q % oh;
    let dyRow = (b * cout + co0) * plane + oy * ow;
    let xImg = i32((b * cin + ci) * u32(h * wd));
    for (var ox = 0u; ox < ow; ox++) {
      let d0 = dy[dyRow + ox];
      let d1 = select(0.0, dy[dyRow + plane + ox], co0 + 1u < cout);
      let d2 = select(0.0, dy[dyRow + 2u * plane + ox], co0 + 2u < cout);
      let d3 = select(0.0, dy[dyRow + 3u * plane + ox], co0 + 3u < cout);
      let dv = vec4<f32>(d0, d1, d2, d3);
      for (var ky = 0u; ky < kh; ky++) {
        let iy = i32(oy) * stride + i32(ky) - pt;
        if (iy < 0 || iy >= h) { continue; }
        for (var kx = 0u; kx < kw; kx++) {
          let ix = i32(ox) * stride + i32(kx) - pl;
          if (ix < 0 || ix >= wd) { continue; }
          acc[ky * kw + kx] += dv * x[xImg + iy * wd + ix];
        }
      }
    }
  }
  let total = cout * cin * taps;
  for (var c = 0u; c < 4u; c++) {
    let co = co0 + c;
    if (co >= cout) { break; }
    let base = chunk * total + (co * cin + ci) * taps;
    for (var t = 0u; t < taps; t++) { part[base + t] = acc[t][c]; }
  }
}
