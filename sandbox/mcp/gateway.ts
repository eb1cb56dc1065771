// The port to the editor's approval gateway (the socket `airlock host` serves for a workspace while the VS Code
// extension runs it), as the MCP server uses it: a connector of this shape, by default the real gateway client.
import type { ApprovalAnswer, ApprovalRequest } from '../pipeline/types.js';
import { connectGateway } from '../gateway/client.js';

/** A connection to the editor that asks the user. Same shape as sandbox/gateway/client.ts's GatewayClient. */
export interface GatewayClient {
  ask(request: ApprovalRequest, signal?: AbortSignal): Promise<ApprovalAnswer>;
  close(): void;
}

/** Connects to the editor serving this workspace; null when none is there. */
export type ConnectGateway = (workspaceRoot: string) => Promise<GatewayClient | null>;

export const defaultConnectGateway: ConnectGateway = connectGateway;
