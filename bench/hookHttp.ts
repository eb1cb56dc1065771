// Claude Code's HTTP hook: a PreToolUse posted to the user's endpoint (serveHookHttp: token, Host and Origin checks, the
// policy loaded, the decision made and logged) vs a bare loopback HTTP round trip to a server that does nothing.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { roundsFor, type FigureModule } from './context.js';
import { compareSides, usSince, type Side } from './measure.js';
import { figure } from './record.js';

function post(port: number, agent: http.Agent, pathName: string, body: string, headers: Record<string, string>): Promise<{ ms: number; text: string }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: pathName, agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ ms: usSince(start) / 1000, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const hookHttpFigure: FigureModule = {
  id: 'hook-http',
  title: '8b. Claude Code\'s HTTP hook (airlock hooks serve)',
  async run(ctx) {
    const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-hookhttp-')));
    const root = path.join(base, 'ws');
    fs.mkdirSync(path.join(root, '.airlock'), { recursive: true });
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src', 'a.ts'), 'export const a = 1;\n');
    fs.writeFileSync(path.join(root, '.airlock', 'policy.json'), JSON.stringify({ version: 1, extends: ['airlock:default'] }));
    const saved = { state: process.env['AIRLOCK_STATE_DIR'], baseline: process.env['AIRLOCK_BASELINE_POLICY'] };
    process.env['AIRLOCK_STATE_DIR'] = path.join(base, 'state');
    process.env['AIRLOCK_BASELINE_POLICY'] = '';
    const token = 'b'.repeat(64);
    const endpoint = await ctx.airlock.lib.serveHookEndpoint({ host: '127.0.0.1', port: 0, token });
    const bare = http.createServer((_req, res) => res.end('{"hookSpecificOutput":{"permissionDecision":"allow"}}'));
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', () => r()));
    const agent = new http.Agent({ keepAlive: true });
    try {
      let n = 0;
      const viaEndpoint: Side = {
        name: 'POST /hooks/claude-code (Read, decided without the editor, logged)',
        round: async () => {
          const body = JSON.stringify({ session_id: 'bench', transcript_path: '/tmp/t', cwd: root, permission_mode: 'default', hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: 'src/a.ts' }, tool_use_id: `u${n++}` });
          const r = await post(endpoint.port, agent, '/hooks/claude-code', body, { host: `127.0.0.1:${endpoint.port}`, authorization: `Bearer ${token}` });
          if (!r.text.includes('"permissionDecision":"allow"')) throw new Error(`the endpoint answered ${r.text.trim() || '(nothing)'}`);
          return r.ms;
        },
      };
      const bareSide: Side = {
        name: 'bare loopback HTTP POST (keep-alive)',
        round: async () => (await post((bare.address() as AddressInfo).port, agent, '/', '{"tool":"Read"}', {})).ms,
      };
      const [e, b] = await compareSides([viaEndpoint, bareSide], { rounds: roundsFor(ctx, 100, 3), warmup: 5 });
      return [figure({
        name: 'HTTP hook round trip: Read, decided and logged without the editor', unit: 'ms', airlock: e!, baselineName: 'bare loopback HTTP round trip', baseline: b!,
        ratio: 'overhead', goal: '≤ 3×', meets: (r) => (r === null ? null : r <= 3),
        note: 'as `airlock hooks serve` runs it: token, Host and Origin checks, the policy from the cache (its files re-read and compared), the decision, the log entry fsynced in the session\'s open log, the session state saved, the answer',
      })];
    } finally {
      agent.destroy();
      bare.close();
      await endpoint.close();
      for (const [k, v] of [['AIRLOCK_STATE_DIR', saved.state], ['AIRLOCK_BASELINE_POLICY', saved.baseline]] as const) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
      fs.rmSync(base, { recursive: true, force: true });
    }
  },
};
