// The in-isolate source that builds the frozen `airlock` API and `console`, and returns the runner for one script.
//
// It runs with context.evalClosure before any agent code, with:
//   $0  a Reference to the host bridge: (batchJson: string) => Promise<string>, called with applySyncPromise;
//   $1  a plain function (level, text) that hands one console line to the host;
//   $2  a JSON string with the limits below (BootstrapConfig).
// Both host handles stay in this closure: nothing reachable from globalThis holds them. Every intrinsic the bridge path
// uses is captured up front and called through the captured Reflect.apply, so an agent that replaces globals or
// prototypes (Function.prototype.call, Array.prototype[Symbol.iterator], JSON, Promise) can only confuse itself, never
// be handed a handle. Only strings cross: arguments are validated and copied as JSON here, results are JSON strings
// parsed here. The host validates again on its side.
//
// Calls made in the same microtask turn are sent as one batch (so Promise.all runs them concurrently on the host);
// the batch blocks the isolate with applySyncPromise, which measured ~3x cheaper per call than an async
// Reference.apply round trip (see the report in sandbox/isolate/runtime.ts).

export interface BootstrapConfig {
  maxConsoleLines: number;
  maxConsoleLineChars: number;
  maxPayloadChars: number;
  maxDepth: number;
  maxErrorChars: number;
}

/** The script's file name in stack traces and syntax errors. */
export const SCRIPT_FILENAME = 'agent-script.js';
export const BOOTSTRAP_FILENAME = 'airlock-bootstrap.js';

/** Wraps the agent's code as an async function body; lineOffset -1 keeps the agent's own line numbers. */
export function wrapScript(code: string): string {
  return `(async function () {\n${code}\n})`;
}

