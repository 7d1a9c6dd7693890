/** The HTTP client's subscription against peers that misbehave, on loopback. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { subscribe } from '../../src/common/http/client.js';

test('a subscription to a peer that accepts but never answers is abandoned after its timeout', async () => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const started = Date.now();
    await assert.rejects(
      subscribe({ host: '127.0.0.1', port }, '/api/v1/scheduler', { type: 'SUBSCRIBE' }, { onEvent: () => undefined, onClose: () => undefined }, {}, 300),
      /no answer within 300 ms/,
    );
    assert.ok(Date.now() - started < 3000);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
