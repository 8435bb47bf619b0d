/** Errors of the service layer; the HTTP layer maps `status` and `code` onto responses. */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path?: string,
    /** A run's current status, on a conflict with the run status machine. */
    readonly currentStatus?: string,
  ) {
    super(message)
    this.name = 'ServiceError'
  }
}

export class NotFoundError extends ServiceError {
  constructor(what: string, id: string | number) {
    super(404, 'not_found', `${what} ${JSON.stringify(String(id))} not found`)
  }
}

export class ValidationError extends ServiceError {
  constructor(message: string, path?: string) {
    super(400, 'invalid_request', message, path)
  }
}

export class ConflictError extends ServiceError {
  constructor(message: string, where: { path?: string; currentStatus?: string } = {}) {
    super(409, 'conflict', message, where.path, where.currentStatus)
  }
}

export class UnauthorizedError extends ServiceError {
  constructor(message: string) {
    super(401, 'unauthorized', message)
  }
}

export class ForbiddenError extends ServiceError {
  constructor(message: string) {
    super(403, 'forbidden', message)
  }
}
