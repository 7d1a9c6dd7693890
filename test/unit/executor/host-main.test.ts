/**
 * Goal: the executor host reads its settings from the environment and names the variable that is
 * wrong. Method: direct calls of hostConfigFromEnvironment.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostConfigFromEnvironment } from '../../../src/executor/host-main.js';

test('endpoint and host id are required; the recovery timeout defaults to 15 minutes', () => {
  const configured = hostConfigFromEnvironment({ MERIDIAN_AGENT_ENDPOINT: '127.0.0.1:5051', MERIDIAN_HOST_ID: 'h1' });
  assert.ok(configured.ok);
  assert.deepEqual(configured.config.agent, { host: '127.0.0.1', port: 5051 });
  assert.equal(configured.config.hostId, 'h1');
  assert.equal(configured.config.recoveryTimeoutMs, 900_000);

  const missing = hostConfigFromEnvironment({ MERIDIAN_HOST_ID: 'h1' });
  assert.ok(!missing.ok && missing.error.includes('MERIDIAN_AGENT_ENDPOINT'));
  const noId = hostConfigFromEnvironment({ MERIDIAN_AGENT_ENDPOINT: 'localhost' });
  assert.ok(!noId.ok && noId.error.includes('MERIDIAN_HOST_ID'));
});

test('the recovery timeout must be a positive whole number of milliseconds', () => {
  const base = { MERIDIAN_AGENT_ENDPOINT: 'agent:5051', MERIDIAN_HOST_ID: 'h1' };
  const set = hostConfigFromEnvironment({ ...base, MERIDIAN_RECOVERY_TIMEOUT_MS: '1500' });
  assert.ok(set.ok && set.config.recoveryTimeoutMs === 1_500);
  for (const bad of ['0', '-5', '15mins', '1.5']) {
    const result = hostConfigFromEnvironment({ ...base, MERIDIAN_RECOVERY_TIMEOUT_MS: bad });
    assert.ok(!result.ok && result.error.includes('MERIDIAN_RECOVERY_TIMEOUT_MS'), bad);
  }
});
