import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { OpsServer, type HealthReport } from './ops-server.js';
import { prometheusContentType } from './prometheus-text.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function call(port: number, path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, method, timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, headers: response.headers, body }); });
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer in time')));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

const servers: OpsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function start(health: () => Promise<HealthReport>): Promise<number> {
  const server = new OpsServer({ health, metrics: () => '# HELP up u\n# TYPE up gauge\nup 1\n' });
  servers.push(server);
  return (await server.start({ host: '127.0.0.1', port: 0 })).port;
}

describe('operations HTTP server', () => {
  it('GET /healthz is 200 with the checks when healthy, 503 when not', async () => {
    let healthy = true;
    const port = await start(() => Promise.resolve({ healthy, checks: { store: healthy ? 'reachable' : 'unreachable', channel: 'listening' } }));
    const ok = await call(port, '/healthz');
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(ok.body)).toEqual({ status: 'ok', store: 'reachable', channel: 'listening' });
    healthy = false;
    const down = await call(port, '/healthz?probe=1');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toEqual({ status: 'unavailable', store: 'unreachable', channel: 'listening' });
  });

  it('GET /metrics is the exposition with the 0.0.4 content type; HEAD has headers only', async () => {
    const port = await start(() => Promise.resolve({ healthy: true, checks: {} }));
    const metrics = await call(port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toBe(prometheusContentType);
    expect(metrics.body).toBe('# HELP up u\n# TYPE up gauge\nup 1\n');
    const head = await call(port, '/metrics', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('unknown paths are 404 and other methods 405, each as JSON with a code', async () => {
    const port = await start(() => Promise.resolve({ healthy: true, checks: {} }));
    const missing = await call(port, '/admin');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'HTTP_ERR_NOT_FOUND' } });
    const posted = await call(port, '/metrics', 'POST');
    expect(posted.status).toBe(405);
    expect(posted.headers['allow']).toBe('GET, HEAD');
    expect(JSON.parse(posted.body)).toMatchObject({ error: { code: 'HTTP_ERR_METHOD_NOT_ALLOWED' } });
  });

  it('a failing health check is a 500 with a code and no details', async () => {
    const port = await start(() => Promise.reject(new Error('driver said something with 6212340000000019')));
    const failed = await call(port, '/healthz');
    expect(failed.status).toBe(500);
    expect(failed.body).not.toContain('6212');
    expect(JSON.parse(failed.body)).toMatchObject({ error: { code: 'HTTP_ERR_INTERNAL' } });
  });

  it('a port in use is SERVE_ERR_LISTEN with the reason', async () => {
    const port = await start(() => Promise.resolve({ healthy: true, checks: {} }));
    const second = new OpsServer({ health: () => Promise.resolve({ healthy: true, checks: {} }), metrics: () => '' });
    await expect(second.start({ host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'SERVE_ERR_LISTEN', details: { reason: 'EADDRINUSE' } });
  });
});
