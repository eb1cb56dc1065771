// Where a workspace's gateway lives: a 0700 folder in Airlock's state directory with the socket, the token and the HTTP port.
import fs from 'node:fs';
import path from 'node:path';
import { airlockStateDir, workspaceId } from '../log/paths.js';

export interface GatewayFiles { dir: string; socket: string; token: string; http: string }

/** Short (a Unix socket path must stay under ~100 bytes): the first 16 hex digits of the real workspace path's hash. */
export function gatewayFiles(workspaceRoot: string): GatewayFiles {
  const { id } = workspaceId(workspaceRoot);
  const dir = path.join(airlockStateDir(), 'gw', id);
  return { dir, socket: path.join(dir, 'sock'), token: path.join(dir, 'token'), http: path.join(dir, 'http.json') };
}

/** The nearest folder from `cwd` up whose workspace a running host serves (it may sit above or below the policy's). */
export function findGatewayRoot(cwd: string): string | undefined {
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    try {
      if (fs.statSync(gatewayFiles(dir).socket).isSocket()) return dir;
    } catch {
      // no host for this folder
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}
