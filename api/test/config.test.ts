import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('applies the delivery defaults', () => {
    const config = loadConfig({});

    expect(config.OUTBOX_JOB_INTERVAL_MS).toBe(100);
    expect(config.WORKER_NICENESS).toBe(10);
  });

  it.each([
    ['OUTBOX_JOB_INTERVAL_MS', '-1'],
    ['OUTBOX_JOB_INTERVAL_MS', '20000'],
    ['OUTBOX_JOB_INTERVAL_MS', 'soon'],
    ['WORKER_NICENESS', '20'],
    ['WORKER_NICENESS', '-5'],
    ['WORKER_NICENESS', '2.5'],
  ])('rejects %s=%s naming the setting', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(`Invalid configuration: ${name}:`);
  });
});
