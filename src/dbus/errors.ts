// D-Bus error names: Upstart's com.ubuntu.Upstart0_6.Error.* for the engine's error codes, and the standard ones.
import { EngineError, type EngineErrorCode } from '../model/engineApi.ts';

const UPSTART_ERROR = 'com.ubuntu.Upstart0_6.Error';

export const DBUS_ERROR = {
  unknownMethod: 'org.freedesktop.DBus.Error.UnknownMethod',
  unknownObject: 'org.freedesktop.DBus.Error.UnknownObject',
  unknownInterface: 'org.freedesktop.DBus.Error.UnknownInterface',
  unknownProperty: 'org.freedesktop.DBus.Error.UnknownProperty',
  propertyReadOnly: 'org.freedesktop.DBus.Error.PropertyReadOnly',
  invalidArgs: 'org.freedesktop.DBus.Error.InvalidArgs',
  invalidSignature: 'org.freedesktop.DBus.Error.InvalidSignature',
  notSupported: 'org.freedesktop.DBus.Error.NotSupported',
  failed: 'org.freedesktop.DBus.Error.Failed',
  limitsExceeded: 'org.freedesktop.DBus.Error.LimitsExceeded',
} as const;

export const UPSTART_ERRORS = {
  unknownJob: `${UPSTART_ERROR}.UnknownJob`,
  unknownInstance: `${UPSTART_ERROR}.UnknownInstance`,
  alreadyStarted: `${UPSTART_ERROR}.AlreadyStarted`,
  alreadyStopped: `${UPSTART_ERROR}.AlreadyStopped`,
  jobFailed: `${UPSTART_ERROR}.JobFailed`,
  eventFailed: `${UPSTART_ERROR}.EventFailed`,
  notRunning: `${UPSTART_ERROR}.NotRunning`,
  permissionDenied: `${UPSTART_ERROR}.PermissionDenied`,
} as const;

/** An error reply: its D-Bus name and the text clients print (Upstart's initctl prints it after `initctl: `). */
export class DbusFault extends Error {
  constructor(readonly errorName: string, message: string) {
    super(message);
  }
}

const BY_CODE: Record<EngineErrorCode, string> = {
  'unknown-job': UPSTART_ERRORS.unknownJob,
  'unknown-instance': UPSTART_ERRORS.unknownInstance,
  'already-running': UPSTART_ERRORS.alreadyStarted,
  'already-stopped': UPSTART_ERRORS.alreadyStopped,
  'not-running': UPSTART_ERRORS.notRunning,
  failed: UPSTART_ERRORS.jobFailed,
  invalid: DBUS_ERROR.invalidArgs,
  denied: UPSTART_ERRORS.permissionDenied,
  // Custom actions (ours): no Upstart name exists for them.
  'unknown-action': DBUS_ERROR.invalidArgs,
  'action-running': DBUS_ERROR.failed,
};

/** The D-Bus error for an engine error; `emit` failures are EventFailed, as in Upstart. */
export function faultOf(err: EngineError, forEmit = false): DbusFault {
  const name = forEmit && err.code === 'failed' ? UPSTART_ERRORS.eventFailed : BY_CODE[err.code];
  return new DbusFault(name, err.message);
}
