// One fused Adam(W) step into three outputs p', m', v'.
// prm: [row, n, lr, beta1, beta2, eps, bc1, bc2, decay] (floats as bits).
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> p: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read> m: array<f32>;
@group(0) @binding(4) var<storage, read> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> pOut: array<f32>;
@group(0) @binding(6) var<storage, read_write> mOut: array<f32>;
@group(0) @binding(7) var<storage, read_write> vOut: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * prm[0];
  let n = prm[1];
  if (i >= n) { return; }
  let lr = bitcast<f32>(prm[2]); let b1 = bitcast<f32>(prm[3]); let b2 = bitcast<f32>(prm[4]);
  let eps = bitcast<f32>(prm[5]); let bc1 = bitcast<f32>(prm[6]); let bc2 = bitcast<f32>(prm[7]);
  let decay = bitcast<f32>(prm[8]);
  let gi = g[i];
  let mi = b1 * m[i] + (1.0 - b1) * gi;
  let vi = b2 * v[i] + (1.0 - b2) * gi * gi;
  pOut[i] = p[i] * decay - lr * (mi / bc1) / (sqrt(vi / bc2) + eps);
  mOut[i] = mi;
  vOut[i] = vi;
}
