import type { RequestHandler, Response } from 'express';
import { ASSUMPTIONS } from './assumptions.js';
import type { SandboxSettings } from './deps.js';

/** The answer of a removed API (ASSUMPTIONS.v1RetiredAnswer), for v1 routes and the v1-key mint. */
export function answerRetired(res: Response): void {
  const a = ASSUMPTIONS.v1RetiredAnswer;
  res.setHeader('Sunset', a.sunset);
  res.status(a.status).json({ message: a.message });
}

/** In front of `/v1` and `/auth/token`: answers as retired unless the settings keep v1 live. */
export function v1RetiredGate(settings: SandboxSettings): RequestHandler {
  return (_req, res, next) => (settings.v1 === 'retired' ? answerRetired(res) : next());
}
