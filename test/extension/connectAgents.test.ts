// The logic under "Airlock: Connect Agents…": the hook command line, the choices, the preview and the report.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { agentChoices, appliedSummary, hookCommand, previewText, shellWord, toApply } from '../../src/agents/connect.js';

describe('Connect Agents (extension logic)', () => {
  it('quotes the Node and hook paths so a POSIX shell runs exactly them', () => {
    const cmd = hookCommand("/home/o'neil/node 24/bin/node", '/home/x/.vscode/extensions/airlock.airlock-0.1.0', 'linux');
    assert.equal(cmd, `'/home/o'\\''neil/node 24/bin/node' /home/x/.vscode/extensions/airlock.airlock-0.1.0/dist/hook.js`);
    // The shell splits it back into the two words.
    const words = execFileSync('sh', ['-c', `printf '%s\\n' ${cmd}`], { encoding: 'utf8' }).trimEnd().split('\n');
    assert.deepEqual(words, ["/home/o'neil/node 24/bin/node", '/home/x/.vscode/extensions/airlock.airlock-0.1.0/dist/hook.js']);
    assert.equal(shellWord('C:\\Program Files\\nodejs\\node.exe', 'win32'), '"C:\\Program Files\\nodejs\\node.exe"');
    assert.equal(hookCommand('node', 'C:\\ext', 'win32'), 'node "C:\\ext\\dist\\hook.js"');
  });

  it('offers the six agents, marking the connected ones', () => {
    const choices = agentChoices(new Set(['codex']));
    assert.deepEqual(choices.map((c) => c.label), ['Claude Code', 'VS Code agent mode', 'GitHub Copilot (CLI and coding agent)', 'Codex CLI', 'Gemini CLI', 'Cursor']);
    assert.match(choices.find((c) => c.agent === 'codex')!.description, /connected/);
  });

  it('previews every diff, the unchanged and the unreadable files, with agent-chosen text escaped', () => {
    const plans = [
      { agent: 'claude-code' as const, file: '/w/.claude/settings.json', installed: false, changed: true, diff: '--- /dev/null\n+++ /w/.claude/settings.json\n+{\n+  "hooks": {}\n+}\n' },
      { agent: 'codex' as const, file: '/w/.codex/hooks.json', installed: true, changed: false, diff: '' },
      { agent: 'gemini' as const, file: '/w/.gemini/settings.json', installed: false, changed: false, diff: '', problem: 'not valid JSON \u202e here' },
    ];
    const text = previewText(plans, 'project');
    assert.match(text, /Nothing is written until you confirm/);
    assert.match(text, /# Claude Code: \/w\/\.claude\/settings\.json\n--- \/dev\/null\n\+\+\+ .*\n\+\{/);
    assert.match(text, /# Codex CLI: .*\n#   already connected/);
    assert.match(text, /#   cannot be changed: not valid JSON/);
    assert.ok(!text.includes('\u202e'), 'bidi controls are shown, not obeyed');
    assert.deepEqual(toApply(plans).map((p) => p.agent), ['claude-code']);
  });

  it('reports what was connected and what was not, with the reason', () => {
    assert.deepEqual(appliedSummary([{ agent: 'claude-code', file: '/w/.claude/settings.json', written: true, reason: 'hook added' }]),
      { ok: true, text: 'Airlock: connected Claude Code (/w/.claude/settings.json).' });
    const mixed = appliedSummary([
      { agent: 'claude-code', file: '/a', written: true, reason: 'hook added' },
      { agent: 'cursor', file: '/b', written: false, reason: '/b changed after the preview; nothing was written' },
    ]);
    assert.equal(mixed.ok, false);
    assert.match(mixed.text, /Cursor not changed: \/b changed after the preview/);
  });
});
