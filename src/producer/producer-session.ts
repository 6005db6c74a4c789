import type { Producer } from 'kafkajs';

const RETIRE_TIMEOUT_MS = 10_000;

export interface ProducerSessionOptions {
  create(): Producer;
  /** Upper bound for one connect, in ms: kafkajs's own retries decide most failures sooner. */
  connectTimeoutMs: number;
  /** Upper bound for one send, retries included, in ms. */
  sendTimeoutMs: number;
  /** Idempotent producers are replaced after any failed send (see the class comment). */
  idempotent: boolean;
  /** A transactional producer is never replaced: that would break the open transaction. */
  transactional: boolean;
}

/** How one send may use the session's producer. */
export interface RunOptions {
  /**
   * Keep the producer after a failed send when this says so: the caller makes its sequence
   * numbers right again itself (see `resendIsolated`), or calls `discard`.
   */
  keepProducerOn?: (error: unknown) => boolean;
  /** Send only with this producer: fail without sending if it was replaced meanwhile. */
  onlyOn?: Producer;
}

/** `RunOptions.onlyOn`'s producer is no longer the session's: nothing was sent. */
export class ProducerReplacedError extends Error {
  override readonly name = 'KafkaServiceProducerReplaced';
  constructor() {
    super('the producer was replaced after another failed send');
  }
}

/** A send got no answer within `kafka.sendTimeout`; `toSendError` reports it as broker unavailable. */
export class SendTimeoutError extends Error {
  override readonly name = 'KafkaServiceSendTimeout';
  constructor(timeoutMs: number) {
    super(`no answer from Kafka within kafka.sendTimeout (${timeoutMs} ms)`);
  }
}

/**
 * Owns the kafkajs producer behind `KafkaService` and replaces it when it cannot be trusted.
 *
 * - After a failed send of an idempotent producer: kafkajs rolls the partition's sequence number
 *   back although the broker may have written the records (a lost response), so the next request
 *   would reuse those numbers and be dropped as a duplicate or fail as out of order. Kafka's Java
 *   producer bumps its epoch then; the equivalent here is a new producer with a new producer id.
 * - After a send timed out: kafkajs can wait forever on a connection that died silently, so the
 *   send is abandoned and the old producer disconnected, which also ends its stuck request.
 */
export class ProducerSession {
  private current: Producer | undefined;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private stale = false;
  private closed = false;
  private replacing: Promise<void> | undefined;
  private readonly retiring = new Set<Promise<void>>();

  constructor(private readonly options: ProducerSessionOptions) {}

  get producer(): Producer | undefined {
    return this.current;
  }

  async connect(): Promise<void> {
    this.current = await this.connectNew();
  }

  /** Runs one send with the current producer, within `sendTimeoutMs`. */
  async run<T>(send: (producer: Producer) => Promise<T>, options?: RunOptions): Promise<T> {
    const only = options?.onlyOn;
    if (only && (only !== this.current || this.stale || this.replacing)) {
      throw new ProducerReplacedError();
    }
    await this.ensureFresh();
    const producer = this.current;
    if (!producer) throw new Error('The Kafka producer is not connected');
    this.inFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.inFlight--;
      if (this.inFlight === 0) this.wakeIdleWaiters();
    };
    let timer: NodeJS.Timeout | undefined;
    const sending = send(producer);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SendTimeoutError(this.options.sendTimeoutMs)),
        this.options.sendTimeoutMs,
      );
    });
    try {
      return await Promise.race([sending, timeout]);
    } catch (error) {
      if (error instanceof SendTimeoutError) {
        // Abandon the stuck send: it settles (or not) on the old producer, which is retired.
        sending.catch(() => undefined);
        release();
        if (!this.options.transactional) this.markStale(producer);
      } else if (!options?.keepProducerOn?.(error)) {
        this.discard(producer);
      }
      throw error;
    } finally {
      clearTimeout(timer);
      release();
    }
  }

  async disconnect(): Promise<void> {
    this.closed = true;
    const producer = this.current;
    this.current = undefined;
    await Promise.allSettled([producer?.disconnect(), ...this.retiring]);
  }

  /**
   * Replaces an idempotent producer before the next send: its sequence numbers may no longer
   * match what the broker wrote.
   */
  discard(producer: Producer): void {
    if (this.options.idempotent && !this.options.transactional) this.markStale(producer);
  }

  private markStale(producer: Producer): void {
    if (producer === this.current) this.stale = true;
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
    const old = this.current;
    // Retire first: a producer stuck on a dead connection is released by its disconnect.
    if (old) this.retire(old);
    this.current = undefined;
    const next = await this.connectNew();
    if (this.closed) {
      await next.disconnect().catch(() => undefined);
      throw new Error('The Kafka producer was stopped');
    }
    this.current = next;
    this.stale = false;
  }

  private retire(producer: Producer): void {
    // A disconnect over a dead connection may never finish; stop must not wait for it forever.
    const done = Promise.race([
      producer.disconnect().catch(() => undefined),
      new Promise<void>(resolve => setTimeout(resolve, RETIRE_TIMEOUT_MS).unref()),
    ]);
    this.retiring.add(done);
    done.finally(() => this.retiring.delete(done));
  }

  private async connectNew(): Promise<Producer> {
    const producer = this.options.create();
    let timer: NodeJS.Timeout | undefined;
    const connecting = producer.connect();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no connection within ${this.options.connectTimeoutMs} ms`)),
        this.options.connectTimeoutMs,
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
