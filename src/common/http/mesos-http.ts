/**
 * The HTTP rules of the Mesos v1 call endpoints (scheduler, executor, operator, agent link):
 * POST only (405), `Content-Type` exactly `application/json` (400 when absent, 415 otherwise),
 * and for streamed responses an `Accept` that allows JSON (406).
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseAndValidate, type Validation } from '../../api/schema.js';

export type RuleViolation = { status: 400 | 405 | 406 | 415; message: string };

export function checkCallRequest(request: FastifyRequest): RuleViolation | null {
  if (request.method !== 'POST') return { status: 405, message: `Expecting 'POST', received '${request.method}'` };
  const contentType = request.headers['content-type'];
  if (contentType === undefined) return { status: 400, message: "Expecting 'Content-Type' to be present" };
  if (contentType === 'application/x-protobuf') {
    return { status: 415, message: "Meridian speaks the JSON form of the v1 API only: use 'application/json'" };
  }
  if (contentType !== 'application/json') {
    return { status: 415, message: `Expecting 'Content-Type' of application/json; received '${contentType}'` };
  }
  return null;
}

/** True when the `Accept` header (absent means anything) allows `application/json`. */
export function acceptsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((part) => {
    const [mediaRange, ...params] = part.trim().split(';');
    const range = (mediaRange ?? '').trim().toLowerCase();
    const zeroQuality = params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p));
    return !zeroQuality && (range === '*/*' || range === 'application/*' || range === 'application/json');
  });
}

export function sendText(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(message);
}

export function sendViolation(reply: FastifyReply, violation: RuleViolation): FastifyReply {
  return sendText(reply, violation.status, violation.message);
}

/**
 * The preamble of every call endpoint: the HTTP rules above, then the body parsed and validated.
 * Answers the request itself (4xx naming the problem) and returns null when the call is refused.
 */
export function readCall<T>(request: FastifyRequest, reply: FastifyReply, validate: (input: unknown) => Validation<T>): T | null {
  const violation = checkCallRequest(request);
  if (violation) {
    sendViolation(reply, violation);
    return null;
  }
  const parsed = parseAndValidate(String(request.body ?? ''), validate);
  if (!parsed.ok) {
    sendText(reply, 400, parsed.error);
    return null;
  }
  return parsed.value;
}

/** A JSON answer in pieces, in order: encoded Buffers and text (sent as UTF-8), with its length in bytes. */
export interface JsonPieces {
  pieces: ReadonlyArray<Buffer | string>;
  bytes: number;
}

/**
 * An answer's pieces, streamed as they are (object mode, so text reaches the socket as text and
 * is encoded there, never as a Buffer of its own). `Readable.from` would hand them over one at a
 * time through a promise each; a state answer is thousands of pieces.
 */
class PieceStream extends Readable {
  private next = 0;

  constructor(private readonly pieces: ReadonlyArray<Buffer | string>) {
    super({ objectMode: true, highWaterMark: 64 });
  }

  override _read(): void {
    while (this.next < this.pieces.length) {
      if (!this.push(this.pieces[this.next++])) return;
    }
    this.push(null);
  }
}

/**
 * Sends JSON in pieces with its length: large answers are never one string (V8 caps a string's
 * length) and never copied into one Buffer.
 */
export function sendJsonPieces(reply: FastifyReply, { pieces, bytes }: JsonPieces): FastifyReply {
  reply.header('content-type', 'application/json').header('content-length', bytes);
  return reply.send(pieces.length === 1 && typeof pieces[0] !== 'string' ? pieces[0] : new PieceStream(pieces));
}
