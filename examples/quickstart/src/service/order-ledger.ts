import { Provide, Scope, ScopeEnum } from '@midwayjs/core';
import type { DeadLetterInfo } from 'midway-kafka';

/** What happened to one order, from POST /orders to fulfilment or the dead-letter topic. */
export interface OrderRecord {
  id: string;
  partition?: number;
  offset?: string;
  /** How long KafkaService.emit took, in ms (the broker has the message when it resolves). */
  produceMs?: number;
  /** How many times the listener was called with the order. */
  attempts: number;
  status: 'accepted' | 'fulfilled' | 'dead-lettered';
  /** From the message's timestamp to the end of the successful handler, in ms. */
  endToEndMs?: number;
  /** What the kafka_dlt-* headers of the dead-lettered copy say. */
  deadLetter?: DeadLetterInfo;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  max: number;
}

export interface LedgerSummary {
  accepted: number;
  fulfilled: number;
  /** Orders whose listener was called more than once. */
  retried: number;
  /** Listener calls beyond the first, over all orders. */
  extraAttempts: number;
  deadLettered: number;
  produceMs: LatencySummary;
  endToEndMs: LatencySummary;
}

/** An in-memory account of every order this process saw; the demo and GET /stats read it. */
@Provide()
@Scope(ScopeEnum.Singleton)
export class OrderLedger {
  private readonly orders = new Map<string, OrderRecord>();

  accepted(id: string, partition: number, offset: string, produceMs: number): void {
    Object.assign(this.record(id), { partition, offset, produceMs });
  }

  attempted(id: string, attempt: number): void {
    const record = this.record(id);
    record.attempts = Math.max(record.attempts, attempt);
  }

  fulfilled(id: string, endToEndMs: number): void {
    Object.assign(this.record(id), { status: 'fulfilled', endToEndMs });
  }

  deadLettered(id: string, deadLetter: DeadLetterInfo): void {
    Object.assign(this.record(id), { status: 'dead-lettered', deadLetter });
  }

  get(id: string): OrderRecord | undefined {
    return this.orders.get(id);
  }

  summary(): LedgerSummary {
    const all = [...this.orders.values()];
    return {
      accepted: all.filter(o => o.produceMs !== undefined).length,
      fulfilled: all.filter(o => o.status === 'fulfilled').length,
      retried: all.filter(o => o.attempts > 1).length,
      extraAttempts: all.reduce((sum, o) => sum + Math.max(0, o.attempts - 1), 0),
      deadLettered: all.filter(o => o.status === 'dead-lettered').length,
      produceMs: summarize(all.map(o => o.produceMs)),
      endToEndMs: summarize(all.map(o => o.endToEndMs)),
    };
  }

  private record(id: string): OrderRecord {
    let record = this.orders.get(id);
    if (!record) {
      record = { id, attempts: 0, status: 'accepted' };
      this.orders.set(id, record);
    }
    return record;
  }
}

function summarize(values: (number | undefined)[]): LatencySummary {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const round = (v: number | undefined) => (v === undefined ? 0 : Math.round(v * 10) / 10);
  return {
    count: sorted.length,
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    max: round(sorted[sorted.length - 1]),
  };
}
