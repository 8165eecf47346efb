import busboy from 'busboy';
import type { Request } from 'express';
import { HttpError } from '../http-errors.js';

/**
 * Reads a result upload: part `result` (the JSON) and part `report` (the PDF), the report capped
 * at `limit` bytes (413 beyond). Other parts are refused.
 */
export function readResultUpload(
  req: Request,
  limit: number,
): Promise<{ json: string | null; report: Buffer | null }> {
  return new Promise((resolve, reject) => {
    let json: string | null = null;
    let report: Buffer | null = null;
    let failed: HttpError | null = null;
    const fail = (e: HttpError) => {
      failed ??= e;
    };
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { fileSize: limit, files: 1, fields: 1, fieldSize: 1024 * 1024 },
      });
    } catch {
      return reject(new HttpError(400, 'invalid_input', 'the multipart body cannot be read', 'body'));
    }
    bb.on('field', (name, value, info) => {
      if (name !== 'result') return fail(new HttpError(422, 'invalid', `unexpected part ${name}`, name));
      if (info.valueTruncated)
        return fail(new HttpError(413, 'body_too_large', 'the result part is too large', 'result'));
      json = value;
    });
    bb.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      if (name !== 'report') {
        stream.resume();
        return fail(new HttpError(422, 'invalid', `unexpected part ${name}`, name));
      }
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () =>
        fail(new HttpError(413, 'report_too_large', `the report exceeds ${limit} bytes`, 'report')),
      );
      stream.on('close', () => {
        if (!failed) report = Buffer.concat(chunks);
      });
    });
    bb.on('filesLimit', () =>
      fail(new HttpError(422, 'invalid', 'only one report part is allowed', 'report')),
    );
    bb.on('error', () =>
      reject(new HttpError(400, 'invalid_input', 'the multipart body cannot be read', 'body')),
    );
    bb.on('close', () => (failed ? reject(failed) : resolve({ json, report })));
    req.pipe(bb);
  });
}
