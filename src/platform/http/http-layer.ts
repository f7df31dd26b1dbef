/**
 * Cross-cutting HTTP behaviour shared by every route: request ids, the request log line, body
 * parsing, blank-value stripping, CORS, the error envelope, 404/405, and OpenAPI.
 * Registered before any module so that every route inherits it.
 */
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { connectionErrorKind, isConnectionError } from '../db/errors.js';
import { KvUnavailableError } from '../kv/kv.js';
import { codeForStatus, ErrorCodeSchema, errorStatus, type ErrorCode } from './error-codes.js';
import { AppError, serviceUnavailable } from './errors.js';
import { registerFiniteInput } from './finite-input.js';
import { registerJsonBody } from './json-body.js';
import { trackRoutes } from './method-not-allowed.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, once authentication has run (logged with errors). */
    userId?: bigint;
  }
  interface FastifyContextConfig {
    /** An HTML page (the reader site): its errors are answered with the error page, not JSON. */
    page?: boolean;
  }
}

/** What went wrong, as the error page shows it; the status comes from the code. */
export interface Problem {
  code: ErrorCode;
  message: unknown;
  /** Set on a masked 500: the id the person can quote. */
  requestId?: string;
}

/** Renders an error as an HTML page (set by the reader site). */
export type ErrorPage = (
  request: FastifyRequest,
  reply: FastifyReply,
  problem: Problem,
) => FastifyReply | Promise<FastifyReply>;

/** Paths of the APIs and tools: never answered with an HTML page, whatever Accept says. */
const API_PATH =
  /^\/(app|mp|admin|docs|openapi\.json|media|media-private|socket\.io|healthz|readyz|metrics|payments|assets)(\/|\?|$)/;

const errorPages = new WeakMap<FastifyInstance, ErrorPage>();

/** The reader site's error page, for its own routes and for unknown paths a browser asks for. */
export function setErrorPage(app: FastifyInstance, page: ErrorPage): void {
  errorPages.set(app, page);
}

function wantsPage(request: FastifyRequest, matched: boolean): boolean {
  // A page's own script asks with Accept: application/json and gets the API's error shape.
  if (matched)
    return request.routeOptions.config?.page === true && !(request.headers.accept ?? '').startsWith('application/json');
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (API_PATH.test(request.url)) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Accepts a sane upstream X-Request-Id (load balancers set one) so logs correlate across hops. */
export function requestIdFrom(header: string | string[] | undefined, fallback: () => string): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : fallback();
}

/** Contract §1.8: `null` and `""` mean "absent", in the query and at the top of a JSON body. */
function stripBlanks(value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (record[key] === null || record[key] === '') delete record[key];
  }
}

function validationMessage(error: FastifyError): Record<string, string> {
  const first = error.validation?.[0];
  if (!first) return { [error.validationContext ?? 'request']: error.message };
  const params = first.params as { missingProperty?: string; additionalProperty?: string };
  const path = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const field = params.missingProperty
    ? [path, params.missingProperty].filter(Boolean).join('.')
    : path || error.validationContext || 'request';
  const reason = params.missingProperty ? 'is required' : (first.message ?? 'is invalid');
  return { [field]: reason };
}

type SendError = (
  reply: FastifyReply,
  code: ErrorCode,
  message: unknown,
  headers?: Record<string, string>,
  extra?: Record<string, unknown>,
) => FastifyReply | Promise<FastifyReply>;

/** Every error body leaves through here, so none lacks its code; the code fixes the status. */
function sendJsonError(
  reply: FastifyReply,
  code: ErrorCode,
  message: unknown,
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
) {
  return reply
    .code(errorStatus(code))
    .headers(headers)
    .type('application/json; charset=utf-8')
    .send({ message, code, ...extra });
}

const CLIENT_ERRORS: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'Request body is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Unsupported content type.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['malformed_body', 'Invalid Content-Length.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['malformed_body', 'Empty JSON body.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['malformed_body', 'Malformed JSON body.'],
};

/**
 * During an outage every request fails the same way; one line per kind of failure per interval
 * (with how many were not logged since) tells the operator as much as thousands of stacks would.
 */
export class OutageLog {
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The number suppressed since the last line when this one should be logged, else undefined. */
  admit(kind: string): number | undefined {
    const now = this.now();
    const last = this.#last.get(kind);
    if (last && now - last.at < this.intervalMs) {
      last.suppressed++;
      return undefined;
    }
    this.#last.set(kind, { at: now, suppressed: 0 });
    return last?.suppressed ?? 0;
  }
}

