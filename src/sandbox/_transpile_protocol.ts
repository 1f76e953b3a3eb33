// Messages between the host (transpile.ts) and the type-stripping worker.

/** Host → worker: one module to strip. */
export interface TranspileRequest {
  id: number;
  path: string;
  source: string;
}

/** Worker → host: the module, a syntax error, a crash of swc, or (id 0) readiness. */
export type TranspileReply =
  | { id: number; code: string; positionsPreserved: boolean }
  | {
    id: number;
    error: { code: string; message: string; line?: number; column?: number; snippet?: string };
  }
  | { id: number; crashed: string }
  | { id: 0; ready: true };
