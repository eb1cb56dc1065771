// The Tasks tree view: running tasks (intent, scope origin, time left) with their grants and revoke actions.
import * as vscode from 'vscode';
import { grantRow, taskRow, type TasksModel } from './model.js';

type Node = { kind: 'task'; taskId: string } | { kind: 'grant'; grantId: string; taskId: string };

export class TasksTree implements vscode.TreeDataProvider<Node> {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly model: TasksModel) {
    model.onChange(() => this.refresh());
  }

  refresh(): void { this.emitter.fire(undefined); }

  getChildren(node?: Node): Node[] {
    if (!node) return this.model.tasks.map((t) => ({ kind: 'task', taskId: t.id }));
    if (node.kind === 'task') return this.model.grants.filter((g) => g.taskId === node.taskId).map((g) => ({ kind: 'grant', grantId: g.id, taskId: g.taskId }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'task') {
      const t = this.model.tasks.find((x) => x.id === node.taskId);
      const row = t ? taskRow(t, Date.now()) : { label: node.taskId, description: 'ended', tooltip: '' };
      const hasGrants = this.model.grants.some((g) => g.taskId === node.taskId);
      const item = new vscode.TreeItem(row.label, hasGrants ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      item.description = row.description;
      item.tooltip = row.tooltip;
      item.contextValue = 'airlock.task';
      item.iconPath = new vscode.ThemeIcon('shield');
      return Object.assign(item, { taskId: node.taskId });
    }
    const g = this.model.grants.find((x) => x.id === node.grantId);
    const row = g ? grantRow(g) : { label: node.grantId, description: '' };
    const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
    item.description = row.description;
    item.contextValue = 'airlock.grant';
    item.iconPath = new vscode.ThemeIcon('key');
    return Object.assign(item, { grantId: node.grantId });
  }
}
