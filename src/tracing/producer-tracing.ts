import type { Message } from 'kafkajs';
import type { SendObservation } from '../observability/observer';
import type { Tracing } from './otel';

type Headers = Record<string, string | Buffer | (string | Buffer)[]>;

/**
 * Each `KafkaService` call runs in a PRODUCER span named `send <topic>`, a child of the context
 * active where it was called, and every message of the call carries that span's trace context in
 * its `traceparent` (and `tracestate`) header. The caller's messages are copied, never changed.
 */
export class ProducerTracing {
  constructor(private readonly tracing: Tracing) {}

  /** Undefined while no SDK is registered (or for a call that is not a list of messages). */
  begin(topic: string, messages: unknown): SendObservation | undefined {
    const tracer = this.tracing.tracerNow();
    // Not a list: left to the service's own checks, which reject it.
    if (!tracer || !Array.isArray(messages)) return undefined;
    const { api } = this.tracing;
    const parent = api.context.active();
    const span = tracer.startSpan(
      `send ${topic}`,
      {
        kind: api.SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.operation.name': 'send',
          'messaging.destination.name': topic,
          ...(messages.length > 1 ? { 'messaging.batch.message_count': messages.length } : {}),
        },
      },
      parent,
    );
    const context = api.trace.setSpan(parent, span);
    const traced = messages.map((message: Message | null) => {
      if (message === null || typeof message !== 'object') return message;
      const given = message.headers;
      if (given !== undefined && (given === null || typeof given !== 'object')) return message;
      const headers: Headers = { ...(given as Headers | undefined) };
      this.tracing.inject(context, headers);
      return { ...message, headers };
    });
    return {
      messages: traced,
      end: outcome => {
        if (outcome instanceof Promise) {
          outcome.then(
            () => span.end(),
            (error: unknown) => this.tracing.fail(span, error),
          );
        } else {
          this.tracing.fail(span, outcome);
        }
      },
    };
  }
}
