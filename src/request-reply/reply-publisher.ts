import type { ILogger } from '@midwayjs/core';
import type { Message, ProducerRecord, RecordMetadata } from 'kafkajs';
import { buildReply, type ReplyAddress } from './wire';

/** The request a reply answers, for logs. */
export interface RequestOrigin {
  readonly listener: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * The replier side: publishes a listener's result (or error) to the reply topic and partition
 * the request named, with its correlation id. Replies go through the application's batching
 * producer and are not waited for, as NestJS and Spring do too: the partition goes on with its
 * next request meanwhile. A reply that cannot be published is logged with its request.
 */
export class ReplyPublisher {
  constructor(
    private readonly send: (record: ProducerRecord) => Promise<RecordMetadata[]>,
    private readonly logger: ILogger,
  ) {}

  /** Answers with `value`; a value that cannot be serialised is answered with that error. */
  reply(address: ReplyAddress, value: unknown, origin: RequestOrigin): void {
    let message: Message;
    try {
      message = buildReply(address, { value });
    } catch (error) {
      const problem = new Error(
        `${origin.listener} returned a reply that cannot be serialised: ${(error as Error).message}`,
      );
      this.logger.error(`[midway-kafka] ${problem.message} (request ${describe(origin)})`);
      message = buildReply(address, { error: problem });
    }
    this.publish(address, message, origin).catch(() => undefined);
  }

  /** Answers with `error`; resolves false (after logging) if the reply could not be published. */
  async replyError(address: ReplyAddress, error: unknown, origin: RequestOrigin): Promise<boolean> {
    try {
      await this.publish(address, buildReply(address, { error }), origin);
      return true;
    } catch {
      return false;
    }
  }

  private async publish(
    address: ReplyAddress,
    message: Message,
    origin: RequestOrigin,
  ): Promise<void> {
    try {
      await this.send({ topic: address.topic, messages: [message] });
    } catch (error) {
      this.logger.error(
        `[midway-kafka] ${origin.listener}: the reply to ${describe(origin)} could not be published ` +
          `to "${address.topic}"${address.partition === undefined ? '' : `[${address.partition}]`}; ` +
          'its caller gets no reply:',
        error,
      );
      throw error;
    }
  }
}

function describe(origin: RequestOrigin): string {
  return `${origin.topic}[${origin.partition}]@${origin.offset}`;
}
