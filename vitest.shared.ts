// Tests run TypeScript sources of the workspace packages (the "source" export condition), not
// their dist builds. Vite resolves server-side imports with `ssr.resolve`, so both need it.
const conditions = ['source', 'node', 'import', 'default'];

export const sourceResolution = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
};

/**
 * Launch options for Debian's Chromium in the browser test projects (see TOOLING.md): the new
 * headless mode, and nothing that reaches the network (Playwright gives each launch a fresh
 * profile directory). `CHROMIUM_PATH` overrides the binary.
 */
export function chromiumLaunchOptions(extraArgs: string[] = []) {
  return {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      ...extraArgs,
    ],
    ignoreDefaultArgs: ['--headless'],
  };
}
