// Which task an agent session runs in: the policy's `hooks.task` template, else a task whose scope narrows nothing.
import type { CompiledPolicy } from '../policy/compile.js';
import type { Scope } from '../policy/schema.js';

/** A scope that allows everything the policy allows: the policy (built-ins, baseline, workspace) decides alone. */
export const UNSCOPED: Scope = {
  fs: { read: { allow: ['**', '//**'] }, write: { allow: ['**', '//**'] } },
  net: { allow: ['https://*:*/**', 'http://*:*/**'] },
  exec: { allow: [['**']] },
  tools: { allow: ['*/*'] },
};

/** The template named by `hooks.task` (the workspace's over the baseline's), if any. */
export function hooksTemplate(policy: CompiledPolicy): string | undefined {
  let name: string | undefined;
  for (const layer of policy.resolved.layers) for (const s of layer.sources) name = s.doc.hooks?.task ?? name;
  return name;
}

/** How an agent session's task is started: from the template, or unscoped for as long as the session lasts. */
export function agentTaskOptions(policy: CompiledPolicy, intent: string): { template: string } | { scope: Scope; intent: string; ttlSeconds: number } {
  const template = hooksTemplate(policy);
  return template !== undefined ? { template } : { scope: UNSCOPED, intent, ttlSeconds: 7 * 24 * 3600 };
}
