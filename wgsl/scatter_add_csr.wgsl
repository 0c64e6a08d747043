// out[o, r, i] = Σ_{j: idx[j] = r} src[o, j, i] with the entries of each destination row r
// listed (ascending j) in order[start[r] .. start[r + 1]); one invocation per output element.
// prm: [row, total, n, inner, m]
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> order: array<i32>;
@group(0) @binding(3) var<storage, read> start: array<i32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * prm[0];
  if (t >= prm[1]) { return; }
  let n = prm[2]; let inner = prm[3]; let m = prm[4];
  let i = t % inner; let r = (t / inner) % n; let o = t / (inner * n);
  var acc = 0.0;
  for (var q = start[r]; q < start[r + 1u]; q++) {
    acc += src[(o * m + u32(order[q])) * inner + i];
  }
  out[t] = acc;
}
