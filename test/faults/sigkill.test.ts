import { printReport } from './support/ledger';
import { runProcessFault } from './support/process-fault';

// Two app processes boot through ts-node, and a killed member's session has to expire.
jest.setTimeout(240_000);

describe('fault: the consumer process is killed with SIGKILL mid-stream', () => {
  it('loses nothing after a restart in the same group; duplicates are only the uncommitted tail', async () => {
    const outcome = await runProcessFault('SIGKILL');
    printReport(outcome.report, { handledByFirstProcess: outcome.handledByFirst });

    expect(outcome.firstExit.signal).toBe('SIGKILL');
    expect(outcome.handledByFirst).toBeLessThan(outcome.report.produced);
    expect(outcome.lost).toEqual([]);
    // At-least-once: what was handled but not yet committed comes again, nothing more.
    expect(outcome.report.handled).toBe(outcome.report.produced + outcome.report.duplicates);
    expect(outcome.secondExit.code).toBe(0);
  });
});
