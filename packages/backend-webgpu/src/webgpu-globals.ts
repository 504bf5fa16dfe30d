// The WebGPU interfaces that the published .d.ts files name, declared empty. They merge with the
// full declarations where a program has them (TypeScript's DOM lib, or @webgpu/types next to the
// `webgpu` package in Node), and keep the .d.ts compiling with `skipLibCheck: false` where it has
// neither (Node without the DOM lib), so this package forces no WebGPU types on its users.
declare global {
  interface GPUAdapter {}
  interface GPUDevice {}
  interface GPUBuffer {}
}

export {};
