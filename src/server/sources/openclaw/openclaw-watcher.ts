/** File watching behind a small interface, so tests can pass a fake and drive changes themselves. */
import { watch as chokidarWatch, type FSWatcher } from 'chokidar'
import type { Disposer } from '../source.js'

export type WatchEventKind = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir'

export interface WatchTarget {
  /** Directory (or file) to watch. */
  path: string
  /** Levels of subdirectories to descend into. */
  depth: number
  /** Whether a path below `path` (file or directory) is of interest; others are not even descended into. */
  accept(path: string): boolean
}

export interface FsWatcher {
  /** Starts watching; resolves once the initial scan of the targets is done. */
  watch(
    targets: WatchTarget[],
    onEvent: (kind: WatchEventKind, path: string) => void,
    onError: (err: unknown) => void,
  ): Promise<Disposer>
}

export interface ChokidarWatcherOptions {
  /** Poll instead of native events (network file systems). Default is false. */
  usePolling?: boolean
  /** Poll interval in ms when polling. Default is 250. */
  interval?: number
}

export function createChokidarWatcher(options: ChokidarWatcherOptions = {}): FsWatcher {
  return {
    async watch(targets, onEvent, onError) {
      const watchers: FSWatcher[] = []
      const ready: Promise<void>[] = []
      for (const target of targets) {
        const w = chokidarWatch(target.path, {
          ignoreInitial: true,
          depth: target.depth,
          awaitWriteFinish: false,
          persistent: true,
          usePolling: options.usePolling ?? false,
          interval: options.interval ?? 250,
          ignored: (path: string) => path !== target.path && !target.accept(path),
        })
        w.on('all', (event, path) => {
          if (event === 'add' || event === 'change' || event === 'unlink' || event === 'addDir' || event === 'unlinkDir') {
            onEvent(event, path)
          }
        })
        w.on('error', (err) => onError(err))
        ready.push(new Promise<void>((resolve) => w.once('ready', () => resolve())))
        watchers.push(w)
      }
      await Promise.all(ready)
      return async () => {
        await Promise.all(watchers.map((w) => w.close()))
      }
    },
  }
}
