// Terminal and UI injection: agent-chosen strings (paths, URLs, argv, thrown messages) reach `airlock log`, `policy
// explain` and approval requests escaped visibly, one line per field; JSON output stays exact.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Arena, RecordingPrompter } from './support.js';
import { runAirlock } from '../support/cli.js';
import { hasUnsafeDisplayCharacters } from '../../sandbox/protocol/display.js';

/** A forged log line (CR LF, ANSI erase-line), an OSC retitle, a C1 CSI and a bidi override. */
const FORGED = 'src/x.ts\r\n\x1b[2K#99 2026-01-01T00:00:00Z decision fs.write "src/ok.ts" -> allow (policy)';
const OSC = '\x1b]0;pwned\x07';
const BIDI = 'evil\u202etxt.exe';
const C1 = 'a\u009b31mred';

/** Nothing a terminal would interpret: no ESC, CR, BEL, C1, bidi or zero-width character; newlines only between lines. */
function assertTerminalSafe(text: string, what: string): void {
  for (const line of text.split('\n')) assert.equal(hasUnsafeDisplayCharacters(line), false, `${what}: ${JSON.stringify(line)}`);
}

describe('adversarial: terminal and UI injection', function () {
  this.timeout(60_000);
  let arena: Arena;
  const prompter = new RecordingPrompter(() => ({ answer: 'deny' }));
  afterEach(() => arena?.close());

  it('airlock log prints one escaped line per entry; --json keeps every string exact', async () => {
    arena = new Arena({ policy: { version: 1, default: 'ask', fs: { write: { allow: ['src/**'] } } }, prompter });
    const task = arena.startTask();
    await arena.perform(task, { action: 'fs.write', path: FORGED, content: 'x' });
    await arena.perform(task, { action: 'fs.write', path: `notes/${OSC}${BIDI}`, content: 'x' });
    await arena.perform(task, { action: 'exec', argv: ['echo', C1] });
    await arena.enforcer.runScript(task, `throw new Error(${JSON.stringify(`boom${OSC}\r\n\x1b[2Kforged`)})`);
    await arena.enforcer.close();
    arena.log.close();
    const entries = fs.readFileSync(arena.logFile, 'utf8').trim().split('\n').length;

    const pretty = await runAirlock(['log', arena.logFile]);
    assert.equal(pretty.code, 0, pretty.stderr);
    assertTerminalSafe(pretty.stdout, 'airlock log');
    assert.equal(pretty.stdout.trimEnd().split('\n').length, entries, 'one printed line per entry');
    assert.match(pretty.stdout, /\\x1B\]0;pwned\\x07/);
    assert.match(pretty.stdout, /evil\\u202Etxt\.exe/);

    const json = await runAirlock(['log', arena.logFile, '--json']);
    const targets = json.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { target?: string }).target);
    assert.ok(targets.includes(FORGED), 'the JSON target is the raw path, byte for byte');
    assert.ok(targets.includes(`notes/${OSC}${BIDI}`));
  });

  it('policy explain and policy test print escaped lines; --json stays exact', async () => {
    arena = new Arena({ policy: { version: 1, default: 'ask', fs: { write: { allow: ['src/**'] } } } });
    const policy = path.join(arena.root, '.airlock', 'policy.json');
    const explained = await runAirlock(['policy', 'explain', '--policy', policy, '--workspace', arena.root, '--baseline', 'none', 'fs.write', `${FORGED}${OSC}`]);
    assert.equal(explained.code, 0, explained.stderr);
    assertTerminalSafe(explained.stdout, 'policy explain');
    assert.equal(explained.stdout.trimEnd().split('\n').length <= 2, true, explained.stdout);
    const asJson = await runAirlock(['policy', 'explain', '--policy', policy, '--workspace', arena.root, '--baseline', 'none', '--json', 'exec', 'echo', BIDI]);
    assert.ok((JSON.parse(asJson.stdout) as { reason: string }).reason.includes(BIDI), 'the JSON reason keeps the raw argument');

    fs.writeFileSync(policy, JSON.stringify({ version: 1, default: 'ask', fs: { write: { allow: ['src/**'] } }, tests: [{ action: 'fs.write', target: `src/${OSC}`, expect: 'deny' }] }));
    const tested = await runAirlock(['policy', 'test', policy, '--workspace', arena.root, '--baseline', 'none']);
    assert.equal(tested.code, 1);
    assertTerminalSafe(tested.stdout, 'policy test');
    assertTerminalSafe(tested.stderr, 'policy test (stderr)');
  });

  it('CLI errors escape the names they print', async () => {
    const missing = await runAirlock(['log', `/nonexistent/${OSC}\r\nforged`]);
    assert.equal(missing.code, 2);
    assertTerminalSafe(missing.stderr, 'airlock log error');
    assert.match(missing.stderr, /\\x1B\]0;pwned\\x07\\r\\nforged/);
    const unknown = await runAirlock(['policy', 'explain', `fs.wr${OSC}`, 'x']);
    assert.equal(unknown.code, 2);
    assertTerminalSafe(unknown.stderr, 'policy explain error');
  });

  it('approval requests carry a display-safe target, reason and intent beside the raw target', async () => {
    const asked = new RecordingPrompter(() => ({ answer: 'deny' }));
    arena = new Arena({ policy: { version: 1, default: 'ask', fs: { write: { allow: ['src/**'] } } }, prompter: asked });
    const task = arena.enforcer.startTask({ intent: `fix${OSC}\u202e`, scope: { fs: { write: { allow: ['src/**'] } } } }).id;
    await arena.perform(task, { action: 'fs.write', path: FORGED.replace('src/', 'notes/'), content: 'x' });
    await arena.perform(task, { action: 'exec', argv: ['rm', '-rf', `${BIDI}\n`] });
    assert.equal(asked.asked.length, 2);
    const [write, exec] = asked.asked;
    assert.equal(write!.target, FORGED.replace('src/', 'notes/'), 'the raw target stays exact');
    for (const r of asked.asked) {
      for (const text of [r.display.target, r.display.reason, r.display.intent, ...r.suggestions.map((s) => s.label)]) {
        assert.equal(hasUnsafeDisplayCharacters(text), false, JSON.stringify(text));
      }
    }
    assert.equal(exec!.display.target, `rm -rf 'evil\\u202Etxt.exe\\n'`);
    assert.equal(write!.display.intent, 'fix\\x1B]0;pwned\\x07\\u202E');
    arena.assertCanariesIntact();
    assert.equal(arena.existsWs('notes'), false);
  });
});
