/**
 * Errors a service raises for its caller to show a person: the API maps `kind` to an HTTP status,
 * `field` names the input at fault. Messages are plain words and never carry secrets.
 */
export type ServiceErrorKind = 'not_found' | 'conflict' | 'invalid' | 'precondition' | 'upstream_unavailable';

export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(
    readonly kind: ServiceErrorKind,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
