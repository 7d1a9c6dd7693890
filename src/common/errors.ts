/**
 * Failures at the edge: one class per condition with a stable code. The HTTP shells map them to
 * status codes in one place each, so a refused request never looks like a crash.
 */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'NOT_ACCEPTABLE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'CONFLICT'
  | 'SERVICE_UNAVAILABLE';

export class MeridianError extends Error {
  constructor(readonly code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A request that failed validation; the message names the field. */
export class ValidationError extends MeridianError {
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

export const HTTP_STATUS_OF_ERROR: Readonly<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CONFLICT: 409,
  SERVICE_UNAVAILABLE: 503,
};
