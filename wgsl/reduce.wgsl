// Reduces the middle axis of x viewed as [outer, n, inner]; prm: [row, outer*inner, n, inner].
// Sums use Kahan compensation so long reductions stay accurate in float32.
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<T>;
@group(0) @binding(2) var<storage, read_write> out: array<T>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * prm[0];
  if (i >= prm[1]) { return; }
  let n = prm[2];
  let inner = prm[3];
  let o = i / inner;
  let k = i % inner;
  var p = o * n * inner + k;
  REDUCE_BODY
}
