// Strided views, any 32-bit dtype (bit copies). The element i of a view of shape `shape`
// sits at offset + Σ idx_k·stride_k of the underlying buffer.
// prm: [row, n, offset, shape[6], strides[6]].
//   gather_view:  out[i] = src[view(i)]  (permute, slice, broadcast)
//   scatter_view: out[view(i)] = src[i]  (writing a region: concat, pad)
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

fn view(i: u32) -> u32 {
  var rem = i;
  var p = prm[2];
  for (var ax = 5; ax >= 0; ax--) {
    let d = prm[3u + u32(ax)];
    p += (rem % d) * prm[9u + u32(ax)];
    rem = rem / d;
  }
  return p;
}

@compute @workgroup_size(64)
fn gather_view(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * prm[0];
  if (i >= prm[1]) { return; }
  out[i] = src[view(i)];
}

@compute @workgroup_size(64)
fn scatter_view(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * prm[0];
  if (i >= prm[1]) { return; }
  out[view(i)] = src[i];
}
