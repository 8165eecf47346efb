import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Fields that could carry secrets or personal data are redacted at the
 * source; callers log ids (tenant, journey), never names or e-mails.
 */
export function createLogger(options: {
  level: string;
  name: string;
  /** Where lines go (standard output by default; tests capture them). */
  destination?: pino.DestinationStream;
}): Logger {
  const settings = {
    name: options.name,
    level: options.level,
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        '*.password',
        '*.secret',
        '*.apiKey',
        '*.token',
        'email',
        '*.email',
      ],
      censor: '[redacted]',
    },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
