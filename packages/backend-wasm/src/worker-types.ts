/** Callbacks of a started kernel worker: its first message means it has instantiated the kernels. */
export interface WorkerEvents {
  ready(): void;
  error(e: unknown): void;
}

/** A kernel worker on any platform. */
export interface StartedWorker {
  post(message: unknown): void;
  terminate(): void;
}
