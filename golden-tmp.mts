import { decide } from './sandbox/policy/decide.js';
import { startTask } from './sandbox/policy/task.js';
import { formatDecision, deniedMessage, describeRule } from './sandbox/policy/format.js';
import { actionHash, suggestGrantTargets } from './sandbox/policy/grants.js';
import { loadPolicy } from './sandbox/policy/load.js';
import { layered, ws } from './test/policy/decide.fixtures.js';
import { largePolicyDoc } from './bench/decisions/policies.js';
import fs from 'node:fs';
import type { Action, Grant } from './sandbox/policy/types.js';

const W = '/tmp/perf/ws', H = '/tmp/perf/home';
fs.mkdirSync(W, { recursive: true }); fs.mkdirSync(H, { recursive: true });
const load = (o: any) => { const r = loadPolicy({ workspaceRoot: W, homeDir: H, ...o }); if (!r.ok) throw new Error(JSON.stringify(r.problems)); return r.policy; };
const policies: Record<string, any> = {
  small: load({ file: 'airlock:node-project', protectedPaths: ['/tmp/perf/logdir'] }),
  dflt: load({ file: 'airlock:default' }),
  large: load({ inline: largePolicyDoc(), inlineName: 'monorepo.json', checkExamples: false }),
  layered: layered({ baseline: [{ version: 1, fs: { read: { allow: ['src/**', '**/*.md'], deny: ['secret/**'] }, write: { allow: ['src/**'] } }, exec: { allow: [['npm', '**']], deny: [['rm', '**']] }, net: { allow: ['https://*.example.com/**', 'http://127.0.0.1:8080/**', 'https://[::1]/**', 'http://10.0.0.0/8/**'] } }],
    workspace: [{ version: 1, fs: { read: { allow: ['**'], deny: ['*.pem', '//etc/shadow', '~/.ssh/**'] }, write: { allow: ['src/**', 'a b/*', '/root.txt', './dot/**', 'SRC/X/**'], deny: ['src/gen/**'] } }, exec: { allow: [['npm', 'test'], ['npm', 'run', '*'], ['/usr/bin/git', 'status'], ['*', '--version'], ['npm', 'run', 'build:p1'], ['npm', 'run', 'build:p2']], deny: [['npm', 'publish', '**'], ['/bin/sh', '**']] }, net: { allow: ['https://api.example.com/v1/**', 'https://*/**', 'http://localhost:8080/**'], deny: ['https://api.example.com/v1/admin/**'] },
      tasks: { fix: { intent: 'fix tests', scope: { fs: { read: { allow: ['src/**'] }, write: { allow: ['src/a/**'] } }, exec: { allow: [['npm', 'test']] }, net: { allow: ['https://api.example.com/**'] } } } } } as any] }),
  ci: ws({ fs: { read: { allow: ['src/**', 'İ/**', 'Straße/**'], deny: ['SECRET/**'] }, write: { allow: ['src/**', 'Docs/*.MD'], deny: ['src/gen/**'] } }, exec: { allow: [['NPM', 'test']], deny: [['RM', '**']] } } as any, { caseInsensitive: true }),
  ws: ws({ fs: { read: { allow: ['src/**', '//opt/x/**', '~/proj/**', '**/*.md', 'x{a,b}/**', 'q?/**', '[ab]c/**'], deny: ['**/.env', 'src/secret'] }, write: { allow: ['src/**', '.', 'lit.txt'], deny: ['~/.bashrc'] } }, exec: { allow: [['git', '*'], ['make', '**'], ['**']], deny: [['git', 'push', '**']] }, net: { allow: ['https://*.a.com/**', 'https://a.com:*/x/**'] } } as any),
};
const paths = ['src/index.ts', 'README.md', './src/a.ts', 'src/../x', 'src//a', 'src/a/', 'src/./a', '.', '..', '../ws/src/a', '~', '~/', '~/x', '~/.ssh/id_rsa', '~x', '/etc/hosts', '/tmp/perf/ws/src/a.ts', '/tmp/perf/ws', '/tmp/perf/ws/', '/ws/project/src/a', '/ws/project', '/home/user/.bashrc', '/home/user/proj/a', '~/proj/a', '', 'a\0b', 'src\\a', 'SRC/A.ts', 'Src/x', 'src/gen/a', 'src/GEN/a', 'secret/x', 'SECRET/x', 'secret', 'x.pem', 'a/b.pem', '.env', 'config/.env.production', 'certs/server.pem', '.git/hooks/pre-commit', '.git', '.git/config', '.GIT/config', '.airlock/policy.json', '.airlock', '.vscode/settings.json', '.vscode', 'packages/x/.git/config', 'packages/p3/secrets/key.json', 'packages/p42/dist/index.js', 'packages/p42/dist', 'packages/p1/src/a.ts', 'packages/p99/src/z.ts', 'packages/p100/src/z.ts', 'packages/p1', 'packages', 'packages/', 'packages/p1/src', 'tools/release.ts', 'a b/c', 'root.txt', '/root.txt', 'dot/x', 'İ/x', 'i̇/x', 'straße/x', 'STRASSE/x', 'docs/a.md', 'Docs/A.MD', 'xa/1', 'q1/z', 'ac/1', 'lit.txt', '/opt/x/y', '/tmp/perf/logdir/a', '/tmp/perf/logdir', '/tmp/perf', '/', '//', '///etc//passwd', '/etc/shadow', 'src/secret', 'src/secret/k', '.../a', '..a/b', 'a/..b', 'a/.b', 'ü/ä', 'a'.repeat(300), 'src/' + 'd/'.repeat(40) + 'f'];
const urls = ['https://registry.npmjs.org/zod', 'http://registry.npmjs.org/zod', 'https://example.com/', 'https://registry.npmjs.org:8443/zod', 'ftp://x/', 'https://user:secret@registry.npmjs.org/zod', 'https://u@x.com/', 'not a url', '', 'https://api.example.com/v1/x', 'https://api.example.com/v1/admin/x', 'https://api.example.com/v1/%61dmin/x', 'https://API.EXAMPLE.COM./v1/x', 'https://b.a.com/q', 'https://a.com:9/x/y', 'https://a.com/x/y', 'http://127.0.0.1:8080/', 'http://127.0.0.1/', 'http://localhost:8080/a', 'https://[::1]/', 'http://10.1.2.3/', 'http://169.254.169.254/latest', 'http://[::ffff:127.0.0.1]/', 'http://0x7f.1/', 'https://svc0.internal.example/v1/status', 'https://svc150.internal.example/v1/items', 'https://svc50.internal.example/admin/users', 'https://svc999.internal.example/', 'file:///etc/passwd', 'javascript:alert(1)', 'https://ex.com/a?b=1#c'];
const argvs: any[] = [['npm', 'test'], ['npm', 'run', 'build'], ['git', 'status'], ['git', 'push', 'x'], ['npm', 'install', 'left-pad'], ['npm', 'publish'], ['npm', 'publish', '--tag', 'next'], ['/usr/bin/npm', 'publish'], ['./npm', 'test'], ['bin/npm', 'test'], ['bash', '-c', 'npm test'], ['npm', 'run', 'build:p0'], ['npm', 'run', 'build:p120'], ['npm', 'run', 'build:p199'], ['npm', 'run', 'build:p999'], ['npm', 'run', 'build:p1'], ['npm', 'run', 'build:p2'], ['rm', '-rf', 'packages/p7'], ['rm', '-rf', 'packages/p99'], ['RM', '-rf', '/'], ['Rm', 'x'], ['NPM', 'test'], ['/usr/bin/git', 'status'], ['/bin/sh', '-c', 'x'], ['sh', 'x'], ['node', '--version'], ['make'], ['make', 'all'], [], [''], ['a\0'], [1 as any], ['npm', 'run'], ['npm', 'run', '**'], ['npm', '**']];
const programs = [undefined, '/usr/bin/npm', '/usr/bin/git', '/bin/sh', '/usr/local/bin/rm'];
const actions: Action[] = [];
for (const p of paths) for (const kind of ['fs.read', 'fs.list', 'fs.stat', 'fs.write', 'fs.delete', 'fs.mkdir'] as const) actions.push({ kind, path: p });
for (const u of urls) { actions.push({ kind: 'net.fetch', url: u }); for (const a of ['127.0.0.1', '10.0.0.5', '93.184.216.34', '::1', 'bogus', '169.254.169.254']) actions.push({ kind: 'net.fetch', url: u, method: 'POST', address: a }); }
for (const a of argvs) for (const program of programs) actions.push(program === undefined ? { kind: 'exec', argv: a } : { kind: 'exec', argv: a, program });
actions.push({ kind: 'bogus' as any, path: 'x' } as any);
const out: string[] = [];
const now = 1_700_000_000_000;
for (const [name, pol] of Object.entries(policies)) {
  const tasks: any[] = [null];
  if (name === 'layered') {
    tasks.push(startTask(pol, { id: 't1', now, template: 'fix' }));
    tasks.push(startTask(pol, { id: 't2', now, template: 'fix', scope: { fs: { read: { allow: ['src/a/**'], deny: ['src/a/x'] } }, exec: { allow: [['npm', '**']] } } as any }));
    tasks.push(startTask(pol, { id: 't3', now: now - 1e12, intent: 'old', scope: {} as any }));
  } else {
    tasks.push(startTask(pol, { id: 'tx', now, intent: 'do "it"', scope: { fs: { read: { allow: ['src/**', 'packages/p1/**'] }, write: { allow: ['src/**'] } }, exec: { allow: [['npm', 'run', '*']] }, net: { allow: ['https://registry.npmjs.org/**'] } } as any }));
  }
  for (const task of tasks) {
    for (const a of actions) {
      const grants: Grant[] = [];
      if (task) {
        grants.push({ id: 'g-task', taskId: task.id, scope: 'task', kind: 'fs.write', target: 'packages/**', created: now });
        grants.push({ id: 'g-exec', taskId: task.id, scope: 'task', kind: 'exec', target: ['bash', '**'], created: now });
        grants.push({ id: 'g-other', taskId: 'nope', scope: 'task', kind: 'fs.read', target: '**', created: now });
      }
      let h: string | undefined; try { h = actionHash(pol, a); } catch { h = undefined; }
      if (h) grants.push({ id: 'g-once', taskId: task ? task.id : '', scope: 'once', kind: a.kind, actionHash: h, created: now } as Grant);
      for (const gs of [[], grants]) {
        let d: any, line: string;
        try { d = decide(pol, task, gs, a, now); line = JSON.stringify(d) + ' | ' + formatDecision(a, d) + ' | ' + deniedMessage(a, d) + ' | ' + describeRule(d.rule, { place: true }) + ' | ' + JSON.stringify(Object.keys(d)); } catch (e) { line = 'THROW ' + (e as Error).message; }
        out.push(`${name} ${task?.id ?? '-'} ${gs.length} ${JSON.stringify(a)} => ${line}`);
      }
      try { out.push('suggest ' + JSON.stringify(suggestGrantTargets(pol, a)) + ' ' + h); } catch (e) { out.push('suggest THROW ' + (e as Error).message); }
    }
  }
}
fs.writeFileSync(process.argv[2]!, out.join('\n') + '\n');
console.log(out.length, 'lines');
