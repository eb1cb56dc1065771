// Architecture invariant: guards are the only code that touches disk, network and processes for the agent; they never decide policy, and every real target that differs from what was decided goes back through `authorize`.
export type { Authorize } from './types.js';
export { FsGuard, type FsEntryType, type FsEncoding, type FsGuardOptions } from './fs.js';
export { guardedFetch, type FetchRequest, type FetchResult, type FetchOptions } from './net.js';
export { guardedExec, resolveProgram, scrubEnv, DEFAULT_ENV_ALLOW, type ExecRequest, type ExecResult, type ExecOptions } from './exec.js';
