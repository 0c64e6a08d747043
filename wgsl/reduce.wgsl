// Reduces the middle axis of x viewed as [outer, n, inner], in chunks of `len` along that axis:
// invocation (o, c, k) reduces x[o, c·len .. min(n, (c+1)·len), k] into out[o, c, k]. With one
// chunk (len = n) that is the whole reduction; with more, the backend reduces the chunks again,
// so a long reduction into few outputs is spread over many invocations instead of one serial loop.
// prm: [row, outer*chunks*inner, n, inner, len, chunks].
// Sums use Kahan compensation so long reductions stay accurate in float32.
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<T>;
@group(0) @binding(2) var<storage, read_write> out: array<T>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * prm[0];
  if (i >= prm[1]) { return; }
  let total = prm[2];
  let inner = prm[3];
  let len = prm[4];
  let chunks = prm[5];
  let o = i / (chunks * inner);
  let c = (i / inner) % chunks;
  let k = i % inner;
  var p = (o * total + c * len) * inner + k;
  let n = min(len, total - c * len);
  REDUCE_BODY
}
