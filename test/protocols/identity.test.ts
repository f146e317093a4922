import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { IDENTITY_FILE_NAME, IdentityFileError, loadOrCreateIdentity } from '../../protocols/identity.ts'

let root: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'peergrid-identity-'))
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('loadOrCreateIdentity', () => {
  it('creates the directory and an owner-only Ed25519 key file that it reads back', async () => {
    const dir = join(root, 'nested', 'worker')
    const created = await loadOrCreateIdentity(dir)
    const path = join(dir, IDENTITY_FILE_NAME)

    expect(created.type).toBe('Ed25519')
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const stored = privateKeyFromProtobuf(await readFile(path))
    expect(stored.equals(created)).toBe(true)
    expect(await readdir(dir)).toEqual([IDENTITY_FILE_NAME])
  })

  it('returns the same identity on every load and a different one per directory', async () => {
    const first = await loadOrCreateIdentity(join(root, 'a'))
    const again = await loadOrCreateIdentity(join(root, 'a'))
    const other = await loadOrCreateIdentity(join(root, 'b'))

    expect(peerIdFromPrivateKey(again).equals(peerIdFromPrivateKey(first))).toBe(true)
    expect(peerIdFromPrivateKey(other).equals(peerIdFromPrivateKey(first))).toBe(false)
  })

  it('gives concurrent first loads of one directory a single identity', async () => {
    const dir = join(root, 'race')
    const keys = await Promise.all(Array.from({ length: 8 }, async () => await loadOrCreateIdentity(dir)))

    const ids = new Set(keys.map((key) => peerIdFromPrivateKey(key).toString()))
    expect(ids.size).toBe(1)
    expect(await readdir(dir)).toEqual([IDENTITY_FILE_NAME])
  })

  it('loads a key written by someone else', async () => {
    const key = await generateKeyPair('Ed25519')
    await writeFile(join(root, IDENTITY_FILE_NAME), privateKeyToProtobuf(key))

    expect((await loadOrCreateIdentity(root)).equals(key)).toBe(true)
  })

  it.each<[string, () => Promise<Uint8Array>, RegExp]>([
    ['garbage bytes', async () => new Uint8Array([0xff, 0x00, 0x13, 0x37]), /is corrupt/],
    ['an empty file', async () => new Uint8Array(0), /is corrupt/],
    ['a truncated key', async () => privateKeyToProtobuf(await generateKeyPair('Ed25519')).subarray(0, 20), /is corrupt/],
    ['a secp256k1 key', async () => privateKeyToProtobuf(await generateKeyPair('secp256k1')), /holds a secp256k1 key/]
  ])('refuses %s, names the file and leaves it untouched', async (_name, contents, problem) => {
    const path = join(root, IDENTITY_FILE_NAME)
    const bytes = await contents()
    await writeFile(path, bytes)

    const failure = loadOrCreateIdentity(root)
    await expect(failure).rejects.toThrow(IdentityFileError)
    await expect(failure).rejects.toThrow(problem)
    await expect(failure).rejects.toThrow(path)
    await expect(failure).rejects.toThrow(/restore it from a backup, or delete it/)
    expect(new Uint8Array(await readFile(path))).toEqual(bytes)
  })

  it('reports an identity path it cannot read', async () => {
    await mkdir(join(root, IDENTITY_FILE_NAME))

    await expect(loadOrCreateIdentity(root)).rejects.toThrow(/cannot be read \(EISDIR/)
  })
})
