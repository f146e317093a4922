import { expect } from '@jest/globals'

/** Asserts that `action` throws an instance of `type` whose message contains `fragment`. */
export function expectThrows (action: () => unknown, type: abstract new (...args: never[]) => Error, fragment = ''): void {
  let error: unknown
  try {
    action()
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(type)
  expect((error as Error).message).toContain(fragment)
}
