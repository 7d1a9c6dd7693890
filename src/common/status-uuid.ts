/**
 * The uuid of a status update: 16 random bytes, base64 as Mesos puts `bytes` in JSON. randomUUID
 * draws from a cached entropy pool, which matters at hundreds of updates a second.
 */
import { randomUUID } from 'node:crypto';

export function newStatusUuid(): string {
  return Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64');
}
