/** Something that runs JVMs and must not outlive this process. */
export interface Reapable {
  /** Graceful, asynchronous stop (signals). */
  stop(): Promise<void>;
  /** Last resort inside process.on('exit'): kill synchronously and remove the data. */
  killSync(): void;
}

const running = new Set<Reapable>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type HandledSignal = (typeof SIGNALS)[number];
const signalHandlers = new Map<HandledSignal, () => void>();

function onExit(): void {
  for (const item of running) item.killSync();
}

/** Stops every broker this process started (used by signal handlers and the CLI). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map(item => item.stop().catch(() => undefined)));
}

function handlerFor(signal: HandledSignal): () => void {
  return () => {
    void stopAll().finally(() => {
      removeSignalHandlers();
      // Only re-raise when nobody else listens: then the default (terminate) applies as it
      // would have without us. If the application handles the signal, the choice is theirs.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };
}

function removeSignalHandlers(): void {
  for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
  signalHandlers.clear();
}

/** Hooks are installed only while something runs, and removed with the last one. */
export function register(item: Reapable): void {
  if (running.size === 0) {
    process.on('exit', onExit);
    for (const signal of SIGNALS) {
      const handler = handlerFor(signal);
      signalHandlers.set(signal, handler);
      process.on(signal, handler);
    }
  }
  running.add(item);
}

export function unregister(item: Reapable): void {
  if (!running.delete(item) || running.size > 0) return;
  process.removeListener('exit', onExit);
  removeSignalHandlers();
}
