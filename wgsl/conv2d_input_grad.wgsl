// dL/dx of conv2d: one invocation per input element, summing the output positions whose
// window covers it. prm: as conv2d (total = input size).
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * prm[0];
  if (i >= prm[1]) { return; }
  let cin = prm[3]; let h = prm[4]; let wd = prm[5]; let cout = prm[6];
  let kh = prm[7]; let kw = prm[8]; let stride = i32(prm[9]);
  let pt = i32(prm[10]); let pl = i32(prm[11]); let oh = i32(prm[12]); let ow = i32(prm[13]);
  let ix = i32(i % wd); let iy = i32((i / wd) % h); let ci = (i / (wd * h)) % cin; let b = i / (wd * h * cin);
  var acc = 0.0;
  for (var ky = 0u; ky < kh; ky++) {
    let ty = iy + pt - i32(ky);
    if (ty < 0 || ty % stride != 0) { continue; }
    let oy = ty / stride;
    if (oy >= oh) { continue; }
    for (var kx = 0u; kx < kw; kx++) {
      let tx = ix + pl - i32(kx);
      if (tx < 0 || tx % stride != 0) { continue; }
      let ox = tx / stride;
      if (ox >= ow) { continue; }
      for (var co = 0u; co < cout; co++) {
        acc += dy[((b * cout + co) * u32(oh) + u32(oy)) * u32(ow) + u32(ox)] * w[((co * cin + ci) * kh + ky) * kw + kx];
      }
    }
  }
  out[i] = acc;
}
