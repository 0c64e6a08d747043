// out[i·depth + c] = 1 if idx[i] = c else 0. prm: [row, total, depth]
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * prm[0];
  if (t >= prm[1]) { return; }
  let depth = prm[2];
  out[t] = select(0.0, 1.0, idx[t / depth] == i32(t % depth));
}
