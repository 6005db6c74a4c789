import type { Consumer } from 'kafkajs';
import { testKafka, uniqueName, waitFor } from './kafka';

export interface Received {
  readonly value: string;
  readonly partition: number;
  readonly offset: string;
  readonly at: number;
}

/** A plain kafkajs consumer joining an app's consumer group, as another member would. */
export interface RawMember {
  readonly received: Received[];
  /** Its assignment after each join, in order. */
  readonly assignments: Record<string, number[]>[];
  readonly startedAt: number;
  /** Resolves once it has joined the group `times` times. */
  joined(times?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface RawMemberOptions {
  /** kafkajs's RoundRobin assigner orders members by id, which starts with the client id. */
  clientId?: string;
  /** Commit what it received (kafkajs's auto-commit); default true. */
  autoCommit?: boolean;
}

/** `topics`: every topic the app's group consumes (kafkajs's assigners expect equal subscriptions). */
export async function joinRawMember(
  groupId: string,
  topics: string | string[],
  options: RawMemberOptions = {},
): Promise<RawMember> {
  const consumer: Consumer = testKafka(options.clientId ?? uniqueName('raw-member')).consumer({
    groupId,
  });
  const received: Received[] = [];
  const assignments: Record<string, number[]>[] = [];
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
    assignments.push(payload.memberAssignment),
  );
  const startedAt = Date.now();
  await consumer.connect();
  await consumer.subscribe({
    topics: Array.isArray(topics) ? topics : [topics],
    fromBeginning: false,
  });
  await consumer.run({
    autoCommit: options.autoCommit ?? true,
    eachMessage: async ({ message, partition }) => {
      received.push({
        value: String(message.value),
        partition,
        offset: message.offset,
        at: Date.now(),
      });
    },
  });
  return {
    received,
    assignments,
    startedAt,
    joined: (times = 1) =>
      waitFor(() => assignments.length >= times, `the raw member's join #${times}`, 60_000),
    stop: () => consumer.disconnect(),
  };
}
