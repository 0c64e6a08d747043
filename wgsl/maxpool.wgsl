// Max-pool with window = stride = k; writes values and the flat index of each maximum.
// prm: [row, total, h, w, k, outH, outW]
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> arg: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * prm[0];
  if (i >= prm[1]) { return; }
  let h = prm[2]; let w = prm[3]; let k = prm[4]; let oh = prm[5]; let ow = prm[6];
  let ox = i % ow; let oy = (i / ow) % oh; let p = i / (ow * oh);
  let base = p * h * w;
  var best = -3.402823e38;
  var bi = base + oy * k * w + ox * k;
  for (var dy = 0u; dy < k; dy++) {
    for (var dx = 0u; dx < k; dx++) {
      let q = base + (oy * k + dy) * w + ox * k + dx;
      if (x[q] > best) { best = x[q]; bi = q; }
    }
  }
  out[i] = best;
  arg[i] = i32(bi);
}
