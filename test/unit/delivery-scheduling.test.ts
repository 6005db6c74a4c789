import { CompletionWatermark } from '../../src/consumer/delivery/completion-watermark';
import { KeyScheduler } from '../../src/consumer/delivery/key-scheduler';

describe('KeyScheduler', () => {
  it('starts messages of free keys at once and holds those of busy keys, in order', () => {
    const scheduler = new KeyScheduler<string>(3);
    expect(scheduler.add('a', 'a1')).toBe(true);
    expect(scheduler.add('b', 'b1')).toBe(true);
    expect(scheduler.add('a', 'a2')).toBe(false);
    expect(scheduler.add('a', 'a3')).toBe(false);
    expect(scheduler.running).toBe(2);
    expect(scheduler.waitingCount).toBe(2);
    // a1 finishing starts a2 in its place; a3 still waits for a2.
    expect(scheduler.finish('a')).toBe('a2');
    expect(scheduler.running).toBe(2);
    expect(scheduler.finish('a')).toBe('a3');
    expect(scheduler.finish('a')).toBeUndefined();
    expect(scheduler.running).toBe(1);
    expect(scheduler.add('a', 'a4')).toBe(true);
  });

  it('is full at its limit, whatever the keys', () => {
    const scheduler = new KeyScheduler<string>(2);
    scheduler.add('a', 'a1');
    expect(scheduler.full).toBe(false);
    scheduler.add(null, 'n1');
    expect(scheduler.full).toBe(true);
    scheduler.finish(null);
    expect(scheduler.full).toBe(false);
  });

  it('never holds a message without a key (null): it is a key of its own', () => {
    const scheduler = new KeyScheduler<string>(5);
    expect(scheduler.add(null, 'n1')).toBe(true);
    expect(scheduler.add(null, 'n2')).toBe(true);
    expect(scheduler.waitingCount).toBe(0);
  });

  it('drops the waiting messages of a key whose message could not finish', () => {
    const scheduler = new KeyScheduler<string>(4);
    scheduler.add('a', 'a1');
    scheduler.add('a', 'a2');
    scheduler.add('b', 'b1');
    expect(scheduler.abandon('a')).toBe(1);
    expect(scheduler.running).toBe(1);
    expect(scheduler.waitingCount).toBe(0);
  });
});

describe('CompletionWatermark', () => {
  it('moves only over offsets that finished without a gap', () => {
    const watermark = new CompletionWatermark();
    const [a, b, c] = ['10', '11', '12'].map(offset => watermark.track(offset));
    expect(watermark.finish(b)).toBeUndefined();
    expect(watermark.watermark).toBeUndefined();
    expect(watermark.finish(a)).toBe('11');
    expect(watermark.complete).toBe(false);
    expect(watermark.finish(c)).toBe('12');
    expect(watermark.complete).toBe(true);
  });
});
