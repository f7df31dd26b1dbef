/**
 * The simulator's cashier pages: GET shows the order with Pay / Cancel, POST acts and sends the
 * browser back to the merchant's return URL. Registered (by the payments module) only when the
 * simulator plays Alipay, inside a scope that parses form bodies.
 */
import type { FastifyInstance } from 'fastify';
import type { AlipaySimulator } from './alipay-simulator.js';
import { formFields } from './form-body.js';

export function simulatorRoutes(app: FastifyInstance, simulator: AlipaySimulator, path: string): void {
  app.get(
    path,
    {
      schema: { tags: ['payments'], summary: 'Payment simulator: the cashier page a pay URL opens (development only)' },
      config: { rateLimit: false },
    },
    async (request, reply) => {
      const raw = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
      const params = Object.fromEntries(new URLSearchParams(raw));
      const outcome = await simulator.openPayPage(params, raw, path);
      return reply
        .code(outcome.ok ? 200 : outcome.status)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(outcome.html);
    },
  );

  app.post(
    path,
    {
      schema: { tags: ['payments'], summary: 'Payment simulator: pay or cancel (development only)' },
      config: { rateLimit: false },
    },
    async (request, reply) => {
      const form = formFields(request.body);
      const params = Object.fromEntries(new URLSearchParams(form.request ?? ''));
      const outcome = await simulator.act(params, form.action ?? '');
      if (outcome.ok)
        return reply.code(302).header('location', outcome.redirect).header('cache-control', 'no-store').send();
      return reply.code(outcome.status).type('text/html; charset=utf-8').send(outcome.html);
    },
  );
}
