/**
 * A peer's persistent identity: an Ed25519 key kept in its data directory, so that its peer id
 * (and the reputation that hangs off it) survives restarts.
 */
import { randomBytes } from 'node:crypto'
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

export const IDENTITY_FILE_NAME = 'identity.key'

/** The identity file exists but cannot be used; the peer must not silently become someone else. */
export class IdentityFileError extends Error {
  override name = 'IdentityFileError'
  readonly path: string

  constructor (path: string, problem: string, options?: ErrorOptions) {
    super(
      `Identity key file ${path} ${problem}. It holds this peer's private key: restore it from a ` +
      'backup, or delete it to start as a new peer (the old peer id and its reputation are lost).',
      options
    )
    this.path = path
  }
}

/**
 * Returns the Ed25519 key stored in `<dataDir>/identity.key`, creating the directory and a new
 * key (file mode 0600) when there is none yet. Throws {@link IdentityFileError} when the file
 * exists but is unreadable, corrupt or not an Ed25519 key.
 */
export async function loadOrCreateIdentity (dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, IDENTITY_FILE_NAME)
  const existing = await readIdentity(path)
  if (existing != null) {
    return existing
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const key = await generateKeyPair('Ed25519')
  if (await publishKeyFile(path, privateKeyToProtobuf(key))) {
    return key
  }
  // Another process created the identity between our read and our write: use theirs, so that
  // both processes agree on one peer id.
  const winner = await readIdentity(path)
  if (winner == null) {
    throw new IdentityFileError(path, 'vanished while it was being created')
  }
  return winner
}

async function readIdentity (path: string): Promise<PrivateKey | undefined> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err) {
    if (isErrno(err, 'ENOENT')) {
      return undefined
    }
    throw new IdentityFileError(path, `cannot be read (${describe(err)})`, { cause: err })
  }
  let key: PrivateKey
  try {
    key = privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new IdentityFileError(path, `is corrupt (${describe(err)})`, { cause: err })
  }
  if (key.type !== 'Ed25519') {
    throw new IdentityFileError(path, `holds a ${key.type} key where an Ed25519 key was expected`)
  }
  return key
}

/**
 * Writes the key beside its final name, then hard-links it into place. The link is atomic and
 * never replaces an existing file, so a crash leaves no half-written identity and two racing
 * processes cannot overwrite each other. Returns false when the identity file already exists.
 */
async function publishKeyFile (path: string, bytes: Uint8Array): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const handle = await open(temp, 'wx', 0o600)
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await link(temp, path)
    return true
  } catch (err) {
    if (isErrno(err, 'EEXIST')) {
      return false
    }
    throw err
  } finally {
    await unlink(temp)
  }
}

// Duck-typed rather than `instanceof Error`: errors from node: modules may come from another
// realm (as under Jest's VM modules), where that check fails.
function isErrno (err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code
}

function describe (err: unknown): string {
  return typeof err === 'object' && err !== null && typeof (err as Error).message === 'string'
    ? (err as Error).message
    : String(err)
}
