// What the policy lets the agent do, in a few lines for tool descriptions: the model learns the rules before it acts.
import type { CompiledPolicy } from '../policy/compile.js';

const MAX_ITEMS = 12;

function list(items: readonly string[]): string {
  if (items.length === 0) return 'nothing without asking';
  const shown = items.slice(0, MAX_ITEMS).map((i) => JSON.stringify(i)).join(', ');
  return items.length > MAX_ITEMS ? `${shown} and ${items.length - MAX_ITEMS} more` : shown;
}

export function policySummary(policy: CompiledPolicy): { read: string; write: string; net: string; exec: string; templates: string; more: string } {
  const rules = { readAllow: [] as string[], readDeny: [] as string[], writeAllow: [] as string[], writeDeny: [] as string[], net: [] as string[], exec: [] as string[] };
  for (const layer of policy.resolved.layers) {
    for (const s of layer.sources) {
      rules.readAllow.push(...(s.doc.fs?.read?.allow ?? []));
      rules.readDeny.push(...(s.doc.fs?.read?.deny ?? []));
      rules.writeAllow.push(...(s.doc.fs?.write?.allow ?? []));
      rules.writeDeny.push(...(s.doc.fs?.write?.deny ?? []));
      rules.net.push(...(s.doc.net?.allow ?? []));
      rules.exec.push(...(s.doc.exec?.allow ?? []).map((a) => a.join(' ')));
    }
  }
  const uniq = (a: string[]) => [...new Set(a)];
  const templates = Object.entries(policy.tasks);
  return {
    read: `Policy: you may read ${list(uniq(rules.readAllow))}; never ${list(uniq(rules.readDeny))}.`,
    write: `Policy: you may write ${list(uniq(rules.writeAllow))}; never ${list(uniq(rules.writeDeny))}. Airlock's own files (.airlock/, .git/hooks, .git/config, .vscode/) are always protected.`,
    net: `Policy: you may fetch ${list(uniq(rules.net))}.`,
    exec: `Policy: you may run ${list(uniq(rules.exec))}.`,
    templates: templates.length
      ? `Task templates: ${templates.slice(0, MAX_ITEMS).map(([name, t]) => `${JSON.stringify(name)} (${t.intent})`).join('; ')}.`
      : 'The policy defines no task templates; give an explicit scope.',
    more: policy.default === 'deny'
      ? 'What no rule allows is denied.'
      : 'What no rule allows is asked of the user (in the editor, or through this client\'s elicitation); without anyone to ask it is denied.',
  };
}
