// Runs inside the VS Code extension host (@vscode/test-electron): the extension activates on a workspace with .airlock/,
// registers its commands, and reports a broken policy in the Problems panel.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

exports.run = async function run() {
  const vscode = require('vscode');
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false });
  mocha.suite.emit('pre-require', globalThis, 'airlock', mocha);
  describe('Airlock in the VS Code extension host', () => {
    it('activates on .airlock/ and registers every command', async () => {
      const ext = vscode.extensions.getExtension('airlock.airlock');
      assert.ok(ext, 'the extension is installed');
      await ext.activate();
      const commands = await vscode.commands.getCommands(true);
      for (const id of ['startTask', 'endTask', 'stopAll', 'showLog', 'verifyLog', 'runSession', 'createPolicy', 'explainDecision']) {
        assert.ok(commands.includes(`airlock.${id}`), `airlock.${id}`);
      }
    });
    it('shows a policy error in Problems at its line', async () => {
      const root = vscode.workspace.workspaceFolders[0].uri.fsPath;
      const file = path.join(root, '.airlock', 'policy.json');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"default": "ask"', '"default": "maybe"'));
      const uri = vscode.Uri.file(file);
      for (let i = 0; i < 200; i++) {
        const found = vscode.languages.getDiagnostics(uri).find((d) => d.source === 'airlock');
        if (found) { assert.equal(found.range.start.line, 4); return; }
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.fail('no airlock diagnostic appeared');
    });
  });
  await new Promise((resolve, reject) => mocha.run((failures) => (failures ? reject(new Error(`${failures} failed`)) : resolve())));
};
