/**
 * The HTTP server every Meridian process runs: Fastify with the connection rules real Mesos
 * clients need. Bodies arrive as raw strings so each API applies Mesos' own content-type rules
 * (an exact `application/json` compare, 415 otherwise) instead of Fastify's lenient ones.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';

/** Largest request body accepted; a LAUNCH of many tasks with labels stays far below it. */
export const REQUEST_BODY_BYTES_MAX = 64 * 1024 * 1024;

export function createHttpServer(logger: FastifyBaseLogger): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    // Per-request lines would swamp the log at hundreds of calls a second.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: REQUEST_BODY_BYTES_MAX,
    // Node closes idle keep-alive sockets after 5 s by default, which breaks clients that pause
    // between calls; Mesos keeps them as long as the client does.
    keepAliveTimeout: 0,
    connectionTimeout: 0,
    requestTimeout: 0,
    forceCloseConnections: true,
    return503OnClosing: true,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  return app;
}
