// The stable command agents' hooks run when the editor connected them: `<state>/bin/airlock-hook`, a small script that
// starts the hook of the Airlock that last ran, so settings written once keep working after the extension updates.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { airlockStateDir } from '../log/paths.js';
import { formatFailure, isAgentName } from './agents.js';

/** Where the launcher lives: Airlock's state directory, a built-in protected path (an agent cannot rewrite it). */
export function launcherPath(): string {
  return path.join(airlockStateDir(), 'bin', 'airlock-hook');
}

/**
 * The hook entry shipped beside the running bundle (dist/hook.js), or the repository's built dist/hook.js when the
 * harness runs from its TypeScript sources (sandbox/host/).
 */
export function hookEntryBeside(moduleUrl: string): string | undefined {
  const dir = path.dirname(fileURLToPath(moduleUrl));
  return [path.join(dir, 'hook.js'), path.join(dir, '..', '..', 'dist', 'hook.js')].find((f) => fs.existsSync(f));
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The script: runs `node hook "$@"`; when either is gone (the extension was removed), it refuses the call in the agent's
 * own format (formatFailure's answer, per agent), so a stale launcher blocks instead of letting calls through.
 */
export function launcherScript(node: string, hook: string): string {
  const reason = 'the Airlock hook this launcher starts is gone (was the Airlock extension removed or moved?); open VS Code with Airlock and run "Airlock: Connect Agents…" again, or remove Airlock\'s hooks from the agent\'s settings';
  const cases = ['claude-code', 'vscode', 'copilot', 'codex', 'gemini', 'cursor', '*'].map((agent) => {
    const out = formatFailure(isAgentName(agent) ? agent : undefined, reason);
    return `  ${agent === '*' ? '*' : sq(agent)}) printf '%s' ${sq(out.stdout)}; printf '%s' ${sq(out.stderr)} >&2; exit ${out.exit} ;;`;
  });
  return [
    '#!/bin/sh',
    '# Airlock\'s hook launcher. Written by Airlock\'s harness, rewritten each time it starts: do not edit.',
    `node=${sq(node)}`,
    `hook=${sq(hook)}`,
    'if [ -x "$node" ] && [ -f "$hook" ]; then exec "$node" "$hook" "$@"; fi',
    'cat >/dev/null',
    'case "$1" in',
    ...cases,
    'esac',
    '',
  ].join('\n');
}

/** Writes the launcher (0700, in a 0700 folder) atomically; returns its path. */
export function writeLauncher(node: string, hook: string): string {
  const file = launcherPath();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.chmodSync(path.dirname(file), 0o700);
  const tmp = `${file}.${process.pid}`;
  fs.writeFileSync(tmp, launcherScript(node, hook), { mode: 0o700 });
  fs.renameSync(tmp, file);
  return file;
}

/** At the harness's start: points an existing launcher at this Airlock (after an update); never creates one. */
export function refreshLauncher(node: string, hook: string): boolean {
  const file = launcherPath();
  try {
    if (fs.readFileSync(file, 'utf8') === launcherScript(node, hook)) return false;
  } catch {
    return false;
  }
  writeLauncher(node, hook);
  return true;
}
