// The pure mount plan: from the policy's verdicts on workspace entries to ordered bwrap operations.
import assert from 'node:assert/strict';
import { mountArgs, planMounts, type PlanEntry, type PlanInput } from '../../sandbox/confine/plan.js';

const base = (entries: PlanEntry[], over: Partial<PlanInput> = {}): PlanInput => ({
  system: [{ path: '/usr' }, { path: '/bin', symlinkTo: 'usr/bin' }], systemHidden: ['/etc/shadow'], runtime: ['/opt/node'],
  homes: ['/home/u'], root: '/w', rootWrite: false, entries, protectedReadOnly: [], protectedHidden: [], sockets: ['/tmp/p'], ...over,
});
const e = (abs: string, type: PlanEntry['type'], read: boolean, write: boolean): PlanEntry => ({ abs, type, read, write });

describe('confine/plan', () => {
  it('binds the system read-only, hides homes and owner-only files, and the workspace read-only by default', () => {
    const ops = planMounts(base([]));
    assert.deepEqual(ops.slice(0, 3), [{ op: 'ro', src: '/usr', dest: '/usr' }, { op: 'symlink', target: 'usr/bin', dest: '/bin' }, { op: 'hide-file', dest: '/etc/shadow' }]);
    const i = (o: object) => ops.findIndex((x) => JSON.stringify(x) === JSON.stringify(o));
    assert.ok(i({ op: 'tmpfs', dest: '/home/u' }) > i({ op: 'tmpfs', dest: '/tmp' }));
    assert.ok(i({ op: 'ro', src: '/w', dest: '/w' }) > i({ op: 'ro', src: '/opt/node', dest: '/opt/node' }), 'the workspace after the runtime');
    assert.deepEqual(ops.at(-1), { op: 'rw', src: '/tmp/p', dest: '/tmp/p' });
  });

  it('makes writable only what may be written, re-protects what may not inside it, and hides what may not be read', () => {
    const ops = planMounts(base([
      e('/w/src', 'dir', true, true), e('/w/.git', 'dir', true, false), e('/w/.env', 'file', false, false),
      e('/w/src/package.json', 'file', true, false), e('/w/src/.git', 'file', true, false), e('/w/src/a.ts', 'file', true, true),
      e('/w/secret', 'dir', false, false), e('/w/secret/inner', 'file', false, false), e('/w/notes.md', 'file', true, true),
    ]));
    const ws = ops.filter((o) => 'dest' in o && o.dest.startsWith('/w/'));
    assert.deepEqual(ws, [
      { op: 'rw', src: '/w/src', dest: '/w/src' },
      { op: 'hide-file', dest: '/w/.env' },
      { op: 'ro', src: '/w/src/package.json', dest: '/w/src/package.json' },
      { op: 'ro', src: '/w/src/.git', dest: '/w/src/.git' },
      { op: 'hide-dir', dest: '/w/secret' },
      { op: 'rw', src: '/w/notes.md', dest: '/w/notes.md' },
    ]);
  });

  it('skips protected paths inside a hidden folder (nothing can be mounted there) and applies the others last', () => {
    const ops = planMounts(base([e('/w/.airlock', 'dir', false, false)], {
      protectedReadOnly: ['/w/.airlock/policy.json', '/w/policy.json'], protectedHidden: [{ path: '/opt/node/logs', type: 'dir' }],
    }));
    assert.equal(ops.some((o) => 'dest' in o && o.dest === '/w/.airlock/policy.json'), false);
    assert.ok(ops.some((o) => o.op === 'ro' && o.dest === '/w/policy.json'));
    assert.ok(ops.some((o) => o.op === 'hide-dir' && o.dest === '/opt/node/logs'));
  });

  it('spells each operation as bwrap arguments', () => {
    assert.deepEqual(mountArgs([{ op: 'hide-dir', dest: '/x' }, { op: 'hide-file', dest: '/y' }, { op: 'rw', src: '/a', dest: '/a' }]), [
      '--perms', '0555', '--tmpfs', '/x', '--remount-ro', '/x', '--ro-bind', '/dev/null', '/y', '--bind', '/a', '/a',
    ]);
  });
});
