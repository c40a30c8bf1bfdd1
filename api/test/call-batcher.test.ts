import { describe, expect, it } from 'vitest';
import { CallBatcher } from '../src/jobs/call-batcher.js';

/** A send function whose calls stay open until the test releases them. */
function controlledSend() {
  const calls: { items: number[]; release: (error?: Error) => void }[] = [];
  const send = (items: number[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ items, release: (error) => (error ? reject(error) : resolve()) });
    });
  return { calls, send };
}

describe('CallBatcher', () => {
  it('sends a lone item at once', async () => {
    const { calls, send } = controlledSend();
    const batcher = new CallBatcher(send);

    const added = batcher.add(1);
    expect(calls.map((call) => call.items)).toEqual([[1]]);
    calls[0]?.release();
    await expect(added).resolves.toBeUndefined();
  });

  it('groups items that arrive during a call', async () => {
    const { calls, send } = controlledSend();
    const batcher = new CallBatcher(send);

    const first = batcher.add(1);
    const waiting = [batcher.add(2), batcher.add(3), batcher.add(4)];
    expect(calls).toHaveLength(1);
    calls[0]?.release();
    await first;
    await new Promise((resolve) => setImmediate(resolve));

    expect(calls.map((call) => call.items)).toEqual([[1], [2, 3, 4]]);
    calls[1]?.release();
    await Promise.all(waiting);
  });

  it('caps the batch size', async () => {
    const { calls, send } = controlledSend();
    const batcher = new CallBatcher(send, 2);

    batcher.add(1);
    const rest = [2, 3, 4, 5].map((item) => batcher.add(item));
    calls[0]?.release();
    await new Promise((resolve) => setImmediate(resolve));
    calls[1]?.release();
    await new Promise((resolve) => setImmediate(resolve));
    calls[2]?.release();
    await Promise.all(rest);

    expect(calls.map((call) => call.items)).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('fails only the batch whose call failed', async () => {
    const { calls, send } = controlledSend();
    const batcher = new CallBatcher(send);

    const first = batcher.add(1);
    const second = batcher.add(2);
    calls[0]?.release(new Error('Redis is down'));
    await expect(first).rejects.toThrow('Redis is down');
    await new Promise((resolve) => setImmediate(resolve));
    calls[1]?.release();

    await expect(second).resolves.toBeUndefined();
  });

  it('drains every added item', async () => {
    const { calls, send } = controlledSend();
    const batcher = new CallBatcher(send);
    batcher.add(1);
    batcher.add(2);

    let drained = false;
    const draining = batcher.drain().then(() => {
      drained = true;
    });
    calls[0]?.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    calls[1]?.release();
    await draining;

    expect(drained).toBe(true);
  });

  it('spaces calls by the minimum interval', async () => {
    const { calls, send } = controlledSend();
    const batcher = new CallBatcher(send, 100, 80);

    const first = batcher.add(1);
    expect(calls).toHaveLength(1);
    calls[0]?.release();
    await first;
    const firstCallAt = Date.now();
    const rest = [batcher.add(2), batcher.add(3)];
    await new Promise((resolve) => setTimeout(resolve, 20));
    rest.push(batcher.add(4));
    expect(calls).toHaveLength(1);

    while (calls.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(Date.now() - firstCallAt).toBeGreaterThanOrEqual(70);
    expect(calls[1]?.items).toEqual([2, 3, 4]);
    calls[1]?.release();
    await Promise.all(rest);
  });

  it('sends at once after a quiet spell', async () => {
    const { calls, send } = controlledSend();
    const batcher = new CallBatcher(send, 100, 30);

    const first = batcher.add(1);
    calls[0]?.release();
    await first;
    await new Promise((resolve) => setTimeout(resolve, 40));

    const second = batcher.add(2);
    expect(calls.map((call) => call.items)).toEqual([[1], [2]]);
    calls[1]?.release();
    await second;
  });

  it('sends a full batch without waiting', async () => {
    const { calls, send } = controlledSend();
    const batcher = new CallBatcher(send, 2, 60_000);

    const first = batcher.add(1);
    calls[0]?.release();
    await first;
    const full = [batcher.add(2), batcher.add(3)];
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(calls.map((call) => call.items)).toEqual([[1], [2, 3]]);
    calls[1]?.release();
    await Promise.all(full);
  });

  it('drains items waiting for the interval', async () => {
    const { calls, send } = controlledSend();
    const batcher = new CallBatcher(send, 100, 50);

    const first = batcher.add(1);
    calls[0]?.release();
    await first;
    const second = batcher.add(2);
    const draining = batcher.drain();
    while (calls.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    calls[1]?.release();
    await draining;

    await expect(second).resolves.toBeUndefined();
    expect(calls.map((call) => call.items)).toEqual([[1], [2]]);
  });

  it('recovers from a synchronous throw', async () => {
    let calls = 0;
    const batcher = new CallBatcher<number>((): Promise<void> => {
      calls += 1;
      if (calls === 1) throw new Error('bad batch');
      return Promise.resolve();
    });

    await expect(batcher.add(1)).rejects.toThrow('bad batch');
    await expect(batcher.add(2)).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});
