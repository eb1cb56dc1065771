// The hook server's cache of loaded workspace policies: a policy is reused only while every file its load read (the
// workspace's policy, the baseline, every file they extend, the presets) still holds the very bytes it read.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { userBaselineFile, userConfigDir } from '../policy/load.js';
import { loadWorkspacePolicy, type WorkspacePolicy } from './local.js';

interface Entry { files: Map<string, string>; baseline: string | undefined; result: WorkspacePolicy }

const ABSENT = 'absent';
const digest = (text: string | undefined) => (text === undefined ? ABSENT : crypto.hash('sha256', text, 'hex'));

function current(file: string): string {
  try {
    return digest(fs.readFileSync(file, 'utf8'));
  } catch {
    return ABSENT;
  }
}

export class PolicyCache {
  private readonly entries = new Map<string, Entry>();
  hits = 0;
  loads = 0;

  constructor(private readonly max = 64) {}

  /** As loadWorkspacePolicy, from the cache when no file it read has changed, appeared or gone. */
  load(workspaceRoot: string): WorkspacePolicy {
    const baseline = userBaselineFile();
    const hit = this.entries.get(workspaceRoot);
    if (hit && hit.baseline === baseline && [...hit.files].every(([file, d]) => current(file) === d)) {
      this.hits++;
      return hit.result;
    }
    const files = new Map<string, string>();
    // Where a baseline would be found: its appearance must reload (the loader reads it only when it exists).
    files.set(path.join(userConfigDir(), 'policy.json'), ABSENT);
    const result = loadWorkspacePolicy(workspaceRoot, (file, text) => files.set(file, digest(text)));
    this.loads++;
    this.entries.delete(workspaceRoot);
    this.entries.set(workspaceRoot, { files, baseline, result });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return result;
  }
}
