// Direct 2-D convolution (cross-correlation), NCHW input, OIHW weight, optional bias.
// Each invocation computes a 4 (output channels) × PX (adjacent output columns, up to 12) block; the
// workgroup stages its 4 channels' weights in workgroup memory. For every (input channel,
// kernel row) the SEG = (PX − 1)·STRIDE + KW input values the block needs are loaded once
// and reused by all taps of that row. Grid: x = blocks of 64 (image, column block) items over
// every output plane of the batch (so small images fill the workgroup too), z = channel
// block. The backend compiles KH, KW, STRIDE, PX and SEG in (one pipeline per shape).
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
  let kh = KHu; let kw = KWu; let stride = STRIDE;
  let pt = i32(prm[8]); let pl = i32(prm[9]); let oh = prm[10]; let ow = prm[11];
  let co0 = wg.z * 4u;
  let per = cin * kh * kw;
  for (var q = lid; q < 4u * per; q += 64u) {
    let c = co0 + q / per;
    ws[q] = select(0.0, w[c * per + q % per], c < cout);
  }
  workgroupBarrier();
  let blocksPerRow = (ow + PXu - 1u) / PXu;
  let blocksPerPlane = blocksPerRow * oh;
  if (gid.x >= blocksPerPlane * prm[0]) { return; }
  let b = gid.x / blocksPerPlane;
  let blk = gid.x % blocksPerPlane;
  let oy = blk / blocksPerRow;
  let ox0 = (blk % blocksPerRow) * PXu;
  var acc: array<vec4<f32>, PX>; // acc[pixel] = 4 channels
  for (var p = 0u; p < PXu; p++) { acc[p] = vec4<f32>(0.0); }
  let y0 = i32(oy) * stride - pt;
  let x0 = i32(ox0) * stride - pl;
  var row: array<f32, SEG>;
  for (var ci = 0u; ci < cin; ci++) {
    let xBase = i32((b * cin + ci) * u32(h * wd));
    let wBase = ci * kh * kw;
    for (var ky = 0u; ky < kh; ky++) {
      let iy = y0 + i32(ky);
      if (iy < 0 || iy >= h) { continue; }
      let rowBase = xBase + iy * wd;
      for (var j = 0u; j < SEGu; j++) {
        let ix = x0 + i32(j);
        row[j] = select(0.0, x[rowBase + clamp(ix, 0, wd - 1)], ix >= 0 && ix < wd);
      }
      for (var kx = 0u; kx < kw; kx++) {
        let k = wBase + ky * kw + kx;
        let wv = vec4<f32>(ws[k], ws[per + k], ws[2u * per + k], ws[3u * per + k]);
        for (var p = 0u; p < PXu; p++) { acc[p] += wv * row[kx + p * u32(stride)]; }
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
