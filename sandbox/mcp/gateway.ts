// The port to the editor's approval gateway (the socket the VS Code extension serves for a workspace), as the MCP
// server uses it. The real client lives in sandbox/gateway/client.ts once that branch is merged; this file only names
// its shape, so the server takes any connector with exactly that shape.
import type { ApprovalAnswer, ApprovalRequest } from '../pipeline/types.js';

/** A connection to the editor that asks the user. Same shape as sandbox/gateway/client.ts's GatewayClient. */
export interface GatewayClient {
  ask(request: ApprovalRequest, signal?: AbortSignal): Promise<ApprovalAnswer>;
  close(): void;
}

/** Connects to the editor serving this workspace; null when none is there. Same shape as connectGateway(). */
export type ConnectGateway = (workspaceRoot: string) => Promise<GatewayClient | null>;

/** Until the gateway branch is merged, no editor is reachable: asks go to elicitation, else they are denied. */
const noGateway: ConnectGateway = async () => null;

// GATEWAY: after merging issue 14, replace noGateway with `connectGateway` imported from '../gateway/client.js'.
export const defaultConnectGateway: ConnectGateway = noGateway;
