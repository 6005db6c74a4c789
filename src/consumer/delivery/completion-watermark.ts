/**
 * Offsets of one partition handed out in order and finished in any order. The watermark is the
 * last offset below which everything finished: only it may be committed (as watermark + 1), so a
 * commit never passes a message that is still running, waiting or failed.
 */
export class CompletionWatermark {
  private readonly offsets: string[] = [];
  private readonly finished: boolean[] = [];
  /** Index of the first offset not finished yet. */
  private next = 0;

  /** Registers the next offset handed out; returns its index. */
  track(offset: string): number {
    this.offsets.push(offset);
    this.finished.push(false);
    return this.offsets.length - 1;
  }

  /**
   * Marks the offset at `index` finished. Returns the new watermark offset when it moved, else
   * undefined.
   */
  finish(index: number): string | undefined {
    this.finished[index] = true;
    if (index !== this.next) return undefined;
    while (this.next < this.finished.length && this.finished[this.next]) this.next++;
    return this.offsets[this.next - 1];
  }

  /** The last offset below which everything finished, if any. */
  get watermark(): string | undefined {
    return this.next === 0 ? undefined : this.offsets[this.next - 1];
  }

  /** True when every tracked offset finished. */
  get complete(): boolean {
    return this.next === this.offsets.length;
  }
}
