// The control server alone (engine faked: this measures the control path), for bench/initctl.
import { ControlServer } from '../../src/control/server.ts';
import { FakeEngine, FakeHooks } from '../../test/unit/control/fakeEngine.ts';

const path = process.argv[2] as string;
const engine = new FakeEngine();
for (let i = 0; i < 200; i++) engine.add(`svc${i}`);
engine.setInstances('svc7', [{ job: 'svc7', instance: '', goal: 'start', state: 'running', processes: [{ process: 'main', pid: 4321 }] }]);
const uid = process.getuid?.() ?? 0;
const server = new ControlServer({ path, engine, hooks: new FakeHooks(), mode: 'session', ownerUid: uid, peerCred: () => ({ pid: 0, uid, gid: 0 }) });
await server.listen();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
