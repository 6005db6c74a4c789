/** Where one group's consumer is in its life. */
export type ConsumerState =
  | 'idle'
  | 'connecting'
  | 'connected'
  | 'joined'
  | 'rebalancing'
  | 'crashed'
  | 'restarting'
  | 'stopping'
  | 'stopped';

/** A state change of one group's consumer, as logged and emitted by the framework. */
export interface ConsumerStatusEvent {
  readonly groupId: string;
  readonly state: ConsumerState;
  readonly at: Date;
  /** Topic → partitions this member owns, after a join. */
  readonly assignment?: Readonly<Record<string, number[]>>;
  readonly error?: unknown;
  /** Human-readable detail: why it crashed, when it restarts … */
  readonly detail?: string;
}
