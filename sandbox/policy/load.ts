// Architecture invariant: a policy that fails to load never means allow — loading returns located problems and the caller fails closed.
// Loads policy files (JSON with comments), follows `extends`, validates, lints, compiles and checks the policy's examples.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import canonicalize from 'canonicalize';
import { AirlockError } from '../errors.js';
import type { AirlockProblem } from '../errors.js';
import { compilePolicy } from './compile.js';
import type { CompiledPolicy } from './compile.js';
import { lintPolicy } from './lint.js';
import { formatJsonPath, parseLocatedJson } from './locate.js';
import type { JsonPath } from './locate.js';
import { policyTestProblems, runPolicyTests } from './policyTests.js';
import { DEFAULT_PRESET, isPresetRef, presetFile, presetNames, PRESET_PREFIX } from './presets.js';
import type { PolicySource, PolicyLayerSources, ResolvedPolicy } from './source.js';
import { closest, placeAt, validatePolicyDoc, validSections } from './validate.js';
import type { DocPlace } from './validate.js';

export type LoadResult = { ok: true; policy: CompiledPolicy; warnings: AirlockProblem[] } | { ok: false; problems: AirlockProblem[] };

export interface LoadOptions {
  /** The workspace the policy governs; `.airlock/policy.json` inside it is the default policy file. */
  workspaceRoot: string;
  /** An explicit policy file (relative to the current directory) or a preset such as `airlock:node-project`. */
  file?: string;
  /** An already-parsed policy document (e.g. inlined in a session); its problems have JSON paths but no lines. */
  inline?: unknown;
  /** How an inline policy is named in messages and rule references. Default `inline policy`. */
  inlineName?: string;
  /** A user or organisation policy layered under the workspace one: its denies add up, its allows intersect. */
  baselineFile?: string;
  homeDir?: string;
  /** Extra paths the decision core protects as built-ins (e.g. the action log). */
  protectedPaths?: string[];
  /** Check the policy's `tests` examples (default true); `airlock policy test` runs and reports them itself. */
  checkExamples?: boolean;
  /** Told every file the load depended on, with the text it read (undefined: absent or unreadable), so a cache can tell a stale result. */
  onRead?: (file: string, text: string | undefined) => void;
}

export const DEFAULT_POLICY_FILE = path.join('.airlock', 'policy.json');

/** What a source is read from. `key` identifies it for cycle detection. */
type SourceRef =
  | { kind: 'file'; abs: string; display: string; key: string }
  | { kind: 'preset'; abs: string; display: string; key: string }
  | { kind: 'inline'; value: unknown; display: string; key: string };

/** The `extends` entry that led to a source, to place errors about reaching it. */
interface Origin { where: DocPlace; path: JsonPath }

interface LoadContext {
  workspaceRoot: string;
  problems: AirlockProblem[];
  /** Sources already loaded in this layer: a file extended twice (a diamond) is merged once. */
  loaded: Set<string>;
  onRead?: ((file: string, text: string | undefined) => void) | undefined;
}

/** Workspace-relative (posix separators) when inside the workspace, absolute otherwise. */
export function displayPath(abs: string, workspaceRoot: string): string {
  let real = abs;
  try {
    real = fs.realpathSync(abs);
  } catch {
    // A missing file is shown as written.
  }
  for (const candidate of [real, abs]) {
    const rel = path.relative(workspaceRoot, candidate);
    if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  }
  return abs;
}

function fileRef(abs: string, ctx: LoadContext): SourceRef {
  let key = abs;
  try {
    key = fs.realpathSync(abs);
  } catch {
    // Missing: reported when read.
  }
  return { kind: 'file', abs, display: displayPath(abs, ctx.workspaceRoot), key };
}

function presetRef(ref: string): SourceRef | undefined {
  const file = presetFile(ref);
  return file ? { kind: 'preset', abs: file, display: ref, key: ref } : undefined;
}

function errorAt(origin: Origin | undefined, file: string | undefined, code: string, message: string): AirlockProblem {
  const place = origin ? placeAt(origin.where, origin.path) : file !== undefined ? { file } : undefined;
  return { code, message, severity: 'error', ...(place ? { place } : {}) };
}