/** Which dependency is down, when `error` says one is; undefined for any other error. */
function outageOf(error: unknown): { dependency: 'database' | 'kv'; kind: string } | undefined {
  if (error instanceof KvUnavailableError) return { dependency: 'kv', kind: 'kv' };
  if (isConnectionError(error)) return { dependency: 'database', kind: `database:${connectionErrorKind(error)}` };
  return undefined;
}

function handleError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
  outages: OutageLog,
  sendError: SendError,
) {
  if (error instanceof AppError) return sendError(reply, error.code, error.body, error.headers);
  const outage = outageOf(error);
  if (outage) {
    const suppressed = outages.admit(outage.kind);
    if (suppressed !== undefined) {
      request.log.error(
        { err: error, dependency: outage.dependency, suppressed, route: request.routeOptions.url },
        'dependency unavailable; answering 503',
      );
    }
    const unavailable = serviceUnavailable();
    return sendError(reply, unavailable.code, unavailable.body, unavailable.headers);
  }
  if (error.validation) return sendError(reply, 'invalid_field', validationMessage(error));
  const known = CLIENT_ERRORS[error.code];
  if (known) return sendError(reply, known[0], known[1]);
  if (error instanceof SyntaxError) return sendError(reply, 'malformed_body', 'Malformed JSON body.');
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return sendError(reply, codeForStatus(status), error.message);

  // Logged once, with what an operator needs; the client learns only the request id.
  request.log.error(
    {
      err: error,
      reqId: request.id,
      method: request.method,
      url: request.url,
      route: request.routeOptions.url,
      userId: request.userId?.toString(),
    },
    'unhandled error',
  );
  return sendError(reply, 'internal_error', 'Internal server error.', {}, { request_id: request.id });
}

export async function registerHttpLayer(app: FastifyInstance, config: Config): Promise<void> {
  // Shared before any route: error response schemas refer to it by id.
  app.addSchema(ErrorCodeSchema);
  const allowedMethods = trackRoutes(app);
  registerJsonBody(app);

  // Hooks on every request take the callback form: an async hook costs a promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('preValidation', (request, _reply, done) => {
    stripBlanks(request.query);
    stripBlanks(request.body);
    done();
  });
  registerFiniteInput(app);
  app.addHook('onResponse', (request, reply, done) => {
    if ((request.log as FastifyBaseLogger & { isLevelEnabled(level: string): boolean }).isLevelEnabled('info')) {
      request.log.info(
        {
          method: request.method,
          url: request.url,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
          userId: request.userId?.toString(),
        },
        'request',
      );
    }
    done();
  });

  const outages = new OutageLog();
  // JSON for the APIs; the reader site's page for its routes and for browsers on unknown paths.
  const responder =
    (request: FastifyRequest, matched: boolean): SendError =>
    (reply, code, message, headers = {}, extra = {}) => {
      const page = errorPages.get(app);
      if (!page || !wantsPage(request, matched)) return sendJsonError(reply, code, message, headers, extra);
      const requestId = typeof extra.request_id === 'string' ? extra.request_id : undefined;
      reply.code(errorStatus(code)).headers(headers);
      return page(request, reply, { code, message, ...(requestId ? { requestId } : {}) });
    };
  app.setErrorHandler((error: FastifyError, request, reply) =>
    handleError(error, request, reply, outages, responder(request, true)),
  );
  app.setNotFoundHandler((request, reply) => {
    const sendError = responder(request, false);
    const allow = allowedMethods(request.method, request.url);
    if (allow.length > 0)
      return sendError(reply, 'method_not_allowed', 'Method not allowed.', { allow: allow.join(', ') });
    return sendError(reply, 'not_found', 'Not found.');
  });

  await app.register(cors, {
    origin: config.corsOrigins === '*' ? true : config.corsOrigins,
    credentials: config.corsCredentials,
    methods: ['DELETE', 'GET', 'OPTIONS', 'PATCH', 'POST', 'PUT'],
    allowedHeaders: [
      'accept-encoding',
      'authorization',
      'content-type',
      'dnt',
      'origin',
      'user-agent',
      'x-csrftoken',
      'x-requested-with',
      'trace',
    ],
    exposedHeaders: ['x-request-id', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
    maxAge: 86400,
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Inkstone API',
        version: '0.1.0',
        description:
          'Heima Toutiao app (/app) and media platform (/mp) contract, plus Inkstone extensions. ' +
          'Success bodies are {"message":"OK","data":…}; errors are {"message": string | {field: reason}, "code": ErrorCode} ' +
          '(the ErrorCode schema lists every code with its status). ' +
          'Ids are 64-bit integers: send them as integers or digit strings.',
      },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    // Shared schemas appear under their own name (`ErrorCode`), not `def-N`.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
