import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { resolveConfig, requirePassword } from '../../src/config/index.js';
import { createLogger } from '../../src/logging/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tv-config-'));

describe('config', () => {
  it('prefers flags over environment over the config file', () => {
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ repository: '/from-file', logLevel: 'debug' }));
    const env = { TENANT_VAULT_HOME: dir, TENANT_VAULT_CONFIG: file, TENANT_VAULT_REPOSITORY: '/from-env' };
    expect(resolveConfig({}, env)).toMatchObject({ repository: '/from-env', logLevel: 'debug', home: dir });
    expect(resolveConfig({ repo: '/from-flag' }, env).repository).toBe('/from-flag');
    expect(resolveConfig({}, { TENANT_VAULT_HOME: dir, TENANT_VAULT_CONFIG: file }).repository).toBe('/from-file');
  });

  it('rejects an invalid config file with CONFIG_INVALID', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ repository: '/x', colour: 'blue' }));
    expect(() => resolveConfig({ config: file }, { TENANT_VAULT_HOME: dir })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    writeFileSync(file, '{not json');
    expect(() => resolveConfig({ config: file }, { TENANT_VAULT_HOME: dir })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('reads the password from a file (without its trailing newline) before the environment', () => {
    const pw = join(dir, 'pw');
    writeFileSync(pw, 'from-file\n');
    const c = resolveConfig({ passwordFile: pw }, { TENANT_VAULT_HOME: dir, TENANT_VAULT_PASSWORD: 'from-env' });
    expect(requirePassword(c).reveal()).toBe('from-file');
    expect(() => requirePassword(resolveConfig({}, { TENANT_VAULT_HOME: dir }))).toThrow(expect.objectContaining({ code: 'PASSWORD_MISSING' }));
  });

  it('never lets a secret from the config reach the logs', () => {
    const secret = 'hunter2-super-secret-value';
    const config = resolveConfig({}, { TENANT_VAULT_HOME: dir, TENANT_VAULT_PASSWORD: secret });
    let out = '';
    const sink = new Writable({ write(chunk, _enc, cb) { out += String(chunk); cb(); } });
    const log = createLogger({ level: 'trace', destination: sink });
    log.info({ config }, 'resolved');
    log.info({ password: secret, clientSecret: secret, nested: { token: secret }, headers: { authorization: `Bearer ${secret}` } }, 'raw');
    log.info(`config is ${String(config.password)} ${inspect(config)} ${JSON.stringify(config)}`);
    expect(out).toContain('resolved');
    expect(out).not.toContain(secret);
  });
});
