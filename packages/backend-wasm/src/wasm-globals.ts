// The WebAssembly types that the published .d.ts files name, declared empty. They merge with the
// full declarations of TypeScript's DOM lib where a program has it, and keep the .d.ts compiling
// with `skipLibCheck: false` where it has not (Node with @types/node only, which lacks them).
declare global {
  namespace WebAssembly {
    interface Memory {}
    interface Module {}
  }
}

export {};
