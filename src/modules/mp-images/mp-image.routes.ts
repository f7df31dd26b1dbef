/** The media platform's image library (M17–M20). */
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { currentUser } from '../../platform/http/auth.js';
import { ErrorResponses, NoContent, ok } from '../../platform/http/envelope.js';
import { codeForStatus } from '../../platform/http/error-codes.js';
import { AppError, badRequest, invalidField } from '../../platform/http/errors.js';
import { toId } from '../../platform/http/ids.js';
import { clampPage } from '../../platform/http/paging.js';
import { MAX_IMAGE_BYTES } from '../../platform/images.js';
import type { RouteRateLimit } from '../../platform/rate-limit/index.js';
import type { PresenterContext } from '../../platform/presenter.js';
import { presentLibraryImage, presentUploadedImage } from './mp-image.presenter.js';
import {
  CollectBody,
  CollectResponse,
  ImageListQuery,
  ImageListResponse,
  ImageParams,
  LIBRARY_IMAGE_RULES,
  MP_IMAGES_LIST,
  UploadedImageResponse,
  UploadErrors,
} from './mp-image.schema.js';
import type { ImageLibraryService } from './mp-image.service.js';

const FIELD = 'image';
const MB = MAX_IMAGE_BYTES / (1024 * 1024);

/** One image, plus room for the stray fields and files clients send along (ignored). */
const MULTIPART_LIMITS = {
  fileSize: MAX_IMAGE_BYTES,
  files: 4,
  fields: 8,
  fieldSize: 16 * 1024,
  parts: 12,
  headerPairs: 32,
};

/** Decoding and re-encoding cost CPU, and every new image costs storage: a budget per author. */
const UPLOAD_LIMIT: RouteRateLimit = { rule: '30/minute;500/day', key: 'user', scope: 'mp-library-upload' };

const bearer = [{ bearer: [] }];
const readErrors = { 401: ErrorResponses[401], 403: ErrorResponses[403] };

/** The bytes of the single `image` part; other parts are drained and ignored (§1.8). */
async function readImagePart(request: FastifyRequest): Promise<Buffer> {
  if (!request.isMultipart()) throw new AppError('unsupported_media_type', 'Send the image as multipart/form-data.');
  let image: Buffer | undefined;
  let repeated = false;
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue;
      if (part.fieldname !== FIELD || image !== undefined) {
        repeated ||= part.fieldname === FIELD;
        for await (const _chunk of part.file) {
          // Drained: only the first `image` part counts.
        }
        continue;
      }
      image = await part.toBuffer();
    }
  } catch (error) {
    const e = error as { code?: string; statusCode?: number; message?: string };
    if (e.code === 'FST_REQ_FILE_TOO_LARGE')
      throw new AppError('payload_too_large', { [FIELD]: `is larger than ${MB} MB` });
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
  if (repeated) throw invalidField(FIELD, 'was sent more than once');
  if (image === undefined) throw invalidField(FIELD, 'is required: send the image as the multipart file part "image"');
  return image;
}

export function imageLibraryRoutes(
  app: FastifyInstance,
  service: ImageLibraryService,
  present: PresenterContext,
): void {
  // Own scope, so multipart parsing exists only for these routes.
  void app.register(async (scope) => {
    await scope.register(multipart, {
      limits: MULTIPART_LIMITS,
      throwFileSizeLimit: true,
      // The admin's editor and cover cropper send blobs, sometimes without a filename.
      isPartAFile: (field, contentType, filename) =>
        filename !== undefined || contentType === 'application/octet-stream' || field === FIELD,
    });
    const r = scope.withTypeProvider<TypeBoxTypeProvider>();

    r.get(
      '/mp/v1_0/user/images',
      {
        config: { auth: 'mp' },
        schema: {
          tags: ['mp'],
          summary: 'The author’s image library (M17): collected first, then newest',
          description:
            'collect=true lists only collected images. per_page is clamped to 1–50 (default 20); a page past the end ' +
            'has empty results. Each item has the full image `url` and, as an Inkstone extra, a `thumbnail` URL for grids.',
          security: bearer,
          querystring: ImageListQuery,
          response: { 200: ImageListResponse, 400: ErrorResponses[400], ...readErrors },
        },
      },
      async (request) => {
        const page = clampPage(request.query, MP_IMAGES_LIST);
        const list = await service.list(currentUser(request), {
          collectedOnly: request.query.collect === true,
          offset: page.offset,
          limit: page.perPage,
        });
        return ok({
          total_count: list.total,
          page: page.page,
          per_page: page.perPage,
          results: list.rows.map((row) => presentLibraryImage(present, row)),
        });
      },
    );

    r.post(
      '/mp/v1_0/user/images',
      {
        config: { auth: 'mp', rateLimit: UPLOAD_LIMIT },
        schema: {
          tags: ['mp'],
          summary: 'Upload an image to the library (M18), multipart part `image`',
          description:
            `multipart/form-data with the file part image (a blob without filename is fine; other parts are ignored). ` +
            `${LIBRARY_IMAGE_RULES} Not such an image: 400 naming image; too big: 413. ` +
            'De-duplicated per author: the same image again answers 201 with the entry it already has (a deleted ' +
            `entry comes back as a new upload). Rate limited per author (${UPLOAD_LIMIT.rule}). ` +
            'Replies 201 {id, url, thumbnail}, URLs absolute.',
          consumes: ['multipart/form-data'],
          security: bearer,
          response: { 201: UploadedImageResponse, 400: ErrorResponses[400], ...readErrors, ...UploadErrors },
        },
      },
      async (request, reply) => {
        const userId = currentUser(request);
        const bytes = await readImagePart(request);
        const row = await service.upload(userId, bytes);
        return reply.code(201).send(ok(presentUploadedImage(present, row)));
      },
    );

    r.put(
      '/mp/v1_0/user/images/:target',
      {
        config: { auth: 'mp' },
        schema: {
          tags: ['mp'],
          summary: 'Collect or un-collect a library image (M19)',
          description:
            'Idempotent. Replies 201 {id, collect}. 404 when the id is not one of the author’s images (unknown, ' +
            'another author’s, or deleted).',
          security: bearer,
          params: ImageParams,
          body: CollectBody,
          response: { 201: CollectResponse, 400: ErrorResponses[400], ...readErrors, 404: ErrorResponses[404] },
        },
      },
      async (request, reply) => {
        const id = toId(request.params.target, 'target');
        await service.collect(currentUser(request), id, request.body.collect);
        return reply.code(201).send(ok({ id, collect: request.body.collect }));
      },
    );

    r.delete(
      '/mp/v1_0/user/images/:target',
      {
        config: { auth: 'mp' },
        schema: {
          tags: ['mp'],
          summary: 'Delete a library image (M20): soft delete, also un-collects',
          description:
            '204 with an empty body, also when it was already deleted. The stored file stays (articles may show it). ' +
            'Uploading the same image again restores the entry. 404 when the id is not one of the author’s images.',
          security: bearer,
          params: ImageParams,
          response: { 204: NoContent, 400: ErrorResponses[400], ...readErrors, 404: ErrorResponses[404] },
        },
      },
      async (request, reply) => {
        await service.remove(currentUser(request), toId(request.params.target, 'target'));
        return reply.code(204).send();
      },
    );
  });
}
