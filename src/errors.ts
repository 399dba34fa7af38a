/**
 * Errors with a stable id, an HTTP status and a message safe to show a person. Anything
 * else reaching the error handler becomes a generic 500 page and one log line.
 */
export class AppError extends Error {
  constructor(
    readonly id: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export class ValidationError extends AppError {
  constructor(message: string) {
    super('validation_error', 400, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'That page does not exist.') {
    super('not_found', 404, message);
  }
}

export class AuthenticationError extends AppError {
  constructor(message = 'Please open this tool from your Canvas course.') {
    super('authentication_error', 401, message);
  }
}

export class AuthorizationError extends AppError {
  constructor(message = 'You do not have access to this page.') {
    super('authorization_error', 403, message);
  }
}

/** A launch refused before or during LTI validation; `code` is ltijs's or ours, for the logs. */
export class LaunchError extends AppError {
  constructor(
    readonly code: string,
    message: string,
    status = 401,
  ) {
    super('launch_refused', status, message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super('payload_too_large', 413, message);
  }
}

export class TooManyRequestsError extends AppError {
  constructor() {
    super('rate_limited', 429, 'Too many requests came from your network just now. Wait a minute and try again.');
  }
}
