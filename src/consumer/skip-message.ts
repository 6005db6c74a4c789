/**
 * A deserializer's answer for a message its listener does not take (an envelope of another type):
 * the listener is not called and the message is committed as handled, like a record Spring
 * Kafka's `RecordFilterStrategy` discards.
 */
export const SKIP_MESSAGE: unique symbol = Symbol('midway-kafka:skip-message');
