// Policy authoring: a new workspace policy from a preset (with its schema line), and Explain Decision's input parsing.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';

export const ACTIONS = ['fs.read', 'fs.list', 'fs.stat', 'fs.write', 'fs.delete', 'fs.mkdir', 'net.fetch', 'exec'] as const;

export interface Preset { name: string; ref: string; description: string }

/** The presets shipped in policies/ (not the schemas). */
export function listPresets(policiesDir: string): Preset[] {
  return fs.readdirSync(policiesDir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))
    .map((f) => {
      const name = f.slice(0, -'.json'.length);
      const doc = parse(fs.readFileSync(path.join(policiesDir, f), 'utf8')) as { description?: string } | undefined;
      return { name, ref: `airlock:${name}`, description: typeof doc?.description === 'string' ? doc.description : '' };
    })
    .sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : a.name.localeCompare(b.name)));
}

/** A workspace policy that extends a preset, with a $schema line and commented examples to start from. */
export function policyFromPreset(preset: Preset, schemaUri: string): string {
  return `{
  "$schema": ${JSON.stringify(schemaUri)},
  // Airlock workspace policy: it only narrows ${preset.ref} and your baseline. Deny wins; what no rule allows is asked.
  "version": 1,
  "extends": [${JSON.stringify(preset.ref)}],
  "default": "ask",
  "fs": {
    "read": { "allow": ["src/**", "test/**"] },
    "write": { "allow": [] }
  },
  "tasks": {
    // Start Task offers these templates.
    "fix-tests": {
      "intent": "fix the failing tests",
      "ttlSeconds": 1800,
      "scope": { "fs": { "write": { "allow": ["src/**", "test/**"] } }, "exec": { "allow": [["npm", "test"]] } }
    }
  },
  "approval": { "timeoutSeconds": 60, "onTimeout": "deny" }
}
`;
}

/** "fs.write src/a.ts", "net.fetch https://x", "exec npm test" → action and target (argv for exec). */
export function parseExplainInput(text: string): { ok: true; action: (typeof ACTIONS)[number]; target: string | string[] } | { ok: false; message: string } {
  const trimmed = text.trim();
  const space = trimmed.search(/\s/);
  if (space < 0) return { ok: false, message: 'write an action and a target, e.g. "fs.write src/index.ts" or "exec npm test"' };
  const action = trimmed.slice(0, space);
  const rest = trimmed.slice(space).trim();
  if (!(ACTIONS as readonly string[]).includes(action)) return { ok: false, message: `unknown action "${action}"; one of ${ACTIONS.join(', ')}` };
  if (action === 'exec') {
    if (rest.startsWith('[')) {
      try {
        const argv = JSON.parse(rest) as unknown;
        if (Array.isArray(argv) && argv.length > 0 && argv.every((a) => typeof a === 'string')) return { ok: true, action: 'exec', target: argv as string[] };
      } catch { /* fall through */ }
      return { ok: false, message: 'an exec target is words ("npm test") or a JSON argv (["npm","test"])' };
    }
    return { ok: true, action: 'exec', target: rest.split(/\s+/) };
  }
  return { ok: true, action: action as (typeof ACTIONS)[number], target: rest };
}

/** Parses a typed task scope: "write src/**, read docs/**, exec npm test, net https://x/**". */
export function parseTypedScope(text: string): { ok: true; scope: Record<string, unknown> } | { ok: false; message: string } {
  const scope: { fs?: { read?: { allow: string[] }; write?: { allow: string[] } }; net?: { allow: string[] }; exec?: { allow: string[][] } } = {};
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) return { ok: false, message: 'type at least one rule, e.g. "write src/**, exec npm test"' };
  for (const part of parts) {
    const [kind, ...rest] = part.split(/\s+/);
    const value = rest.join(' ');
    if (!value) return { ok: false, message: `"${part}" needs a pattern after "${kind}"` };
    if (kind === 'read' || kind === 'write') {
      scope.fs ??= {};
      (scope.fs[kind] ??= { allow: [] }).allow.push(value);
    } else if (kind === 'net') {
      (scope.net ??= { allow: [] }).allow.push(value);
    } else if (kind === 'exec') {
      (scope.exec ??= { allow: [] }).allow.push(rest);
    } else {
      return { ok: false, message: `"${kind}" is not one of read, write, net, exec (e.g. "write src/**, exec npm test")` };
    }
  }
  return { ok: true, scope };
}
