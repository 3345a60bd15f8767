import busboy from 'busboy';
import type { Request } from 'express';

/**
 * Reads the organisation order form (multipart/form-data: text fields plus at most one
 * beneficiaries file) into memory, within strict limits. Never throws for bad input: the
 * caller turns each failure into a page (403 / 413 / 400), never a 5xx.
 */
export const MULTIPART_LIMITS = {
  /** A 10 000-row beneficiaries CSV is well under 1 MB; 2 MB leaves room for long messages. */
  fileBytes: 2 * 1024 * 1024,
  files: 1,
  /** The form has about 30 fields; the rest is room for a few more lines, not for a flood. */
  fields: 80,
  fieldBytes: 2_000,
  /**
   * Beyond this declared or counted size the request is refused without reading on: a
   * file a little over the limit still gets the form back with its values, a huge body does not.
   */
  requestBytes: 8 * 1024 * 1024,
} as const;

export interface UploadedFile {
  filename: string;
  bytes: Buffer;
}

export type MultipartFailure =
  /** Not multipart at all, or unreadable: no token can be read from it either. */
  | 'not_multipart'
  | 'malformed'
  /** The one file is over `fileBytes` (the other fields were still read). */
  | 'file_too_large'
  /** More files, fields or bytes than the form can hold: not a browser filling our form. */
  | 'too_many_parts'
  | 'request_too_large';

export interface MultipartResult {
  /** Every text field, repeated names in order; values over `fieldBytes` are marked in `truncated`. */
  fields: Map<string, string[]>;
  truncated: Set<string>;
  file: UploadedFile | null;
  /** Every accepted file by field name, when the form has several file inputs (`file` is the first). */
  files: Map<string, UploadedFile>;
  /** The file fields that were over `fileBytes` (the failure says 'file_too_large'). */
  tooLargeFiles: Set<string>;
  failure: MultipartFailure | null;
}

export function readMultipart(req: Request, fileField: string | readonly string[], limits: { [K in keyof typeof MULTIPART_LIMITS]: number } = MULTIPART_LIMITS): Promise<MultipartResult> {
  const fileFields: readonly string[] = typeof fileField === 'string' ? [fileField] : fileField;
  const result: MultipartResult = { fields: new Map(), truncated: new Set(), file: null, files: new Map(), tooLargeFiles: new Set(), failure: null };
  if (!req.is('multipart/form-data')) return Promise.resolve({ ...result, failure: 'not_multipart' });
  const declared = Number(req.get('content-length') ?? 0);
  if (declared > limits.requestBytes) return Promise.resolve(refuse(req, result, 'request_too_large'));

  return new Promise((resolve) => {
    let settled = false;
    const finish = (failure: MultipartFailure | null = null) => {
      if (settled) return;
      settled = true;
      // The worst failure wins: a too-large file is shown on the form, the others are not.
      if (failure && result.failure !== 'too_many_parts') result.failure = failure;
      resolve(result);
    };
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defCharset: 'utf8',
        defParamCharset: 'utf8',
        limits: { fileSize: limits.fileBytes, files: limits.files, fields: limits.fields, fieldSize: limits.fieldBytes, parts: limits.files + limits.fields, fieldNameSize: 100 },
      });
    } catch {
      // busboy refuses a multipart type without a boundary.
      return resolve({ ...result, failure: 'malformed' });
    }

    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // A chunked body has no declared length: count it.
      if (received > limits.requestBytes && !settled) {
        req.unpipe(parser);
        resolve(refuse(req, result, 'request_too_large'));
        settled = true;
      }
    });

    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) result.truncated.add(name);
      const list = result.fields.get(name) ?? [];
      list.push(value);
      result.fields.set(name, list);
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        chunks.push(c);
      });
      stream.on('limit', () => {
        result.failure ??= 'file_too_large';
        result.tooLargeFiles.add(name);
      });
      stream.on('end', () => {
        // An empty file input still sends a part with no name and no bytes: no file chosen.
        if (!fileFields.includes(name) || stream.truncated || (size === 0 && !info.filename)) return;
        const file = { filename: (info.filename ?? '').slice(0, 200), bytes: Buffer.concat(chunks, size) };
        result.files.set(name, file);
        result.file ??= file;
      });
    });
    for (const event of ['filesLimit', 'fieldsLimit', 'partsLimit'] as const) {
      parser.on(event, () => {
        result.failure = 'too_many_parts';
      });
    }
    parser.on('error', () => {
      req.unpipe(parser);
      req.resume();
      finish('malformed');
    });
    parser.on('close', () => finish());
    // The browser went away mid-upload: nothing more will come.
    req.on('close', () => {
      if (!req.complete) finish('malformed');
    });
    req.pipe(parser);
  });
}

/** Stops reading a body we will not use; the connection is closed after the answer. */
function refuse(req: Request, result: MultipartResult, failure: MultipartFailure): MultipartResult {
  req.res?.set('Connection', 'close');
  req.resume();
  return { ...result, failure };
}
