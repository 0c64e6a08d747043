// Routes dy to each window's maximum: out (zero-filled) gets dy[o] at argmax[o]. Windows do
// not overlap, so no two invocations write the same element. prm: [row, total(outputs)]
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> arg: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.x + gid.y * prm[0];
  if (o >= prm[1]) { return; }
  out[u32(arg[o])] = dy[o];
}
