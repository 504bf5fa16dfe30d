// The host interfaces that the published .d.ts files name (a source may be a URL or a Blob),
// declared empty. They merge with the full declarations where a program has them (the DOM lib,
// @types/node), and keep the .d.ts compiling with `skipLibCheck: false` where it has neither.
declare global {
  interface URL {}
  interface Blob {}
}

export {};
