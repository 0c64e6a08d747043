// Direct 2-D convolution (cross-correlation), NCHW input, OIHW weight, optional bias;
// one invocation per output element.
// prm: [row, total, n, cin, h, w, cout, kh, kw, stride, padTop, padLeft, outH, outW, hasBias]
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * prm[0];
  if (i >= prm[1]) { return; }
  let cin = prm[3]; let h = i32(prm[4]); let wd = i32(prm[5]); let cout = prm[6];
  let kh = prm[7]; let kw = prm[8]; let stride = i32(prm[9]);
  let pt = i32(prm[10]); let pl = i32(prm[11]); let oh = prm[12]; let ow = prm[13];
  let ox = i % ow; let oy = (i / ow) % oh; let co = (i / (ow * oh)) % cout; let b = i / (ow * oh * cout);
  var acc = 0.0;
  if (prm[14] != 0u) { acc = bias[co]; }
  for (var ci = 0u; ci < cin; ci++) {
    let xBase = (b * cin + ci) * u32(h * wd);
    let wBase = (co * cin + ci) * kh * kw;
    for (var ky = 0u; ky < kh; ky++) {
      let iy = i32(oy) * stride + i32(ky) - pt;
      if (iy < 0 || iy >= h) { continue; }
      for (var kx = 0u; kx < kw; kx++) {
        let ix = i32(ox) * stride + i32(kx) - pl;
        if (ix < 0 || ix >= wd) { continue; }
        acc += x[xBase + u32(iy * wd + ix)] * w[wBase + ky * kw + kx];
      }
    }
  }
  out[i] = acc;
}
