// Reads the fields of a JSON object that is still arriving: the ones already complete, so a streamed answer can be acted on early.

const LITERALS = new Set(['true', 'false', 'null'])

/** Index of the quote closing the string opened at `start`, or -1 while it is still open. */
function stringEnd (text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === '"') return i
  }
  return -1
}

/** Index of the bracket closing the object or array opened at `start`, or -1 while it is still open. */
function nestedEnd (text: string, start: number): number {
  let depth = 0
  for (let i = start; i < text.length; i++) {
    const c = text[i]
    if (c === '"') {
      i = stringEnd(text, i)
      if (i === -1) return -1
    } else if (c === '{' || c === '[') {
      depth++
    } else if ((c === '}' || c === ']') && --depth === 0) {
      return i
    }
  }
  return -1
}

/** End (exclusive) of the value starting at `i`, or -1 while it may still grow. */
function valueEnd (text: string, i: number): number {
  const c = text[i]
  if (c === '"') {
    const end = stringEnd(text, i)
    return end === -1 ? -1 : end + 1
  }
  if (c === '{' || c === '[') {
    const end = nestedEnd(text, i)
    return end === -1 ? -1 : end + 1
  }
  let j = i
  while (j < text.length && !/[\s,}\]]/.test(text[j])) j++
  // A number may still grow; true, false and null are complete once spelled out.
  if (j === text.length && !LITERALS.has(text.slice(i))) return -1
  return j
}

export interface ArrivingFields {
  /** The top-level fields whose values are complete, in order. */
  fields: Record<string, unknown>
  /** The field arriving when the text ends inside its string value: its key and the value so far. */
  open: { key: string, prefix: string } | null
}

/**
 * The top-level fields of the first JSON object in `text` (text before it, such as a code fence,
 * is skipped) whose values are complete, in order, stopping at the first one still arriving or at
 * anything that is not JSON; and, when the one arriving is a string, its key and the characters so far
 * (none when that prefix holds an escape, which may be cut in half).
 */
export function arrivingFields (text: string): ArrivingFields {
  const fields: Record<string, unknown> = {}
  const done = (open: ArrivingFields['open'] = null): ArrivingFields => ({ fields, open })
  let i = text.indexOf('{') + 1
  if (i === 0) return done()
  const skipSpace = () => { while (i < text.length && /\s/.test(text[i])) i++ }
  for (;;) {
    skipSpace()
    if (text[i] !== '"') return done()
    const keyEnd = stringEnd(text, i)
    if (keyEnd === -1) return done()
    const key = JSON.parse(text.slice(i, keyEnd + 1)) as string
    i = keyEnd + 1
    skipSpace()
    if (text[i] !== ':') return done()
    i++
    skipSpace()
    const end = i < text.length ? valueEnd(text, i) : -1
    if (end === -1) {
      const prefix = text.slice(i + 1)
      return done(text[i] === '"' && !prefix.includes('\\') ? { key, prefix } : null)
    }
    try {
      fields[key] = JSON.parse(text.slice(i, end))
    } catch {
      return done()
    }
    i = end
    skipSpace()
    if (text[i] !== ',') return done()
    i++
  }
}
