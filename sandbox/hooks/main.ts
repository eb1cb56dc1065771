// The hook bundle (dist/hook-main.js), loaded by the thin entry (dist/hook.js): the in-process answer when no hook
// server runs (or AIRLOCK_HOOK_SERVER=off), and the hook server itself. Nothing runs on import.
export { answerHook } from './answer.js';
export { runHookServer } from './server.js';
