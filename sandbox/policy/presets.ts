// Finds the built-in presets (policies/<name>.json, referenced as "airlock:<name>") in this Airlock installation.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PRESET_PREFIX = 'airlock:';
export const DEFAULT_PRESET = 'airlock:default';

/**
 * The Airlock installation root: the nearest folder above this module whose package.json is named "airlock".
 * Walking up works both from source (sandbox/policy/) and from the bundle (dist/cli.js).
 */
export function airlockRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = path.dirname(from);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    try {
      const parsed = JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: unknown };
      if (parsed.name === 'airlock') return dir;
    } catch {
      // No (readable) package.json here: keep walking up.
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the Airlock installation (a package.json named "airlock") above ${from}`);
    dir = parent;
  }
}

export function presetsDir(): string {
  return path.join(airlockRoot(), 'policies');
}

/** Preset names ("default", "read-only", ...) available in this installation. */
export function presetNames(): string[] {
  return fs.readdirSync(presetsDir())
    .filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function isPresetRef(ref: string): boolean {
  return ref.startsWith(PRESET_PREFIX);
}

/** The file of a preset reference, or undefined when no such preset exists. */
export function presetFile(ref: string): string | undefined {
  const name = ref.slice(PRESET_PREFIX.length);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || !presetNames().includes(name)) return undefined;
  return path.join(presetsDir(), `${name}.json`);
}
