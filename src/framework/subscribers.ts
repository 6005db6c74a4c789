/** A tiny typed event list: add returns its own remover; a throwing subscriber never breaks the others. */
export class Subscribers<T> {
  private readonly listeners = new Set<(event: T) => void>();

  add(listener: (event: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: T): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A subscriber's bug must not stop the consumer that reports to it.
      }
    }
  }
}
