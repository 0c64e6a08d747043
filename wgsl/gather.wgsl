// out[o, j, i] = x[o, idx[j], i] for x viewed as [outer, n, inner] (bit copy).
// prm: [row, total, n, inner, m]
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * prm[0];
  if (t >= prm[1]) { return; }
  let n = prm[2]; let inner = prm[3]; let m = prm[4];
  let i = t % inner; let j = (t / inner) % m; let o = t / (inner * m);
  out[t] = x[(o * n + u32(idx[j])) * inner + i];
}
