// Vite turns `import url from 'file?url'` into the URL of the file it copies into the build.
declare module '*.wasm?url' {
  const url: string;
  export default url;
}
