// dL/dw of conv2d: one workgroup per weight element; its 64 invocations split the
// N·outH·outW reduction by output rows and combine their partial sums in workgroup memory.
// prm: as conv2d (total = weight size); dispatch (min(total, 65535), ⌈total/65535⌉).
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> part: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = wg.x + wg.y * 65535u;
  let n = prm[2]; let cin = prm[3]; let h = i32(prm[4]); let wd = i32(prm[5]); let cout = prm[6];
  let kh = prm[7]; let kw = prm[8]; let stride = i32(prm[9]);
  let pt = i32(prm[10]); let pl = i32(prm[11]); let oh = prm[12]; let ow = prm[13];
  var acc = 0.0;
  if (e < prm[1]) {
    let kx = e % kw; let ky = (e / kw) % kh; let ci = (e / (kw * kh)) % cin; let co = e / (kw * kh * cin);
    // each invocation takes whole output rows (image b, row oy), so the inner loop needs no division
    for (var q = lid; q < n * oh; q += 64u) {
      let b = q / oh; let oy = q % oh;
      let iy = i32(oy) * stride + i32(ky) - pt;
      if (iy < 0 || iy >= h) { continue; }
      let dyRow = ((b * cout + co) * oh + oy) * ow;
      let xRow = i32((b * cin + ci) * u32(h * wd)) + iy * wd;
      for (var ox = 0u; ox < ow; ox++) {
        let ix = i32(ox) * stride + i32(kx) - pl;
        if (ix < 0 || ix >= wd) { continue; }
        acc += dy[dyRow + ox] * x[xRow + ix];
      }
    }
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s / 2u) {
    if (lid < s) { part[lid] += part[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u && e < prm[1]) { out[e] = part[0]; }
}