function unknownPresetProblem(ref: string, origin: Origin | undefined): AirlockProblem {
  const names = presetNames().map((n) => PRESET_PREFIX + n);
  const guess = closest(ref, names);
  const hint = guess ? `did you mean "${guess}"? ` : '';
  return errorAt(origin, undefined, 'policy.unknown-preset', `unknown preset "${ref}"; ${hint}presets: ${names.join(', ')}`);
}

/** The document and a locator, or undefined after recording why it cannot be read or parsed. */
function readSource(ref: SourceRef, ctx: LoadContext, origin: Origin | undefined): { value: unknown; where: DocPlace } | undefined {
  if (ref.kind === 'inline') {
    return { value: ref.value, where: { file: ref.display, locate: () => undefined, locateKey: () => undefined } };
  }
  let text: string;
  try {
    text = fs.readFileSync(ref.abs, 'utf8');
    ctx.onRead?.(ref.abs, text);
  } catch (e) {
    ctx.onRead?.(ref.abs, undefined);
    const err = e as NodeJS.ErrnoException;
    const message = err.code === 'ENOENT'
      ? `policy file "${ref.display}" does not exist; check the path, or run without a file to use ${DEFAULT_PRESET}`
      : `cannot read policy file "${ref.display}": ${err.code === 'EISDIR' ? 'it is a directory' : err.message}`;
    ctx.problems.push(errorAt(origin, origin ? undefined : ref.display, err.code === 'ENOENT' ? 'policy.missing-file' : 'policy.unreadable', message));
    return undefined;
  }
  const parsed = parseLocatedJson(text.replace(/^\uFEFF/, ''));
  if (!parsed.ok) {
    for (const e of parsed.errors) {
      ctx.problems.push({ code: 'policy.syntax', severity: 'error', message: e.message, place: { file: ref.display, line: e.position.line, col: e.position.col } });
    }
    return undefined;
  }
  const { json } = parsed;
  const where: DocPlace = { file: ref.display, locate: json.locate, locateKey: json.locateKey };
  for (const dup of json.duplicateKeys) {
    ctx.problems.push({
      code: 'policy.duplicate-field', severity: 'error',
      message: `field "${dup.key}" is written twice; only the last one would count, so merge them into one`,
      place: { file: ref.display, line: dup.position.line, col: dup.position.col, jsonPath: formatJsonPath([...dup.path, dup.key]) },
    });
  }
  return { value: json.value, where };
}

/** Loads `ref` and, depth-first, everything it extends; appends sources in merge order (extended before extending). */
function loadChain(ref: SourceRef, ctx: LoadContext, stack: readonly SourceRef[], out: PolicySource[], origin?: Origin): void {
  const read = readSource(ref, ctx, origin);
  if (!read) return;
  const validated = validatePolicyDoc(read.value, read.where);
  if (!validated.ok) {
    ctx.problems.push(...validated.problems);
    // Every independent problem at once: the sections that are valid are linted too (their extends are not loaded,
    // so secrets count as denied: no broad-read warning that the full load might not give).
    ctx.problems.push(...lintPolicy(validSections(read.value), read.where, { readDenyInherited: true }));
    return;
  }
  const { doc } = validated;
  const chain = [...stack, ref];
  (doc.extends ?? []).forEach((entry, i) => {
    const here: Origin = { where: read.where, path: ['extends', i] };
    let next: SourceRef | undefined;
    if (isPresetRef(entry)) {
      next = presetRef(entry);
      if (!next) { ctx.problems.push(unknownPresetProblem(entry, here)); return; }
    } else {
      const base = ref.kind === 'inline' ? ctx.workspaceRoot : path.dirname(ref.abs);
      next = fileRef(path.resolve(base, entry), ctx);
    }
    const nextKey = next.key;
    if (chain.some((s) => s.key === nextKey)) {
      const cycle = [...chain.slice(chain.findIndex((s) => s.key === nextKey)), next].map((s) => s.display).join(' → ');
      ctx.problems.push(errorAt(here, undefined, 'policy.extends-cycle', `extends cycle: ${cycle}; remove one of these "extends" entries`));
      return;
    }
    if (ctx.loaded.has(nextKey)) return;
    loadChain(next, ctx, chain, out, here);
  });
  const readDenyInherited = out.some((s) => (s.doc.fs?.read?.deny?.length ?? 0) > 0);
  ctx.problems.push(...lintPolicy(doc, read.where, { readDenyInherited }));
  ctx.loaded.add(ref.key);
  out.push({ file: ref.display, doc, locate: (p) => read.where.locate(p) });
}

