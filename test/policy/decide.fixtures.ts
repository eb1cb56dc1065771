// Builds ResolvedPolicy objects from JSON text (positions located with jsonc-parser), and compiles them, for the policy tests.
import { createHash } from 'node:crypto';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { compilePolicy, type CompiledPolicy, type CompileOptions } from '../../sandbox/policy/compile.js';
import type { PolicyDoc } from '../../sandbox/policy/schema.js';
import type { PolicySource, ResolvedPolicy } from '../../sandbox/policy/source.js';

export const ROOT = '/ws/project';
export const HOME = '/home/user';

/** A policy source whose locate() reports real 1-based line:col positions in the pretty-printed JSON. */
export function source(file: string, doc: PolicyDoc): PolicySource {
  const text = JSON.stringify(doc, null, 2);
  const tree = parseTree(text);
  return {
    file,
    doc,
    locate(jsonPath) {
      const node = tree && findNodeAtLocation(tree, [...jsonPath]);
      if (!node) return undefined;
      const before = text.slice(0, node.offset).split('\n');
      return { line: before.length, col: (before[before.length - 1]?.length ?? 0) + 1 };
    },
  };
}

export interface Layers { baseline?: PolicyDoc[]; workspace?: PolicyDoc[] }

export function resolved(layers: Layers): ResolvedPolicy {
  const out: ResolvedPolicy['layers'] = [];
  if (layers.baseline) out.push({ layer: 'baseline', sources: layers.baseline.map((d, i) => source(i === 0 ? '~/.airlock/baseline.json' : `baseline-${i}.json`, d)) });
  if (layers.workspace) {
    out.push({
      layer: 'workspace',
      sources: layers.workspace.map((d, i) => source(i === layers.workspace!.length - 1 ? '.airlock/policy.json' : `airlock:preset-${i}`, d)),
    });
  }
  const hash = createHash('sha256').update(JSON.stringify(out.map((l) => l.sources.map((s) => [s.file, s.doc])))).digest('hex');
  return { workspaceRoot: ROOT, homeDir: HOME, layers: out, hash };
}

/** Compile a workspace-only policy (the common case). */
export function ws(doc: Omit<PolicyDoc, 'version'>, opts: CompileOptions = {}): CompiledPolicy {
  return compilePolicy(resolved({ workspace: [{ version: 1, ...doc }] }), { caseInsensitive: false, ...opts });
}

export function layered(layers: Layers, opts: CompileOptions = {}): CompiledPolicy {
  return compilePolicy(resolved(layers), { caseInsensitive: false, ...opts });
}
