// Converts between float32 and int32 (float to int truncates toward zero).
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<IN>;
@group(0) @binding(2) var<storage, read_write> out: array<OUT>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * prm[0];
  if (i >= prm[1]) { return; }
  out[i] = OUT(src[i]);
}
