/** neuralcpm: tensors, autodiff and neural cellular Potts models. */
export { Tensor } from './engine/tensor.js';
export type { Backend, BinaryOp, UnaryOp, ReduceOp, ConvGeometry, AdamHyper } from './engine/backend.js';
export type { DType } from './engine/dtype.js';
export { sizeOf, stridesOf, broadcastShapes, type Shape } from './engine/shape.js';
export { cpu, CpuBackend } from './engine/cpu/backend.js';
export * as engine from './engine/ops.js';
export * as random from './engine/random.js';
export { makeKey, split, foldIn, RandomStream, type Key } from './engine/random.js';
export { getGpu, WEBGPU_HINT, type AdapterDescription, type GpuHandle } from './engine/webgpu/device.js';
export * from './autodiff/ops.js';
export { valueAndGrad, grad, noGrad, isRecording, type Params } from './autodiff/tape.js';
export * as nn from './autodiff/nn.js';
export { Adam, AdamW, WeightEMA, type AdamOptions, type AdamState } from './autodiff/optim.js';
export { saveSafetensors, loadSafetensors, encodeSafetensors, decodeSafetensors, checkParamsMatch } from './autodiff/safetensors.js';
