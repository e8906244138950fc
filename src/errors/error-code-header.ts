/**
 * Azure's data planes (Logs Ingestion, metrics ingestion) name a failure's code in the
 * `x-ms-error-code` header as well as in the `{"error":{"code"}}` body: this hook mirrors the body's
 * code into the header for every 4xx/5xx answer of the plugin it is added to.
 */
import type { FastifyInstance } from 'fastify';

export function mirrorErrorCodeHeader(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    if (reply.statusCode >= 400 && typeof payload === 'string') {
      try {
        const code = (JSON.parse(payload) as { error?: { code?: string } }).error?.code;
        if (code) reply.header('x-ms-error-code', code);
      } catch {
        /* not JSON: nothing to mirror */
      }
    }
    return payload;
  });
}
