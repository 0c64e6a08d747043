// Flipped, channel-swapped kernel for the stride-1 input gradient:
// out[ci][co][ky][kx] = w[co][ci][kh-1-ky][kw-1-kx]. prm: [row, total, cout, cin, kh, kw]
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * prm[0];
  if (i >= prm[1]) { return; }
  let cout = prm[2]; let cin = prm[3]; let kh = prm[4]; let kw = prm[5];
  let kx = i % kw; let ky = (i / kw) % kh; let co = (i / (kw * kh)) % cout; let ci = i / (kw * kh * cout);
  out[i] = w[((co * cin + ci) * kh + (kh - 1u - ky)) * kw + (kw - 1u - kx)];
}
