import type { Backend } from '@nn/tensor';

/** What every group of tests reads once `beforeAll` has set the backend up. */
export interface SuiteContext {
  /** The backend under test (set in beforeAll). */
  backend: Backend;
  /** Whether gradcheck inputs are made in float64 on this backend. */
  float64: boolean;
}
