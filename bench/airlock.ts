// The Airlock code the bench times, in one module: bundled like dist/cli.js (see build.ts) unless --source is given.
export { decide } from '../sandbox/policy/decide.js';
export { loadPolicy } from '../sandbox/policy/load.js';
export { startTask } from '../sandbox/policy/task.js';
export { Enforcer } from '../sandbox/pipeline/enforcer.js';
export { denyAllPrompter } from '../sandbox/pipeline/prompters/denyAll.js';
export { ActionLog } from '../sandbox/log/writer.js';
export { verifyLog } from '../sandbox/log/verify.js';
export { TaskIsolate } from '../sandbox/isolate/runtime.js';
export { FsGuard, guardedExec, guardedFetch } from '../sandbox/guards/index.js';
export { prepareConfined } from '../sandbox/confine/bwrap.js';
export { startProxy } from '../sandbox/confine/proxy.js';
export { startGateway } from '../sandbox/gateway/server.js';
export { connectGateway } from '../sandbox/gateway/client.js';
export { serveHookEndpoint, serveHookHttp } from '../sandbox/hooks/http.js';
