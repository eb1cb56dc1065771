// The Tasks view's model and the status bar: expired tasks disappear on time, the kill switch shows until a new task.
import assert from 'node:assert/strict';
import { TasksModel, grantRow, statusView, taskRow, timeLeft } from '../../src/tasks/model.js';
import type { TaskInfo } from '../../sandbox/protocol/protocol.js';

const task = (id: string, expiresIn: number, extra: Partial<TaskInfo> = {}): TaskInfo => ({ id, intent: `task ${id}`, started: Date.now(), expires: Date.now() + expiresIn, ...extra });

describe('tasks model', () => {
  it('drops a task the moment it expires, with its grants', async () => {
    const model = new TasksModel();
    let changes = 0;
    model.onChange(() => changes++);
    model.set([task('a', 150), task('b', 60_000)], [{ id: 'g1', taskId: 'a', scope: 'task', kind: 'fs.write', target: 'docs/**', created: 0 }]);
    assert.deepEqual(model.tasks.map((t) => t.id).sort(), ['a', 'b']);
    const start = Date.now();
    while (model.tasks.some((t) => t.id === 'a') && Date.now() - start < 2000) await new Promise((r) => setTimeout(r, 10));
    const took = Date.now() - start;
    assert.deepEqual(model.tasks.map((t) => t.id), ['b']);
    assert.deepEqual(model.grants, []);
    assert.ok(took < 1000, `gone after ${took} ms`);
    assert.ok(changes >= 2);
    model.dispose();
  });

  it('the kill switch empties the view at once and stays visible until a new task starts', () => {
    const model = new TasksModel();
    model.set([task('a', 60_000)], []);
    model.killedAll();
    assert.equal(model.tasks.length, 0);
    const stopped = statusView({ harness: 'ready', policyOk: true, killed: model.killed, tasks: 0, pending: 0 });
    assert.equal(stopped.tone, 'error');
    assert.match(stopped.text, /all agents stopped/);
    model.started(task('b', 60_000));
    const running = statusView({ harness: 'ready', policyOk: true, killed: model.killed, active: model.active!, tasks: 1, pending: 2 });
    assert.equal(running.tone, 'warning');
    assert.equal(running.text, '$(shield) task b · 2 pending');
    model.dispose();
  });

  it('an invalid policy or a missing harness wins over everything else on the status bar', () => {
    assert.match(statusView({ harness: 'ready', policyOk: false, killed: true, tasks: 0, pending: 1 }).text, /policy invalid — all denied · 1 pending/);
    assert.equal(statusView({ harness: 'unavailable', policyOk: true, killed: false, tasks: 0, pending: 0 }).tone, 'error');
    assert.match(statusView({ harness: 'restarting', policyOk: true, killed: false, tasks: 0, pending: 0 }).text, /restarting/);
  });

  it('rows escape what the agent or the policy chose, and show origin and time left', () => {
    const row = taskRow(task('x', 90 * 60_000, { intent: 'evil\u202Eexe', template: 'fix\ntests' }), Date.now());
    assert.equal(row.label, 'evil\\u202Eexe');
    assert.match(row.description, /^template fix\\ntests · 1 h 30 min left$/);
    assert.match(taskRow(task('y', 60_000), Date.now()).description, /^typed scope · 1 min left$/);
    assert.deepEqual(grantRow({ id: 'g', taskId: 'y', scope: 'task', kind: 'exec', target: ['npm', 'run', '*'], created: 0 }), { label: 'exec ["npm","run","*"]', description: 'for the task' });
    assert.equal(timeLeft(Date.now() + 30_000, Date.now()), '30 s left');
  });
});
