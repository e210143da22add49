// Configuration sources: load the conf directories, and watch them for changes (the config/ I/O edge's public face).
export { loadConfDirs, loadJob, scanConfDirs, type LoadResult, type ScanResult } from './confLoader.ts';
export { watchConfDirs, type ConfChange, type ConfWatcher, type WatchOptions } from './watcher.ts';
