export declare function resolveFile(root: string, urlPath: string, base?: string): string | null;
export declare function startServer(options: {
  root: string;
  port?: number;
  host?: string;
  base?: string;
}): Promise<{ url: string; close(): Promise<void> }>;
