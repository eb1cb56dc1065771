// The two benchmark policies (the airlock:node-project preset, and a generated 1,000-rule monorepo policy) and the
// sample requests each engine must decide alike, with the verdict Airlock is expected to give.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CompiledPolicy } from '../../sandbox/policy/compile.js';
import type { LoadOptions } from '../../sandbox/policy/load.js';
import type { AirlockLib } from '../build.js';
import type { PolicyDoc } from '../../sandbox/policy/schema.js';
import type { Action, Verdict } from '../../sandbox/policy/types.js';
import type { Roots } from './translate.js';

export interface Sample { action: Action; expect: Verdict }

/** A workspace and a home directory side by side in a temp dir; `remove()` deletes both. */
export function benchRoots(): Roots & { remove(): void } {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-')));
  const workspace = path.join(base, 'ws');
  const home = path.join(base, 'home');
  fs.mkdirSync(workspace);
  fs.mkdirSync(home);
  return { workspace, home, remove: () => fs.rmSync(base, { recursive: true, force: true }) };
}

function load(lib: AirlockLib, opts: Omit<LoadOptions, 'workspaceRoot' | 'homeDir'>, roots: Roots): CompiledPolicy {
  const loaded = lib.loadPolicy({ workspaceRoot: roots.workspace, homeDir: roots.home, ...opts });
  if (!loaded.ok) throw new Error(`benchmark policy does not load: ${loaded.problems.map((p) => p.message).join('; ')}`);
  return loaded.policy;
}

// ── small: the node-project preset (it extends airlock:default), about 25 rules with the built-ins ──────────────────

export function smallPolicy(lib: AirlockLib, roots: Roots): CompiledPolicy {
  return load(lib, { file: 'airlock:node-project' }, roots);
}

const read = (p: string, expect: Verdict): Sample => ({ action: { kind: 'fs.read', path: p }, expect });
const list = (p: string, expect: Verdict): Sample => ({ action: { kind: 'fs.list', path: p }, expect });
const write = (p: string, expect: Verdict): Sample => ({ action: { kind: 'fs.write', path: p }, expect });
const fetch = (url: string, expect: Verdict): Sample => ({ action: { kind: 'net.fetch', url, method: 'GET' }, expect });
const exec = (argv: string[], expect: Verdict): Sample => ({ action: { kind: 'exec', argv }, expect });

/** A realistic mix for a Node project: mostly reads and writes in the tree, some fetches and commands, a few refusals. */
export const SMALL_SAMPLES: readonly Sample[] = [
  read('src/index.ts', 'allow'),
  read('README.md', 'allow'),
  read('docs/guide/intro.md', 'allow'),
  read('src/lib/deep/nested/module.ts', 'allow'),
  list('src', 'allow'),
  read('.env', 'deny'),
  read('config/.env.production', 'deny'),
  read('certs/server.pem', 'deny'),
  read('~/.ssh/id_rsa', 'deny'),
  read('~/.aws/credentials', 'deny'),
  read('~/notes.txt', 'ask'),
  read('/etc/hosts', 'ask'),
  write('src/index.ts', 'allow'),
  write('test/parser.test.ts', 'allow'),
  write('package.json', 'ask'),
  write('.git/hooks/pre-commit', 'deny'),
  write('.airlock/policy.json', 'deny'),
  write('.vscode/settings.json', 'deny'),
  write('packages/x/.git/config', 'deny'),
  fetch('https://registry.npmjs.org/zod', 'allow'),
  fetch('http://registry.npmjs.org/zod', 'ask'),
  fetch('https://example.com/', 'ask'),
  fetch('https://registry.npmjs.org:8443/zod', 'ask'),
  fetch('ftp://registry.npmjs.org/zod', 'deny'),
  fetch('https://user:secret@registry.npmjs.org/zod', 'deny'),
  exec(['npm', 'test'], 'allow'),
  exec(['npm', 'run', 'build'], 'allow'),
  exec(['git', 'status'], 'allow'),
  exec(['npm', 'install', 'left-pad'], 'ask'),
  exec(['npm', 'publish'], 'deny'),
  exec(['npm', 'publish', '--tag', 'next'], 'deny'),
  exec(['/usr/bin/npm', 'publish'], 'deny'),
  exec(['bash', '-c', 'npm test'], 'ask'),
];

// ── large: a 100-package monorepo policy with exactly 1,000 rules ──────────────────────────────────────────────────

const PACKAGES = 100;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function largePolicyDoc(): PolicyDoc {
  const doc: PolicyDoc = {
    version: 1,
    default: 'ask',
    fs: {
      read: {
        allow: ['**'],
        deny: range(PACKAGES).map((i) => `packages/p${i}/secrets/**`),
      },
      write: {
        allow: range(PACKAGES).flatMap((i) => [`packages/p${i}/src/**`, `packages/p${i}/test/**`]),
        deny: range(PACKAGES).map((i) => `packages/p${i}/dist/**`),
      },
    },
    net: {
      allow: range(2 * PACKAGES).map((i) => `https://svc${i}.internal.example/**`),
      deny: range(PACKAGES).map((i) => `https://svc${i}.internal.example/admin/**`),
    },
    exec: {
      allow: range(2 * PACKAGES).map((i) => ['npm', 'run', `build:p${i}`]),
      deny: range(PACKAGES - 1).map((i) => ['rm', '-rf', `packages/p${i}`]),
    },
  };
  return doc;
}

export function countRules(doc: PolicyDoc): number {
  const n = (l: readonly unknown[] | undefined) => l?.length ?? 0;
  return n(doc.fs?.read?.allow) + n(doc.fs?.read?.deny) + n(doc.fs?.write?.allow) + n(doc.fs?.write?.deny)
    + n(doc.net?.allow) + n(doc.net?.deny) + n(doc.exec?.allow) + n(doc.exec?.deny);
}

export function largePolicy(lib: AirlockLib, roots: Roots): CompiledPolicy {
  return load(lib, { inline: largePolicyDoc(), inlineName: 'monorepo.json', checkExamples: false }, roots);
}

/** Requests spread over the whole rule list (first, middle and last packages), so no engine wins by rule order. */
export const LARGE_SAMPLES: readonly Sample[] = [
  read('packages/p0/src/index.ts', 'allow'),
  read('packages/p57/src/lib/util.ts', 'allow'),
  read('packages/p99/README.md', 'allow'),
  read('packages/p3/secrets/key.json', 'deny'),
  read('packages/p98/secrets/deep/token', 'deny'),
  read('/etc/passwd', 'ask'),
  write('packages/p1/src/a.ts', 'allow'),
  write('packages/p64/test/a.test.ts', 'allow'),
  write('packages/p99/src/z.ts', 'allow'),
  write('packages/p42/dist/index.js', 'deny'),
  write('packages/p42/package.json', 'ask'),
  write('tools/release.ts', 'ask'),
  write('.git/config', 'deny'),
  fetch('https://svc0.internal.example/v1/status', 'allow'),
  fetch('https://svc150.internal.example/v1/items', 'allow'),
  fetch('https://svc50.internal.example/admin/users', 'deny'),
  fetch('https://svc999.internal.example/', 'ask'),
  fetch('https://example.org/', 'ask'),
  exec(['npm', 'run', 'build:p0'], 'allow'),
  exec(['npm', 'run', 'build:p120'], 'allow'),
  exec(['npm', 'run', 'build:p199'], 'allow'),
  exec(['npm', 'run', 'build:p999'], 'ask'),
  exec(['rm', '-rf', 'packages/p7'], 'deny'),
  exec(['rm', '-rf', 'packages/p99'], 'ask'),
];
