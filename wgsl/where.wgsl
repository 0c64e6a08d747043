// out[i] = cond != 0 ? a : b with broadcasting; prm: [row, n, shape[6], cStr[6], aStr[6], bStr[6]].
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> cond: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * prm[0];
  if (i >= prm[1]) { return; }
  var rem = i;
  var ic = 0u; var ia = 0u; var ib = 0u;
  for (var ax = 5; ax >= 0; ax--) {
    let d = prm[2u + u32(ax)];
    let k = rem % d;
    rem = rem / d;
    ic += k * prm[8u + u32(ax)];
    ia += k * prm[14u + u32(ax)];
    ib += k * prm[20u + u32(ax)];
  }
  out[i] = select(b[ib], a[ia], cond[ic] != 0.0);
}