function loadLayer(layer: PolicyLayerSources['layer'], ref: SourceRef, ctx: LoadContext): PolicyLayerSources {
  const sources: PolicySource[] = [];
  ctx.loaded = new Set();
  loadChain(ref, ctx, [], sources);
  return { layer, sources };
}

/** SHA-256 of the canonical JSON of every source's file name and document, in order: what the log records. */
export function policyHash(layers: readonly PolicyLayerSources[]): string {
  const docs = layers.flatMap((l) => l.sources.map((s) => ({ file: s.file, doc: s.doc })));
  return createHash('sha256').update(canonicalize(docs) ?? '').digest('hex');
}

function asProblem(e: unknown, code: string): AirlockProblem {
  if (e instanceof AirlockError) return { ...e.toProblem(), severity: 'error' };
  return { code, severity: 'error', message: e instanceof Error ? e.message : String(e) };
}

const isError = (p: AirlockProblem) => p.severity !== 'warning';

/** Sorted by position within each file; files stay in the order their first problem was found (the load order). */
function byPosition(problems: readonly AirlockProblem[]): AirlockProblem[] {
  const fileOrder = new Map<string, number>();
  for (const p of problems) if (!fileOrder.has(p.place?.file ?? '')) fileOrder.set(p.place?.file ?? '', fileOrder.size);
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (fileOrder.get(a.p.place?.file ?? '') ?? 0) - (fileOrder.get(b.p.place?.file ?? '') ?? 0)
      || (a.p.place?.line ?? Infinity) - (b.p.place?.line ?? Infinity)
      || (a.p.place?.col ?? Infinity) - (b.p.place?.col ?? Infinity)
      || a.i - b.i)
    .map((x) => x.p);
}

/** Each problem once: a file extended by several layers (a preset under both the baseline and the workspace) is linted in each. */
function uniqueProblems(problems: readonly AirlockProblem[]): AirlockProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = JSON.stringify([p.code, p.message, p.place?.file, p.place?.line, p.place?.col, p.place?.jsonPath]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The user's or organisation's baseline policy, which every workspace policy only narrows: `$AIRLOCK_BASELINE_POLICY`
 * (a file or a preset) when set, else `$XDG_CONFIG_HOME/airlock/policy.json` (`~/.config/airlock/policy.json`) when it
 * exists, else none.
 */
export function userBaselineFile(env: NodeJS.ProcessEnv = process.env, homeDir: string = os.homedir()): string | undefined {
  const named = env['AIRLOCK_BASELINE_POLICY'];
  // "none" turns the baseline off here as it does for --baseline and baselinePolicyFile.
  if (named) return named === 'none' ? undefined : named;
  const file = path.join(userConfigDir(env, homeDir), 'policy.json');
  return fs.existsSync(file) ? file : undefined;
}

/** The user's Airlock config folder: `$XDG_CONFIG_HOME/airlock`, else `~/.config/airlock`. */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env, homeDir: string = os.homedir()): string {
  const config = env['XDG_CONFIG_HOME'] && path.isAbsolute(env['XDG_CONFIG_HOME']) ? env['XDG_CONFIG_HOME'] : path.join(homeDir, '.config');
  return path.join(config, 'airlock');
}

/** Loads, validates, lints and compiles the policy, then checks its examples. Never throws: any failure is a problem. */
export function loadPolicy(opts: LoadOptions): LoadResult {
  try {
    return loadPolicyUnsafe(opts);
  } catch (e) {
    return { ok: false, problems: [asProblem(e, 'policy.load-failed')] };
  }
}

