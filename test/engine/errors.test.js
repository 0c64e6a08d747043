// Bad input gets a specific error that names the problem.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'neuralcpm';

const throwsWith = (fn, re) => assert.throws(fn, (e) => re.test(e.message), `expected ${re}`);

test('shape mismatches', () => {
  throwsWith(() => nc.add(nc.zeros([2, 3]), nc.zeros([4])), /shapes \[2,3\] and \[4\] cannot be broadcast/);
  throwsWith(() => nc.matmul(nc.zeros([2, 3]), nc.zeros([4, 5])), /inner dimensions differ/);
  throwsWith(() => nc.conv2d(nc.zeros([1, 3, 5, 5]), nc.zeros([2, 4, 3, 3])), /expects 4 input channels.*has 3/);
  throwsWith(() => nc.conv2d(nc.zeros([3, 5, 5]), nc.zeros([2, 3, 3, 3])), /NCHW/);
  throwsWith(() => nc.conv2d(nc.zeros([1, 1, 2, 2]), nc.zeros([1, 1, 3, 3])), /larger than the padded input/);
  throwsWith(() => nc.reshape(nc.zeros([2, 3]), [4, 2]), /cannot reshape \[2,3\]/);
  throwsWith(() => nc.tensor([1, 2, 3], [2, 2]), /3 values do not fill shape \[2,2\]/);
  throwsWith(() => nc.tensor([[1, 2], [3]]), /ragged/);
  throwsWith(() => nc.sum(nc.zeros([2, 3]), 2), /axis 2 is out of range/);
  throwsWith(() => nc.permute(nc.zeros([2, 3]), [0, 0]), /not a permutation/);
  throwsWith(() => nc.slice(nc.zeros([2, 3]), [0, 1], [2, 4]), /axis 1 bounds/);
  throwsWith(() => nc.concat([nc.zeros([2, 3]), nc.zeros([3, 3])], 1), /does not match/);
});

test('wrong dtypes and indices', () => {
  throwsWith(() => nc.matmul(nc.zeros([2, 2], 'int32'), nc.zeros([2, 2])), /expects float32, got int32/);
  throwsWith(() => nc.gather(nc.zeros([3]), nc.tensor([0, 1]), 0), /indices must be a 1-D int32/);
  throwsWith(() => nc.gather(nc.zeros([3]), nc.tensor(new Int32Array([0, 3])), 0), /index 3 at position 1 is out of range \[0, 3\)/);
  throwsWith(() => nc.oneHot(nc.zeros([2]), 3), /indices must be int32/);
  throwsWith(() => nc.valueAndGrad((p) => nc.sum(p.x))({ x: nc.zeros([2], 'int32') }), /only float32 parameters/);
  throwsWith(() => nc.valueAndGrad((p) => p.x)({ x: nc.zeros([2]) }), /must return one number/);
});

test('random keys and draws validate their arguments', () => {
  throwsWith(() => nc.makeKey(-1), /non-negative safe integer/);
  throwsWith(() => nc.split([1]), /two uint32 words/);
  throwsWith(() => nc.random.choice(nc.makeKey(0), 3, 5), /cannot draw 5 distinct items from 3/);
  throwsWith(() => nc.random.uniform(nc.makeKey(0), [2], 1, 1), /lo < hi/);
});

test('modules report wrong input shapes', () => {
  const lin = new nc.nn.Linear(3, 2);
  const p = lin.init(nc.makeKey(1));
  throwsWith(() => lin.apply(p, nc.zeros([4, 5])), /Linear\(3→2\): input \[4,5\] has 5 features/);
  throwsWith(() => lin.apply({}, nc.zeros([4, 3])), /missing parameter 'weight'/);
});

test.run();
