/**
 * What every console section gets from the staff-only scope: the shell (`page`), the language's
 * words, the role rules and the shared request shapes. A section is one file exporting
 * `(r, kit) => void` that registers its routes; console.routes.ts lists the sections.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { Type } from 'typebox';
import { forbidden } from '../../platform/http/errors.js';
import type { Html } from '../../platform/web/html.js';
import type { AppContext } from '../module.js';
import { langOf } from '../web/web.views.js';
import type { ConsoleShell } from './console.pages.js';
import type { ConsoleReadModel } from './console.read-model.js';
import { CONSOLE_EN, CONSOLE_ZH, type ConsoleText } from './console.text.js';

export const consoleRouter = (scope: FastifyInstance) => scope.withTypeProvider<TypeBoxTypeProvider>();
export type ConsoleRouter = ReturnType<typeof consoleRouter>;
export type ConsoleSection = (r: ConsoleRouter, kit: ConsoleKit) => void;

export interface ConsoleKit {
  ctx: AppContext;
  readModel: ConsoleReadModel;
  /** Sends `body` inside the console's shell (navigation, CSRF token, `no-store`). */
  page(
    request: FastifyRequest,
    reply: FastifyReply,
    current: ConsoleShell['current'],
    title: string,
    body: Html,
  ): FastifyReply;
  textOf(request: FastifyRequest): ConsoleText;
  /** Refunds, roles, configuration, channels and the audit log are the admins'; moderators get a 403. */
  adminOnly(request: FastifyRequest): void;
  /** The CSRF check every console POST runs first. */
  csrf: preHandlerHookHandler;
  /** The signed-in staff member (set by the scope's hook before any console handler runs). */
  staff(request: FastifyRequest): NonNullable<FastifyRequest['staff']>;
}

/** Picks a section's words by the request's language: sections keep their own `{ zh, en }`. */
export function wordsOf<T>(words: { zh: T; en: T }, request: FastifyRequest): T {
  return langOf(request) === 'en' ? words.en : words.zh;
}

export const consoleText = (request: FastifyRequest): ConsoleText =>
  langOf(request) === 'en' ? CONSOLE_EN : CONSOLE_ZH;

export function adminOnly(request: FastifyRequest): void {
  if (request.staff?.role !== 'admin') throw forbidden(consoleText(request).adminOnly, 'role_required');
}

/** Request shapes the sections share. */
export const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,19}$' }) });
export const PageQuery = { page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })) };
export const CsrfField = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) };
export const DoneQuery = { done: Type.Optional(Type.String({ maxLength: 20 })) };
/** Every console route: a page (HTML errors), authorized by the scope's staff hook. */
export const PAGE = { auth: 'public', page: true } as const;
export const LIST_PAGE = 20;
