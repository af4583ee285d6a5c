// arrivingFields' complete fields edge by edge: spacing, literals and numbers at the end of the text, nesting, escapes, and what stops the read.
import t from 'tap'
import { arrivingFields } from '../../src/engine/json-fields.ts'

const completeFields = (text: string) => arrivingFields(text).fields

t.test('spaces, tabs and newlines around keys, colons, values and commas', async (t) => {
  t.same(completeFields('{ "a" : 1 , "b" :\t"x" ,\n "c": [ 1 ] }'), { a: 1, b: 'x', c: [1] })
  t.same(completeFields('{\n  "a": true,\n  "b": null\n}'), { a: true, b: null })
})

t.test('a number is complete only once something follows it; true, false and null as soon as they are spelled out', async (t) => {
  t.same(completeFields('{"a": 12'), {})
  t.same(completeFields('{"a": 12 '), { a: 12 }, 'a space ends it')
  t.same(completeFields('{"a": 12\n'), { a: 12 })
  t.same(completeFields('{"a": 12}'), { a: 12 })
  t.same(completeFields('{"a": -1.5,'), { a: -1.5 })
  t.same(completeFields('{"a": [12]'), { a: [12] }, 'a bracket ends it inside an array')
  t.same(completeFields('{"a": true'), { a: true })
  t.same(completeFields('{"a": false'), { a: false })
  t.same(completeFields('{"a": null'), { a: null })
  t.same(completeFields('{"a": tru'), {})
  t.same(completeFields('{"a": nul'), {})
})

t.test('nested values end at their own closing bracket, whatever strings hold', async (t) => {
  t.same(completeFields('{"a": [1, [2, 3]], "b": 1}'), { a: [1, [2, 3]], b: 1 })
  t.same(completeFields('{"a": [1, [2, 3]'), {}, 'the outer array is still open')
  t.same(completeFields('{"a": {"b": "]}"}, "c": 2}'), { a: { b: ']}' }, c: 2 })
  t.same(completeFields('{"a": {"b": [1, {"c": 2}]}, "d": 3 '), { a: { b: [1, { c: 2 }] }, d: 3 })
  t.same(completeFields('{"a": ["x'), {}, 'an unterminated string inside an array')
  t.same(completeFields('{"a": {"b": "x\\"]"}, "c": 1}'), { a: { b: 'x"]' }, c: 1 }, 'an escaped quote inside a nested string')
})

t.test('escapes: a backslash escapes the next character only', async (t) => {
  t.same(completeFields('{"a": "x\\\\", "b": 2}'), { a: 'x\\', b: 2 }, 'an escaped backslash does not escape the closing quote')
  t.same(completeFields('{"a\\"b": 1}'), { 'a"b': 1 }, 'an escaped quote in a key')
  t.same(completeFields('{"a": "x\\'), {}, 'a trailing backslash: still open')
})

t.test('text before the object is skipped; anything that is not JSON stops the read', async (t) => {
  t.same(completeFields('Sure! {"a": 1}'), { a: 1 })
  t.same(completeFields('no object here'), {})
  t.same(completeFields('{'), {})
  t.same(completeFields('{"a"'), {}, 'a key without its colon yet')
  t.same(completeFields('{"a" 1, "b": 2}'), {}, 'a missing colon')
  t.same(completeFields('{"a":'), {}, 'nothing after the colon yet')
  t.same(completeFields('{"a": '), {})
  t.same(completeFields('{"a": 1 "b": 2}'), { a: 1 }, 'a missing comma stops after the first field')
  t.same(completeFields('{"a": 1, }'), { a: 1 })
  t.same(completeFields('{a: 1}'), {}, 'an unquoted key')
  t.same(completeFields('{"a": 01, "b": 2}'), {}, 'an invalid number')
  t.same(completeFields('{"a": "x", "b'), { a: 'x' }, 'a key still arriving')
})

t.test('a read starts only after an opening brace, and each key, colon and comma must be exactly where JSON puts it', async (t) => {
  t.same(completeFields('"a": 1, "b": 2'), {}, 'fields without the opening brace')
  t.same(completeFields('{"a": 1, x"b": 2}'), { a: 1 }, 'a stray character before a key')
  t.same(completeFields('{"a" 12, "b": 2}'), {}, 'a stray character where the colon belongs')
  t.same(completeFields('{"a": 1 ;"b": 2}'), { a: 1 }, 'a stray character where the comma belongs')
})
