/**
 * The catalogue of error codes. Every error body is `{"message": …, "code": "<code>"}`: `message`
 * is the contract's text (§1.4; the Heima apps read only the status), `code` is what other clients
 * branch on. A code always comes with the same HTTP status, so AppError takes a code and looks the
 * status up here; codes are never renamed or removed once published (add a new one instead).
 * The OpenAPI document lists this table as the `ErrorCode` schema.
 */
import { Type } from 'typebox';

interface ErrorCodeEntry {
  status: number;
  description: string;
}

export const ERROR_CODES = {
  bad_request: { status: 400, description: 'The request cannot be served as sent; `message` says why.' },
  invalid_field: {
    status: 400,
    description: 'A parameter is missing or invalid; `message` is an object `{"<field>": "<reason>"}`.',
  },
  malformed_body: {
    status: 400,
    description: 'The body cannot be read: malformed or empty JSON, a bad Content-Length, a broken multipart body.',
  },
  invalid_sms_code: { status: 400, description: 'The SMS code is wrong, expired or already used.' },
  invalid_credentials: { status: 400, description: 'Wrong username, email or password.' },
  unauthorized: {
    status: 401,
    description: 'No valid access token where one is needed (missing, malformed, bad signature). Sign in.',
  },
  token_expired: {
    status: 401,
    description: 'The access token has expired: get a new one with the refresh token (PUT /app/v1_0/authorizations).',
  },
  session_revoked: {
    status: 401,
    description: 'The session of this token was signed out or revoked (another device, a password change). Sign in.',
  },
  forbidden: { status: 403, description: 'Signed in, but this action is not allowed.' },
  role_required: { status: 403, description: 'The route is for staff: the user lacks a role it requires.' },
  not_owner: { status: 403, description: 'The resource belongs to another user.' },
  account_disabled: {
    status: 403,
    description: 'The account is disabled (banned): its tokens and sign-in are refused.',
  },
  verification_required: {
    status: 403,
    description: 'The media platform needs a verified author (and a token issued by the media-platform sign-in).',
  },
  insufficient_scope: {
    status: 403,
    description:
      'A third-party app token (OAuth 2) lacks the scope this route needs, named in `message` and in `WWW-Authenticate`; some routes take no app token at all.',
  },
  wrong_token_type: { status: 403, description: 'A refresh token was sent where an access token is needed.' },
  invalid_refresh_token: {
    status: 403,
    description: 'The refresh token is missing, expired, revoked or not a refresh token. Sign in again.',
  },
  comments_closed: { status: 403, description: 'The author has closed comments on this article.' },
  not_found: { status: 404, description: 'Unknown route, or the resource does not exist (or is not visible to you).' },
  gone: { status: 410, description: 'The resource existed and was deleted (reader site pages).' },
  method_not_allowed: {
    status: 405,
    description: 'The path exists with other methods; the `Allow` header lists them.',
  },
  conflict: {
    status: 409,
    description: 'The request conflicts with the current state (already exists, already done).',
  },
  version_conflict: {
    status: 409,
    description: 'The resource changed since it was read: read it again and retry.',
  },
  payload_too_large: { status: 413, description: 'The body (or one uploaded file) is larger than allowed.' },
  unsupported_media_type: { status: 415, description: 'The Content-Type is not accepted by this route.' },
  rate_limited: { status: 429, description: 'Too many requests: wait for the seconds in `Retry-After`.' },
  internal_error: {
    status: 500,
    description: 'An unexpected error; the body carries `request_id` for the operator.',
  },
  service_unavailable: {
    status: 503,
    description:
      'A dependency (database, Redis) is unavailable or the instance is not ready: retry after `Retry-After`.',
  },
  payments_unavailable: { status: 503, description: 'Payments are not configured on this server.' },
  storage_failed: { status: 507, description: 'Storing data or an uploaded file failed.' },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes that come with HTTP status `S`: helpers such as `forbidden(message, code)` accept only these. */
export type CodeWithStatus<S extends number> = {
  [K in ErrorCode]: (typeof ERROR_CODES)[K]['status'] extends S ? K : never;
}[ErrorCode];

export const errorStatus = (code: ErrorCode): number => ERROR_CODES[code].status;

/** The generic code of each status, for errors that carry only a status (Fastify's, plugins'). */
const GENERIC: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  500: 'internal_error',
  503: 'service_unavailable',
  507: 'storage_failed',
};

/** A client error with a status outside the catalogue becomes a plain 400 `bad_request`. */
export function codeForStatus(status: number): ErrorCode {
  return GENERIC[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
}

const ERROR_CODE_ID = 'ErrorCode';

function catalogueTable(): string {
  const rows = Object.entries(ERROR_CODES).map(
    ([code, entry]: [string, ErrorCodeEntry]) => `| \`${code}\` | ${entry.status} | ${entry.description} |`,
  );
  return ['| code | status | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** The catalogue as a shared schema (registered once by the HTTP layer; a component in the OpenAPI document). */
export const ErrorCodeSchema = {
  $id: ERROR_CODE_ID,
  type: 'string',
  enum: Object.keys(ERROR_CODES),
  description:
    'Stable machine-readable error code, in every error body next to `message`. A code always comes with ' +
    'the same HTTP status; codes are only ever added.\n\n' +
    catalogueTable(),
} as const;

/** A reference to the catalogue, for response schemas. */
export const ErrorCodeRef = Type.Unsafe<ErrorCode>(Type.Ref(ERROR_CODE_ID));
