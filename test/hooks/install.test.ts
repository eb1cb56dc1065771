// `airlock hooks install|uninstall|status` against real settings files with existing content (and comments), command and HTTP hooks.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '@anthropic-ai/claude-agent-sdk';
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

  describe('--http (Claude Code\'s HTTP hook)', () => {

    type Entry = NonNullable<Settings['hooks']>[string][number];

    it('writes http entries pointing at the user\'s endpoint (typed as Claude Code reads them), keeps comments and other hooks, replaces the command entries, uninstalls only its own', async () => {
      const file = path.join(ws, '.claude', 'settings.json');
      const original = `{
    // the team's settings
    "permissions": { "allow": ["Bash(npm test)"] },
    "hooks": {
      "PreToolUse": [
        { "matcher": "Bash", "hooks": [{ "type": "command", "command": "./scripts/lint-commands.sh" }] },
        // someone else's http hook on loopback: not Airlock's
        { "matcher": "*", "hooks": [{ "type": "http", "url": "http://127.0.0.1:9127/hooks/claude-code", "headers": { "Authorization": "Bearer $THEIR_TOKEN" }, "allowedEnvVars": ["THEIR_TOKEN"] }] }
      ]
    }
  }
  `;
      fs.writeFileSync(file, original);
      // First the command hook, then --http replaces it (one Airlock hook per event, never both).
      const cmd = await runAirlock(['hooks', 'install', '--agent', 'claude-code', '--command', 'airlock-test hook'], { cwd: ws, env: env() });
      assert.equal(cmd.code, 0, cmd.stderr);
      const r = await runAirlock(['hooks', 'install', '--agent', 'claude-code', '--http'], { cwd: ws, env: env() });
      assert.equal(r.code, 0, r.stderr);
      const endpoint = JSON.parse(fs.readFileSync(path.join(base, 'state', 'hooks', 'http.json'), 'utf8')) as { port: number; token: string };
      assert.match(r.stdout, /^-.*#airlock-hook/m, 'the diff shows the command entry going');
      assert.match(r.stdout, new RegExp(`^\\+.*"url": "http://127\\.0\\.0\\.1:${endpoint.port}/hooks/claude-code"`, 'm'));
      assert.match(r.stdout, /airlock hooks serve/);
      assert.match(r.stdout, /export AIRLOCK_HOOK_TOKEN="\$\(airlock hooks token\)"/);
      assert.ok(!r.stdout.includes(endpoint.token), 'install never prints the token');

      const text = fs.readFileSync(file, 'utf8');
      assert.match(text, /\/\/ the team's settings/);
      assert.match(text, /\/\/ someone else's http hook/);
      assert.ok(!text.includes('#airlock-hook'));
      const value = parse(text) as Settings & { permissions: unknown };
      assert.deepEqual(value.permissions, { allow: ['Bash(npm test)'] });
      const pre: Entry = {
        matcher: '*',
        hooks: [{
          type: 'http', url: `http://127.0.0.1:${endpoint.port}/hooks/claude-code`, headers: { Authorization: 'Bearer $AIRLOCK_HOOK_TOKEN' },
          allowedEnvVars: ['AIRLOCK_HOOK_TOKEN'], timeout: 120, onFailure: 'block',
        }],
      };
      const post: Entry = {
        matcher: '*',
        hooks: [{ type: 'http', url: `http://127.0.0.1:${endpoint.port}/hooks/claude-code?event=post`, headers: { Authorization: 'Bearer $AIRLOCK_HOOK_TOKEN' }, allowedEnvVars: ['AIRLOCK_HOOK_TOKEN'], timeout: 120 }],
      };
      assert.equal(value.hooks!['PreToolUse']!.length, 3);
      assert.deepEqual(value.hooks!['PreToolUse']![2], pre);
      assert.deepEqual(value.hooks!['PostToolUse'], [post]);
      assert.deepEqual(value.hooks!['PostToolUseFailure'], [post]);

      const again = await runAirlock(['hooks', 'install', '--agent', 'claude-code', '--http'], { cwd: ws, env: env() });
      assert.match(again.stdout, /already installed/);
      assert.equal(JSON.parse(fs.readFileSync(path.join(base, 'state', 'hooks', 'http.json'), 'utf8')).port, endpoint.port, 'the endpoint is kept');

      const status = await runAirlock(['hooks', 'status', '--agent', 'claude-code', '--json'], { cwd: ws, env: env() });
      const rows = JSON.parse(status.stdout) as Array<{ scope: string; installed: boolean; via?: string; port?: number; endpoint?: string; httpEndpoint?: { port?: number; listening?: string } }>;
      assert.deepEqual(rows.map((x) => [x.scope, x.installed, x.via]), [['project', true, 'http'], ['user', false, undefined]]);
      assert.equal(rows[0]!.port, endpoint.port);
      assert.match(String(rows[0]!.endpoint), /points at your endpoint, not listening/);
      assert.equal(rows[0]!.httpEndpoint?.port, endpoint.port);

      const un = await runAirlock(['hooks', 'uninstall', '--agent', 'claude-code'], { cwd: ws, env: env() });
      assert.equal(un.code, 0, un.stderr);
      const after = fs.readFileSync(file, 'utf8');
      const left = parse(after) as Settings;
      assert.equal(left.hooks!['PreToolUse']!.length, 2, 'the team\'s command hook and the other http hook stay');
      assert.equal(left.hooks!['PostToolUse']!.length, 0);
      assert.match(after, /\/\/ the team's settings/);
      assert.match(after, /THEIR_TOKEN/);
    });

    it('--http with another agent, or with --command, is a clear error naming claude-code; --dry-run writes nothing, the endpoint file included', async () => {
      for (const agent of ['vscode', 'all']) {
        const r = await runAirlock(['hooks', 'install', '--agent', agent, '--http'], { cwd: ws, env: env() });
        assert.equal(r.code, 2);
        assert.match(r.stderr, /--http works for claude-code only \(use --agent claude-code\)/);
      }
      const both = await runAirlock(['hooks', 'install', '--agent', 'claude-code', '--http', '--command', 'x'], { cwd: ws, env: env() });
      assert.equal(both.code, 2);
      assert.match(both.stderr, /exclude each other/);
      assert.ok(!fs.existsSync(path.join(ws, '.claude', 'settings.json')));
      const dry = await runAirlock(['hooks', 'install', '--agent', 'claude-code', '--http', '--dry-run'], { cwd: ws, env: env() });
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /^\+.*"url": "http:\/\/127\.0\.0\.1:\d+\/hooks\/claude-code"/m);
      assert.match(dry.stdout, /the port below is an example/);
      assert.ok(!fs.existsSync(path.join(ws, '.claude', 'settings.json')), 'a dry run writes no settings');
      assert.ok(!fs.existsSync(path.join(base, 'state', 'hooks', 'http.json')), 'nor the endpoint file');
    });

    it('status says when the settings point at another port than the endpoint\'s (after serve --port moved it)', async () => {
      const r = await runAirlock(['hooks', 'install', '--agent', 'claude-code', '--http', '--scope', 'user'], { cwd: ws, env: env() });
      assert.equal(r.code, 0, r.stderr);
      const file = path.join(base, 'state', 'hooks', 'http.json');
      const endpoint = JSON.parse(fs.readFileSync(file, 'utf8')) as { port: number; token: string };
      const moved = endpoint.port === 65000 ? 65001 : 65000;
      fs.writeFileSync(file, JSON.stringify({ port: moved, token: endpoint.token }), { mode: 0o600 });
      const status = await runAirlock(['hooks', 'status', '--agent', 'claude-code'], { cwd: ws, env: env() });
      assert.match(status.stdout, new RegExp(`user +installed \\(http .*points at port ${endpoint.port}, but your endpoint is on ${moved}: install again`));
    });
  });
});
