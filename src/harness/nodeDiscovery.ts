// Finds a Node.js ≥ 22 to run the harness: the setting, else `node` on PATH, else the extension host when it is plain Node.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const MIN_NODE_MAJOR = 22;

export type NodeSource = 'setting' | 'path' | 'extension-host';
export type NodeDiscovery =
  | { ok: true; node: string; version: string; source: NodeSource }
  | { ok: false; message: string };

export interface DiscoveryInput {
  /** The airlock.nodePath setting ('' when unset). */
  setting: string;
  /** $PATH of the extension host. */
  pathEnv: string;
  platform: NodeJS.Platform;
  /** The extension host's own runtime. */
  execPath: string;
  versions: Partial<NodeJS.ProcessVersions>;
  /** Prints a binary's version (`node --version`), or undefined when it does not run. */
  probe?: (binary: string) => Promise<string | undefined>;
}

const INSTALL_HINT = `Install Node.js ${MIN_NODE_MAJOR} or 24 (https://nodejs.org) so that \`node\` is on PATH, or set "airlock.nodePath" to its binary`;

export function majorOf(version: string): number {
  const m = /^v?(\d+)\./.exec(version.trim());
  return m ? Number(m[1]) : NaN;
}

export function probeVersion(binary: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(binary, ['--version'], { timeout: 5000, windowsHide: true }, (err, stdout) => resolve(err ? undefined : stdout.trim()));
  });
}

/** The first `node` executable on PATH, or undefined. */
export function findOnPath(pathEnv: string, platform: NodeJS.Platform): string | undefined {
  const names = platform === 'win32' ? ['node.exe'] : ['node'];
  for (const dir of pathEnv.split(platform === 'win32' ? ';' : ':')) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Decides which Node runs the harness; the failure message says exactly what to install or set. */
export async function discoverNode(input: DiscoveryInput): Promise<NodeDiscovery> {
  const probe = input.probe ?? probeVersion;
  const setting = input.setting.trim();
  if (setting) {
    const version = await probe(setting);
    if (!version) return { ok: false, message: `"airlock.nodePath" is set to ${JSON.stringify(setting)}, which does not run as Node.js. ${INSTALL_HINT}.` };
    if (!(majorOf(version) >= MIN_NODE_MAJOR)) {
      return { ok: false, message: `"airlock.nodePath" points to Node.js ${version}; the harness needs ${MIN_NODE_MAJOR} or newer (isolated-vm). ${INSTALL_HINT}.` };
    }
    return { ok: true, node: setting, version, source: 'setting' };
  }
  const onPath = findOnPath(input.pathEnv, input.platform);
  let pathNote = 'no `node` on PATH';
  if (onPath) {
    const version = await probe(onPath);
    if (version && majorOf(version) >= MIN_NODE_MAJOR) return { ok: true, node: onPath, version, source: 'path' };
    pathNote = version ? `\`node\` on PATH (${onPath}) is ${version}` : `\`node\` on PATH (${onPath}) does not run`;
  }
  const own = input.versions.node;
  if (!input.versions.electron && own && majorOf(own) >= MIN_NODE_MAJOR) {
    return { ok: true, node: input.execPath, version: `v${own}`, source: 'extension-host' };
  }
  const host = input.versions.electron ? `the editor runs extensions in Electron ${input.versions.electron}` : `the editor's runtime is Node.js ${own ?? 'unknown'}`;
  return { ok: false, message: `Airlock's harness needs Node.js ${MIN_NODE_MAJOR} or newer: ${pathNote}, and ${host}. ${INSTALL_HINT}.` };
}
