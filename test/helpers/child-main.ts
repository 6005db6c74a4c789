/**
 * The frame of an app a test runs in a child process: `start` boots it; the parent then gets
 * `{ type: 'ready' }` over IPC. SIGTERM stops it gracefully (exit 0, or 1 if stopping failed); a
 * failed start exits 2, and losing the parent (the test is gone) exits 3, so no orphan lingers.
 */
export function runChildApp(start: () => Promise<() => Promise<unknown>>): void {
  process.on('disconnect', () => process.exit(3));
  start().then(
    stop => {
      process.once('SIGTERM', () => {
        stop().then(
          () => process.exit(0),
          error => {
            console.error('stopping the app failed:', error);
            process.exit(1);
          },
        );
      });
      process.send?.({ type: 'ready' });
    },
    error => {
      console.error(error);
      process.exit(2);
    },
  );
}