function loadPolicyUnsafe(opts: LoadOptions): LoadResult {
  let workspaceRoot: string;
  try {
    workspaceRoot = fs.realpathSync(opts.workspaceRoot);
  } catch {
    return { ok: false, problems: [{ code: 'policy.workspace-missing', severity: 'error', message: `workspace folder "${opts.workspaceRoot}" does not exist` }] };
  }
  const ctx: LoadContext = { workspaceRoot, problems: [], loaded: new Set(), onRead: opts.onRead };
  const warnings: AirlockProblem[] = [];

  let workspaceRef: SourceRef | undefined;
  if (opts.inline !== undefined) {
    const display = opts.inlineName ?? 'inline policy';
    workspaceRef = { kind: 'inline', value: opts.inline, display, key: `inline:${display}` };
  } else if (opts.file !== undefined) {
    if (isPresetRef(opts.file)) {
      workspaceRef = presetRef(opts.file);
      if (!workspaceRef) return { ok: false, problems: [unknownPresetProblem(opts.file, undefined)] };
    } else {
      workspaceRef = fileRef(path.resolve(opts.file), ctx);
    }
  } else {
    const defaultFile = path.join(workspaceRoot, DEFAULT_POLICY_FILE);
    if (fs.existsSync(defaultFile)) {
      workspaceRef = fileRef(defaultFile, ctx);
    } else {
      opts.onRead?.(defaultFile, undefined);
      workspaceRef = presetRef(DEFAULT_PRESET);
      warnings.push({
        code: 'policy.default-preset', severity: 'warning',
        message: `no policy file at ${DEFAULT_POLICY_FILE.split(path.sep).join('/')}; using the ${DEFAULT_PRESET} preset (reads allowed except secrets; writes, network and commands ask). `
          + `To customise it, create that file with {"version": 1, "extends": ["${DEFAULT_PRESET}"]} and add rules`,
      });
      if (!workspaceRef) return { ok: false, problems: [unknownPresetProblem(DEFAULT_PRESET, undefined)] };
    }
  }

  const layers: PolicyLayerSources[] = [];
  // The baseline is protected like the workspace policy: its files (and every file it extends), wherever they are, and
  // the user's Airlock config folder, where a baseline would be found. An agent may read them, never change them.
  const writeProtectedPaths = [userConfigDir(process.env, opts.homeDir ?? os.homedir())];
  if (opts.baselineFile !== undefined) {
    const baseRef = isPresetRef(opts.baselineFile) ? presetRef(opts.baselineFile) : fileRef(path.resolve(opts.baselineFile), ctx);
    if (!baseRef) return { ok: false, problems: [unknownPresetProblem(opts.baselineFile, undefined)] };
    layers.push(loadLayer('baseline', baseRef, ctx));
    if (baseRef.kind === 'file') writeProtectedPaths.push(baseRef.abs);
    for (const key of ctx.loaded) if (path.isAbsolute(key)) writeProtectedPaths.push(key);
  }
  layers.push(loadLayer('workspace', workspaceRef, ctx));

  warnings.push(...byPosition(uniqueProblems(ctx.problems.filter((p) => !isError(p)))));
  const errors = byPosition(uniqueProblems(ctx.problems.filter(isError)));
  if (errors.length > 0) return { ok: false, problems: [...errors, ...warnings] };

  const resolved: ResolvedPolicy = { workspaceRoot, homeDir: opts.homeDir ?? os.homedir(), layers, hash: policyHash(layers) };
  let policy: CompiledPolicy;
  try {
    policy = compilePolicy(resolved, { ...(opts.protectedPaths ? { protectedPaths: opts.protectedPaths } : {}), writeProtectedPaths });
  } catch (e) {
    return { ok: false, problems: [asProblem(e, 'policy.compile'), ...warnings] };
  }
  if (opts.checkExamples === false) return { ok: true, policy, warnings };
  let testProblems: AirlockProblem[];
  try {
    testProblems = policyTestProblems(runPolicyTests(policy));
  } catch (e) {
    testProblems = [asProblem(e, 'policy.test-failed')];
  }
  if (testProblems.length > 0) return { ok: false, problems: [...testProblems, ...warnings] };
  return { ok: true, policy, warnings };
}
