export * from './kafka-component-error';
export * from './handler-errors';