export const BOOTSTRAP_SOURCE = String.raw`'use strict';
const bridge = $0;
const sink = $1;
const config = JSON.parse($2);

const g = globalThis;
const apply = Reflect.apply;
const sendBatch = bridge.applySyncPromise;
const stringify = JSON.stringify;
const parse = JSON.parse;
const PromiseCtor = Promise;
const ErrorCtor = Error;
const TypeErrorCtor = TypeError;
const RangeErrorCtor = RangeError;
const isArray = Array.isArray;
const getPrototypeOf = Object.getPrototypeOf;
const keys = Object.keys;
const freeze = Object.freeze;
const defineProperty = Object.defineProperty;
const ObjectProto = Object.prototype;
const numberIsFinite = Number.isFinite;
const StringCtor = String;
const sliceString = String.prototype.slice;

function define(target, key, value) {
  defineProperty(target, key, { __proto__: null, value, enumerable: true, writable: true, configurable: true });
}

function clip(text, max) {
  return text.length > max ? apply(sliceString, text, [0, max]) + '... [truncated]' : text;
}

function safeString(value) {
  try { return StringCtor(value); } catch { return '[unprintable value]'; }
}

// A JSON-only deep copy: what the host receives is exactly this copy, not the agent's (maybe proxied) objects.
function toJson(value, where, depth, ancestors) {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!numberIsFinite(value)) throw new TypeErrorCtor(where + ' is ' + value + ', which JSON cannot represent');
      return value;
    case 'object':
      if (value === null) return null;
      break;
    case 'undefined':
      throw new TypeErrorCtor(where + ' is undefined, which JSON cannot represent');
    default:
      throw new TypeErrorCtor(where + ' is a ' + typeof value + ', which JSON cannot represent');
  }
  if (depth >= config.maxDepth) throw new RangeErrorCtor(where + ' is nested more than ' + config.maxDepth + ' levels deep');
  for (let i = 0; i < ancestors.length; i++) {
    if (ancestors[i] === value) throw new TypeErrorCtor(where + ' refers to itself (a cycle), which JSON cannot represent');
  }
  ancestors[ancestors.length] = value;
  let out;
  if (isArray(value)) {
    out = [];
    const length = value.length;
    for (let i = 0; i < length; i++) define(out, i, toJson(value[i], where + '[' + i + ']', depth + 1, ancestors));
  } else {
    const proto = getPrototypeOf(value);
    if (proto !== ObjectProto && proto !== null) {
      throw new TypeErrorCtor(where + ' is not a plain object or array (only JSON values cross to the host)');
    }
    out = {};
    const names = keys(value);
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const item = value[name];
      if (item === undefined) continue; // as JSON.stringify does: absent options stay absent
      define(out, name, toJson(item, where + '.' + name, depth + 1, ancestors));
    }
  }
  ancestors.length = ancestors.length - 1;
  return out;
}

// ---- the bridge: batched, JSON-only, async from the script's point of view ----
let queue = [];
let flushScheduled = false;

async function scheduleFlush() {
  await undefined; // runs flush after the current synchronous code, so one turn's calls share one batch
  flush();
}

function flush() {
  flushScheduled = false;
  const batch = queue;
  queue = [];
  let text = '[';
  for (let i = 0; i < batch.length; i++) {
    text += (i === 0 ? '' : ',') + '{"n":"' + batch[i].name + '","a":' + batch[i].payload + '}';
  }
  text += ']';
  let results;
  try {
    results = parse(apply(sendBatch, bridge, [undefined, [text]]));
    if (!isArray(results)) results = [];
  } catch (err) {
    for (let i = 0; i < batch.length; i++) batch[i].reject(new ErrorCtor('Airlock bridge failed: ' + safeString(err && err.message)));
    return;
  }
  for (let i = 0; i < batch.length; i++) {
    const result = results[i];
    if (result !== null && typeof result === 'object' && result.ok === true) {
      batch[i].resolve(result.value);
    } else {
      const error = new ErrorCtor(result && typeof result.message === 'string' ? result.message : 'Airlock bridge returned no result');
      define(error, 'code', result && typeof result.code === 'string' ? result.code : 'bridge.malformed');
      batch[i].reject(error);
    }
  }
}

function call(name, args) {
  let payload;
  try {
    let count = args.length;
    while (count > 0 && args[count - 1] === undefined) count--;
    const copy = [];
    for (let i = 0; i < count; i++) define(copy, i, toJson(args[i], 'airlock.' + name + ' argument ' + (i + 1), 0, []));
    payload = stringify(copy);
    if (typeof payload !== 'string') throw new TypeErrorCtor('airlock.' + name + ' arguments did not serialise to JSON');
    if (payload.length > config.maxPayloadChars) {
      throw new RangeErrorCtor('airlock.' + name + ' arguments are ' + payload.length + ' characters of JSON; the limit is ' + config.maxPayloadChars);
    }
  } catch (err) {
    return new PromiseCtor((_resolve, reject) => reject(err));
  }
  return new PromiseCtor((resolve, reject) => {
    queue[queue.length] = { __proto__: null, name, payload, resolve, reject };
    if (!flushScheduled) {
      flushScheduled = true;
      scheduleFlush();
    }
  });
}

// ---- console: captured, capped, sent to the host line by line ----
let consoleLines = 0;
let consoleNoticeSent = false;

function formatArg(value) {
  if (typeof value === 'string') return value;
  try {
    if (value !== null && typeof value === 'object' && !(value instanceof ErrorCtor)) {
      const text = stringify(value);
      if (typeof text === 'string') return text;
    }
  } catch {
    // fall through to String()
  }
  return safeString(value);
}

function emit(level, args) {
  if (consoleLines >= config.maxConsoleLines) {
    if (!consoleNoticeSent) {
      consoleNoticeSent = true;
      sink('warn', '[airlock] console output truncated after ' + config.maxConsoleLines + ' lines');
    }
    return;
  }
  consoleLines++;
  let text = '';
  for (let i = 0; i < args.length && text.length <= config.maxConsoleLineChars; i++) {
    text += (i === 0 ? '' : ' ') + formatArg(args[i]);
  }
  sink(level, clip(text, config.maxConsoleLineChars));
}

// ---- the globals the script sees ----
const airlock = freeze({
  fs: freeze({
    readFile: (...args) => call('fs.readFile', args),
    writeFile: (...args) => call('fs.writeFile', args),
    list: (...args) => call('fs.list', args),
    stat: (...args) => call('fs.stat', args),
    delete: (...args) => call('fs.delete', args),
    mkdir: (...args) => call('fs.mkdir', args),
  }),
  net: freeze({
    fetch: (...args) => call('net.fetch', args),
  }),
  exec: (...args) => call('exec', args),
});

const consoleApi = freeze({
  log: (...args) => emit('log', args),
  info: (...args) => emit('log', args),
  debug: (...args) => emit('log', args),
  warn: (...args) => emit('warn', args),
  error: (...args) => emit('error', args),
});

// WebAssembly is not ECMAScript, and its memories are not counted against the isolate's memory limit.
delete g.WebAssembly;
defineProperty(g, 'airlock', { __proto__: null, value: airlock, writable: false, enumerable: false, configurable: false });
defineProperty(g, 'console', { __proto__: null, value: consoleApi, writable: false, enumerable: false, configurable: false });

function describeError(err) {
  let name = 'Error';
  let message = '';
  let stack = '';
  let code = null;
  try {
    if (err !== null && (typeof err === 'object' || typeof err === 'function')) {
      const n = err.name;
      const m = err.message;
      const s = err.stack;
      const c = err.code;
      name = typeof n === 'string' ? n : 'Error';
      message = typeof m === 'string' ? m : safeString(err);
      stack = typeof s === 'string' ? s : '';
      code = typeof c === 'string' ? c : null;
    } else {
      name = 'thrown value';
      message = safeString(err);
    }
  } catch {
    message = message || '[an error that could not be read]';
  }
  const max = config.maxErrorChars;
  return stringify({ t: 'error', name: clip(safeString(name), 200), message: clip(safeString(message), max), stack: clip(safeString(stack), max), code });
}

// The runner: calls the compiled script function, then returns one JSON envelope string to the host.
return async function runScript(main) {
  let value;
  try {
    if (typeof main !== 'function') throw new TypeErrorCtor('the script did not compile to a function body');
    value = await main();
  } catch (err) {
    return describeError(err);
  }
  try {
    const copy = value === undefined ? null : toJson(value, "the script's return value", 0, []);
    const text = stringify(copy);
    if (typeof text !== 'string') throw new TypeErrorCtor("the script's return value did not serialise to JSON");
    return '{"t":"value","v":' + text + '}';
  } catch (err) {
    let message;
    try { message = safeString(err && err.message); } catch { message = 'unreadable error'; }
    return stringify({ t: 'result', message: clip(message, config.maxErrorChars) });
  }
};
`;
