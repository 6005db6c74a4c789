import { printReport } from './support/ledger';
import { runProcessFault } from './support/process-fault';

jest.setTimeout(240_000);

describe('fault: the consumer process gets SIGTERM mid-stream', () => {
  it('stops gracefully and, after a restart in the same group, neither loses nor repeats a message', async () => {
    const outcome = await runProcessFault('SIGTERM');
    printReport(outcome.report, { handledByFirstProcess: outcome.handledByFirst });

    expect(outcome.firstExit).toEqual({ code: 0, signal: null });
    expect(outcome.handledByFirst).toBeLessThan(outcome.report.produced);
    expect(outcome.lost).toEqual([]);
    expect(outcome.report.duplicates).toBe(0);
    expect(outcome.secondExit.code).toBe(0);
  });
});
