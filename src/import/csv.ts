/**
 * CSV as RFC 4180 writes it (comma separator, fields quoted with `"` when they hold a comma, a
 * quote or a line break, quotes doubled inside), read as a stream of records that carry the
 * line number they start on, and written back the same way.
 *
 * Reading is lenient only where nothing is lost: CRLF or LF line ends, blank lines skipped.
 * A malformed record (text after a closing quote, a quote inside an unquoted field, a quoted
 * field never closed) becomes an error record naming its line, and reading goes on with the
 * next line — one bad line never swallows the rest of the file.
 */

/** A record: its fields, or why it could not be read. */
export type CsvRecord = { line: number; fields: string[]; error?: undefined } | { line: number; fields?: undefined; error: string }

const unclosed = 'a quoted field is never closed'

/** Longest record (in characters) that may span several lines before it counts as unterminated. */
export const MAX_RECORD_CHARS = 64 * 1024

type Parsed = { fields: string[] } | { error: string } | { open: true }

/** Parses one record's text; `open` when a quoted field continues on the next line. */
function parseRecord(text: string): Parsed {
  const fields: string[] = []
  let i = 0
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      let value = ''
      let j = i + 1
      for (;;) {
        const q = text.indexOf('"', j)
        if (q === -1) return { open: true }
        value += text.slice(j, q)
        if (text.charCodeAt(q + 1) === 34) {
          value += '"'
          j = q + 2
          continue
        }
        i = q + 1
        break
      }
      fields.push(value)
      if (i === text.length) return { fields }
      if (text.charCodeAt(i) !== 44 /* , */) return { error: `text after the closing quote of field ${fields.length}` }
      i++
    } else {
      const comma = text.indexOf(',', i)
      const value = comma === -1 ? text.slice(i) : text.slice(i, comma)
      if (value.includes('"')) return { error: `a quote inside unquoted field ${fields.length + 1}` }
      fields.push(value)
      if (comma === -1) return { fields }
      i = comma + 1
    }
  }
}

export interface ReadCsvOptions {
  /**
   * How many fields a record should have (e.g. the header's count, once read). A record that
   * spans lines but does not come out with that many is a quote opened by mistake: its first
   * line is reported and the lines after it are read again as records of their own.
   */
  fieldCount?: (() => number | undefined) | undefined
}

/**
 * Records of CSV text arriving in chunks (any split, e.g. a decoded file stream).
 *
 * @example
 * for await (const r of readCsvRecords(textChunks)) if (r.error) console.log(`line ${r.line}: ${r.error}`)
 */
export async function* readCsvRecords(chunks: AsyncIterable<string>, options: ReadCsvOptions = {}): AsyncGenerator<CsvRecord> {
  let carry = ''
  let lineNo = 0
  /** Lines of a record whose quoted field is still open: [line number, text]. */
  let open: [number, string][] = []
  let openChars = 0

  /** One line without its line end; `raw` keeps a CR before the LF (part of a quoted field that goes on). */
  function* feed(line: string, n: number, raw = line): Generator<CsvRecord> {
    if (open.length === 0) {
      if (line === '') return
      if (!line.includes('"')) {
        yield { line: n, fields: line.split(',') }
        return
      }
      const r = parseRecord(line)
      if ('open' in r) {
        open = [[n, raw]]
        openChars = raw.length
      } else yield 'error' in r ? { line: n, error: r.error } : { line: n, fields: r.fields }
      return
    }
    open.push([n, raw])
    openChars += raw.length + 1
    const r = parseRecord(open.map(([, t]) => t).join('\n').replace(/\r$/, ''))
    if ('open' in r) {
      if (openChars > MAX_RECORD_CHARS) yield* resync(unclosed)
      return
    }
    if ('error' in r) {
      yield* resync(unclosed)
      return
    }
    const expected = options.fieldCount?.()
    if (expected !== undefined && r.fields.length !== expected) {
      yield* resync(unclosed)
      return
    }
    const start = open[0]![0]
    open = []
    yield { line: start, fields: r.fields }
  }

  /** The open record's first line is bad; the lines after it are read again as records of their own. */
  function* resync(reason: string): Generator<CsvRecord> {
    const [[start], ...rest] = open as [[number, string], ...[number, string][]]
    open = []
    yield { line: start, error: reason }
    for (const [n, text] of rest) yield* feed(text.replace(/\r$/, ''), n, text)
  }

  for await (const chunk of chunks) {
    const text = carry + chunk
    let from = 0
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      const end = nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl
      yield* feed(text.slice(from, end), ++lineNo, text.slice(from, nl))
      from = nl + 1
    }
    carry = text.slice(from)
  }
  if (carry !== '') yield* feed(carry.endsWith('\r') ? carry.slice(0, -1) : carry, ++lineNo, carry)
  while (open.length > 0) yield* resync(unclosed)
}

const needsQuotes = /[",\r\n]/

/**
 * One CSV line (with its `\n`), quoting only the fields that need it.
 *
 * @example
 * csvLine(['536381', 'AIRLINE LOUNGE,METAL SIGN', '2']) // '536381,"AIRLINE LOUNGE,METAL SIGN",2\n'
 */
export function csvLine(fields: readonly string[]): string {
  let out = ''
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!
    if (i > 0) out += ','
    out += needsQuotes.test(f) ? `"${f.replaceAll('"', '""')}"` : f
  }
  return `${out}\n`
}
