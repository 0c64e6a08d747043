// out[i] = OP(a[ia], b[ib]) with NumPy broadcasting over up to 6 axes.
// prm: [row, n, shape[6], aStrides[6], bStrides[6]]. IN/OUT are f32 or i32.
@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<IN>;
@group(0) @binding(2) var<storage, read> b: array<IN>;
@group(0) @binding(3) var<storage, read_write> out: array<OUT>;

fn op(x: IN, y: IN) -> OUT { return OP_EXPR; }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * prm[0];
  if (i >= prm[1]) { return; }
  var rem = i;
  var ia = 0u;
  var ib = 0u;
  for (var ax = 5; ax >= 0; ax--) {
    let d = prm[2u + u32(ax)];
    let k = rem % d;
    rem = rem / d;
    ia += k * prm[8u + u32(ax)];
    ib += k * prm[14u + u32(ax)];
  }
  out[i] = op(a[ia], b[ib]);
}
