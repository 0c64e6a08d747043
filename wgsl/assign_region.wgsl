// out[offset + Σ idx_k·stride_k] = src[i] for every element i of src (out already holds dst).
// prm: [row, n, offset, srcShape[6], strides[6]].
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * prm[0];
  if (i >= prm[1]) { return; }
  var rem = i;
  var p = prm[2];
  for (var ax = 5; ax >= 0; ax--) {
    let d = prm[3u + u32(ax)];
    p += (rem % d) * prm[9u + u32(ax)];
    rem = rem / d;
  }
  out[p] = src[i];
}
