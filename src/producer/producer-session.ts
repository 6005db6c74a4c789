import type { Producer } from 'kafkajs';

/**
 * Owns the kafkajs producer behind `KafkaService` and replaces it after a failed send.
 *
 * Why: when kafkajs gives up on a produce request of an idempotent producer, it rolls the
 * partition's sequence number back although the broker may have written the records (a lost
 * response). The next request would then reuse those sequence numbers and be dropped as a
 * duplicate or fail as out of order. Kafka's Java producer bumps its epoch in that case; the
 * equivalent here is a new producer, which gets a new producer id from the broker.
 */
export class ProducerSession {
  private current: Producer | undefined;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private stale = false;
  private replacing: Promise<void> | undefined;
  private readonly retiring = new Set<Promise<void>>();

  constructor(
    private readonly create: () => Producer,
    /** Upper bound for one connect, in ms: kafkajs's own retries decide most failures sooner. */
    private readonly connectTimeoutMs: number,
    /** Whether a failed send makes the producer stale (idempotent, non-transactional producers). */
    private readonly replaceAfterFailure: boolean,
  ) {}

  get producer(): Producer | undefined {
    return this.current;
  }

  async connect(): Promise<void> {
    this.current = await this.connectNew();
  }

  /** Runs one send with the current producer; a failure marks the producer stale. */
  async run<T>(send: (producer: Producer) => Promise<T>): Promise<T> {
    await this.ensureFresh();
    const producer = this.current;
    if (!producer) throw new Error('The Kafka producer is not connected');
    this.inFlight++;
    try {
      return await send(producer);
    } catch (error) {
      if (this.replaceAfterFailure && producer === this.current) this.stale = true;
      throw error;
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.wakeIdleWaiters();
    }
  }

  async disconnect(): Promise<void> {
    const producer = this.current;
    this.current = undefined;
    await Promise.allSettled([producer?.disconnect(), ...this.retiring]);
  }

  private async ensureFresh(): Promise<void> {
    while (this.replacing || this.stale) {
      if (!this.replacing) {
        this.replacing = this.replace().finally(() => (this.replacing = undefined));
      }
      // A failed replacement fails this send; the next send tries again.
      await this.replacing;
    }
  }

  private async replace(): Promise<void> {
    await this.idle();
    const next = await this.connectNew();
    const old = this.current;
    this.current = next;
    this.stale = false;
    if (old) this.retire(old);
  }

  private retire(producer: Producer): void {
    const done = producer.disconnect().catch(() => undefined);
    this.retiring.add(done);
    done.finally(() => this.retiring.delete(done));
  }

  private async connectNew(): Promise<Producer> {
    const producer = this.create();
    let timer: NodeJS.Timeout | undefined;
    const connecting = producer.connect();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no connection within ${this.connectTimeoutMs} ms`)),
        this.connectTimeoutMs,
      );
    });
    try {
      await Promise.race([connecting, timeout]);
      return producer;
    } catch (error) {
      connecting.catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise(resolve => this.idleWaiters.push(resolve));
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
