// Direct 2-D convolution for stride 1 and kernels at most 5 wide: as conv2d.wgsl (4 output
// channels × PX adjacent output columns per invocation, PX = 4 or 8 compiled in, the
// workgroup's weights staged), but each input row segment of PX + kw − 1 values is loaded once per (input channel,
// kernel row) and reused by every tap of that row. The backend compiles kh and kw in.
// prm: [n, cin, h, w, cout, kh, kw, stride, padTop, padLeft, outH, outW, hasBias, coutBlocks]
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

var<workgroup> ws: array<f32, 4096>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let cin = prm[1]; let h = i32(prm[2]); let wd = i32(prm[3]); let cout = prm[4];
  let kh = prm[5]; let kw = prm[6];
  let pt = i32(prm[8]); let pl = i32(prm[9]); let oh = prm[10]; let ow = prm[11];
  let co0 = wg.z * 4u;
  let per = cin * kh * kw;
  for (var q = lid; q < 4u * per; q += 64u) {
    let c = co0 + q / per;
    ws[q] = select(0.0, w[c * per + q % per], c < cout);
  }
  workgroupBarrier();
  let quadsPerRow = (ow + PXu - 1u) / PXu;
  let quadsPerPlane = quadsPerRow * oh;
  if (gid.x >= quadsPerPlane * prm[0]) { return; }
  let b = gid.x / quadsPerPlane;
  let quad = gid.x % quadsPerPlane;
  let oy = quad / quadsPerRow;
  let ox0 = (quad % quadsPerRow) * PXu;
  var acc: array<vec4<f32>, PX>;
  for (var p = 0u; p < PXu; p++) { acc[p] = vec4<f32>(0.0); }
  let y0 = i32(oy) - pt;
  let x0 = i32(ox0) - pl;
  let segment = PXu + kw - 1u;
  var row: array<f32, 12>;
  for (var ci = 0u; ci < cin; ci++) {
    let xBase = i32((b * cin + ci) * u32(h * wd));
    let wBase = ci * kh * kw;
    for (var ky = 0u; ky < kh; ky++) {
      let iy = y0 + i32(ky);
      if (iy < 0 || iy >= h) { continue; }
      let rowBase = xBase + iy * wd;
      for (var j = 0u; j < segment; j++) {
        let ix = x0 + i32(j);
        row[j] = select(0.0, x[rowBase + clamp(ix, 0, wd - 1)], ix >= 0 && ix < wd);
      }
      for (var kx = 0u; kx < kw; kx++) {
        let k = wBase + ky * kw + kx;
        let wv = vec4<f32>(ws[k], ws[per + k], ws[2u * per + k], ws[3u * per + k]);
        for (var p = 0u; p < PXu; p++) { acc[p] += wv * row[kx + p]; }
      }
    }
  }
  let hasBias = prm[12] != 0u;
  let plane = oh * ow;
  for (var c = 0u; c < 4u; c++) {
    let co = co0 + c;
    if (co >= cout) { break; }
    let bv = select(0.0, bias[co], hasBias);
    let o = (b * cout + co) * plane + oy * ow;
    for (var p = 0u; p < PXu; p++) {
      if (ox0 + p < ow) { out[o + ox0 + p] = acc[p][c] + bv; }
    }
  }
}
