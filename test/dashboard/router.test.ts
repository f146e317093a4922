import { describe, expect, it } from '@jest/globals'
import { matchSegments, RouteError, Router } from '../../dashboard/router.ts'

describe('matchSegments', () => {
  it.each([
    { pattern: [], path: [], params: {} },
    { pattern: ['api', 'peers'], path: ['api', 'peers'], params: {} },
    { pattern: ['api', 'peers', ':id'], path: ['api', 'peers', '12D3Koo'], params: { id: '12D3Koo' } },
    { pattern: ['api', 'jobs', ':id', 'result'], path: ['api', 'jobs', 'j1', 'result'], params: { id: 'j1' } },
    { pattern: ['api', 'peers', ':id'], path: ['api', 'peers'], params: undefined },
    { pattern: ['api', 'peers'], path: ['api', 'peers', 'x'], params: undefined },
    { pattern: ['api', 'peers', ':id'], path: ['api', 'jobs', 'x'], params: undefined }
  ])('$pattern against $path', ({ pattern, path, params }) => {
    expect(matchSegments(pattern, path)).toEqual(params)
  })
})

describe('Router', () => {
  const router = new Router<string>()
    .get('/api/peers', 'list')
    .get('/api/peers/:id', 'one')
    .post('/api/peers/:id/ban', 'ban')

  it.each([
    { method: 'GET', path: '/api/peers', expected: { kind: 'found', handler: 'list', params: {} } },
    { method: 'GET', path: '/api/peers/', expected: { kind: 'found', handler: 'list', params: {} } },
    { method: 'HEAD', path: '/api/peers', expected: { kind: 'found', handler: 'list', params: {} } },
    { method: 'GET', path: '/api/peers/a%2Fb', expected: { kind: 'found', handler: 'one', params: { id: 'a/b' } } },
    { method: 'POST', path: '/api/peers/p1/ban', expected: { kind: 'found', handler: 'ban', params: { id: 'p1' } } },
    { method: 'GET', path: '/api/peers/p1/ban', expected: { kind: 'wrong-method', allow: ['POST'] } },
    { method: 'DELETE', path: '/api/peers', expected: { kind: 'wrong-method', allow: ['GET'] } },
    { method: 'GET', path: '/api/nothing', expected: { kind: 'not-found' } },
    { method: 'GET', path: '/api/peers/%E0%A4%A', expected: { kind: 'not-found' } }
  ])('$method $path', ({ method, path, expected }) => {
    expect(router.match(method, path)).toEqual(expected)
  })

  it('refuses patterns it could not match', () => {
    expect(() => new Router().get('api/peers', 'x')).toThrow(RouteError)
    expect(() => new Router().get('/api/:/x', 'x')).toThrow(/parameter without a name/)
  })
})
