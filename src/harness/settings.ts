// The harness's start options from the airlock.* settings, refusing a log folder an agent could write to.
import path from 'node:path';

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, path.resolve(root, candidate));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export function harnessInitOptions(root: string, settings: { logDirectory?: string; baselinePolicyFile?: string }):
  { options: { logDir?: string; baselinePolicyFile?: string }; refused?: string } {
  const logDir = (settings.logDirectory ?? '').trim();
  const baseline = (settings.baselinePolicyFile ?? '').trim();
  const options = baseline ? { baselinePolicyFile: baseline } : {};
  if (logDir && isInside(root, logDir)) {
    return { options, refused: `"airlock.logDirectory" (${logDir}) is inside the workspace, where an agent could write to its own log; the default log folder is used instead` };
  }
  return { options: { ...options, ...(logDir ? { logDir: path.resolve(root, logDir) } : {}) } };
}
