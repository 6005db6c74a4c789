/** What POST /orders accepts and what travels on the `orders` topic. */
export interface Order {
  id: string;
  sku: string;
  quantity: number;
  /**
   * Demo only, to show the failure paths: 'flaky' fails twice with a temporary error and then
   * succeeds; 'broken' fails on every attempt and ends in the dead-letter topic.
   */
  simulate?: 'flaky' | 'broken';
}

export const ORDERS_TOPIC = 'orders';
/** midway-kafka's default dead-letter topic of `orders`. */
export const ORDERS_DLT = `${ORDERS_TOPIC}.DLT`;
