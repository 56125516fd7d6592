/** CSV reading and writing: RFC 4180 quoting, line numbers, and malformed records that cost only their own line. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { csvLine, readCsvRecords, type CsvRecord, type ReadCsvOptions } from './csv.ts'

async function read(text: string | string[], options?: ReadCsvOptions): Promise<CsvRecord[]> {
  const chunks = typeof text === 'string' ? [text] : text
  const out: CsvRecord[] = []
  for await (const r of readCsvRecords((async function* () { yield* chunks })(), options)) out.push(r)
  return out
}

describe('csv', () => {
  test('fields, quotes, doubled quotes, CRLF, blank lines, a field over two lines; each record with its first line', async () => {
    const text = 'a,b,c\r\n1,"x, y",3\n\n2,"say ""hi""",\n3,"two\nlines",z\n4,,'
    assert.deepEqual(await read(text), [
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, y', '3'] },
      { line: 4, fields: ['2', 'say "hi"', ''] },
      { line: 5, fields: ['3', 'two\nlines', 'z'] },
      { line: 7, fields: ['4', '', ''] },
    ])
  })

  test('malformed records are errors naming their line; reading goes on', async () => {
    const text = 'a,b\n1,"x"y\n2,ab"c\n3,ok\n'
    assert.deepEqual(await read(text), [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, error: 'text after the closing quote of field 2' },
      { line: 3, error: 'a quote inside unquoted field 2' },
      { line: 4, fields: ['3', 'ok'] },
    ])
  })

  test('a quote opened by mistake costs one line: the lines after it are read again', async () => {
    const text = 'a,b,c\n1,"broken,x\n2,y,z\n3,"q",w\n4,v,u\n'
    const records = await read(text, { fieldCount: () => 3 })
    assert.deepEqual(records, [
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, error: 'a quoted field is never closed' },
      { line: 3, fields: ['2', 'y', 'z'] },
      { line: 4, fields: ['3', 'q', 'w'] },
      { line: 5, fields: ['4', 'v', 'u'] },
    ])
    // Never closed at all, to the end of the file.
    assert.deepEqual(await read('a,b\n"x,1\n2,3'), [{ line: 1, fields: ['a', 'b'] }, { line: 2, error: 'a quoted field is never closed' }, { line: 3, fields: ['2', '3'] }])
  })

  test('csvLine quotes only what needs it', () => {
    assert.equal(csvLine(['536381', 'AIRLINE LOUNGE,METAL SIGN', '2']), '536381,"AIRLINE LOUNGE,METAL SIGN",2\n')
    assert.equal(csvLine(['RECORD FRAME 7" SINGLE', ' x ', 'a\nb', '']), '"RECORD FRAME 7"" SINGLE", x ,"a\nb",\n')
  })

  test('property: any rows written with csvLine read back the same, however the text is cut into chunks', async () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ',', '"', '\n', ' ', 'é', '\r\n'), maxLength: 8 })
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }).chain((n) => fc.array(fc.array(field, { minLength: n, maxLength: n }), { minLength: 1, maxLength: 6 })),
        fc.array(fc.nat(), { maxLength: 5 }),
        async (rows, cuts) => {
          // A row of one empty field is a blank line, which readers skip: give it content.
          const written = rows.map((r) => (r.length === 1 && r[0] === '' ? ['x'] : r))
          const text = written.map(csvLine).join('')
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)
          const chunks = [0, ...points].map((p, i, all) => text.slice(p, all[i + 1] ?? text.length))
          const back = await read(chunks)
          assert.deepEqual(back.map((r) => r.fields), written)
        },
      ),
      { numRuns: 300 },
    )
  })
})
