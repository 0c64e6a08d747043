// Batched C[b] = op(A[b])·op(B[b]), register-blocked: each invocation computes a TM × TN block
// of C (TN/4 vec4 accumulators per row), reading its TM values of A and TN values of B once per
// k and reusing each for TN and TM products. Out-of-range rows and columns read clamped
// (valid) addresses and are not written, so the k loop has no bounds checks. Operands are read
// through strides, so transposes and shared (batch stride 0) matrices need no copies. The
// backend compiles TM and TN in.
// prm: [m, n, k, aBatch, ars, acs, bBatch, brs, bcs, batch, colBlocks, blocks];
// dispatch (⌈blocks/64⌉, 1, batch), blocks = ⌈m/TM⌉·⌈n/TN⌉, column blocks fastest.
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m = prm[0]; let n = prm[1]; let k = prm[2];
  if (gid.x >= prm[11]) { return; }
  let r0 = (gid.x / prm[10]) * TMu;
  let c0 = (gid.x % prm[10]) * TNu;
  let bi = gid.z;
  let ars = prm[4]; let acs = prm[5]; let brs = prm[7]; let bcs = prm[8];
  var aRow: array<u32, TM>;
  for (var i = 0u; i < TMu; i++) { aRow[i] = bi * prm[3] + min(r0 + i, m - 1u) * ars; }
  var bCol: array<u32, TN>;
  for (var j = 0u; j < TNu; j++) { bCol[j] = bi * prm[6] + min(c0 + j, n - 1u) * bcs; }
  var acc: array<vec4<f32>, TMV>;
  for (var q = 0u; q < TMVu; q++) { acc[q] = vec4<f32>(0.0); }
  for (var kk = 0u; kk < k; kk++) {
    var bv: array<vec4<f32>, TNV>;
    let bk = kk * brs;
    for (var j = 0u; j < TNVu; j++) {
      bv[j] = vec4<f32>(b[bCol[4u * j] + bk], b[bCol[4u * j + 1u] + bk], b[bCol[4u * j + 2u] + bk], b[bCol[4u * j + 3u] + bk]);
    }
    let ak = kk * acs;
    for (var i = 0u; i < TMu; i++) {
      let av = a[aRow[i] + ak];
      for (var j = 0u; j < TNVu; j++) { acc[i * TNVu + j] += av * bv[j]; }
    }
  }
  let o = bi * m * n;
  for (var i = 0u; i < TMu; i++) {
    let r = r0 + i;
    if (r >= m) { break; }
    for (var j = 0u; j < TNu; j++) {
      let c = c0 + j;
      if (c < n) { out[o + r * n + c] = acc[i * TNVu + j / 4u][j % 4u]; }
    }
  }
}
