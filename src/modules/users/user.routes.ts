import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerToken, currentUser, type Authenticator } from '../../platform/http/auth.js';
import { ErrorResponses, ok } from '../../platform/http/envelope.js';
import { codeForStatus } from '../../platform/http/error-codes.js';
import { AppError, badRequest, invalidField } from '../../platform/http/errors.js';
import { toId } from '../../platform/http/ids.js';
import type { RouteRateLimit } from '../../platform/rate-limit/index.js';
import { MAX_BASE64_CHARS, MAX_IMAGE_BYTES } from '../../platform/images.js';
import type { PresenterContext } from '../../platform/presenter.js';
import {
  presentFigure,
  presentMe,
  presentMpProfile,
  presentProfile,
  presentPublic,
  presentSaved,
} from './user.presenter.js';
import {
  AppProfileBody,
  FigureResponse,
  IMAGE_RULES,
  MeResponse,
  MpProfileBody,
  MpProfileResponse,
  ProfileResponse,
  PublicUserResponse,
  SavedMpProfileResponse,
  SavedPhotoResponse,
  SavedProfileResponse,
  TargetParams,
  UploadErrors,
} from './user.schema.js';
import { IMAGE_FIELDS, type ImageField, type ImageUpload, type UserService } from './user.service.js';

/** Multipart limits for the photo routes: the images, plus a few stray text fields at most. */
export const MULTIPART_LIMITS = {
  fileSize: MAX_IMAGE_BYTES,
  files: IMAGE_FIELDS.length,
  fields: 8,
  fieldSize: 16 * 1024,
  parts: IMAGE_FIELDS.length + 8,
  headerPairs: 32,
};

/** A09 carries up to four base64 images in JSON. */
const PROFILE_BODY_LIMIT = IMAGE_FIELDS.length * MAX_BASE64_CHARS + 64 * 1024;

/** Image uploads cost CPU (decode, re-encode): a budget per user, shared by the three upload routes. */
const UPLOAD_LIMITS: RouteRateLimit[] = [{ rule: '30/minute;300/day', key: 'user', scope: 'user-images' }];

const IMAGE_FIELD_SET: ReadonlySet<string> = new Set(IMAGE_FIELDS);
const MB = MAX_IMAGE_BYTES / (1024 * 1024);
const bearer = [{ bearer: [] }];

/**
 * The image parts of a multipart request, by field name. A part named like an image field is a
 * file even without a filename (the apps send a cropped blob); other parts are ignored.
 */
async function readImageParts(request: FastifyRequest, accepted: readonly ImageField[]): Promise<ImageUpload[]> {
  if (!request.isMultipart()) throw new AppError('unsupported_media_type', 'Send the images as multipart/form-data.');
  const uploads = new Map<ImageField, Buffer>();
  const repeated = new Set<string>();
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue;
      const field = part.fieldname as ImageField;
      if (!accepted.includes(field) || uploads.has(field)) {
        if (uploads.has(field)) repeated.add(field);
        for await (const _chunk of part.file) {
          // Drained: unknown parts are ignored (clients send extra fields, §1.8).
        }
        continue;
      }
      uploads.set(field, await part.toBuffer());
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const e = error as { code?: string; statusCode?: number; message?: string; part?: { fieldname?: string } };
    if (e.code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new AppError('payload_too_large', { [e.part?.fieldname ?? 'file']: `is larger than ${MB} MB` });
    }
    if (e.code === 'FST_FILES_LIMIT' || e.code === 'FST_PARTS_LIMIT' || e.code === 'FST_FIELDS_LIMIT') {
      throw new AppError(
        'payload_too_large',
        `Too many parts: at most ${MULTIPART_LIMITS.files} files and ${MULTIPART_LIMITS.fields} fields.`,
      );
    }
    if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500)
      throw new AppError(codeForStatus(e.statusCode), e.message ?? 'Bad request.');
    throw badRequest('Malformed multipart body.', 'malformed_body');
  }
  const [first] = repeated;
  if (first !== undefined) throw invalidField(first, 'was sent more than once');
  if (uploads.size === 0) {
    throw invalidField(accepted[0]!, `is required: send ${accepted.join(' or ')} as a multipart file part`);
  }
  return [...uploads].map(([field, bytes]) => ({ field, bytes }));
}

