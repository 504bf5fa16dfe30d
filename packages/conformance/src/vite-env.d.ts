// The suite is only ever run by vitest (vite), which replaces `import.meta.glob` at transform time.
// Declared here instead of pulling in vite's client types, which this package does not depend on.
interface ImportMeta {
  glob<T>(patterns: string | string[], options: { eager: true; import: 'default' }): Record<string, T>;
}
