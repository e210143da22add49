// Package entry point: the typed API programs import from 'upstart-ts'.
export type { JobClassSpec, ProcessName, ProcessSpec } from './model/jobClass.ts';
export type { Condition, EventOperand, MatchArg } from './model/condition.ts';
export type { InstanceStatus, JournalEntry } from './model/engineApi.ts';
export { connect, ControlClient, ControlError } from './control/client.ts';
export type { CommandResult, Subscription, WaitOption } from './control/client.ts';
export { chooseSocket, parseSessionAddress, SYSTEM_SOCKET } from './control/address.ts';
export { PROTOCOL_VERSION } from './control/protocol.ts';
export type { ConfigSummary, ErrorCode, Reply, Request, SessionInfo } from './control/protocol.ts';
export type { WhyReport, LeafReport } from './model/engineApi.ts';
