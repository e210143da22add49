// The daemon's fd store: listening sockets the bridges hand over (FDSTORE=1 on the notify socket) under a name, for the jobs their events start.

/** What the store needs of the system: closing an fd. */
export interface FdStoreSys {
  closeFd(fd: number): void;
}

/**
 * Invariants: each name holds one fd the daemon owns; a new deposit under a name closes the fd
 * it replaces; remove() and close() close what they drop. Names follow systemd's FDNAME rules
 * (1-255 printable characters, no ':'), since LISTEN_FDNAMES joins them with ':'.
 */
export class FdStore {
  private readonly fds = new Map<string, number>();

  constructor(private readonly sys: FdStoreSys, private readonly limit = 256) {}

  static validName(name: string): boolean {
    return name.length > 0 && name.length <= 255 && /^[\x21-\x7e]+$/.test(name) && !name.includes(':');
  }

  /** Keeps `fd` under `name` (closing an fd it replaces); false (and `fd` closed) when the name is bad or the store full. */
  deposit(name: string, fd: number): boolean {
    if (!FdStore.validName(name) || (!this.fds.has(name) && this.fds.size >= this.limit)) {
      this.sys.closeFd(fd);
      return false;
    }
    const old = this.fds.get(name);
    this.fds.set(name, fd);
    if (old !== undefined && old !== fd) this.sys.closeFd(old);
    return true;
  }

  get(name: string): number | undefined {
    return this.fds.get(name);
  }

  remove(name: string): boolean {
    const fd = this.fds.get(name);
    if (fd === undefined) return false;
    this.fds.delete(name);
    this.sys.closeFd(fd);
    return true;
  }

  /** Every name with its fd, by name (what a re-exec hands over). */
  entries(): Array<[string, number]> {
    return [...this.fds.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  names(): string[] {
    return [...this.fds.keys()].sort();
  }

  close(): void {
    for (const fd of this.fds.values()) this.sys.closeFd(fd);
    this.fds.clear();
  }
}
