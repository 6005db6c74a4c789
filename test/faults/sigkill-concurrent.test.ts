import { printReport } from './support/ledger';
import { runProcessFault } from './support/process-fault';

jest.setTimeout(240_000);

describe('fault: a consumer process with concurrency: 16 is killed with SIGKILL mid-stream', () => {
  it('loses nothing: commits never passed a message that had not finished', async () => {
    const outcome = await runProcessFault('SIGKILL', { concurrency: 16 });
    printReport(outcome.report, { handledByFirstProcess: outcome.handledByFirst });

    expect(outcome.firstExit.signal).toBe('SIGKILL');
    expect(outcome.handledByFirst).toBeLessThan(outcome.report.produced);
    expect(outcome.lost).toEqual([]);
    expect(outcome.report.handled).toBe(outcome.report.produced + outcome.report.duplicates);
    expect(outcome.secondExit.code).toBe(0);
  });
});
