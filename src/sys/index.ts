// The whole system seam in one namespace (`import * as sys`): every sys/ concern, for code that uses several.
export * from './spawn.ts';
export * from './reaper.ts';
export * from './fds.ts';
export * from './pty.ts';
export * from './pump.ts';
export * from './proc.ts';
export * from './socket.ts';
export { SyscallError } from './syscallError.ts';
export { SpawnError } from './spawnError.ts';
export * from './memory.ts';
