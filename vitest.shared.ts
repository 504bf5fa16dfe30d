// Tests run TypeScript sources of the workspace packages (the "source" export condition), not
// their dist builds. Vite resolves server-side imports with `ssr.resolve`, so both need it.
const conditions = ['source', 'node', 'import', 'default'];

export const sourceResolution = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
};
