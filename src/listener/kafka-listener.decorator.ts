import { attachPropertyDataToClass, MS_CONSUMER_KEY } from '@midwayjs/core';
import type { KafkaListenerOptions } from '../interface';

/**
 * Binds a method of a `@Consumer(MSListenerType.KAFKA)` class to a topic. It stores the same
 * metadata as `KafkaListener` from `@midwayjs/core`, so either import works; this one also types
 * the options this component adds (groupId, retry, deadLetter, deserializer …).
 */
export function KafkaListener(topic: string, options: KafkaListenerOptions = {}): MethodDecorator {
  return (target, propertyKey) => {
    const data: KafkaListenerOptions = { ...options, topic, propertyKey: String(propertyKey) };
    attachPropertyDataToClass(MS_CONSUMER_KEY, data, target, propertyKey as string);
  };
}
