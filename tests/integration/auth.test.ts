import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ authRateLimit: { windowMs: 60_000, limit: 8 } });
});
afterAll(async () => {
  await t.close();
});

describe('registration and login', () => {
  const email = 'Owner@Example.com';
  const password = 'a long and memorable passphrase';

  it('registers, stores only an Argon2id hash, and signs in', async () => {
    const response = await request(t.app).post('/api/v1/auth/register').send({ email, password, householdName: 'Rivera household' });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ user: { email }, household: { name: 'Rivera household' } });
    expect(response.body.accessToken.split('.')).toHaveLength(3);
    const row = await t.database.knex('users').where({ id: response.body.user.id }).first('password_hash');
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(password);
    const me = await request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${response.body.accessToken}`);
    expect(me.status).toBe(200);
    expect(me.body.household.name).toBe('Rivera household');
  });

  it('refuses a second account with the same email, whatever its case', async () => {
    const response = await request(t.app).post('/api/v1/auth/register').send({ email: email.toLowerCase(), password });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('email_taken');
  });

  it('refuses a weak password with the rule it breaks', async () => {
    const response = await request(t.app).post('/api/v1/auth/register').send({ email: 'weak@example.com', password: 'short' });
    expect(response.status).toBe(422);
    expect(response.body.errors[0]).toMatchObject({ field: '/password', code: 'weak_password' });
  });

  it('logs in case-insensitively and gives the same answer for a wrong password and an unknown email', async () => {
    const ok = await request(t.app).post('/api/v1/auth/login').send({ email: 'owner@example.com', password });
    expect(ok.status).toBe(200);
    const wrong = await request(t.app).post('/api/v1/auth/login').send({ email, password: 'not the password at all' });
    const unknown = await request(t.app).post('/api/v1/auth/login').send({ email: 'nobody@example.com', password });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });

  it('rate-limits the auth routes with a problem+json 429', async () => {
    let last = await request(t.app).post('/api/v1/auth/login').send({ email, password: 'wrong password 123' });
    for (let attempt = 0; attempt < 10 && last.status !== 429; attempt += 1) {
      last = await request(t.app).post('/api/v1/auth/login').send({ email, password: 'wrong password 123' });
    }
    expect(last.status).toBe(429);
    expect(last.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(last.body.code).toBe('rate_limited');
  });
});
