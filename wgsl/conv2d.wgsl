// Direct 2-D convolution (cross-correlation), NCHW input, OIHW weight, optional bias.
// Each invocation computes 4 output channels at one output pixel, so every input value it
// loads feeds 4 multiply-adds; the workgroup stages its 4 channels' weights in workgroup
// memory. Grid: x = output column, y = output row (8×8 per workgroup), z = image × channel block.
// prm: [n, cin, h, w, cout, kh, kw, stride, padTop, padLeft, outH, outW, hasBias, coutBlocks]
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

const MAXW: u32 = 4096u; // 4 channels × cin·kh·kw weights staged per workgroup
var<workgroup> ws: array<f32, 4096>;

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let cin = prm[1]; let h = i32(prm[2]); let wd = i32(prm[3]); let cout = prm[4];
  let kh = prm[5]; let kw = prm[6]; let stride = i32(prm[7]);
  let pt = i32(prm[8]); let pl = i32(prm[9]); let oh = prm[10]; let ow = prm[11];
  let blocks = prm[13];
  let b = wg.z / blocks;
  let co0 = (wg.z % blocks) * 4u;
  let per = cin * kh * kw;
  // stage the weights of channels co0..co0+3 (zero beyond cout)
  for (var q = lid; q < 4u * per; q += 64u) {
    let c = co0 + q / per;
    ws[q] = select(0.0, w[c * per + q % per], c < cout);
  }
  workgroupBarrier();
  let ox = gid.x; let oy = gid.y;
  if (ox >= ow || oy >= oh) { return; }
  var a0 = 0.0; var a1 = 0.0; var a2 = 0.0; var a3 = 0.0;
  let y0 = i32(oy) * stride - pt;
  let x0 = i32(ox) * stride - pl;
  for (var ci = 0u; ci < cin; ci++) {
    let xBase = i32((b * cin + ci) * u32(h * wd));
    let wBase = ci * kh * kw;
    for (var ky = 0u; ky < kh; ky++) {
      let iy = y0 + i32(ky);
      if (iy < 0 || iy >= h) { continue; }
      let rowBase = xBase + iy * wd;
      for (var kx = 0u; kx < kw; kx++) {
        let ix = x0 + i32(kx);
        if (ix < 0 || ix >= wd) { continue; }
        let v = x[rowBase + ix];
        let k = wBase + ky * kw + kx;
        a0 += v * ws[k];
        a1 += v * ws[per + k];
        a2 += v * ws[2u * per + k];
        a3 += v * ws[3u * per + k];
      }
    }
  }
  let hasBias = prm[12] != 0u;
  let pix = oy * ow + ox;
  let plane = oh * ow;
  let o = (b * cout + co0) * plane + pix;
  if (co0 < cout) { out[o] = a0 + select(0.0, bias[co0], hasBias); }
  if (co0 + 1u < cout) { out[o + plane] = a1 + select(0.0, bias[co0 + 1u], hasBias); }
  if (co0 + 2u < cout) { out[o + 2u * plane] = a2 + select(0.0, bias[co0 + 2u], hasBias); }
  if (co0 + 3u < cout) { out[o + 3u * plane] = a3 + select(0.0, bias[co0 + 3u], hasBias); }
}
