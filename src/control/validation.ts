import type { z } from 'zod';
import { ApiError } from '../errors/api-error.js';

/** Validates an ARM request body; the 400 names the first offending field as a JSON path. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized: the body must be a JSON object.');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(body)';
  throw new ApiError(400, 'InvalidRequestContent', `The request content was invalid: '${path}': ${issue.message}`, { target: path });
}

/** ARM's 404 for a resource that is not in the resource group (the message Azure Resource Manager gives). */
export function resourceNotFound(type: string, name: string, rg: string): ApiError {
  return new ApiError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
}
