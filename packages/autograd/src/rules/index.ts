import { registerElementwiseRules } from './elementwise.js';
import { registerLinearRules } from './linear.js';
import { registerLossRules } from './loss.js';
import { registerMatmulRules } from './matmul.js';
import { registerNNRules } from './nn.js';
import { registerReduceRules } from './reduce.js';
import { registerShapeRules } from './shape.js';

let registered = false;

/** Registers the rules of every op @nn/tensor records (once). */
export function registerBuiltinRules(): void {
  if (registered) return;
  registered = true;
  registerElementwiseRules();
  registerReduceRules();
  registerShapeRules();
  registerMatmulRules();
  registerNNRules();
  registerLossRules();
  registerLinearRules();
}