export function userRoutes(
  app: FastifyInstance,
  service: UserService,
  present: PresenterContext,
  authenticator: Authenticator,
): void {
  /** A22 is public, yet a valid token tells who is looking; any problem with it means anonymous. */
  async function viewerOf(request: FastifyRequest): Promise<bigint | undefined> {
    const token = bearerToken(request);
    if (!token) return undefined;
    try {
      const result = await authenticator.authenticate(token);
      return result.ok ? result.claims.userId : undefined;
    } catch {
      return undefined;
    }
  }

  // Own scope, so multipart parsing exists only for these routes.
  void app.register(async (scope) => {
    await scope.register(multipart, {
      limits: MULTIPART_LIMITS,
      throwFileSizeLimit: true,
      isPartAFile: (field, contentType, filename) =>
        filename !== undefined ||
        contentType === 'application/octet-stream' ||
        (field !== undefined && IMAGE_FIELD_SET.has(field)),
    });
    const r = scope.withTypeProvider<TypeBoxTypeProvider>();

    r.get(
      '/app/v1_0/user',
      {
        config: { auth: 'required' },
        schema: {
          tags: ['users'],
          summary: 'The signed-in user with counters (A27)',
          security: bearer,
          response: { 200: MeResponse, 401: ErrorResponses[401], 403: ErrorResponses[403] },
        },
      },
      async (request) => ok(presentMe(present, await service.me(currentUser(request)))),
    );

    r.get(
      '/app/v1_0/users/:target',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['users'],
          summary: 'A user’s public profile (A22); with a valid token, the viewer’s follow and blacklist flags',
          description:
            'Public: no token needed. A valid Bearer token fills is_following and is_blacklist; a missing, bad or ' +
            'expired token is treated as anonymous (both false). Unknown or disabled users: 400. The mobile is never included.',
          security: [{}, { bearer: [] }],
          params: TargetParams,
          response: { 200: PublicUserResponse, 400: ErrorResponses[400] },
        },
      },
      async (request) => {
        const target = toId(request.params.target, 'target');
        const profile = await service.publicProfile(target, await viewerOf(request));
        return ok(presentPublic(present, profile));
      },
    );

    r.get(
      '/app/v1_0/user/profile',
      {
        config: { auth: 'required' },
        schema: {
          tags: ['users'],
          summary: 'The signed-in user’s editable profile (A23)',
          security: bearer,
          response: { 200: ProfileResponse, 401: ErrorResponses[401], 403: ErrorResponses[403] },
        },
      },
      async (request) => ok(presentProfile(present, await service.me(currentUser(request)))),
    );

    r.patch(
      '/app/v1_0/user/profile',
      {
        config: { auth: 'required' },
        bodyLimit: PROFILE_BODY_LIMIT,
        schema: {
          tags: ['users'],
          summary: 'Edit the profile, including real-name information (A09): only the fields sent change',
          description:
            'Every field is optional; "" and null count as absent. All fields are checked first (400 naming the field), ' +
            'then images are stored and the row is written in one update, so nothing is half saved. ' +
            'Replies 201 with the id and each saved field (images as absolute URLs). 409 when the name is taken. ' +
            `Images: ${IMAGE_RULES}`,
          security: bearer,
          body: AppProfileBody,
          response: {
            201: SavedProfileResponse,
            400: ErrorResponses[400],
            401: ErrorResponses[401],
            403: ErrorResponses[403],
            409: ErrorResponses[409],
            413: UploadErrors[413],
            507: UploadErrors[507],
          },
        },
      },
      async (request, reply) => {
        const id = currentUser(request);
        const saved = await service.updateAppProfile(id, request.body);
        return reply.code(201).send(ok(presentSaved(present, id, saved)));
      },
    );

    r.patch(
      '/app/v1_0/user/photo',
      {
        config: { auth: 'required', rateLimit: UPLOAD_LIMITS },
        schema: {
          tags: ['users'],
          summary: 'Upload the avatar and/or ID card images (A21), multipart',
          description:
            'multipart/form-data with any of the file parts photo, id_card_front, id_card_back, id_card_handheld ' +
            '(a part without a filename counts; other parts are ignored). ' +
            `${IMAGE_RULES} A part that is not such an image: 400 naming it; too big: 413 naming it. ` +
            'Replies 201 with the id and the absolute URL of each saved image.',
          consumes: ['multipart/form-data'],
          security: bearer,
          response: {
            201: SavedProfileResponse,
            400: ErrorResponses[400],
            401: ErrorResponses[401],
            403: ErrorResponses[403],
            ...UploadErrors,
          },
        },
      },
      async (request, reply) => {
        const id = currentUser(request);
        const uploads = await readImageParts(request, IMAGE_FIELDS);
        const saved = await service.saveImages(id, uploads);
        return reply.code(201).send(ok(presentSaved(present, id, saved)));
      },
    );

    r.get(
      '/app/v1_0/user/figure',
      {
        config: { auth: 'required' },
        schema: {
          tags: ['users'],
          summary: 'The signed-in user’s fan and read counts (A26)',
          security: bearer,
          response: { 200: FigureResponse, 401: ErrorResponses[401], 403: ErrorResponses[403] },
        },
      },
      async (request) => ok(presentFigure(await service.me(currentUser(request)))),
    );

    r.get(
      '/mp/v1_0/user/profile',
      {
        config: { auth: 'mp' },
        schema: {
          tags: ['mp'],
          summary: 'The media-platform user’s profile (M06)',
          security: bearer,
          response: { 200: MpProfileResponse, 401: ErrorResponses[401], 403: ErrorResponses[403] },
        },
      },
      async (request) => ok(presentMpProfile(present, await service.me(currentUser(request)))),
    );

    r.patch(
      '/mp/v1_0/user/profile',
      {
        config: { auth: 'mp' },
        schema: {
          tags: ['mp'],
          summary: 'Edit name, intro and email (M07): only the fields sent change',
          description:
            'The settings page always sends all three fields, possibly "". Like everywhere, "" and null mean absent ' +
            '(that field is left as it is), never a 400. To empty the intro or remove the email, send whitespace. ' +
            'name 1–7 characters, unique (409 "User name has existed."); email stored lower-cased, unique ' +
            '(409 "Email has existed."). Replies 201 with the id and each saved field.',
          security: bearer,
          body: MpProfileBody,
          response: {
            201: SavedMpProfileResponse,
            400: ErrorResponses[400],
            401: ErrorResponses[401],
            403: ErrorResponses[403],
            409: ErrorResponses[409],
          },
        },
      },
      async (request, reply) => {
        const id = currentUser(request);
        const saved = await service.updateMpProfile(id, request.body);
        return reply.code(201).send(ok(presentSaved(present, id, saved)));
      },
    );

    r.patch(
      '/mp/v1_0/user/photo',
      {
        config: { auth: 'mp', rateLimit: UPLOAD_LIMITS },
        schema: {
          tags: ['mp'],
          summary: 'Upload the media-platform user’s avatar (M08), multipart part `photo`',
          description: `multipart/form-data with the file part photo (a blob without filename is fine). ${IMAGE_RULES}`,
          consumes: ['multipart/form-data'],
          security: bearer,
          response: {
            201: SavedPhotoResponse,
            400: ErrorResponses[400],
            401: ErrorResponses[401],
            403: ErrorResponses[403],
            ...UploadErrors,
          },
        },
      },
      async (request, reply) => {
        const id = currentUser(request);
        const uploads = await readImageParts(request, ['photo']);
        const saved = await service.saveImages(id, uploads);
        return reply.code(201).send(ok({ id, photo: present.media(saved.photo!) }));
      },
    );
  });
}
