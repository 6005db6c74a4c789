/** What a stretch of request traffic came to. */
export interface TrafficSummary {
  sent: number;
  /** Calls that got the reply to their own request. */
  ok: number;
  /** Calls that got a reply meant for another request: must stay empty. */
  wrong: string[];
  /** Calls that rejected, by error code (or name). */
  failures: Record<string, number>;
}

/**
 * Keeps `concurrency` requests in flight, each with a unique id, until stopped, and checks that
 * every reply is the one to its own request (the replier echoes the id).
 */
export class Traffic {
  private running = false;
  private lanes: Promise<void>[] = [];
  private sequence = 0;
  private readonly summary: TrafficSummary = { sent: 0, ok: 0, wrong: [], failures: {} };

  constructor(
    private readonly request: (payload: { id: string }) => Promise<unknown>,
    private readonly prefix: string,
    private readonly concurrency: number,
  ) {}

  start(): void {
    this.running = true;
    this.lanes = Array.from({ length: this.concurrency }, () => this.lane());
  }

  /** Stops sending and resolves once every call in flight settled. */
  async stop(): Promise<TrafficSummary> {
    this.running = false;
    await Promise.all(this.lanes);
    return this.progress();
  }

  progress(): TrafficSummary {
    return {
      ...this.summary,
      wrong: [...this.summary.wrong],
      failures: { ...this.summary.failures },
    };
  }

  private async lane(): Promise<void> {
    while (this.running) {
      const id = `${this.prefix}-${this.sequence++}`;
      this.summary.sent++;
      try {
        const reply = (await this.request({ id })) as { id?: unknown } | null;
        if (reply?.id === id) this.summary.ok++;
        else this.summary.wrong.push(`${id} got ${JSON.stringify(reply)}`);
      } catch (error) {
        const { code, name } = error as { code?: unknown; name?: unknown };
        const key = String(code ?? name ?? error);
        this.summary.failures[key] = (this.summary.failures[key] ?? 0) + 1;
      }
    }
  }
}
