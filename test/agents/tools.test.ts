// The editor's agent doors without VS Code: package.json's contributions match the tools `airlock mcp` serves, the MCP
// server definition starts `airlock mcp` for the folder, and prepareInvocation's text shows the verdict, escaped.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { AGENT_TOOL_NAMES } from '../../sandbox/protocol/agentTools.js';
import { agentContributions, agentToolOf, invocationMessage, lmToolName, mcpServerDefinition } from '../../src/agents/tools.js';
import { repoRoot } from '../support/cli.js';

describe('agents: editor contributions', () => {
  it('package.json contributes exactly the generated tools and provider (run npm run agent-tools when this fails)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: Record<string, unknown> };
    const generated = agentContributions();
    assert.deepEqual(pkg.contributes['languageModelTools'], generated.languageModelTools);
    assert.deepEqual(pkg.contributes['mcpServerDefinitionProviders'], generated.mcpServerDefinitionProviders);
    assert.equal(generated.languageModelTools.length, AGENT_TOOL_NAMES.length);
  });

  it('names the language-model tools with a prefix and maps them back', () => {
    for (const name of AGENT_TOOL_NAMES) assert.equal(agentToolOf(lmToolName(name)), name);
    assert.equal(agentToolOf('read_file'), undefined);
  });

  it('starts `airlock mcp` for the workspace folder', () => {
    assert.deepEqual(mcpServerDefinition(['/node', '--no-node-snapshot', '/ext/dist/cli.js'], '/home/u/proj', 'proj'), {
      label: 'Airlock (proj)', command: '/node', args: ['--no-node-snapshot', '/ext/dist/cli.js', 'mcp', '--workspace', '/home/u/proj'],
    });
  });

  it('shows the action and the verdict, escaping what the agent chose', () => {
    assert.equal(invocationMessage('read_file', { path: 'src/a.ts' }, { tool: 'read_file', action: 'fs.read', target: 'src/a.ts', verdict: 'allow', reason: 'allowed by fs.read.allow[0]' }),
      'Airlock allows: Read a file src/a.ts (allowed by fs.read.allow[0])');
    const shown = invocationMessage('write_file', { path: 'a\u202Etxt.exe' }, { tool: 'write_file', action: 'fs.write', target: 'a\u202Etxt.exe', verdict: 'ask', reason: 'not in scope\nline two' });
    assert.equal(shown, 'Airlock will ask you: Write a file a\\u202Etxt.exe (not in scope\\nline two)');
    assert.match(invocationMessage('exec', { argv: ['rm', '-rf', 'a b'] }, { tool: 'exec', action: 'exec', verdict: 'deny', reason: 'denied' }), /^Airlock will refuse: Run a command rm -rf 'a b'/);
    assert.equal(invocationMessage('read_file', { path: 'x' }, undefined), 'Airlock: Read a file x (Airlock decides when it runs)');
  });
});
