// `airlock hooks install|uninstall|status` against real settings files with existing content (and comments).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import { runAirlock } from '../support/cli.js';

describe('airlock hooks install / uninstall / status', function () {
  this.timeout(60000);
  let base: string;
  let ws: string;
  let home: string;
  const env = () => ({ HOME: home, AIRLOCK_STATE_DIR: path.join(base, 'state') });
  beforeEach(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-install-')));
    ws = path.join(base, 'ws');
    home = path.join(base, 'home');
    fs.mkdirSync(path.join(ws, '.claude'), { recursive: true });
    fs.mkdirSync(path.join(ws, '.git'));
    fs.mkdirSync(home);
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  it('merges into Claude Code settings keeping comments, other hooks and permissions; prints the diff; is idempotent; uninstalls only its own', async () => {
    const file = path.join(ws, '.claude', 'settings.json');
    const original = `{
  // the team's settings
  "permissions": { "allow": ["Bash(npm test)"] },
  "hooks": {
    "PreToolUse": [
      { "matcher": "Bash", "hooks": [{ "type": "command", "command": "./scripts/lint-commands.sh" }] }
    ]
  }
}
`;
    fs.writeFileSync(file, original);
    const dry = await runAirlock(['hooks', 'install', '--agent', 'claude-code', '--dry-run', '--command', 'airlock-test hook'], { cwd: ws, env: env() });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^\+.*airlock-test hook claude-code #airlock-hook/m);
    assert.equal(fs.readFileSync(file, 'utf8'), original, 'a dry run changes nothing');

    const r = await runAirlock(['hooks', 'install', '--agent', 'claude-code', '--command', 'airlock-test hook'], { cwd: ws, env: env() });
    assert.equal(r.code, 0, r.stderr);
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /\/\/ the team's settings/);
    const value = parse(text) as { permissions: unknown; hooks: Record<string, Array<{ matcher: string; hooks: Array<{ command: string; timeout?: number }> }>> };
    assert.deepEqual(value.permissions, { allow: ['Bash(npm test)'] });
    assert.equal(value.hooks['PreToolUse']!.length, 2);
    assert.equal(value.hooks['PreToolUse']![0]!.hooks[0]!.command, './scripts/lint-commands.sh');
    assert.equal(value.hooks['PreToolUse']![1]!.hooks[0]!.command, 'airlock-test hook claude-code #airlock-hook');
    assert.ok(value.hooks['PostToolUse']);

    const again = await runAirlock(['hooks', 'install', '--agent', 'claude-code', '--command', 'airlock-test hook'], { cwd: ws, env: env() });
    assert.match(again.stdout, /already installed/);

    const status = await runAirlock(['hooks', 'status', '--agent', 'claude-code', '--json'], { cwd: ws, env: env() });
    const rows = JSON.parse(status.stdout) as Array<{ scope: string; installed: boolean }>;
    assert.deepEqual(rows.map((x) => [x.scope, x.installed]), [['project', true], ['user', false]]);

    const un = await runAirlock(['hooks', 'uninstall', '--agent', 'claude-code'], { cwd: ws, env: env() });
    assert.equal(un.code, 0, un.stderr);
    const left = parse(fs.readFileSync(file, 'utf8')) as { hooks: Record<string, unknown[]> };
    assert.equal(left.hooks['PreToolUse']!.length, 1);
    assert.match(fs.readFileSync(file, 'utf8'), /\/\/ the team's settings/);
  });

  it('writes each agent\'s own format: Copilot (version 1, bash, timeoutSec), VS Code, Codex, Gemini, Cursor; user scope in the home', async () => {
    const r = await runAirlock(['hooks', 'install', '--agent', 'all', '--command', 'ah'], { cwd: ws, env: env() });
    assert.equal(r.code, 0, r.stderr);
    const read = (p: string) => parse(fs.readFileSync(path.join(ws, p), 'utf8')) as Record<string, unknown>;
    const copilot = read('.github/hooks/airlock-copilot.json') as { version: number; hooks: { preToolUse: Array<{ bash: string; timeoutSec: number }> } };
    assert.equal(copilot.version, 1);
    assert.equal(copilot.hooks.preToolUse[0]!.bash, 'ah copilot --event pre #airlock-hook');
    assert.ok((read('.github/hooks/airlock-vscode.json') as { hooks: Record<string, unknown> }).hooks['PreToolUse']);
    assert.ok((read('.codex/hooks.json') as { hooks: Record<string, unknown> }).hooks['PreToolUse']);
    assert.ok((read('.gemini/settings.json') as { hooks: Record<string, unknown> }).hooks['BeforeTool']);
    const cursor = read('.cursor/hooks.json') as { version: number; hooks: Record<string, unknown> };
    assert.equal(cursor.version, 1);
    assert.ok(cursor.hooks['beforeShellExecution']);
    const user = await runAirlock(['hooks', 'install', '--agent', 'claude-code', '--scope', 'user', '--command', 'ah'], { cwd: ws, env: env() });
    assert.equal(user.code, 0, user.stderr);
    assert.ok(fs.existsSync(path.join(home, '.claude', 'settings.json')));
  });

  it('refuses to touch a settings file it cannot read, naming the place', async () => {
    fs.writeFileSync(path.join(ws, '.claude', 'settings.json'), '{ "hooks": [ }');
    const r = await runAirlock(['hooks', 'install', '--agent', 'claude-code'], { cwd: ws, env: env() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /settings\.json:1:\d+: not valid JSON/);
    assert.equal(fs.readFileSync(path.join(ws, '.claude', 'settings.json'), 'utf8'), '{ "hooks": [ }');
  });
});
