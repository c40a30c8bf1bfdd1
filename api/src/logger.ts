import { pino } from 'pino';

/** The process-wide logger. Child loggers carry a `context` field naming the module that logs. */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  // Personal data must never reach the logs, even by accident through a logged request or object.
  redact: {
    paths: ['req.headers.cookie', 'req.headers.authorization', '*.phone', '*.reporterPhone', '*.recipient'],
    censor: '[redacted]',
  },
});

export function createLogger(context: string) {
  return logger.child({ context });
}
