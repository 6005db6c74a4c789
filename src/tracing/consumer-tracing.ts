import type * as OtelApi from '@opentelemetry/api';
import type { KafkaMessage } from 'kafkajs';
import type { KafkaContext } from '../context/kafka-context';
import type { ListenerRuntime } from '../consumer/message-dispatcher';
import type { Tracing } from './otel';

/** Links a batch span keeps at most, one per message it carries. */
const MAX_LINKS = 128;

/**
 * Runs each delivery of the listener inside a CONSUMER span named `process <topic>`, with the
 * OpenTelemetry messaging attributes, whose parent is the context the message was sent from (its
 * `traceparent`): the handler's own spans (HTTP, database) join the producer's trace. Every retry
 * is a span of its own under the same parent. A batch's span links to each message's context.
 * While no SDK is registered the listener runs as it is (whether one is, is looked at per batch).
 */
export function traceListener(runtime: ListenerRuntime, tracing: Tracing): ListenerRuntime {
  const inner = runtime.invoke;
  const { plan } = runtime;
  const { api } = tracing;
  return {
    ...runtime,
    invoke: (ctx: KafkaContext) => {
      const tracer = tracing.current;
      if (!tracer) return inner(ctx);
      const batch = ctx.messages;
      const parent = batch ? api.ROOT_CONTEXT : tracing.extract(ctx.message);
      const span = tracer.startSpan(
        `process ${ctx.topic}`,
        {
          kind: api.SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'process',
            'messaging.operation.name': 'process',
            'messaging.destination.name': ctx.topic,
            'messaging.destination.partition.id': String(ctx.partition),
            'messaging.consumer.group.name': ctx.groupId,
            ...(batch ? batchAttributes(batch) : messageAttributes(ctx.message)),
            'midway_kafka.listener': plan.id,
            'midway_kafka.attempt': ctx.attempt,
          },
          links: batch ? batchLinks(tracing, batch) : undefined,
        },
        parent,
      );
      let result: unknown;
      try {
        result = api.context.with(api.trace.setSpan(parent, span), inner, undefined, ctx);
      } catch (error) {
        tracing.fail(span, error);
        throw error;
      }
      if (!(result instanceof Promise)) {
        span.end();
        return result;
      }
      return result.then(
        value => {
          span.end();
          return value;
        },
        (error: unknown) => {
          tracing.fail(span, error);
          throw error;
        },
      );
    },
  };
}

function messageAttributes(message: KafkaMessage): OtelApi.Attributes {
  const attributes: OtelApi.Attributes = {
    'messaging.kafka.offset': Number(message.offset),
    'messaging.message.body.size': message.value?.length ?? 0,
  };
  if (message.key) attributes['messaging.kafka.message.key'] = message.key.toString();
  if (message.value === null) attributes['messaging.kafka.message.tombstone'] = true;
  return attributes;
}

function batchAttributes(messages: readonly KafkaMessage[]): OtelApi.Attributes {
  return { 'messaging.batch.message_count': messages.length };
}

function batchLinks(tracing: Tracing, messages: readonly KafkaMessage[]): OtelApi.Link[] {
  const links: OtelApi.Link[] = [];
  for (const message of messages.slice(0, MAX_LINKS)) {
    const context = tracing.api.trace.getSpanContext(tracing.extract(message));
    if (context) links.push({ context });
  }
  return links;
}
