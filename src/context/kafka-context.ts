import type { Consumer, KafkaMessage } from 'kafkajs';
import type { IMidwayKafkaApplication, IMidwayKafkaContext } from '../interface';

/** What a context needs from the partition it was created on. */
export interface PartitionScope {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly consumer: Consumer;
  heartbeat(): Promise<void>;
  pause(): () => void;
  commitOffsets(offset: string | number | bigint): Promise<void>;
}

const SCOPE = Symbol('midway-kafka:partition-scope');

/** The Kafka half of a context; Midway adds the request container, logger and attributes. */
class KafkaContextFields {
  readonly [SCOPE]: PartitionScope;
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly consumer: Consumer;

  constructor(
    scope: PartitionScope,
    readonly message: KafkaMessage,
    readonly payload: unknown,
    readonly attempt: number,
  ) {
    this[SCOPE] = scope;
    this.groupId = scope.groupId;
    this.topic = scope.topic;
    this.partition = scope.partition;
    this.consumer = scope.consumer;
  }

  commitOffsets(offset: string | number | bigint): Promise<void> {
    return this[SCOPE].commitOffsets(offset);
  }

  heartbeat(): Promise<void> {
    return this[SCOPE].heartbeat();
  }

  pause(): () => void {
    return this[SCOPE].pause();
  }
}

/** A fresh request-scoped context for one delivery of `message` to one listener. */
export function createKafkaContext(
  app: IMidwayKafkaApplication,
  scope: PartitionScope,
  message: KafkaMessage,
  payload: unknown,
  attempt: number,
): IMidwayKafkaContext {
  const fields = new KafkaContextFields(scope, message, payload, attempt);
  return app.createAnonymousContext(fields as unknown as IMidwayKafkaContext);
}
