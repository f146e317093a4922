import { describe, expect, it } from '@jest/globals'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import protobuf from 'protobufjs'
import type { Message } from '@libp2p/gossipsub'
import type { PrivateKey } from '@libp2p/interface'
import { DISCOVERY_TOPIC } from '../../protocols/constants-net.ts'
import { decodeAnnouncement, validateAnnouncement } from '../../protocols/peer-discovery.ts'

const author = await generateKeyPair('Ed25519')
const stranger = await generateKeyPair('Ed25519')
const addr = multiaddr('/ip4/127.0.0.1/tcp/4001').bytes

/** Encodes `Peer { bytes publicKey = 1; repeated bytes addrs = 2; }` with protobufjs, plus extra raw fields. */
function encode (publicKey: Uint8Array | undefined, addrs: Uint8Array[], extra?: (writer: protobuf.Writer) => void): Uint8Array {
  const writer = protobuf.Writer.create()
  if (publicKey !== undefined) writer.uint32((1 << 3) | 2).bytes(publicKey)
  for (const bytes of addrs) writer.uint32((2 << 3) | 2).bytes(bytes)
  extra?.(writer)
  return writer.finish()
}

/** A message as gossipsub hands it to validators after checking its signature against `signer`. */
function signedBy (signer: PrivateKey, data: Uint8Array): Message {
  return {
    type: 'signed',
    from: peerIdFromPublicKey(signer.publicKey),
    topic: DISCOVERY_TOPIC,
    data,
    sequenceNumber: 1n,
    signature: new Uint8Array(64),
    key: signer.publicKey
  }
}

describe('decodeAnnouncement', () => {
  it('reads the key and addresses protobufjs wrote', () => {
    const key = publicKeyToProtobuf(author.publicKey)
    const decoded = decodeAnnouncement(encode(key, [addr, addr]))

    expect(decoded.publicKey).toEqual(key)
    expect(decoded.addrs).toEqual([addr, addr])
  })
})

describe('validateAnnouncement', () => {
  const own = publicKeyToProtobuf(author.publicKey)

  it.each<[string, string, () => Message]>([
    ['its signer announcing itself', 'accept', () => signedBy(author, encode(own, [addr]))],
    ['its signer announcing no addresses', 'accept', () => signedBy(author, encode(own, []))],
    ['an announcement of someone else\'s key', 'reject', () => signedBy(stranger, encode(own, [addr]))],
    ['an unsigned message', 'reject', () => ({ type: 'unsigned', topic: DISCOVERY_TOPIC, data: encode(own, [addr]) })],
    ['no public key', 'reject', () => signedBy(author, encode(undefined, [addr]))],
    ['a public key that does not parse', 'reject', () => signedBy(author, encode(Uint8Array.of(1, 2, 3), [addr]))],
    ['an address that does not parse', 'reject', () => signedBy(author, encode(own, [Uint8Array.of(0xff, 0xff, 0xff)]))],
    ['an address over 512 bytes', 'reject', () => signedBy(author, encode(own, [multiaddr(`/dns4/${'a'.repeat(600)}/tcp/1`).bytes]))],
    ['33 addresses', 'reject', () => signedBy(author, encode(own, Array.from({ length: 33 }, () => addr)))],
    ['an unknown field', 'reject', () => signedBy(author, encode(own, [addr], (w) => w.uint32((3 << 3) | 2).bytes(addr)))],
    ['a known field with the wrong wire type', 'reject', () => signedBy(author, encode(own, [addr], (w) => w.uint32((2 << 3) | 0).uint32(7)))],
    ['a truncated message', 'reject', () => signedBy(author, encode(own, [addr]).subarray(0, 10))]
  ])('%s: %s', (_name, verdict, message) => {
    expect(validateAnnouncement(message())).toBe(verdict)
  })
})
