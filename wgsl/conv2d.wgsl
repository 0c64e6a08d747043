// Direct 2-D convolution (cross-correlation), NCHW input, OIHW weight, optional bias.
// Each invocation computes a 4 (output channels) × 4 (adjacent output columns) block, so
// every loaded input feeds 4 multiply-adds and every staged weight 4; the workgroup stages
// its 4 channels' weights in workgroup memory. Grid: x = blocks of 64 (image, column quad)
// items over every output plane of the batch (so small images fill the workgroup too),
// z = channel block. The backend compiles kh, kw and stride in as constants.
// prm: [n, cin, h, w, cout, kh, kw, stride, padTop, padLeft, outH, outW, hasBias, coutBlocks]
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

var<workgroup> ws: array<f32, 4096>;

fn load(base: i32, iy: i32, ix: i32, h: i32, wd: i32) -> f32 {
  if (iy < 0 || iy >= h || ix < 0 || ix >= wd) { return 0.0; }
  return x[base + iy * wd + ix];
}

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let cin = prm[1]; let h = i32(prm[2]); let wd = i32(prm[3]); let cout = prm[4];
  let kh = prm[5]; let kw = prm[6]; let stride = i32(prm[7]);
  let pt = i32(prm[8]); let pl = i32(prm[9]); let oh = prm[10]; let ow = prm[11];
  let co0 = wg.z * 4u;
  let per = cin * kh * kw;
  for (var q = lid; q < 4u * per; q += 64u) {
    let c = co0 + q / per;
    ws[q] = select(0.0, w[c * per + q % per], c < cout);
  }
  workgroupBarrier();
  let quadsPerRow = (ow + 3u) / 4u;
  let quadsPerPlane = quadsPerRow * oh;
  if (gid.x >= quadsPerPlane * prm[0]) { return; }
  let b = gid.x / quadsPerPlane;
  let quad = gid.x % quadsPerPlane;
  let oy = quad / quadsPerRow;
  let ox0 = (quad % quadsPerRow) * 4u;
  var acc: array<vec4<f32>, 4>; // acc[pixel] = 4 channels
  acc[0] = vec4<f32>(0.0); acc[1] = vec4<f32>(0.0); acc[2] = vec4<f32>(0.0); acc[3] = vec4<f32>(0.0);
  let y0 = i32(oy) * stride - pt;
  let x0 = i32(ox0) * stride - pl;
  for (var ci = 0u; ci < cin; ci++) {
    let xBase = i32((b * cin + ci) * u32(h * wd));
    let wBase = ci * kh * kw;
    for (var ky = 0u; ky < kh; ky++) {
      let iy = y0 + i32(ky);
      if (iy < 0 || iy >= h) { continue; }
      for (var kx = 0u; kx < kw; kx++) {
        let k = wBase + ky * kw + kx;
        let wv = vec4<f32>(ws[k], ws[per + k], ws[2u * per + k], ws[3u * per + k]);
        let ix = x0 + i32(kx);
        acc[0] += wv * load(xBase, iy, ix, h, wd);
        acc[1] += wv * load(xBase, iy, ix + stride, h, wd);
        acc[2] += wv * load(xBase, iy, ix + 2 * stride, h, wd);
        acc[3] += wv * load(xBase, iy, ix + 3 * stride, h, wd);
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
    for (var p = 0u; p < 4u; p++) {
      if (ox0 + p < ow) { out[o + ox0 + p] = acc[p][c] + bv; }
    }
  }
}
