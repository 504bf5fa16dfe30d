// TensorFlow.js core and its cpu backend taking the same step as size-nn.js.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

tf.setBackend('cpu').then(() => {
  const w = tf.variable(tf.randomNormal([2, 1]));
  const b = tf.variable(tf.zeros([1]));
  const opt = tf.train.sgd(0.1);
  const x = tf.randomNormal([4, 2]);
  const y = tf.randomNormal([4, 1]);
  opt.minimize(() => tf.losses.meanSquaredError(y, x.matMul(w).add(b)));
  console.log(w.dataSync());
});
