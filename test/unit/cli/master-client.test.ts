/**
 * Goal: `--master` is read as documented — host:port, several separated by commas, a scheme
 * allowed — and anything else is refused with a message naming the flag.
 * Method: parseMasters on good and bad texts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMasters } from '../../../src/cli/views/master-client.js';

test('one or several host:port addresses', () => {
  assert.deepEqual(parseMasters('127.0.0.1:5050'), [{ host: '127.0.0.1', port: 5050 }]);
  assert.deepEqual(parseMasters('m1:5050, m2 ,http://m3:6060'), [{ host: 'm1', port: 5050 }, { host: 'm2', port: 5050 }, { host: 'm3', port: 6060 }]);
});

test('bad addresses are refused naming --master', () => {
  for (const [text, message] of [
    ['host:99999', /^FlagError: --master: 'host:99999' has a port outside 1-65535$/],
    ['host:port', /^FlagError: --master: 'host:port' is not a host:port address$/],
    ['a:1,,b:2', /^FlagError: --master: 'a:1,,b:2' has an empty address$/],
    ['etcd://e:2379/meridian', /^FlagError: --master: 'etcd:\/\/e:2379\/meridian' is not supported here/],
    ['', /^FlagError: --master: '' has an empty address$/],
  ] as const) {
    assert.throws(() => parseMasters(text), message, text);
  }
});
