// Whether the daemon is a container's init or a machine's, and why: the flags first, then the hints (pure over probes).
import { existsSync, readFileSync, readlinkSync } from 'node:fs';

/** What detection may look at; the real probes read the process environment and /proc. */
export interface ContainerProbes {
  env: Record<string, string | undefined>;
  /** Whether a path exists (/.dockerenv, /run/.containerenv). */
  exists(path: string): boolean;
  /** A file's text, or undefined if it cannot be read (/proc/self/cgroup). */
  readText(path: string): string | undefined;
  /** A symbolic link's target, or undefined if it cannot be read (/proc/self/ns/pid). */
  readLink(path: string): string | undefined;
}

export interface ContainerMode {
  container: boolean;
  /** How the mode was chosen, for the first log line: `--container given`, `/.dockerenv exists`, … */
  why: string;
}

/**
 * The inode number of the machine's first PID namespace. The kernel gives the initial namespaces
 * fixed inode numbers (PROC_PID_INIT_INO = 0xEFFFFFFC since Linux 3.8) and every namespace made
 * later one from the dynamic range above 0xF0000000, so `/proc/self/ns/pid` reading
 * `pid:[4026531836]` means "the first PID namespace" and any other number means "a PID namespace
 * someone made", from inside as well as outside.
 */
export const INITIAL_PID_NS = 'pid:[4026531836]';

/** Words in /proc/self/cgroup that only a container runtime puts there (cgroup v1, or v2 without a cgroup namespace). */
const RUNTIME_CGROUP = /(?:^|[/.:_-])(docker|containerd|kubepods|cri-containerd|crio|libpod|lxc)(?=$|[/.:_-])/m;

/**
 * Decides container or machine. `pid1` is whether the daemon is PID 1 of its namespace; only PID 1
 * is guessed about (a daemon that is not PID 1 is a container's init only with --container, so a
 * session init inside a development container stays a session init).
 */
export function detectContainerMode(flag: boolean | undefined, pid1: boolean, p: ContainerProbes): ContainerMode {
  if (flag === true) return { container: true, why: '--container given' };
  if (flag === false) return { container: false, why: '--no-container given' };
  if (!pid1) return { container: false, why: 'not PID 1 and no --container' };
  const hint = containerHint(p);
  if (hint !== undefined) return { container: true, why: hint };
  return { container: false, why: 'PID 1 of the first PID namespace, no container hint found' };
}

/** The first hint that the daemon runs in a container, or undefined. */
export function containerHint(p: ContainerProbes): string | undefined {
  // First, as it holds for every runtime (docker, podman, containerd, CRI-O, LXC, unshare, bubblewrap):
  // PID 1 of a namespace someone made. Unreadable (no /proc yet, early in a machine's boot): no
  // hint; every runtime mounts /proc.
  const ns = p.readLink('/proc/self/ns/pid');
  if (ns !== undefined && /^pid:\[\d+\]$/.test(ns) && ns !== INITIAL_PID_NS) return `PID 1 of a PID namespace that is not the machine's first (${ns})`;
  // Then what runtimes leave behind, for a container sharing the machine's PID namespace (docker --pid=host).
  const c = p.env.container;
  if (c !== undefined) return `container=${c} in the environment`;
  for (const f of ['/.dockerenv', '/run/.containerenv']) if (p.exists(f)) return `${f} exists`;
  if (p.env.KUBERNETES_SERVICE_HOST !== undefined) return 'KUBERNETES_SERVICE_HOST in the environment (a Kubernetes pod)';
  const cg = p.readText('/proc/self/cgroup');
  const m = cg === undefined ? null : RUNTIME_CGROUP.exec(cg);
  if (m) return `/proc/self/cgroup names ${m[1]}`;
  return undefined;
}

/**
 * The base of PID 1's job cgroups (inside its own cgroup): `upstart` in the machine's first PID
 * namespace; `upstart.pidns-N` as PID 1 of another (`ns` is the `/proc/self/ns/pid` link), whose
 * own cgroup sibling namespaces may share when there is no cgroup namespace (unshare, bubblewrap):
 * with one name, one daemon's cgroup.kill would reach the other's jobs. Stable across re-exec.
 */
export function pid1CgroupBase(ns: string | undefined): string {
  const m = ns === undefined || ns === INITIAL_PID_NS ? null : /^pid:\[(\d+)\]$/.exec(ns);
  return m ? `upstart.pidns-${m[1]}` : 'upstart';
}

/** The probes over the real file system and the given environment. */
export function realContainerProbes(env: Record<string, string | undefined>): ContainerProbes {
  const quiet = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch {
      return undefined;
    }
  };
  return {
    env,
    exists: (path) => existsSync(path),
    readText: (path) => quiet(() => readFileSync(path, 'utf8')),
    readLink: (path) => quiet(() => readlinkSync(path)),
  };
}
