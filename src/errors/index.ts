export * from './kafka-component-error';
