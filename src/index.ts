// Package entry point: the typed API programs import from 'upstart-ts'.
export type { JobClassSpec, ProcessName, ProcessSpec } from './model/jobClass.ts';
export type { Condition, EventOperand, MatchArg } from './model/condition.ts';
export type { InstanceStatus, JournalEntry } from './model/engineApi.ts';
