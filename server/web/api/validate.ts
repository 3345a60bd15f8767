import type { z } from 'zod';
import { AppError } from '../../lib/errors';

/** Parses at the edge; every issue becomes a field → message-key entry of one 422. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const path = issue.path.join('.') || '_';
    if (fields[path]) continue;
    fields[path] = issue.code === 'unrecognized_keys' ? 'errors.unknown_field' : issue.message.startsWith('errors.') ? issue.message : 'errors.invalid';
  }
  throw new AppError('VALIDATION_FAILED', 422, 'errors.validation_failed', fields);
}
