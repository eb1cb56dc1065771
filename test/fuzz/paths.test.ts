// Fuzzes path normalisation: idempotent, agrees with an independent segment-by-segment resolver, never calls an outside path relative, refuses NUL.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AirlockError } from '../../sandbox/errors.js';
import { normalisePath } from '../../sandbox/policy/paths.js';
import { RUNS } from './support.js';

/** Names that make trouble: dots, tildes, spaces, case pairs whose lower case changes length (İ, K), final sigma, NFC/NFD. */
const trickyName = fc.constantFrom('a', 'src', 'Src', 'SRC', '...', '.git', '~', '~x', ' ', 'a b', 'İ', 'i̇', 'K', 'ẞ', 'ß', 'ΑΣ', 'café', 'café', '\u202e', 'x\\y');
const randomName = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }).filter((s) => !s.includes('/') && !s.includes('\0') && s !== '.' && s !== '..');
const name = fc.oneof(trickyName, randomName);
/** A segment as an agent may write it: names, `.`, `..` (often), and empty (doubled slashes). */
const segment = fc.oneof({ weight: 3, arbitrary: name }, { weight: 3, arbitrary: fc.constant('..') }, { weight: 1, arbitrary: fc.constantFrom('.', '') });

/** An absolute, normalised directory: the workspace root or the home directory. */
const dir = fc.array(name, { minLength: 1, maxLength: 4 }).map((s) => '/' + s.join('/'));

interface Case { root: string; home: string; p: string }

/** Paths relative, absolute, home-relative, or written through the root (also a sibling whose name extends the root's). */
const caseArb: fc.Arbitrary<Case> = fc.record({ root: dir, home: dir, segs: fc.array(segment, { minLength: 1, maxLength: 10 }), form: fc.nat(6), suffix: name })
  .map(({ root, home, segs, form, suffix }) => {
    const rest = segs.join('/');
    const p = [rest, `/${rest}`, `~/${rest}`, `${root}/${rest}`, `${root}${suffix}/${rest}`, `${home}/${rest}`, '~'][form]!;
    return { root, home, p };
  })
  .filter((c) => c.p !== '');

/** Resolve like a POSIX shell would, one segment at a time, without node:path. */
function oracle(root: string, home: string, p: string): { segs: string[]; rel: string | null } {
  const split = (s: string) => s.split('/');
  const start = p === '~' ? split(home) : p.startsWith('~/') ? [...split(home), ...split(p.slice(2))] : p.startsWith('/') ? split(p) : [...split(root), ...split(p)];
  const segs: string[] = [];
  for (const s of start) {
    if (s === '' || s === '.') continue;
    if (s === '..') segs.pop();
    else segs.push(s);
  }
  const rootSegs = split(root).filter((s) => s !== '');
  const inside = rootSegs.every((s, i) => segs[i] === s) && segs.length >= rootSegs.length;
  return { segs, rel: inside ? (segs.slice(rootSegs.length).join('/') || '.') : null };
}

describe('fuzz: path normalisation', () => {
  it('agrees with an independent resolver on the absolute path and on inside/outside (case-sensitive)', () => {
    fc.assert(fc.property(caseArb, ({ root, home, p }) => {
      const n = normalisePath(root, home, p, { caseInsensitive: false });
      const want = oracle(root, home, p);
      assert.equal(n.abs, '/' + want.segs.join('/'));
      assert.equal(n.rel, want.rel);
    }), { numRuns: RUNS.pure });
  });

  it('is idempotent: normalising the absolute result again gives the same result, in both case modes', () => {
    fc.assert(fc.property(caseArb, fc.boolean(), ({ root, home, p }, caseInsensitive) => {
      const n = normalisePath(root, home, p, { caseInsensitive });
      assert.deepEqual(normalisePath(root, home, n.abs, { caseInsensitive }), n);
    }), { numRuns: RUNS.pure });
  });

  it('a workspace-relative result always names the same file as the absolute path (case-insensitive, Unicode case pairs)', () => {
    fc.assert(fc.property(caseArb, ({ root, home, p }) => {
      const n = normalisePath(root, home, p, { caseInsensitive: true });
      if (n.rel === null) {
        // Outside, even ignoring case: some root segment differs.
        const lower = (s: string) => s.toLowerCase();
        const absSegs = n.abs.split('/').filter(Boolean).map(lower);
        const rootSegs = root.split('/').filter(Boolean).map(lower);
        assert.ok(!rootSegs.every((s, i) => absSegs[i] === s), `${n.abs} is inside ${root} ignoring case but was called outside`);
        return;
      }
      assert.ok(!n.rel.split('/').includes('..'), `rel ${n.rel} climbs out`);
      assert.ok(!n.rel.startsWith('/'), `rel ${n.rel} is absolute`);
      if (n.rel === '.') {
        assert.equal(n.abs.toLowerCase(), root.toLowerCase());
        return;
      }
      // The relative part is exactly the tail of the absolute path, and what precedes it is the root (ignoring case).
      assert.ok(n.abs.endsWith('/' + n.rel), `rel ${JSON.stringify(n.rel)} is not the tail of ${JSON.stringify(n.abs)}`);
      const head = n.abs.slice(0, n.abs.length - n.rel.length - 1);
      assert.equal(head.toLowerCase(), root.toLowerCase(), `${JSON.stringify(n.abs)} was called inside ${JSON.stringify(root)} as ${JSON.stringify(n.rel)}`);
    }), {
      numRuns: RUNS.pure,
      // Found by this property: with the root's case folded by offset, `Xsrc/a.ts` under `/ws/İ` was decided as `src/a.ts`.
      examples: [[{ root: '/ws/İ', home: '/h', p: 'Xsrc/a.ts' }], [{ root: '/İ', home: '/a', p: ' ' }]],
    });
  });

  it('`..`-heavy paths that climb past the root are outside unless they come back into the root itself', () => {
    fc.assert(fc.property(dir, fc.integer({ min: 1, max: 8 }), fc.array(name, { maxLength: 3 }), (root, ups, tail) => {
      const depth = root.split('/').filter(Boolean).length;
      const p = [...Array<string>(depth + ups).fill('..'), ...tail].join('/');
      const n = normalisePath(root, '/home/u', p, { caseInsensitive: false });
      // Climbing past `/` stays at `/`: the result is `/tail`, inside only if that is the root or below it.
      assert.equal(n.abs, '/' + tail.join('/'));
      const inside = n.abs === root || n.abs.startsWith(root + '/');
      assert.equal(n.rel !== null, inside);
    }), { numRuns: RUNS.pure });
  });

  it('refuses every path containing NUL, wherever it is, with path.invalid', () => {
    fc.assert(fc.property(caseArb, fc.nat(), fc.boolean(), ({ root, home, p }, at, caseInsensitive) => {
      const i = at % (p.length + 1);
      const withNul = p.slice(0, i) + '\0' + p.slice(i);
      assert.throws(() => normalisePath(root, home, withNul, { caseInsensitive }),
        (e: unknown) => e instanceof AirlockError && e.code === 'path.invalid' && /NUL/.test(e.message));
    }), { numRuns: RUNS.pure });
  });
});
