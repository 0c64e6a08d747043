// out[i] = f(x[i]) for float32; the expression replaces OP_EXPR (in terms of x).
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

fn f(x: f32) -> f32 { return OP_EXPR; }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * prm[0];
  if (i >= prm[1]) { return; }
  out[i] = f(src[i]);
}
