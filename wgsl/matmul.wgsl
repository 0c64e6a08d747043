// Batched C[b] = op(A[b])·op(B[b]) with 16×16 tiles in workgroup memory. Operands are read
// through strides, so transposes and shared (batch stride 0) matrices need no copies.
// prm: [m, n, k, aBatch, ars, acs, bBatch, brs, bcs, batch]; dispatch (⌈n/16⌉, ⌈m/16⌉, batch).
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> ta: array<array<f32, 16>, 16>;
var<workgroup> tb: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let m = prm[0]; let n = prm[1]; let k = prm[2];
  let row = wg.y * 16u + lid.y;
  let col = wg.x * 16u + lid.x;
  let bi = wg.z;
  let aBase = bi * prm[3];
  let bBase = bi * prm[6];
  var acc = 0.0;
  let tiles = (k + 15u) / 16u;
  for (var t = 0u; t < tiles; t++) {
    let ka = t * 16u + lid.x;
    let kb = t * 16u + lid.y;
    ta[lid.y][lid.x] = select(0.0, a[aBase + row * prm[4] + ka * prm[5]], row < m && ka < k);
    tb[lid.y][lid.x] = select(0.0, b[bBase + kb * prm[7] + col * prm[8]], kb < k && col < n);
    workgroupBarrier();
    for (var q = 0u; q < 16u; q++) { acc += ta[lid.y][q] * tb[q][lid.x]; }
    workgroupBarrier();
  }
  if (row < m && col < n) { out[bi * m * n + row * n + col] = acc; }
}
